//! Prints P1's summary at a path count given on the command line (a quick cross-check tool);
//! a second argument `fan` also computes the fan chart.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use engine::sim::reference::p1;
use engine::sim::{SimulationOptions, simulate};

fn main() {
    let paths: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let plan = p1();
    let start = std::time::Instant::now();
    let r = simulate(
        &plan,
        &SimulationOptions {
            paths,
            seed: 20_261_128,
            fan_chart: std::env::args().nth(2).is_some_and(|a| a == "fan"),
        },
    )
    .unwrap();
    println!("{paths} paths in {:?}", start.elapsed());
    println!(
        "success {} se {}",
        r.success_probability, r.success_standard_error
    );
    println!("terminal {:?}", r.terminal_real_wealth);
}
