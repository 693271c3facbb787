//! The bootstrap's history from the caller's holdings: each plan class's holdings as a basket
//! (weighted by value on the last common day, rebalanced monthly), monthly log returns
//! between month-end closes. Read for `POST /simulations/monte-carlo` and compare-models,
//! and by live sessions (which have the database but not the server's state).

use chrono::Datelike;
use engine::sim::extended::history::monthly_log_returns;
use uuid::Uuid;

use super::optimise::MIN_DAYS;
use super::prices::{EARLIEST, LATEST, MAX_ESTIMATE_SYMBOLS, align};
use crate::domain::plan::asset_classes;
use crate::http::error::ApiError;
use crate::store::prices::{self as price_store, PriceSource};
use crate::store::{Db, holdings};
use protocol::simulations::PlanSpec;

/// Monthly log returns of `spec`'s classes from `owner`'s holdings, one row per month.
///
/// # Errors
/// 422 on `field` when a class has no priced holding or the common history is under a year.
pub async fn from_holdings(
    db: &Db,
    owner: Uuid,
    spec: &PlanSpec,
    field: &str,
) -> Result<Vec<Vec<f64>>, ApiError> {
    let classes = asset_classes(spec);
    let rows = holdings::list_for_user(db, owner).await?;
    let mut symbols: Vec<String> = rows
        .iter()
        .filter(|r| classes.iter().any(|c| c.name == r.asset_class))
        .map(|r| r.symbol.clone())
        .collect();
    symbols.sort_unstable();
    symbols.dedup();
    let (mut priced, mut series) = (Vec::new(), Vec::new());
    for name in symbols {
        let closes =
            price_store::history(db, &name, EARLIEST, LATEST, &PriceSource::HISTORY).await?;
        if !closes.is_empty() {
            priced.push(name);
            series.push(closes);
        }
    }
    let no_history = |why: String| {
        ApiError::invalid(
            field,
            format!("{why}: give the history inline, or hold priced symbols in every class"),
        )
    };
    if priced.is_empty() {
        return Err(no_history("none of your holdings has price history".into()));
    }
    if priced.len() > MAX_ESTIMATE_SYMBOLS {
        return Err(ApiError::invalid(
            field,
            format!("at most {MAX_ESTIMATE_SYMBOLS} priced symbols can be read together"),
        ));
    }
    let closes = align(priced, &series, MIN_DAYS)
        .map_err(|_| no_history("your holdings share too few days of price history".into()))?;
    let last = closes.closes.last().cloned().unwrap_or_default();
    let mut baskets = Vec::with_capacity(classes.len());
    for class in &classes {
        let mut basket: Vec<f64> = closes
            .symbols
            .iter()
            .zip(&last)
            .map(|(sym, price)| {
                let quantity: f64 = rows
                    .iter()
                    .filter(|r| r.asset_class == class.name && r.symbol == *sym)
                    .map(holdings::HoldingRow::quantity)
                    .sum();
                quantity * price
            })
            .collect();
        let total: f64 = basket.iter().sum();
        if !(total > 0.0 && total.is_finite()) {
            return Err(no_history(format!("{} has no priced holdings", class.name)));
        }
        basket.iter_mut().for_each(|v| *v /= total);
        baskets.push(basket);
    }
    let month_of: Vec<u32> = closes
        .days
        .iter()
        .map(|d| u32::try_from(d.year()).unwrap_or(0) * 12 + d.month0())
        .collect();
    let history = monthly_log_returns(&month_of, &closes.closes, &baskets);
    if history.len() < 12 {
        return Err(no_history(format!(
            "your holdings share {} whole months of price history, under the 12 needed",
            history.len()
        )));
    }
    Ok(history)
}
