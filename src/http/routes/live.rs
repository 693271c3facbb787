//! `/live/*` and `/advisor/clients`: the live sessions over REST, for integrators that do not
//! hold a WebSocket open.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::auth::{Role, Scope};
use protocol::live::{AdvisorClient, LiveState, WhatIfAnswer, WhatIfRequest};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::services;
use crate::state::AppState;

/// Whose live state.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StateQuery {
    /// A client who granted the caller access; the caller's own plan when omitted.
    pub user_id: Option<Uuid>,
}

/// The live state of a plan (the last simulation of its session, at the current prices),
/// starting the session if needed.
#[utoipa::path(get, path = "/live/state", tag = "realtime", security(("bearer" = ["read:simulations"])),
    params(StateQuery),
    responses(
        (status = 200, description = "The state.", body = LiveState),
        (status = 404, description = "No such user, or no access to their plan.", body = protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The first simulation is not ready yet; retry.", body = protocol::Problem, content_type = "application/problem+json"),
    ))]
pub async fn state(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    let query: StateQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|_| ApiError::malformed("user_id", "user_id must be a UUID"))?;
    let owner = query.user_id.unwrap_or(user.id);
    Ok(HttpResponse::Ok().json(services::live::current(&state, user.id, owner).await?))
}

/// A what-if on a plan, answered on the session's random numbers; with `commit`, the caller's
/// own plan is stored with the changes.
#[utoipa::path(post, path = "/live/what-if", tag = "realtime", security(("bearer" = ["write:simulations"])),
    request_body = WhatIfRequest,
    responses(
        (status = 200, description = "Base and variant.", body = WhatIfAnswer),
        (status = 403, description = "`commit` on someone else's plan.", body = protocol::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user, or no access to their plan.", body = protocol::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A change is invalid.", body = protocol::Problem, content_type = "application/problem+json"),
        (status = 503, description = "The plan is being prepared; retry.", body = protocol::Problem, content_type = "application/problem+json"),
    ))]
pub async fn what_if(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<WhatIfRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    let request = body.0;
    let owner = request.user_id.unwrap_or(user.id);
    if request.commit && owner != user.id {
        return Err(ApiError::Forbidden(
            "only the owner of a plan can commit changes to it".into(),
        ));
    }
    let answer = services::live::what_if(&state, user.id, owner, request.changes.clone()).await?;
    if request.commit {
        services::live::commit(&state, user.id, &request.changes).await?;
    }
    Ok(HttpResponse::Ok().json(answer))
}

/// The caller's clients (users who granted the caller access), with each one's live success
/// probability. Advisors only.
#[utoipa::path(get, path = "/advisor/clients", tag = "advisors", security(("bearer" = ["read:simulations"])),
    responses(
        (status = 200, description = "The clients.", body = Vec<AdvisorClient>),
        (status = 403, description = "The caller is not an advisor.", body = protocol::Problem, content_type = "application/problem+json"),
    ))]
pub async fn clients(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    if !matches!(user.role, Role::Advisor | Role::Admin) {
        return Err(ApiError::Forbidden("only advisors have clients".into()));
    }
    Ok(HttpResponse::Ok().json(services::live::clients(&state, user.id).await?))
}

/// The advisor's clients grouped into segments (k-means on age, live wealth, live success,
/// years to retirement, equity share and drift, standardised; the number of segments by
/// the mean silhouette), each named by what sets it apart from the book.
#[utoipa::path(get, path = "/advisor/segments", tag = "advisors", security(("bearer" = ["read:simulations"])),
    responses(
        (status = 200, description = "The segments and each client's.", body = protocol::advisors::SegmentsResponse),
        (status = 403, description = "The caller is not an advisor.", body = protocol::Problem, content_type = "application/problem+json"),
    ))]
pub async fn segments(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    if !matches!(user.role, Role::Advisor | Role::Admin) {
        return Err(ApiError::Forbidden("only advisors have clients".into()));
    }
    Ok(HttpResponse::Ok().json(services::segments::segments(&state, user.id).await?))
}

/// Test hook (mounted only with `testing.fault_injection`): makes a child actor of the
/// caller's running session panic. 204 when a session runs, 404 otherwise.
pub async fn inject_fault(
    state: web::Data<AppState>,
    user: AuthUser,
    child: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let child = actors::live::supervision::Child::parse(&child)
        .ok_or_else(|| ApiError::malformed("child", "simulation, portfolio or alerts"))?;
    let running = state
        .live
        .registry
        .send(actors::live::registry::InjectFault {
            owner: user.id,
            child,
        })
        .await
        .unwrap_or(false);
    if running {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
