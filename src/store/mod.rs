//! Persistence: one [`Db`] over a SQLite or a PostgreSQL pool, chosen by the URL scheme.
//!
//! Both dialects share one set of queries. The schema uses only types sqlx maps the same way on
//! both sides (UUID ↔ BLOB, BIGINT cents, TIMESTAMPTZ ↔ RFC 3339 TEXT, JSONB ↔ TEXT), every
//! placeholder is `$N`, and [`with_pool!`] expands a query once per backend so each copy is
//! type-checked against its own driver. `sqlx::Any` was rejected: it cannot carry UUIDs.
//!
//! # Layout
//! - [`users`]: accounts, roles and account deletion.
//! - [`profiles`]: financial profiles.
//! - [`goals`]: goals, always scoped to their owner.
//! - [`simulations`]: stored plans and simulation results.
//! - [`holdings`]: holdings (quantities in millionths of a share).
//! - [`prices`]: daily closes per symbol and source.
//! - [`valuations`]: daily portfolio valuations and the cash flows of holding changes.
//! - [`grants`]: advisors' access to clients' plans.
//! - [`proposals`]: advisors' proposed changes to clients' plans and the answers.
//! - [`recommendations`]: verified changes recommended to a user, and their answers.
//! - [`risk`]: answers to the risk tolerance questionnaire.
//! - [`alert_rules`], [`alerts`]: what the live sessions watch and what they raised.
//! - [`tokens`]: refresh-token families and rotation.
//! - [`audit`]: the append-only audit log.

pub mod alert_rules;
pub mod alerts;
pub mod audit;
pub mod goals;
pub mod grants;
pub mod holdings;
pub mod prices;
pub mod profiles;
pub mod proposals;
pub mod recommendations;
pub mod risk;
pub mod simulations;
pub mod tokens;
pub mod users;
pub mod valuations;

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use crate::config::DatabaseSettings;

/// Expands `$body` once per backend with `$pool` bound to the typed pool.
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite($pool) => $body,
            $crate::store::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use with_pool;

/// The current time at the precision both databases keep (microseconds), so a value
/// returned before a write equals the value read back after it.
#[must_use]
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound;
    chrono::Utc::now().trunc_subsecs(6)
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; carries the constraint's column hint.
    #[error("unique constraint violated: {0}")]
    Conflict(String),
    /// Anything else the database reported.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// Stored data the server cannot interpret (a value outside its enum).
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

/// Turns a unique violation into [`StoreError::Conflict`].
pub(crate) fn on_unique(err: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &err
        && db.is_unique_violation()
    {
        return StoreError::Conflict(db.constraint().unwrap_or("unique").to_owned());
    }
    StoreError::Database(err)
}

/// The database, whichever backend it is.
#[derive(Debug, Clone)]
pub enum Db {
    /// The embedded default.
    Sqlite(SqlitePool),
    /// Production.
    Postgres(PgPool),
}

/// Pool occupancy, for health and metrics.
#[derive(Debug, Clone, Copy)]
pub struct PoolState {
    /// Open connections.
    pub size: u32,
    /// Idle connections.
    pub idle: u32,
    /// Upper bound.
    pub max: u32,
}

impl Db {
    /// Connects to `url`, creating the SQLite file if needed. Does not migrate.
    ///
    /// # Errors
    /// An unsupported scheme, a malformed URL, or a database that does not answer.
    pub async fn connect(url: &str, settings: &DatabaseSettings) -> Result<Self, sqlx::Error> {
        let acquire = settings.acquire_timeout;
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            // Every connection is opened here, on the main runtime, and kept: a connection's
            // socket belongs to the runtime that opened it, and each HTTP worker has a runtime
            // of its own that ends as soon as that worker has drained its connections at a
            // graceful stop. A connection a worker had opened then failed (or hung) in the
            // middle of another worker's request: a 500 or a timeout in a rolling restart,
            // seen in tests/cluster. Held open, with no idle timeout, connections are only
            // replaced after an error (the pool's lifetime reaper replaces them from the main
            // runtime too).
            let pool = PgPoolOptions::new()
                .max_connections(settings.max_connections.get())
                .min_connections(settings.max_connections.get())
                .idle_timeout(None)
                .acquire_timeout(acquire)
                .connect_with(options)
                .await?;
            Ok(Self::Postgres(pool))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .foreign_keys(true)
                // WAL lets readers proceed during a write; NORMAL is durable across crashes of
                // the process (not of the OS), the usual trade-off for WAL.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5));
            let pool = SqlitePoolOptions::new()
                .max_connections(settings.max_connections.get())
                .min_connections(settings.min_connections.max(1))
                .acquire_timeout(acquire)
                .connect_with(options)
                .await?;
            Ok(Self::Sqlite(pool))
        } else {
            Err(sqlx::Error::Configuration(
                "DATABASE_URL must start with sqlite:, postgres:// or postgresql://".into(),
            ))
        }
    }

    /// Applies the migrations of this backend (embedded in the binary).
    ///
    /// # Errors
    /// A migration that fails or a history that does not match the embedded one.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self {
            Self::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await,
            Self::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await,
        }
    }

    /// `sqlite` or `postgres`.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    /// Round-trips `SELECT 1` and reports how long it took.
    ///
    /// # Errors
    /// The database did not answer.
    pub async fn ping(&self) -> Result<Duration, sqlx::Error> {
        let start = Instant::now();
        with_pool!(self, pool => sqlx::query("select 1").execute(pool).await.map(|_| ()))?;
        Ok(start.elapsed())
    }

    /// Current pool occupancy.
    #[must_use]
    pub fn pool_state(&self) -> PoolState {
        with_pool!(self, pool => PoolState {
            size: pool.size(),
            idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
            max: pool.options().get_max_connections(),
        })
    }

    /// Whether [`Db::close`] was called (the server stopped).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        with_pool!(self, pool => pool.is_closed())
    }

    /// Closes every connection; used at shutdown.
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await);
    }
}
