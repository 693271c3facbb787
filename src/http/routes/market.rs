//! `/market/*`: quotes, price history and feed status.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::Problem;
use protocol::auth::Scope;
use protocol::market::{
    FeedsResponse, PriceHistory, PriceHistoryQuery, QuotesQuery, QuotesResponse,
};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::services;
use crate::state::AppState;

/// The last prices of the given symbols (symbols without a price yet are left out).
#[utoipa::path(get, path = "/market/quotes", tag = "market", security(("bearer" = ["read:profile"])),
    params(QuotesQuery),
    responses((status = 200, description = "The quotes.", body = QuotesResponse)))]
pub async fn quotes(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadProfile)?;
    let query: QuotesQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::malformed("symbols", "the symbols query parameter is required"))?;
    Ok(HttpResponse::Ok().json(services::market::quotes(&state, &query.symbols).await?))
}

/// The market-data feed and the price hub's counters (scope `admin:system`).
#[utoipa::path(get, path = "/market/feeds", tag = "market", security(("bearer" = ["admin:system"])),
    responses((status = 200, description = "Feed status.", body = FeedsResponse)))]
pub async fn feeds(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(Scope::AdminSystem)?;
    Ok(HttpResponse::Ok().json(services::market::feeds(&state).await?))
}

/// A symbol's daily closes, oldest first: market history (uploads, imports and a real feed's
/// closes) unless `source` says otherwise.
#[utoipa::path(get, path = "/market/prices/{symbol}", tag = "market", security(("bearer" = ["read:profile"])),
    params(("symbol" = String, Path, description = "The ticker.", pattern = r"^[A-Za-z0-9.\-]{1,16}$"), PriceHistoryQuery),
    responses(
        (status = 200, description = "The closes (none when nothing is stored).", body = PriceHistory),
        (status = 422, description = "A malformed symbol, or `from` after `to`.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn prices(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadProfile)?;
    let query: PriceHistoryQuery = serde_urlencoded::from_str(req.query_string()).map_err(|e| {
        ApiError::malformed("query", format!("from, to (YYYY-MM-DD) and source: {e}"))
    })?;
    let symbol = req.match_info().get("symbol").unwrap_or_default();
    Ok(HttpResponse::Ok().json(services::prices::history(&state.db, symbol, &query).await?))
}
