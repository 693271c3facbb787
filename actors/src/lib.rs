//! Glidepath's actor system: per-user sessions supervising simulation, portfolio and alert
//! actors, market-data feed actors and the price hub that routes ticks to the sessions
//! holding a symbol.
//!
//! Actors hold long-lived, serialised, mutable state; socket I/O and HTTP stay in the server.
//! This crate may depend on `engine` and `protocol`, never on actix-web, sqlx or Redis (CI
//! checks the rule with `cargo tree`).
//!
//! # Layout
//! Filled in by the real-time issue: `session/`, `simulation/`, `portfolio/`, `alerts/`,
//! `feeds/` (synthetic, replay, external WebSocket) and `hub/`.
