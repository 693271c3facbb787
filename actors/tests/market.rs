//! Feeds → hub → subscribers, with real actors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::{Actor, Context, Handler};
use actors::market::feeds::replay::{PriceTable, ReplayFeed};
use actors::market::feeds::synthetic::{SymbolSpec, SyntheticConfig, SyntheticFeed};
use actors::market::hub::{GetHubStats, GetQuotes, PriceMove, PriceUpdate, Subscribe, Unsubscribe};
use actors::market::{PriceHub, Tick, Ticks};

/// Every update a subscriber got, and how many messages brought them.
#[derive(Default, Clone)]
struct Collector(Arc<Mutex<Vec<PriceUpdate>>>, Arc<Mutex<usize>>);

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<PriceMove> for Collector {
    type Result = ();
    fn handle(&mut self, msg: PriceMove, _: &mut Context<Self>) {
        *self.1.lock().unwrap() += 1;
        self.0.lock().unwrap().extend(msg.updates().cloned());
    }
}

/// Polls `condition` every 20 ms for up to 2 s; actors deliver asynchronously.
async fn eventually(mut condition: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if condition().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

#[actix::test]
async fn the_hub_routes_only_held_symbols_and_drops_bad_ticks() {
    let hub = PriceHub::new(2.0).start();
    let (aapl_holder, msft_holder) = (Collector::default(), Collector::default());
    let a = aapl_holder.clone().start();
    let m = msft_holder.clone().start();
    hub.send(Subscribe {
        subscriber: 1,
        symbols: vec!["AAPL".into()],
        recipient: a.recipient(),
    })
    .await
    .unwrap();
    hub.send(Subscribe {
        subscriber: 2,
        symbols: vec!["MSFT".into()],
        recipient: m.recipient(),
    })
    .await
    .unwrap();
    for (symbol, price) in [
        ("AAPL", 100.0),
        ("MSFT", 300.0),
        ("AAPL", 101.0),
        ("AAPL", -5.0),
        ("AAPL", 500.0),
        ("AAPL", f64::NAN),
    ] {
        hub.send(Tick {
            symbol: symbol.into(),
            price,
            ts_ms: 1,
        })
        .await
        .unwrap();
    }
    settle().await;
    let got: Vec<f64> = aapl_holder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|u| u.price)
        .collect();
    assert_eq!(
        got,
        [100.0, 101.0],
        "bad prices and absurd jumps never reach subscribers"
    );
    assert!(
        msft_holder
            .0
            .lock()
            .unwrap()
            .iter()
            .all(|u| u.symbol == "MSFT")
    );
    let stats = hub.send(GetHubStats).await.unwrap();
    assert_eq!(
        (stats.accepted, stats.rejected, stats.subscribers),
        (3, 3, 2)
    );
    let quotes = hub
        .send(GetQuotes {
            symbols: vec!["AAPL".into(), "NOPE".into()],
        })
        .await
        .unwrap();
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0].1.price, 101.0);

    // A late subscriber gets the current quote at once; an unsubscribed one gets nothing more.
    let late = Collector::default();
    hub.send(Subscribe {
        subscriber: 3,
        symbols: vec!["AAPL".into()],
        recipient: late.clone().start().recipient(),
    })
    .await
    .unwrap();
    hub.send(Unsubscribe { subscriber: 1 }).await.unwrap();
    hub.send(Tick {
        symbol: "AAPL".into(),
        price: 102.0,
        ts_ms: 2,
    })
    .await
    .unwrap();
    settle().await;
    let late_prices: Vec<f64> = late.0.lock().unwrap().iter().map(|u| u.price).collect();
    assert_eq!(late_prices, [101.0, 102.0]);
    assert_eq!(aapl_holder.0.lock().unwrap().len(), 2);
}

#[actix::test]
async fn a_batch_reaches_each_subscriber_as_one_message_with_only_its_symbols() {
    let hub = PriceHub::new(2.0).start();
    let holder = Collector::default();
    hub.send(Subscribe {
        subscriber: 1,
        symbols: vec!["A".into(), "C".into()],
        recipient: holder.clone().start().recipient(),
    })
    .await
    .unwrap();
    let tick = |symbol: &str, price: f64| Tick {
        symbol: symbol.into(),
        price,
        ts_ms: 7,
    };
    hub.send(Ticks(vec![
        tick("A", 10.0),
        tick("B", 20.0),
        tick("C", -1.0),
        tick("C", 30.0),
    ]))
    .await
    .unwrap();
    hub.send(Ticks(vec![tick("B", 21.0)])).await.unwrap();
    settle().await;
    let got: Vec<(String, f64)> = holder
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|u| (u.symbol.clone(), u.price))
        .collect();
    assert_eq!(got, [("A".to_string(), 10.0), ("C".to_string(), 30.0)]);
    assert_eq!(
        *holder.1.lock().unwrap(),
        1,
        "one message per batch, none for a batch of symbols it does not hold"
    );
    let stats = hub.send(GetHubStats).await.unwrap();
    assert_eq!((stats.accepted, stats.rejected), (4, 1));
}

#[actix::test]
async fn a_replay_of_the_bundled_csv_reaches_a_subscriber_in_order() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/sp500_prices.csv");
    let mut table = PriceTable::load(std::path::Path::new(path)).unwrap();
    table.rows.truncate(30);
    let expected: Vec<f64> = table.rows.iter().map(|r| r[0]).collect();
    let hub = PriceHub::new(3.0).start();
    let holder = Collector::default();
    hub.send(Subscribe {
        subscriber: 1,
        symbols: vec!["AAPL".into()],
        recipient: holder.clone().start().recipient(),
    })
    .await
    .unwrap();
    ReplayFeed::new(
        table,
        Duration::from_millis(2),
        false,
        hub.clone().recipient(),
    )
    .start();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let got: Vec<f64> = holder.0.lock().unwrap().iter().map(|u| u.price).collect();
    assert_eq!(
        got, expected,
        "every AAPL close of the first 30 days, in order"
    );
}

#[actix::test]
async fn the_synthetic_feed_ticks_every_symbol_each_interval() {
    let hub = PriceHub::new(2.0).start();
    let holder = Collector::default();
    let symbols: Vec<SymbolSpec> = ["S1", "S2", "S3"]
        .iter()
        .map(|s| SymbolSpec {
            symbol: (*s).into(),
            initial_price: 50.0,
            drift: 0.0,
            volatility: 0.2,
        })
        .collect();
    hub.send(Subscribe {
        subscriber: 9,
        symbols: vec!["S2".into()],
        recipient: holder.clone().start().recipient(),
    })
    .await
    .unwrap();
    let config = SyntheticConfig {
        symbols,
        correlation: 0.5,
        interval: Duration::from_millis(10),
        speedup: 1.0,
        seed: 4,
    };
    SyntheticFeed::new(config, hub.clone().recipient()).start();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let updates = holder.0.lock().unwrap().clone();
    assert!(updates.len() >= 5, "{} updates", updates.len());
    assert!(updates.iter().all(|u| u.symbol == "S2" && u.price > 0.0));
    assert!(updates.windows(2).all(|w| w[0].ts_ms <= w[1].ts_ms));
    let stats = hub.send(GetHubStats).await.unwrap();
    assert_eq!(stats.symbols, 3);
}

#[actix::test]
async fn the_external_feed_reads_a_provider_and_reconnects_after_it_drops() {
    use actors::market::feeds::external::{ExternalConfig, ExternalFeed, JsonTicks};
    use futures_util::SinkExt;
    use std::sync::atomic::Ordering;
    use tokio_tungstenite::tungstenite::Message;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        // First connection: two ticks, a message no adapter reads, then the provider drops.
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        ws.send(Message::Text(
            r#"{"symbol":"AAPL","price":100.0,"ts":1}"#.into(),
        ))
        .await
        .unwrap();
        ws.send(Message::Text("garbage".into())).await.unwrap();
        ws.send(Message::Text(
            r#"[{"symbol":"AAPL","price":101.0,"ts":2}]"#.into(),
        ))
        .await
        .unwrap();
        drop(ws);
        // The client comes back; two more ticks.
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        ws.send(Message::Text(
            r#"{"symbol":"AAPL","price":102.0,"ts":3}"#.into(),
        ))
        .await
        .unwrap();
        ws.send(Message::Text(
            r#"{"symbol":"AAPL","price":-1,"ts":4}"#.into(),
        ))
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });

    let hub = PriceHub::new(2.0).start();
    let holder = Collector::default();
    hub.send(Subscribe {
        subscriber: 1,
        symbols: vec!["AAPL".into()],
        recipient: holder.clone().start().recipient(),
    })
    .await
    .unwrap();
    let config = ExternalConfig {
        url,
        backoff_initial: Duration::from_millis(20),
        backoff_max: Duration::from_millis(200),
        jitter_seed: 3,
    };
    let feed = ExternalFeed::new(
        config,
        std::sync::Arc::new(JsonTicks),
        hub.clone().recipient(),
    );
    let status = feed.status();
    feed.start();
    eventually(async || holder.0.lock().unwrap().len() >= 3).await;
    let prices: Vec<f64> = holder.0.lock().unwrap().iter().map(|u| u.price).collect();
    assert_eq!(
        prices,
        [100.0, 101.0, 102.0],
        "the negative price is dropped by the hub's guard"
    );
    assert_eq!(
        status.connections.load(Ordering::Relaxed),
        2,
        "reconnected once"
    );
    assert_eq!(status.unreadable.load(Ordering::Relaxed), 1);
    eventually(async || hub.send(GetHubStats).await.unwrap().rejected == 1).await;
    assert_eq!(hub.send(GetHubStats).await.unwrap().rejected, 1);
}

/// One update as a subscriber got it: (subscription, slot, symbol, price).
type Slotted = (u64, usize, String, f64);

/// What a subscriber got, slot by slot.
#[derive(Default, Clone)]
struct SlotCollector(Arc<Mutex<Vec<Slotted>>>);

impl Actor for SlotCollector {
    type Context = Context<Self>;
}

impl Handler<PriceMove> for SlotCollector {
    type Result = ();
    fn handle(&mut self, msg: PriceMove, _: &mut Context<Self>) {
        let mut got = self.0.lock().unwrap();
        for (slot, update) in msg.slotted() {
            got.push((msg.subscriber(), slot, update.symbol.clone(), update.price));
        }
    }
}

impl SlotCollector {
    fn take(&self) -> Vec<Slotted> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[actix::test]
async fn updates_carry_each_subscriptions_own_slots_and_places_are_reused() {
    let hub = PriceHub::new(2.0).start();
    let (first, second, third) = (
        SlotCollector::default(),
        SlotCollector::default(),
        SlotCollector::default(),
    );
    let subscribe = |id: u64, symbols: &[&str], to: &SlotCollector| Subscribe {
        subscriber: id,
        symbols: symbols.iter().map(|s| (*s).to_string()).collect(),
        recipient: to.clone().start().recipient(),
    };
    // A symbol listed twice keeps its first slot.
    hub.send(subscribe(1, &["C", "A", "C"], &first))
        .await
        .unwrap();
    hub.send(subscribe(2, &["A"], &second)).await.unwrap();
    let tick = |symbol: &str, price: f64| Tick {
        symbol: symbol.into(),
        price,
        ts_ms: 1,
    };
    hub.send(Ticks(vec![
        tick("A", 10.0),
        tick("B", 20.0),
        tick("C", 30.0),
    ]))
    .await
    .unwrap();
    settle().await;
    assert_eq!(
        first.take(),
        [(1, 1, "A".into(), 10.0), (1, 0, "C".into(), 30.0)],
        "feed order, each with the subscriber's slot"
    );
    assert_eq!(second.take(), [(2, 0, "A".into(), 10.0)]);

    // Subscribing again replaces the symbols (and so the slots), starting from B's quote.
    let again = SlotCollector::default();
    hub.send(subscribe(1, &["B"], &again)).await.unwrap();
    hub.send(Ticks(vec![tick("A", 11.0), tick("B", 21.0)]))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        again.take(),
        [(1, 0, "B".into(), 20.0), (1, 0, "B".into(), 21.0)]
    );
    assert!(first.take().is_empty(), "the old recipient is forgotten");
    assert_eq!(second.take(), [(2, 0, "A".into(), 11.0)]);

    // A place freed by an unsubscription goes to the next subscriber, and only to it.
    hub.send(Unsubscribe { subscriber: 2 }).await.unwrap();
    hub.send(subscribe(3, &["A"], &third)).await.unwrap();
    hub.send(Ticks(vec![tick("A", 12.0)])).await.unwrap();
    settle().await;
    assert!(second.take().is_empty());
    assert_eq!(
        third.take(),
        [(3, 0, "A".into(), 11.0), (3, 0, "A".into(), 12.0)]
    );
    let stats = hub.send(GetHubStats).await.unwrap();
    assert_eq!(stats.subscribers, 2);
}
