//! What the server writes down every day: the feed's close per symbol, and each user's
//! portfolio valuation. Both are recorded every `portfolio.record_interval_secs` and keyed by
//! the UTC day, so the last recording of a day is that day's close and a restart loses
//! nothing but the minutes since the last one.

use std::collections::HashMap;
use std::time::Duration;

use actors::market::hub::{GetAllQuotes, Quote};
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::holdings::{self, MICROS_PER_SHARE};
use crate::store::prices::{self, PriceSource};
use crate::store::valuations;

/// What one recording wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    /// Closes written.
    pub closes: usize,
    /// Valuations written.
    pub valuations: usize,
}

/// The source a feed's closes are stored under: only an external feed reports the market of
/// today; the synthetic feed invents prices and the replay feed plays old ones as new.
#[must_use]
pub fn feed_source(feed: &str) -> Option<PriceSource> {
    match feed {
        "external" => Some(PriceSource::Feed),
        "synthetic" | "replay" => Some(PriceSource::Synthetic),
        _ => None,
    }
}

fn day_of(ts_ms: i64) -> Option<NaiveDate> {
    DateTime::<Utc>::from_timestamp_millis(ts_ms).map(|t| t.date_naive())
}

/// Each user's holdings valued at `quotes`, in cents. A user with a holding the quotes do not
/// price is left out: a valuation that counted it at zero would record a loss that never
/// happened.
#[must_use]
pub fn value_positions(
    positions: &[(Uuid, String, i64)],
    quotes: &HashMap<&str, Quote>,
) -> Vec<(Uuid, i64)> {
    let mut values: Vec<(Uuid, i64)> = Vec::new();
    let mut current: Option<(Uuid, f64, bool)> = None;
    let flush = |entry: Option<(Uuid, f64, bool)>, values: &mut Vec<(Uuid, i64)>| {
        if let Some((user, value, true)) = entry {
            #[allow(clippy::cast_possible_truncation)]
            values.push((user, (value * 100.0).round().min(9e18) as i64));
        }
    };
    for (user, symbol, micros) in positions {
        if current.is_some_and(|(u, _, _)| u != *user) {
            flush(current.take(), &mut values);
        }
        let entry = current.get_or_insert((*user, 0.0, true));
        match quotes.get(symbol.as_str()) {
            #[allow(clippy::cast_precision_loss)]
            Some(q) => entry.1 += *micros as f64 / MICROS_PER_SHARE * q.price,
            None => entry.2 = false,
        }
    }
    flush(current, &mut values);
    values
}

/// Records today's closes and valuations once.
///
/// # Errors
/// The hub or the database did not answer.
pub async fn record_once(state: &AppState) -> Result<Recorded, ApiError> {
    let now = crate::store::now();
    let today = now.date_naive();
    let quotes = state
        .market
        .hub
        .send(GetAllQuotes)
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("price hub")))?;
    let mut closes = 0;
    if let Some(source) = feed_source(state.market.feed) {
        // A quote from an earlier day is that day's close, not today's.
        let todays: Vec<(&str, NaiveDate, f64)> = quotes
            .iter()
            .filter(|(_, q)| day_of(q.ts_ms) == Some(today))
            .map(|(s, q)| (s.as_str(), today, q.price))
            .collect();
        if !todays.is_empty() {
            prices::upsert(&state.db, source, &todays, now).await?;
        }
        closes = todays.len();
    }
    let positions = holdings::all_positions(&state.db).await?;
    let by_symbol: HashMap<&str, Quote> = quotes.iter().map(|(s, q)| (s.as_str(), *q)).collect();
    let values = value_positions(&positions, &by_symbol);
    if !values.is_empty() {
        valuations::record(&state.db, today, &values, now).await?;
    }
    Ok(Recorded {
        closes,
        valuations: values.len(),
    })
}

/// Records every `every` (`portfolio.record_interval_secs`) until the database closes.
pub async fn record_periodically(state: AppState, every: Duration) {
    let mut every = tokio::time::interval(every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if state.db.is_closed() {
            return;
        }
        match record_once(&state).await {
            Ok(r) => tracing::debug!(closes = r.closes, valuations = r.valuations, "day recorded"),
            Err(e) => {
                tracing::warn!(error = %e, "the day's closes and valuations were not recorded")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(price: f64) -> Quote {
        Quote { price, ts_ms: 0 }
    }

    #[test]
    fn users_are_valued_at_the_quotes_and_a_user_with_an_unpriced_holding_is_left_out() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        let positions = vec![
            (a, "X".to_owned(), 2_500_000),
            (a, "Y".to_owned(), 1_000_000),
            (b, "X".to_owned(), 1_000_000),
            (b, "Z".to_owned(), 1_000_000),
            (c, "Y".to_owned(), 500_000),
        ];
        let quotes: HashMap<&str, Quote> = [("X", quote(10.0)), ("Y", quote(3.02))].into();
        // a: 2.5 × 10 + 1 × 3.02 = 28.02; b holds unpriced Z; c: 0.5 × 3.02 = 1.51.
        assert_eq!(
            value_positions(&positions, &quotes),
            vec![(a, 2802), (c, 151)]
        );
    }

    #[test]
    fn only_an_external_feed_records_market_history() {
        assert_eq!(feed_source("external"), Some(PriceSource::Feed));
        assert_eq!(feed_source("synthetic"), Some(PriceSource::Synthetic));
        assert_eq!(feed_source("replay"), Some(PriceSource::Synthetic));
        assert_eq!(feed_source("none"), None);
    }
}
