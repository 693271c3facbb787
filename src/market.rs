//! Starts the price hub and the configured feed.

use std::time::Duration;

use actix::{Actor, Addr};
use actors::market::PriceHub;
use actors::market::feeds::external::{ExternalConfig, ExternalFeed, JsonTicks};
use actors::market::feeds::replay::{PriceTable, ReplayFeed};
use actors::market::feeds::synthetic::{SymbolSpec, SyntheticConfig, SyntheticFeed};
use anyhow::Context;

use crate::config::{FeedKind, MarketSettings};

/// The running market-data actors.
#[derive(Clone)]
pub struct Market {
    /// The price hub.
    pub hub: Addr<PriceHub>,
    /// `synthetic`, `replay` or `none`.
    pub feed: &'static str,
    /// What the feed plays.
    pub description: String,
    /// The symbols the feed prices (for the external feed and `none`, which cannot say,
    /// `market.symbols`): what demo accounts hold.
    pub symbols: Vec<String>,
    // Held so the feed lives as long as the server.
    _synthetic: Option<Addr<SyntheticFeed>>,
    _replay: Option<Addr<ReplayFeed>>,
    _external: Option<Addr<ExternalFeed>>,
}

/// Starts the hub and the feed `settings` names.
///
/// # Errors
/// A replay file that is missing or malformed (the message names the line).
pub fn start(settings: &MarketSettings) -> anyhow::Result<Market> {
    let hub = PriceHub::new(settings.max_jump_ratio).start();
    let interval = Duration::from_millis(settings.tick_interval_ms.max(1));
    let mut market = Market {
        hub: hub.clone(),
        feed: "none",
        description: "no feed".into(),
        symbols: settings
            .symbols
            .iter()
            .map(|s| s.trim().to_uppercase())
            .collect(),
        _synthetic: None,
        _replay: None,
        _external: None,
    };
    match settings.feed {
        FeedKind::None => {}
        FeedKind::Synthetic => {
            let symbols: Vec<SymbolSpec> = settings
                .symbols
                .iter()
                .map(|s| SymbolSpec {
                    symbol: s.trim().to_uppercase(),
                    initial_price: settings.initial_price,
                    drift: settings.drift,
                    volatility: settings.volatility,
                })
                .collect();
            market.description = format!(
                "{} symbols every {} ms",
                symbols.len(),
                interval.as_millis()
            );
            let config = SyntheticConfig {
                symbols,
                correlation: settings.correlation,
                interval,
                speedup: settings.speedup,
                seed: settings.seed,
            };
            market._synthetic = Some(SyntheticFeed::new(config, hub.recipient()).start());
            market.feed = "synthetic";
        }
        FeedKind::Replay => {
            let path = settings
                .replay_file
                .as_ref()
                .context("market.replay_file is required for the replay feed")?;
            let table = PriceTable::load(path)?;
            market.symbols.clone_from(&table.symbols);
            market.description = format!(
                "{} ({} symbols, {} days) one day every {} ms",
                path.display(),
                table.symbols.len(),
                table.rows.len(),
                interval.as_millis()
            );
            market._replay = Some(
                ReplayFeed::new(table, interval, settings.replay_repeat, hub.recipient()).start(),
            );
            market.feed = "replay";
        }
        FeedKind::External => {
            let url = settings
                .external_url
                .clone()
                .context("market.external_url is required for the external feed")?;
            market.description = format!("JSON ticks from {url}");
            let config = ExternalConfig {
                url,
                backoff_initial: Duration::from_millis(250),
                backoff_max: Duration::from_secs(30),
                jitter_seed: settings.seed,
            };
            market._external = Some(
                ExternalFeed::new(config, std::sync::Arc::new(JsonTicks), hub.recipient()).start(),
            );
            market.feed = "external";
        }
    }
    Ok(market)
}
