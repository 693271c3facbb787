//! Demo accounts (`POST /auth/demo`).

use serde::Deserialize;

/// Demo accounts: `POST /auth/demo` makes a fresh demo client, or a demo advisor with three
/// demo clients, for each visitor; they are deleted once `lifetime_secs` old.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Whether `POST /auth/demo` makes demo accounts (404 otherwise). Unset: on with the
    /// embedded SQLite database, off whenever `database_url` is given, so a production
    /// deployment never grows demo accounts unless it says so.
    pub enabled: Option<bool>,
    /// Age in seconds at which a demo account is deleted with everything it owns.
    pub lifetime_secs: u64,
    /// How often expired demo accounts are looked for, in seconds.
    pub sweep_interval_secs: u64,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            enabled: None,
            lifetime_secs: 24 * 3600,
            sweep_interval_secs: 600,
        }
    }
}
