//! What every request handler can reach, built once by [`crate::startup::Application::build`].

use std::sync::Arc;
use std::time::Instant;

use redis::aio::ConnectionManager;

use crate::auth::accounts::Accounts;
use crate::auth::jwt::TokenIssuer;
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::RateLimiter;
use crate::auth::verified::VerifiedTokens;
use crate::config::Settings;
use crate::http::forwarded::TrustedProxies;
use crate::site::Site;
use crate::store::Db;

/// Shared, cheaply clonable application state.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Access-token issuer.
    pub tokens: TokenIssuer,
    /// Access-token verification, with verified tokens remembered.
    pub verified: Arc<VerifiedTokens>,
    /// Account states, checked on every authenticated request.
    pub accounts: Arc<Accounts>,
    /// This node's WebSocket connections by user, to close those of an account that ends.
    pub connections: Arc<crate::live::connections::UserConnections>,
    /// Password hashing.
    pub passwords: PasswordHasher,
    /// Login and registration throttling.
    pub limiter: RateLimiter,
    /// Redis, when configured.
    pub redis: Option<ConnectionManager>,
    /// The settings the server started with.
    pub settings: Arc<Settings>,
    /// The origins and host names in force, with the port bound.
    pub site: Arc<Site>,
    /// The proxies whose `X-Forwarded-For` names the client (`http.trusted_proxies`).
    pub proxies: Arc<TrustedProxies>,
    /// When the server started, for uptime.
    pub started: Instant,
    /// The price hub and the feed.
    pub market: crate::market::Market,
    /// The live sessions.
    pub live: crate::live::Live,
    /// Caps simulations running at once, so a burst cannot take every core for long.
    pub simulation_slots: Arc<tokio::sync::Semaphore>,
    /// The success surrogate, loaded at start-up (`ml.model_path` or the built-in model).
    pub success_model: Arc<crate::ml::SuccessModel>,
    /// Caps optimisations, frontiers and back-tests running at once, for the same reason.
    pub solve_slots: Arc<tokio::sync::Semaphore>,
    /// What `/metrics` shows (this application's own registry).
    pub metrics: crate::telemetry::Metrics,
    /// Turns when the server begins to stop: WebSocket connections then close with 1001.
    pub stopping: crate::shutdown::StopHandle,
}
