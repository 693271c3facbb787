//! `/users/*`: the caller's own account.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::Problem;
use protocol::auth::Scope;
use protocol::users::{DeleteAccountRequest, ProfileResponse, UpdateProfileRequest};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::http::extract::{Body, client_ip};
use crate::services;
use crate::state::AppState;

/// The caller's account and financial profile.
#[utoipa::path(get, path = "/users/profile", tag = "users", security(("bearer" = ["read:profile"])),
    responses(
        (status = 200, description = "The profile.", body = ProfileResponse),
        (status = 404, description = "The account was deleted.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_profile(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::ReadProfile)?;
    Ok(HttpResponse::Ok().json(services::users::get_profile(&state, user.id).await?))
}

/// Change the e-mail address or profile fields. Omitted fields stay; `null` clears one.
#[utoipa::path(put, path = "/users/profile", tag = "users", security(("bearer" = ["write:profile"])),
    request_body = UpdateProfileRequest,
    responses(
        (status = 200, description = "The updated profile.", body = ProfileResponse),
        (status = 404, description = "The account was deleted.", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The e-mail belongs to another account.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_profile(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Body<UpdateProfileRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteProfile)?;
    Ok(HttpResponse::Ok().json(services::users::update_profile(&state, user.id, body.0).await?))
}

/// Delete the account and everything it owns. Needs the password again.
#[utoipa::path(delete, path = "/users/account", tag = "users", security(("bearer" = ["write:profile"])),
    request_body = DeleteAccountRequest,
    responses(
        (status = 204, description = "The account and all its data are gone."),
        (status = 404, description = "The account was already deleted.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing is saturated.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_account(
    state: web::Data<AppState>,
    req: HttpRequest,
    user: AuthUser,
    body: Body<DeleteAccountRequest>,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::WriteProfile)?;
    services::users::delete_account(&state, user.id, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
