//! What a live session computes per tick for P1 with model extensions at its 1,000 paths,
//! `N` times, the starting wealth moving 0.1% each time: with a need in five years, another at
//! month 500 and a pension from month 420 (no flow depends on wealth), the prepared extended
//! answer (`plain`), with the fan chart (`fan`); with Guyton and Klinger's guardrails on top,
//! which make spending depend on wealth, a run of the extended plan (`rerun`). Under
//! `valgrind --tool=callgrind` with `RAYON_NUM_THREADS=1`, the instructions of N ticks less
//! those of 0 are what a tick costs, whatever else the machine is doing (BENCHMARKS.md,
//! "Model extensions").
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;

use engine::sim::SimulationOptions;
use engine::sim::extended::prepared::PreparedExtended;
use engine::sim::extended::{
    Cola, Extensions, Goal, IncomeStream, Priority, Withdrawal, simulate_extended,
};
use engine::sim::reference::p1;

fn main() {
    let ticks: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let mode = std::env::args().nth(2).unwrap_or_else(|| "plain".into());
    let mut extensions = Extensions {
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
    };
    let options = SimulationOptions {
        paths: 1_000,
        seed: 20_261_128,
        fan_chart: mode == "fan",
    };
    let mut wealth = 300_000.0;
    let mut next = move || {
        wealth = if wealth > 310_000.0 {
            290_000.0
        } else {
            wealth * 1.001
        };
        wealth
    };
    let mut checksum = 0.0;
    if mode == "rerun" {
        extensions.withdrawal = Withdrawal::GuytonKlinger {
            guardrail: 0.2,
            adjustment: 0.1,
            protected_final_years: 15,
        };
        let mut plan = p1();
        for _ in 0..ticks {
            plan.initial_wealth = next();
            let run = simulate_extended(black_box(&plan), &extensions, &options).unwrap();
            checksum += run.base.success_probability + run.goals[0].probability;
        }
        println!("{ticks} runs: checksum {checksum}");
        return;
    }
    let prepared = PreparedExtended::new(&p1(), &extensions, &options).unwrap();
    let mut scratch = Vec::with_capacity(1_000);
    for _ in 0..ticks {
        let wealth = next();
        let answer = prepared.answer(black_box(wealth), &mut scratch);
        checksum += answer.success_probability + answer.goals[0].probability;
        if prepared.has_fan_chart() {
            checksum += prepared.fan_chart(black_box(wealth), &mut scratch)[59]
                .real_wealth
                .p50;
        }
    }
    println!(
        "{ticks} answers ({mode}): {} bytes prepared, checksum {checksum}",
        prepared.memory_bytes()
    );
}
