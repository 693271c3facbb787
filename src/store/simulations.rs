//! Stored plans and simulation results, always scoped to their owner.

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Db, StoreError, now, with_pool};

/// A stored simulation result.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResultRow {
    /// The id.
    pub id: Uuid,
    /// `monte_carlo` or `scenarios`.
    pub simulation_type: String,
    /// What was run.
    pub parameters: Json<serde_json::Value>,
    /// What it answered.
    pub results: Json<serde_json::Value>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A result to store.
#[derive(Debug, Clone)]
pub struct NewResult<'a> {
    /// The owner.
    pub user_id: Uuid,
    /// `monte_carlo` or `scenarios`.
    pub simulation_type: &'a str,
    /// What was run.
    pub parameters: serde_json::Value,
    /// What it answered.
    pub results: serde_json::Value,
    /// The headline number, for queries.
    pub success_probability: Option<f64>,
    /// The seed.
    pub seed: u64,
    /// The engine's version.
    pub engine_version: &'a str,
}

impl Db {
    /// The user's stored plan (the wire JSON).
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn plan(&self, user_id: Uuid) -> Result<Option<serde_json::Value>, StoreError> {
        let row: Option<(Json<serde_json::Value>,)> = with_pool!(self, pool => sqlx::query_as(
            "select plan from plans where user_id = $1").bind(user_id).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0.0))
    }

    /// Stores (replaces) the user's plan.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn save_plan(
        &self,
        user_id: Uuid,
        plan: &serde_json::Value,
    ) -> Result<(), StoreError> {
        let at = now();
        with_pool!(self, pool => sqlx::query(
            "insert into plans (user_id, plan, created_at, updated_at) values ($1, $2, $3, $3) \
             on conflict (user_id) do update set plan = excluded.plan, updated_at = excluded.updated_at")
            .bind(user_id).bind(Json(plan)).bind(at).execute(pool).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores a result and returns its id.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn insert_result(&self, result: NewResult<'_>) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        // Seeds are at most 2^53 - 1 (protocol::simulations::MAX_SEED), so they fit a BIGINT.
        let seed = i64::try_from(result.seed).unwrap_or(i64::MAX);
        with_pool!(self, pool => sqlx::query(
            "insert into simulation_results (id, user_id, simulation_type, parameters, results, \
             success_probability, seed, engine_version, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id)
            .bind(result.user_id)
            .bind(result.simulation_type)
            .bind(Json(&result.parameters))
            .bind(Json(&result.results))
            .bind(result.success_probability)
            .bind(seed)
            .bind(result.engine_version)
            .bind(now())
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// A page of the user's results, newest first, and their total.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn list_results(
        &self,
        user_id: Uuid,
        limit: u32,
        offset: u32,
    ) -> Result<(Vec<ResultRow>, u64), StoreError> {
        let (rows, total): (Vec<ResultRow>, i64) = with_pool!(self, pool => {
            let rows = sqlx::query_as::<_, ResultRow>(
                "select id, simulation_type, parameters, results, created_at from simulation_results \
                 where user_id = $1 order by created_at desc, id desc limit $2 offset $3")
                .bind(user_id).bind(i64::from(limit)).bind(i64::from(offset)).fetch_all(pool).await?;
            let (total,): (i64,) = sqlx::query_as("select count(*) from simulation_results where user_id = $1")
                .bind(user_id).fetch_one(pool).await?;
            (rows, total)
        });
        Ok((rows, u64::try_from(total).unwrap_or(0)))
    }
}
