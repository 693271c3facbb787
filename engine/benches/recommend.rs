//! Criterion benchmark of recommending changes to P1 as `POST /ml/recommendations` does at
//! its defaults (2,000 paths): every candidate within the default limits verified path by
//! path against the plan on the same seed, then the choice of what is worth saying.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::recommend::{Limits, best, candidates, verify};
use engine::sim::SimulationOptions;
use engine::sim::reference::p1;

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
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
