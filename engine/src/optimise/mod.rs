//! Mean–variance (and CVaR, and risk-parity) portfolio optimisation on Clarabel.
//!
//! [`estimate`] turns a table of daily closes into annualised expected returns and a
//! covariance; [`optimise`] finds the portfolio of an [`Objective`] under [`Constraints`];
//! [`frontier`] traces the efficient frontier. Conventions follow PyPortfolioOpt 1.6 so that
//! its results can be checked against ours (`engine/tests/optimise_reference.rs` does).
//!
//! # Objectives and transaction costs
//! With a [`Rebalance`] of cost rate `c`, `C(w) = c·Σ|w - w0|` enters each objective as
//! PyPortfolioOpt's `transaction_cost` objective term would, in the objective's own units:
//!
//! | objective | problem solved |
//! | --- | --- |
//! | [`Objective::MinVariance`] | `min wᵀΣw + C(w)` |
//! | [`Objective::EfficientReturn`] | `min wᵀΣw + C(w)` s.t. `μᵀw ≥ target` (gross return) |
//! | [`Objective::EfficientRisk`] | `max μᵀw - C(w)` s.t. `wᵀΣw ≤ target²` |
//! | [`Objective::MaxQuadraticUtility`] | `max μᵀw - C(w) - (δ/2) wᵀΣw` |
//! | [`Objective::MaxSharpe`] | `max (μᵀw - C(w) - r) / √(wᵀΣw)`: the net Sharpe ratio, exact through the homogenised program (PyPortfolioOpt adds the cost to the homogenised objective instead, which it warns is not the same problem) |
//! | [`Objective::MinCvar`] | `min CVaR_β(w) + C(w)` |
//! | [`Objective::RiskParity`] | equal risk contributions; no costs, groups or turnover |
//!
//! Every other constraint (bounds, groups, turnover `Σ|w - w0| ≤ L`) is a hard constraint;
//! the weights always sum to 1. Results report the gross return, the cost and the turnover
//! separately ([`Portfolio`]).
//!
//! # Honest answers
//! Invalid inputs are [`OptimiseError`]s naming the field and index. Infeasible problems are
//! [`OptimiseError::Infeasible`] with a named cause ([`Infeasibility`]): bounds that cannot
//! sum to 1, a group its members cannot meet, a target return above the highest
//! achievable (with that maximum) or a target volatility below the minimum (with that
//! minimum), or, when only the solver can tell, the constraint families present and whether
//! dropping the turnover limit or the groups helps. A solver that stops without a solution
//! is [`OptimiseError::Solver`]. No weights are returned in any of these cases.

mod active_set;
mod assumptions;
mod constraints;
mod error;
mod estimate;
mod feasibility;
mod formulate;
mod frontier;
mod linalg;
mod portfolio;
mod program;
mod risk_parity;
mod status;
mod validate;

pub use assumptions::{CorrelationEstimator, ModelAssumptions, model_assumptions};
pub use constraints::{Bound, Constraints, Group, Rebalance, WeightBounds};
pub use error::{ConstraintFamily, Infeasibility, OptimiseError};
pub use estimate::{
    CovarianceEstimator, Estimate, EstimateError, Estimators, ReturnEstimator,
    TRADING_DAYS_PER_YEAR, estimate, simple_returns,
};
pub use frontier::{Frontier, frontier};
pub use portfolio::{Portfolio, WEIGHT_CLEAN_THRESHOLD, historical_cvar};
pub use status::Status;

use ndarray::{ArrayView1, ArrayView2};

use formulate::{Context, Families};

/// The market the optimiser sees: annualised expected returns and covariance, and, for
/// the minimum-CVaR objective, return scenarios.
#[derive(Debug, Clone, Copy)]
pub struct Market<'a> {
    /// Expected return per asset (annualised, like the risk-free rate).
    pub expected_returns: ArrayView1<'a, f64>,
    /// Covariance, `assets × assets`, symmetric positive semi-definite (annualised).
    pub covariance: ArrayView2<'a, f64>,
    /// Return scenarios, `scenarios × assets` (for example [`Estimate::returns`]); only
    /// [`Objective::MinCvar`] reads them, and its CVaR is in their units (daily).
    pub scenarios: Option<ArrayView2<'a, f64>>,
}

/// Settings shared by every objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The risk-free rate of [`Objective::MaxSharpe`] and of every result's Sharpe ratio,
    /// in the units of the expected returns (annual). Default 0, PyPortfolioOpt 1.6's.
    pub risk_free_rate: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            risk_free_rate: 0.0,
        }
    }
}

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// The least variance.
    MinVariance,
    /// The highest Sharpe ratio at [`Options::risk_free_rate`].
    MaxSharpe,
    /// The least variance earning at least `target_return`.
    EfficientReturn {
        /// Expected return to reach (annual).
        target_return: f64,
    },
    /// The highest expected return with volatility at most `target_volatility`.
    EfficientRisk {
        /// Largest volatility (annual standard deviation); above 0.
        target_volatility: f64,
    },
    /// The highest `μᵀw - (δ/2) wᵀΣw`.
    MaxQuadraticUtility {
        /// δ, above 0.
        risk_aversion: f64,
    },
    /// The least historical CVaR of the loss `-rᵀw` over [`Market::scenarios`].
    MinCvar {
        /// Confidence level in `(0, 1)`, for example 0.95.
        beta: f64,
    },
    /// Equal risk contributions `w_i (Σw)_i`, long-only.
    RiskParity,
}

impl Objective {
    fn name(self) -> &'static str {
        match self {
            Self::MinVariance => "minimum variance",
            Self::MaxSharpe => "maximum Sharpe",
            Self::EfficientReturn { .. } => "efficient return",
            Self::EfficientRisk { .. } => "efficient risk",
            Self::MaxQuadraticUtility { .. } => "maximum quadratic utility",
            Self::MinCvar { .. } => "minimum CVaR",
            Self::RiskParity => "risk parity",
        }
    }
}

/// Relative slack on a target before it counts as out of reach: the solves that find the
/// highest return and the least volatility are accurate to about 1e-8.
const TARGET_TOLERANCE: f64 = 1e-8;

/// Finds the portfolio of `objective` under `constraints`.
///
/// # Errors
/// Invalid input (naming field and index), a named infeasibility, maximum Sharpe with no
/// return above the risk-free rate, or a solver failure: see [`OptimiseError`].
pub fn optimise(
    market: &Market<'_>,
    objective: &Objective,
    constraints: &Constraints,
    options: &Options,
) -> Result<Portfolio, OptimiseError> {
    let (n, factor) = validate::market(market)?;
    let ctx = context(market, constraints, options, n, &factor)?;
    let rf = options.risk_free_rate;
    match *objective {
        Objective::MinVariance => min_variance(&ctx, rf),
        Objective::EfficientReturn { target_return } => {
            validate::scalar("target_return", target_return, "finite", |_| true)?;
            let max_return = max_return(&ctx)?;
            if target_return > max_return + TARGET_TOLERANCE * (1.0 + max_return.abs()) {
                return Err(OptimiseError::Infeasible(
                    Infeasibility::TargetReturnAboveMax {
                        target: target_return,
                        max_return,
                    },
                ));
            }
            let (base, _) = ctx.efficient_return(target_return, Families::ALL);
            finish(
                &ctx,
                base.program.solve()?,
                rf,
                Some(ConstraintFamily::TargetReturn),
            )
        }
        Objective::EfficientRisk { target_volatility } => {
            validate::scalar(
                "target_volatility",
                target_volatility,
                "finite and above 0",
                |v| v > 0.0,
            )?;
            let least = ctx.min_variance_without_costs()?;
            let min_volatility = least.volatility;
            if target_volatility < min_volatility * (1.0 - TARGET_TOLERANCE) {
                return Err(OptimiseError::Infeasible(
                    Infeasibility::TargetVolatilityBelowMin {
                        target: target_volatility,
                        min_volatility,
                    },
                ));
            }
            let base = ctx.efficient_risk(target_volatility, Families::ALL);
            finish(
                &ctx,
                base.program.solve()?,
                rf,
                Some(ConstraintFamily::TargetVolatility),
            )
        }
        Objective::MaxQuadraticUtility { risk_aversion } => {
            validate::scalar("risk_aversion", risk_aversion, "finite and above 0", |v| {
                v > 0.0
            })?;
            finish(
                &ctx,
                ctx.quadratic_utility(risk_aversion, Families::ALL)
                    .program
                    .solve()?,
                rf,
                None,
            )
        }
        Objective::MaxSharpe => max_sharpe(&ctx, rf),
        Objective::MinCvar { beta } => {
            validate::scalar("beta", beta, "in (0, 1)", |b| b > 0.0 && b < 1.0)?;
            let scenarios = market.scenarios.ok_or(OptimiseError::MissingScenarios)?;
            if scenarios.nrows() == 0 {
                return Err(OptimiseError::MissingScenarios);
            }
            let (base, _) = ctx.min_cvar(scenarios, beta, Families::ALL);
            let mut p = finish(&ctx, base.program.solve()?, rf, None)?;
            p.cvar = historical_cvar(scenarios, &p.weights, beta);
            Ok(p)
        }
        Objective::RiskParity => risk_parity(&ctx, rf, objective.name()),
    }
}

fn context<'a>(
    market: &'a Market<'_>,
    constraints: &'a Constraints,
    options: &Options,
    n: usize,
    factor: &'a ndarray::Array2<f64>,
) -> Result<Context<'a>, OptimiseError> {
    validate::scalar("risk_free_rate", options.risk_free_rate, "finite", |_| true)?;
    constraints.validate(n)?;
    let ctx = Context {
        n,
        mu: market.expected_returns.view(),
        cov: market.covariance.view(),
        factor,
        bounds: constraints.bounds_for(n),
        constraints,
    };
    feasibility::precheck(&ctx)?;
    Ok(ctx)
}

/// Weights from a solve, or the error its status calls for.
fn finish(
    ctx: &Context<'_>,
    solved: program::Solved,
    rf: f64,
    target: Option<ConstraintFamily>,
) -> Result<Portfolio, OptimiseError> {
    match solved.status {
        s if s.is_solved() => Ok(Portfolio::new(
            ctx,
            solved.x[..ctx.n].to_vec(),
            rf,
            s,
            solved.iterations,
        )),
        Status::Infeasible => Err(feasibility::diagnose(ctx, target)),
        status => Err(OptimiseError::Solver {
            status,
            iterations: solved.iterations,
        }),
    }
}

fn min_variance(ctx: &Context<'_>, rf: f64) -> Result<Portfolio, OptimiseError> {
    finish(
        ctx,
        ctx.min_variance(Families::ALL).program.solve()?,
        rf,
        None,
    )
}

/// The highest expected return with only bounds and the budget: every weight at its lower
/// bound, then what is left of the budget to the highest returns first, each up to its upper
/// bound (the greedy answer of this linear program is exact). `None` with groups or a
/// rebalance, whose program is solved instead.
fn max_return_by_bounds(ctx: &Context<'_>) -> Option<f64> {
    if !ctx.constraints.groups.is_empty() || ctx.constraints.rebalance.is_some() {
        return None;
    }
    let mut left = 1.0 - ctx.bounds.iter().map(|b| b.lower).sum::<f64>();
    let mut order: Vec<usize> = (0..ctx.n).collect();
    order.sort_by(|&i, &j| ctx.mu[j].total_cmp(&ctx.mu[i]));
    let mut total = ctx
        .bounds
        .iter()
        .zip(ctx.mu)
        .map(|(b, m)| b.lower * m)
        .sum::<f64>();
    for i in order {
        let room = (ctx.bounds[i].upper - ctx.bounds[i].lower).min(left.max(0.0));
        total += room * ctx.mu[i];
        left -= room;
    }
    Some(total)
}

/// The highest gross expected return under the constraints.
fn max_return(ctx: &Context<'_>) -> Result<f64, OptimiseError> {
    if let Some(best) = max_return_by_bounds(ctx) {
        return Ok(best);
    }
    let p = finish(
        ctx,
        ctx.max_return(false, Families::ALL).program.solve()?,
        0.0,
        None,
    )?;
    Ok(p.expected_return)
}

impl Context<'_> {
    /// The least-variance portfolio ignoring costs: the floor of any volatility target.
    fn min_variance_without_costs(&self) -> Result<Portfolio, OptimiseError> {
        let mut base = self.min_variance(Families::ALL);
        base.program.q.iter_mut().for_each(|q| *q = 0.0);
        finish(self, base.program.solve()?, 0.0, None)
    }
}

fn max_sharpe(ctx: &Context<'_>, rf: f64) -> Result<Portfolio, OptimiseError> {
    // The ratio has a positive maximum only if some feasible portfolio earns more than rf,
    // net of costs; otherwise the homogenised program is infeasible and says nothing useful.
    let max_net = match max_return_by_bounds(ctx) {
        Some(best) => best,
        None => {
            let best = finish(
                ctx,
                ctx.max_return(true, Families::ALL).program.solve()?,
                rf,
                None,
            )?;
            best.expected_return - best.transaction_cost
        }
    };
    if max_net <= rf + TARGET_TOLERANCE * (1.0 + rf.abs()) {
        return Err(OptimiseError::NoReturnAboveRiskFree {
            risk_free_rate: rf,
            max_return: max_net,
        });
    }
    let (base, kappa) = ctx.max_sharpe(rf, Families::ALL);
    let solved = base.program.solve()?;
    if !solved.status.is_solved() {
        return finish(ctx, solved, rf, None);
    }
    let k = solved.x[kappa];
    if !(k.is_finite() && k > 0.0) {
        return Err(OptimiseError::Solver {
            status: Status::NumericalFailure,
            iterations: solved.iterations,
        });
    }
    let weights = solved.x[..ctx.n].iter().map(|y| y / k).collect();
    Ok(Portfolio::new(
        ctx,
        weights,
        rf,
        solved.status,
        solved.iterations,
    ))
}

fn risk_parity(ctx: &Context<'_>, rf: f64, name: &'static str) -> Result<Portfolio, OptimiseError> {
    let unsupported = |constraint| {
        Err(OptimiseError::Unsupported {
            objective: name,
            constraint,
        })
    };
    if !ctx.constraints.groups.is_empty() {
        return unsupported("group bounds");
    }
    if ctx.constraints.turnover_limit().is_some() {
        return unsupported("a turnover limit");
    }
    if ctx.constraints.cost_rate() > 0.0 {
        return unsupported("transaction costs");
    }
    let (weights, iterations) = risk_parity::equal_risk(ctx.cov)?;
    let binding = weights
        .iter()
        .zip(&ctx.bounds)
        .any(|(w, b)| *w < b.lower || *w > b.upper);
    if binding {
        return unsupported("asset bounds that exclude the equal-risk portfolio");
    }
    Ok(Portfolio::new(
        ctx,
        weights,
        rf,
        Status::Optimal,
        iterations,
    ))
}
