//! Market data: ticks, their validation, the price hub and the feeds that push into it.
//!
//! # Layout
//! - [`tick`]: `Tick`, `Ticks` (a feed's batch) and the guard that drops bad prices.
//! - [`hub`]: the `PriceHub` actor: last price per symbol, routing to subscribers.
//! - [`feeds`]: synthetic GBM, CSV replay and external WebSocket feeds.

pub mod feeds;
pub mod hub;
pub mod tick;

pub use hub::PriceHub;
pub use tick::{Tick, TickGuard, Ticks};
