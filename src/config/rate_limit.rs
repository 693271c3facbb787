//! Login and registration throttling.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::forms::{as_millis, millis, secs};

/// Fixed-window limits on login and registration attempts (the policy is in the README's
/// security notes).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Failed logins to one account from one client IP per window; further attempts from that
    /// address get 429. A successful login clears the count.
    pub login_per_account_ip: u32,
    /// Login attempts per client IP per window, whatever the account; further ones get 429.
    pub login_per_ip: u32,
    /// Login attempts per account, from all addresses, per window before each further one is
    /// delayed (never refused, so nobody can lock the owner out).
    pub login_slow_after: u32,
    /// The first such delay (`login_delay_ms`); it doubles with every further attempt.
    #[serde(rename = "login_delay_ms", deserialize_with = "millis")]
    pub login_delay: Duration,
    /// The longest delay (`login_max_delay_ms`).
    #[serde(rename = "login_max_delay_ms", deserialize_with = "millis")]
    pub login_max_delay: Duration,
    /// Registrations per client IP per window.
    pub register_per_ip: u32,
    /// Demo worlds (`POST /auth/demo`) per client IP per window.
    pub demo_per_ip: u32,
    /// Window length (`window_secs`).
    #[serde(rename = "window_secs", deserialize_with = "secs")]
    pub window: Duration,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            login_per_account_ip: 5,
            login_per_ip: 30,
            login_slow_after: 10,
            login_delay: Duration::from_millis(500),
            login_max_delay: Duration::from_secs(10),
            register_per_ip: 10,
            demo_per_ip: 5,
            window: Duration::from_secs(60),
        }
    }
}

impl RateLimitSettings {
    /// Refuses a window or a delay out of range.
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_range("rate_limit.window_secs", self.window.as_secs(), 1, 86_400)?;
        ConfigError::check_range(
            "rate_limit.login_delay_ms",
            as_millis(self.login_delay),
            0,
            600_000,
        )?;
        ConfigError::check_range(
            "rate_limit.login_max_delay_ms",
            as_millis(self.login_max_delay),
            0,
            600_000,
        )
    }
}
