//! Recommendations, always scoped to their owner.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Db, StoreError, now, with_pool};

/// A recommendation as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecommendationRow {
    /// The id.
    pub id: Uuid,
    /// What it changes (snake case).
    pub kind: String,
    /// The plan fields it sets (the wire JSON).
    pub change: Json<serde_json::Value>,
    /// Its cost in the user's units.
    pub cost: String,
    /// Why.
    pub reason: String,
    /// Success before, on the verification paths.
    pub success_before: f64,
    /// And after.
    pub success_after: f64,
    /// Standard error of the difference.
    pub standard_error: f64,
    /// Paths.
    pub paths: i32,
    /// Seed.
    pub seed: i64,
    /// `new`, `accepted` or `dismissed`.
    pub status: String,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When answered.
    pub answered_at: Option<DateTime<Utc>>,
}

/// What a new recommendation stores.
#[derive(Debug, Clone)]
pub struct NewRecommendation {
    /// What it changes (snake case).
    pub kind: &'static str,
    /// The plan fields it sets.
    pub change: serde_json::Value,
    /// Its cost.
    pub cost: String,
    /// Why.
    pub reason: String,
    /// Success before.
    pub success_before: f64,
    /// And after.
    pub success_after: f64,
    /// Standard error of the difference.
    pub standard_error: f64,
    /// Paths.
    pub paths: u32,
    /// Seed.
    pub seed: u64,
}

macro_rules! recommendation_select {
    ($tail:literal) => {
        concat!(
            "select id, kind, change, cost, reason, success_before, success_after, \
             standard_error, paths, seed, status, created_at, answered_at \
             from recommendations ",
            $tail
        )
    };
}

/// Replaces `user_id`'s unanswered recommendations with `new` (in one transaction), and
/// returns the new ones in `new`'s order.
///
/// # Errors
/// The database refused the write.
pub async fn replace_new(
    db: &Db,
    user_id: Uuid,
    new: &[NewRecommendation],
) -> Result<Vec<RecommendationRow>, StoreError> {
    let at = now();
    let ids: Vec<Uuid> = new.iter().map(|_| Uuid::new_v4()).collect();
    with_pool!(db, pool => async {
        let mut tx = pool.begin().await?;
        sqlx::query("delete from recommendations where user_id = $1 and status = 'new'")
            .bind(user_id).execute(&mut *tx).await?;
        for (id, r) in ids.iter().zip(new) {
            sqlx::query(
                "insert into recommendations (id, user_id, kind, change, cost, reason, \
                 success_before, success_after, standard_error, paths, seed, status, created_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'new', $12)")
                .bind(id).bind(user_id).bind(r.kind).bind(Json(&r.change)).bind(&r.cost)
                .bind(&r.reason).bind(r.success_before).bind(r.success_after)
                .bind(r.standard_error).bind(i32::try_from(r.paths).unwrap_or(i32::MAX))
                .bind(i64::try_from(r.seed).unwrap_or(i64::MAX)).bind(at)
                .execute(&mut *tx).await?;
        }
        tx.commit().await
    }.await)?;
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = get(db, user_id, id).await? {
            rows.push(row);
        }
    }
    Ok(rows)
}

/// The user's recommendation `id`.
///
/// # Errors
/// The database did not answer.
pub async fn get(
    db: &Db,
    user_id: Uuid,
    id: Uuid,
) -> Result<Option<RecommendationRow>, StoreError> {
    Ok(
        with_pool!(db, pool => sqlx::query_as::<_, RecommendationRow>(
        recommendation_select!("where id = $1 and user_id = $2"))
        .bind(id).bind(user_id).fetch_optional(pool).await)?,
    )
}

/// The user's recommendations, newest first, at most `limit`.
///
/// # Errors
/// The database did not answer.
pub async fn list(
    db: &Db,
    user_id: Uuid,
    limit: i64,
) -> Result<Vec<RecommendationRow>, StoreError> {
    Ok(
        with_pool!(db, pool => sqlx::query_as::<_, RecommendationRow>(
        recommendation_select!("where user_id = $1 order by created_at desc, success_after - success_before desc limit $2"))
        .bind(user_id).bind(limit).fetch_all(pool).await)?,
    )
}

/// Moves the user's unanswered recommendation `id` to `status`; false when it was answered
/// already (one answer wins).
///
/// # Errors
/// The database refused the write.
pub async fn answer(db: &Db, user_id: Uuid, id: Uuid, status: &str) -> Result<bool, StoreError> {
    let done = with_pool!(db, pool => sqlx::query(
        "update recommendations set status = $1, answered_at = $2 \
         where id = $3 and user_id = $4 and status = 'new'")
        .bind(status).bind(now()).bind(id).bind(user_id)
        .execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Puts an accepted recommendation back to new: its change could not be stored.
///
/// # Errors
/// The database refused the write.
pub async fn reopen(db: &Db, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
    with_pool!(db, pool => sqlx::query(
        "update recommendations set status = 'new', answered_at = null where id = $1 and user_id = $2")
        .bind(id).bind(user_id).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}
