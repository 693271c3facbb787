//! Criterion benchmarks of the success surrogate with the committed default model: one
//! prediction for P1 (validation, the 720-month moment recursions and the logistic), and the
//! logistic alone on features already computed.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::ml::{Features, ModelFile};
use engine::sim::reference::{p0, p1};

const MODEL: &str = include_str!("../../models/success.json");

fn bench(c: &mut Criterion) {
    let surrogate = ModelFile::from_json(MODEL).unwrap().surrogate();
    let mut group = c.benchmark_group("ml");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let plan = p1();
    println!(
        "P1: predicted success {:.4}",
        surrogate.predict(&plan).unwrap()
    );
    group.bench_function("predict_p1", |b| {
        b.iter(|| surrogate.predict(black_box(&plan)).unwrap());
    });
    let short = p0();
    group.bench_function("predict_p0", |b| {
        b.iter(|| surrogate.predict(black_box(&short)).unwrap());
    });
    let features = Features::of(&plan).unwrap();
    group.bench_function("predict_features_p1", |b| {
        b.iter(|| surrogate.predict_features(black_box(&features)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
