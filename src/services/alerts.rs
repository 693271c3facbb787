//! Alert rules and the alerts the live sessions raised, always scoped to the caller.

use protocol::Page;
use protocol::alerts::{AlertKind, AlertRuleView, AlertView, CreateAlertRuleRequest};
use uuid::Uuid;

use super::live_hooks;
use crate::domain::alert;
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::alert_rules::{self, AlertRuleRow};
use crate::store::alerts::{self, AlertRow};

/// Most rules per user: a live session evaluates all of them after every update.
pub const MAX_RULES: u64 = 100;

fn rule_view(row: &AlertRuleRow) -> Result<AlertRuleView, ApiError> {
    Ok(AlertRuleView {
        id: row.id,
        kind: row.kind()?,
        level: row.level,
        symbol: row.symbol.clone(),
        direction: row.direction()?,
        hysteresis: row.hysteresis,
        created_at: row.created_at,
    })
}

fn alert_view(row: AlertRow) -> Result<AlertView, ApiError> {
    Ok(AlertView {
        id: row.id,
        rule_id: row.rule_id,
        kind: AlertKind::parse(&row.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("alert kind {}", row.kind)))?,
        message: row.message,
        value: row.value,
        created_at: row.created_at,
        recommendation_id: row.recommendation_id,
    })
}

fn page<T>(items: Vec<T>, total: u64, paging: Paging) -> Page<T> {
    Page {
        items,
        total,
        limit: paging.limit,
        offset: paging.offset,
    }
}

/// Creates a rule for `owner`.
///
/// # Errors
/// 422 naming every bad field; 409 beyond [`MAX_RULES`].
pub async fn create_rule(
    state: &AppState,
    owner: Uuid,
    req: CreateAlertRuleRequest,
) -> Result<AlertRuleView, ApiError> {
    let rule = alert::rule(&req).map_err(ApiError::Validation)?;
    if alert_rules::count(&state.db, owner).await? >= MAX_RULES {
        return Err(ApiError::Conflict {
            detail: format!("you already have the maximum of {MAX_RULES} alert rules"),
            field: None,
        });
    }
    let row = AlertRuleRow {
        id: Uuid::new_v4(),
        user_id: owner,
        kind: rule.kind.as_str().to_owned(),
        level: rule.level,
        symbol: rule.symbol,
        direction: rule.direction.map(|d| d.as_str().to_owned()),
        hysteresis: rule.hysteresis,
        created_at: crate::store::now(),
    };
    alert_rules::insert(&state.db, &row).await?;
    live_hooks::alert_rules_changed(state, owner);
    rule_view(&row)
}

/// A page of `owner`'s rules, oldest first.
///
/// # Errors
/// Storage failures.
pub async fn list_rules(
    state: &AppState,
    owner: Uuid,
    paging: Paging,
) -> Result<Page<AlertRuleView>, ApiError> {
    let (rows, total) = alert_rules::page(&state.db, owner, paging.limit, paging.offset).await?;
    let items = rows.iter().map(rule_view).collect::<Result<_, _>>()?;
    Ok(page(items, total, paging))
}

/// Deletes one of `owner`'s rules; the alerts it raised stay.
///
/// # Errors
/// 404 when the rule is not the owner's.
pub async fn delete_rule(state: &AppState, owner: Uuid, id: Uuid) -> Result<(), ApiError> {
    if !alert_rules::delete(&state.db, owner, id).await? {
        return Err(ApiError::NotFound);
    }
    live_hooks::alert_rules_changed(state, owner);
    Ok(())
}

/// A page of `owner`'s alerts, newest first.
///
/// # Errors
/// Storage failures.
pub async fn list_alerts(
    state: &AppState,
    owner: Uuid,
    paging: Paging,
) -> Result<Page<AlertView>, ApiError> {
    let (rows, total) = alerts::page(&state.db, owner, paging.limit, paging.offset).await?;
    let items = rows.into_iter().map(alert_view).collect::<Result<_, _>>()?;
    Ok(page(items, total, paging))
}
