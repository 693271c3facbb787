//! Criterion benchmark of recommending changes to P1 as `POST /ml/recommendations` does at
//! its defaults (2,000 paths): every candidate within the default limits verified path by
//! path against the plan on the same seed, then the choice of what is worth saying; and the
//! same for P1 with goals and a pension (model extensions), whose candidates are all verified
//! on the extended model (none screened).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::recommend::{Limits, best, candidates, candidates_extended, verify, verify_extended};
use engine::sim::SimulationOptions;
use engine::sim::extended::{Cola, Extensions, Goal, IncomeStream, Priority};
use engine::sim::reference::p1;

/// P1 with a boat it wants at 10 years, a wedding it wishes for at 20, a roof it needs at 35
/// and a state pension from retirement (as `tests/api/recommendations.rs`).
fn with_goals() -> Extensions {
    let goal = |amount, month, priority| Goal {
        amount,
        month,
        priority,
    };
    Extensions {
        goals: vec![
            goal(80_000.0, 120, Priority::Want),
            goal(40_000.0, 240, Priority::Wish),
            goal(120_000.0, 420, Priority::Need),
        ],
        income: vec![IncomeStream {
            monthly_amount: 800.0,
            start_month: 360,
            end_month: None,
            cola: Cola::Inflation,
        }],
        ..Extensions::default()
    }
}

fn bench(c: &mut Criterion) {
    let plan = p1();
    let equity = [true, true, false];
    let options = SimulationOptions {
        paths: 2000,
        seed: 7,
        fan_chart: false,
    };
    let actions = candidates(&plan, Some(&equity), &Limits::default());
    println!("{} candidates", actions.len());
    let mut group = c.benchmark_group("recommend_p1_2000");
    group.sample_size(10);
    group.bench_function("verify_all_and_choose", |b| {
        b.iter(|| {
            let verified = verify(black_box(&plan), &actions, &equity, &options).unwrap();
            best(verified, 0.85, 0.8, 5)
        });
    });
    let extensions = with_goals();
    let extended = candidates_extended(&plan, &extensions, Some(&equity), &Limits::default());
    println!("{} extended candidates", extended.len());
    group.bench_function("extended_verify_all_and_choose", |b| {
        b.iter(|| {
            let verified =
                verify_extended(black_box(&plan), &extensions, &extended, &equity, &options)
                    .unwrap();
            best(verified, 0.85, 0.8, 5)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
