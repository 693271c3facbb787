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
    /// `synthetic`, `replay` or `none`.
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
}
