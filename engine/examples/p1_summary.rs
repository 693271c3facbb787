//! Prints P1's summary at a path count given on the command line (a quick cross-check tool);
//! a second argument `fan` also computes the fan chart.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use engine::sim::{AssetClass, Plan, SimulationOptions, simulate};

fn main() {
    let paths: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let plan = Plan {
        initial_wealth: 250_000.0,
        monthly_contribution: 1500.0,
        retirement_month: 360,
        monthly_spending: 5000.0,
        horizon_months: 720,
        annual_inflation: 0.025,
        annual_fee: 0.002,
        assets: vec![
            AssetClass {
                mu: 0.07,
                sigma: 0.16,
            },
            AssetClass {
                mu: 0.065,
                sigma: 0.18,
            },
            AssetClass {
                mu: 0.03,
                sigma: 0.05,
            },
        ],
        weights: vec![0.6, 0.2, 0.2],
        correlation: vec![
            vec![1.0, 0.8, 0.1],
            vec![0.8, 1.0, 0.1],
            vec![0.1, 0.1, 1.0],
        ],
    };
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
