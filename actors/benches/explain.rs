//! Criterion benchmarks of what explaining costs a live session, on P1 at the live 1,000
//! paths: an update's explanation against its subscription's reference (a tick that moved
//! nothing, a tick that moved the success, the first update after a plan change), encoding
//! an update in JSON with and without it (each connection encodes its own frame), and the
//! curve an `explain` request draws again for a plan nobody refers to any more.
#![allow(clippy::unwrap_used)]

mod common;

use std::hint::black_box;

use actors::live::explain::explain_change;
use criterion::{Criterion, criterion_group, criterion_main};
use engine::sim::explain::SuccessCurve;
use protocol::ws::{Encoding, ServerMessage};

use self::common::{Scene, scene, update};

fn bench(c: &mut Criterion) {
    let Scene {
        reference,
        still,
        fallen,
        committed,
        plan,
        options,
    } = scene();
    assert!(explain_change(&reference, &still).is_none());
    let market = update(explain_change(&reference, &fallen));
    let plain = update(None);
    let explained = update(explain_change(&reference, &committed));
    let size = |m: &ServerMessage| Encoding::Json.encode(m).unwrap().len();
    println!(
        "an update's JSON: {} bytes; {} with a market-only explanation, {} with one naming an input",
        size(&plain),
        size(&market),
        size(&explained)
    );

    let mut group = c.benchmark_group("explain_p1_1k");
    group.bench_function("update_nothing_moved", |b| {
        b.iter(|| explain_change(black_box(&reference), black_box(&still)));
    });
    group.bench_function("update_market_moved", |b| {
        b.iter(|| explain_change(black_box(&reference), black_box(&fallen)));
    });
    group.bench_function("update_after_a_plan_change", |b| {
        b.iter(|| explain_change(black_box(&reference), black_box(&committed)));
    });
    group.bench_function("encode_update_json", |b| {
        b.iter(|| Encoding::Json.encode(black_box(&plain)).unwrap());
    });
    group.bench_function("encode_update_json_market", |b| {
        b.iter(|| Encoding::Json.encode(black_box(&market)).unwrap());
    });
    group.bench_function("encode_update_json_plan_change", |b| {
        b.iter(|| Encoding::Json.encode(black_box(&explained)).unwrap());
    });
    group.sample_size(20);
    group.bench_function("redraw_an_old_plans_curve", |b| {
        b.iter(|| SuccessCurve::new(black_box(&plan.base), &options).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
