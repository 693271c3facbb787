//! `/auth/*`: register, login, refresh, logout.

use actix_web::{HttpRequest, HttpResponse, web};
use protocol::Problem;
use protocol::auth::{
    AccountView, DemoRequest, LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest,
    TokenResponse,
};

use crate::http::error::ApiError;
use crate::http::extract::{Body, client_ip};
use crate::services;
use crate::state::AppState;

/// Create an account (role `user`).
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "The account was created; log in to get tokens.", body = AccountView),
        (status = 409, description = "The e-mail is already registered.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address.", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing is saturated.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let account = services::auth::register(&state, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::Created().json(account))
}

/// Exchange e-mail and password for an access token and a refresh token.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse),
        (status = 401, description = "E-mail or password is wrong.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address, or too many failed ones for this account from this address (an account attacked from many addresses is slowed down instead).", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing is saturated.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = services::auth::login(&state, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}

/// Open a demo: a fresh demo client (a plan, holdings in the market feed's symbols, goals
/// and alert rules) or a demo advisor whose book holds three demo clients, made for this
/// request alone and signed in. Demo accounts cannot change their e-mail, password or role,
/// and are deleted with everything they own after `demo.lifetime_secs`.
#[utoipa::path(post, path = "/auth/demo", tag = "auth", request_body = DemoRequest,
    responses(
        (status = 200, description = "Signed in to the new demo account.", body = TokenResponse),
        (status = 404, description = "Demo accounts are off on this server (`demo.enabled`).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many demos from this address.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn demo(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<DemoRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = services::demo::start(&state, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}

/// Rotate a refresh token: returns new tokens; the old refresh token is used up. Presenting
/// a used refresh token revokes its whole session.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens.", body = TokenResponse),
        (status = 401, description = "The refresh token cannot be used.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let tokens = services::auth::refresh(&state, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(tokens))
}

/// End the session a refresh token belongs to. Always 204, known token or not.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = LogoutRequest,
    responses(
        (status = 204, description = "The session is over."),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    services::auth::logout(&state, body.0, &client_ip(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
