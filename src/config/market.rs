//! Market data: the feed and the guard on its ticks.

use std::path::PathBuf;

use serde::Deserialize;

use super::forms::string_or_list;

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
    /// Time between ticks of each symbol.
    pub tick_interval_ms: u64,
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
    /// With Redis: how long the feed's lease lasts unless renewed, in milliseconds. The
    /// node holding it runs the feed for every node; when it dies, another takes over
    /// within this time.
    pub lease_ms: u64,
    /// With Redis: how often the holder renews the lease and the others try to take it, in
    /// milliseconds (kept below half of `lease_ms`).
    pub lease_renew_ms: u64,
    /// With Redis: about how many batches the feed's stream keeps (`XADD MAXLEN ~`); a node
    /// cut off from Redis for longer than that many ticks misses the oldest of them.
    pub stream_max_len: u64,
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
            tick_interval_ms: 1000,
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
            lease_ms: 5000,
            lease_renew_ms: 1000,
            stream_max_len: 10_000,
        }
    }
}
