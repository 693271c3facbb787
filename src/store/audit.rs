//! The append-only audit log. Rows hold ids and an action name, never personal data.

use sqlx::types::Json;
use uuid::Uuid;

use super::{Db, StoreError, with_pool};

/// One event to record.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// Who did it (absent for anonymous or system actions).
    pub actor_id: Option<Uuid>,
    /// Whom it concerns.
    pub subject_id: Option<Uuid>,
    /// A dotted name such as `account.deleted`.
    pub action: &'a str,
    /// The client's address, when known.
    pub ip: Option<&'a str>,
    /// Extra, non-personal details.
    pub details: serde_json::Value,
}

/// The SQL every writer of the audit log uses, inside or outside a transaction.
pub(crate) const INSERT_AUDIT: &str = "insert into audit_log (occurred_at, actor_id, subject_id, action, ip, details) \
     values ($1, $2, $3, $4, $5, $6)";

impl Db {
    /// Appends an event.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn audit(&self, event: AuditEvent<'_>) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query(INSERT_AUDIT)
            .bind(crate::store::now())
            .bind(event.actor_id)
            .bind(event.subject_id)
            .bind(event.action)
            .bind(event.ip)
            .bind(Json(&event.details))
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The actions recorded about `subject`, oldest first (used by operators and tests).
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn audit_actions_for(&self, subject: Uuid) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = with_pool!(self, pool => sqlx::query_as(
            "select action from audit_log where subject_id = $1 order by id")
            .bind(subject)
            .fetch_all(pool)
            .await)?;
        Ok(rows.into_iter().map(|(a,)| a).collect())
    }
}
