//! Financial profiles: one optional row per user.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::users::UserRow;
use super::{Db, StoreError, with_pool};

/// A profile as stored. Income is in cents.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct ProfileRow {
    /// Gross annual income in cents.
    pub annual_income_cents: Option<i64>,
    /// Age in years, when given as an age.
    pub age: Option<i16>,
    /// Year of birth, when given.
    pub birth_year: Option<i16>,
    /// Snake-case risk tolerance.
    pub risk_tolerance: Option<String>,
    /// Snake-case investment experience.
    pub investment_experience: Option<String>,
    /// Last change; `None` when the user never saved a profile.
    pub updated_at: Option<DateTime<Utc>>,
}

/// An account and its profile, read together.
#[derive(sqlx::FromRow)]
struct AccountProfileRow {
    #[sqlx(flatten)]
    account: UserRow,
    annual_income_cents: Option<i64>,
    age: Option<i16>,
    birth_year: Option<i16>,
    risk_tolerance: Option<String>,
    investment_experience: Option<String>,
    profile_updated_at: Option<DateTime<Utc>>,
}

impl Db {
    /// The account and its profile (an empty one if never saved) in one query, or `None` for
    /// no such account: `GET /users/profile`, the most frequent read.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn account_and_profile(
        &self,
        user_id: Uuid,
    ) -> Result<Option<(UserRow, ProfileRow)>, StoreError> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, AccountProfileRow>(
            "select u.id, u.email, u.password_hash, u.role, u.is_active, u.created_at, u.updated_at, \
             u.last_login, u.is_demo, p.annual_income_cents, p.age, p.birth_year, p.risk_tolerance, \
             p.investment_experience, p.updated_at as profile_updated_at \
             from users u left join financial_profiles p on p.user_id = u.id where u.id = $1")
            .bind(user_id).fetch_optional(pool).await)?;
        Ok(row.map(|r| {
            (
                r.account,
                ProfileRow {
                    annual_income_cents: r.annual_income_cents,
                    age: r.age,
                    birth_year: r.birth_year,
                    risk_tolerance: r.risk_tolerance,
                    investment_experience: r.investment_experience,
                    updated_at: r.profile_updated_at,
                },
            )
        }))
    }

    /// The user's profile, or an empty one.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn profile(&self, user_id: Uuid) -> Result<ProfileRow, StoreError> {
        let row = with_pool!(self, pool => sqlx::query_as::<_, ProfileRow>(
            "select annual_income_cents, age, birth_year, risk_tolerance, investment_experience, updated_at \
             from financial_profiles where user_id = $1")
            .bind(user_id).fetch_optional(pool).await)?;
        Ok(row.unwrap_or_default())
    }

    /// Writes the whole profile (insert or replace).
    ///
    /// # Errors
    /// The database refused the write.
    pub async fn save_profile(&self, user_id: Uuid, p: &ProfileRow) -> Result<(), StoreError> {
        let now = crate::store::now();
        with_pool!(self, pool => sqlx::query(
            "insert into financial_profiles (id, user_id, annual_income_cents, age, birth_year, \
             risk_tolerance, investment_experience, created_at, updated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             on conflict (user_id) do update set annual_income_cents = excluded.annual_income_cents, \
             age = excluded.age, birth_year = excluded.birth_year, \
             risk_tolerance = excluded.risk_tolerance, \
             investment_experience = excluded.investment_experience, updated_at = excluded.updated_at")
            .bind(Uuid::new_v4())
            .bind(user_id)
            .bind(p.annual_income_cents)
            .bind(p.age)
            .bind(p.birth_year)
            .bind(p.risk_tolerance.as_deref())
            .bind(p.investment_experience.as_deref())
            .bind(now)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()))?;
        Ok(())
    }
}
