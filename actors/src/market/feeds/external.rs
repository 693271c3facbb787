//! A client for an external WebSocket price feed.
//!
//! It connects to a configured URL, turns each text message into ticks through a
//! [`TickAdapter`] (so supporting a provider's format is one adapter), and on any failure
//! reconnects with exponential backoff and full jitter (AWS architecture blog, "Exponential
//! Backoff and Jitter"), so that many servers restarting at once do not reconnect in step.
//!
//! The built-in [`JsonTicks`] adapter reads `{"symbol":"AAPL","price":187.3,"ts":1732780800000}`
//! (ts in Unix milliseconds, optional: the arrival time is used without it), or an array of such
//! objects.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Recipient, WrapFuture};
use futures_util::StreamExt;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

use super::{StopFeed, now_ms};
use crate::market::{Tick, Ticks};

/// Turns one text message of a provider into ticks.
pub trait TickAdapter: Send + Sync + 'static {
    /// The ticks in `text`.
    ///
    /// # Errors
    /// A message this adapter does not understand.
    fn parse(&self, text: &str, received_ms: i64) -> Result<Vec<Tick>, String>;
}

/// The documented JSON format (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonTicks;

#[derive(Deserialize)]
struct WireTick {
    symbol: String,
    price: f64,
    ts: Option<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(WireTick),
    Many(Vec<WireTick>),
}

impl TickAdapter for JsonTicks {
    fn parse(&self, text: &str, received_ms: i64) -> Result<Vec<Tick>, String> {
        let wire = match serde_json::from_str::<OneOrMany>(text).map_err(|e| e.to_string())? {
            OneOrMany::One(t) => vec![t],
            OneOrMany::Many(ts) => ts,
        };
        Ok(wire
            .into_iter()
            .map(|t| Tick {
                symbol: t.symbol.trim().to_uppercase(),
                price: t.price,
                ts_ms: t.ts.unwrap_or(received_ms),
            })
            .collect())
    }
}

/// Where to connect and how to back off.
#[derive(Debug, Clone)]
pub struct ExternalConfig {
    /// `ws://` URL of the provider.
    pub url: String,
    /// First wait after a failure.
    pub backoff_initial: Duration,
    /// Longest wait between attempts.
    pub backoff_max: Duration,
    /// Seeds the jitter (tests use it to be reproducible).
    pub jitter_seed: u64,
}

/// Counters of the client, shared with whoever reports feed status.
#[derive(Debug, Default)]
pub struct ExternalStatus {
    /// Whether a connection is open now.
    pub connected: AtomicBool,
    /// Connections made (the first one included).
    pub connections: AtomicU64,
    /// Messages the adapter could not read.
    pub unreadable: AtomicU64,
    /// Ticks forwarded.
    pub forwarded: AtomicU64,
}

/// The feed actor.
pub struct ExternalFeed {
    config: ExternalConfig,
    adapter: Arc<dyn TickAdapter>,
    target: Recipient<Ticks>,
    status: Arc<ExternalStatus>,
}

impl ExternalFeed {
    /// A client of `config.url` reading messages with `adapter`.
    #[must_use]
    pub fn new(
        config: ExternalConfig,
        adapter: Arc<dyn TickAdapter>,
        target: Recipient<Ticks>,
    ) -> Self {
        Self {
            config,
            adapter,
            target,
            status: Arc::default(),
        }
    }

    /// The client's counters.
    #[must_use]
    pub fn status(&self) -> Arc<ExternalStatus> {
        self.status.clone()
    }
}

/// One connection's life: read until it fails or closes.
async fn session(
    url: &str,
    adapter: &dyn TickAdapter,
    target: &Recipient<Ticks>,
    status: &ExternalStatus,
) -> Result<(), String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .map_err(|e| e.to_string())?;
    status.connected.store(true, Ordering::Relaxed);
    status.connections.fetch_add(1, Ordering::Relaxed);
    while let Some(message) = socket.next().await {
        match message.map_err(|e| e.to_string())? {
            Message::Text(text) => match adapter.parse(&text, now_ms()) {
                Ok(ticks) => {
                    status
                        .forwarded
                        .fetch_add(ticks.len() as u64, Ordering::Relaxed);
                    // One message is one batch: its ticks move a portfolio once.
                    target.do_send(Ticks(ticks));
                }
                Err(e) => {
                    status.unreadable.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(error = %e, "unreadable feed message");
                }
            },
            Message::Close(_) => break,
            _ => {}
        }
    }
    Ok(())
}

impl Actor for ExternalFeed {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let (config, adapter, target, status) = (
            self.config.clone(),
            self.adapter.clone(),
            self.target.clone(),
            self.status.clone(),
        );
        ctx.spawn(
            async move {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.jitter_seed);
                let mut backoff = config.backoff_initial;
                loop {
                    let outcome = session(&config.url, adapter.as_ref(), &target, &status).await;
                    let was_connected = status.connected.swap(false, Ordering::Relaxed);
                    if was_connected {
                        backoff = config.backoff_initial;
                    }
                    tracing::warn!(url = %config.url, ?outcome, "market feed disconnected; reconnecting");
                    // Full jitter: a uniform wait in [0, backoff].
                    let cap = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX).max(1);
                    tokio::time::sleep(Duration::from_millis(rng.random_range(0..=cap))).await;
                    backoff = (backoff * 2).min(config.backoff_max);
                }
            }
            .into_actor(self),
        );
    }
}

/// Stopping the actor drops its connection task (an actor's spawned futures end with it).
impl Handler<StopFeed> for ExternalFeed {
    type Result = ();

    fn handle(&mut self, _: StopFeed, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_adapter_reads_one_or_many_and_refuses_the_rest() {
        let one = JsonTicks
            .parse(r#"{"symbol":"aapl","price":187.5,"ts":5}"#, 9)
            .expect("one");
        assert_eq!(
            one,
            [Tick {
                symbol: "AAPL".into(),
                price: 187.5,
                ts_ms: 5
            }]
        );
        let many = JsonTicks
            .parse(r#"[{"symbol":"A","price":1},{"symbol":"B","price":2}]"#, 9)
            .expect("many");
        assert_eq!(many.len(), 2);
        assert_eq!(many[1].ts_ms, 9, "arrival time without ts");
        assert!(JsonTicks.parse("not json", 0).is_err());
        assert!(JsonTicks.parse(r#"{"price":1}"#, 0).is_err());
    }
}
