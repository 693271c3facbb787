//! Daily portfolio valuations and the cash flows of holding changes, per user.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Db, StoreError, with_pool};

/// Money moving into (positive) or out of (negative) a user's holdings.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct FlowRow {
    /// The id.
    pub id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// When the holding changed.
    pub at: DateTime<Utc>,
    /// The symbol bought or sold.
    pub symbol: String,
    /// Millionths of a share: positive bought, negative sold.
    pub quantity_micros: i64,
    /// The price then; `None` when none was known.
    pub price: Option<f64>,
    /// `quantity × price` in cents; `None` when unpriced.
    pub amount_cents: Option<i64>,
}

/// Valuations written per statement.
const BATCH: usize = 1000;

/// Records each `(user, value in cents)` as the value of `day`, replacing an earlier
/// recording of the same day (the last one of a day is its close).
///
/// # Errors
/// The database refused a write.
pub async fn record(
    db: &Db,
    day: NaiveDate,
    values: &[(Uuid, i64)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    with_pool!(db, pool => {
        let mut tx = pool.begin().await?;
        for chunk in values.chunks(BATCH) {
            let mut query = sqlx::QueryBuilder::new(
                "insert into portfolio_valuations (user_id, day, value_cents, recorded_at) ");
            query.push_values(chunk, |mut row, (user, cents)| {
                row.push_bind(*user).push_bind(day).push_bind(*cents).push_bind(now);
            });
            // A user deleted since the holdings were read fails the batch; the next recording
            // no longer sees their holdings (deleted with the account).
            query.push(
                " on conflict (user_id, day) do update set value_cents = excluded.value_cents, \
                 recorded_at = excluded.recorded_at");
            query.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
    });
    Ok(())
}

/// The user's recorded `(day, value in cents)` between `from` and `to` inclusive, by day.
///
/// # Errors
/// The database did not answer.
pub async fn history(
    db: &Db,
    user: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, i64)>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as(
        "select day, value_cents from portfolio_valuations where user_id = $1 and day >= $2 \
         and day <= $3 order by day")
        .bind(user).bind(from).bind(to).fetch_all(pool).await)?)
}

/// The user's flows with `from <= at < until`, oldest first.
///
/// # Errors
/// The database did not answer.
pub async fn flows(
    db: &Db,
    user: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<FlowRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, FlowRow>(
        "select id, user_id, at, symbol, quantity_micros, price, amount_cents from portfolio_flows \
         where user_id = $1 and at >= $2 and at < $3 order by at, id")
        .bind(user).bind(from).bind(until).fetch_all(pool).await)?)
}

/// Inserts `$flows` (a `&[FlowRow]`) through `$tx`, a transaction of the pool that
/// [`with_pool!`] bound; for writes that change holdings and record their flows at once.
macro_rules! insert_flows {
    ($tx:expr, $flows:expr) => {
        for flow in $flows {
            sqlx::query(
                "insert into portfolio_flows (id, user_id, at, symbol, quantity_micros, price, \
                 amount_cents) values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(flow.id)
            .bind(flow.user_id)
            .bind(flow.at)
            .bind(&flow.symbol)
            .bind(flow.quantity_micros)
            .bind(flow.price)
            .bind(flow.amount_cents)
            .execute(&mut *$tx)
            .await?;
        }
    };
}
pub(crate) use insert_flows;
