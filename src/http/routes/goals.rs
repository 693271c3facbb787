//! `/planning/goals*`: the caller's goals.

use actix_web::{HttpResponse, web};
use protocol::auth::Scope;
use protocol::goals::{CreateGoalRequest, GoalView, UpdateGoalRequest};
use protocol::{PageQuery, Problem};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Paging, PathId};
use crate::services;
use crate::state::AppState;

/// Create a goal.
#[utoipa::path(post, path = "/planning/goals", tag = "goals", security(("bearer" = ["write:goals"])),
    request_body = CreateGoalRequest,
    responses(
        (status = 201, description = "The goal.", body = GoalView),
        (status = 409, description = "The caller has the maximum number of goals (`limits.goals_per_user`).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_goal(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateGoalRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    Ok(HttpResponse::Created().json(services::goals::create(&state, user.id, body.0).await?))
}

/// The caller's goals, oldest first.
#[utoipa::path(get, path = "/planning/goals", tag = "goals", security(("bearer" = ["read:goals"])),
    params(PageQuery),
    responses((status = 200, description = "A page of goals.", body = protocol::Page<GoalView>)))]
pub async fn list_goals(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadGoals)?;
    Ok(HttpResponse::Ok().json(services::goals::list(&state, user.id, paging).await?))
}

/// One of the caller's goals.
#[utoipa::path(get, path = "/planning/goals/{id}", tag = "goals", security(("bearer" = ["read:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The goal's id.")),
    responses(
        (status = 200, description = "The goal.", body = GoalView),
        (status = 404, description = "No such goal of the caller's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_goal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadGoals)?;
    Ok(HttpResponse::Ok().json(services::goals::get(&state, user.id, id.0).await?))
}

/// Change a goal's fields; omitted fields stay.
#[utoipa::path(put, path = "/planning/goals/{id}", tag = "goals", security(("bearer" = ["write:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The goal's id.")),
    request_body = UpdateGoalRequest,
    responses(
        (status = 200, description = "The updated goal.", body = GoalView),
        (status = 404, description = "No such goal of the caller's.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_goal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Body<UpdateGoalRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    Ok(HttpResponse::Ok().json(services::goals::update(&state, user.id, id.0, body.0).await?))
}

/// Delete a goal.
#[utoipa::path(delete, path = "/planning/goals/{id}", tag = "goals", security(("bearer" = ["write:goals"])),
    params(("id" = uuid::Uuid, Path, description = "The goal's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such goal of the caller's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_goal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteGoals)?;
    services::goals::delete(&state, user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
