//! The cash flows of holding changes: buying is money in, selling or removing is money out,
//! at the price hub's price of that moment. Performance needs them to tell what the market
//! did from what the owner deposited.

use actors::market::hub::GetQuotes;
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::holdings::MICROS_PER_SHARE;
use crate::store::valuations::FlowRow;

/// Largest amount a flow records, in cents; a larger product of quantity and price is kept
/// as unpriced rather than overflowing.
const MAX_AMOUNT_CENTS: f64 = 9e18;

/// The flows that turn holding `before` into `after`, each a `(symbol, quantity in
/// millionths)` or `None` (created, deleted). A changed quantity of one symbol is one flow of
/// the difference; a changed symbol is a sale of the old and a purchase of the new.
///
/// # Errors
/// The price hub did not answer.
pub async fn of_change(
    state: &AppState,
    owner: Uuid,
    before: Option<(&str, i64)>,
    after: Option<(&str, i64)>,
) -> Result<Vec<FlowRow>, ApiError> {
    let moves: Vec<(&str, i64)> = match (before, after) {
        (Some((old, was)), Some((new, now))) if old == new => vec![(new, now - was)],
        (before, after) => before
            .map(|(s, q)| (s, -q))
            .into_iter()
            .chain(after)
            .collect(),
    };
    let moves: Vec<(&str, i64)> = moves.into_iter().filter(|(_, q)| *q != 0).collect();
    if moves.is_empty() {
        return Ok(Vec::new());
    }
    let quotes = state
        .market
        .hub
        .send(GetQuotes {
            symbols: moves.iter().map(|(s, _)| (*s).to_owned()).collect(),
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("price hub")))?;
    let at = crate::store::now();
    Ok(moves
        .into_iter()
        .map(|(symbol, quantity_micros)| {
            let price = quotes
                .iter()
                .find(|(s, _)| s == symbol)
                .map(|(_, q)| q.price);
            let priced = price.and_then(|p| {
                #[allow(clippy::cast_precision_loss)]
                let cents = (quantity_micros as f64 / MICROS_PER_SHARE * p * 100.0).round();
                #[allow(clippy::cast_possible_truncation)]
                (cents.abs() <= MAX_AMOUNT_CENTS).then_some((p, cents as i64))
            });
            FlowRow {
                id: Uuid::new_v4(),
                user_id: owner,
                at,
                symbol: symbol.to_owned(),
                quantity_micros,
                price: priced.map(|(p, _)| p),
                amount_cents: priced.map(|(_, c)| c),
            }
        })
        .collect())
}
