//! The server's side of live sessions: the storage backend they load from and the registry
//! that runs them (see `actors::live` for the actor tree).
//!
//! # Layout
//! - [`backend`]: [`actors::live::backend::SessionBackend`] over the database.
//! - [`fanout`]: storage changes carried to the other nodes' sessions over Redis.
//! - [`connections`]: this node's WebSocket connections by user.
//! - [`rules_lease`]: which node evaluates a user's alert rules.

pub mod backend;
pub mod connections;
pub mod fanout;
pub mod rules_lease;

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr, Arbiter};
use actors::live::LiveSettings;
use actors::live::registry::SessionRegistry;

use crate::config::LiveConfig;
use crate::services::recommendations::Recommender;
use crate::store::Db;

/// The running session registry and the threads sessions run on.
#[derive(Clone)]
pub struct Live {
    /// Finds or starts sessions.
    pub registry: Addr<SessionRegistry>,
    /// Carries hook events to the other nodes, when Redis is configured.
    pub fanout: Option<fanout::Fanout>,
    /// This node's leases on users' rules, when Redis is configured.
    pub leases: Option<Arc<rules_lease::RulesLeases>>,
    // Held so the session threads live as long as the server.
    _arbiters: Arc<Vec<Arbiter>>,
}

/// How this node works with the others (Redis configured).
#[derive(Clone)]
pub struct Nodes {
    /// Carries hook events to them.
    pub fanout: fanout::Fanout,
    /// Decides which node evaluates each user's rules.
    pub leases: Arc<rules_lease::RulesLeases>,
}

/// Starts the registry and `config.threads` session threads (none: sessions run on the
/// HTTP worker thread of the connection that starts them), one node of several when `nodes`
/// is given.
#[must_use]
pub fn start(
    config: &LiveConfig,
    db: Db,
    hub: Addr<actors::market::PriceHub>,
    recommender: Recommender,
    metrics: actors::live::LiveMetrics,
    nodes: Option<Nodes>,
) -> Live {
    let threads = config
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get));
    let arbiters: Vec<Arbiter> = (0..threads).map(|_| Arbiter::new()).collect();
    let settings = LiveSettings {
        paths: config.paths.clamp(1, 100_000),
        min_interval: config.min_interval,
        batch_window: config.batch_window,
        idle_timeout: config.idle_timeout,
        state_timeout: Duration::from_secs(5),
        rules_renew: config.rules_renew,
        metrics,
    };
    let (fanout, leases) = match &nodes {
        Some(n) => (Some(n.fanout.clone()), Some(n.leases.clone())),
        None => (None, None),
    };
    let registry = SessionRegistry::new(
        Arc::new(
            backend::DbBackend::new(db, config.alerts_kept.get(), recommender).with_nodes(nodes),
        ),
        hub,
        settings,
        arbiters.iter().map(Arbiter::handle).collect(),
    )
    .start();
    Live {
        registry,
        fanout,
        leases,
        _arbiters: Arc::new(arbiters),
    }
}
