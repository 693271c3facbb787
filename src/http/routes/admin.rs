//! `/admin/*`: user administration (scope `admin:users`).

use actix_web::{HttpResponse, web};
use protocol::admin::{ChangeRoleRequest, ChangeStatusRequest, UserSearchQuery};
use protocol::auth::{AccountView, Scope};
use protocol::{PageQuery, Problem};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, CsvBody, EmailSearch, Paging, PathId};
use crate::services;
use crate::state::AppState;

/// Every account, oldest first; with `email`, those whose e-mail contains it.
#[utoipa::path(get, path = "/admin/users", tag = "admin", security(("bearer" = ["admin:users"])),
    params(PageQuery, UserSearchQuery),
    responses((status = 200, description = "A page of accounts (`total` counts the matching ones).", body = protocol::Page<AccountView>)))]
pub async fn list_users(
    state: web::Data<AppState>,
    user: AuthUser,
    paging: Paging,
    search: EmailSearch,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::AdminUsers)?;
    Ok(HttpResponse::Ok()
        .json(services::admin::list_users(&state, paging, search.0.as_deref()).await?))
}

/// Change an account's role. It applies from the account's next request; its refresh
/// tokens are revoked.
#[utoipa::path(put, path = "/admin/users/{id}/role", tag = "admin", security(("bearer" = ["admin:users"])),
    params(("id" = uuid::Uuid, Path, description = "The account's id.")),
    request_body = ChangeRoleRequest,
    responses(
        (status = 200, description = "The account.", body = AccountView),
        (status = 404, description = "No such account.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Administrators cannot change their own role.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_role(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Body<ChangeRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::AdminUsers)?;
    Ok(HttpResponse::Ok().json(services::admin::change_role(&state, user.id, id.0, body.0).await?))
}

/// Deactivate or activate an account. A deactivated account's tokens are refused at once, its
/// refresh tokens are revoked, its WebSocket connections close (4403) and it cannot sign in.
#[utoipa::path(put, path = "/admin/users/{id}/status", tag = "admin", security(("bearer" = ["admin:users"])),
    params(("id" = uuid::Uuid, Path, description = "The account's id.")),
    request_body = ChangeStatusRequest,
    responses(
        (status = 200, description = "The account.", body = AccountView),
        (status = 404, description = "No such account.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Administrators cannot deactivate themselves.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_status(
    state: web::Data<AppState>,
    user: AuthUser,
    id: PathId,
    body: Body<ChangeStatusRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::AdminUsers)?;
    Ok(HttpResponse::Ok()
        .json(services::admin::change_status(&state, user.id, id.0, body.0).await?))
}

/// Upload price history (scope `admin:system`): a `text/csv` body in the layout
/// `date,SYM1,SYM2,…`, one row per trading day, an empty cell for no close. Every close is
/// stored (replacing earlier uploads of the same symbol and day) or, at the first bad cell,
/// none.
#[utoipa::path(post, path = "/admin/prices", tag = "admin", security(("bearer" = ["admin:system"])),
    request_body(content = String, content_type = "text/csv", description = "date,SYM1,SYM2,… then one row per day."),
    responses(
        (status = 200, description = "What was stored.", body = protocol::market::PriceImportSummary),
        (status = 413, description = "Larger than `portfolio.max_upload_bytes`.", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not `text/csv`.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A bad cell, named by line and column (field `body`); nothing was stored.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn upload_prices(
    state: web::Data<AppState>,
    user: AuthUser,
    body: CsvBody,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::AdminSystem)?;
    Ok(HttpResponse::Ok().json(
        services::prices::import(
            &state.db,
            &body.0,
            crate::store::prices::PriceSource::Upload,
        )
        .await?,
    ))
}
