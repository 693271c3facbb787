//! Criterion benchmarks of the extended month loop against the base kernel on P1: what a
//! switch costs per run at 10,000 paths (a REST run) and at 1,000 paths (a live session's
//! re-simulation per tick when a switch rules out the prepared answer), and what a live
//! session pays per tick for an extended plan at its 1,000 paths (`extended_live_p1_1000`):
//! the prepared answer where no cash flow depends on wealth, the run where one does.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::sim::extended::prepared::PreparedExtended;
use engine::sim::extended::{
    CashEvent, Cola, Extensions, GlidePoint, Goal, IncomeStream, InflationModel, Priority,
    RegimeSwitching, ReturnModel, Withdrawal, simulate_extended,
};
use engine::sim::reference::p1;
use engine::sim::{PreparedSimulation, SimulationOptions, simulate};

fn cases() -> Vec<(&'static str, Extensions)> {
    let goals = Extensions {
        goals: vec![
            Goal {
                amount: 60_000.0,
                month: 60,
                priority: Priority::Need,
            },
            Goal {
                amount: 30_000.0,
                month: 200,
                priority: Priority::Want,
            },
        ],
        income: vec![IncomeStream {
            monthly_amount: 1_200.0,
            start_month: 420,
            end_month: None,
            cola: Cola::Inflation,
        }],
        ..Extensions::default()
    };
    // 40 years of monthly returns with some pattern, three classes.
    #[allow(clippy::cast_precision_loss)]
    let history = (0..480)
        .map(|m| {
            let x = ((m * 37 % 101) as f64 / 100.0 - 0.5) * 0.08;
            vec![0.006 + x, 0.005 + 0.8 * x, 0.002 + 0.1 * x]
        })
        .collect();
    vec![
        ("base_switches", Extensions::default()),
        ("goals_and_income", goals.clone()),
        (
            "guyton_klinger",
            Extensions {
                withdrawal: Withdrawal::GuytonKlinger {
                    guardrail: 0.2,
                    adjustment: 0.1,
                    protected_final_years: 15,
                },
                ..goals
            },
        ),
        (
            "student_t",
            Extensions {
                returns: ReturnModel::StudentT { df: 5.0 },
                ..Extensions::default()
            },
        ),
        (
            "regime_switching",
            Extensions {
                returns: ReturnModel::RegimeSwitching(RegimeSwitching::hardy_2001()),
                ..Extensions::default()
            },
        ),
        (
            "bootstrap",
            Extensions {
                returns: ReturnModel::Bootstrap {
                    history,
                    block_months: 12,
                },
                ..Extensions::default()
            },
        ),
        (
            "stochastic_inflation",
            Extensions {
                inflation: InflationModel::Stochastic {
                    volatility: 0.015,
                    persistence: 0.97,
                    correlation: -0.1,
                },
                ..Extensions::default()
            },
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let plan = p1();
    for paths in [10_000, 1_000] {
        let options = SimulationOptions {
            paths,
            seed: 42,
            fan_chart: true,
        };
        let mut group = c.benchmark_group(format!("extended_p1_{paths}"));
        group.sample_size(10);
        group.bench_function("base_kernel", |b| {
            b.iter(|| simulate(black_box(&plan), &options).unwrap());
        });
        for (name, extensions) in cases() {
            group.bench_function(name, |b| {
                b.iter(|| simulate_extended(black_box(&plan), &extensions, &options).unwrap());
            });
        }
        group.finish();
    }
}

/// A need in five years and another at month 500, and a pension from month 420: the flows
/// of a typical plan, none depending on wealth.
fn needs_and_income() -> Extensions {
    Extensions {
        goals: vec![
            Goal {
                amount: 60_000.0,
                month: 60,
                priority: Priority::Need,
            },
            Goal {
                amount: 90_000.0,
                month: 500,
                priority: Priority::Need,
            },
        ],
        income: vec![IncomeStream {
            monthly_amount: 1_200.0,
            start_month: 420,
            end_month: None,
            cola: Cola::Inflation,
        }],
        ..Extensions::default()
    }
}

/// Plans a live session answers from prepared paths.
fn affine_cases() -> Vec<(&'static str, Extensions)> {
    let glide_path = vec![
        GlidePoint {
            month: 0,
            weights: p1().weights,
        },
        GlidePoint {
            month: 600,
            weights: vec![0.2, 0.1, 0.7],
        },
    ];
    let stochastic = InflationModel::Stochastic {
        volatility: 0.015,
        persistence: 0.97,
        correlation: -0.1,
    };
    vec![
        ("needs_and_income", needs_and_income()),
        (
            "glide_path",
            Extensions {
                glide_path: glide_path.clone(),
                ..Extensions::default()
            },
        ),
        (
            "student_t",
            Extensions {
                returns: ReturnModel::StudentT { df: 5.0 },
                ..Extensions::default()
            },
        ),
        (
            "stochastic_inflation",
            Extensions {
                inflation: stochastic,
                ..Extensions::default()
            },
        ),
        (
            "all_affine",
            Extensions {
                events: vec![CashEvent {
                    month: 300,
                    amount: 100_000.0,
                }],
                glide_path,
                returns: ReturnModel::StudentT { df: 5.0 },
                inflation: stochastic,
                ..needs_and_income()
            },
        ),
    ]
}

/// Plans a live session runs again at each wealth.
fn wealth_dependent_cases() -> Vec<(&'static str, Extensions)> {
    let mut wants = needs_and_income();
    wants.goals.push(Goal {
        amount: 30_000.0,
        month: 200,
        priority: Priority::Want,
    });
    let with = |withdrawal| Extensions {
        withdrawal,
        ..needs_and_income()
    };
    vec![
        ("wants", wants),
        (
            "guyton_klinger",
            with(Withdrawal::GuytonKlinger {
                guardrail: 0.2,
                adjustment: 0.1,
                protected_final_years: 15,
            }),
        ),
        ("vpw", with(Withdrawal::Vpw { real_return: 0.03 })),
        (
            "floor_ceiling",
            with(Withdrawal::FloorCeiling {
                annual_rate: 0.04,
                floor: 0.85,
                ceiling: 1.5,
            }),
        ),
    ]
}

/// What a live session pays per tick at its 1,000 paths: the prepared answer (and with the
/// fan chart) where the affine argument holds, preparing it, and the run where it does not.
fn live(c: &mut Criterion) {
    let plan = p1();
    let mut at_live = p1();
    at_live.initial_wealth = 300_000.0;
    let options = SimulationOptions {
        paths: 1_000,
        seed: 42,
        fan_chart: false,
    };
    let with_fan_chart = SimulationOptions {
        fan_chart: true,
        ..options
    };
    let mut scratch = Vec::with_capacity(1_000);
    let mut group = c.benchmark_group("extended_live_p1_1000");
    // The base model's prepared answers, for comparison on the same machine and run.
    let base = PreparedSimulation::new(&plan, &options).unwrap();
    let base_fan = PreparedSimulation::with_options(
        &plan,
        &options,
        engine::sim::PreparedOptions { fan_chart: true },
    )
    .unwrap();
    eprintln!(
        "base: {} bytes prepared, {} with the fan chart",
        base.memory_bytes(),
        base_fan.memory_bytes()
    );
    group.bench_function("answer/base_prepared", |b| {
        b.iter(|| base.answer(black_box(300_000.0), &mut scratch));
    });
    group.bench_function("answer_fan_chart/base_prepared", |b| {
        b.iter(|| base_fan.answer_fan_chart(black_box(300_000.0), &mut scratch));
    });
    for (name, extensions) in affine_cases() {
        let prepared = PreparedExtended::new(&plan, &extensions, &options).unwrap();
        let with_fan = PreparedExtended::new(&plan, &extensions, &with_fan_chart).unwrap();
        eprintln!(
            "{name}: {} bytes prepared, {} with the fan chart",
            prepared.memory_bytes(),
            with_fan.memory_bytes()
        );
        group.bench_function(format!("answer/{name}"), |b| {
            b.iter(|| prepared.answer(black_box(300_000.0), &mut scratch));
        });
        group.bench_function(format!("answer_fan_chart/{name}"), |b| {
            b.iter(|| {
                let answer = with_fan.answer(black_box(300_000.0), &mut scratch);
                (
                    answer,
                    with_fan.fan_chart(black_box(300_000.0), &mut scratch),
                )
            });
        });
    }
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group.bench_function("prepare/base_prepared", |b| {
        b.iter(|| PreparedSimulation::new(black_box(&plan), &options).unwrap());
    });
    for (name, extensions) in affine_cases() {
        group.bench_function(format!("prepare/{name}"), |b| {
            b.iter(|| PreparedExtended::new(black_box(&plan), &extensions, &options).unwrap());
        });
    }
    group.bench_function("rerun/base_kernel", |b| {
        b.iter(|| simulate(black_box(&at_live), &options).unwrap());
    });
    for (name, extensions) in wealth_dependent_cases() {
        group.bench_function(format!("rerun/{name}"), |b| {
            b.iter(|| simulate_extended(black_box(&at_live), &extensions, &options).unwrap());
        });
    }
    group.finish();
}

criterion_group!(benches, bench, live);
criterion_main!(benches);
