//! Market data over REST.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `GET /market/quotes` query.
#[derive(Debug, Clone, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotesQuery {
    /// Comma-separated symbols, 1 to 50 (`AAPL,MSFT`).
    #[param(
        min_length = 1,
        max_length = 900,
        pattern = r"^[A-Za-z0-9.\-]{1,16}(,[A-Za-z0-9.\-]{1,16}){0,49}$",
        example = "AAPL,MSFT"
    )]
    pub symbols: String,
}

/// The last price of a symbol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct QuoteView {
    /// The symbol.
    pub symbol: String,
    /// The last accepted price.
    pub price: f64,
    /// When the feed produced it (Unix milliseconds).
    pub ts_ms: i64,
}

/// `GET /market/quotes`: symbols without a price yet are left out.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct QuotesResponse {
    /// One entry per known symbol, in request order.
    pub quotes: Vec<QuoteView>,
}

/// `GET /market/feeds`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedsResponse {
    /// `synthetic`, `replay`, `external` or `none`.
    pub feed: String,
    /// What it plays (symbols, file).
    pub description: String,
    /// Ticks accepted by the price hub.
    pub accepted_ticks: u64,
    /// Ticks dropped (bad prices, absurd jumps).
    pub rejected_ticks: u64,
    /// Symbols with a price.
    pub symbols_priced: usize,
    /// Subscribers to the hub.
    pub subscribers: usize,
    /// With Redis configured and a feed: whether this node holds the feed's lease, that is
    /// runs the feed and publishes its ticks, which every node (this one included) applies.
    /// Absent without Redis, where each node runs its own feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub leader: Option<bool>,
}

/// Which stored closes a price history reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PriceSourceFilter {
    /// Market history: uploads, imports and a real feed's daily closes (in that order of
    /// preference when several have a day).
    #[default]
    History,
    /// Only what the synthetic or replay feed recorded.
    Synthetic,
    /// Everything, history preferred.
    All,
}

/// `GET /market/prices/{symbol}` query.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PriceHistoryQuery {
    /// First day (inclusive); the earliest stored when omitted.
    pub from: Option<chrono::NaiveDate>,
    /// Last day (inclusive); the latest stored when omitted.
    pub to: Option<chrono::NaiveDate>,
    /// Which closes (default `history`).
    pub source: Option<PriceSourceFilter>,
}

/// One daily close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PricePoint {
    /// The trading day.
    pub date: chrono::NaiveDate,
    /// The close.
    pub close: f64,
    /// `upload`, `import`, `feed` or `synthetic`.
    pub source: String,
}

/// `GET /market/prices/{symbol}`: one close per day, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PriceHistory {
    /// The symbol, upper-case.
    pub symbol: String,
    /// The closes.
    pub prices: Vec<PricePoint>,
}

/// What an import stored: `POST /admin/prices` and `glidepath prices import`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PriceImportSummary {
    /// The file's symbols, in column order.
    pub symbols: Vec<String>,
    /// Rows (trading days).
    pub days: usize,
    /// Closes stored (empty cells are not closes).
    pub closes: usize,
    /// The first day.
    pub first_day: chrono::NaiveDate,
    /// The last day.
    pub last_day: chrono::NaiveDate,
    /// `upload` or `import`.
    pub source: String,
}
