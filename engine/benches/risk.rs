//! Criterion benchmarks of the risk assessment as `GET /ml/risk-assessment` runs it by default
//! (P1, 2,000 paths, seed 1): capacity read off the ruin thresholds (one pass over the paths),
//! capacity by bisection where a withdrawal strategy makes flows depend on wealth, the need
//! (the solver's equity share, with its fresh run) and the equity cap of a fall.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::risk::{CapacityMethod, capacity, equity_cap, need};
use engine::sim::SimulationOptions;
use engine::sim::extended::{Extensions, Withdrawal};
use engine::sim::reference::p1;

fn bench(c: &mut Criterion) {
    let plan = p1();
    let options = SimulationOptions {
        paths: 2_000,
        seed: 1,
        fan_chart: false,
    };
    let equity = [true, true, false];
    let mut group = c.benchmark_group("risk_p1_2k");
    group.sample_size(10);
    group.bench_function("capacity_thresholds_50", |b| {
        b.iter(|| capacity(black_box(&plan), None, 0.5, &options).unwrap());
    });
    let dependent = Extensions {
        withdrawal: Withdrawal::FloorCeiling {
            annual_rate: 0.06,
            floor: 0.9,
            ceiling: 1.1,
        },
        ..Extensions::default()
    };
    if let CapacityMethod::Bisection { evaluations } =
        capacity(&plan, Some(&dependent), 0.5, &options)
            .unwrap()
            .method
    {
        println!("capacity by bisection: {evaluations} runs");
    }
    group.bench_function("capacity_bisection_floor_ceiling_50", |b| {
        b.iter(|| capacity(black_box(&plan), Some(&dependent), 0.5, &options).unwrap());
    });
    for target in [0.5, 0.8] {
        group.bench_function(format!("need_{}", (target * 100.0) as u32), |b| {
            b.iter(|| need(black_box(&plan), None, &equity, target, &options).unwrap());
        });
    }
    group.bench_function("equity_cap", |b| {
        b.iter(|| equity_cap(black_box(&plan), &equity, black_box(0.2)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
