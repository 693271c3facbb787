//! `/auth/*`: register, login, refresh, logout; and `/.well-known/jwks.json`, the keys that
//! verify access tokens.
//!
//! Login, refresh and logout have two modes (see [`crate::http::refresh_cookie`]): JSON mode
//! carries the refresh token in the bodies; cookie mode (`"refresh_cookie": true` at login, no
//! `refresh_token` afterwards) in the `glidepath_refresh` cookie.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use protocol::Problem;
use protocol::auth::{
    AccountView, DemoRequest, Jwks, LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest,
    TokenResponse,
};

use crate::http::error::ApiError;
use crate::http::extract::{Body, client_ip};
use crate::http::refresh_cookie::{self, Transport};
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

/// Exchange e-mail and password for an access token and a refresh token. With
/// `"refresh_cookie": true` (cookie mode, for browsers) the refresh token is set as the
/// `glidepath_refresh` cookie and left out of the answer.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in.", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "Cookie mode only: `glidepath_refresh=<token>; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=<refresh lifetime>`, plus `Secure` when served over TLS."))),
        (status = 401, description = "E-mail or password is wrong.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie mode asked for by a page (`Origin`) that is not one of the server's own.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts from this address, or too many failed ones for this account from this address (an account attacked from many addresses is slowed down instead).", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Password hashing is saturated.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let cookie = body.0.refresh_cookie;
    let ip = client_ip(&req);
    let issue = services::auth::login(&state, body.0, &ip);
    refresh_cookie::sign_in(&state, &req, cookie, issue).await
}

/// Open a demo: a fresh demo client (a plan, holdings in the market feed's symbols, goals
/// and alert rules) or a demo advisor whose book holds three demo clients, made for this
/// request alone and signed in. Demo accounts cannot change their e-mail, password or role,
/// and are deleted with everything they own after `demo.lifetime_secs`.
#[utoipa::path(post, path = "/auth/demo", tag = "auth", request_body = DemoRequest,
    responses(
        (status = 200, description = "Signed in to the new demo account (with `refresh_cookie`, in cookie mode as `/auth/login`).", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "Cookie mode only: the `glidepath_refresh` cookie, as `/auth/login` sets it."))),
        (status = 403, description = "Cookie mode asked for by a page (`Origin`) that is not one of the server's own.", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Demo accounts are off on this server (`demo.enabled`).", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many demos from this address.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn demo(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<DemoRequest>,
) -> Result<HttpResponse, ApiError> {
    let cookie = body.0.refresh_cookie;
    let ip = client_ip(&req);
    let issue = services::demo::start(&state, body.0, &ip);
    refresh_cookie::sign_in(&state, &req, cookie, issue).await
}

/// Rotate a refresh token: returns new tokens; the old refresh token is used up. Presenting
/// a used refresh token revokes its whole session. Without `refresh_token` in the body
/// (cookie mode) the `glidepath_refresh` cookie is used and replaced.
#[utoipa::path(post, path = "/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens (in cookie mode without `refresh_token`).", body = TokenResponse,
            headers(("Set-Cookie" = String, description = "Cookie mode only: the new `glidepath_refresh` cookie."))),
        (status = 401, description = "The refresh token cannot be used, or none was sent (neither in the body nor as the cookie); in cookie mode the cookie is deleted.", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie mode used by a page (`Origin`) that is not one of the server's own.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn refresh(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut request = body.0;
    let transport = Transport::requested(&state, &req, request.refresh_token.is_none())?;
    if transport == Transport::Cookie {
        request.refresh_token = refresh_cookie::presented(&req);
    }
    match services::auth::refresh(&state, request, &client_ip(&req)).await {
        Ok(tokens) => Ok(refresh_cookie::token_reply(&state, &req, tokens, transport)),
        Err(error) if transport == Transport::Cookie => {
            Ok(refresh_cookie::failed(&state, &req, &error, transport))
        }
        Err(error) => Err(error),
    }
}

/// End the session a refresh token belongs to. 204 for any token, known or not. Without
/// `refresh_token` in the body (cookie mode) the `glidepath_refresh` cookie's session ends and
/// the cookie is deleted.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", request_body = LogoutRequest,
    responses(
        (status = 204, description = "The session is over.",
            headers(("Set-Cookie" = String, description = "Cookie mode only: deletes `glidepath_refresh` (`Max-Age=0`)."))),
        (status = 401, description = "No refresh token was sent (neither in the body nor as the cookie).", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Cookie mode used by a page (`Origin`) that is not one of the server's own.", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid.", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn logout(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Body<LogoutRequest>,
) -> Result<HttpResponse, ApiError> {
    let mut request = body.0;
    let transport = Transport::requested(&state, &req, request.refresh_token.is_none())?;
    if transport == Transport::Cookie {
        request.refresh_token = refresh_cookie::presented(&req);
    }
    if let Err(error) = services::auth::logout(&state, request, &client_ip(&req)).await {
        return match transport {
            Transport::Cookie => Ok(refresh_cookie::failed(&state, &req, &error, transport)),
            Transport::Body => Err(error),
        };
    }
    let mut response = HttpResponse::NoContent().finish();
    if transport == Transport::Cookie {
        refresh_cookie::clear(&state, &req, &mut response);
    }
    Ok(response)
}

/// The public keys that verify this server's access tokens (RFC 7517 JWK Set): the key that
/// signs new tokens first, then those kept to verify tokens signed before a rotation. Each
/// token's header names its key in `kid`, the key's RFC 7638 thumbprint.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "auth",
    responses(
        (status = 200, description = "The key set. Cacheable for five minutes.", body = Jwks,
            headers(("Cache-Control" = String, description = "`public, max-age=300`"))),
    ))]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, JWKS_CACHE_CONTROL))
        .json(state.tokens.jwks())
}

/// How long a client may keep the key set: a key added to it is trusted by such clients
/// that much later at most (see README, rotating the signing key).
const JWKS_CACHE_CONTROL: &str = "public, max-age=300";
