//! Advisors' proposals. Reads are scoped to the client, or to the advisor and client: a
//! proposal of someone else's is indistinguishable from a missing one.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Db, StoreError, now, with_pool};

/// A proposal as stored, with its advisor's e-mail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProposalRow {
    /// The id.
    pub id: Uuid,
    /// Who proposed it.
    pub advisor_id: Uuid,
    /// The advisor's e-mail.
    pub advisor_email: String,
    /// Whose plan it would change.
    pub client_id: Uuid,
    /// The advisor's message.
    pub message: String,
    /// The what-if changes (the wire JSON).
    pub changes: Json<serde_json::Value>,
    /// Live success without the change, when proposed.
    pub success_before: f64,
    /// And with it.
    pub success_after: f64,
    /// `pending`, `accepted` or `declined`.
    pub status: String,
    /// When proposed.
    pub created_at: DateTime<Utc>,
    /// When answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// The client's recommendation it was made from.
    pub recommendation_id: Option<Uuid>,
}

/// What a new proposal stores.
#[derive(Debug, Clone)]
pub struct NewProposalRow<'a> {
    /// Who proposes it.
    pub advisor_id: Uuid,
    /// To whom.
    pub client_id: Uuid,
    /// Why.
    pub message: &'a str,
    /// The what-if changes (the wire JSON).
    pub changes: &'a serde_json::Value,
    /// Live success without the change.
    pub success_before: f64,
    /// And with it.
    pub success_after: f64,
    /// The client's recommendation it is made from.
    pub recommendation_id: Option<Uuid>,
}

macro_rules! proposal_select {
    ($tail:literal) => {
        concat!(
            "select p.id, p.advisor_id, a.email as advisor_email, p.client_id, p.message, \
             p.changes, p.success_before, p.success_after, p.status, p.created_at, \
             p.answered_at, p.recommendation_id from proposals p \
             join users a on a.id = p.advisor_id ",
            $tail
        )
    };
}

/// Stores a new pending proposal and returns it.
///
/// # Errors
/// The database refused the write.
pub async fn insert(db: &Db, new: NewProposalRow<'_>) -> Result<ProposalRow, StoreError> {
    let id = Uuid::new_v4();
    with_pool!(db, pool => sqlx::query(
        "insert into proposals (id, advisor_id, client_id, message, changes, success_before, \
         success_after, status, created_at, recommendation_id) \
         values ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9)")
        .bind(id).bind(new.advisor_id).bind(new.client_id).bind(new.message)
        .bind(Json(new.changes)).bind(new.success_before).bind(new.success_after).bind(now())
        .bind(new.recommendation_id)
        .execute(pool).await.map(|r| r.rows_affected()))?;
    get_for_client(db, new.client_id, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a proposal vanished as it was stored".into()))
}

/// The client's proposal `id`, if it is theirs.
///
/// # Errors
/// The database did not answer.
pub async fn get_for_client(
    db: &Db,
    client_id: Uuid,
    id: Uuid,
) -> Result<Option<ProposalRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, ProposalRow>(
        proposal_select!("where p.id = $1 and p.client_id = $2"))
        .bind(id).bind(client_id).fetch_optional(pool).await)?)
}

/// The proposals made to `client_id`, newest first, at most `limit`.
///
/// # Errors
/// The database did not answer.
pub async fn list_for_client(
    db: &Db,
    client_id: Uuid,
    limit: i64,
) -> Result<Vec<ProposalRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, ProposalRow>(
        proposal_select!("where p.client_id = $1 order by p.created_at desc, p.id limit $2"))
        .bind(client_id).bind(limit).fetch_all(pool).await)?)
}

/// The proposals `advisor_id` made to `client_id`, newest first, at most `limit`.
///
/// # Errors
/// The database did not answer.
pub async fn list_by_advisor(
    db: &Db,
    advisor_id: Uuid,
    client_id: Uuid,
    limit: i64,
) -> Result<Vec<ProposalRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, ProposalRow>(
        proposal_select!("where p.advisor_id = $1 and p.client_id = $2 \
                          order by p.created_at desc, p.id limit $3"))
        .bind(advisor_id).bind(client_id).bind(limit).fetch_all(pool).await)?)
}

/// Moves the client's pending proposal `id` to `status`. False when it is not pending any
/// more (answered meanwhile, or by another request at the same time): one answer wins.
///
/// # Errors
/// The database refused the write.
pub async fn answer(db: &Db, client_id: Uuid, id: Uuid, status: &str) -> Result<bool, StoreError> {
    let done = with_pool!(db, pool => sqlx::query(
        "update proposals set status = $1, answered_at = $2 \
         where id = $3 and client_id = $4 and status = 'pending'")
        .bind(status).bind(now()).bind(id).bind(client_id)
        .execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Puts an accepted proposal back to pending: its change could not be stored.
///
/// # Errors
/// The database refused the write.
pub async fn reopen(db: &Db, client_id: Uuid, id: Uuid) -> Result<(), StoreError> {
    with_pool!(db, pool => sqlx::query(
        "update proposals set status = 'pending', answered_at = null \
         where id = $1 and client_id = $2")
        .bind(id).bind(client_id)
        .execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(())
}
