//! The portfolio's history as the plan's assumptions, and an optimiser's allocation as the
//! plan's weights: `GET /planning/assumptions/derived` and `POST /planning/plan/allocation`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::simulations::{AssetClassSpec, PlanSpec};

/// How the derived correlations are measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssumptionsCovariance {
    /// The sample correlations of the classes' daily log returns.
    #[default]
    Sample,
    /// Ledoit–Wolf shrinkage of the standardised log returns: correlations move towards none,
    /// volatilities stay as measured.
    LedoitWolf,
}

/// `GET /planning/assumptions/derived` query. Without `from`, the window is the five years up
/// to the last day on which every held symbol has a close.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DerivedAssumptionsQuery {
    /// First day (inclusive).
    pub from: Option<chrono::NaiveDate>,
    /// Last day (inclusive).
    pub to: Option<chrono::NaiveDate>,
    /// How correlations are measured (default `sample`).
    pub covariance: Option<AssumptionsCovariance>,
}

/// A plan's return assumptions: its asset classes and their correlations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanAssumptions {
    /// The classes with `mu` (expected annual arithmetic return) and `sigma` (annual
    /// volatility of log returns).
    pub asset_classes: Vec<AssetClassSpec>,
    /// Correlations of log returns, in the order of `asset_classes`.
    pub correlation: Vec<Vec<f64>>,
}

/// Where a class's derived figures come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClassSource {
    /// The class.
    pub name: String,
    /// The held symbols measured for it, held within the class at their values at the last
    /// close of the window.
    pub symbols: Vec<String>,
    /// Whether its figures were measured; a class without priced holdings keeps its current
    /// assumptions.
    pub derived: bool,
}

/// The plan's assumptions measured from the holdings' price history, beside the current ones.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DerivedAssumptions {
    /// First day of the window.
    pub from: chrono::NaiveDate,
    /// Last day of the window.
    pub to: chrono::NaiveDate,
    /// Daily returns measured.
    pub days: u32,
    /// How correlations were measured.
    pub covariance: AssumptionsCovariance,
    /// The Ledoit–Wolf intensity, with `ledoit_wolf`.
    pub shrinkage: Option<f64>,
    /// The plan's assumptions now.
    pub current: PlanAssumptions,
    /// The assumptions measured from history.
    pub derived: PlanAssumptions,
    /// Per class, which holdings it was measured from.
    pub classes: Vec<ClassSource>,
    /// The stored plan with `derived` in place of its assumptions: `PUT` it unchanged to
    /// `/planning/plan` to accept them.
    pub plan: PlanSpec,
    /// What people should know about the figures.
    pub notes: Vec<String>,
}

/// `POST /planning/plan/allocation`: an allocation over symbols (an optimiser result's
/// `weights`) to become the plan's class weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplyAllocationRequest {
    /// Weight per held symbol, each 0 to 1, together 1. A symbol's class is that of the
    /// caller's holding of it.
    #[schema(example = json!({"AAPL": 0.6, "BND": 0.4}))]
    pub weights: BTreeMap<String, f64>,
}

/// A class and its new weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PlanClassWeight {
    /// The class.
    pub name: String,
    /// Its weight in the plan.
    pub weight: f64,
}

/// The plan as saved with the allocation's class weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationApplied {
    /// The stored plan.
    pub plan: PlanSpec,
    /// The class weights, in the order of the plan's classes.
    pub class_weights: Vec<PlanClassWeight>,
}

/// The plan input a solve sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SolveFor {
    /// The highest monthly spending (today's money).
    MonthlySpending,
    /// The lowest monthly contribution (today's money).
    MonthlyContribution,
    /// The earliest retirement month.
    RetirementMonth,
    /// The smallest starting wealth.
    InitialWealth,
    /// The least share of the portfolio in the equity classes (0 to 1, to 0.001), each side
    /// keeping its classes' mix.
    EquityShare,
}

impl SolveFor {
    /// Every lever, in the order answers list them.
    pub const ALL: [Self; 5] = [
        Self::MonthlySpending,
        Self::MonthlyContribution,
        Self::RetirementMonth,
        Self::InitialWealth,
        Self::EquityShare,
    ];
}

/// `POST /planning/solve`: the value of one input at which the plan reaches
/// `target_success`, all other inputs fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolveRequest {
    /// The input to solve for.
    #[serde(rename = "for")]
    pub lever: SolveFor,
    /// The success probability to reach, above 0 and at most 1.
    #[schema(exclusive_minimum = 0, maximum = 1, example = 0.85)]
    pub target_success: f64,
    /// The plan; the stored one (or the default) when omitted.
    #[serde(default)]
    pub plan: Option<PlanSpec>,
    /// Paths (default `simulation.default_paths`, at most the role's limit).
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub paths: Option<u32>,
    /// Fixes the answer; random when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub seed: Option<u64>,
    /// For `equity_share`: the asset classes (by name) that count as equity. When omitted,
    /// those whose name contains `equity`, `equities` or `stock`, in any case (the defaults'
    /// `us_equity` and `intl_equity`). At least one class must be equity and one not.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub equity_classes: Option<Vec<String>>,
}

/// A solve's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SolveAnswer {
    /// The input solved for.
    #[serde(rename = "for")]
    pub lever: SolveFor,
    /// Its value: money to the cent on the safe side, or a whole month.
    pub value: f64,
    /// The target.
    pub target_success: f64,
    /// The success at `value` on the search's random numbers (the search's seed).
    pub search_success: f64,
    /// The success at `value` on fresh random numbers (seed + 1).
    pub achieved_success: f64,
    /// Its standard error.
    pub standard_error: f64,
    /// Paths of each run.
    pub paths: u32,
    /// The search's seed.
    pub seed: u64,
    /// For `equity_share`: the classes counted as equity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub equity_classes: Option<Vec<String>>,
    /// For `equity_share`: the plan's weights at that share, in the order of its classes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub weights: Option<Vec<f64>>,
}

/// `POST /ml/goal-optimization`: every input's answer at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GoalOptimizationRequest {
    /// The success probability to reach, above 0 and at most 1.
    #[schema(exclusive_minimum = 0, maximum = 1, example = 0.85)]
    pub target_success: f64,
    /// The plan; the stored one (or the default) when omitted.
    #[serde(default)]
    pub plan: Option<PlanSpec>,
    /// Paths (default `simulation.default_paths`, at most the role's limit).
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub paths: Option<u32>,
    /// Fixes the answers; random when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub seed: Option<u64>,
    /// For `equity_share`: the asset classes (by name) that count as equity. When omitted,
    /// those whose name contains `equity`, `equities` or `stock`, in any case (the defaults'
    /// `us_equity` and `intl_equity`). At least one class must be equity and one not.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub equity_classes: Option<Vec<String>>,
}

/// One input's answer, or why there is none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeverAnswer {
    /// The input.
    #[serde(rename = "for")]
    pub lever: SolveFor,
    /// Its value, when some value in range reaches the target.
    pub value: Option<f64>,
    /// The success at `value` on fresh random numbers.
    pub achieved_success: Option<f64>,
    /// Its standard error.
    pub standard_error: Option<f64>,
    /// Why there is no value.
    pub unreachable: Option<String>,
}

/// Every input's answer for the same plan, paths and seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GoalOptimizationResponse {
    /// The target.
    pub target_success: f64,
    /// Paths of each run.
    pub paths: u32,
    /// The seed.
    pub seed: u64,
    /// The classes counted as equity for `equity_share` (empty when none is: its answer
    /// then says why).
    pub equity_classes: Vec<String>,
    /// One answer per input.
    pub levers: Vec<LeverAnswer>,
}
