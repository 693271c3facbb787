//! Plans and Monte Carlo simulations.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extensions::{GoalOutcomeView, PlanExtensions, SpendingView};

/// The largest seed: JavaScript clients read JSON numbers as doubles, exact up to 2^53 - 1.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// One asset class and its return assumptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssetClassSpec {
    /// A label, 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60, example = "us_equity")]
    pub name: String,
    /// Expected annual arithmetic return (0.07 = 7%), greater than -1.
    #[schema(exclusive_minimum = -1, maximum = 10, example = 0.07)]
    pub mu: f64,
    /// Annual volatility of log returns, 0 to 5.
    #[schema(minimum = 0, maximum = 5, example = 0.16)]
    pub sigma: f64,
}

/// A plan in the base model: monthly steps, monthly rebalancing to `weights`, fees,
/// inflation, contributions until retirement and spending after. Cash flows are in today's
/// money and grow with inflation.
///
/// Omitting `asset_classes`, `weights` and `correlation` selects the documented defaults:
/// `us_equity` (mu 0.07, sigma 0.16), `intl_equity` (0.065, 0.18) and `bonds` (0.03, 0.05),
/// weighted 0.6 / 0.2 / 0.2, correlations 0.8 between the equities and 0.1 with bonds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanSpec {
    /// Wealth today.
    #[schema(minimum = 0, maximum = 1_000_000_000_000.0_f64, example = 250_000.0)]
    pub initial_wealth: f64,
    /// Saved each month until retirement, in today's money.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64, example = 1500.0)]
    pub monthly_contribution: f64,
    /// Months from now until retirement (at most `horizon_months`).
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 1200, example = 360)]
    pub retirement_month: u32,
    /// Spent each month from retirement on, in today's money.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64, example = 5000.0)]
    pub monthly_spending: f64,
    /// Months simulated, 1 to 1200.
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 1, maximum = 1200, example = 720)]
    pub horizon_months: u32,
    /// Constant annual inflation; 0.025 when omitted.
    #[serde(default = "default_inflation")]
    #[schema(minimum = -0.5, maximum = 1, example = 0.025)]
    pub annual_inflation: f64,
    /// Annual expense ratio; 0.002 when omitted.
    #[serde(default = "default_fee")]
    #[schema(minimum = 0, exclusive_maximum = 1, example = 0.002)]
    pub annual_fee: f64,
    /// The asset classes (1 to 32); the defaults when omitted.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub asset_classes: Option<Vec<AssetClassSpec>>,
    /// Target weights, one per asset class, non-negative, summing to 1.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub weights: Option<Vec<f64>>,
    /// Correlation matrix of log returns: symmetric, unit diagonal, positive semi-definite.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub correlation: Option<Vec<Vec<f64>>>,
    /// How far a holding's asset-class weight may drift from its target before the portfolio
    /// counts as outside its band and a rebalance would sell (0.05: five percentage points,
    /// the default when omitted).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub rebalance_band: Option<f64>,
    /// Model extensions (goals, income, events, withdrawal strategy, glide path, return and
    /// inflation models); the base model when omitted.
    #[serde(default, skip_serializing_if = "PlanExtensions::is_empty")]
    pub extensions: PlanExtensions,
}

/// The drift band of a plan that sets none.
pub const DEFAULT_REBALANCE_BAND: f64 = 0.05;

fn default_inflation() -> f64 {
    0.025
}

fn default_fee() -> f64 {
    0.002
}

/// `POST /simulations/monte-carlo`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationRequest {
    /// The plan to simulate; the caller's stored plan when omitted.
    pub plan: Option<PlanSpec>,
    /// Number of paths; 10,000 when omitted. Users may run up to 100,000, premium users,
    /// advisors and administrators up to 1,000,000.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub paths: Option<u32>,
    /// Fixes the result; a random seed (returned) when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub seed: Option<u64>,
    /// Whether to compute the yearly fan chart; true when omitted.
    pub fan_chart: Option<bool>,
}

/// Percentiles 5 to 95.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PercentilesView {
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

/// One point of the fan chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FanChartPoint {
    /// Years from now.
    pub year: u32,
    /// Percentiles of real wealth (today's money) then.
    pub real_wealth: PercentilesView,
}

/// A simulation's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SimulationSummary {
    /// Number of paths.
    pub paths: u32,
    /// The seed: the same plan, paths and seed give the same answer.
    pub seed: u64,
    /// Version of the engine that computed it.
    pub engine_version: String,
    /// Share of paths on which the money never runs out.
    pub success_probability: f64,
    /// Its Monte Carlo standard error, sqrt(p (1 - p) / N).
    pub success_standard_error: f64,
    /// Percentiles of real terminal wealth (today's money).
    pub terminal_real_wealth: PercentilesView,
    /// Mean real terminal wealth.
    pub terminal_real_wealth_mean: f64,
    /// Percentiles of real wealth after each whole year (empty when not requested).
    pub fan_chart: Vec<FanChartPoint>,
    /// Entry k - 1: probability that the money has run out by the end of year k.
    pub ruin_probability_by_year: Vec<f64>,
    /// Median number of years the money ran out early, over the paths where it did.
    pub median_shortfall_years: Option<f64>,
    /// Each of the plan's goals (`extensions.goals`): its chance of being paid in full.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<GoalOutcomeView>,
    /// Retirement spending year by year, when the plan has extensions and a whole year of
    /// retirement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub spending: Option<SpendingView>,
}

/// A stored simulation run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SimulationRecord {
    /// The result's id.
    pub id: uuid::Uuid,
    /// `monte_carlo` or `scenarios`.
    pub simulation_type: String,
    /// When it ran.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// What was run (plan, paths, seed, …).
    #[schema(value_type = Object)]
    pub parameters: serde_json::Value,
    /// What it answered.
    #[schema(value_type = Object)]
    pub results: serde_json::Value,
}

/// The answer to `POST /simulations/monte-carlo`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SimulationResponse {
    /// The stored result's id.
    pub id: uuid::Uuid,
    /// The answer.
    pub summary: SimulationSummary,
}

/// Changes a scenario makes to the base plan; omitted fields keep the base's value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanChanges {
    /// New starting wealth.
    #[schema(minimum = 0, maximum = 1_000_000_000_000.0_f64)]
    pub initial_wealth: Option<f64>,
    /// New monthly contribution.
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64)]
    pub monthly_contribution: Option<f64>,
    /// New retirement month.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 1200)]
    pub retirement_month: Option<u32>,
    /// New monthly spending.
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64)]
    pub monthly_spending: Option<f64>,
    /// New annual fee.
    #[schema(minimum = 0, exclusive_maximum = 1)]
    pub annual_fee: Option<f64>,
    /// New weights (one per asset class of the base).
    #[schema(max_items = 32)]
    pub weights: Option<Vec<f64>>,
}

/// One variant of the base plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioVariant {
    /// A label, 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60, example = "retire two years later")]
    pub name: String,
    /// What changes.
    pub changes: PlanChanges,
}

/// `POST /simulations/scenarios`: a base plan and up to 20 variants, all simulated on the
/// same random numbers, so differences come from the changes alone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRequest {
    /// The base plan; the caller's stored plan when omitted.
    pub base: Option<PlanSpec>,
    /// The variants (1 to 20).
    #[schema(min_items = 1, max_items = 20)]
    pub variants: Vec<ScenarioVariant>,
    /// Paths per plan; 10,000 when omitted. The role's limit applies to the total.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub paths: Option<u32>,
    /// Fixes the result; random (returned) when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub seed: Option<u64>,
}

/// A variant's answer and how it differs from the base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ScenarioOutcome {
    /// The variant's label.
    pub name: String,
    /// Its simulation (without fan chart).
    pub summary: SimulationSummary,
    /// Its success probability minus the base's.
    pub success_probability_change: f64,
    /// Its median real terminal wealth minus the base's.
    pub median_terminal_real_wealth_change: f64,
}

/// The answer to `POST /simulations/scenarios`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScenarioResponse {
    /// The stored result's id.
    pub id: uuid::Uuid,
    /// The base plan's simulation (without fan chart).
    pub base: SimulationSummary,
    /// Each variant, in request order.
    pub variants: Vec<ScenarioOutcome>,
}
