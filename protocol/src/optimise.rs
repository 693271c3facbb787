//! Portfolio optimisation over REST: `POST /portfolio/optimize` and `POST /portfolio/frontier`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Objective {
    /// The least variance.
    MinVariance,
    /// The highest Sharpe ratio at `risk_free_rate`.
    MaxSharpe,
    /// The least variance earning at least `target_return` (annual).
    EfficientReturn {
        /// The expected return to reach, e.g. 0.08.
        #[schema(minimum = -10, maximum = 10)]
        target_return: f64,
    },
    /// The highest expected return with volatility at most `target_volatility` (annual).
    EfficientRisk {
        /// The largest volatility, e.g. 0.15.
        #[schema(exclusive_minimum = 0, maximum = 10)]
        target_volatility: f64,
    },
    /// The highest `μᵀw − (δ/2) wᵀΣw`.
    MaxQuadraticUtility {
        /// δ, above 0 (1 is the conventional default).
        #[schema(exclusive_minimum = 0, maximum = 1_000_000)]
        risk_aversion: f64,
    },
    /// The least historical conditional value at risk of a day's loss.
    MinCvar {
        /// Confidence level, e.g. 0.95.
        #[schema(exclusive_minimum = 0, exclusive_maximum = 1)]
        beta: f64,
    },
    /// Equal risk contributions (long-only; no groups, turnover or costs).
    RiskParity,
}

/// How expected returns are estimated from daily closes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnsMethod {
    /// Mean of daily simple returns × 252.
    #[default]
    Mean,
    /// Exponentially weighted mean (span `ewma_span`) × 252.
    Ewma,
}

/// How the covariance is estimated from daily closes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CovarianceMethod {
    /// Sample covariance (ddof 1) × 252.
    #[default]
    Sample,
    /// Ledoit–Wolf shrinkage towards the constant-variance target.
    LedoitWolf,
    /// Exponentially weighted covariance (span `ewma_span`) × 252.
    Ewma,
}

/// Least and largest weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightRange {
    /// Least weight; negative allows a short position.
    #[schema(minimum = -1, maximum = 1)]
    pub min: f64,
    /// Largest weight.
    #[schema(minimum = -1, maximum = 1)]
    pub max: f64,
}

/// A set of symbols (a sector, an asset class) whose summed weight is bounded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBound {
    /// A name for messages.
    #[schema(min_length = 1, max_length = 60)]
    pub name: String,
    /// Its symbols, among the request's.
    pub symbols: Vec<String>,
    /// Least summed weight (none when omitted).
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest summed weight (none when omitted).
    #[serde(default)]
    pub max: Option<f64>,
}

/// Declares a request with the fields every optimisation shares (market data and
/// constraints) besides its own. A macro, not `#[serde(flatten)]`: serde cannot refuse
/// unknown fields through a flattened struct, and a misspelt constraint must not be ignored.
macro_rules! portfolio_problem {
    ($(#[$meta:meta])* pub struct $name:ident { $($own:tt)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($own)*
            /// The symbols to allocate among (2 to 100); the caller's holdings when omitted.
            #[serde(default)]
            pub symbols: Option<Vec<String>>,
            /// First day of the price window; when omitted, the window is the five years up to
            /// the last day every symbol has a close (on or before `to`).
            #[serde(default)]
            pub from: Option<chrono::NaiveDate>,
            /// Last day of the price window; the latest stored close when omitted.
            #[serde(default)]
            pub to: Option<chrono::NaiveDate>,
            /// Expected returns (default `mean`).
            #[serde(default)]
            pub expected_returns: Option<ReturnsMethod>,
            /// Covariance (default `sample`).
            #[serde(default)]
            pub covariance: Option<CovarianceMethod>,
            /// Span in trading days of the `ewma` estimators (default 180).
            #[serde(default)]
            #[schema(minimum = 1, maximum = 100_000)]
            pub ewma_span: Option<f64>,
            /// Annual risk-free rate of the maximum Sharpe objective and every Sharpe ratio
            /// (default 0.02).
            #[serde(default)]
            #[schema(minimum = -1, maximum = 1)]
            pub risk_free_rate: Option<f64>,
            /// Bounds of every weight (default 0 to 1: long-only).
            #[serde(default)]
            pub bounds: Option<WeightRange>,
            /// Bounds of particular symbols, replacing `bounds` for them.
            #[serde(default)]
            pub asset_bounds: Option<BTreeMap<String, WeightRange>>,
            /// Bounds on the summed weight of sets of symbols.
            #[serde(default)]
            pub groups: Option<Vec<GroupBound>>,
            /// Largest turnover `Σ|w − w₀|` against `current_weights`.
            #[serde(default)]
            #[schema(minimum = 0, maximum = 2)]
            pub max_turnover: Option<f64>,
            /// Proportional transaction cost per unit of weight traded against `current_weights`
            /// (0.001 = 10 basis points).
            #[serde(default)]
            #[schema(minimum = 0, maximum = 1)]
            pub transaction_cost: Option<f64>,
            /// The current weights `w₀` of the turnover limit and the costs; the caller's holdings
            /// at the last prices when omitted. Symbols left out weigh 0.
            #[serde(default)]
            pub current_weights: Option<BTreeMap<String, f64>>,
        }
    };
}

portfolio_problem! {
    /// `POST /portfolio/optimize`.
    pub struct OptimizeRequest {
        /// What to optimise.
        pub objective: Objective,
    }
}

portfolio_problem! {
    /// `POST /portfolio/frontier`.
    pub struct FrontierRequest {
        /// Points on the frontier (default 50).
        #[serde(default, deserialize_with = "crate::de::opt_whole")]
        #[schema(minimum = 2, maximum = 200)]
        pub points: Option<u32>,
    }
}

/// The estimates an answer stands on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EstimateSummary {
    /// The symbols, in the order of the estimates.
    pub symbols: Vec<String>,
    /// The first day of the window with a close for every symbol.
    pub from: chrono::NaiveDate,
    /// The last such day.
    pub to: chrono::NaiveDate,
    /// Days with a close for every symbol.
    pub days: usize,
    /// The expected-return estimator.
    pub expected_returns: ReturnsMethod,
    /// The covariance estimator.
    pub covariance: CovarianceMethod,
    /// The Ledoit–Wolf shrinkage intensity, with that estimator.
    pub shrinkage: Option<f64>,
    /// Annual expected return per symbol.
    pub expected_return: BTreeMap<String, f64>,
    /// Annual volatility per symbol.
    pub volatility: BTreeMap<String, f64>,
}

/// An optimised portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OptimizedPortfolio {
    /// Weight per symbol; they sum to 1.
    pub weights: BTreeMap<String, f64>,
    /// Annual expected return, gross of transaction costs.
    pub expected_return: f64,
    /// Annual volatility.
    pub volatility: f64,
    /// `(expected_return − risk_free_rate) / volatility`.
    pub sharpe: f64,
    /// `optimal`, or `optimal_reduced_accuracy` when the solver met only its looser
    /// tolerances.
    pub status: String,
    /// The risk-free rate of `sharpe`.
    pub risk_free_rate: f64,
    /// `Σ|w − w₀|` against the current weights, when a turnover limit or a cost was given.
    pub turnover: Option<f64>,
    /// The transaction cost charged (0 without costs).
    pub transaction_cost: f64,
    /// Historical CVaR of a day's loss at the objective's level (minimum CVaR only).
    pub cvar: Option<f64>,
}

/// `POST /portfolio/optimize`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OptimizeResponse {
    /// The portfolio.
    #[serde(flatten)]
    pub portfolio: OptimizedPortfolio,
    /// The estimates it stands on.
    pub estimate: EstimateSummary,
}

/// Where a portfolio sits in risk and return.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RiskReturn {
    /// Annual expected return.
    pub expected_return: f64,
    /// Annual volatility.
    pub volatility: f64,
    /// Sharpe ratio at the request's risk-free rate.
    pub sharpe: f64,
}

/// `POST /portfolio/frontier`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FrontierResponse {
    /// The portfolios, by increasing expected return: the first is the minimum-variance
    /// portfolio, the last the highest-return one.
    pub points: Vec<OptimizedPortfolio>,
    /// The point of highest Sharpe ratio on the frontier (its index in `points`).
    pub max_sharpe_index: usize,
    /// The caller's holdings in the same estimates, when they hold only these symbols' (or
    /// `current_weights` was given).
    pub current: Option<RiskReturn>,
    /// The estimates it stands on.
    pub estimate: EstimateSummary,
}
