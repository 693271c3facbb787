//! Answers to the risk tolerance questionnaire: one row per user, replaced when it is taken
//! again.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Db, StoreError, now, with_pool};

/// Stored answers.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RiskAnswersRow {
    /// The instrument answered.
    pub instrument: String,
    /// Item id → 1-based option.
    pub answers: Json<BTreeMap<String, i64>>,
    /// Their score.
    pub score: i16,
    /// The first time the user answered.
    pub first_taken_at: DateTime<Utc>,
    /// When these answers were given.
    pub taken_at: DateTime<Utc>,
}

impl Db {
    /// The user's answers, if any.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn risk_answers(&self, user_id: Uuid) -> Result<Option<RiskAnswersRow>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, RiskAnswersRow>(
            "select instrument, answers, score, first_taken_at, taken_at from risk_answers \
             where user_id = $1")
            .bind(user_id).fetch_optional(pool).await)?,
        )
    }

    /// Stores (replaces) the user's answers, keeping the first time they were given, and
    /// returns the row as stored.
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn save_risk_answers(
        &self,
        user_id: Uuid,
        instrument: &str,
        answers: &BTreeMap<String, i64>,
        score: i16,
    ) -> Result<RiskAnswersRow, StoreError> {
        let taken_at = now();
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, RiskAnswersRow>(
            "insert into risk_answers (user_id, instrument, answers, score, first_taken_at, taken_at) \
             values ($1, $2, $3, $4, $5, $5) \
             on conflict (user_id) do update set instrument = excluded.instrument, \
             answers = excluded.answers, score = excluded.score, taken_at = excluded.taken_at \
             returning instrument, answers, score, first_taken_at, taken_at")
            .bind(user_id)
            .bind(instrument)
            .bind(Json(answers))
            .bind(score)
            .bind(taken_at)
            .fetch_one(pool)
            .await)?,
        )
    }
}
