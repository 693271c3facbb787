//! Starts the price hub and the configured feed: on this node alone, or with Redis shared
//! by every node ([`shared`]: one node runs the feed, all apply its batches in one order).
//!
//! # Layout
//! - [`lease`]: a lease in Redis, held by one node at a time.
//! - [`shared`]: the feed's lease, stream and last prices in Redis.

pub mod lease;
pub mod shared;

use std::sync::Arc;
use std::time::Duration;

use actix::{Actor, Addr, Recipient};
use actors::market::feeds::StopFeed;
use actors::market::feeds::external::{ExternalConfig, ExternalFeed, JsonTicks};
use actors::market::feeds::replay::{PriceTable, ReplayFeed};
use actors::market::feeds::synthetic::{SymbolSpec, SyntheticConfig, SyntheticFeed};
use actors::market::{PriceHub, Ticks};
use anyhow::Context;

use self::shared::{LastPublished, SharedFeed, SharedRedis, Timing};
use crate::config::{FeedKind, MarketSettings};

/// The running market-data actors.
#[derive(Clone)]
pub struct Market {
    /// The price hub.
    pub hub: Addr<PriceHub>,
    /// `synthetic`, `replay`, `external` or `none`.
    pub feed: &'static str,
    /// What the feed plays.
    pub description: String,
    /// The symbols the feed prices (for the external feed and `none`, which cannot say,
    /// `market.symbols`): what demo accounts hold.
    pub symbols: Vec<String>,
    /// With Redis: this node's part in the feed every node shares.
    pub shared: Option<Arc<SharedFeed>>,
    // Held so a feed of this node alone lives as long as the server.
    _feed: Option<RunningFeed>,
}

impl Market {
    /// With Redis, whether this node holds the feed's lease (runs the feed for every node);
    /// `None` without Redis or without a feed.
    #[must_use]
    pub fn holds_lease(&self) -> Option<bool> {
        self.shared.as_ref().map(|s| s.is_leader())
    }

    /// Stops sharing the feed (giving its lease up): part of stopping the server.
    pub async fn stop(&self) {
        if let Some(shared) = &self.shared {
            shared.stop().await;
        }
    }
}

/// A feed, ready to start (again, on a node that takes over a shared feed).
pub enum FeedPlan {
    /// Correlated GBM.
    Synthetic(SyntheticConfig),
    /// A CSV table.
    Replay {
        /// The table.
        table: PriceTable,
        /// One row per interval.
        interval: Duration,
        /// Start again after the last row.
        repeat: bool,
    },
    /// A provider's WebSocket.
    External(ExternalConfig),
}

/// A started feed actor.
#[derive(Clone)]
pub enum RunningFeed {
    /// See [`FeedPlan::Synthetic`].
    Synthetic(Addr<SyntheticFeed>),
    /// See [`FeedPlan::Replay`].
    Replay(Addr<ReplayFeed>),
    /// See [`FeedPlan::External`].
    External(Addr<ExternalFeed>),
}

impl RunningFeed {
    /// Stops the feed at once.
    pub fn stop(&self) {
        match self {
            Self::Synthetic(a) => a.do_send(StopFeed),
            Self::Replay(a) => a.do_send(StopFeed),
            Self::External(a) => a.do_send(StopFeed),
        }
    }
}

impl FeedPlan {
    /// Starts the feed sending to `target`, going on from `last` (what a previous holder of
    /// a shared feed published; empty otherwise): the synthetic walk from the last prices
    /// (with a seed varied by the last entry, so it does not repeat its first steps), the
    /// replay from the next row. For the replay, also the row it starts at and the rows.
    pub fn start(
        &self,
        target: Recipient<Ticks>,
        last: &LastPublished,
    ) -> (RunningFeed, Option<(usize, usize)>) {
        match self {
            Self::Synthetic(config) => {
                let mut config = config.clone();
                for spec in &mut config.symbols {
                    if let Some(price) = last.price(&spec.symbol) {
                        spec.initial_price = price;
                    }
                }
                config.seed ^= last.id_ms();
                let feed = SyntheticFeed::new(config, target).start();
                (RunningFeed::Synthetic(feed), None)
            }
            Self::Replay {
                table,
                interval,
                repeat,
            } => {
                let rows = table.rows.len();
                let row = last.row.filter(|r| *r < rows).unwrap_or(0);
                let feed = ReplayFeed::new(table.clone(), *interval, *repeat, target)
                    .starting_at(row)
                    .start();
                (RunningFeed::Replay(feed), Some((row, rows)))
            }
            Self::External(config) => {
                let feed = ExternalFeed::new(config.clone(), Arc::new(JsonTicks), target).start();
                (RunningFeed::External(feed), None)
            }
        }
    }
}

/// Starts the hub and the feed `settings` names: pushing into the hub, or with `redis`, run
/// by one node at a time and applied by all.
///
/// # Errors
/// A replay file that is missing or malformed (the message names the line).
pub fn start(settings: &MarketSettings, redis: Option<SharedRedis>) -> anyhow::Result<Market> {
    let hub = PriceHub::new(settings.max_jump_ratio).start();
    let interval = settings.tick_interval;
    let mut market = Market {
        hub: hub.clone(),
        feed: "none",
        description: "no feed".into(),
        symbols: settings
            .symbols
            .iter()
            .map(|s| s.trim().to_uppercase())
            .collect(),
        shared: None,
        _feed: None,
    };
    let plan = match settings.feed {
        FeedKind::None => return Ok(market),
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
            market.feed = "synthetic";
            FeedPlan::Synthetic(SyntheticConfig {
                symbols,
                correlation: settings.correlation,
                interval,
                speedup: settings.speedup,
                seed: settings.seed,
            })
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
            market.feed = "replay";
            FeedPlan::Replay {
                table,
                interval,
                repeat: settings.replay_repeat,
            }
        }
        FeedKind::External => {
            let url = settings
                .external_url
                .clone()
                .context("market.external_url is required for the external feed")?;
            market.description = format!("JSON ticks from {url}");
            market.feed = "external";
            FeedPlan::External(ExternalConfig {
                url,
                backoff_initial: Duration::from_millis(250),
                backoff_max: Duration::from_secs(30),
                jitter_seed: settings.seed,
            })
        }
    };
    match redis {
        None => {
            market._feed = Some(plan.start(hub.recipient(), &LastPublished::default()).0);
        }
        Some(redis) => {
            let lease = settings.lease;
            // Renewing at least twice per lease time leaves room for one late renewal.
            let renew = settings.lease_renew.min(lease / 2);
            let timing = Timing {
                lease,
                renew,
                max_len: settings.stream_max_len.get(),
            };
            market
                .description
                .push_str("; shared through Redis, run by one node");
            market.shared = Some(shared::start(market.feed, plan, hub, redis, timing));
        }
    }
    Ok(market)
}
