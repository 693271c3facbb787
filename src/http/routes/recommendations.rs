//! `/ml/recommendations*`: changes to the caller's plan, verified by simulation.

use actix_web::{HttpResponse, web};
use protocol::Problem;
use protocol::auth::Scope;
use protocol::recommendations::{Recommendation, RecommendationsRequest, RecommendationsResponse};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, PathId};
use crate::services;
use crate::state::AppState;

/// Recommend changes to the caller's plan: every change within what they can carry (a
/// contribution above half their gross monthly income is never recommended) is simulated on
/// the plan's own paths and compared path by path; of each kind, the cheapest that reaches
/// the target is kept (else the one that helps most), if it helps by more than two standard
/// errors. They replace the unanswered recommendations of an earlier request.
#[utoipa::path(post, path = "/ml/recommendations", tag = "simulations", security(("bearer" = ["write:simulations"])),
    request_body = RecommendationsRequest,
    responses(
        (status = 200, description = "The recommendations, best first.", body = RecommendationsResponse),
        (status = 422, description = "A bad `target_success`, `paths` or `seed`, or a plan with model extensions (`extensions`).", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn recommend(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<RecommendationsRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    Ok(HttpResponse::Ok().json(services::recommendations::recommend(&state, &user, body.0).await?))
}

/// The caller's recommendations, newest first (at most 50), with their status.
#[utoipa::path(get, path = "/ml/recommendations", tag = "simulations", security(("bearer" = ["read:simulations"])),
    responses((status = 200, description = "The recommendations.", body = Vec<Recommendation>)))]
pub async fn list(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    Ok(HttpResponse::Ok().json(services::recommendations::list(&state, user.id).await?))
}

/// Accept a recommendation: its change is stored in the caller's plan and the live stream
/// re-simulates.
#[utoipa::path(post, path = "/ml/recommendations/{id}/accept", tag = "simulations", security(("bearer" = ["write:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The recommendation's id.")),
    responses(
        (status = 200, description = "Accepted.", body = Recommendation),
        (status = 404, description = "No such recommendation of the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It was answered already.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The change no longer fits the plan (named); it stays new.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn accept(
    state: web::Data<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    Ok(
        HttpResponse::Ok()
            .json(services::recommendations::answer(&state, user.id, id, true).await?),
    )
}

/// Dismiss a recommendation.
#[utoipa::path(post, path = "/ml/recommendations/{id}/dismiss", tag = "simulations", security(("bearer" = ["write:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The recommendation's id.")),
    responses(
        (status = 200, description = "Dismissed.", body = Recommendation),
        (status = 404, description = "No such recommendation of the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It was answered already.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn dismiss(
    state: web::Data<AppState>,
    user: AuthUser,
    PathId(id): PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    Ok(HttpResponse::Ok()
        .json(services::recommendations::answer(&state, user.id, id, false).await?))
}
