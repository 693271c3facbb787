//! Market data: the feed and the guard on its ticks.

use std::num::NonZeroU64;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::forms::{as_millis, millis, string_or_list};

/// Which market-data feed runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// Correlated geometric Brownian motion (the embedded default).
    Synthetic,
    /// Historical closes replayed from `market.replay_file`.
    Replay,
    /// An external WebSocket provider at `market.external_url` (JSON ticks).
    External,
    /// No feed: prices only from other sources.
    None,
}

/// Market data: the feed and the guard on its ticks.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketSettings {
    /// The feed.
    pub feed: FeedKind,
    /// Symbols of the synthetic feed.
    #[serde(deserialize_with = "string_or_list")]
    pub symbols: Vec<String>,
    /// Time between ticks of each symbol (`tick_interval_ms`).
    #[serde(rename = "tick_interval_ms", deserialize_with = "millis")]
    pub tick_interval: Duration,
    /// Synthetic: starting price of every symbol.
    pub initial_price: f64,
    /// Synthetic: annual drift.
    pub drift: f64,
    /// Synthetic: annual volatility.
    pub volatility: f64,
    /// Synthetic: pairwise correlation of returns.
    pub correlation: f64,
    /// Synthetic: market time per tick as a multiple of the interval.
    pub speedup: f64,
    /// Synthetic: fixes the price paths.
    pub seed: u64,
    /// Replay: the CSV file (`date,SYM,…`).
    pub replay_file: Option<PathBuf>,
    /// Replay: start again after the last row.
    pub replay_repeat: bool,
    /// External: the provider's `ws://` URL.
    pub external_url: Option<String>,
    /// Ticks moving a price by more than this factor at once (either way) are dropped.
    pub max_jump_ratio: f64,
    /// With Redis: how long the feed's lease lasts unless renewed (`lease_ms`). The
    /// node holding it runs the feed for every node; when it dies, another takes over
    /// within this time.
    #[serde(rename = "lease_ms", deserialize_with = "millis")]
    pub lease: Duration,
    /// With Redis: how often the holder renews the lease and the others try to take it, in
    /// `lease_renew_ms` (kept below half of the lease).
    #[serde(rename = "lease_renew_ms", deserialize_with = "millis")]
    pub lease_renew: Duration,
    /// With Redis: about how many batches the feed's stream keeps (`XADD MAXLEN ~`); a node
    /// cut off from Redis for longer than that many ticks misses the oldest of them.
    pub stream_max_len: NonZeroU64,
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self {
            feed: FeedKind::Synthetic,
            symbols: [
                "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK",
                "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
            ]
            .map(String::from)
            .to_vec(),
            tick_interval: Duration::from_secs(1),
            initial_price: 100.0,
            drift: 0.07,
            volatility: 0.25,
            correlation: 0.3,
            speedup: 1.0,
            seed: 1,
            replay_file: None,
            replay_repeat: true,
            external_url: None,
            max_jump_ratio: 1.5,
            lease: Duration::from_secs(5),
            lease_renew: Duration::from_secs(1),
            stream_max_len: const { NonZeroU64::new(10_000).expect("not zero") },
        }
    }
}

impl MarketSettings {
    /// Refuses intervals of zero, with which the feed would spin (they were once quietly
    /// raised to a millisecond; a zero is a mistake better named at start-up).
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_at_least("market.tick_interval_ms", as_millis(self.tick_interval), 1)?;
        // Renewals come at most every half lease, and must come at all.
        ConfigError::check_at_least("market.lease_ms", as_millis(self.lease), 2)?;
        ConfigError::check_at_least("market.lease_renew_ms", as_millis(self.lease_renew), 1)
    }
}
