//! The `AuthUser` extractor: a verified access token of an account that may act now, or a 401.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use protocol::auth::{Audience, Role, Scope};
use uuid::Uuid;

use super::accounts::AccountState;
use crate::http::error::ApiError;
use crate::state::AppState;

/// The caller, as proven by a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's id.
    pub id: Uuid,
    /// The account's role now.
    pub role: Role,
    /// The scopes of that role.
    pub scopes: &'static [Scope],
    /// The client the token was issued for.
    pub audience: Audience,
    /// When the token expires (Unix seconds).
    pub expires_at: u64,
}

impl AuthUser {
    /// Refuses with 403 unless the token carries `scope`.
    ///
    /// # Errors
    /// [`ApiError::Forbidden`] naming the missing scope.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this operation needs the {} scope",
                scope.as_str()
            )))
        }
    }
}

/// The bearer token of `req`.
fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("send an access token as Authorization: Bearer <token>".into())
    })?;
    value
        .to_str()
        .ok()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be Bearer <token>".into())
        })
}

/// The current role of `user`'s account, if it may act.
///
/// # Errors
/// 401 for a deleted or deactivated account; storage failures.
pub async fn current_role(state: &AppState, user: Uuid) -> Result<Role, ApiError> {
    match state.accounts.state(&state.db, user).await? {
        AccountState::Active(role) => Ok(role),
        AccountState::Inactive => Err(ApiError::Unauthorized("the account is deactivated".into())),
        AccountState::Gone => Err(ApiError::Unauthorized(
            "the account no longer exists".into(),
        )),
    }
}

/// The caller behind `token`: a valid access token of an account that exists and is active
/// now, with the account's current role (not the one in the token, so a role change applies
/// from the next request).
///
/// # Errors
/// 401 for an invalid or expired token or an account that cannot act; storage failures.
pub async fn authenticate(state: &AppState, token: &str) -> Result<AuthUser, ApiError> {
    let claims = state.verified.verify(token).map_err(|e| {
        tracing::debug!(error = %e, "access token refused");
        ApiError::Unauthorized("the access token is invalid or expired".into())
    })?;
    let audience = Audience::parse(&claims.aud)
        .ok_or_else(|| ApiError::Unauthorized("the access token is invalid or expired".into()))?;
    let role = current_role(state, claims.sub).await?;
    Ok(AuthUser {
        id: claims.sub,
        role,
        scopes: role.scopes(),
        audience,
        expires_at: claims.exp,
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState is not registered")))
            .and_then(|state| bearer(req).map(|token| (state, token.to_owned())));
        Box::pin(async move {
            let (state, token) = found?;
            authenticate(&state, &token).await
        })
    }
}
