//! The `AuthUser` extractor: a verified access token, or a 401.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use protocol::auth::{Audience, Role, Scope};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::state::AppState;

/// The caller, as proven by a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's id.
    pub id: Uuid,
    /// The role when the token was issued.
    pub role: Role,
    /// The scopes the token carries.
    pub scopes: Vec<Scope>,
    /// The client the token was issued for.
    pub audience: Audience,
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

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState is not registered")))?;
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthorized("send an access token as Authorization: Bearer <token>".into())
    })?;
    let token = value
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
        })?;
    let claims = state.tokens.verify(token).map_err(|e| {
        tracing::debug!(error = %e, "access token refused");
        ApiError::Unauthorized("the access token is invalid or expired".into())
    })?;
    let audience = Audience::parse(&claims.aud)
        .ok_or_else(|| ApiError::Unauthorized("the access token is invalid or expired".into()))?;
    Ok(AuthUser {
        id: claims.sub,
        role: claims.role,
        scopes: claims.scope,
        audience,
    })
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}
