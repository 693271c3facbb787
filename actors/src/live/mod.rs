//! Live sessions: one [`session::UserSession`] per active user, supervising a simulation, a
//! portfolio, an alert and a recommendation actor, and streaming the plan's state to every
//! subscriber (the user's tabs and their advisors).
//!
//! ```text
//!            SessionRegistry ── starts / finds ──▶ UserSession (one per user, supervising)
//!  PriceHub ──ticks──▶ PortfolioActor ─valuation─▶ SimulationActor ─answer─▶ UserSession
//!                         └─ticks─▶ AlertActor ◀─states─┘          subscribers ◀─┘
//!                                       └─top one?─▶ RecommendationActor ◀─states─┘
//! ```
//!
//! A tick reaches only the portfolios holding its symbol; the portfolio revalues and sends
//! the valuation to the simulation actor (and the ticks to the alert actor while the user
//! has rules), as the session's [`portfolio::Route`] says. The simulation actor coalesces
//! (latest wins, at most one run per minimum interval), answers from its prepared simulation
//! without drawing and hands the answer with its valuation to the session, which numbers the
//! new state and sends it to its subscribers and to the alert actor. The session stays off
//! the path between a tick and its answer: one mailbox hop fewer per tick and session.
//!
//! While the user has `success_below` rules, each new state also goes to the recommendation
//! actor, which has recommendations computed when the success crosses a threshold (either
//! way) and hands them to the session to push; an alert that fires on such a rule asks it
//! for the top one first, so the alert carries it.
//!
//! # Layout
//! - [`backend`]: what sessions load and store, implemented by the server over its database.
//! - [`events`]: what subscribers receive.
//! - [`explain`]: what a session keeps to say why its success moved (references, history).
//! - [`plan`]: the plan a session simulates, with its model extensions and how they are
//!   answered (incrementally, or simulated again per tick).
//! - [`registry`]: finds or starts a user's session; the front door for the server.
//! - [`session`]: the per-user supervisor and router.
//! - [`simulation`], [`portfolio`], [`alerts`], [`recommendations`]: the four children.
//! - [`supervision`]: how a session learns that a child died, so it can restart it.

pub mod alerts;
pub mod backend;
pub mod events;
pub mod explain;
pub mod plan;
pub mod portfolio;
pub mod recommendations;
pub mod registry;
pub mod session;
pub mod simulation;
pub mod supervision;

use std::time::Duration;

/// How sessions behave.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    /// Paths of each session's prepared simulation.
    pub paths: u32,
    /// Least time between two re-simulations of one session; ticks in between are folded
    /// into the next (latest wins).
    pub min_interval: Duration,
    /// How long a valuation waits after a tick for more. A feed's batch (one market move)
    /// always makes one valuation; a window also folds ticks a provider sends one by one,
    /// at the cost of that much latency. Zero: value at once.
    pub batch_window: Duration,
    /// A session with no subscribers and no alert rules stops after this long.
    pub idle_timeout: Duration,
    /// How long a request for a session's state waits for its first simulation.
    pub state_timeout: Duration,
    /// How often an alert actor claims (or renews) the evaluation of its user's rules when
    /// the backend shares them between nodes ([`backend::SessionBackend::rules_shared`]).
    pub rules_renew: Duration,
    /// Where sessions report what `/metrics` shows.
    pub metrics: LiveMetrics,
}

/// Metric handles the server passes in (none by default). Handles rather than a global
/// registry: test servers in one process each count their own.
#[derive(Debug, Clone, Default)]
pub struct LiveMetrics {
    /// Seconds each run of a plan simulated again at each tick takes (its simulation on the
    /// blocking pool, not the wait for a slot).
    pub resimulation_seconds: Option<prometheus::Histogram>,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            paths: 1000,
            min_interval: Duration::from_millis(100),
            batch_window: Duration::ZERO,
            idle_timeout: Duration::from_secs(300),
            state_timeout: Duration::from_secs(5),
            rules_renew: Duration::from_secs(1),
            metrics: LiveMetrics::default(),
        }
    }
}

/// Milliseconds since the Unix epoch.
#[must_use]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
