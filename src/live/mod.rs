//! The server's side of live sessions: the storage backend they load from and the registry
//! that runs them (see `actors::live` for the actor tree).
//!
//! # Layout
//! - [`backend`]: [`actors::live::backend::SessionBackend`] over the database.
//! - [`fanout`]: storage changes carried to the other nodes' sessions over Redis.
//! - [`connections`]: this node's WebSocket connections by user.

pub mod backend;
pub mod connections;
pub mod fanout;

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
    // Held so the session threads live as long as the server.
    _arbiters: Arc<Vec<Arbiter>>,
}

/// Starts the registry and `config.threads` session threads (none: sessions run on the
/// HTTP worker thread of the connection that starts them).
#[must_use]
pub fn start(
    config: &LiveConfig,
    db: Db,
    hub: Addr<actors::market::PriceHub>,
    recommender: Recommender,
    metrics: actors::live::LiveMetrics,
) -> Live {
    let threads = config
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, std::num::NonZero::get));
    let arbiters: Vec<Arbiter> = (0..threads).map(|_| Arbiter::new()).collect();
    let settings = LiveSettings {
        paths: config.paths.clamp(1, 100_000),
        min_interval: Duration::from_millis(config.min_interval_ms),
        batch_window: Duration::from_millis(config.batch_window_ms),
        idle_timeout: Duration::from_secs(config.idle_timeout_secs),
        state_timeout: Duration::from_secs(5),
        metrics,
    };
    let registry = SessionRegistry::new(
        Arc::new(backend::DbBackend::new(
            db,
            config.alerts_kept.max(1),
            recommender,
        )),
        hub,
        settings,
        arbiters.iter().map(Arbiter::handle).collect(),
    )
    .start();
    Live {
        registry,
        fanout: None,
        _arbiters: Arc::new(arbiters),
    }
}
