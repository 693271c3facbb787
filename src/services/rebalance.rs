//! `POST /portfolio/rebalance`: the caller's holdings (one position per symbol, accounts
//! added together), the hub's last prices and the targets become the engine's positions;
//! its trade list comes back with symbols and prices.

use std::collections::{BTreeMap, HashMap};

use actors::market::hub::GetQuotes;
use engine::rebalance::{
    Position, RebalanceError, RebalanceSettings, ShareUnit as EngineShares, Side, rebalance,
    share_class_targets,
};
use protocol::FieldError;
use protocol::portfolio::{
    RebalancePosition, RebalanceRequest, RebalanceResponse, ShareUnit, TradeView,
};
use uuid::Uuid;

use super::collect;
use super::portfolio::targets;
use crate::domain::holding::symbol;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::holdings::{self, HoldingRow};

/// Most symbols one rebalance takes (the holdings' limit).
pub const MAX_TARGETS: usize = 1000;

/// One symbol's quantity held (all accounts) and class (of its largest holding).
struct Held {
    quantity: f64,
    class: String,
}

fn held_by_symbol(rows: &[HoldingRow]) -> BTreeMap<String, Held> {
    let mut held: BTreeMap<String, (f64, f64, String)> = BTreeMap::new();
    for row in rows {
        let entry = held
            .entry(row.symbol.clone())
            .or_insert((0.0, 0.0, row.asset_class.clone()));
        entry.0 += row.quantity();
        if row.quantity() > entry.1 {
            entry.1 = row.quantity();
            entry.2.clone_from(&row.asset_class);
        }
    }
    held.into_iter()
        .map(|(s, (quantity, _, class))| (s, Held { quantity, class }))
        .collect()
}

/// Each held symbol's share of the plan's class targets (see
/// [`share_class_targets`]), and the classes with a target but no holding.
fn class_targets(
    held: &BTreeMap<String, Held>,
    prices: &HashMap<String, f64>,
    names: &[String],
    weights: &[f64],
) -> (BTreeMap<String, f64>, Vec<String>) {
    let values: Vec<f64> = held
        .iter()
        .map(|(s, h)| h.quantity * prices.get(s).copied().unwrap_or(0.0))
        .collect();
    let classes: Vec<Option<usize>> = held
        .values()
        .map(|h| names.iter().position(|n| *n == h.class))
        .collect();
    let targets = share_class_targets(&values, &classes, weights);
    let unheld = names
        .iter()
        .enumerate()
        .filter(|&(c, _)| weights[c] > 0.0 && !classes.contains(&Some(c)))
        .map(|(_, n)| n.clone())
        .collect();
    (held.keys().cloned().zip(targets).collect(), unheld)
}

fn refusal(symbols: &[String], err: RebalanceError) -> ApiError {
    let name = |i: usize| symbols.get(i).cloned().unwrap_or_default();
    match err {
        RebalanceError::Target(i) => ApiError::invalid(
            format!("targets.{}", name(i)),
            "must be a number from 0 to 1",
        ),
        RebalanceError::TargetSum(sum) => {
            ApiError::invalid("targets", format!("must sum to 1 (they sum to {sum})"))
        }
        RebalanceError::Cash => ApiError::invalid("cash", err.to_string()),
        RebalanceError::Band => ApiError::invalid("band", err.to_string()),
        RebalanceError::MinTradeValue => ApiError::invalid("min_trade_value", err.to_string()),
        other => ApiError::Internal(anyhow::Error::new(other).context("rebalance positions")),
    }
}

/// The trades that bring `owner`'s holdings back to the targets.
///
/// # Errors
/// 422 naming the field: targets that are not symbols, not numbers from 0 to 1 or do not sum
/// to 1; a targeted or held symbol with no price yet (`targets.SYM` or `holdings`); a bad
/// cash, band or minimum.
pub async fn propose(
    state: &AppState,
    owner: Uuid,
    req: RebalanceRequest,
) -> Result<RebalanceResponse, ApiError> {
    let rows = holdings::list_for_user(&state.db, owner).await?;
    let held = held_by_symbol(&rows);
    let mut errors = Vec::new();
    let mut given: Option<BTreeMap<String, f64>> = None;
    if let Some(targets) = &req.targets {
        if targets.is_empty() || targets.len() > MAX_TARGETS {
            errors.push(FieldError::new(
                "targets",
                format!("give 1 to {MAX_TARGETS} symbols"),
            ));
        }
        let mut parsed = BTreeMap::new();
        for (raw, weight) in targets {
            match symbol(&format!("targets.{raw}"), raw) {
                Ok(s) if parsed.contains_key(&s) => errors.push(FieldError::new(
                    format!("targets.{raw}"),
                    "names a symbol already listed",
                )),
                Ok(s) => {
                    parsed.insert(s, *weight);
                }
                Err(e) => errors.push(e),
            }
        }
        given = Some(parsed);
    }
    collect(errors)?;
    let mut symbols: Vec<String> = held.keys().cloned().collect();
    if let Some(given) = &given {
        for s in given.keys() {
            if !held.contains_key(s) {
                symbols.push(s.clone());
            }
        }
    }
    if symbols.is_empty() {
        return Err(ApiError::invalid(
            "targets",
            "there is nothing to rebalance: no holdings, and no targets given",
        ));
    }
    let prices: HashMap<String, f64> = if symbols.is_empty() {
        HashMap::new()
    } else {
        state
            .market
            .hub
            .send(GetQuotes {
                symbols: symbols.clone(),
            })
            .await
            .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("price hub")))?
            .into_iter()
            .map(|(s, q)| (s, q.price))
            .collect()
    };
    let unpriced: Vec<&String> = symbols
        .iter()
        .filter(|s| !prices.contains_key(*s))
        .collect();
    if let Some(s) = unpriced.first() {
        let field = if held.contains_key(*s) {
            "holdings".to_owned()
        } else {
            format!("targets.{s}")
        };
        return Err(ApiError::invalid(
            field,
            format!("{s} has no price yet, so no trade in it can be valued"),
        ));
    }
    let plan = targets(state, owner).await?;
    let (targets, unheld_classes) = match given {
        Some(given) => (given, Vec::new()),
        None => {
            let (targets, unheld) = class_targets(&held, &prices, &plan.names, &plan.weights);
            if !held.is_empty() && targets.values().sum::<f64>() <= 0.0 {
                return Err(ApiError::invalid(
                    "targets",
                    "your holdings are all in asset classes the plan gives no weight: give \
                     targets, or change the plan's weights",
                ));
            }
            (targets, unheld)
        }
    };
    let positions: Vec<Position> = symbols
        .iter()
        .map(|s| Position {
            quantity: held.get(s).map_or(0.0, |h| h.quantity),
            price: prices[s],
            target: targets.get(s).copied().unwrap_or(0.0),
        })
        .collect();
    let band = req.band.unwrap_or(plan.band);
    let settings = RebalanceSettings {
        band,
        shares: match req.shares.unwrap_or_default() {
            ShareUnit::Fractional => EngineShares::Fractional,
            ShareUnit::Whole => EngineShares::Whole,
        },
        min_trade_value: req.min_trade_value.unwrap_or(0.0),
        allow_sells: req.allow_sells.unwrap_or(true),
    };
    let plan = rebalance(&positions, req.cash.unwrap_or(0.0), &settings)
        .map_err(|e| refusal(&symbols, e))?;
    Ok(RebalanceResponse {
        trades: plan
            .trades
            .iter()
            .map(|t| TradeView {
                symbol: symbols[t.position].clone(),
                side: match t.side {
                    Side::Buy => "buy",
                    Side::Sell => "sell",
                }
                .to_owned(),
                shares: t.shares,
                price: positions[t.position].price,
                value: t.value,
                reason: t.reason.to_string(),
            })
            .collect(),
        positions: symbols
            .iter()
            .enumerate()
            .map(|(i, s)| RebalancePosition {
                symbol: s.clone(),
                target: positions[i].target,
                weight_before: plan.before.weights[i],
                weight_after: plan.after.weights[i],
                drift_after: plan.after.drift[i],
            })
            .collect(),
        outside_band_before: plan.before.outside,
        outside_band_after: plan.after.outside,
        max_abs_drift_before: plan.before.max_abs_drift,
        max_abs_drift_after: plan.after.max_abs_drift,
        cash_left: plan.cash_left,
        band,
        unheld_classes,
    })
}
