//! Advisor grants: which advisors may watch which clients' plans.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Db, StoreError, now, with_pool};

/// An advisor a client has granted access, as the client sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GrantRow {
    /// The advisor.
    pub advisor_id: Uuid,
    /// The advisor's e-mail.
    pub advisor_email: String,
    /// When access was granted.
    pub granted_at: DateTime<Utc>,
}

/// A client who granted an advisor access, as the advisor sees it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ClientRow {
    /// The client.
    pub client_id: Uuid,
    /// The client's e-mail.
    pub email: String,
    /// When access was granted.
    pub granted_at: DateTime<Utc>,
}

/// Grants `advisor_id` access to `client_id`'s plan. Returns the grant and whether it is
/// new (granting twice keeps the first grant's time).
///
/// # Errors
/// The database refused the write (an unknown id, or client = advisor).
pub async fn grant(
    db: &Db,
    client_id: Uuid,
    advisor_id: Uuid,
) -> Result<(DateTime<Utc>, bool), StoreError> {
    let done = with_pool!(db, pool => sqlx::query(
        "insert into advisor_grants (client_id, advisor_id, created_at) values ($1, $2, $3) \
         on conflict (client_id, advisor_id) do nothing")
        .bind(client_id).bind(advisor_id).bind(now()).execute(pool).await.map(|r| r.rows_affected()))?;
    let (at,): (DateTime<Utc>,) = with_pool!(db, pool => sqlx::query_as(
        "select created_at from advisor_grants where client_id = $1 and advisor_id = $2")
        .bind(client_id).bind(advisor_id).fetch_one(pool).await)?;
    Ok((at, done == 1))
}

/// Whether `client_id` has granted `advisor_id` access and `advisor_id` is still an active
/// advisor (a grant to an account whose role was changed, or that was deactivated, lies
/// dormant).
///
/// # Errors
/// The database did not answer.
pub async fn exists(db: &Db, client_id: Uuid, advisor_id: Uuid) -> Result<bool, StoreError> {
    let (n,): (i64,) = with_pool!(db, pool => sqlx::query_as(
        "select count(*) from advisor_grants g join users a on a.id = g.advisor_id \
         where g.client_id = $1 and g.advisor_id = $2 and a.role = 'advisor' and a.is_active")
        .bind(client_id).bind(advisor_id).fetch_one(pool).await)?;
    Ok(n > 0)
}

/// The clients who granted `advisor_id` access, oldest grant first; empty unless
/// `advisor_id` is currently an active advisor.
///
/// # Errors
/// The database did not answer.
pub async fn list_clients(db: &Db, advisor_id: Uuid) -> Result<Vec<ClientRow>, StoreError> {
    Ok(with_pool!(db, pool => sqlx::query_as::<_, ClientRow>(
        "select g.client_id, c.email, g.created_at as granted_at from advisor_grants g \
         join users c on c.id = g.client_id join users a on a.id = g.advisor_id \
         where g.advisor_id = $1 and a.role = 'advisor' and a.is_active order by g.created_at, g.client_id")
        .bind(advisor_id).fetch_all(pool).await)?)
}

/// A page of the advisors `client_id` has granted access, oldest first, and the total.
///
/// # Errors
/// The database did not answer.
pub async fn page_for_client(
    db: &Db,
    client_id: Uuid,
    limit: u32,
    offset: u32,
) -> Result<(Vec<GrantRow>, u64), StoreError> {
    let (rows, total): (Vec<GrantRow>, i64) = with_pool!(db, pool => {
        let rows = sqlx::query_as::<_, GrantRow>(
            "select g.advisor_id, a.email as advisor_email, g.created_at as granted_at \
             from advisor_grants g join users a on a.id = g.advisor_id where g.client_id = $1 \
             order by g.created_at, g.advisor_id limit $2 offset $3")
            .bind(client_id).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
        let (total,): (i64,) = sqlx::query_as("select count(*) from advisor_grants where client_id = $1")
            .bind(client_id).fetch_one(pool).await?;
        (rows, total)
    });
    Ok((rows, u64::try_from(total).unwrap_or(0)))
}

/// Revokes a grant. Returns false when there was none.
///
/// # Errors
/// The database refused the write.
pub async fn revoke(db: &Db, client_id: Uuid, advisor_id: Uuid) -> Result<bool, StoreError> {
    let done = with_pool!(db, pool => sqlx::query(
        "delete from advisor_grants where client_id = $1 and advisor_id = $2")
        .bind(client_id).bind(advisor_id).execute(pool).await.map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
