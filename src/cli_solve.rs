//! `glidepath solve plan.json --for LEVER --target-success P`: the value of one lever that
//! reaches a target success probability, without a server.

use std::io::Write as _;
use std::path::Path;

use engine::sim::{Lever, SimulationOptions, SolveError, solve};
use serde_json::json;

use crate::cli_simulate::{money, read_plan, seed_or_random};

/// The lever, as the command line names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum CliLever {
    /// The highest monthly spending.
    MonthlySpending,
    /// The lowest monthly contribution.
    MonthlyContribution,
    /// The earliest retirement month.
    RetirementMonth,
    /// The smallest starting wealth.
    InitialWealth,
}

impl From<CliLever> for Lever {
    fn from(l: CliLever) -> Self {
        match l {
            CliLever::MonthlySpending => Self::MonthlySpending,
            CliLever::MonthlyContribution => Self::MonthlyContribution,
            CliLever::RetirementMonth => Self::RetirementMonth,
            CliLever::InitialWealth => Self::InitialWealth,
        }
    }
}

/// `--json`'s answer, in the documented key order.
#[derive(serde::Serialize)]
struct Answer {
    #[serde(rename = "for")]
    lever: &'static str,
    value: f64,
    achieved_success: f64,
    standard_error: f64,
}

/// Reads the plan in `path` and solves it; returns the text to print.
///
/// # Errors
/// An unreadable or invalid plan, a bad seed or target, or a target no value in range
/// reaches (with `--json`, `{"for": …, "status": "unreachable", "message": …}` is printed on
/// standard output as well).
pub fn run(
    path: &Path,
    lever: CliLever,
    target: f64,
    paths: u32,
    seed: Option<u64>,
    json: bool,
) -> anyhow::Result<String> {
    let plan = read_plan(path)?;
    let seed = seed_or_random(seed)?;
    let lever = Lever::from(lever);
    let options = SimulationOptions {
        paths,
        seed,
        fan_chart: false,
    };
    let solution = match solve(&plan, lever, target, &options) {
        Ok(s) => s,
        Err(SolveError::Target(t)) => {
            anyhow::bail!("--target-success: {t} must be above 0 and at most 1")
        }
        Err(SolveError::Simulation(e)) => anyhow::bail!("{}: {e}", e.field()),
        Err(err @ SolveError::Unreachable { .. }) => {
            if json {
                let _ = writeln!(
                    std::io::stdout(),
                    "{}",
                    json!({"for": lever.field(), "status": "unreachable", "message": err.to_string()})
                );
            }
            anyhow::bail!("{err}");
        }
    };
    if json {
        return Ok(serde_json::to_string_pretty(&Answer {
            lever: lever.field(),
            value: solution.value,
            achieved_success: solution.achieved_success,
            standard_error: solution.standard_error,
        })?);
    }
    let value = match lever {
        Lever::RetirementMonth => format!("month {}", solution.value),
        _ => format!(
            "{}.{:02}",
            money(solution.value.trunc()),
            cents(solution.value)
        ),
    };
    Ok(format!(
        "{}: {value} reaches {:.1}% success on {paths} paths (seed {seed}); on fresh paths it \
         achieves {:.1}% ± {:.1}%",
        lever.field(),
        solution.search_success * 100.0,
        solution.achieved_success * 100.0,
        solution.standard_error * 100.0,
    ))
}

/// The cents of a money amount.
fn cents(v: f64) -> u32 {
    // 0 to 99 by construction.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let c = ((v - v.trunc()) * 100.0).round().clamp(0.0, 99.0) as u32;
    c
}
