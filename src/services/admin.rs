//! User administration.

use protocol::Page;
use protocol::admin::ChangeRoleRequest;
use protocol::auth::AccountView;
use uuid::Uuid;

use super::account_view;
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;

/// A page of every account.
///
/// # Errors
/// Storage failures.
pub async fn list_users(state: &AppState, paging: Paging) -> Result<Page<AccountView>, ApiError> {
    let (rows, total) = state.db.list_users(paging.limit, paging.offset).await?;
    Ok(Page {
        items: rows.iter().map(account_view).collect::<Result<_, _>>()?,
        total,
        limit: paging.limit,
        offset: paging.offset,
    })
}

/// Changes an account's role and ends its sessions.
///
/// # Errors
/// 404 for an unknown account; 409 when an administrator tries to demote themselves (which
/// could leave the system without one).
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
    let row = state
        .db
        .change_role(actor, id, req.role)
        .await?
        .ok_or(ApiError::NotFound)?;
    account_view(&row)
}
