//! `glidepath optimize` and `glidepath frontier`: portfolios from a price file, without a
//! server or a database.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::ValueEnum;
use engine::optimise::{
    self as opt, Constraints, CovarianceEstimator, Estimators, Market, Options, Portfolio,
    ReturnEstimator,
};
use ndarray::Array2;
use serde_json::{Map, Value, json};

use crate::domain::price_csv;

/// `--objective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CliObjective {
    /// The least variance.
    MinVariance,
    /// The highest Sharpe ratio at `--risk-free`.
    MaxSharpe,
    /// The least variance earning at least `--target` (annual return).
    EfficientReturn,
    /// The highest return with volatility at most `--target` (annual).
    EfficientRisk,
    /// The least historical CVaR of a day's loss at 95%.
    MinCvar,
    /// Equal risk contributions.
    RiskParity,
}

/// `--covariance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CliCovariance {
    /// Sample covariance (ddof 1) × 252.
    #[default]
    Sample,
    /// Ledoit–Wolf shrinkage towards the constant-variance target.
    LedoitWolf,
}

/// The CVaR level of `--objective min-cvar`.
pub const CVAR_BETA: f64 = 0.95;

/// What both commands read: the file, the window and the estimator.
#[derive(Debug, Clone)]
pub struct PriceWindow<'a> {
    /// The `date,SYM1,…` file.
    pub prices: &'a Path,
    /// First day, inclusive.
    pub from: Option<NaiveDate>,
    /// Last day, inclusive.
    pub to: Option<NaiveDate>,
    /// The covariance estimator.
    pub covariance: CliCovariance,
    /// The annual risk-free rate.
    pub risk_free: f64,
}

struct Loaded {
    symbols: Vec<String>,
    estimate: opt::Estimate,
    options: Options,
}

fn load(window: &PriceWindow<'_>) -> anyhow::Result<Loaded> {
    let shown = window.prices.display();
    let text =
        std::fs::read_to_string(window.prices).with_context(|| format!("reading {shown}"))?;
    let file = price_csv::parse(&text).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    if let (Some(from), Some(to)) = (window.from, window.to)
        && from > to
    {
        bail!("--from {from} is after --to {to}");
    }
    if !(window.risk_free.is_finite() && (-1.0..=1.0).contains(&window.risk_free)) {
        bail!("--risk-free must be a number from -1 to 1");
    }
    // Days on which every symbol has a close, as the server's estimates use.
    let rows: Vec<Vec<f64>> = file
        .days
        .iter()
        .zip(&file.closes)
        .filter(|(day, _)| {
            window.from.is_none_or(|f| **day >= f) && window.to.is_none_or(|t| **day <= t)
        })
        .filter_map(|(_, row)| row.iter().copied().collect::<Option<Vec<f64>>>())
        .collect();
    let needed = file.symbols.len() + 2;
    if rows.len() < needed.max(3) {
        bail!(
            "{shown}: {} days in the window have a close for every symbol; at least {} are needed",
            rows.len(),
            needed.max(3)
        );
    }
    let table = Array2::from_shape_vec((rows.len(), file.symbols.len()), rows.concat())?;
    let estimators = Estimators {
        returns: ReturnEstimator::Mean,
        covariance: match window.covariance {
            CliCovariance::Sample => CovarianceEstimator::Sample,
            CliCovariance::LedoitWolf => CovarianceEstimator::LedoitWolf,
        },
        ..Estimators::default()
    };
    let estimate =
        opt::estimate(table.view(), &estimators).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    Ok(Loaded {
        symbols: file.symbols,
        estimate,
        options: Options {
            risk_free_rate: window.risk_free,
        },
    })
}

fn status_name(p: &Portfolio) -> &'static str {
    match p.status {
        opt::Status::Optimal => "optimal",
        opt::Status::OptimalReducedAccuracy => "optimal_reduced_accuracy",
        _ => "unsolved",
    }
}

fn portfolio_json(symbols: &[String], p: &Portfolio) -> Value {
    let weights: Map<String, Value> = symbols
        .iter()
        .zip(&p.weights)
        .map(|(s, w)| (s.clone(), json!(w)))
        .collect();
    json!({
        "weights": weights,
        "expected_return": p.expected_return,
        "volatility": p.volatility,
        "sharpe": p.sharpe,
        "status": status_name(p),
    })
}

fn portfolio_text(symbols: &[String], p: &Portfolio) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "expected return {:.2}%, volatility {:.2}%, Sharpe {:.3} ({})",
        p.expected_return * 100.0,
        p.volatility * 100.0,
        p.sharpe,
        status_name(p)
    );
    let mut held: Vec<(&String, f64)> = symbols
        .iter()
        .zip(p.weights.iter().copied())
        .filter(|(_, w)| w.abs() >= 5e-5)
        .collect();
    held.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (s, w) in held {
        let _ = writeln!(out, "  {s:<8} {:>7.2}%", w * 100.0);
    }
    out
}

/// An engine refusal: with `--json`, `{"status": …, "message": …}` on standard output as well
/// as the error.
fn refused(err: &opt::OptimiseError, json: bool) -> anyhow::Error {
    let status = match err {
        opt::OptimiseError::Infeasible(_) => "infeasible",
        opt::OptimiseError::NoReturnAboveRiskFree { .. } => "no_return_above_risk_free",
        opt::OptimiseError::Solver { .. } => "solver_failed",
        _ => "invalid",
    };
    if json {
        let _ = writeln!(
            std::io::stdout(),
            "{}",
            json!({"status": status, "message": err.to_string()})
        );
    }
    anyhow::anyhow!("{err}")
}

/// `glidepath optimize`: returns the text to print.
///
/// # Errors
/// An unreadable or malformed file (line and column), a window with too few days, a missing
/// `--target`, or an optimisation the engine refuses (infeasible, no return above the
/// risk-free rate), said in words.
pub fn optimize(
    window: &PriceWindow<'_>,
    objective: CliObjective,
    target: Option<f64>,
    json: bool,
) -> anyhow::Result<String> {
    let needs_target = matches!(
        objective,
        CliObjective::EfficientReturn | CliObjective::EfficientRisk
    );
    let target = match (needs_target, target) {
        (true, None) => bail!("--target is required by this objective"),
        (false, Some(_)) => bail!("--target is only for efficient-return and efficient-risk"),
        (_, t) => t.unwrap_or_default(),
    };
    let loaded = load(window)?;
    let objective = match objective {
        CliObjective::MinVariance => opt::Objective::MinVariance,
        CliObjective::MaxSharpe => opt::Objective::MaxSharpe,
        CliObjective::EfficientReturn => opt::Objective::EfficientReturn {
            target_return: target,
        },
        CliObjective::EfficientRisk => opt::Objective::EfficientRisk {
            target_volatility: target,
        },
        CliObjective::MinCvar => opt::Objective::MinCvar { beta: CVAR_BETA },
        CliObjective::RiskParity => opt::Objective::RiskParity,
    };
    let market = Market {
        expected_returns: loaded.estimate.expected_returns.view(),
        covariance: loaded.estimate.covariance.view(),
        scenarios: Some(loaded.estimate.returns.view()),
    };
    let portfolio = opt::optimise(
        &market,
        &objective,
        &Constraints::default(),
        &loaded.options,
    )
    .map_err(|e| refused(&e, json))?;
    Ok(if json {
        serde_json::to_string_pretty(&portfolio_json(&loaded.symbols, &portfolio))?
    } else {
        portfolio_text(&loaded.symbols, &portfolio)
    })
}

/// `glidepath frontier`: returns the text to print.
///
/// # Errors
/// As [`optimize`]; `--points` of 0.
pub fn frontier(window: &PriceWindow<'_>, points: usize, json: bool) -> anyhow::Result<String> {
    let loaded = load(window)?;
    let market = Market {
        expected_returns: loaded.estimate.expected_returns.view(),
        covariance: loaded.estimate.covariance.view(),
        scenarios: None,
    };
    let frontier = opt::frontier(&market, &Constraints::default(), &loaded.options, points)
        .map_err(|e| refused(&e, json))?;
    if json {
        let points: Vec<Value> = frontier
            .points
            .iter()
            .map(|p| portfolio_json(&loaded.symbols, p))
            .collect();
        return Ok(serde_json::to_string_pretty(&json!({ "points": points }))?);
    }
    let mut out = String::from("expected return  volatility  Sharpe\n");
    for p in &frontier.points {
        let _ = writeln!(
            out,
            "{:>14.2}% {:>10.2}% {:>7.3}",
            p.expected_return * 100.0,
            p.volatility * 100.0,
            p.sharpe
        );
    }
    Ok(out)
}
