//! The live view of a plan: what a session computes after every tick, sent over the
//! WebSocket stream and returned by the `/live` REST endpoints.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extensions::GoalOutcomeView;
use crate::simulations::{FanChartPoint, PercentilesView};

/// Where a live simulation's starting wealth came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WealthSource {
    /// The market value of the holdings at the last prices.
    Holdings,
    /// The plan's `initial_wealth` (no priced holdings).
    Plan,
}

/// The live simulation: the session's plan answered for the current wealth, from its
/// prepared paths (or, for model extensions whose cash flows depend on wealth, a run at
/// that wealth: `extensions.method`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveSimulation {
    /// Paths of the prepared simulation.
    pub paths: u32,
    /// Its seed: fixed per user, so numbers move only with the inputs.
    pub seed: u64,
    /// The starting wealth simulated.
    pub starting_wealth: f64,
    /// Where it came from.
    pub wealth_source: WealthSource,
    /// The monthly contribution simulated.
    pub monthly_contribution: f64,
    /// The monthly spending simulated (from retirement on).
    pub monthly_spending: f64,
    /// The month retirement starts, counted from now.
    pub retirement_month: u32,
    /// Months simulated.
    pub horizon_months: u32,
    /// Share of paths never ruined.
    pub success_probability: f64,
    /// Its standard error.
    pub success_standard_error: f64,
    /// Percentiles of real terminal wealth.
    pub terminal_real_wealth: PercentilesView,
    /// Percentiles of real wealth after each whole year, as `POST /simulations/monte-carlo`
    /// computes them for the same plan, starting wealth, paths and seed. Only in the streams
    /// of subscriptions that asked for it (`subscribe` with `fan_chart: true`); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fan_chart: Option<Vec<FanChartPoint>>,
    /// Each of the plan's goals (`extensions.goals`, in that order) with its chance of being
    /// paid in full, as `POST /simulations/monte-carlo` reports them for the same plan,
    /// starting wealth, paths and seed. Absent for a plan without goals.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<GoalOutcomeView>,
    /// How the plan's model extensions entered this answer. Absent for a plan without any,
    /// which is answered as the base model always was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub extensions: Option<LiveExtensions>,
}

/// How a live answer with model extensions was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LiveMethod {
    /// From per-path coefficients drawn once for the plan: no cash flow depends on wealth,
    /// so each path's wealth is affine in the starting wealth and a new wealth is answered
    /// without drawing (microseconds).
    Incremental,
    /// Simulated again at the live wealth (at most one run at a time, the newest valuation
    /// next): a switch makes cash flows depend on wealth (`resimulated_because`).
    Resimulated,
}

/// The model extensions of a live answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LiveExtensions {
    /// How the answer was computed.
    pub method: LiveMethod,
    /// Why the plan is simulated again rather than answered incrementally: the switch that
    /// makes cash flows depend on wealth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub resimulated_because: Option<String>,
    /// What of the plan's stored extensions this answer leaves out, and why (a bootstrap
    /// without its own history when the holdings' price history cannot be read: returns
    /// are then lognormal, from the plan's asset classes). Absent when nothing is left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub left_out: Option<String>,
}

/// One asset class of the portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ClassWeight {
    /// The plan's asset class.
    pub asset_class: String,
    /// Market value of the holdings in it.
    pub value: f64,
    /// Share of the priced total (0 when nothing is priced).
    pub weight: f64,
    /// The plan's target weight.
    pub target: f64,
    /// `weight - target`.
    pub drift: f64,
}

/// The holdings marked to market.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LivePortfolio {
    /// Market value of every priced holding.
    pub total_value: f64,
    /// Per asset class of the plan, in the plan's order.
    pub classes: Vec<ClassWeight>,
    /// The largest absolute drift.
    pub max_abs_drift: f64,
    /// Held symbols with no price yet (left out of the value).
    pub unpriced: Vec<String>,
    /// The plan's drift band.
    pub band: f64,
    /// Whether some priced holding's weight is more than `band` from its share of the plan's
    /// class targets (as `POST /portfolio/rebalance` shares them).
    pub outside_band: bool,
    /// How many trades `POST /portfolio/rebalance` (no new cash) would list to bring it back;
    /// 0 inside the band.
    pub rebalance_trades: u32,
}

/// A price that moved since the previous update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TickSummary {
    /// The symbol.
    pub symbol: String,
    /// Its new price.
    pub price: f64,
    /// When the feed produced it (Unix milliseconds).
    pub ts_ms: i64,
}

/// Everything a plan stream shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveState {
    /// Whose plan.
    pub user_id: Uuid,
    /// The simulation.
    pub simulation: LiveSimulation,
    /// The portfolio.
    pub portfolio: LivePortfolio,
    /// When it was computed (Unix milliseconds).
    pub computed_at_ms: i64,
}

/// An input whose change an explanation names: the plan's fields by their names
/// (`asset_classes`: their expected returns and volatilities), and `holdings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExplainedInput {
    /// The plan's starting wealth; named only while it is the simulated wealth (nothing held
    /// is priced).
    InitialWealth,
    /// Saved each month until retirement.
    MonthlyContribution,
    /// Spent each month from retirement on.
    MonthlySpending,
    /// The month retirement starts.
    RetirementMonth,
    /// Months simulated.
    HorizonMonths,
    /// Yearly inflation.
    AnnualInflation,
    /// Yearly fee.
    AnnualFee,
    /// The asset classes' expected returns or volatilities (or which classes there are).
    AssetClasses,
    /// The correlations between the asset classes.
    Correlation,
    /// The target weights.
    Weights,
    /// The model extensions (goals, income, events, withdrawal strategy, glide path, return
    /// or inflation model): named as a whole.
    Extensions,
    /// Holdings were added, changed or removed. Not a plan input: their effect moved the
    /// wealth, so it is in `market`, not in `plan`.
    Holdings,
}

/// One input that changed between the two states an explanation compares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ChangedInput {
    /// Which.
    pub input: ExplainedInput,
    /// Its earlier value, for inputs that are one number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from: Option<f64>,
    /// Its value now, for inputs that are one number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub to: Option<f64>,
}

/// Why the success probability moved since an earlier state of the stream, on the same
/// random numbers. Every figure is a change of probability (0.021 is 2.1 percentage
/// points), a whole number of paths over the state's `paths`, so that
/// `market + plan + rest` is `total` up to the last bit of the division.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Explanation {
    /// The sequence number of the earlier state.
    pub since_seq: u64,
    /// When the earlier state was computed (Unix milliseconds).
    pub since_ms: i64,
    /// Success now minus success then.
    pub total: f64,
    /// The starting wealth's part (prices moving the holdings, and holdings bought or
    /// sold), on the earlier plan: success of the earlier plan at today's wealth minus at
    /// the earlier wealth.
    pub market: f64,
    /// The plan's part (the user's edits), at today's wealth: success of today's plan minus
    /// the earlier plan's.
    pub plan: f64,
    /// What neither explains: the jump when the wealth starts or stops coming from the
    /// holdings (the first holding priced, or the last one gone).
    pub rest: f64,
    /// The inputs that changed between the two states, in a fixed order.
    pub changed_inputs: Vec<ChangedInput>,
}

/// An alert raised by one of a user's rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LiveAlert {
    /// The stored alert's id.
    pub id: Uuid,
    /// The rule that fired (gone when the rule was deleted since).
    pub rule_id: Option<Uuid>,
    /// `success_below`, `drift_above` or `price_cross`.
    pub kind: String,
    /// What happened, for people.
    pub message: String,
    /// The observed value that fired the rule.
    pub value: f64,
    /// When (Unix milliseconds).
    pub at_ms: i64,
    /// For a `success_below` alert: the top recommendation computed when it fired (its
    /// sentence ends the message), while it stands (`GET /ml/recommendations`); a newer set
    /// of recommendations replaces it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub recommendation_id: Option<Uuid>,
}

/// A what-if: the plan with some inputs changed, answered from the same random numbers and
/// not stored unless committed. Omitted fields keep the plan's value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfChanges {
    /// Saved each month until retirement, in today's money.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64)]
    pub monthly_contribution: Option<f64>,
    /// Months from now until retirement.
    #[serde(default, deserialize_with = "crate::de::opt_whole")]
    #[schema(minimum = 0, maximum = 1200)]
    pub retirement_month: Option<u32>,
    /// Spent each month from retirement on, in today's money.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64)]
    pub monthly_spending: Option<f64>,
    /// Target weights, one per asset class, summing to 1.
    #[serde(default)]
    #[schema(max_items = 32)]
    pub weights: Option<Vec<f64>>,
}

/// The answer to a what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WhatIfAnswer {
    /// The plan as it stands, at the current wealth.
    pub base: LiveSimulation,
    /// The plan with the changes, on the same random numbers.
    pub variant: LiveSimulation,
    /// `variant.success_probability - base.success_probability`.
    pub success_probability_change: f64,
    /// Change of the median real terminal wealth.
    pub median_terminal_change: f64,
}

/// `POST /live/what-if`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WhatIfRequest {
    /// Whose plan: the caller's when omitted, or a client's who granted the caller access.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// The changes.
    pub changes: WhatIfChanges,
    /// Store the changed plan as the caller's plan (own plan only).
    #[serde(default)]
    pub commit: bool,
}

/// One of an advisor's clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdvisorClient {
    /// The client.
    pub user_id: Uuid,
    /// Their e-mail.
    pub email: String,
    /// When they granted access.
    pub granted_at: chrono::DateTime<chrono::Utc>,
    /// Their live success probability; absent when the plan could not be simulated in time.
    pub success_probability: Option<f64>,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An explanation with every field set, for round-trip tests.
    pub(crate) fn sample_explanation() -> Explanation {
        Explanation {
            since_seq: 3,
            since_ms: 1_700_000_000_000,
            total: -0.021,
            market: -0.026,
            plan: 0.005,
            rest: 0.0,
            changed_inputs: vec![
                ChangedInput {
                    input: ExplainedInput::MonthlyContribution,
                    from: Some(1500.0),
                    to: Some(2500.0),
                },
                ChangedInput {
                    input: ExplainedInput::Weights,
                    from: None,
                    to: None,
                },
            ],
        }
    }

    /// A state with every field set, for round-trip tests.
    pub(crate) fn sample_state() -> LiveState {
        let p = PercentilesView {
            p5: 1.0,
            p25: 2.0,
            p50: 3.5,
            p75: 4.0,
            p95: 5.0,
        };
        LiveState {
            user_id: Uuid::nil(),
            simulation: LiveSimulation {
                paths: 1000,
                seed: 42,
                starting_wealth: 250_000.5,
                wealth_source: WealthSource::Holdings,
                monthly_contribution: 1500.0,
                monthly_spending: 4000.0,
                retirement_month: 360,
                horizon_months: 720,
                success_probability: 0.812,
                success_standard_error: 0.0123,
                terminal_real_wealth: p,
                fan_chart: Some(vec![FanChartPoint {
                    year: 1,
                    real_wealth: p,
                }]),
                goals: vec![GoalOutcomeView {
                    name: "house deposit".into(),
                    month: 60,
                    priority: crate::extensions::GoalPriority::Need,
                    probability: 0.9,
                    standard_error: 0.0095,
                }],
                extensions: Some(LiveExtensions {
                    method: LiveMethod::Resimulated,
                    resimulated_because: Some(
                        "the withdrawal strategy sets spending from wealth".into(),
                    ),
                    left_out: Some("return_model".into()),
                }),
            },
            portfolio: LivePortfolio {
                total_value: 250_000.5,
                classes: vec![ClassWeight {
                    asset_class: "us_equity".into(),
                    value: 250_000.5,
                    weight: 1.0,
                    target: 0.6,
                    drift: 0.4,
                }],
                max_abs_drift: 0.4,
                unpriced: vec!["XYZ".into()],
                band: 0.05,
                outside_band: false,
                rebalance_trades: 0,
            },
            computed_at_ms: 1_700_000_000_000,
        }
    }
}
