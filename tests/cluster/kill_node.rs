//! `kill -9` the node that runs the feed, evaluates the user's rules and holds one of the
//! user's two clients: the client reconnects through nginx to the survivor within 2 s and gets
//! a snapshot; the survivor takes the feed over and goes on evaluating the rules, firing
//! exactly once per breach.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::ONE_AT_A_TIME;
use crate::client::LiveClient;
use crate::harness::{Cluster, database_url};

/// 10 SPY and 20 BND at 70: the portfolio's value with SPY at `spy`.
pub fn wealth(spy: f64) -> f64 {
    spy * 10.0 + 1400.0
}

/// The SPY level the rule watches, falling; it re-arms above 391.95 (0.5 % hysteresis).
const LEVEL: f64 = 390.0;

/// A user with 10 SPY and 20 BND and the rule "SPY falls to 390", made at `base`: `(id,
/// token)`.
pub async fn user_with_rule(cluster: &Cluster, base: &str) -> (uuid::Uuid, String) {
    let (id, token) = cluster.new_user(base).await;
    for (symbol, quantity, class) in [("SPY", 10.0, "us_equity"), ("BND", 20.0, "bonds")] {
        let body = json!({ "account": "brokerage", "symbol": symbol, "quantity": quantity,
                           "asset_class": class });
        let created = cluster
            .post(base, "/portfolio/holdings", Some(&token), &body)
            .await;
        assert_eq!(created.status(), 201);
    }
    let rule = json!({ "kind": "price_cross", "symbol": "SPY", "direction": "below",
                       "level": LEVEL });
    let created = cluster
        .post(base, "/alerts/rules", Some(&token), &rule)
        .await;
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    (id, token)
}

/// Each node's open WebSocket connections, once they add up to `total`.
pub async fn connections(cluster: &Cluster, total: f64) -> [f64; 2] {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut counts = [0.0; 2];
        for (count, node) in counts.iter_mut().zip(&cluster.nodes) {
            if node.running() {
                *count = node.metric("glidepath_ws_connections").await;
            }
        }
        if counts.iter().sum::<f64>() == total {
            return counts;
        }
        assert!(
            Instant::now() < deadline,
            "connections {counts:?}, not {total}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of the user's rules lease, waiting for one other than `not`.
pub async fn rules_holder(cluster: &Cluster, user: uuid::Uuid, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let holders = cluster.lease_holders().await;
        if let Some(holder) = holders
            .iter()
            .find(|(key, _)| key.ends_with(&format!("rules-lease:{user}")))
            .map(|(_, holder)| holder.clone())
            && not != Some(holder.as_str())
        {
            return holder;
        }
        assert!(
            Instant::now() < deadline,
            "no (new) holder of the rules: {holders:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn stored_alerts(cluster: &Cluster, token: &str) -> u64 {
    cluster.get("/alerts", token).await["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_client_reconnects_within_2_s_and_the_survivor_takes_feed_and_alerts() {
    let Some(database) = database_url() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::new(&database).await;
    // Node 1 alone takes the feed, and the user's rules: a session takes them when it starts,
    // with the user's first connection (`first`, through nginx to the only node up). Then
    // node 2 starts and `second` goes there (least connections).
    cluster.nodes[0].start().await;
    cluster.provider.connected(1).await;
    assert_eq!(cluster.feed_leader(None).await, 0);
    cluster.provider.tick(&[("SPY", 400.0), ("BND", 70.0)]);
    let (user, token) = user_with_rule(&cluster, &cluster.nodes[0].url()).await;
    let mut first = LiveClient::connect(&cluster.nginx.url(), &token)
        .await
        .unwrap();
    let holder = rules_holder(&cluster, user, None).await;
    cluster.nodes[1].start().await;
    let mut second = LiveClient::connect(&cluster.nginx.url(), &token)
        .await
        .unwrap();
    assert_eq!(
        connections(&cluster, 2.0).await,
        [1.0, 1.0],
        "least connections"
    );
    for client in [&mut first, &mut second] {
        client.until_wealth(wealth(400.0)).await;
    }

    // A tick reaches both nodes' clients with identical numbers.
    cluster.provider.tick(&[("SPY", 410.0)]);
    first.until_wealth(wealth(410.0)).await;
    second.until_wealth(wealth(410.0)).await;
    assert_eq!(first.state.simulation, second.state.simulation);
    assert_eq!(first.state.portfolio, second.state.portfolio);

    // The breach fires once, and both clients see the one stored alert.
    cluster.provider.tick(&[("SPY", 380.0)]);
    let fired = first.until_alert().await;
    assert_eq!(second.until_alert().await, fired);
    assert_eq!(stored_alerts(&cluster, &token).await, 1);

    // kill -9 node 1.
    cluster.nodes[0].kill9();
    let killed = Instant::now();
    assert_eq!(
        first.until_closed().await,
        1006,
        "nginx drops the connection"
    );
    let (mut first, took) = LiveClient::reconnect(
        &cluster.nginx.url(),
        first.token(),
        Duration::from_secs(2) - killed.elapsed(),
    )
    .await;
    let since_kill = killed.elapsed();
    assert!(
        since_kill <= Duration::from_secs(2),
        "a snapshot {since_kill:?} after the kill"
    );
    eprintln!("reconnected with a snapshot {since_kill:?} after the kill ({took:?} of retrying)");
    assert_eq!(first.state.simulation.starting_wealth, wealth(380.0));
    assert_eq!(first.state.simulation, second.state.simulation);

    // The feed and the rules move to node 2.
    cluster.provider.connected(2).await;
    assert_eq!(cluster.feed_leader(Some(0)).await, 1);
    rules_holder(&cluster, user, Some(&holder)).await;

    // Still breached: no second alert. Back above the hysteresis and down again: one more.
    cluster.provider.tick(&[("SPY", 379.0)]);
    for client in [&mut first, &mut second] {
        assert_eq!(client.until_wealth(wealth(379.0)).await, vec![]);
    }
    cluster.provider.tick(&[("SPY", 395.0)]);
    for client in [&mut first, &mut second] {
        assert_eq!(client.until_wealth(wealth(395.0)).await, vec![]);
    }
    cluster.provider.tick(&[("SPY", 385.0)]);
    let again = first.until_alert().await;
    assert_ne!(again.id, fired.id);
    assert_eq!(again.value, 385.0);
    assert_eq!(second.until_alert().await, again);
    // A further tick, so that a duplicate alert would have come before its update.
    cluster.provider.tick(&[("SPY", 384.0)]);
    for client in [&mut first, &mut second] {
        assert_eq!(client.until_wealth(wealth(384.0)).await, vec![]);
    }
    assert_eq!(stored_alerts(&cluster, &token).await, 2);
}
