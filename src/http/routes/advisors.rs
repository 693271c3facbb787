//! `/advisors/grants*`: which advisors may watch the caller's plan.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::advisors::{CreateGrantRequest, GrantView};
use protocol::auth::Scope;
use protocol::{PageQuery, Problem};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Paging, path_uuid};
use crate::services;
use crate::state::AppState;

/// The advisors the caller has granted access, oldest grant first.
#[utoipa::path(get, path = "/advisors/grants", tag = "advisors", security(("bearer" = ["manage:grants"])),
    params(PageQuery),
    responses((status = 200, description = "A page of grants.", body = protocol::Page<GrantView>)))]
pub async fn list_grants(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ManageGrants)?;
    Ok(HttpResponse::Ok().json(services::advisors::list(&state, user.id, paging).await?))
}

/// Let an advisor watch the caller's plan live. Granting an advisor who already has access
/// changes nothing and answers 200 with the existing grant.
#[utoipa::path(post, path = "/advisors/grants", tag = "advisors", security(("bearer" = ["manage:grants"])),
    request_body = CreateGrantRequest,
    responses(
        (status = 201, description = "Granted.", body = GrantView),
        (status = 200, description = "Already granted; the existing grant.", body = GrantView),
        (status = 422, description = "No advisor has this e-mail address (the same answer whether the account is unknown or not an advisor), or it is the caller's own.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_grant(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateGrantRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ManageGrants)?;
    let (grant, created) = services::advisors::grant(&state, user.id, body.0).await?;
    Ok(if created {
        HttpResponse::Created().json(grant)
    } else {
        HttpResponse::Ok().json(grant)
    })
}

/// Revoke an advisor's access; their live subscriptions to the caller's plan end at once.
#[utoipa::path(delete, path = "/advisors/grants/{advisor_id}", tag = "advisors", security(("bearer" = ["manage:grants"])),
    params(("advisor_id" = uuid::Uuid, Path, description = "The advisor's id.")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 404, description = "The caller has no grant to this advisor.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_grant(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ManageGrants)?;
    let advisor = path_uuid(&req, "advisor_id")?;
    services::advisors::revoke(&state, user.id, advisor).await?;
    Ok(HttpResponse::NoContent().finish())
}
