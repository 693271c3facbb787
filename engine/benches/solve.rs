//! Criterion benchmarks of solving P1 for an 85% chance at 10,000 paths, one per lever: the
//! whole search and the fresh run at the answer, as `POST /planning/solve` runs it.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::sim::reference::p1;
use engine::sim::{Lever, SimulationOptions, solve};

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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
