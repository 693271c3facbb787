//! Advisor grants: a client lets an advisor watch their plan, and revokes it.

use protocol::Page;
use protocol::advisors::{CreateGrantRequest, GrantView};
use protocol::auth::Role;
use uuid::Uuid;

use super::live_hooks;
use crate::domain::email::Email;
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;
use crate::store::grants::{self, GrantRow};

fn view(row: GrantRow) -> GrantView {
    GrantView {
        advisor_id: row.advisor_id,
        advisor_email: row.advisor_email,
        granted_at: row.granted_at,
    }
}

/// One message whether the address is unknown or not an advisor's, so the endpoint cannot
/// be used to learn who has an account.
fn no_advisor() -> ApiError {
    ApiError::invalid("advisor_email", "no advisor has this e-mail address")
}

/// Grants the advisor with `req.advisor_email` access to `client`'s plan. Returns the grant
/// and whether it is new: granting twice is idempotent and keeps the first grant's time.
///
/// # Errors
/// 422 naming `advisor_email` when it is malformed, unknown, not an advisor's, or the
/// caller's own.
pub async fn grant(
    state: &AppState,
    client: Uuid,
    req: CreateGrantRequest,
) -> Result<(GrantView, bool), ApiError> {
    let email = Email::parse("advisor_email", &req.advisor_email)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let advisor = state
        .db
        .find_user_by_email(email.as_str())
        .await?
        .filter(|u| u.is_active && u.role().is_ok_and(|r| r == Role::Advisor))
        .ok_or_else(no_advisor)?;
    if advisor.id == client {
        return Err(ApiError::invalid(
            "advisor_email",
            "you cannot grant access to yourself",
        ));
    }
    let (granted_at, created) = grants::grant(&state.db, client, advisor.id).await?;
    Ok((
        GrantView {
            advisor_id: advisor.id,
            advisor_email: advisor.email,
            granted_at,
        },
        created,
    ))
}

/// A page of the advisors `client` has granted access, oldest grant first.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    client: Uuid,
    paging: Paging,
) -> Result<Page<GrantView>, ApiError> {
    let (rows, total) =
        grants::page_for_client(&state.db, client, paging.limit, paging.offset).await?;
    Ok(Page {
        items: rows.into_iter().map(view).collect(),
        total,
        limit: paging.limit,
        offset: paging.offset,
    })
}

/// Revokes `advisor`'s access to `client`'s plan; the advisor's live subscriptions end.
///
/// # Errors
/// 404 when there is no such grant.
pub async fn revoke(state: &AppState, client: Uuid, advisor: Uuid) -> Result<(), ApiError> {
    if !grants::revoke(&state.db, client, advisor).await? {
        return Err(ApiError::NotFound);
    }
    live_hooks::grant_revoked(state, client, advisor);
    Ok(())
}
