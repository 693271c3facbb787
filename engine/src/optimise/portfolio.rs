//! The answer of an optimisation: weights and what they are expected to do.

use ndarray::ArrayView2;

use super::formulate::Context;
use super::linalg::{dot, quad_form};
use super::status::Status;

/// Weights of magnitude below this are reported as exactly 0. An interior-point solver
/// leaves assets at a bound a hair inside it (1e-10 or so); 1e-9 is far below any weight
/// that means something and below the 1e-4 agreement the tests ask of PyPortfolioOpt.
pub const WEIGHT_CLEAN_THRESHOLD: f64 = 1e-9;

/// An optimised portfolio.
#[derive(Debug, Clone, PartialEq)]
pub struct Portfolio {
    /// Weight per asset, in input order; they sum to 1 (up to solver tolerance and the
    /// cleaning of weights below [`WEIGHT_CLEAN_THRESHOLD`]).
    pub weights: Vec<f64>,
    /// `μᵀw`: the expected return, gross of transaction costs.
    pub expected_return: f64,
    /// `√(wᵀΣw)`.
    pub volatility: f64,
    /// `(expected_return - risk_free_rate) / volatility`; 0 when the volatility is 0.
    pub sharpe: f64,
    /// The risk-free rate used for `sharpe` (that of [`super::Options`]).
    pub risk_free_rate: f64,
    /// `Σ|w - w0|` against the current weights, when a rebalance is given.
    pub turnover: Option<f64>,
    /// `c · Σ|w - w0|`: the proportional transaction cost (0 without costs).
    pub transaction_cost: f64,
    /// Historical CVaR at the objective's level, for the minimum-CVaR objective.
    pub cvar: Option<f64>,
    /// How the solver ended (always a solved status here; failures are errors).
    pub status: Status,
    /// Solver (or Newton) iterations.
    pub iterations: u32,
}

impl Portfolio {
    pub(crate) fn new(
        ctx: &Context<'_>,
        mut weights: Vec<f64>,
        risk_free_rate: f64,
        status: Status,
        iterations: u32,
    ) -> Self {
        for w in &mut weights {
            if w.abs() < WEIGHT_CLEAN_THRESHOLD {
                *w = 0.0;
            }
        }
        let expected_return = dot(ctx.mu, &weights);
        let volatility = quad_form(ctx.cov, &weights).max(0.0).sqrt();
        let sharpe = if volatility > 0.0 {
            (expected_return - risk_free_rate) / volatility
        } else {
            0.0
        };
        let turnover = ctx.constraints.rebalance.as_ref().map(|r| {
            weights
                .iter()
                .zip(&r.current_weights)
                .map(|(w, w0)| (w - w0).abs())
                .sum::<f64>()
        });
        let transaction_cost = turnover.map_or(0.0, |t| t * ctx.constraints.cost_rate());
        Self {
            weights,
            expected_return,
            volatility,
            sharpe,
            risk_free_rate,
            turnover,
            transaction_cost,
            cvar: None,
            status,
            iterations,
        }
    }
}

/// Historical conditional value at risk: the mean loss `-rᵀw` over the worst `1 - beta`
/// share of `scenarios` (rows), as the Rockafellar–Uryasev function
/// `min_α α + E[(loss - α)⁺] / (1 - beta)` evaluates it, so that fractional tail counts are
/// weighted exactly as the minimum-CVaR program weights them.
///
/// Returns `None` for no scenarios, a width other than `weights.len()`, or `beta` outside
/// `[0, 1)`.
#[must_use]
pub fn historical_cvar(scenarios: ArrayView2<'_, f64>, weights: &[f64], beta: f64) -> Option<f64> {
    let t = scenarios.nrows();
    if t == 0 || scenarios.ncols() != weights.len() || !(0.0..1.0).contains(&beta) {
        return None;
    }
    let mut losses: Vec<f64> = scenarios
        .rows()
        .into_iter()
        .map(|r| -r.iter().zip(weights).map(|(a, b)| a * b).sum::<f64>())
        .collect();
    losses.sort_by(f64::total_cmp);
    // F(α) is convex and piecewise linear with kinks at the losses; its minimum is at the
    // loss where the share of larger losses crosses 1 - beta.
    let scale = 1.0 / (t as f64 * (1.0 - beta));
    let mut tail_sum: f64 = losses.iter().sum();
    let mut best = f64::INFINITY;
    for (k, &alpha) in losses.iter().enumerate() {
        // losses[k..] are ≥ alpha: Σ (loss - α)⁺ = tail_sum - (t - k) α
        let excess = tail_sum - (t - k) as f64 * alpha;
        best = best.min(alpha + scale * excess);
        tail_sum -= alpha;
    }
    Some(best)
}
