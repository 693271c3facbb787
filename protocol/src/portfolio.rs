//! Holdings and their allocation across the plan's asset classes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /portfolio/holdings`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateHoldingRequest {
    /// The account holding it (`brokerage`, `ira`): letters, digits, `_`, `-` or `.`;
    /// stored lower-case.
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^[A-Za-z0-9_.\-]{1,40}$",
        example = "brokerage"
    )]
    pub account: String,
    /// The ticker; stored upper-case.
    #[schema(
        min_length = 1,
        max_length = 16,
        pattern = r"^[A-Za-z0-9.\-]{1,16}$",
        example = "VTI"
    )]
    pub symbol: String,
    /// Shares held, greater than 0, at most 6 decimals (fractional shares).
    #[schema(exclusive_minimum = 0, maximum = 1_000_000_000.0_f64, example = 12.5)]
    pub quantity: f64,
    /// The name of one of the caller's plan asset classes (the default plan's are
    /// `us_equity`, `intl_equity` and `bonds`).
    #[schema(min_length = 1, max_length = 60, example = "us_equity")]
    pub asset_class: String,
}

/// `PUT /portfolio/holdings/{id}`: fields left out stay as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateHoldingRequest {
    /// The account; stored lower-case.
    #[schema(min_length = 1, max_length = 40, pattern = r"^[A-Za-z0-9_.\-]{1,40}$")]
    pub account: Option<String>,
    /// The ticker; stored upper-case.
    #[schema(min_length = 1, max_length = 16, pattern = r"^[A-Za-z0-9.\-]{1,16}$")]
    pub symbol: Option<String>,
    /// Shares held, greater than 0, at most 6 decimals.
    #[schema(exclusive_minimum = 0, maximum = 1_000_000_000.0_f64)]
    pub quantity: Option<f64>,
    /// One of the caller's plan asset classes.
    #[schema(min_length = 1, max_length = 60)]
    pub asset_class: Option<String>,
}

/// A holding.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldingView {
    /// The holding's id.
    pub id: uuid::Uuid,
    /// The account (lower-case).
    pub account: String,
    /// The ticker (upper-case).
    pub symbol: String,
    /// Shares held.
    pub quantity: f64,
    /// The plan asset class it counts towards.
    pub asset_class: String,
    /// When it was created.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// When it last changed.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// A holding marked to market.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoldingValuation {
    /// The holding's id.
    pub id: uuid::Uuid,
    /// The account.
    pub account: String,
    /// The ticker.
    pub symbol: String,
    /// Shares held.
    pub quantity: f64,
    /// The asset class it counts towards.
    pub asset_class: String,
    /// The last price; absent when the symbol has no price yet.
    pub price: Option<f64>,
    /// `quantity × price`; absent when unpriced.
    pub market_value: Option<f64>,
}

/// One asset class of the plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ClassAllocation {
    /// The plan's asset class.
    pub asset_class: String,
    /// Market value of the priced holdings in it.
    pub value: f64,
    /// Its share of `total_value` (0 when nothing is priced).
    pub weight: f64,
    /// The plan's target weight.
    pub target_weight: f64,
    /// `weight - target_weight`.
    pub drift: f64,
}

/// `GET /portfolio/allocations`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AllocationsResponse {
    /// Market value of every priced holding. Unpriced holdings are left out.
    pub total_value: f64,
    /// Value of priced holdings whose asset class is no longer in the plan: part of
    /// `total_value`, in no class.
    pub unclassified_value: f64,
    /// Per asset class, in the plan's order.
    pub classes: Vec<ClassAllocation>,
    /// The largest absolute drift (0 when nothing is priced).
    pub max_abs_drift: f64,
    /// Every holding, priced or not, in (account, symbol) order.
    pub holdings: Vec<HoldingValuation>,
    /// Held symbols without a price yet, sorted.
    pub unpriced: Vec<String>,
}

/// Whole or fractional shares in a trade list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShareUnit {
    /// Millionths of a share, as holdings are stored.
    #[default]
    Fractional,
    /// Whole shares only.
    Whole,
}

/// `POST /portfolio/rebalance`: what to trade to bring the holdings back to their targets.
/// Nothing is traded or stored; the answer is a proposal.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RebalanceRequest {
    /// Target weight per symbol, summing to 1 (an optimiser's answer, for example); symbols
    /// held but not listed are sold. When omitted: the plan's asset-class targets, each
    /// class's weight shared among the class's holdings in proportion to their value.
    #[serde(default)]
    pub targets: Option<std::collections::BTreeMap<String, f64>>,
    /// New money to invest (default 0); it is invested before anything is sold.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000_000.0_f64)]
    pub cash: Option<f64>,
    /// The drift band: nothing is sold while every weight is within this of its target
    /// (default: the plan's `rebalance_band`, 0.05 when it sets none).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1)]
    pub band: Option<f64>,
    /// Whole or fractional shares (default fractional).
    #[serde(default)]
    pub shares: Option<ShareUnit>,
    /// Trades worth less than this are left out (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000.0_f64)]
    pub min_trade_value: Option<f64>,
    /// Whether selling is allowed (default true); without it only cash is invested.
    #[serde(default)]
    pub allow_sells: Option<bool>,
}

/// One trade of a rebalance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TradeView {
    /// The symbol.
    pub symbol: String,
    /// `buy` or `sell`.
    pub side: String,
    /// Shares to trade.
    pub shares: f64,
    /// At this price (the last price).
    pub price: f64,
    /// `shares × price`.
    pub value: f64,
    /// Why, for people ("invest new cash: under target by 3.1 points").
    pub reason: String,
}

/// A symbol's weight before and after the trades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RebalancePosition {
    /// The symbol.
    pub symbol: String,
    /// Its target weight.
    pub target: f64,
    /// Its weight now, among the holdings.
    pub weight_before: f64,
    /// Its weight after the trades.
    pub weight_after: f64,
    /// `weight_after − target`.
    pub drift_after: f64,
}

/// `POST /portfolio/rebalance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RebalanceResponse {
    /// The trades, sells first.
    pub trades: Vec<TradeView>,
    /// Every symbol held or targeted.
    pub positions: Vec<RebalancePosition>,
    /// Whether some weight was outside the band before the trades.
    pub outside_band_before: bool,
    /// Whether some weight is still outside it after them.
    pub outside_band_after: bool,
    /// The largest `|drift|` before.
    pub max_abs_drift_before: f64,
    /// The largest `|drift|` after.
    pub max_abs_drift_after: f64,
    /// Cash left uninvested.
    pub cash_left: f64,
    /// The band used.
    pub band: f64,
    /// Plan asset classes with a target but no holding, whose weight was shared among the
    /// others (hold something in them to rebalance into them).
    pub unheld_classes: Vec<String>,
}

/// `GET /portfolio/performance` query. Without `from` and `to`, the recorded history covers
/// the last year to today and the back-test the last year of stored price history.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PerformanceQuery {
    /// First day (default: a year before `to`).
    pub from: Option<chrono::NaiveDate>,
    /// Last day (default: today).
    pub to: Option<chrono::NaiveDate>,
    /// A symbol with price history to compare with (beta, alpha, its return).
    #[param(pattern = r"^[A-Za-z0-9.\-]{1,16}$")]
    pub benchmark: Option<String>,
    /// Annual risk-free rate of the Sharpe and Sortino ratios and alpha (default 0.02).
    #[param(minimum = -1, maximum = 1)]
    pub risk_free_rate: Option<f64>,
}

/// One point of a value series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ValuePoint {
    /// The day.
    pub date: chrono::NaiveDate,
    /// The value at its end.
    pub value: f64,
}

/// The deepest fall of a series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DrawdownView {
    /// The fall from the peak, as a fraction (0.25 = 25%).
    pub depth: f64,
    /// The peak before it.
    pub peak: chrono::NaiveDate,
    /// The lowest point.
    pub trough: chrono::NaiveDate,
    /// When the peak was regained, if it was.
    pub recovery: Option<chrono::NaiveDate>,
}

/// Performance measures of one value series. Ratios and rates are fractions, annual where
/// they say so; a measure the series cannot define (too short, no downside) is null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PerformanceView {
    /// The first day of the series.
    pub from: chrono::NaiveDate,
    /// The last day.
    pub to: chrono::NaiveDate,
    /// Time-weighted return over the series (deposits and withdrawals taken out).
    pub time_weighted_return: f64,
    /// The same, annualised; null for less than a year.
    pub time_weighted_return_annualised: Option<f64>,
    /// Money-weighted return (XIRR, annual): what the owner's deposits earned.
    pub money_weighted_return: Option<f64>,
    /// Annualised volatility of daily returns.
    pub volatility: Option<f64>,
    /// Annualised Sharpe ratio.
    pub sharpe: Option<f64>,
    /// Annualised Sortino ratio.
    pub sortino: Option<f64>,
    /// The deepest drawdown.
    pub max_drawdown: Option<DrawdownView>,
    /// The benchmark's time-weighted return over the same days.
    pub benchmark_return: Option<f64>,
    /// Beta against the benchmark.
    pub beta: Option<f64>,
    /// Jensen's alpha against the benchmark, annualised.
    pub alpha: Option<f64>,
    /// The values, by day.
    pub series: Vec<ValuePoint>,
}

/// `GET /portfolio/performance`: the caller's recorded history, and today's holdings held
/// through the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PerformanceResponse {
    /// From the daily valuations and the cash flows of holding changes; null with a reason
    /// in `notes` when they cannot say.
    pub recorded: Option<PerformanceView>,
    /// Today's holdings back-tested over the price history; null with a reason in `notes`.
    pub backtest: Option<PerformanceView>,
    /// The benchmark symbol, when one was asked for.
    pub benchmark: Option<String>,
    /// Why a part is missing, for people.
    pub notes: Vec<String>,
}
