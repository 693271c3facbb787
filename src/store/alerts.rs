//! Alerts raised by the live sessions, always scoped to their owner.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, StoreError, now, with_pool};

/// An alert as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AlertRow {
    /// The id.
    pub id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// The rule that fired; `None` once the rule is deleted.
    pub rule_id: Option<Uuid>,
    /// `success_below`, `drift_above` or `price_cross`.
    pub kind: String,
    /// What happened, for people.
    pub message: String,
    /// The observed value that fired the rule.
    pub value: f64,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The top recommendation it carries, while that stands.
    pub recommendation_id: Option<Uuid>,
}

/// Longest stored message, in characters; longer ones are cut.
pub const MAX_MESSAGE_CHARS: usize = 500;

/// An alert to store.
#[derive(Debug, Clone, Copy)]
pub struct NewAlert<'a> {
    /// The rule that fired.
    pub rule_id: Option<Uuid>,
    /// One of `success_below`, `drift_above`, `price_cross`.
    pub kind: &'a str,
    /// What happened, for people (cut at [`MAX_MESSAGE_CHARS`]).
    pub message: &'a str,
    /// The value that fired it; must be finite.
    pub value: f64,
    /// The top recommendation it carries (one of the owner's).
    pub recommendation_id: Option<Uuid>,
}

/// Stores `alert` of `user_id` and returns it.
///
/// # Errors
/// The database refused the write: an unknown kind, user, rule or recommendation, or a
/// non-finite value.
pub async fn insert(db: &Db, user_id: Uuid, alert: NewAlert<'_>) -> Result<AlertRow, StoreError> {
    let row = AlertRow {
        id: Uuid::new_v4(),
        user_id,
        rule_id: alert.rule_id,
        kind: alert.kind.to_owned(),
        message: alert.message.chars().take(MAX_MESSAGE_CHARS).collect(),
        value: alert.value,
        created_at: now(),
        recommendation_id: alert.recommendation_id,
    };
    with_pool!(db, pool => sqlx::query(
        "insert into alerts (id, user_id, rule_id, kind, message, value, created_at, \
         recommendation_id) values ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(row.id)
        .bind(row.user_id)
        .bind(row.rule_id)
        .bind(&row.kind)
        .bind(&row.message)
        .bind(row.value)
        .bind(row.created_at)
        .bind(row.recommendation_id)
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(row)
}

/// Deletes `owner`'s alerts beyond the newest `keep`; returns how many went.
///
/// # Errors
/// The database refused the delete.
pub async fn prune(db: &Db, owner: Uuid, keep: u32) -> Result<u64, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query(
        "delete from alerts where user_id = $1 and id not in \
         (select id from alerts where user_id = $1 order by created_at desc, id desc limit $2)")
        .bind(owner)
        .bind(i64::from(keep))
        .execute(pool)
        .await
        .map(|r| r.rows_affected()))?)
}

/// A page of the owner's alerts, newest first, and the owner's total.
///
/// # Errors
/// The database did not answer.
pub async fn page(
    db: &Db,
    owner: Uuid,
    limit: u32,
    offset: u32,
) -> Result<(Vec<AlertRow>, u64), StoreError> {
    let (rows, total): (Vec<AlertRow>, i64) = with_pool!(db, pool => {
        let rows = sqlx::query_as::<_, AlertRow>(
            "select id, user_id, rule_id, kind, message, value, created_at, recommendation_id \
             from alerts \
             where user_id = $1 order by created_at desc, id desc limit $2 offset $3")
            .bind(owner).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
        let (total,): (i64,) = sqlx::query_as("select count(*) from alerts where user_id = $1")
            .bind(owner).fetch_one(pool).await?;
        (rows, total)
    });
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}
