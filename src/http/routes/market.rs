//! `/market/*`: quotes and feed status.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::auth::Scope;
use protocol::market::{FeedsResponse, QuotesQuery, QuotesResponse};

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
