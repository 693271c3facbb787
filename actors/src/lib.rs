//! Glidepath's actor system: per-user sessions supervising simulation, portfolio and alert
//! actors, market-data feed actors and the price hub that routes ticks to the sessions
//! holding a symbol.
//!
//! Actors hold long-lived, serialised, mutable state; socket I/O and HTTP stay in the server.
//! This crate may depend on `engine` and `protocol`, never on actix-web, sqlx or Redis (CI
//! checks the rule with `cargo tree`).
//!
//! # Layout
//! - [`market`]: ticks and their guard, the price hub, and the feeds (synthetic GBM, CSV
//!   replay).
//!
//! - [`live`]: per-user sessions supervising simulation, portfolio and alert actors, and the
//!   registry that finds or starts them.

pub mod live;
pub mod market;
