//! Holdings, always scoped to their owner. Quantities are stored as millionths of a share.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::valuations::{FlowRow, insert_flows};
use super::{Db, StoreError, on_unique, with_pool};

/// Millionths of a share per share.
pub const MICROS_PER_SHARE: f64 = 1_000_000.0;

/// A holding as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HoldingRow {
    /// The id.
    pub id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// The account, lower-case.
    pub account: String,
    /// The ticker, upper-case.
    pub symbol: String,
    /// Shares × 10^6.
    pub quantity_micros: i64,
    /// The name of one of the owner's plan asset classes (when it was written).
    pub asset_class: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl HoldingRow {
    /// Shares held; exact, since stored quantities stay below 2^53 micro-shares.
    #[must_use]
    #[allow(clippy::cast_precision_loss)]
    pub fn quantity(&self) -> f64 {
        self.quantity_micros as f64 / MICROS_PER_SHARE
    }
}

macro_rules! holding_select {
    ($tail:literal) => {
        concat!(
            "select id, user_id, account, symbol, quantity_micros, asset_class, created_at, \
             updated_at from holdings ",
            $tail
        )
    };
}

/// Inserts a holding and the cash flow of buying it, in one transaction.
///
/// # Errors
/// [`StoreError::Conflict`] when the owner already holds the symbol in that account.
pub async fn insert(db: &Db, row: &HoldingRow, flows: &[FlowRow]) -> Result<(), StoreError> {
    let written: Result<(), sqlx::Error> = with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        sqlx::query(
            "insert into holdings (id, user_id, account, symbol, quantity_micros, asset_class, \
             created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(row.id)
            .bind(row.user_id)
            .bind(&row.account)
            .bind(&row.symbol)
            .bind(row.quantity_micros)
            .bind(&row.asset_class)
            .bind(row.created_at)
            .bind(row.updated_at)
            .execute(&mut *tx)
            .await?;
        insert_flows!(tx, flows);
        tx.commit().await
    }.await);
    written.map_err(on_unique)
}

/// The owner's holding with this id.
///
/// # Errors
/// The database did not answer.
pub async fn get(db: &Db, owner: Uuid, id: Uuid) -> Result<Option<HoldingRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, HoldingRow>(
        holding_select!("where id = $1 and user_id = $2"))
        .bind(id).bind(owner).fetch_optional(pool).await)?)
}

/// Every holding of the user, in (account, symbol) order. Unpaged: the live session needs
/// all of them, and the API bounds how many a user can have only by the unique key.
///
/// # Errors
/// The database did not answer.
pub async fn list_for_user(db: &Db, user_id: Uuid) -> Result<Vec<HoldingRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, HoldingRow>(
        holding_select!("where user_id = $1 order by account, symbol"))
        .bind(user_id).fetch_all(pool).await)?)
}

/// Every user's `(user, symbol, quantity in millionths)`, by user: what the daily valuation
/// prices.
///
/// # Errors
/// The database did not answer.
pub async fn all_positions(db: &Db) -> Result<Vec<(Uuid, String, i64)>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as(
        "select user_id, symbol, quantity_micros from holdings order by user_id")
        .fetch_all(pool).await)?)
}

/// A page of the owner's holdings in (account, symbol) order, and the owner's total.
///
/// # Errors
/// The database did not answer.
pub async fn page(
    db: &Db,
    owner: Uuid,
    limit: u32,
    offset: u32,
) -> Result<(Vec<HoldingRow>, u64), StoreError> {
    let (rows, total): (Vec<HoldingRow>, i64) = with_pool!(db, pool => {
        let rows = sqlx::query_as::<_, HoldingRow>(
            holding_select!("where user_id = $1 order by account, symbol limit $2 offset $3"))
            .bind(owner).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
        let (total,): (i64,) = sqlx::query_as("select count(*) from holdings where user_id = $1")
            .bind(owner).fetch_one(pool).await?;
        (rows, total)
    });
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// How many holdings the owner has.
///
/// # Errors
/// The database did not answer.
pub async fn count(db: &Db, owner: Uuid) -> Result<u64, StoreError> {
    let (n,): (i64,) = with_pool!(db, pool => sqlx::query_as(
        "select count(*) from holdings where user_id = $1").bind(owner).fetch_one(pool).await)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Replaces the mutable fields of the owner's holding, provided it still holds `was` (its
/// symbol and quantity when `flows` were computed), and records `flows`, in one transaction.
///
/// # Errors
/// [`StoreError::Conflict`] when the new (account, symbol) is already held.
pub async fn update(
    db: &Db,
    row: &HoldingRow,
    was: (&str, i64),
    flows: &[FlowRow],
) -> Result<Written, StoreError> {
    let written: Result<Written, sqlx::Error> = with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        let current: Option<(String, i64)> = sqlx::query_as(
            "select symbol, quantity_micros from holdings where id = $1 and user_id = $2")
            .bind(row.id).bind(row.user_id).fetch_optional(&mut *tx).await?;
        match current {
            None => return Ok(Written::Missing),
            Some((symbol, quantity)) if symbol != was.0 || quantity != was.1 => {
                return Ok(Written::Changed);
            }
            Some(_) => {}
        }
        sqlx::query(
            "update holdings set account = $1, symbol = $2, quantity_micros = $3, \
             asset_class = $4, updated_at = $5 where id = $6 and user_id = $7")
            .bind(&row.account)
            .bind(&row.symbol)
            .bind(row.quantity_micros)
            .bind(&row.asset_class)
            .bind(row.updated_at)
            .bind(row.id)
            .bind(row.user_id)
            .execute(&mut *tx)
            .await?;
        insert_flows!(tx, flows);
        tx.commit().await?;
        Ok(Written::Done)
    }.await);
    written.map_err(on_unique)
}

/// Deletes the owner's holding, provided it still holds `was`, and records `flows`, in one
/// transaction.
///
/// # Errors
/// The database refused the write.
pub async fn delete(
    db: &Db,
    owner: Uuid,
    id: Uuid,
    was: (&str, i64),
    flows: &[FlowRow],
) -> Result<Written, StoreError> {
    let written: Result<Written, sqlx::Error> = with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        let done = sqlx::query(
            "delete from holdings where id = $1 and user_id = $2 and symbol = $3 \
             and quantity_micros = $4")
            .bind(id).bind(owner).bind(was.0).bind(was.1)
            .execute(&mut *tx).await?.rows_affected();
        if done == 0 {
            let (exists,): (bool,) = sqlx::query_as(
                "select exists (select 1 from holdings where id = $1 and user_id = $2)")
                .bind(id).bind(owner).fetch_one(&mut *tx).await?;
            return Ok(if exists { Written::Changed } else { Written::Missing });
        }
        insert_flows!(tx, flows);
        tx.commit().await?;
        Ok(Written::Done)
    }.await);
    Ok(written?)
}

/// What a guarded write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Written.
    Done,
    /// No such holding of the owner's.
    Missing,
    /// The holding's symbol or quantity changed since it was read: nothing written.
    Changed,
}
