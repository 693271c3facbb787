//! `/alerts*`: the caller's alert rules and the alerts they raised.

use actix_web::{HttpResponse, web};
use protocol::alerts::{AlertRuleView, AlertView, CreateAlertRuleRequest};
use protocol::auth::Scope;
use protocol::{PageQuery, Problem};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, Paging, PathId};
use crate::services;
use crate::state::AppState;

/// Create an alert rule. The live session evaluates it from its next update on.
#[utoipa::path(post, path = "/alerts/rules", tag = "alerts", security(("bearer" = ["write:alerts"])),
    request_body = CreateAlertRuleRequest,
    responses(
        (status = 201, description = "The rule.", body = AlertRuleView),
        (status = 409, description = "The caller has the maximum number of rules.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (`hysteresis` must be smaller than `level`).", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_rule(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<CreateAlertRuleRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteAlerts)?;
    Ok(HttpResponse::Created().json(services::alerts::create_rule(&state, user.id, body.0).await?))
}

/// The caller's alert rules, oldest first.
#[utoipa::path(get, path = "/alerts/rules", tag = "alerts", security(("bearer" = ["read:alerts"])),
    params(PageQuery),
    responses((status = 200, description = "A page of rules.", body = protocol::Page<AlertRuleView>)))]
pub async fn list_rules(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadAlerts)?;
    Ok(HttpResponse::Ok().json(services::alerts::list_rules(&state, user.id, paging).await?))
}

/// Delete an alert rule; the alerts it raised stay, without their rule.
#[utoipa::path(delete, path = "/alerts/rules/{id}", tag = "alerts", security(("bearer" = ["write:alerts"])),
    params(("id" = uuid::Uuid, Path, description = "The rule's id.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 404, description = "No such rule of the caller's.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_rule(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteAlerts)?;
    services::alerts::delete_rule(&state, user.id, id.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's alerts, newest first. The newest `live.alerts_kept` (1,000 by default) are
/// kept: storing a new one deletes the oldest beyond that.
#[utoipa::path(get, path = "/alerts", tag = "alerts", security(("bearer" = ["read:alerts"])),
    params(PageQuery),
    responses((status = 200, description = "A page of alerts.", body = protocol::Page<AlertView>)))]
pub async fn list_alerts(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadAlerts)?;
    Ok(HttpResponse::Ok().json(services::alerts::list_alerts(&state, user.id, paging).await?))
}
