//! Accounts and roles.

use chrono::{DateTime, Utc};
use protocol::auth::Role;
use sqlx::types::Json;
use uuid::Uuid;

use super::audit::INSERT_AUDIT;
use super::{Db, StoreError, on_unique, with_pool};

/// An account as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    /// The id.
    pub id: Uuid,
    /// Lower-cased e-mail.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role name; see [`UserRow::role`].
    pub role: String,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last successful login.
    pub last_login: Option<DateTime<Utc>>,
    /// A demo account (`POST /auth/demo`).
    pub is_demo: bool,
}

impl UserRow {
    /// The parsed role.
    ///
    /// # Errors
    /// The stored role is not one the server knows (the schema's check forbids it).
    pub fn role(&self) -> Result<Role, StoreError> {
        Role::parse(&self.role).ok_or_else(|| StoreError::Corrupt(format!("role {}", self.role)))
    }
}

macro_rules! user_select {
    ($tail:literal) => {
        concat!(
            "select id, email, password_hash, role, is_active, created_at, updated_at, last_login, \
             is_demo from users ",
            $tail
        )
    };
}

/// A LIKE pattern matching text that contains `text` literally (its `%`, `_` and backslashes
/// escaped with a backslash).
fn like_containing(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Revokes every live refresh-token family of user $3 at time $1 for reason $2.
const REVOKE_FAMILIES: &str = "update refresh_token_families set revoked_at = $1, revoked_reason = $2 \
     where user_id = $3 and revoked_at is null";

/// Deletes every row a user owns, children first, so that account deletion never depends on
/// the cascades being there. A new user-owned table must be added here and to `COUNT_OWNED`.
const DELETE_OWNED: [&str; 13] = [
    "delete from risk_answers where user_id = $1",
    "delete from alerts where user_id = $1",
    "delete from alert_rules where user_id = $1",
    "delete from holdings where user_id = $1",
    // Both sides: a deleted advisor's grants go too.
    "delete from advisor_grants where client_id = $1 or advisor_id = $1",
    "delete from refresh_tokens where user_id = $1",
    "delete from plans where user_id = $1",
    "delete from refresh_token_families where user_id = $1",
    "delete from simulation_results where user_id = $1",
    "delete from goals where user_id = $1",
    "delete from financial_profiles where user_id = $1",
    // Both sides, like grants.
    "delete from proposals where client_id = $1 or advisor_id = $1",
    "delete from recommendations where user_id = $1",
];

/// Counts what [`DELETE_OWNED`] and the account deletion remove, table by table.
const COUNT_OWNED: [(&str, &str); 14] = [
    (
        "risk_answers",
        "select count(*) from risk_answers where user_id = $1",
    ),
    ("alerts", "select count(*) from alerts where user_id = $1"),
    (
        "alert_rules",
        "select count(*) from alert_rules where user_id = $1",
    ),
    (
        "holdings",
        "select count(*) from holdings where user_id = $1",
    ),
    (
        "advisor_grants",
        "select count(*) from advisor_grants where client_id = $1 or advisor_id = $1",
    ),
    ("plans", "select count(*) from plans where user_id = $1"),
    (
        "refresh_tokens",
        "select count(*) from refresh_tokens where user_id = $1",
    ),
    (
        "refresh_token_families",
        "select count(*) from refresh_token_families where user_id = $1",
    ),
    (
        "simulation_results",
        "select count(*) from simulation_results where user_id = $1",
    ),
    ("goals", "select count(*) from goals where user_id = $1"),
    (
        "financial_profiles",
        "select count(*) from financial_profiles where user_id = $1",
    ),
    (
        "proposals",
        "select count(*) from proposals where client_id = $1 or advisor_id = $1",
    ),
    (
        "recommendations",
        "select count(*) from recommendations where user_id = $1",
    ),
    ("users", "select count(*) from users where id = $1"),
];

impl Db {
    /// Creates an account with an audit entry, in one transaction.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the e-mail is taken.
    pub async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
        ip: Option<&str>,
    ) -> Result<UserRow, StoreError> {
        self.insert_user(email, password_hash, role, ip, false)
            .await
    }

    /// Creates a demo account (`POST /auth/demo`), as [`Db::create_user`].
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the e-mail is taken.
    pub async fn create_demo_user(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
        ip: Option<&str>,
    ) -> Result<UserRow, StoreError> {
        self.insert_user(email, password_hash, role, ip, true).await
    }

    async fn insert_user(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
        ip: Option<&str>,
        demo: bool,
    ) -> Result<UserRow, StoreError> {
        let now = crate::store::now();
        let row = UserRow {
            id: Uuid::new_v4(),
            email: email.to_owned(),
            password_hash: password_hash.to_owned(),
            role: role.as_str().to_owned(),
            is_active: true,
            created_at: now,
            updated_at: now,
            last_login: None,
            is_demo: demo,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "insert into users (id, email, password_hash, role, is_active, created_at, updated_at, is_demo) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(row.id)
            .bind(&row.email)
            .bind(&row.password_hash)
            .bind(&row.role)
            .bind(row.is_active)
            .bind(now)
            .bind(now)
            .bind(demo)
            .execute(&mut *tx)
            .await
            .map_err(on_unique)?;
            sqlx::query(INSERT_AUDIT)
                .bind(now)
                .bind(Some(row.id))
                .bind(Some(row.id))
                .bind("account.registered")
                .bind(ip)
                .bind(Json(serde_json::json!({ "role": role.as_str(), "demo": demo })))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(row)
    }

    /// The account with this (lower-cased) e-mail.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, UserRow>(user_select!("where email = $1"))
            .bind(email).fetch_optional(pool).await)?,
        )
    }

    /// The account with this id.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn find_user(&self, id: Uuid) -> Result<Option<UserRow>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, UserRow>(user_select!("where id = $1"))
            .bind(id).fetch_optional(pool).await)?,
        )
    }

    /// Records a successful login.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn touch_last_login(&self, id: Uuid) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("update users set last_login = $1 where id = $2")
            .bind(crate::store::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Changes the e-mail address.
    ///
    /// # Errors
    /// [`StoreError::Conflict`] when the e-mail is taken by another account.
    pub async fn update_email(&self, id: Uuid, email: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query("update users set email = $1, updated_at = $2 where id = $3")
            .bind(email).bind(crate::store::now()).bind(id).execute(pool).await.map(|r| r.rows_affected()))
        .map_err(on_unique)?;
        Ok(())
    }

    /// Sets the role of an existing account or creates it; the CLI's `admin create`.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn upsert_user_with_role(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
    ) -> Result<(UserRow, bool), StoreError> {
        if let Some(existing) = self.find_user_by_email(email).await? {
            let now = crate::store::now();
            with_pool!(self, pool => sqlx::query(
                "update users set role = $1, password_hash = $2, updated_at = $3 where id = $4")
                .bind(role.as_str()).bind(password_hash).bind(now).bind(existing.id)
                .execute(pool).await.map(|r| r.rows_affected()))?;
            self.audit(super::audit::AuditEvent {
                actor_id: None,
                subject_id: Some(existing.id),
                action: "account.role_changed",
                ip: None,
                details: serde_json::json!({ "role": role.as_str(), "via": "cli" }),
            })
            .await?;
            let updated = self.find_user(existing.id).await?.unwrap_or(existing);
            return Ok((updated, false));
        }
        Ok((
            self.create_user(email, password_hash, role, None).await?,
            true,
        ))
    }

    /// The role and whether the account is active, or `None` for no such account: what every
    /// authenticated request checks (through [`crate::auth::accounts::Accounts`]).
    ///
    /// # Errors
    /// The database did not answer, or the stored role is unknown.
    pub async fn account_status(&self, id: Uuid) -> Result<Option<(Role, bool)>, StoreError> {
        let row: Option<(String, bool)> = with_pool!(self, pool => {
            sqlx::query_as("select role, is_active from users where id = $1")
                .bind(id).fetch_optional(pool).await
        })?;
        row.map(|(role, active)| {
            Role::parse(&role)
                .map(|r| (r, active))
                .ok_or_else(|| StoreError::Corrupt(format!("role {role}")))
        })
        .transpose()
    }

    /// Activates or deactivates an account; deactivating also revokes its refresh-token
    /// families, in the same transaction. Returns `None` for an unknown id.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn set_active(
        &self,
        actor: Uuid,
        id: Uuid,
        active: bool,
    ) -> Result<Option<UserRow>, StoreError> {
        let now = crate::store::now();
        let action = if active {
            "account.activated"
        } else {
            "account.deactivated"
        };
        let changed = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("update users set is_active = $1, updated_at = $2 where id = $3")
                .bind(active).bind(now).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                if !active {
                    sqlx::query(REVOKE_FAMILIES)
                        .bind(now).bind("deactivated").bind(id).execute(&mut *tx).await?;
                }
                sqlx::query(INSERT_AUDIT)
                    .bind(now).bind(Some(actor)).bind(Some(id)).bind(action)
                    .bind(None::<String>)
                    .bind(Json(serde_json::json!({ "active": active })))
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            done.rows_affected() == 1
        });
        if changed {
            self.find_user(id).await
        } else {
            Ok(None)
        }
    }

    /// Changes a role and revokes the account's refresh-token families, in one transaction.
    /// Requests see the new role at once (they read the account's state); the revocation makes
    /// the account sign in again, so its next tokens carry the new role. Returns `None` for an
    /// unknown id.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn change_role(
        &self,
        actor: Uuid,
        id: Uuid,
        role: Role,
    ) -> Result<Option<UserRow>, StoreError> {
        let now = crate::store::now();
        let changed = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let done = sqlx::query("update users set role = $1, updated_at = $2 where id = $3")
                .bind(role.as_str()).bind(now).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                sqlx::query(REVOKE_FAMILIES)
                    .bind(now).bind("role_changed").bind(id).execute(&mut *tx).await?;
                sqlx::query(INSERT_AUDIT)
                    .bind(now).bind(Some(actor)).bind(Some(id)).bind("account.role_changed")
                    .bind(None::<String>)
                    .bind(Json(serde_json::json!({ "role": role.as_str() })))
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
            done.rows_affected() == 1
        });
        if changed {
            self.find_user(id).await
        } else {
            Ok(None)
        }
    }

    /// Demo accounts created before `cutoff`, oldest first, at most `limit` of them.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn demo_users_created_before(
        &self,
        cutoff: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Uuid>, StoreError> {
        let rows: Vec<(Uuid,)> = with_pool!(self, pool => sqlx::query_as(
            "select id from users where is_demo = true and created_at < $1 order by created_at limit $2")
            .bind(cutoff).bind(i64::from(limit)).fetch_all(pool).await)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// A page of accounts, oldest first, and the total count; with `email_contains`, only
    /// the accounts whose (lower-case) e-mail contains it, taken literally.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn list_users(
        &self,
        limit: u32,
        offset: u32,
        email_contains: Option<&str>,
    ) -> Result<(Vec<UserRow>, u64), StoreError> {
        // PostgreSQL text cannot hold a NUL (it would be an error, not a miss), and no stored
        // address has one: nothing to ask.
        if email_contains.is_some_and(|text| text.contains('\0')) {
            return Ok((Vec::new(), 0));
        }
        let pattern = email_contains.map_or_else(|| "%".to_owned(), like_containing);
        let (rows, total): (Vec<UserRow>, i64) = with_pool!(self, pool => {
            let rows = sqlx::query_as::<_, UserRow>(user_select!(
                "where email like $3 escape '\\' order by created_at, id limit $1 offset $2"))
                .bind(i64::from(limit)).bind(i64::from(offset)).bind(&pattern).fetch_all(pool).await?;
            let (total,): (i64,) = sqlx::query_as("select count(*) from users where email like $1 escape '\\'")
                .bind(&pattern).fetch_one(pool).await?;
            (rows, total)
        });
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    /// Deletes the account and every row it owns in one transaction, and records the
    /// deletion in the audit log (by id only). Returns false when the account did not exist.
    ///
    /// # Errors
    /// The database refused; nothing is deleted then.
    pub async fn delete_account(&self, id: Uuid, ip: Option<&str>) -> Result<bool, StoreError> {
        let now = crate::store::now();
        Ok(with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for statement in DELETE_OWNED {
                sqlx::query(statement).bind(id).execute(&mut *tx).await?;
            }
            let done = sqlx::query("delete from users where id = $1").bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                sqlx::query(INSERT_AUDIT)
                    .bind(now).bind(Some(id)).bind(Some(id)).bind("account.deleted").bind(ip)
                    .bind(Json(serde_json::json!({}))).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            done.rows_affected() == 1
        }))
    }

    /// How many rows of each owned table (and `users`) still refer to `id`.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn count_owned_rows(&self, id: Uuid) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut counts = Vec::new();
        for (table, statement) in COUNT_OWNED {
            let (n,): (i64,) =
                with_pool!(self, pool => sqlx::query_as(statement).bind(id).fetch_one(pool).await)?;
            counts.push((table, n));
        }
        Ok(counts)
    }
}
