//! Criterion benchmarks of the base model on P1 of `docs/simulation-model.md` (3 assets, 720 months).
//!
//! Throughput is reported in path-months (paths × 720), so `p1_full` can be set against
//! `normals`, the cost of the three standard normals a path-month needs and nothing else.
//! The big path counts take seconds per iteration; their groups use criterion's minimum of
//! 10 samples and flat sampling so that the whole bench stays within a few minutes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use engine::sim::reference::p1;
use engine::sim::{
    EXACT_FAN_CHART_PATHS, FanChartMethod, PreparedOptions, PreparedSimulation, SimulationOptions,
    rng::path_stream, simulate, simulate_with,
};
use rand_distr::{Distribution, StandardNormal};

const MONTHS: u64 = 720;
const SEED: u64 = 20_261_128;

fn options(paths: u32, fan_chart: bool) -> SimulationOptions {
    SimulationOptions {
        paths,
        seed: SEED,
        fan_chart,
    }
}

fn full_runs(c: &mut Criterion) {
    let plan = p1();
    let mut group = c.benchmark_group("p1_full");
    group.sampling_mode(SamplingMode::Flat);
    for paths in [1_000u32, 10_000, 50_000, 500_000] {
        let (samples, seconds) = match paths {
            500_000 => (10, 20),
            50_000 => (10, 8),
            _ => (20, 5),
        };
        group
            .sample_size(samples)
            .measurement_time(Duration::from_secs(seconds))
            .warm_up_time(Duration::from_secs(if paths >= 500_000 { 3 } else { 1 }))
            .throughput(Throughput::Elements(u64::from(paths) * MONTHS));
        for fan_chart in [false, true] {
            let id = BenchmarkId::new(if fan_chart { "fan_on" } else { "fan_off" }, paths);
            let opts = options(paths, fan_chart);
            group.bench_with_input(id, &opts, |b, opts| {
                b.iter(|| simulate(black_box(&plan), opts).unwrap());
            });
        }
        // Above EXACT_FAN_CHART_PATHS, `fan_on` counts into histograms; this keeps every
        // yearly value instead, as `fan_on` did before.
        if paths > EXACT_FAN_CHART_PATHS {
            let opts = options(paths, true);
            group.bench_with_input(BenchmarkId::new("fan_exact", paths), &opts, |b, opts| {
                b.iter(|| simulate_with(black_box(&plan), opts, FanChartMethod::Exact).unwrap());
            });
        }
    }
    group.finish();
}

/// One thread, so that ns per path-month per core is read directly.
fn one_thread(c: &mut Criterion) {
    let plan = p1();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("p1_one_thread");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(10_000 * MONTHS));
    group.bench_function("fan_off/10000", |b| {
        b.iter(|| pool.install(|| simulate(black_box(&plan), &options(10_000, false)).unwrap()));
    });
    group.finish();
}

fn prepared(c: &mut Criterion) {
    let plan = p1();
    let opts = options(1_000, false);
    let mut group = c.benchmark_group("prepared");
    group.throughput(Throughput::Elements(1_000));
    let prepared = PreparedSimulation::new(&plan, &opts).unwrap();
    eprintln!(
        "prepared 1,000-path plan holds {} bytes of coefficients in a {}-byte struct",
        prepared.memory_bytes(),
        std::mem::size_of::<PreparedSimulation>(),
    );
    let mut scratch = Vec::with_capacity(1_000);
    group.bench_function("answer/1000", |b| {
        b.iter(|| prepared.answer(black_box(300_000.0), &mut scratch));
    });
    group.bench_function("answer_with_contribution/1000", |b| {
        b.iter(|| prepared.answer_with(black_box(300_000.0), black_box(2_000.0), &mut scratch));
    });
    let with_fan =
        PreparedSimulation::with_options(&plan, &opts, PreparedOptions { fan_chart: true })
            .unwrap();
    eprintln!(
        "prepared 1,000-path plan with the fan chart holds {} bytes of coefficients",
        with_fan.memory_bytes(),
    );
    group.bench_function("answer_fan_chart/1000", |b| {
        b.iter(|| with_fan.answer_fan_chart(black_box(300_000.0), &mut scratch));
    });
    group.bench_function("answer_with_fan_chart/1000", |b| {
        b.iter(|| {
            with_fan.answer_with_fan_chart(black_box(300_000.0), black_box(2_000.0), &mut scratch)
        });
    });
    // A market tick moves the starting wealth a little from one answer to the next.
    let mut wealth = 300_000.0;
    group.bench_function("answer_fan_chart_ticks/1000", |b| {
        b.iter(|| {
            wealth = if wealth > 310_000.0 {
                290_000.0
            } else {
                wealth * 1.001
            };
            with_fan.answer_fan_chart(black_box(wealth), &mut scratch)
        });
    });
    group
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1_000 * MONTHS));
    group.bench_function("new/1000", |b| {
        b.iter(|| PreparedSimulation::new(black_box(&plan), &opts).unwrap());
    });
    group.bench_function("new_fan_chart/1000", |b| {
        b.iter(|| {
            PreparedSimulation::with_options(
                black_box(&plan),
                &opts,
                PreparedOptions { fan_chart: true },
            )
            .unwrap()
        });
    });
    group.finish();
}

/// Only the normals of 1,000 paths × 720 months × 3 assets, drawn on one thread from the
/// same per-path streams: the floor under the model's cost per path-month.
fn normals(c: &mut Criterion) {
    const PATHS: u64 = 1_000;
    let mut group = c.benchmark_group("normals");
    group
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(PATHS * MONTHS));
    group.bench_function("one_by_one/3x1000x720", |b| {
        b.iter(|| {
            let mut sum = 0.0_f64;
            for p in 0..PATHS {
                let mut rng = path_stream(SEED, p);
                for _ in 0..3 * MONTHS {
                    let z: f64 = StandardNormal.sample(&mut rng);
                    sum += z;
                }
            }
            black_box(sum)
        });
    });
    let mut buffer = vec![0.0_f64; 3 * 720];
    group.bench_function("buffer_per_path/3x1000x720", |b| {
        b.iter(|| {
            let mut sum = 0.0_f64;
            for p in 0..PATHS {
                let rng = path_stream(SEED, p);
                for (slot, z) in buffer.iter_mut().zip(StandardNormal.sample_iter(rng)) {
                    *slot = z;
                }
                sum += black_box(&buffer)[0];
            }
            black_box(sum)
        });
    });
    group.finish();
}

criterion_group!(benches, full_runs, one_thread, prepared, normals);
criterion_main!(benches);
