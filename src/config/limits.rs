//! How much one user may store.

use serde::Deserialize;

/// Per-user storage limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Goals one user may have; creating more is refused with 409.
    pub goals_per_user: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            goals_per_user: 100,
        }
    }
}
