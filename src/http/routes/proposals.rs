//! Advisors' proposals: `/advisor/clients/{client_id}/proposals` for the advisor,
//! `/planning/proposals*` for the client.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::Problem;
use protocol::auth::{Role, Scope};
use protocol::proposals::{NewProposal, Proposal};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, client_ip, path_uuid};
use crate::services;
use crate::services::proposals::Answer;
use crate::state::AppState;

fn require_advisor(user: &AuthUser) -> Result<(), ApiError> {
    if matches!(user.role, Role::Advisor) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("only advisors make proposals".into()))
    }
}

/// Propose a change to a client's plan. Its effect is measured on the client's live
/// simulation first (the same random numbers as the client's stream); the client and
/// everyone watching their stream get a `proposal` frame.
#[utoipa::path(post, path = "/advisor/clients/{client_id}/proposals", tag = "advisors", security(("bearer" = ["write:simulations"])),
    params(("client_id" = uuid::Uuid, Path, description = "The client's id.")),
    request_body = NewProposal,
    responses(
        (status = 201, description = "Proposed.", body = Proposal),
        (status = 403, description = "The caller is not an advisor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The client has not granted the caller access.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad message or change, named (`message`, `changes`, `changes.weights`, `recommendation_id`...).", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The client's live plan is being prepared; retry.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    body: Body<NewProposal>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteSimulations)?;
    require_advisor(&user)?;
    let client = path_uuid(&req, "client_id")?;
    let proposal =
        services::proposals::create(&state, user.id, client, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(proposal))
}

/// The proposals the caller made to a client, newest first (at most 100).
#[utoipa::path(get, path = "/advisor/clients/{client_id}/proposals", tag = "advisors", security(("bearer" = ["read:simulations"])),
    params(("client_id" = uuid::Uuid, Path, description = "The client's id.")),
    responses(
        (status = 200, description = "The proposals.", body = Vec<Proposal>),
        (status = 403, description = "The caller is not an advisor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The client has not granted the caller access.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_by_advisor(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    require_advisor(&user)?;
    let client = path_uuid(&req, "client_id")?;
    Ok(HttpResponse::Ok().json(services::proposals::by_advisor(&state, user.id, client).await?))
}

/// A client's recommendations, newest first (at most 50), so that the advisor can propose
/// one (`recommendation_id` in a proposal).
#[utoipa::path(get, path = "/advisor/clients/{client_id}/recommendations", tag = "advisors", security(("bearer" = ["read:simulations"])),
    params(("client_id" = uuid::Uuid, Path, description = "The client's id.")),
    responses(
        (status = 200, description = "The client's recommendations.", body = Vec<protocol::recommendations::Recommendation>),
        (status = 403, description = "The caller is not an advisor.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The client has not granted the caller access.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn client_recommendations(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    require_advisor(&user)?;
    let client = path_uuid(&req, "client_id")?;
    Ok(HttpResponse::Ok()
        .json(services::proposals::client_recommendations(&state, user.id, client).await?))
}

/// The proposals advisors made to the caller, newest first (at most 100).
#[utoipa::path(get, path = "/planning/proposals", tag = "planning", security(("bearer" = ["read:simulations"])),
    responses((status = 200, description = "The proposals.", body = Vec<Proposal>)))]
pub async fn list_mine(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadSimulations)?;
    Ok(HttpResponse::Ok().json(services::proposals::for_client(&state, user.id).await?))
}

async fn answer(
    state: &AppState,
    user: &AuthUser,
    req: &HttpRequest,
    answer: Answer,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    let id = path_uuid(req, "id")?;
    let proposal = services::proposals::answer(state, user.id, id, answer, &client_ip(req)).await?;
    Ok(HttpResponse::Ok().json(proposal))
}

/// Accept a proposal: its change is stored as the caller's plan and the live stream
/// re-simulates.
#[utoipa::path(post, path = "/planning/proposals/{id}/accept", tag = "planning", security(("bearer" = ["write:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The proposal's id.")),
    responses(
        (status = 200, description = "Accepted; the proposal as it now stands.", body = Proposal),
        (status = 404, description = "No such proposal to the caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It was answered already.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The change no longer fits the plan (named, `changes.*`); the proposal stays pending.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn accept(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &user, &req, Answer::Accept).await
}

/// Decline a proposal; the plan stays as it is.
#[utoipa::path(post, path = "/planning/proposals/{id}/decline", tag = "planning", security(("bearer" = ["write:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The proposal's id.")),
    responses(
        (status = 200, description = "Declined; the proposal as it now stands.", body = Proposal),
        (status = 404, description = "No such proposal to the caller.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It was answered already.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decline(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &user, &req, Answer::Decline).await
}
