//! Criterion benchmarks of the extended month loop against the base kernel on P1: what a
//! switch costs per run at 10,000 paths (a REST run) and at 1,000 paths (a live session's
//! re-simulation per tick when a switch rules out the prepared answer).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use engine::sim::extended::{
    Cola, Extensions, Goal, IncomeStream, InflationModel, Priority, RegimeSwitching, ReturnModel,
    Withdrawal, simulate_extended,
};
use engine::sim::reference::p1;
use engine::sim::{SimulationOptions, simulate};

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

criterion_group!(benches, bench);
criterion_main!(benches);
