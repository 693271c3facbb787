//! Daily closes per symbol and source.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Db, StoreError, with_pool};

/// Where a close came from; see the migration for what each one vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PriceSource {
    /// An administrator's upload over REST.
    Upload,
    /// `glidepath prices import`.
    Import,
    /// The last price of the day from a real external feed.
    Feed,
    /// The synthetic or replay feed: never real history for today's date.
    Synthetic,
}

impl PriceSource {
    /// Every source, most trusted first: the order in which a day's close is chosen when
    /// several sources have one.
    pub const ALL: [Self; 4] = [Self::Upload, Self::Import, Self::Feed, Self::Synthetic];
    /// The sources that are market history: everything but [`Self::Synthetic`].
    pub const HISTORY: [Self; 3] = [Self::Upload, Self::Import, Self::Feed];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Import => "import",
            Self::Feed => "feed",
            Self::Synthetic => "synthetic",
        }
    }

    /// The source with this stored name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One stored close.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Close {
    /// The trading day.
    pub day: NaiveDate,
    /// The close.
    pub close: f64,
    /// Where it came from.
    pub source: PriceSource,
}

/// Closes written per statement: 4 parameters each stays far below SQLite's 32,766.
const BATCH: usize = 1000;

/// Writes closes `(symbol, day, close)` from `source`, replacing that source's earlier close
/// for the same symbol and day, all in one transaction: either every close is stored or none.
///
/// # Errors
/// The database refused a write (nothing is kept then).
pub async fn upsert(
    db: &Db,
    source: PriceSource,
    closes: &[(&str, NaiveDate, f64)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        for chunk in closes.chunks(BATCH) {
            let mut query = sqlx::QueryBuilder::new(
                "insert into prices (symbol, day, close, source, recorded_at) ");
            query.push_values(chunk, |mut row, (symbol, day, close)| {
                row.push_bind(*symbol)
                    .push_bind(*day)
                    .push_bind(*close)
                    .push_bind(source.as_str())
                    .push_bind(now);
            });
            query.push(
                " on conflict (symbol, day, source) do update set close = excluded.close, \
                 recorded_at = excluded.recorded_at");
            query.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// Whether no close at all is stored.
///
/// # Errors
/// The database did not answer.
pub async fn is_empty(db: &Db) -> Result<bool, StoreError> {
    let (any,): (bool,) = with_pool!(db, pool => sqlx::query_as(
        "select exists (select 1 from prices)").fetch_one(pool).await)?;
    Ok(!any)
}

/// `symbol`'s closes from `sources` between `from` and `to` (inclusive), one per day: where
/// several sources have a close for a day, the first of [`PriceSource::ALL`] wins.
///
/// # Errors
/// The database did not answer, or holds a source this server does not know.
pub async fn history(
    db: &Db,
    symbol: &str,
    from: NaiveDate,
    to: NaiveDate,
    sources: &[PriceSource],
) -> Result<Vec<Close>, StoreError> {
    let rows: Vec<(NaiveDate, f64, String)> = with_pool!(db, pool => sqlx::query_as(
        "select day, close, source from prices where symbol = $1 and day >= $2 and day <= $3 \
         order by day")
        .bind(symbol).bind(from).bind(to).fetch_all(pool).await)?;
    let mut closes: Vec<Close> = Vec::with_capacity(rows.len());
    for (day, close, source) in rows {
        let source = PriceSource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("price source {source:?}")))?;
        if !sources.contains(&source) {
            continue;
        }
        match closes.last_mut() {
            Some(last) if last.day == day => {
                if source < last.source {
                    *last = Close { day, close, source };
                }
            }
            _ => closes.push(Close { day, close, source }),
        }
    }
    Ok(closes)
}
