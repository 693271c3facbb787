//! `glidepath solve plan.json --for LEVER --target-success P`: the value of one lever that
//! reaches a target success probability, without a server.

use std::io::Write as _;
use std::path::Path;

use engine::sim::{Lever, SimulationOptions, SolveError, SolveWith, solve_with};
use serde_json::json;

use crate::cli_simulate::{money, read_spec, seed_or_random};
use crate::domain::plan::{asset_classes, equity_mask, equity_names, to_engine_extended};

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
    /// The least share in the equity classes (`--equity-classes`, or told by name).
    EquityShare,
}

impl From<CliLever> for Lever {
    fn from(l: CliLever) -> Self {
        match l {
            CliLever::MonthlySpending => Self::MonthlySpending,
            CliLever::MonthlyContribution => Self::MonthlyContribution,
            CliLever::RetirementMonth => Self::RetirementMonth,
            CliLever::InitialWealth => Self::InitialWealth,
            CliLever::EquityShare => Self::EquityShare,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    equity_classes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weights: Option<Vec<f64>>,
}

/// The solve's inputs besides the plan file.
#[derive(Debug, Clone)]
pub struct SolveArgs {
    /// The lever.
    pub lever: CliLever,
    /// The success probability to reach.
    pub target: f64,
    /// Paths.
    pub paths: u32,
    /// The seed, random when `None`.
    pub seed: Option<u64>,
    /// For the equity share: the equity classes by name (told by name when `None`).
    pub equity_classes: Option<Vec<String>>,
    /// Print JSON.
    pub json: bool,
}

/// Reads the plan in `path` and solves it; returns the text to print.
///
/// # Errors
/// An unreadable or invalid plan, a bad seed or target, equity classes that are not the
/// plan's or cannot move the share, or a target no value in range reaches (with `--json`,
/// `{"for": …, "status": "unreachable", "message": …}` is printed on standard output as
/// well).
pub fn run(path: &Path, args: SolveArgs) -> anyhow::Result<String> {
    let SolveArgs {
        lever,
        target,
        paths,
        seed,
        equity_classes,
        json,
    } = args;
    let spec = read_spec(path)?;
    let (plan, extensions) = to_engine_extended(&spec, "", None)
        .map_err(|e| anyhow::anyhow!("{}: {}: {}", path.display(), e.field, e.message))?;
    let seed = seed_or_random(seed)?;
    let lever = Lever::from(lever);
    let classes = asset_classes(&spec);
    let equity = if lever == Lever::EquityShare {
        equity_mask(&classes, equity_classes.as_deref(), "")
            .map_err(|e| anyhow::anyhow!("--equity-classes: {}", e.message))?
    } else {
        Vec::new()
    };
    let options = SimulationOptions {
        paths,
        seed,
        fan_chart: false,
    };
    let with = SolveWith {
        equity: &equity,
        extensions: Some(&extensions),
        ..SolveWith::default()
    };
    let solution = match solve_with(&plan, lever, target, &options, with) {
        Ok(s) => s,
        Err(SolveError::Target(t)) => {
            anyhow::bail!("--target-success: {t} must be above 0 and at most 1")
        }
        Err(SolveError::Simulation(e)) => anyhow::bail!("{}: {e}", e.field()),
        Err(SolveError::Extended(e)) => anyhow::bail!("{}: {e}", e.field()),
        Err(SolveError::EquityClasses(message)) => anyhow::bail!("--equity-classes: {message}"),
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
    let equity_share = lever == Lever::EquityShare;
    let weights =
        equity_share.then(|| engine::sim::equity_weights(&plan.weights, &equity, solution.value));
    if json {
        return Ok(serde_json::to_string_pretty(&Answer {
            lever: lever.field(),
            value: solution.value,
            achieved_success: solution.achieved_success,
            standard_error: solution.standard_error,
            equity_classes: equity_share.then(|| equity_names(&classes, &equity)),
            weights,
        })?);
    }
    let value = match lever {
        Lever::RetirementMonth => format!("month {}", solution.value),
        Lever::EquityShare => format!(
            "{:.1}% in {} (weights {})",
            solution.value * 100.0,
            equity_names(&classes, &equity).join(", "),
            weights
                .unwrap_or_default()
                .iter()
                .zip(&classes)
                .map(|(w, c)| format!("{} {:.1}%", c.name, w * 100.0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
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
