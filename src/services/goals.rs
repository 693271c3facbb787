//! Goal CRUD, always scoped to the caller.

use protocol::goals::{CreateGoalRequest, GoalStatus, GoalView, UpdateGoalRequest};
use protocol::{FieldError, Page};
use uuid::Uuid;

use super::collect;
use crate::domain::{goal, money};
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::goals::GoalRow;

fn view(row: &GoalRow) -> Result<GoalView, ApiError> {
    Ok(GoalView {
        id: row.id,
        name: row.name.clone(),
        target_amount: money::from_cents(row.target_amount_cents),
        target_date: row.target_date,
        priority: u8::try_from(row.priority).unwrap_or(1),
        status: GoalStatus::parse(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("goal status {}", row.status)))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// Creates a goal for `owner`.
///
/// # Errors
/// 422 naming every bad field; 409 beyond `limits.goals_per_user`.
pub async fn create(
    state: &AppState,
    owner: Uuid,
    req: CreateGoalRequest,
) -> Result<GoalView, ApiError> {
    let today = crate::store::now().date_naive();
    let mut errors = Vec::new();
    let name = keep(goal::name(&req.name), &mut errors);
    let cents = keep(
        money::to_cents("target_amount", req.target_amount, false),
        &mut errors,
    );
    let date = keep(goal::target_date(req.target_date, today), &mut errors);
    let priority = keep(goal::priority(req.priority.unwrap_or(1)), &mut errors);
    collect(errors)?;
    let (Some(name), Some(cents), Some(date), Some(priority)) = (name, cents, date, priority)
    else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "validated goal fields missing"
        )));
    };
    let now = crate::store::now();
    let row = GoalRow {
        id: Uuid::new_v4(),
        user_id: owner,
        name,
        target_amount_cents: cents,
        target_date: date,
        priority,
        status: req.status.unwrap_or_default().as_str().to_owned(),
        created_at: now,
        updated_at: now,
    };
    let max = state.settings.limits.goals_per_user;
    if !state.db.insert_goal_within(&row, max).await? {
        return Err(ApiError::Conflict {
            detail: format!("you already have the maximum of {max} goals"),
            field: None,
        });
    }
    view(&row)
}

/// One of `owner`'s goals.
///
/// # Errors
/// 404 when it does not exist or is not the owner's.
pub async fn get(state: &AppState, owner: Uuid, id: Uuid) -> Result<GoalView, ApiError> {
    view(&state.db.goal(owner, id).await?.ok_or(ApiError::NotFound)?)
}

/// A page of `owner`'s goals.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    owner: Uuid,
    paging: Paging,
) -> Result<Page<GoalView>, ApiError> {
    let (rows, total) = state
        .db
        .list_goals(owner, paging.limit, paging.offset)
        .await?;
    Ok(Page {
        items: rows.iter().map(view).collect::<Result<_, _>>()?,
        total,
        limit: paging.limit,
        offset: paging.offset,
    })
}

/// Changes the fields present in `req`.
///
/// # Errors
/// 404 when the goal is not the owner's; 422 naming every bad field.
pub async fn update(
    state: &AppState,
    owner: Uuid,
    id: Uuid,
    req: UpdateGoalRequest,
) -> Result<GoalView, ApiError> {
    let mut row = state.db.goal(owner, id).await?.ok_or(ApiError::NotFound)?;
    let today = crate::store::now().date_naive();
    let mut errors = Vec::new();
    if let Some(name) = req
        .name
        .as_deref()
        .and_then(|n| keep(goal::name(n), &mut errors))
    {
        row.name = name;
    }
    if let Some(cents) = req
        .target_amount
        .and_then(|a| keep(money::to_cents("target_amount", a, false), &mut errors))
    {
        row.target_amount_cents = cents;
    }
    // Sending the current date back unchanged is fine even once it has passed.
    if let Some(date) = req.target_date.filter(|d| *d != row.target_date)
        && let Some(date) = keep(goal::target_date(date, today), &mut errors)
    {
        row.target_date = date;
    }
    if let Some(priority) = req
        .priority
        .and_then(|p| keep(goal::priority(p), &mut errors))
    {
        row.priority = priority;
    }
    if let Some(status) = req.status {
        row.status = status.as_str().to_owned();
    }
    collect(errors)?;
    row.updated_at = crate::store::now();
    if !state.db.update_goal(&row).await? {
        return Err(ApiError::NotFound);
    }
    view(&row)
}

/// Deletes one of `owner`'s goals.
///
/// # Errors
/// 404 when the goal is not the owner's.
pub async fn delete(state: &AppState, owner: Uuid, id: Uuid) -> Result<(), ApiError> {
    if state.db.delete_goal(owner, id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound)
    }
}
