//! Portfolio optimisation and the efficient frontier over the stored price history: the
//! request's symbols, window and constraints become the engine's market and constraints, the
//! solve runs on the blocking pool under `portfolio.concurrent_solves`, and every way it can
//! fail comes back as a 422 naming the request field at fault.

use std::collections::{BTreeMap, HashMap};

use actors::market::hub::GetQuotes;
use chrono::NaiveDate;
use engine::optimise::{
    self as opt, Bound, Constraints, CovarianceEstimator, Estimate, Estimators, Group,
    Infeasibility, Market, OptimiseError, Options, Portfolio, Rebalance, ReturnEstimator, Status,
    WeightBounds,
};
use ndarray::Array2;
use protocol::FieldError;
use protocol::optimise::{
    CovarianceMethod, EstimateSummary, FrontierRequest, FrontierResponse, GroupBound, Objective,
    OptimizeRequest, OptimizeResponse, OptimizedPortfolio, ReturnsMethod, RiskReturn, WeightRange,
};
use uuid::Uuid;

use super::collect;
use super::performance::DEFAULT_RISK_FREE_RATE;
use super::prices::{AlignedCloses, EARLIEST, LATEST, aligned_closes};
use crate::domain::holding::symbol;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::holdings;

/// The EWMA span (trading days) when a request gives none, as PyPortfolioOpt's.
pub const DEFAULT_EWMA_SPAN: f64 = 180.0;
/// Frontier points when a request gives none.
pub const DEFAULT_FRONTIER_POINTS: u32 = 50;
/// Most frontier points.
pub const MAX_FRONTIER_POINTS: u32 = 200;
/// Fewest days with a close for every symbol: fewer say little about a covariance.
pub const MIN_DAYS: usize = 30;
/// The window when a request gives no `from`: the five years up to the last common close.
pub(crate) const DEFAULT_WINDOW_MONTHS: u32 = 60;

/// The fields optimisations and frontiers share, borrowed from either request.
struct Problem<'a> {
    symbols: Option<&'a [String]>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    expected_returns: ReturnsMethod,
    covariance: CovarianceMethod,
    ewma_span: Option<f64>,
    risk_free_rate: Option<f64>,
    bounds: Option<WeightRange>,
    asset_bounds: Option<&'a BTreeMap<String, WeightRange>>,
    groups: Option<&'a [GroupBound]>,
    max_turnover: Option<f64>,
    transaction_cost: Option<f64>,
    current_weights: Option<&'a BTreeMap<String, f64>>,
}

macro_rules! problem_of {
    ($req:expr) => {
        Problem {
            symbols: $req.symbols.as_deref(),
            from: $req.from,
            to: $req.to,
            expected_returns: $req.expected_returns.unwrap_or_default(),
            covariance: $req.covariance.unwrap_or_default(),
            ewma_span: $req.ewma_span,
            risk_free_rate: $req.risk_free_rate,
            bounds: $req.bounds,
            asset_bounds: $req.asset_bounds.as_ref(),
            groups: $req.groups.as_deref(),
            max_turnover: $req.max_turnover,
            transaction_cost: $req.transaction_cost,
            current_weights: $req.current_weights.as_ref(),
        }
    };
}

/// Everything a solve needs, owned, to move onto the blocking pool.
struct Prepared {
    closes: AlignedCloses,
    estimators: Estimators,
    constraints: Constraints,
    options: Options,
    /// The caller's current weights over the symbols, when known.
    current: Option<Vec<f64>>,
    method: (ReturnsMethod, CovarianceMethod),
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> ApiError {
    ApiError::invalid(field, message)
}

fn check_weight_range(field: &str, r: WeightRange, errors: &mut Vec<FieldError>) -> Option<Bound> {
    let ok = |x: f64| x.is_finite() && (-1.0..=1.0).contains(&x);
    if !ok(r.min) || !ok(r.max) {
        errors.push(FieldError::new(
            field,
            "min and max must be numbers from -1 to 1",
        ));
        None
    } else if r.min > r.max {
        errors.push(FieldError::new(field, "min must not be above max"));
        None
    } else {
        Some(Bound {
            lower: r.min,
            upper: r.max,
        })
    }
}

/// The caller's holdings as weights over `symbols` at the hub's last prices: `Ok(None)` when
/// they hold nothing, or something outside `symbols`, or something unpriced.
async fn holding_weights(
    state: &AppState,
    user: Uuid,
    symbols: &[String],
) -> Result<Option<Vec<f64>>, ApiError> {
    let rows = holdings::list_for_user(&state.db, user).await?;
    if rows.is_empty() || rows.iter().any(|r| !symbols.contains(&r.symbol)) {
        return Ok(None);
    }
    let quotes: HashMap<String, f64> = state
        .market
        .hub
        .send(GetQuotes {
            symbols: symbols.to_vec(),
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("price hub")))?
        .into_iter()
        .map(|(s, q)| (s, q.price))
        .collect();
    let mut values = vec![0.0; symbols.len()];
    for row in &rows {
        let Some(price) = quotes.get(&row.symbol) else {
            return Ok(None);
        };
        if let Some(i) = symbols.iter().position(|s| *s == row.symbol) {
            values[i] += row.quantity() * price;
        }
    }
    let total: f64 = values.iter().sum();
    Ok((total > 0.0).then(|| values.iter().map(|v| v / total).collect()))
}

/// The symbols a problem is over: the request's, or the caller's holdings'.
async fn universe(state: &AppState, user: Uuid, p: &Problem<'_>) -> Result<Vec<String>, ApiError> {
    let symbols: Vec<String> = match p.symbols {
        Some(s) => s.to_vec(),
        None => {
            let mut held: Vec<String> = holdings::list_for_user(&state.db, user)
                .await?
                .into_iter()
                .map(|r| r.symbol)
                .collect();
            held.sort_unstable();
            held.dedup();
            if held.len() < 2 {
                return Err(bad(
                    "symbols",
                    "give the symbols to allocate among: your holdings have fewer than 2",
                ));
            }
            held
        }
    };
    if symbols.len() < 2 {
        return Err(bad("symbols", "give at least 2 symbols"));
    }
    Ok(symbols)
}

async fn prepare(state: &AppState, user: Uuid, p: &Problem<'_>) -> Result<Prepared, ApiError> {
    let symbols = universe(state, user, p).await?;
    let min_days = MIN_DAYS.max(symbols.len() + 2);
    let (from, to) = (p.from.unwrap_or(EARLIEST), p.to.unwrap_or(LATEST));
    let mut closes = aligned_closes(&state.db, "symbols", &symbols, from, to, min_days).await?;
    if p.from.is_none() {
        closes = closes.last_months(DEFAULT_WINDOW_MONTHS, min_days)?;
    }
    let symbols = &closes.symbols;
    let index = |s: &str| -> Option<usize> {
        let s = symbol("symbol", s).ok()?;
        symbols.iter().position(|x| *x == s)
    };

    let mut errors = Vec::new();
    let span = p.ewma_span.unwrap_or(DEFAULT_EWMA_SPAN);
    if !(span.is_finite() && (1.0..=100_000.0).contains(&span)) {
        errors.push(FieldError::new(
            "ewma_span",
            "must be a number from 1 to 100000",
        ));
    }
    let risk_free_rate = p.risk_free_rate.unwrap_or(DEFAULT_RISK_FREE_RATE);
    if !(risk_free_rate.is_finite() && (-1.0..=1.0).contains(&risk_free_rate)) {
        errors.push(FieldError::new(
            "risk_free_rate",
            "must be a number from -1 to 1",
        ));
    }
    let uniform = match p.bounds {
        Some(r) => check_weight_range("bounds", r, &mut errors),
        None => Some(Bound {
            lower: 0.0,
            upper: 1.0,
        }),
    };
    let mut per_asset: Option<Vec<Bound>> = None;
    if let (Some(given), Some(uniform)) = (p.asset_bounds, uniform) {
        let mut all = vec![uniform; symbols.len()];
        for (name, range) in given {
            let field = format!("asset_bounds.{name}");
            match index(name) {
                Some(i) => {
                    if let Some(b) = check_weight_range(&field, *range, &mut errors) {
                        all[i] = b;
                    }
                }
                None => errors.push(FieldError::new(field, "is not one of the symbols")),
            }
        }
        per_asset = Some(all);
    }
    let mut groups = Vec::new();
    for (g, group) in p.groups.unwrap_or_default().iter().enumerate() {
        let mut assets = Vec::new();
        for (j, name) in group.symbols.iter().enumerate() {
            match index(name) {
                Some(i) if assets.contains(&i) => errors.push(FieldError::new(
                    format!("groups[{g}].symbols[{j}]"),
                    "is listed twice",
                )),
                Some(i) => assets.push(i),
                None => errors.push(FieldError::new(
                    format!("groups[{g}].symbols[{j}]"),
                    "is not one of the symbols",
                )),
            }
        }
        if group.name.trim().is_empty() || group.name.chars().count() > 60 {
            errors.push(FieldError::new(
                format!("groups[{g}].name"),
                "must be 1 to 60 characters",
            ));
        }
        let finite_or_none =
            |x: Option<f64>| x.is_none_or(|x| x.is_finite() && (-100.0..=100.0).contains(&x));
        if !finite_or_none(group.min) || !finite_or_none(group.max) {
            errors.push(FieldError::new(
                format!("groups[{g}]"),
                "min and max must be numbers from -100 to 100",
            ));
        }
        groups.push(Group {
            name: group.name.clone(),
            assets,
            lower: group.min.unwrap_or(f64::NEG_INFINITY),
            upper: group.max.unwrap_or(f64::INFINITY),
        });
    }
    if p.max_turnover
        .is_some_and(|t| !(t.is_finite() && (0.0..=2.0).contains(&t)))
    {
        errors.push(FieldError::new(
            "max_turnover",
            "must be a number from 0 to 2",
        ));
    }
    if p.transaction_cost
        .is_some_and(|c| !(c.is_finite() && (0.0..=1.0).contains(&c)))
    {
        errors.push(FieldError::new(
            "transaction_cost",
            "must be a number from 0 to 1",
        ));
    }
    let mut given_current = None;
    if let Some(weights) = p.current_weights {
        let mut w = vec![0.0; symbols.len()];
        for (name, weight) in weights {
            let field = format!("current_weights.{name}");
            match index(name) {
                Some(_) if !(weight.is_finite() && (-1.0..=1.0).contains(weight)) => {
                    errors.push(FieldError::new(field, "must be a number from -1 to 1"));
                }
                Some(i) => w[i] = *weight,
                None => errors.push(FieldError::new(field, "is not one of the symbols")),
            }
        }
        if (w.iter().sum::<f64>() - 1.0).abs() > 1e-6 {
            errors.push(FieldError::new("current_weights", "must sum to 1"));
        }
        given_current = Some(w);
    }
    collect(errors)?;

    let current = match given_current {
        Some(w) => Some(w),
        None => holding_weights(state, user, symbols).await?,
    };
    let rebalance = if p.max_turnover.is_some() || p.transaction_cost.is_some() {
        let Some(current_weights) = current.clone() else {
            return Err(bad(
                "current_weights",
                "a turnover limit or a transaction cost needs the current weights: give them, \
                 or hold only priced holdings among the symbols",
            ));
        };
        Some(Rebalance {
            current_weights,
            turnover_limit: p.max_turnover,
            cost_rate: p.transaction_cost.unwrap_or(0.0),
        })
    } else {
        None
    };
    let bounds = match (per_asset, uniform) {
        (Some(all), _) => WeightBounds::PerAsset(all),
        (None, Some(b)) => WeightBounds::Uniform(b),
        (None, None) => WeightBounds::default(),
    };
    Ok(Prepared {
        estimators: Estimators {
            returns: match p.expected_returns {
                ReturnsMethod::Mean => ReturnEstimator::Mean,
                ReturnsMethod::Ewma => ReturnEstimator::Ewma { span },
            },
            covariance: match p.covariance {
                CovarianceMethod::Sample => CovarianceEstimator::Sample,
                CovarianceMethod::LedoitWolf => CovarianceEstimator::LedoitWolf,
                CovarianceMethod::Ewma => CovarianceEstimator::Ewma { span },
            },
            ..Estimators::default()
        },
        constraints: Constraints {
            bounds,
            groups,
            rebalance,
        },
        options: Options { risk_free_rate },
        method: (p.expected_returns, p.covariance),
        current,
        closes,
    })
}

/// Runs `work` on the blocking pool once a solve slot is free.
async fn solve<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let _slot = state
        .solve_slots
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("solve slots")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("solve task")))
}

fn estimate_of(prepared: &Prepared) -> Result<Estimate, ApiError> {
    let rows = prepared.closes.closes.len();
    let cols = prepared.closes.symbols.len();
    let table = Array2::from_shape_vec((rows, cols), prepared.closes.closes.concat())
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("price table")))?;
    opt::estimate(table.view(), &prepared.estimators).map_err(|e| bad("symbols", e.to_string()))
}

fn summary(prepared: &Prepared, estimate: &Estimate) -> EstimateSummary {
    let symbols = &prepared.closes.symbols;
    EstimateSummary {
        symbols: symbols.clone(),
        from: prepared.closes.days.first().copied().unwrap_or_default(),
        to: prepared.closes.days.last().copied().unwrap_or_default(),
        days: prepared.closes.days.len(),
        expected_returns: prepared.method.0,
        covariance: prepared.method.1,
        shrinkage: estimate.shrinkage,
        expected_return: symbols
            .iter()
            .cloned()
            .zip(estimate.expected_returns.iter().copied())
            .collect(),
        volatility: symbols
            .iter()
            .cloned()
            .zip(estimate.covariance.diag().iter().map(|v| v.max(0.0).sqrt()))
            .collect(),
    }
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Optimal => "optimal",
        Status::OptimalReducedAccuracy => "optimal_reduced_accuracy",
        Status::Infeasible => "infeasible",
        Status::Unbounded => "unbounded",
        Status::IterationLimit => "iteration_limit",
        Status::TimeLimit => "time_limit",
        Status::NumericalFailure => "numerical_failure",
    }
}

fn portfolio_view(symbols: &[String], p: &Portfolio) -> OptimizedPortfolio {
    OptimizedPortfolio {
        weights: symbols
            .iter()
            .cloned()
            .zip(p.weights.iter().copied())
            .collect(),
        expected_return: p.expected_return,
        volatility: p.volatility,
        sharpe: p.sharpe,
        status: status_name(p.status).to_owned(),
        risk_free_rate: p.risk_free_rate,
        turnover: p.turnover,
        transaction_cost: p.transaction_cost,
        cvar: p.cvar,
    }
}

/// Names symbols instead of indices in an engine message.
fn named(symbols: &[String], assets: &[usize]) -> String {
    assets
        .iter()
        .filter_map(|&i| symbols.get(i).map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The engine's refusal as the API's: the request field at fault, and what to change.
fn refusal(symbols: &[String], err: OptimiseError) -> ApiError {
    match err {
        OptimiseError::Infeasible(why) => match why {
            Infeasibility::LowerBoundsAboveOne { sum, assets } => bad(
                "bounds",
                format!(
                    "the least weights sum to {sum:.6} > 1, so no portfolio meets them (symbols with a least weight: {})",
                    named(symbols, &assets)
                ),
            ),
            Infeasibility::UpperBoundsBelowOne { sum, assets } => bad(
                "bounds",
                format!(
                    "the largest weights sum to {sum:.6} < 1, so no portfolio is fully invested (symbols capped below 1: {})",
                    named(symbols, &assets)
                ),
            ),
            Infeasibility::GroupConflictsWithAssetBounds { group, .. } => {
                bad(format!("groups[{group}]"), format!("infeasible: {why}"))
            }
            Infeasibility::TargetReturnAboveMax { .. } => {
                bad("objective.target_return", why.to_string())
            }
            Infeasibility::TargetVolatilityBelowMin { .. } => {
                bad("objective.target_volatility", why.to_string())
            }
            Infeasibility::Solver {
                feasible_without_turnover,
                feasible_without_groups,
                ..
            } => {
                let field = if feasible_without_turnover == Some(true) {
                    "max_turnover"
                } else if feasible_without_groups == Some(true) {
                    "groups"
                } else {
                    "bounds"
                };
                bad(field, why.to_string())
            }
        },
        OptimiseError::NoReturnAboveRiskFree { .. } => bad("risk_free_rate", err.to_string()),
        OptimiseError::Unsupported { constraint, .. } => {
            let field = match constraint {
                c if c.contains("group") => "groups",
                c if c.contains("turnover") => "max_turnover",
                c if c.contains("cost") => "transaction_cost",
                _ => "bounds",
            };
            bad(field, err.to_string())
        }
        OptimiseError::OutOfRange { field, .. } => {
            bad(format!("objective.{field}"), err.to_string())
        }
        OptimiseError::BoundsReversed { index, .. } => bad(
            index
                .and_then(|i| symbols.get(i))
                .map_or_else(|| "bounds".to_owned(), |s| format!("asset_bounds.{s}")),
            err.to_string(),
        ),
        OptimiseError::Group { group, .. } => bad(format!("groups[{group}]"), err.to_string()),
        other => bad(
            "symbols",
            format!("these prices cannot be optimised: {other}"),
        ),
    }
}

fn engine_objective(objective: Objective) -> opt::Objective {
    match objective {
        Objective::MinVariance => opt::Objective::MinVariance,
        Objective::MaxSharpe => opt::Objective::MaxSharpe,
        Objective::EfficientReturn { target_return } => {
            opt::Objective::EfficientReturn { target_return }
        }
        Objective::EfficientRisk { target_volatility } => {
            opt::Objective::EfficientRisk { target_volatility }
        }
        Objective::MaxQuadraticUtility { risk_aversion } => {
            opt::Objective::MaxQuadraticUtility { risk_aversion }
        }
        Objective::MinCvar { beta } => opt::Objective::MinCvar { beta },
        Objective::RiskParity => opt::Objective::RiskParity,
    }
}

/// `POST /portfolio/optimize`.
///
/// # Errors
/// 422 naming the field: symbols without history, a window with too few common days, bad
/// bounds, an infeasible problem and why, maximum Sharpe with no return above the risk-free
/// rate.
pub async fn optimize(
    state: &AppState,
    user: Uuid,
    req: OptimizeRequest,
) -> Result<OptimizeResponse, ApiError> {
    let prepared = prepare(state, user, &problem_of!(req)).await?;
    let objective = engine_objective(req.objective);
    solve(state, move || {
        let estimate = estimate_of(&prepared)?;
        let market = Market {
            expected_returns: estimate.expected_returns.view(),
            covariance: estimate.covariance.view(),
            scenarios: Some(estimate.returns.view()),
        };
        let portfolio = opt::optimise(
            &market,
            &objective,
            &prepared.constraints,
            &prepared.options,
        )
        .map_err(|e| refusal(&prepared.closes.symbols, e))?;
        Ok(OptimizeResponse {
            portfolio: portfolio_view(&prepared.closes.symbols, &portfolio),
            estimate: summary(&prepared, &estimate),
        })
    })
    .await?
}

/// `POST /portfolio/frontier`.
///
/// # Errors
/// As [`optimize`]; `points` outside 2 to 200.
pub async fn frontier(
    state: &AppState,
    user: Uuid,
    req: FrontierRequest,
) -> Result<FrontierResponse, ApiError> {
    let points = req.points.unwrap_or(DEFAULT_FRONTIER_POINTS);
    if !(2..=MAX_FRONTIER_POINTS).contains(&points) {
        return Err(bad("points", format!("must be 2 to {MAX_FRONTIER_POINTS}")));
    }
    let prepared = prepare(state, user, &problem_of!(req)).await?;
    solve(state, move || {
        let estimate = estimate_of(&prepared)?;
        let market = Market {
            expected_returns: estimate.expected_returns.view(),
            covariance: estimate.covariance.view(),
            scenarios: None,
        };
        let frontier = opt::frontier(
            &market,
            &prepared.constraints,
            &prepared.options,
            points as usize,
        )
        .map_err(|e| refusal(&prepared.closes.symbols, e))?;
        let symbols = &prepared.closes.symbols;
        let max_sharpe_index = frontier
            .points
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.sharpe.total_cmp(&b.1.sharpe))
            .map_or(0, |(i, _)| i);
        let rf = prepared.options.risk_free_rate;
        let current = prepared.current.as_ref().map(|w| {
            let mu = &estimate.expected_returns;
            let cov = &estimate.covariance;
            let expected_return: f64 = w.iter().zip(mu.iter()).map(|(a, b)| a * b).sum();
            let variance: f64 = (0..w.len())
                .map(|i| (0..w.len()).map(|j| w[i] * cov[[i, j]] * w[j]).sum::<f64>())
                .sum();
            let volatility = variance.max(0.0).sqrt();
            RiskReturn {
                expected_return,
                volatility,
                sharpe: if volatility > 0.0 {
                    (expected_return - rf) / volatility
                } else {
                    0.0
                },
            }
        });
        Ok(FrontierResponse {
            points: frontier
                .points
                .iter()
                .map(|p| portfolio_view(symbols, p))
                .collect(),
            max_sharpe_index,
            current,
            estimate: summary(&prepared, &estimate),
        })
    })
    .await?
}
