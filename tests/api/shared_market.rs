//! One market on several nodes: with Redis, one node runs the feed (its lease) and every
//! node applies the batches it publishes, in one order. Only in the PostgreSQL + Redis pass:
//! two nodes need a database and Redis they share.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use glidepath::config::{FeedKind, Settings};
use glidepath::market::lease::Lease;
use protocol::ws::{Encoding, ServerMessage};
use serde_json::Value;

use crate::helpers::{TestApp, TestUser, ok_json, scrape, spawn_app_with};
use crate::live::{open, subscribe};
use crate::websocket::{Socket, receive};

const ENCODING: Encoding = Encoding::Json;

fn shared() -> bool {
    if std::env::var("REDIS_URL").is_err() || std::env::var("DATABASE_URL").is_err() {
        eprintln!("needs REDIS_URL and DATABASE_URL (the PostgreSQL + Redis pass)");
        return false;
    }
    true
}

/// A synthetic market that only rises (5% a tick, noise 0.2%): a price that falls is one that
/// went back towards where the walk started.
fn rising_market(s: &mut Settings, prefix: Option<&str>) {
    s.market.feed = FeedKind::Synthetic;
    s.market.symbols = vec!["AAPL".into(), "MSFT".into()];
    s.market.tick_interval = Duration::from_millis(100);
    s.market.initial_price = 100.0;
    s.market.drift = 1.0;
    s.market.volatility = 0.01;
    // dt = 0.1 s × speedup / (252 × 6.5 × 3600 s) = 0.05 years: e^(1.0 × 0.05) ≈ 1.05 a tick.
    s.market.speedup = 2_948_400.0;
    s.market.lease = Duration::from_millis(1000);
    s.market.lease_renew = Duration::from_millis(100);
    s.live.min_interval = Duration::from_millis(1);
    s.shutdown_timeout = Duration::from_secs(2);
    if let Some(prefix) = prefix {
        s.redis_prefix = prefix.to_owned();
    }
}

async fn leads(app: &TestApp, admin: &TestUser) -> Option<bool> {
    let feeds = ok_json(app.get("/market/feeds", Some(&admin.access)).await).await;
    assert_eq!(feeds["feed"], "synthetic");
    feeds["leader"].as_bool()
}

/// Which of `nodes` holds the lease, once exactly one does (within 5 s).
async fn the_leader(nodes: &[&TestApp], admin: &TestUser) -> usize {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let mut leaders = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            if leads(node, admin).await.expect("a shared feed says") {
                leaders.push(i);
            }
        }
        assert!(leaders.len() <= 1, "two nodes run the feed: {leaders:?}");
        if let [one] = leaders[..] {
            return one;
        }
        assert!(Instant::now() < until, "no node took the feed's lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What one update showed: the prices of the tick summary and the success probability.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    prices: BTreeMap<String, f64>,
    success: f64,
    wealth: f64,
}

/// Reads updates caused by ticks until `count` of them, keyed by their newest tick's time.
async fn updates(socket: &mut Socket, count: usize) -> BTreeMap<i64, Seen> {
    let mut seen = BTreeMap::new();
    while seen.len() < count {
        let message = tokio::time::timeout(Duration::from_secs(5), receive(socket, ENCODING))
            .await
            .expect("ticks keep coming");
        match message {
            Ok(ServerMessage::Update {
                ticks,
                newest_tick_ms: Some(tick_ms),
                state,
                ..
            }) => {
                seen.insert(
                    tick_ms,
                    Seen {
                        prices: ticks.iter().map(|t| (t.symbol.clone(), t.price)).collect(),
                        success: state.simulation.success_probability,
                        wealth: state.simulation.starting_wealth,
                    },
                );
            }
            Ok(ServerMessage::Update { .. } | ServerMessage::Alert { .. }) => {}
            other => panic!("expected updates, got {other:?}"),
        }
    }
    seen
}

/// Two nodes on one Redis: exactly one runs the feed, a user's streams on both show the same
/// prices and success for the same ticks, and when the node running the feed stops, the
/// other takes it over within a few seconds and goes on from the last prices.
#[actix_web::test]
async fn two_nodes_share_one_feed_and_the_survivor_takes_it_over() {
    if !shared() {
        return;
    }
    let node_a = spawn_app_with(|s| rising_market(s, None)).await;
    let prefix = node_a.settings.redis_prefix.clone();
    let node_b = spawn_app_with(|s| rising_market(s, Some(&prefix))).await;
    let admin = node_a.new_admin().await;
    let leader = the_leader(&[&node_a, &node_b], &admin).await;
    let gauge = r#"glidepath_market_feed_leader{feed="synthetic"}"#;
    assert_eq!(
        scrape(&node_a).await[gauge],
        f64::from(u8::from(leader == 0))
    );
    assert_eq!(
        scrape(&node_b).await[gauge],
        f64::from(u8::from(leader == 1))
    );

    let user = node_a.new_user().await;
    node_a
        .create_holding(&user, "brokerage", "AAPL", 10.0, "us_equity")
        .await;
    node_a
        .create_holding(&user, "brokerage", "MSFT", 20.0, "us_equity")
        .await;
    let mut on_a = open(&node_a, &user, ENCODING).await;
    let mut on_b = open(&node_b, &user, ENCODING).await;
    subscribe(&mut on_a, ENCODING, None).await;
    subscribe(&mut on_b, ENCODING, None).await;
    let seen_a = updates(&mut on_a, 12).await;
    let seen_b = updates(&mut on_b, 12).await;
    let common: Vec<i64> = seen_a
        .keys()
        .filter(|t| seen_b.contains_key(t))
        .copied()
        .collect();
    assert!(
        common.len() >= 6,
        "the nodes saw the same ticks: {:?} and {:?}",
        seen_a.keys(),
        seen_b.keys()
    );
    for tick_ms in &common {
        let (a, b) = (&seen_a[tick_ms], &seen_b[tick_ms]);
        assert_eq!(a.prices, b.prices, "prices of the tick at {tick_ms}");
        assert_eq!(a.wealth, b.wealth, "wealth at {tick_ms}");
        assert_eq!(a.success, b.success, "success at {tick_ms}");
        assert_eq!(a.wealth, 10.0 * a.prices["AAPL"] + 20.0 * a.prices["MSFT"]);
    }

    // The node running the feed stops; the other's stream goes on within a few seconds.
    let (mut gone, survivor, mut socket) = if leader == 0 {
        drop(on_a);
        (node_a, node_b, on_b)
    } else {
        drop(on_b);
        (node_b, node_a, on_a)
    };
    let before = updates(&mut socket, 1).await;
    let last_before = before.values().next_back().unwrap().prices["AAPL"];
    let stopped_at = chrono::Utc::now().timestamp_millis();
    gone.stop.stop();
    tokio::time::timeout(Duration::from_secs(5), &mut gone.server)
        .await
        .expect("the node stops")
        .unwrap()
        .unwrap();
    let after = loop {
        let seen = updates(&mut socket, 1).await;
        let (tick_ms, seen) = seen.into_iter().next().unwrap();
        if tick_ms > stopped_at + 50 {
            break seen;
        }
    };
    assert!(
        chrono::Utc::now().timestamp_millis() - stopped_at < 5000,
        "the feed moved to the survivor within a few seconds"
    );
    assert!(leads(&survivor, &admin).await.unwrap());
    assert_eq!(scrape(&survivor).await[gauge], 1.0);
    let first_after = after.prices["AAPL"];
    assert!(
        first_after > last_before && first_after < last_before * 1.5,
        "the walk goes on from {last_before}, not from the initial 100: {first_after}"
    );
    assert!(
        last_before > 150.0,
        "the market had risen before: {last_before}"
    );
}

/// A lease nobody renews lapses and another node takes it; its old holder can then neither
/// renew nor release it (the value is compared first).
#[actix_web::test]
async fn a_lapsed_lease_is_taken_over_and_its_old_holder_cannot_renew_it() {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("needs REDIS_URL");
        return;
    };
    let mut conn = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let key = format!("gp-test:{}:feed:synthetic:lease", uuid::Uuid::new_v4());
    let ttl = Duration::from_millis(200);
    let a = Lease::new(key.clone(), "a".into(), ttl);
    let b = Lease::new(key.clone(), "b".into(), ttl);
    assert!(a.acquire(&mut conn).await.unwrap());
    assert!(!b.acquire(&mut conn).await.unwrap(), "held by a");
    assert!(
        !b.renew(&mut conn).await.unwrap(),
        "b cannot renew a's lease"
    );
    assert!(!b.release(&mut conn).await.unwrap(), "nor release it");
    assert!(a.renew(&mut conn).await.unwrap());
    let holder: Option<String> = redis::cmd("GET")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(holder.as_deref(), Some("a"));

    // a stops renewing (dies): the lease lapses and b takes it.
    tokio::time::sleep(ttl * 2).await;
    assert!(
        b.acquire(&mut conn).await.unwrap(),
        "the lapsed lease is free"
    );
    assert!(!a.renew(&mut conn).await.unwrap(), "a finds it lost");
    assert!(!a.release(&mut conn).await.unwrap());
    assert!(b.release(&mut conn).await.unwrap());
    assert!(
        a.acquire(&mut conn).await.unwrap(),
        "released: free at once"
    );
    let _: () = redis::cmd("DEL")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
}

/// Without Redis nothing is shared: the node runs its own feed and `/market/feeds` says
/// nothing of a lease.
#[actix_web::test]
async fn without_redis_a_node_runs_its_own_feed() {
    if std::env::var("REDIS_URL").is_ok() {
        return;
    }
    let app = spawn_app_with(|s| rising_market(s, None)).await;
    let admin = app.new_admin().await;
    let feeds: Value = ok_json(app.get("/market/feeds", Some(&admin.access)).await).await;
    assert_eq!(feeds["feed"], "synthetic");
    assert!(feeds.get("leader").is_none(), "{feeds}");
    assert!(
        !scrape(&app)
            .await
            .keys()
            .any(|k| k.starts_with("glidepath_market_feed_leader")),
        "no lease, no gauge"
    );
}
