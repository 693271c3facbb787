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
