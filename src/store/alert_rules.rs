//! Alert rules, always scoped to their owner.

use chrono::{DateTime, Utc};
use protocol::alerts::{AlertKind, Direction};
use uuid::Uuid;

use super::{Db, StoreError, with_pool};

/// A rule as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertRuleRow {
    /// The id.
    pub id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// `success_below`, `drift_above` or `price_cross`; see [`AlertRuleRow::kind`].
    pub kind: String,
    /// The level: a probability, a weight difference or a price.
    pub level: f64,
    /// The symbol of a `price_cross` rule.
    pub symbol: Option<String>,
    /// `above` or `below`, for `price_cross`; see [`AlertRuleRow::direction`].
    pub direction: Option<String>,
    /// How far back past the level the value must come before the rule fires again.
    pub hysteresis: f64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl AlertRuleRow {
    /// The parsed kind.
    ///
    /// # Errors
    /// A stored kind the server does not know (the schema's check forbids it).
    pub fn kind(&self) -> Result<AlertKind, StoreError> {
        AlertKind::parse(&self.kind)
            .ok_or_else(|| StoreError::Corrupt(format!("alert kind {}", self.kind)))
    }

    /// The parsed direction of a `price_cross` rule.
    ///
    /// # Errors
    /// A stored direction the server does not know.
    pub fn direction(&self) -> Result<Option<Direction>, StoreError> {
        self.direction
            .as_deref()
            .map(|d| {
                Direction::parse(d).ok_or_else(|| StoreError::Corrupt(format!("direction {d}")))
            })
            .transpose()
    }
}

macro_rules! rule_select {
    ($tail:literal) => {
        concat!(
            "select id, user_id, kind, level, symbol, direction, hysteresis, created_at \
             from alert_rules ",
            $tail
        )
    };
}

/// Inserts a rule.
///
/// # Errors
/// The database refused the write.
pub async fn insert(db: &Db, row: &AlertRuleRow) -> Result<(), StoreError> {
    with_pool!(db, pool => sqlx::query(
        "insert into alert_rules (id, user_id, kind, level, symbol, direction, hysteresis, \
         created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(row.id)
        .bind(row.user_id)
        .bind(&row.kind)
        .bind(row.level)
        .bind(row.symbol.as_deref())
        .bind(row.direction.as_deref())
        .bind(row.hysteresis)
        .bind(row.created_at)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Every rule of the user, oldest first. Unpaged: the live session evaluates all of them.
///
/// # Errors
/// The database did not answer.
pub async fn list_for_user(db: &Db, user_id: Uuid) -> Result<Vec<AlertRuleRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, AlertRuleRow>(
        rule_select!("where user_id = $1 order by created_at, id"))
        .bind(user_id).fetch_all(pool).await)?)
}

/// A page of the owner's rules, oldest first, and the owner's total.
///
/// # Errors
/// The database did not answer.
pub async fn page(
    db: &Db,
    owner: Uuid,
    limit: u32,
    offset: u32,
) -> Result<(Vec<AlertRuleRow>, u64), StoreError> {
    let (rows, total): (Vec<AlertRuleRow>, i64) = with_pool!(db, pool => {
        let rows = sqlx::query_as::<_, AlertRuleRow>(
            rule_select!("where user_id = $1 order by created_at, id limit $2 offset $3"))
            .bind(owner).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
        let (total,): (i64,) = sqlx::query_as("select count(*) from alert_rules where user_id = $1")
            .bind(owner).fetch_one(pool).await?;
        (rows, total)
    });
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// How many rules the owner has.
///
/// # Errors
/// The database did not answer.
pub async fn count(db: &Db, owner: Uuid) -> Result<u64, StoreError> {
    let (n,): (i64,) = with_pool!(db, pool => sqlx::query_as(
        "select count(*) from alert_rules where user_id = $1").bind(owner).fetch_one(pool).await)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Deletes the owner's rule; its alerts stay, with no rule. Returns false when there is none.
///
/// # Errors
/// The database refused the write.
pub async fn delete(db: &Db, owner: Uuid, id: Uuid) -> Result<bool, StoreError> {
    let done = with_pool!(db, pool => sqlx::query("delete from alert_rules where id = $1 and user_id = $2")
        .bind(id).bind(owner).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
