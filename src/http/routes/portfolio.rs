//! `/portfolio/*`: the caller's holdings, their allocation, trade lists and performance.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::auth::Scope;
use protocol::portfolio::{
    AllocationsResponse, CreateHoldingRequest, HoldingView, PerformanceQuery, PerformanceResponse,
    RebalanceRequest, RebalanceResponse, UpdateHoldingRequest,
};
use protocol::{PageQuery, Problem};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Paging, PathId};
use crate::services;
use crate::state::AppState;

/// Add a holding.
#[utoipa::path(post, path = "/portfolio/holdings", tag = "portfolio", security(("bearer" = ["write:portfolio"])),
    request_body = CreateHoldingRequest,
    responses(
        (status = 201, description = "The holding.", body = HoldingView),
        (status = 409, description = "The account already holds this symbol, or the caller has the maximum number of holdings.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or `asset_class` is not one of the plan's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_holding(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateHoldingRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WritePortfolio)?;
    Ok(HttpResponse::Created().json(services::portfolio::create(&state, user.id, body.0).await?))
}

/// The caller's holdings, by account then symbol.
#[utoipa::path(get, path = "/portfolio/holdings", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    params(PageQuery),
    responses((status = 200, description = "A page of holdings.", body = protocol::Page<HoldingView>)))]
pub async fn list_holdings(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok().json(services::portfolio::list(&state, user.id, paging).await?))
}

/// One of the caller's holdings.
#[utoipa::path(get, path = "/portfolio/holdings/{id}", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    params(("id" = uuid::Uuid, Path, description = "The holding's id.")),
    responses(
        (status = 200, description = "The holding.", body = HoldingView),
        (status = 404, description = "No such holding of the caller's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_holding(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok().json(services::portfolio::get(&state, user.id, id.0).await?))
}

/// Change a holding's fields; omitted fields stay.
#[utoipa::path(put, path = "/portfolio/holdings/{id}", tag = "portfolio", security(("bearer" = ["write:portfolio"])),
    params(("id" = uuid::Uuid, Path, description = "The holding's id.")),
    request_body = UpdateHoldingRequest,
    responses(
        (status = 200, description = "The updated holding.", body = HoldingView),
        (status = 404, description = "No such holding of the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The account already holds this symbol.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid, or `asset_class` is not one of the plan's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_holding(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Body<UpdateHoldingRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WritePortfolio)?;
    Ok(HttpResponse::Ok().json(services::portfolio::update(&state, user.id, id.0, body.0).await?))
}

/// Delete a holding.
#[utoipa::path(delete, path = "/portfolio/holdings/{id}", tag = "portfolio", security(("bearer" = ["write:portfolio"])),
    params(("id" = uuid::Uuid, Path, description = "The holding's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such holding of the caller's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_holding(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WritePortfolio)?;
    services::portfolio::delete(&state, user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The holdings at the last market prices: value, weight per plan asset class and drift from
/// the plan's target weights (the default plan's without a stored plan). Holdings whose
/// symbol has no price yet are listed in `unpriced` and left out of every value and weight.
#[utoipa::path(get, path = "/portfolio/allocations", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    responses((status = 200, description = "The allocation.", body = AllocationsResponse)))]
pub async fn allocations(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok().json(services::portfolio::allocations(&state, user.id).await?))
}

/// The trades that would bring the caller's holdings back to their targets (the plan's
/// asset-class weights, or the weights given), investing new cash first and selling only
/// when a weight is outside the band. Nothing is traded or stored.
#[utoipa::path(post, path = "/portfolio/rebalance", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    request_body = RebalanceRequest,
    responses(
        (status = 200, description = "The trade list and the weights before and after.", body = RebalanceResponse),
        (status = 422, description = "Bad targets, cash, band or minimum, or a symbol with no price yet.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rebalance(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<RebalanceRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok().json(services::rebalance::propose(&state, user.id, body.0).await?))
}

/// Returns and risk of the caller's recorded history (daily valuations, with every holding
/// change taken out as a deposit or withdrawal) and of today's holdings held through the
/// window, against a benchmark symbol if given.
#[utoipa::path(get, path = "/portfolio/performance", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    params(PerformanceQuery),
    responses(
        (status = 200, description = "The measures; a part the data cannot support is null, with a note.", body = PerformanceResponse),
        (status = 422, description = "A bad window, benchmark or risk-free rate.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn performance(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    let query: PerformanceQuery = serde_urlencoded::from_str(req.query_string()).map_err(|e| {
        ApiError::malformed(
            "query",
            format!("from, to (YYYY-MM-DD), benchmark and risk_free_rate: {e}"),
        )
    })?;
    Ok(HttpResponse::Ok().json(services::performance::performance(&state, user.id, &query).await?))
}

/// The optimal portfolio of an objective over the stored price history of the given symbols
/// (the caller's holdings when none are given), under bounds, group bounds, a turnover limit
/// and transaction costs. Nothing is stored or traded.
#[utoipa::path(post, path = "/portfolio/optimize", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    request_body = protocol::optimise::OptimizeRequest,
    responses(
        (status = 200, description = "The portfolio and the estimates it stands on.", body = protocol::optimise::OptimizeResponse),
        (status = 422, description = "A symbol without history, too few common days, bad bounds, an infeasible problem (naming the constraint at fault), or maximum Sharpe with no return above the risk-free rate.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn optimize(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<protocol::optimise::OptimizeRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok().json(services::optimise::optimize(&state, user.id, body.0).await?))
}

/// The efficient frontier: minimum-variance portfolios from the least risky to the highest
/// expected return, with the caller's current portfolio in the same estimates.
#[utoipa::path(post, path = "/portfolio/frontier", tag = "portfolio", security(("bearer" = ["read:portfolio"])),
    request_body = protocol::optimise::FrontierRequest,
    responses(
        (status = 200, description = "The frontier's portfolios by increasing expected return.", body = protocol::optimise::FrontierResponse),
        (status = 422, description = "As for `/portfolio/optimize`; `points` outside 2 to 200.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn frontier(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<protocol::optimise::FrontierRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadPortfolio)?;
    Ok(HttpResponse::Ok().json(services::optimise::frontier(&state, user.id, body.0).await?))
}
