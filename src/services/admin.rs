//! User administration.

use protocol::Page;
use protocol::admin::{ChangeRoleRequest, ChangeStatusRequest};
use protocol::auth::AccountView;
use uuid::Uuid;

use super::account_view;
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;

/// A page of every account, or of those whose e-mail contains `email` (lower case).
///
/// # Errors
/// Storage failures.
pub async fn list_users(
    state: &AppState,
    paging: Paging,
    email: Option<&str>,
) -> Result<Page<AccountView>, ApiError> {
    let (rows, total) = state
        .db
        .list_users(paging.limit, paging.offset, email)
        .await?;
    Ok(Page {
        items: rows.iter().map(account_view).collect::<Result<_, _>>()?,
        total,
        limit: paging.limit,
        offset: paging.offset,
    })
}

/// Changes an account's role, from the account's next request on; its refresh tokens are
/// revoked, and a former advisor stops watching clients at once.
///
/// # Errors
/// 404 for an unknown account; 409 when an administrator tries to demote themselves (which
/// could leave the system without one) or to change a demo account's role.
pub async fn change_role(
    state: &AppState,
    actor: Uuid,
    id: Uuid,
    req: ChangeRoleRequest,
) -> Result<AccountView, ApiError> {
    if actor == id {
        return Err(ApiError::Conflict {
            detail: "administrators cannot change their own role".into(),
            field: Some("role".into()),
        });
    }
    if state
        .db
        .find_user(id)
        .await?
        .ok_or(ApiError::NotFound)?
        .is_demo
    {
        return Err(ApiError::Conflict {
            detail: "a demo account keeps the role it was made with".into(),
            field: Some("role".into()),
        });
    }
    let row = state
        .db
        .change_role(actor, id, req.role)
        .await?
        .ok_or(ApiError::NotFound)?;
    super::live_hooks::role_changed(state, id, req.role);
    account_view(&row)
}

/// Deactivates or activates an account. Deactivation takes effect at once on every node: the
/// account's tokens are refused, its refresh tokens revoked, its connections closed.
///
/// # Errors
/// 404 for an unknown account; 409 when administrators try to deactivate themselves.
pub async fn change_status(
    state: &AppState,
    actor: Uuid,
    id: Uuid,
    req: ChangeStatusRequest,
) -> Result<AccountView, ApiError> {
    if actor == id && !req.active {
        return Err(ApiError::Conflict {
            detail: "administrators cannot deactivate their own account".into(),
            field: Some("active".into()),
        });
    }
    let row = state
        .db
        .set_active(actor, id, req.active)
        .await?
        .ok_or(ApiError::NotFound)?;
    if req.active {
        super::live_hooks::account_reactivated(state, id);
    } else {
        super::live_hooks::account_deactivated(state, id);
    }
    account_view(&row)
}
