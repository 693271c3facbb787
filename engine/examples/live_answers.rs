//! Answers a prepared 1,000-path P1 plan `N` times as a live session does on market ticks
//! (the starting wealth moving 0.1% each time), with the fan chart when the second argument
//! is `fan`. Under `valgrind --tool=callgrind`, the instructions of N answers less those of 0
//! are what an update costs, whatever else the machine is doing (BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::hint::black_box;

use engine::sim::reference::p1;
use engine::sim::{PreparedOptions, PreparedSimulation, SimulationOptions};

fn main() {
    let answers: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000);
    let fan_chart = std::env::args().nth(2).is_some_and(|a| a == "fan");
    let options = SimulationOptions {
        paths: 1_000,
        seed: 20_261_128,
        fan_chart: false,
    };
    let prepared =
        PreparedSimulation::with_options(&p1(), &options, PreparedOptions { fan_chart }).unwrap();
    let mut scratch = Vec::with_capacity(1_000);
    let mut wealth = 300_000.0;
    let mut checksum = 0.0;
    for _ in 0..answers {
        wealth = if wealth > 310_000.0 {
            290_000.0
        } else {
            wealth * 1.001
        };
        checksum += if fan_chart {
            let answer = prepared
                .answer_fan_chart(black_box(wealth), &mut scratch)
                .unwrap();
            answer.fan_chart[59].real_wealth.p50 + answer.answer.success_probability
        } else {
            prepared
                .answer(black_box(wealth), &mut scratch)
                .success_probability
        };
    }
    println!(
        "{answers} answers (fan chart {fan_chart}): {} bytes prepared, checksum {checksum}",
        prepared.memory_bytes()
    );
}
