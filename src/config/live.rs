//! Live sessions (`actors::live`).

use serde::Deserialize;

/// Live sessions (`actors::live`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveConfig {
    /// Paths of each session's prepared simulation.
    pub paths: u32,
    /// Least time between two re-simulations of one session, in milliseconds; ticks in
    /// between are folded into the next run (latest wins).
    pub min_interval_ms: u64,
    /// How long a valuation waits after a tick for more, in milliseconds. Feeds deliver a
    /// market move as one batch, which always makes one update; a window folds ticks that a
    /// provider sends one by one as well, at the cost of that much latency. 0: off.
    pub batch_window_ms: u64,
    /// A session nobody watches and with no alert rules stops after this many seconds.
    pub idle_timeout_secs: u64,
    /// Threads the sessions run on; the number of cores when unset. 0: no threads of their
    /// own: a session runs on the HTTP worker thread of the connection that starts it.
    pub threads: Option<usize>,
    /// Frames a connection may have waiting besides coalesced updates; beyond, and when a
    /// write has been pending for `stall_timeout_ms`, the client is closed as too slow.
    pub outbound_queue: usize,
    /// How long one write to a client may stay pending before it is closed with 4008.
    pub stall_timeout_ms: u64,
    /// Alerts kept per user: storing a new one deletes the oldest beyond this many, so a
    /// rule that keeps firing for years does not grow the table without bound.
    pub alerts_kept: u32,
    /// With Redis (several nodes), a user's alert rules are evaluated by one node at a time,
    /// which holds a lease on them for this many milliseconds, renewed every
    /// `rules_renew_ms`: when its node dies, another node's session of the user takes over
    /// within about this long.
    pub rules_lease_ms: u64,
    /// How often the holder renews its lease on a user's rules, and the other nodes'
    /// sessions try to take it; less than `rules_lease_ms`.
    pub rules_renew_ms: u64,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            paths: 1000,
            min_interval_ms: 100,
            batch_window_ms: 0,
            idle_timeout_secs: 300,
            threads: None,
            outbound_queue: 64,
            stall_timeout_ms: 10_000,
            alerts_kept: 1000,
            rules_lease_ms: 6000,
            rules_renew_ms: 2000,
        }
    }
}
