//! Login and registration throttling.

use serde::Deserialize;

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
    /// The first such delay in milliseconds; it doubles with every further attempt.
    pub login_delay_ms: u64,
    /// The longest delay in milliseconds.
    pub login_max_delay_ms: u64,
    /// Registrations per client IP per window.
    pub register_per_ip: u32,
    /// Demo worlds (`POST /auth/demo`) per client IP per window.
    pub demo_per_ip: u32,
    /// Window length in seconds.
    pub window_secs: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            login_per_account_ip: 5,
            login_per_ip: 30,
            login_slow_after: 10,
            login_delay_ms: 500,
            login_max_delay_ms: 10_000,
            register_per_ip: 10,
            demo_per_ip: 5,
            window_secs: 60,
        }
    }
}
