//! Refresh-token families and rotation.
//!
//! A family is one login. Each refresh marks the presented token used and adds its successor to
//! the family, in one transaction whose first statement is a conditional `update`: of any number
//! of concurrent refreshes with the same token exactly one sees `used_at is null`. Presenting a
//! used token again means a copy leaked, so the whole family is revoked (OAuth 2.0 Security BCP,
//! "refresh token rotation").

use chrono::{DateTime, Utc};
use protocol::auth::Audience;
use uuid::Uuid;

use super::{Db, StoreError, with_pool};

/// What happened to a presented refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The token was current; its successor is stored.
    Rotated {
        /// The token's owner.
        user_id: Uuid,
        /// The family (login) it belongs to.
        family_id: Uuid,
        /// The audience the family was issued for.
        audience: Audience,
    },
    /// No such token.
    Unknown,
    /// The token expired or its family was revoked.
    Dead,
    /// The token was used before: the family is now revoked.
    Reused {
        /// The owner, for the audit log.
        user_id: Uuid,
        /// The family that was revoked.
        family_id: Uuid,
    },
}

#[derive(sqlx::FromRow)]
struct TokenState {
    family_id: Uuid,
    user_id: Uuid,
    used_at: Option<DateTime<Utc>>,
}

impl Db {
    /// Starts a family with its first token.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn start_token_family(
        &self,
        user_id: Uuid,
        audience: Audience,
        token_hash: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<Uuid, StoreError> {
        let family_id = Uuid::new_v4();
        let now = crate::store::now();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("insert into refresh_token_families (id, user_id, audience, created_at) values ($1, $2, $3, $4)")
                .bind(family_id).bind(user_id).bind(audience.as_str()).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("insert into refresh_tokens (id, family_id, user_id, token_hash, expires_at, created_at) \
                         values ($1, $2, $3, $4, $5, $6)")
                .bind(Uuid::new_v4()).bind(family_id).bind(user_id).bind(token_hash).bind(expires_at).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(family_id)
    }

    /// Uses the token with `token_hash` and stores `next_hash` as its successor.
    ///
    /// # Errors
    /// The database refused; nothing changed then.
    pub async fn rotate_refresh_token(
        &self,
        token_hash: &str,
        next_hash: &str,
        next_expires_at: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        let now = crate::store::now();
        let claimed: Option<(Uuid, Uuid, String)> = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let claimed: Option<(Uuid, Uuid)> = sqlx::query_as(
                "update refresh_tokens set used_at = $1 \
                 where token_hash = $2 and used_at is null and expires_at > $1 \
                 and family_id in (select id from refresh_token_families where revoked_at is null) \
                 returning family_id, user_id")
                .bind(now).bind(token_hash).fetch_optional(&mut *tx).await?;
            let result = match claimed {
                Some((family_id, user_id)) => {
                    sqlx::query("insert into refresh_tokens (id, family_id, user_id, token_hash, expires_at, created_at) \
                                 values ($1, $2, $3, $4, $5, $6)")
                        .bind(Uuid::new_v4()).bind(family_id).bind(user_id).bind(next_hash)
                        .bind(next_expires_at).bind(now).execute(&mut *tx).await?;
                    let (audience,): (String,) = sqlx::query_as(
                        "select audience from refresh_token_families where id = $1")
                        .bind(family_id).fetch_one(&mut *tx).await?;
                    Some((family_id, user_id, audience))
                }
                None => None,
            };
            tx.commit().await?;
            result
        });
        if let Some((family_id, user_id, audience)) = claimed {
            let audience = Audience::parse(&audience)
                .ok_or_else(|| StoreError::Corrupt(format!("audience {audience}")))?;
            return Ok(Rotation::Rotated {
                user_id,
                family_id,
                audience,
            });
        }
        let state: Option<TokenState> = with_pool!(self, pool => sqlx::query_as(
            "select family_id, user_id, used_at from refresh_tokens where token_hash = $1")
            .bind(token_hash).fetch_optional(pool).await)?;
        match state {
            None => Ok(Rotation::Unknown),
            Some(TokenState {
                family_id,
                user_id,
                used_at: Some(_),
            }) => {
                self.revoke_family(family_id, "reuse_detected").await?;
                Ok(Rotation::Reused { user_id, family_id })
            }
            Some(_) => Ok(Rotation::Dead),
        }
    }

    /// Revokes a family (idempotent: the first reason is kept).
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn revoke_family(&self, family_id: Uuid, reason: &str) -> Result<(), StoreError> {
        with_pool!(self, pool => sqlx::query(
            "update refresh_token_families set revoked_at = $1, revoked_reason = $2 \
             where id = $3 and revoked_at is null")
            .bind(crate::store::now()).bind(reason).bind(family_id).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Revokes the family of the token with this hash; returns its owner if the token exists.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn revoke_family_of(
        &self,
        token_hash: &str,
        reason: &str,
    ) -> Result<Option<Uuid>, StoreError> {
        let found: Option<(Uuid, Uuid)> = with_pool!(self, pool => sqlx::query_as(
            "select family_id, user_id from refresh_tokens where token_hash = $1")
            .bind(token_hash).fetch_optional(pool).await)?;
        match found {
            Some((family_id, user_id)) => {
                self.revoke_family(family_id, reason).await?;
                Ok(Some(user_id))
            }
            None => Ok(None),
        }
    }
}
