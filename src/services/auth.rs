//! Registration, login, refresh-token rotation and logout.

use std::time::Duration;

use chrono::Utc;
use protocol::auth::{
    AccountView, Audience, LoginRequest, LogoutRequest, RefreshRequest, RegisterRequest, Role,
    TokenResponse,
};
use uuid::Uuid;

use super::{account_view, collect};
use crate::auth::refresh::{hash_token, new_token};
use crate::config::RateLimitSettings;
use crate::domain::{email::Email, password};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::audit::AuditEvent;
use crate::store::tokens::Rotation;

/// Longest refresh token accepted on the wire (ours are 43 characters).
const MAX_REFRESH_TOKEN_LEN: usize = 256;

/// Counts one attempt under `key`; 429 beyond `limit` in the rate-limit window.
pub(super) async fn throttle(state: &AppState, key: String, limit: u32) -> Result<(), ApiError> {
    let window = state.settings.rate_limit.window;
    state
        .limiter
        .hit(&key, limit, window)
        .await
        .map_err(|l| ApiError::RateLimited {
            retry_after_secs: l.retry_after_secs,
        })
}

/// The wait before the password of the `attempt`-th login to one account in a window is
/// checked: none up to `login_slow_after`, then `login_delay`, doubling with each further
/// attempt up to `login_max_delay`.
fn login_delay(limits: &RateLimitSettings, attempt: u32) -> Duration {
    let Some(beyond) = attempt.checked_sub(limits.login_slow_after.saturating_add(1)) else {
        return Duration::ZERO;
    };
    let factor = 1_u32 << beyond.min(31);
    limits
        .login_delay
        .saturating_mul(factor)
        .min(limits.login_max_delay)
}

/// The refresh-token lifetime on the database's clock (bounded at load to 3,650 days, far
/// within chrono's range).
fn refresh_ttl(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.settings.auth.refresh_ttl).unwrap_or(chrono::Duration::MAX)
}

/// Creates an account with the `user` role. Administrators are made with the CLI only.
///
/// # Errors
/// 422 for bad fields, 409 for a taken e-mail, 429 when the IP registers too often.
pub async fn register(
    state: &AppState,
    req: RegisterRequest,
    ip: &str,
) -> Result<AccountView, ApiError> {
    let email = Email::parse("email", &req.email).and_then(|e| e.not_demo("email"));
    let pw = password::check_new("password", &req.password);
    collect(
        [email.as_ref().err(), pw.as_ref().err()]
            .into_iter()
            .flatten()
            .cloned()
            .collect(),
    )?;
    let Ok(email) = email else {
        return Err(ApiError::invalid("email", "invalid"));
    };
    throttle(
        state,
        format!("register:ip:{ip}"),
        state.settings.rate_limit.register_per_ip,
    )
    .await?;
    let hash = state.passwords.hash(req.password).await?;
    let row = state
        .db
        .create_user(email.as_str(), &hash, Role::User, Some(ip))
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => ApiError::Conflict {
                detail: "an account with this e-mail already exists".into(),
                field: Some("email".into()),
            },
            other => other.into(),
        })?;
    account_view(&row)
}

/// Issues an access token and starts a refresh-token family.
pub(super) async fn issue(
    state: &AppState,
    user: Uuid,
    role: Role,
    audience: Audience,
) -> Result<TokenResponse, ApiError> {
    let refresh = new_token();
    let refresh_ttl = refresh_ttl(state);
    state
        .db
        .start_token_family(
            user,
            audience,
            &hash_token(&refresh),
            Utc::now() + refresh_ttl,
        )
        .await?;
    token_response(state, user, role, audience, refresh)
}

fn token_response(
    state: &AppState,
    user: Uuid,
    role: Role,
    audience: Audience,
    refresh: String,
) -> Result<TokenResponse, ApiError> {
    let (access, claims) = state
        .tokens
        .issue(user, role, audience)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: state.tokens.ttl().as_secs(),
        refresh_token: Some(refresh),
        refresh_expires_in: state.settings.auth.refresh_ttl.as_secs(),
        scope: claims.scope,
    })
}

/// Checks the password and issues tokens. Unknown e-mail and wrong password are
/// indistinguishable, in answer and in timing.
///
/// # Errors
/// 422 for bad fields, 429 when the IP, or the account from this IP, is throttled; 401 for
/// bad credentials. Attempts on an account under attack from many addresses are delayed.
pub async fn login(
    state: &AppState,
    req: LoginRequest,
    ip: &str,
) -> Result<TokenResponse, ApiError> {
    let pw = password::check_presented("password", &req.password);
    let email_field =
        if req.email.trim().is_empty() || req.email.len() > crate::domain::email::MAX_LEN {
            Some(protocol::FieldError::new(
                "email",
                "must be 1 to 254 characters",
            ))
        } else {
            None
        };
    collect([email_field, pw.err()].into_iter().flatten().collect())?;
    let email = req.email.trim().to_lowercase();
    let limits = &state.settings.rate_limit;
    let window = limits.window;
    throttle(state, format!("login:ip:{ip}"), limits.login_per_ip).await?;
    // The address comes first: it never holds a space, so the key cannot be ambiguous.
    let pair = format!("login:pair:{ip} {email}");
    throttle(state, pair.clone(), limits.login_per_account_ip).await?;
    // Across addresses the account is only slowed down: refusing would let anyone lock the
    // owner out. The sleep holds no worker.
    let on_account = state
        .limiter
        .count(&format!("login:account:{email}"), window)
        .await;
    let delay = login_delay(limits, on_account.count);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }

    // Every stored address passed `Email::parse`; one that fails it (a NUL byte, say, which
    // PostgreSQL text cannot even hold) cannot belong to an account.
    let user = match Email::parse("email", &email) {
        Ok(parsed) => state.db.find_user_by_email(parsed.as_str()).await?,
        Err(_) => None,
    };
    // A demo account has no password: its unusable hash would fail at once, so the dummy
    // hash is checked instead and the answer takes as long as for any wrong password.
    let hash = user
        .as_ref()
        .filter(|u| !u.is_demo)
        .map(|u| u.password_hash.clone());
    let matches = state.passwords.verify(req.password, hash).await?;
    let Some(user) = user.filter(|u| matches && u.is_active) else {
        return Err(ApiError::InvalidCredentials);
    };
    // The owner got in from this address: earlier typos there no longer count against it.
    state.limiter.clear(&pair).await;
    state.db.touch_last_login(user.id).await?;
    super::live_hooks::account_updated(state, user.id);
    issue(
        state,
        user.id,
        user.role()?,
        req.audience.unwrap_or_default(),
    )
    .await
}

/// The presented refresh token, from the body or (put there by the handler) the cookie.
fn check_refresh_token(token: Option<&str>) -> Result<&str, ApiError> {
    let token = token.ok_or(ApiError::RefreshTokenMissing)?;
    if token.is_empty() || token.len() > MAX_REFRESH_TOKEN_LEN {
        return Err(ApiError::invalid(
            "refresh_token",
            "must be 1 to 256 characters",
        ));
    }
    Ok(token)
}

/// Rotates a refresh token: the presented one is used up, a new one is returned with a new
/// access token carrying the account's current role.
///
/// # Errors
/// 401 for a token that is unknown, expired, revoked or reused (reuse revokes its family), or
/// missing.
pub async fn refresh(
    state: &AppState,
    req: RefreshRequest,
    ip: &str,
) -> Result<TokenResponse, ApiError> {
    let presented = check_refresh_token(req.refresh_token.as_deref())?;
    let next = new_token();
    let refresh_ttl = refresh_ttl(state);
    let rotation = state
        .db
        .rotate_refresh_token(
            &hash_token(presented),
            &hash_token(&next),
            Utc::now() + refresh_ttl,
        )
        .await?;
    match rotation {
        Rotation::Rotated {
            user_id,
            family_id,
            audience,
        } => {
            let user = state.db.find_user(user_id).await?.filter(|u| u.is_active);
            let Some(user) = user else {
                state
                    .db
                    .revoke_family(family_id, "account_inactive")
                    .await?;
                return Err(ApiError::InvalidRefreshToken);
            };
            token_response(state, user.id, user.role()?, audience, next)
        }
        Rotation::Reused { user_id, family_id } => {
            tracing::warn!(%user_id, %family_id, "refresh token reused; family revoked");
            state
                .db
                .audit(AuditEvent {
                    actor_id: None,
                    subject_id: Some(user_id),
                    action: "auth.refresh_reuse_detected",
                    ip: Some(ip),
                    details: serde_json::json!({ "family_id": family_id }),
                })
                .await?;
            Err(ApiError::InvalidRefreshToken)
        }
        Rotation::Unknown | Rotation::Dead => Err(ApiError::InvalidRefreshToken),
    }
}

/// Ends the session the refresh token belongs to. Idempotent, like RFC 7009 revocation: an
/// unknown token is not an error, so the answer reveals nothing about it.
///
/// # Errors
/// 401 for a missing token, 422 for an absurd one; storage failures.
pub async fn logout(state: &AppState, req: LogoutRequest, ip: &str) -> Result<(), ApiError> {
    let presented = check_refresh_token(req.refresh_token.as_deref())?;
    if let Some(user_id) = state
        .db
        .revoke_family_of(&hash_token(presented), "logout")
        .await?
    {
        state
            .db
            .audit(AuditEvent {
                actor_id: Some(user_id),
                subject_id: Some(user_id),
                action: "auth.logout",
                ip: Some(ip),
                details: serde_json::json!({}),
            })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_delay_starts_after_the_threshold_doubles_and_is_capped() {
        let limits = RateLimitSettings {
            login_slow_after: 3,
            login_delay: Duration::from_millis(100),
            login_max_delay: Duration::from_millis(500),
            ..RateLimitSettings::default()
        };
        let ms = |attempt| login_delay(&limits, attempt).as_millis();
        assert_eq!([ms(0), ms(1), ms(3)], [0, 0, 0]);
        assert_eq!([ms(4), ms(5), ms(6), ms(7)], [100, 200, 400, 500]);
        assert_eq!(ms(u32::MAX), 500, "no overflow");
    }
}
