//! The database pool.

use std::num::NonZeroU32;
use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::forms::secs;

/// Database pool sizing.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Upper bound of open connections.
    pub max_connections: NonZeroU32,
    /// Connections kept open when idle (SQLite; a PostgreSQL pool keeps `max_connections`).
    pub min_connections: u32,
    /// How long to wait for a free connection before failing the request
    /// (`acquire_timeout_secs`).
    #[serde(rename = "acquire_timeout_secs", deserialize_with = "secs")]
    pub acquire_timeout: Duration,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            max_connections: const { NonZeroU32::new(10).expect("not zero") },
            min_connections: 1,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}

impl DatabaseSettings {
    /// Refuses an acquire timeout out of range.
    ///
    /// # Errors
    /// That value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_range(
            "database.acquire_timeout_secs",
            self.acquire_timeout.as_secs(),
            1,
            3_600,
        )
    }
}
