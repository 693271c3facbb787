//! Redis dies for 10 s and comes back empty (it keeps nothing on disk): meanwhile both nodes
//! serve REST and the last prices and keep their clients; afterwards the feed, the rules and
//! the fan-out resume, every client's sequence is continuous (or restarts with a snapshot),
//! both nodes show the same numbers, and an alert that fired before the outage does not fire
//! again while its value stays breached.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::ONE_AT_A_TIME;
use crate::client::{Frame, LiveClient};
use crate::harness::{Cluster, Provider, database_url};
use crate::kill_node::{user_with_rule, wealth};

const OUTAGE: Duration = Duration::from_secs(10);

/// Sends `prices` every 200 ms until the returned flag is set: a market that keeps moving to
/// the same place, for a node to pick up whenever it can.
fn keep_sending(
    provider: &Arc<Provider>,
    prices: &'static [(&'static str, f64)],
) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    tokio::spawn({
        let provider = provider.clone();
        let stop = stop.clone();
        async move {
            while !stop.load(Ordering::SeqCst) {
                provider.send(prices);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    stop
}

/// Reads `client` for `period`: states (continuous, checked by the client) and nothing that
/// ends the connection.
async fn stays_open(client: &mut LiveClient, period: Duration) {
    let until = Instant::now() + period;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        match tokio::time::timeout(left, client.next()).await {
            Err(_) => return,
            Ok(Frame::Closed(code)) => panic!("the connection closed ({code}) during the outage"),
            Ok(Frame::Alert(alert)) => panic!("an alert during the outage: {alert:?}"),
            Ok(Frame::Snapshot(seq, state) | Frame::Update(seq, state)) => {
                client.seq = seq;
                client.state = state;
            }
            Ok(Frame::Other) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_10_s_redis_outage_the_nodes_resume_without_a_gap_or_a_second_alert() {
    let Some(database) = database_url() else {
        return;
    };
    let _alone = ONE_AT_A_TIME.lock().await;
    let mut cluster = Cluster::new(&database).await;
    cluster.nodes[0].start().await;
    cluster.provider.connected(1).await;
    cluster.nodes[1].start().await;
    cluster.provider.tick(&[("SPY", 400.0), ("BND", 70.0)]);
    let (_, token) = user_with_rule(&cluster, &cluster.nginx.url()).await;
    let mut clients = Vec::new();
    for _ in 0..2 {
        let mut client = LiveClient::connect(&cluster.nginx.url(), &token)
            .await
            .unwrap();
        client.until_wealth(wealth(400.0)).await;
        clients.push(client);
    }
    assert_eq!(
        cluster.nodes[0].metric("glidepath_ws_connections").await,
        1.0,
        "one client per node"
    );
    cluster.provider.tick(&[("SPY", 380.0)]);
    let fired = clients[0].until_alert().await;
    assert_eq!(clients[1].until_alert().await, fired);

    // The outage.
    cluster.redis.stop();
    let moving = keep_sending(&cluster.provider, &[("SPY", 375.0)]);
    let outage = Instant::now();
    for node in &cluster.nodes {
        // Each node, directly: REST answers, rate limits hold (counted on the node: 5 failed
        // logins to one account from one address, then 429), and the live state holds the
        // last prices.
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let login = cluster
                .http
                .post(format!("{}/auth/login", node.url()))
                .json(&json!({ "email": "nobody@example.com", "password": "wrong password" }))
                .send()
                .await
                .unwrap();
            statuses.push(login.status().as_u16());
        }
        assert_eq!(
            statuses,
            [401, 401, 401, 401, 401, 429],
            "{}: logins without Redis",
            node.name
        );
        let state = cluster
            .http
            .get(format!("{}/live/state", node.url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(
            state.status(),
            200,
            "{}: /live/state without Redis",
            node.name
        );
        let state: serde_json::Value = state.json().await.unwrap();
        let shown = state["simulation"]["starting_wealth"].as_f64().unwrap();
        assert!(
            shown == wealth(380.0) || shown == wealth(375.0),
            "{}: the last prices ({shown})",
            node.name
        );
    }
    let holdings = cluster.get("/portfolio/holdings", &token).await;
    assert_eq!(holdings["total"], 2, "{holdings}");
    for client in &mut clients {
        stays_open(client, OUTAGE.saturating_sub(outage.elapsed()) / 2).await;
    }
    moving.store(true, Ordering::SeqCst);
    tokio::time::sleep(OUTAGE.saturating_sub(outage.elapsed())).await;

    // Redis is back, empty. The market moves on, still below the rule's level.
    cluster.redis.start().await;
    let moving = keep_sending(&cluster.provider, &[("SPY", 379.0)]);
    for client in &mut clients {
        let alerts = client.until_wealth(wealth(379.0)).await;
        assert_eq!(
            alerts,
            vec![],
            "no second alert for the breach that already fired"
        );
    }
    moving.store(true, Ordering::SeqCst);
    assert_eq!(
        clients[0].state.simulation, clients[1].state.simulation,
        "both nodes show the same numbers"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The fan-out is back: a holding added on each node reaches the sessions on both (by the
    // other node's event, or by the reload of every session that follows a resubscription).
    for (i, node) in cluster.nodes.iter().enumerate() {
        let body = json!({ "account": format!("ira-{i}"), "symbol": "SPY", "quantity": 1.0,
                           "asset_class": "us_equity" });
        let created = cluster
            .post(&node.url(), "/portfolio/holdings", Some(&token), &body)
            .await;
        assert_eq!(created.status(), 201);
        let spy = 11.0 + i as f64;
        for client in &mut clients {
            let alerts = client.until_wealth(379.0 * spy + 1400.0).await;
            assert_eq!(alerts, vec![], "no second alert");
        }
    }

    // Rules are evaluated again: back above the hysteresis, then down: exactly one alert,
    // shown on both nodes.
    let with = |spy: f64| spy * 12.0 + 1400.0;
    cluster.provider.tick(&[("SPY", 395.0)]);
    for client in &mut clients {
        assert_eq!(client.until_wealth(with(395.0)).await, vec![]);
    }
    cluster.provider.tick(&[("SPY", 385.0)]);
    let again = clients[0].until_alert().await;
    assert_eq!(clients[1].until_alert().await, again);
    assert_ne!(again.id, fired.id);
    cluster.provider.tick(&[("SPY", 384.0)]);
    for client in &mut clients {
        assert_eq!(
            client.until_wealth(with(384.0)).await,
            vec![],
            "one alert only"
        );
    }
    assert_eq!(
        clients[0].state.simulation, clients[1].state.simulation,
        "both nodes show the same numbers"
    );
    let alerts = cluster.get("/alerts", &token).await;
    assert_eq!(alerts["total"], 2, "{alerts}");
}
