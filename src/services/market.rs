//! Quotes and feed status from the price hub.

use actors::market::hub::{GetHubStats, GetQuotes};
use protocol::market::{FeedsResponse, QuoteView, QuotesResponse};

use crate::http::error::ApiError;
use crate::state::AppState;

/// Most symbols per quote request.
pub const MAX_SYMBOLS: usize = 50;

fn parse_symbols(raw: &str) -> Result<Vec<String>, ApiError> {
    let symbols: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().to_uppercase())
        .filter(|s| !s.is_empty())
        .collect();
    let valid = |s: &String| {
        s.len() <= 16
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    if symbols.is_empty() || symbols.len() > MAX_SYMBOLS || !symbols.iter().all(valid) {
        return Err(ApiError::malformed(
            "symbols",
            format!(
                "give 1 to {MAX_SYMBOLS} comma-separated symbols of letters, digits, '.' or '-'"
            ),
        ));
    }
    Ok(symbols)
}

fn hub_error(e: actix::MailboxError) -> ApiError {
    ApiError::Internal(anyhow::Error::new(e).context("price hub"))
}

/// The last prices of the requested symbols.
///
/// # Errors
/// 400 for a malformed symbol list.
pub async fn quotes(state: &AppState, raw: &str) -> Result<QuotesResponse, ApiError> {
    let symbols = parse_symbols(raw)?;
    let quotes = state
        .market
        .hub
        .send(GetQuotes { symbols })
        .await
        .map_err(hub_error)?;
    Ok(QuotesResponse {
        quotes: quotes
            .into_iter()
            .map(|(symbol, q)| QuoteView {
                symbol,
                price: q.price,
                ts_ms: q.ts_ms,
            })
            .collect(),
    })
}

/// The feed and the hub's counters.
///
/// # Errors
/// The hub did not answer.
pub async fn feeds(state: &AppState) -> Result<FeedsResponse, ApiError> {
    let stats = state
        .market
        .hub
        .send(GetHubStats)
        .await
        .map_err(hub_error)?;
    Ok(FeedsResponse {
        feed: state.market.feed.to_owned(),
        description: state.market.description.clone(),
        accepted_ticks: stats.accepted,
        rejected_ticks: stats.rejected,
        symbols_priced: stats.symbols,
        subscribers: stats.subscribers,
        leader: state.market.holds_lease(),
    })
}
