//! Criterion benchmarks of solving P1 for an 85% chance at 10,000 paths, one per lever: the
//! whole search and the fresh run at the answer, as `POST /planning/solve` runs it. The
//! equity share cannot reach 85% on P1 (about 56% at most, all in equity), so it is measured
//! there (the whole grid and the search for a peak, then the refusal) and at 50%, which it
//! reaches.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::sim::reference::p1;
use engine::sim::{Lever, SimulationOptions, SolveError, SolveWith, solve, solve_with};

fn bench(c: &mut Criterion) {
    let plan = p1();
    let options = SimulationOptions {
        paths: 10_000,
        seed: 42,
        fan_chart: false,
    };
    let mut group = c.benchmark_group("solve_p1_10k");
    group.sample_size(10);
    for (name, lever) in [
        ("initial_wealth", Lever::InitialWealth),
        ("monthly_contribution", Lever::MonthlyContribution),
        ("monthly_spending", Lever::MonthlySpending),
        ("retirement_month", Lever::RetirementMonth),
    ] {
        let steps = solve(&plan, lever, 0.85, &options).unwrap().evaluations;
        println!("{name}: {steps} success evaluations in the search");
        group.bench_function(name, |b| {
            b.iter(|| solve(black_box(&plan), lever, 0.85, &options).unwrap());
        });
    }
    let equity = SolveWith {
        equity: &[true, true, false],
        ..SolveWith::default()
    };
    let by_equity = |target| solve_with(&plan, Lever::EquityShare, target, &options, equity);
    assert!(matches!(
        by_equity(0.85),
        Err(SolveError::Unreachable { .. })
    ));
    let steps = by_equity(0.5).unwrap().evaluations;
    println!("equity_share at 50%: {steps} success evaluations in the search");
    group.bench_function("equity_share_unreachable_85", |b| {
        b.iter(|| by_equity(black_box(0.85)).unwrap_err());
    });
    group.bench_function("equity_share_50", |b| {
        b.iter(|| by_equity(black_box(0.5)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
