//! Holdings CRUD and their allocation at the price hub's last prices, always scoped to the
//! caller.

use std::collections::{BTreeSet, HashMap};

use actors::market::hub::GetQuotes;
use engine::portfolio::{Holding, allocate};
use protocol::portfolio::{
    AllocationsResponse, ClassAllocation, CreateHoldingRequest, HoldingValuation, HoldingView,
    UpdateHoldingRequest,
};
use protocol::simulations::PlanSpec;
use protocol::{FieldError, Page};
use uuid::Uuid;

use super::{collect, flows, live_hooks};
use crate::domain::holding::{Targets, account, quantity_micros, symbol};
use crate::http::error::ApiError;
use crate::http::extract::Paging;
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::holdings::{self, HoldingRow, Written};

/// Most holdings per user: a live session revalues all of them on every tick.
pub const MAX_HOLDINGS: u64 = 1000;

fn view(row: &HoldingRow) -> HoldingView {
    HoldingView {
        id: row.id,
        account: row.account.clone(),
        symbol: row.symbol.clone(),
        quantity: row.quantity(),
        asset_class: row.asset_class.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn keep<T>(result: Result<T, FieldError>, errors: &mut Vec<FieldError>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

/// The asset classes and target weights of the user's stored plan, or of the default plan.
///
/// # Errors
/// A stored plan that does not parse or validate any more (a server bug).
pub async fn targets(state: &AppState, user: Uuid) -> Result<Targets, ApiError> {
    let plan: Option<PlanSpec> = state
        .db
        .plan(user)
        .await?
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("stored plan")))?;
    Targets::of(plan.as_ref())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("stored plan invalid: {e:?}")))
}

fn conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => ApiError::Conflict {
            detail: "this account already holds this symbol".into(),
            field: Some("symbol".into()),
        },
        other => other.into(),
    }
}

/// Creates a holding for `owner`.
///
/// # Errors
/// 422 naming every bad field (an `asset_class` not in the plan among them); 409 when the
/// account already holds the symbol.
pub async fn create(
    state: &AppState,
    owner: Uuid,
    req: CreateHoldingRequest,
) -> Result<HoldingView, ApiError> {
    let targets = targets(state, owner).await?;
    let mut errors = Vec::new();
    let account = keep(account(&req.account), &mut errors);
    let symbol = keep(symbol("symbol", &req.symbol), &mut errors);
    let micros = keep(quantity_micros(req.quantity), &mut errors);
    let class = keep(targets.class(&req.asset_class), &mut errors);
    collect(errors)?;
    if holdings::count(&state.db, owner).await? >= MAX_HOLDINGS {
        return Err(ApiError::Conflict {
            detail: format!("you already have the maximum of {MAX_HOLDINGS} holdings"),
            field: None,
        });
    }
    let (Some(account), Some(symbol), Some(quantity_micros), Some(asset_class)) =
        (account, symbol, micros, class)
    else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "validated holding fields missing"
        )));
    };
    let now = crate::store::now();
    let row = HoldingRow {
        id: Uuid::new_v4(),
        user_id: owner,
        account,
        symbol,
        quantity_micros,
        asset_class,
        created_at: now,
        updated_at: now,
    };
    let flows =
        flows::of_change(state, owner, None, Some((&row.symbol, row.quantity_micros))).await?;
    holdings::insert(&state.db, &row, &flows)
        .await
        .map_err(conflict)?;
    live_hooks::holdings_changed(state, owner);
    Ok(view(&row))
}

/// A guarded write's outcome as the API's: a holding changed by another request between
/// this one's read and write is a conflict, to be retried, since its flows were priced for
/// the old quantity.
fn written(outcome: Written) -> Result<(), ApiError> {
    match outcome {
        Written::Done => Ok(()),
        Written::Missing => Err(ApiError::NotFound),
        Written::Changed => Err(ApiError::Conflict {
            detail: "the holding changed while this request was made; read it and try again".into(),
            field: None,
        }),
    }
}

/// One of `owner`'s holdings.
///
/// # Errors
/// 404 when it does not exist or is not the owner's.
pub async fn get(state: &AppState, owner: Uuid, id: Uuid) -> Result<HoldingView, ApiError> {
    let row = holdings::get(&state.db, owner, id).await?;
    Ok(view(&row.ok_or(ApiError::NotFound)?))
}

/// A page of `owner`'s holdings in (account, symbol) order.
///
/// # Errors
/// Storage failures.
pub async fn list(
    state: &AppState,
    owner: Uuid,
    paging: Paging,
) -> Result<Page<HoldingView>, ApiError> {
    let (rows, total) = holdings::page(&state.db, owner, paging.limit, paging.offset).await?;
    Ok(Page {
        items: rows.iter().map(view).collect(),
        total,
        limit: paging.limit,
        offset: paging.offset,
    })
}

/// Changes the fields present in `req`.
///
/// # Errors
/// 404 when the holding is not the owner's; 422 naming every bad field; 409 when the new
/// (account, symbol) is already held.
pub async fn update(
    state: &AppState,
    owner: Uuid,
    id: Uuid,
    req: UpdateHoldingRequest,
) -> Result<HoldingView, ApiError> {
    let mut row = holdings::get(&state.db, owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let was = (row.symbol.clone(), row.quantity_micros);
    let mut errors = Vec::new();
    if let Some(a) = req.account.and_then(|a| keep(account(&a), &mut errors)) {
        row.account = a;
    }
    if let Some(s) = req
        .symbol
        .and_then(|s| keep(symbol("symbol", &s), &mut errors))
    {
        row.symbol = s;
    }
    if let Some(q) = req
        .quantity
        .and_then(|q| keep(quantity_micros(q), &mut errors))
    {
        row.quantity_micros = q;
    }
    // The current class may be sent back unchanged even if the plan has dropped it since.
    if let Some(class) = req.asset_class.filter(|c| *c != row.asset_class) {
        let targets = targets(state, owner).await?;
        if let Some(class) = keep(targets.class(&class), &mut errors) {
            row.asset_class = class;
        }
    }
    collect(errors)?;
    row.updated_at = crate::store::now();
    let flows = flows::of_change(
        state,
        owner,
        Some((&was.0, was.1)),
        Some((&row.symbol, row.quantity_micros)),
    )
    .await?;
    written(
        holdings::update(&state.db, &row, (&was.0, was.1), &flows)
            .await
            .map_err(conflict)?,
    )?;
    live_hooks::holdings_changed(state, owner);
    Ok(view(&row))
}

/// Deletes one of `owner`'s holdings.
///
/// # Errors
/// 404 when the holding is not the owner's.
pub async fn delete(state: &AppState, owner: Uuid, id: Uuid) -> Result<(), ApiError> {
    let row = holdings::get(&state.db, owner, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let was = (row.symbol.as_str(), row.quantity_micros);
    let flows = flows::of_change(state, owner, Some(was), None).await?;
    written(holdings::delete(&state.db, owner, id, was, &flows).await?)?;
    live_hooks::holdings_changed(state, owner);
    Ok(())
}

/// `owner`'s holdings at the hub's last prices, weighed against the plan's targets.
///
/// # Errors
/// Storage failures or a hub that does not answer.
pub async fn allocations(state: &AppState, owner: Uuid) -> Result<AllocationsResponse, ApiError> {
    let targets = targets(state, owner).await?;
    let rows = holdings::list_for_user(&state.db, owner).await?;
    let symbols: BTreeSet<String> = rows.iter().map(|r| r.symbol.clone()).collect();
    let prices: HashMap<String, f64> = if symbols.is_empty() {
        HashMap::new()
    } else {
        state
            .market
            .hub
            .send(GetQuotes {
                symbols: symbols.into_iter().collect(),
            })
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("price hub")))?
            .into_iter()
            .map(|(symbol, quote)| (symbol, quote.price))
            .collect()
    };
    let input: Vec<Holding<'_>> = rows
        .iter()
        .map(|r| Holding {
            symbol: &r.symbol,
            quantity: r.quantity(),
            class: targets.index(&r.asset_class),
        })
        .collect();
    let a = allocate(&input, |s| prices.get(s).copied(), &targets.weights)
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("allocation")))?;
    let unpriced: BTreeSet<String> = a.unpriced.iter().map(|&i| rows[i].symbol.clone()).collect();
    Ok(AllocationsResponse {
        total_value: a.total_value,
        unclassified_value: a.unclassified_value,
        classes: targets
            .names
            .iter()
            .zip(&a.classes)
            .map(|(name, c)| ClassAllocation {
                asset_class: name.clone(),
                value: c.value,
                weight: c.weight,
                target_weight: c.target,
                drift: c.drift,
            })
            .collect(),
        max_abs_drift: a.max_abs_drift,
        holdings: rows
            .iter()
            .zip(&a.market_values)
            .map(|(r, value)| HoldingValuation {
                id: r.id,
                account: r.account.clone(),
                symbol: r.symbol.clone(),
                quantity: r.quantity(),
                asset_class: r.asset_class.clone(),
                price: value.and_then(|_| prices.get(&r.symbol).copied()),
                market_value: *value,
            })
            .collect(),
        unpriced: unpriced.into_iter().collect(),
    })
}
