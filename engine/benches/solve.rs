//! Criterion benchmarks of solving P1 for an 85% chance at 10,000 paths, one per lever: the
//! whole search and the fresh run at the answer, as `POST /planning/solve` runs it. The
//! equity share cannot reach 85% on P1 (about 56% at most, all in equity), so it is measured
//! there (the whole grid and the search for a peak, then the refusal) and at 50%, which it
//! reaches.
//!
//! `solve_live_p1_1k`: what a WebSocket `solve` costs a live session (1,000 paths, P1 at a
//! live wealth of 300,000, 50% so that every lever has an answer): starting wealth and
//! contribution from the prepared simulation's thresholds (read, then searched), the others
//! searched by simulation; each with its fresh run.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::sim::reference::p1;
use engine::sim::{
    Lever, PreparedSimulation, SimulationOptions, SolveError, SolveWith, solve, solve_with,
};

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
    live(c);
}

fn live(c: &mut Criterion) {
    let options = SimulationOptions {
        paths: 1_000,
        seed: 42,
        fan_chart: false,
    };
    let prepared = PreparedSimulation::new(&p1(), &options).unwrap();
    let mut plan = p1();
    plan.initial_wealth = 300_000.0;
    let equity = [true, true, false];
    let mut group = c.benchmark_group("solve_live_p1_1k");
    group.sample_size(20);
    for (name, lever) in [
        ("initial_wealth", Lever::InitialWealth),
        ("monthly_contribution", Lever::MonthlyContribution),
        ("monthly_spending", Lever::MonthlySpending),
        ("retirement_month", Lever::RetirementMonth),
        ("equity_share", Lever::EquityShare),
    ] {
        let run = || {
            let thresholds = match lever {
                Lever::InitialWealth => Some(prepared.wealth_thresholds().to_vec()),
                Lever::MonthlyContribution => {
                    Some(prepared.contribution_thresholds(plan.initial_wealth))
                }
                _ => None,
            };
            let with = SolveWith {
                equity: &equity,
                thresholds: thresholds.as_deref(),
                extensions: None,
            };
            solve_with(black_box(&plan), lever, 0.5, &options, with).unwrap()
        };
        println!("live {name}: {} success evaluations", run().evaluations);
        group.bench_function(name, |b| b.iter(run));
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
