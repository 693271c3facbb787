//! Live sessions (`actors::live`).

use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::forms::{as_millis, millis, secs};

/// Live sessions (`actors::live`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveConfig {
    /// Paths of each session's prepared simulation.
    pub paths: u32,
    /// Least time between two re-simulations of one session (`min_interval_ms`); ticks in
    /// between are folded into the next run (latest wins).
    #[serde(rename = "min_interval_ms", deserialize_with = "millis")]
    pub min_interval: Duration,
    /// How long a valuation waits after a tick for more (`batch_window_ms`). Feeds deliver a
    /// market move as one batch, which always makes one update; a window folds ticks that a
    /// provider sends one by one as well, at the cost of that much latency. Zero: off.
    #[serde(rename = "batch_window_ms", deserialize_with = "millis")]
    pub batch_window: Duration,
    /// A session nobody watches and with no alert rules stops after this long
    /// (`idle_timeout_secs`).
    #[serde(rename = "idle_timeout_secs", deserialize_with = "secs")]
    pub idle_timeout: Duration,
    /// Threads the sessions run on; the number of cores when unset. 0: no threads of their
    /// own: a session runs on the HTTP worker thread of the connection that starts it.
    pub threads: Option<usize>,
    /// Frames a connection may have waiting besides coalesced updates; beyond, and when a
    /// write has been pending for `stall_timeout`, the client is closed as too slow.
    pub outbound_queue: NonZeroUsize,
    /// How long one write to a client may stay pending before it is closed with 4008
    /// (`stall_timeout_ms`).
    #[serde(rename = "stall_timeout_ms", deserialize_with = "millis")]
    pub stall_timeout: Duration,
    /// Alerts kept per user: storing a new one deletes the oldest beyond this many, so a
    /// rule that keeps firing for years does not grow the table without bound.
    pub alerts_kept: NonZeroU32,
    /// With Redis (several nodes), a user's alert rules are evaluated by one node at a time,
    /// which holds a lease on them for this long (`rules_lease_ms`), renewed every
    /// `rules_renew`: when its node dies, another node's session of the user takes over
    /// within about this long.
    #[serde(rename = "rules_lease_ms", deserialize_with = "millis")]
    pub rules_lease: Duration,
    /// How often the holder renews its lease on a user's rules, and the other nodes'
    /// sessions try to take it (`rules_renew_ms`); less than `rules_lease`.
    #[serde(rename = "rules_renew_ms", deserialize_with = "millis")]
    pub rules_renew: Duration,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            paths: 1000,
            min_interval: Duration::from_millis(100),
            batch_window: Duration::ZERO,
            idle_timeout: Duration::from_secs(300),
            threads: None,
            outbound_queue: const { NonZeroUsize::new(64).expect("not zero") },
            stall_timeout: Duration::from_secs(10),
            alerts_kept: const { NonZeroU32::new(1000).expect("not zero") },
            rules_lease: Duration::from_secs(6),
            rules_renew: Duration::from_secs(2),
        }
    }
}

impl LiveConfig {
    /// Refuses values a session could not work with.
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        // A live plan with model extensions is prepared or re-run at this many paths, and the
        // engine runs extended plans up to MAX_EXTENDED_PATHS: a larger value would leave
        // every such session without an answer, so it is refused at start-up instead.
        ConfigError::check_range(
            "live.paths",
            u64::from(self.paths),
            1,
            engine::sim::extended::MAX_EXTENDED_PATHS as u64,
        )?;
        ConfigError::check_range(
            "live.idle_timeout_secs",
            self.idle_timeout.as_secs(),
            1,
            31_536_000,
        )?;
        ConfigError::check_range(
            "live.stall_timeout_ms",
            as_millis(self.stall_timeout),
            100,
            3_600_000,
        )?;
        ConfigError::check_range(
            "live.rules_lease_ms",
            as_millis(self.rules_lease),
            200,
            600_000,
        )?;
        ConfigError::check_range(
            "live.rules_renew_ms",
            as_millis(self.rules_renew),
            50,
            600_000,
        )?;
        // A holder renewing no more often than its lease lasts would lose it between two
        // renewals, and the nodes would take it from each other.
        if self.rules_renew >= self.rules_lease {
            return Err(ConfigError::Invalid {
                field: "live.rules_renew_ms",
                value: as_millis(self.rules_renew).to_string(),
                reason: format!(
                    "must be less than live.rules_lease_ms ({})",
                    as_millis(self.rules_lease)
                ),
            });
        }
        Ok(())
    }
}
