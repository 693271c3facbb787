//! Market-data feeds. Each is an actor that pushes [`super::Tick`]s to a recipient (the
//! price hub); they differ only in where prices come from.
//!
//! # Layout
//! - [`synthetic`]: correlated geometric Brownian motion, the embedded default.
//! - [`replay`]: historical closes from a CSV file, at a chosen speed.
//! - [`external`]: a client of an external WebSocket feed, with reconnects and an adapter per
//!   provider format.

pub mod external;
pub mod replay;
pub mod synthetic;

/// Stops a feed at once (the server's feed lease was lost: another node runs the feed now).
#[derive(Debug, Clone, Copy, actix::Message)]
#[rtype(result = "()")]
pub struct StopFeed;

/// Milliseconds since the Unix epoch, the timestamp every tick carries.
#[must_use]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
