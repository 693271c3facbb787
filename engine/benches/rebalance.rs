//! Criterion benchmarks of rebalancing: `band_status`, which the live path runs on every
//! price tick of every session, and the full trade list for comparison. 10 positions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::rebalance::{Position, RebalanceSettings, ShareUnit, band_status, rebalance};

/// Ten positions, the first two far over target so that the portfolio is outside its band
/// and the trade count is computed too (the dearer case).
fn positions() -> Vec<Position> {
    (0..10)
        .map(|i| Position {
            quantity: if i < 2 { 120.0 } else { 40.0 + f64::from(i) },
            price: 20.0 + 7.5 * f64::from(i),
            target: 0.1,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let positions = positions();
    let settings = RebalanceSettings {
        shares: ShareUnit::Whole,
        min_trade_value: 50.0,
        ..RebalanceSettings::default()
    };
    assert!(band_status(&positions, &settings).unwrap().outside);
    c.bench_function("band_status_10", |b| {
        b.iter(|| band_status(black_box(&positions), black_box(&settings)).unwrap());
    });
    c.bench_function("rebalance_10", |b| {
        b.iter(|| rebalance(black_box(&positions), black_box(1_000.0), &settings).unwrap());
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
