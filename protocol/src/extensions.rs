//! A plan's model extensions (`PlanSpec.extensions`): goals with priorities, income streams,
//! one-off events, a withdrawal strategy, a glide path, a return model and an inflation
//! model. Each is a switch whose default is the base model, so a plan without `extensions`
//! (or with an empty object) is simulated exactly as before.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How badly a goal is wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalPriority {
    /// Paid whatever it takes; a need that cannot be paid means the plan has failed.
    Need,
    /// Paid when the wealth left after it still covers the reserve: the needs still to come
    /// plus a year of spending (once retirement is under a year away).
    Want,
    /// Paid when the wealth left after it covers twice that reserve.
    Wish,
}

/// A dated goal inside the simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanGoal {
    /// A label, 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60, example = "house deposit")]
    pub name: String,
    /// In today's money.
    #[schema(minimum = 0, maximum = 1_000_000_000_000.0_f64, example = 60_000.0)]
    pub amount: f64,
    /// The month it is paid in (before the horizon).
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 1199, example = 60)]
    pub month: u32,
    /// Whether it gives way when money is short.
    pub priority: GoalPriority,
}

/// How an income stream follows prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColaKind {
    /// Constant in today's money.
    #[default]
    Inflation,
    /// Fixed in money of its start month.
    None,
    /// Rises by `cola_rate` a year from its start month.
    Fixed,
}

/// Monthly income: a pension, social security, rent, a part-time job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomeStreamSpec {
    /// A label, 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60, example = "state pension")]
    pub name: String,
    /// Per month, in today's money.
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64, example = 1_200.0)]
    pub monthly_amount: f64,
    /// The first month paid (before the horizon).
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 1199, example = 420)]
    pub start_month: u32,
    /// The first month no longer paid; paid to the horizon when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 1200)]
    pub end_month: Option<u32>,
    /// Its cost-of-living adjustment; `inflation` when omitted.
    #[serde(default)]
    pub cola: ColaKind,
    /// The annual rate of a `fixed` adjustment.
    #[serde(default)]
    #[schema(minimum = -0.5, maximum = 1)]
    pub cola_rate: Option<f64>,
}

/// A one-off cash flow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CashEventSpec {
    /// A label, 1 to 60 characters.
    #[schema(min_length = 1, max_length = 60, example = "inheritance")]
    pub name: String,
    /// The month it happens in (before the horizon).
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 1199, example = 240)]
    pub month: u32,
    /// In today's money: positive comes in, negative goes out.
    #[schema(minimum = -1_000_000_000_000.0_f64, maximum = 1_000_000_000_000.0_f64)]
    pub amount: f64,
}

/// How retirement spending is set; decided once a year at each anniversary of retirement
/// and withdrawn monthly.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "strategy", rename_all = "snake_case", deny_unknown_fields)]
pub enum WithdrawalSpec {
    /// The plan's monthly spending, constant in today's money (the base model).
    ConstantReal,
    /// Each year a fixed share of the wealth.
    ConstantPercentage {
        /// Share per year, above 0 and at most 1.
        #[schema(exclusive_minimum = 0, maximum = 1, example = 0.04)]
        annual_rate: f64,
    },
    /// Variable percentage withdrawal: each year the payment of an annuity due to the
    /// horizon at `real_return`, so the last year takes what is left.
    Vpw {
        /// The real return the rate assumes, above -0.5 and at most 0.5.
        #[schema(exclusive_minimum = -0.5, maximum = 0.5, example = 0.035)]
        real_return: f64,
    },
    /// Guyton–Klinger decision rules, starting from the plan's spending.
    GuytonKlinger {
        /// How far the withdrawal rate may move from its start before spending changes;
        /// 0.2 when omitted.
        #[serde(default = "default_guardrail")]
        #[schema(exclusive_minimum = 0, exclusive_maximum = 1)]
        guardrail: f64,
        /// How much spending changes then; 0.1 when omitted.
        #[serde(default = "default_adjustment")]
        #[schema(exclusive_minimum = 0, exclusive_maximum = 1)]
        adjustment: f64,
        /// No cuts in the last this many years; 15 when omitted.
        #[serde(
            default = "default_protected_years",
            deserialize_with = "crate::de::whole"
        )]
        #[schema(minimum = 0, maximum = 100)]
        protected_final_years: u32,
    },
    /// A share of wealth, kept between a floor and a ceiling (multiples of the plan's
    /// spending).
    FloorCeiling {
        /// Share of wealth per year.
        #[schema(exclusive_minimum = 0, maximum = 1, example = 0.045)]
        annual_rate: f64,
        /// Lowest spending, as a multiple of the plan's; 0.85 when omitted.
        #[serde(default = "default_floor")]
        #[schema(minimum = 0, maximum = 100)]
        floor: f64,
        /// Highest spending, as a multiple of the plan's; 1.5 when omitted.
        #[serde(default = "default_ceiling")]
        #[schema(minimum = 0, maximum = 100)]
        ceiling: f64,
    },
}

fn default_guardrail() -> f64 {
    0.2
}
fn default_adjustment() -> f64 {
    0.1
}
fn default_protected_years() -> u32 {
    15
}
fn default_floor() -> f64 {
    0.85
}
fn default_ceiling() -> f64 {
    1.5
}

/// One point of a glide path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GlidePointSpec {
    /// The month these weights are reached (months increase from point to point).
    #[serde(deserialize_with = "crate::de::whole")]
    #[schema(minimum = 0, maximum = 1200)]
    pub month: u32,
    /// One per asset class, non-negative, summing to 1.
    #[schema(max_items = 32)]
    pub weights: Vec<f64>,
}

/// Where monthly returns come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReturnModelSpec {
    /// Multivariate normal log returns (the base model).
    Lognormal,
    /// Student-t log returns with the classes' volatilities and fatter tails.
    StudentT {
        /// Degrees of freedom, above 2; 5 when omitted.
        #[serde(default = "default_df")]
        #[schema(exclusive_minimum = 2, maximum = 1_000_000_000)]
        df: f64,
    },
    /// Blocks of consecutive months of history.
    Bootstrap {
        /// Months per block; 12 when omitted.
        #[serde(default = "default_block", deserialize_with = "crate::de::whole")]
        #[schema(minimum = 1, maximum = 2400)]
        block_months: u32,
        /// Monthly log returns, one row per month (12 to 2,400), one column per asset
        /// class. When omitted, the history of the caller's holdings is used: each class's
        /// holdings as a basket, month-end closes from the stored prices.
        #[serde(default)]
        #[schema(max_items = 2400)]
        history: Option<Vec<Vec<f64>>>,
    },
    /// Two regimes, calm and stressed, switching month to month. Omitted parameters are
    /// those of Hardy (2001), standardised so that each class keeps its drift and
    /// volatility in the long run.
    RegimeSwitching {
        /// Chance per month of going from calm to stressed.
        #[serde(default)]
        #[schema(minimum = 0, maximum = 1)]
        to_stressed: Option<f64>,
        /// Chance per month of going from stressed to calm.
        #[serde(default)]
        #[schema(minimum = 0, maximum = 1)]
        to_calm: Option<f64>,
        /// Calm regime's drift shift and volatility multiplier.
        #[serde(default)]
        calm: Option<RegimeSpec>,
        /// Stressed regime's.
        #[serde(default)]
        stressed: Option<RegimeSpec>,
    },
}

/// A regime relative to the plan's assumptions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegimeSpec {
    /// Added to each class's monthly drift, in its monthly standard deviations.
    #[schema(minimum = -10, maximum = 10)]
    pub drift_shift: f64,
    /// Multiplies each class's volatility.
    #[schema(minimum = 0, maximum = 10)]
    pub volatility_multiplier: f64,
}

fn default_df() -> f64 {
    5.0
}
fn default_block() -> u32 {
    12
}

/// How prices move.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "model", rename_all = "snake_case", deny_unknown_fields)]
pub enum InflationModelSpec {
    /// The plan's `annual_inflation`, every year (the base model).
    Constant,
    /// Annual inflation wandering around the plan's `annual_inflation` (an AR(1) process,
    /// month by month), correlated with the first asset class's returns.
    Stochastic {
        /// Long-run standard deviation of the annual rate; 0.015 when omitted.
        #[serde(default = "default_inflation_volatility")]
        #[schema(minimum = 0, maximum = 0.5)]
        volatility: f64,
        /// Month-to-month persistence, 0 to below 1; 0.97 when omitted (a shock halves in
        /// about two years).
        #[serde(default = "default_persistence")]
        #[schema(minimum = 0, exclusive_maximum = 1)]
        persistence: f64,
        /// Correlation with the first class's shocks, -1 to 1; -0.1 when omitted.
        #[serde(default = "default_inflation_correlation")]
        #[schema(minimum = -1, maximum = 1)]
        correlation: f64,
    },
}

fn default_inflation_volatility() -> f64 {
    0.015
}
fn default_persistence() -> f64 {
    0.97
}
fn default_inflation_correlation() -> f64 {
    -0.1
}

/// Every switch; all omitted is the base model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanExtensions {
    /// Dated goals with priorities (at most 64).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 64)]
    pub goals: Vec<PlanGoal>,
    /// Income streams (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub income: Vec<IncomeStreamSpec>,
    /// One-off cash flows (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub events: Vec<CashEventSpec>,
    /// The withdrawal strategy; constant real spending when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub withdrawal: Option<WithdrawalSpec>,
    /// Target weights over time (linear between points; at most 100 points); the plan's
    /// `weights` throughout when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schema(max_items = 100)]
    pub glide_path: Vec<GlidePointSpec>,
    /// The return model; lognormal when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub return_model: Option<ReturnModelSpec>,
    /// The inflation model; constant when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub inflation_model: Option<InflationModelSpec>,
    /// Monthly spending (today's money) below which a retirement year counts as lean; the
    /// plan's `monthly_spending` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64, nullable = false)]
    pub spending_floor: Option<f64>,
}

impl PlanExtensions {
    /// Whether nothing is switched on.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// A goal's chance of being paid in full.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct GoalOutcomeView {
    /// The goal's label.
    pub name: String,
    /// Its month.
    pub month: u32,
    /// Its priority.
    pub priority: GoalPriority,
    /// Share of paths that paid it in full.
    pub probability: f64,
    /// Its standard error.
    pub standard_error: f64,
}

/// One retirement year's spending.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SpendingYear {
    /// Years from now (the year ending then).
    pub year: u32,
    /// Percentiles of the year's withdrawals in today's money (0 once the money ran out).
    pub real_spending: crate::simulations::PercentilesView,
}

/// What retirement spending felt like across the paths.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SpendingView {
    /// Each whole year inside retirement.
    pub by_year: Vec<SpendingYear>,
    /// The monthly floor (today's money) the next two figures compare with.
    pub floor: f64,
    /// Share of all those path-years spent below 12 × floor.
    pub share_of_years_below_floor: f64,
    /// Share of paths with at least one such year.
    pub paths_with_a_year_below_floor: f64,
}

/// A return (or inflation) model that `POST /simulations/compare-models` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComparedModel {
    /// Multivariate normal log returns, constant inflation: the base model.
    Lognormal,
    /// Student-t log returns with `student_t_df` degrees of freedom.
    StudentT,
    /// Blocks of history: the plan's own, or the holdings'.
    Bootstrap,
    /// Hardy's two regimes, standardised to the plan's assumptions.
    RegimeSwitching,
    /// Lognormal returns with stochastic inflation (the documented defaults).
    StochasticInflation,
}

/// `POST /simulations/compare-models`: one plan under every model, on the same paths and
/// seed. The plan's other extensions (goals, income, strategy, glide path) apply to all.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompareModelsRequest {
    /// The plan; the caller's stored plan (or the default) when omitted.
    #[serde(default)]
    pub plan: Option<crate::simulations::PlanSpec>,
    /// Paths per model; 10,000 when omitted, at most 100,000 (and the role's limit over
    /// all five models).
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 100_000)]
    pub paths: Option<u32>,
    /// Fixes the result; random (returned) when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub seed: Option<u64>,
    /// The Student-t's degrees of freedom; 5 when omitted.
    #[serde(default)]
    #[schema(exclusive_minimum = 2, maximum = 1_000_000_000)]
    pub student_t_df: Option<f64>,
    /// The bootstrap's block length in months; 12 when omitted.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 1, maximum = 2400)]
    pub block_months: Option<u32>,
}

/// One model's answer, or why it could not run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelOutcome {
    /// The model.
    pub model: ComparedModel,
    /// What it assumes, in a sentence.
    pub description: String,
    /// Its simulation (without fan chart); absent when it could not run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub summary: Option<crate::simulations::SimulationSummary>,
    /// Why it could not run (a bootstrap without any history to draw from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub unavailable: Option<String>,
}

/// Every model side by side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CompareModelsResponse {
    /// Paths per model.
    pub paths: u32,
    /// The seed every model ran on (the returns' normals are shared by the lognormal,
    /// Student-t and regime models).
    pub seed: u64,
    /// In the order of [`ComparedModel`].
    pub models: Vec<ModelOutcome>,
}
