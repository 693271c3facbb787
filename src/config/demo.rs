//! Demo accounts (`POST /auth/demo`).

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::forms::secs;

/// Demo accounts: `POST /auth/demo` makes a fresh demo client, or a demo advisor with three
/// demo clients, for each visitor; they are deleted once `lifetime` old.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Whether `POST /auth/demo` makes demo accounts (404 otherwise). Unset: on with the
    /// embedded SQLite database, off whenever `database_url` is given, so a production
    /// deployment never grows demo accounts unless it says so.
    pub enabled: Option<bool>,
    /// Age at which a demo account is deleted with everything it owns (`lifetime_secs`).
    #[serde(rename = "lifetime_secs", deserialize_with = "secs")]
    pub lifetime: Duration,
    /// How often expired demo accounts are looked for (`sweep_interval_secs`).
    #[serde(rename = "sweep_interval_secs", deserialize_with = "secs")]
    pub sweep_interval: Duration,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            enabled: None,
            lifetime: Duration::from_secs(24 * 3600),
            sweep_interval: Duration::from_secs(600),
        }
    }
}

impl DemoSettings {
    /// Refuses a lifetime or a sweep interval out of range.
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_range("demo.lifetime_secs", self.lifetime.as_secs(), 1, 31_536_000)?;
        ConfigError::check_range(
            "demo.sweep_interval_secs",
            self.sweep_interval.as_secs(),
            1,
            86_400,
        )
    }
}
