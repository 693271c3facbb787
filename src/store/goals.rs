//! Goals. Every query is scoped to the owner: another user's goal is indistinguishable from
//! a missing one.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::{Db, StoreError, with_pool};

/// A goal as stored. Amounts are in cents.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GoalRow {
    /// The id.
    pub id: Uuid,
    /// The owner.
    pub user_id: Uuid,
    /// The name.
    pub name: String,
    /// Target in cents.
    pub target_amount_cents: i64,
    /// When it is needed.
    pub target_date: NaiveDate,
    /// 1 (highest) to 5.
    pub priority: i16,
    /// Snake-case status.
    pub status: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

macro_rules! goal_select {
    ($tail:literal) => {
        concat!(
            "select id, user_id, name, target_amount_cents, target_date, priority, status, \
             created_at, updated_at from goals ",
            $tail
        )
    };
}

impl Db {
    /// Inserts a goal unless its owner already has `max` goals. Returns false, inserting
    /// nothing, when they have.
    ///
    /// Race-free: the transaction first writes the owner's row (changing nothing), which on
    /// PostgreSQL locks that row and on SQLite takes the database's write lock, so concurrent
    /// inserts for one owner count one after the other.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn insert_goal_within(&self, goal: &GoalRow, max: u32) -> Result<bool, StoreError> {
        let inserted = with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("update users set updated_at = updated_at where id = $1")
                .bind(goal.user_id).execute(&mut *tx).await?;
            let inserted = sqlx::query(
                "insert into goals (id, user_id, name, target_amount_cents, target_date, priority, \
                 status, created_at, updated_at) \
                 select $1, $2, $3, $4, $5, $6, $7, $8, $9 \
                 where (select count(*) from goals where user_id = $2) < $10")
                .bind(goal.id)
                .bind(goal.user_id)
                .bind(&goal.name)
                .bind(goal.target_amount_cents)
                .bind(goal.target_date)
                .bind(goal.priority)
                .bind(&goal.status)
                .bind(goal.created_at)
                .bind(goal.updated_at)
                .bind(i64::from(max))
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            inserted
        });
        Ok(inserted == 1)
    }

    /// The owner's goal with this id.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn goal(&self, owner: Uuid, id: Uuid) -> Result<Option<GoalRow>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, GoalRow>(goal_select!("where id = $1 and user_id = $2"))
            .bind(id).bind(owner).fetch_optional(pool).await)?,
        )
    }

    /// A page of the owner's goals, oldest first, and the owner's total.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn list_goals(
        &self,
        owner: Uuid,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<GoalRow>, u64), StoreError> {
        let (rows, total): (Vec<GoalRow>, i64) = with_pool!(self, pool => {
            let rows = sqlx::query_as::<_, GoalRow>(
                goal_select!("where user_id = $1 order by created_at, id limit $2 offset $3"))
                .bind(owner).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
            let (total,): (i64,) = sqlx::query_as("select count(*) from goals where user_id = $1")
                .bind(owner).fetch_one(pool).await?;
            (rows, total)
        });
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }

    /// Replaces the mutable fields of the owner's goal. Returns false when there is no such goal.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn update_goal(&self, goal: &GoalRow) -> Result<bool, StoreError> {
        let done = with_pool!(self, pool => sqlx::query(
            "update goals set name = $1, target_amount_cents = $2, target_date = $3, priority = $4, \
             status = $5, updated_at = $6 where id = $7 and user_id = $8")
            .bind(&goal.name)
            .bind(goal.target_amount_cents)
            .bind(goal.target_date)
            .bind(goal.priority)
            .bind(&goal.status)
            .bind(goal.updated_at)
            .bind(goal.id)
            .bind(goal.user_id)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }

    /// Deletes the owner's goal. Returns false when there is no such goal.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn delete_goal(&self, owner: Uuid, id: Uuid) -> Result<bool, StoreError> {
        let done = with_pool!(self, pool => sqlx::query("delete from goals where id = $1 and user_id = $2")
            .bind(id).bind(owner).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(done == 1)
    }
}
