//! Alerts with two nodes (the PostgreSQL + Redis pass; skipped without them, like the other
//! two-node tests): the user's rules are evaluated by one node at a time, a fired alert is
//! stored once and reaches the user's clients on both nodes, and when the evaluating node
//! stops, the other takes over without firing again on a value that stayed breached. The
//! recommendations the evaluating node computes reach the client on both nodes too.

use std::time::{Duration, Instant};

use glidepath::config::FeedKind;
use protocol::live::LiveAlert;
use protocol::ws::{Encoding, ServerMessage};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, ok_json, spawn_app_with};
use crate::live::{TWO_NODE_TESTS, open, settled, subscribe, with_holdings};
use crate::websocket::{Socket, receive};

const ENCODING: Encoding = Encoding::Json;

/// The SPY level the rule watches (falling to it), with its default hysteresis of 0.5 %
/// (it re-arms above 391.95).
const LEVEL: f64 = 390.0;

/// 10 SPY and 20 BND at 70: the portfolio's value with SPY at `spy`.
fn wealth(spy: f64) -> f64 {
    spy * 10.0 + 1400.0
}

/// A node without a feed whose sessions claim rules every 100 ms on a 1 s lease.
async fn node(prefix: Option<String>) -> TestApp {
    spawn_app_with(|s| {
        s.market.feed = FeedKind::None;
        s.live.min_interval = Duration::from_millis(1);
        s.live.rules_lease = Duration::from_millis(1000);
        s.live.rules_renew = Duration::from_millis(100);
        if let Some(prefix) = prefix {
            s.redis_prefix = prefix;
        }
    })
    .await
}

struct Nodes {
    a: TestApp,
    b: TestApp,
    client: TestUser,
    rule: Option<Uuid>,
    redis: redis::aio::MultiplexedConnection,
    socket_a: Socket,
    socket_b: Socket,
}

/// The node holding `user`'s rules under `prefix`, waiting up to 5 s for one other than
/// `not`.
async fn holder(
    redis: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
    user: Uuid,
    not: Option<&str>,
) -> String {
    let key = format!("{prefix}rules-lease:{user}");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let holding: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(redis)
            .await
            .unwrap();
        if let Some(node) = holding
            && not != Some(node.as_str())
        {
            return node;
        }
        assert!(Instant::now() < deadline, "no node took the rules' lease");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reads until an alert comes (updates allowed).
async fn until_alert(socket: &mut Socket) -> LiveAlert {
    loop {
        match receive(socket, ENCODING).await {
            Ok(ServerMessage::Alert { alert, .. }) => return alert,
            Ok(ServerMessage::Update { .. }) => {}
            other => panic!("expected an alert, got {other:?}"),
        }
    }
}

/// Reads updates until one shows `wealth`; an alert on the way fails.
async fn until_wealth_without_alert(socket: &mut Socket, wealth: f64) {
    loop {
        match receive(socket, ENCODING).await {
            Ok(ServerMessage::Update { state, .. })
                if (state.simulation.starting_wealth - wealth).abs() < 1e-6 =>
            {
                return;
            }
            Ok(ServerMessage::Update { .. }) => {}
            other => panic!("expected updates and no alert, got {other:?}"),
        }
    }
}

/// "SPY falls to 390".
fn price_rule() -> serde_json::Value {
    json!({ "kind": "price_cross", "symbol": "SPY", "direction": "below", "level": LEVEL })
}

impl Nodes {
    async fn stored_alerts(&self, through: &TestApp) -> u64 {
        let page = ok_json(through.get("/alerts", Some(&self.client.access)).await).await;
        page["total"].as_u64().unwrap()
    }
}

/// Both nodes on one database and Redis prefix; the client (SPY 10, BND 20 at 400 and 70)
/// has `rule` (when given) and watches their stream on node A first (whose session takes
/// the rules) and then on node B.
async fn two_nodes(
    rule: Option<serde_json::Value>,
) -> Option<(Nodes, tokio::sync::MutexGuard<'static, ()>)> {
    if std::env::var("REDIS_URL").is_err() || std::env::var("DATABASE_URL").is_err() {
        eprintln!("needs REDIS_URL and DATABASE_URL (the PostgreSQL + Redis pass)");
        return None;
    }
    let alone = TWO_NODE_TESTS.lock().await;
    let a = node(None).await;
    let b = node(Some(a.settings.redis_prefix.clone())).await;
    let client = with_holdings(&a).await;
    let rule = match rule {
        Some(rule) => {
            let made = ok_json(a.post("/alerts/rules", Some(&client.access), &rule).await).await;
            Some(made["id"].as_str().unwrap().parse().unwrap())
        }
        None => None,
    };
    for node in [&a, &b] {
        node.tick("SPY", 400.0).await;
        node.tick("BND", 70.0).await;
    }
    let mut redis = redis::Client::open(std::env::var("REDIS_URL").unwrap())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let mut socket_a = open(&a, &client, ENCODING).await;
    let snapshot = subscribe(&mut socket_a, ENCODING, None).await;
    settled(&mut socket_a, ENCODING, snapshot, wealth(400.0)).await;
    if rule.is_some() {
        // Node A's session holds the rules before node B's starts.
        holder(&mut redis, &a.settings.redis_prefix, client.id, None).await;
    }
    let mut socket_b = open(&b, &client, ENCODING).await;
    let snapshot = subscribe(&mut socket_b, ENCODING, None).await;
    settled(&mut socket_b, ENCODING, snapshot, wealth(400.0)).await;
    let nodes = Nodes {
        a,
        b,
        client,
        rule,
        redis,
        socket_a,
        socket_b,
    };
    Some((nodes, alone))
}

/// The same ticks reach both nodes' sessions (each node has its own hub here); only the one
/// holding the rules fires, and the alert reaches the client on both nodes.
async fn fire_once(nodes: &mut Nodes) -> LiveAlert {
    for node in [&nodes.a, &nodes.b] {
        node.tick("SPY", 380.0).await;
    }
    let on_a = until_alert(&mut nodes.socket_a).await;
    let on_b = until_alert(&mut nodes.socket_b).await;
    assert_eq!(on_a, on_b, "the same stored alert on both nodes");
    assert_eq!(on_a.rule_id, nodes.rule);
    assert_eq!(on_a.value, 380.0);
    // Further down, still breached: an update on both, and no second alert before it.
    for node in [&nodes.a, &nodes.b] {
        node.tick("SPY", 379.0).await;
    }
    until_wealth_without_alert(&mut nodes.socket_a, wealth(379.0)).await;
    until_wealth_without_alert(&mut nodes.socket_b, wealth(379.0)).await;
    on_a
}

#[actix_web::test]
async fn a_rule_evaluated_on_two_nodes_fires_once_and_both_clients_see_the_alert() {
    let Some((mut nodes, _alone)) = two_nodes(Some(price_rule())).await else {
        return;
    };
    fire_once(&mut nodes).await;
    assert_eq!(nodes.stored_alerts(&nodes.a).await, 1);
    assert_eq!(nodes.stored_alerts(&nodes.b).await, 1);
}

/// Node A (evaluating the rules) stops while SPY stays under the level: node B's session
/// takes the rules over and starts where A left them, so the breach A fired on does not fire
/// again; a recovery and a new crossing then fire exactly once, on B.
#[actix_web::test]
async fn when_the_evaluating_node_stops_the_other_takes_over_without_firing_again() {
    let Some((mut nodes, _alone)) = two_nodes(Some(price_rule())).await else {
        return;
    };
    fire_once(&mut nodes).await;
    let prefix = nodes.a.settings.redis_prefix.clone();
    let was = holder(&mut nodes.redis, &prefix, nodes.client.id, None).await;

    nodes.a.stop.stop();
    loop {
        match receive(&mut nodes.socket_a, ENCODING).await {
            Ok(ServerMessage::Update { .. }) => {}
            Err(code) => {
                assert_eq!(code, 1001, "node A's client is told it is going away");
                break;
            }
            other => panic!("expected the close, got {other:?}"),
        }
    }
    let now = holder(&mut nodes.redis, &prefix, nodes.client.id, Some(&was)).await;
    assert_ne!(now, was);

    // Still breached on the new holder: no alert.
    nodes.b.tick("SPY", 378.0).await;
    until_wealth_without_alert(&mut nodes.socket_b, wealth(378.0)).await;
    assert_eq!(nodes.stored_alerts(&nodes.b).await, 1);

    // Recovered past the hysteresis, then crossed again: one alert, from B.
    nodes.b.tick("SPY", 400.0).await;
    until_wealth_without_alert(&mut nodes.socket_b, wealth(400.0)).await;
    nodes.b.tick("SPY", 385.0).await;
    let fired = until_alert(&mut nodes.socket_b).await;
    assert_eq!((fired.rule_id, fired.value), (nodes.rule, 385.0));
    nodes.b.tick("SPY", 384.0).await;
    until_wealth_without_alert(&mut nodes.socket_b, wealth(384.0)).await;
    assert_eq!(nodes.stored_alerts(&nodes.b).await, 2);
}

/// A success threshold set while the client watches on both nodes: one node evaluates it,
/// computes the recommendations and fires the alert (carrying the top one); the client sees
/// the same `recommendations` frame and the same alert on both nodes, and one alert is stored.
#[actix_web::test]
async fn recommendations_and_the_alert_of_a_success_threshold_reach_both_nodes_once() {
    let Some((mut nodes, _alone)) = two_nodes(None).await else {
        return;
    };
    ok_json(
        nodes
            .a
            .post(
                "/alerts/rules",
                Some(&nodes.client.access),
                // P1 at 5,400 succeeds about one time in five: far below.
                &json!({ "kind": "success_below", "level": 0.9 }),
            )
            .await,
    )
    .await;
    // A new state for the sessions to observe against the reloaded rules.
    for node in [&nodes.a, &nodes.b] {
        node.tick("SPY", 401.0).await;
    }
    let mut seen = Vec::new();
    for socket in [&mut nodes.socket_a, &mut nodes.socket_b] {
        let (mut alert, mut made) = (None, None);
        while alert.is_none() || made.is_none() {
            match receive(socket, ENCODING).await {
                Ok(ServerMessage::Alert { alert: a, .. }) => {
                    assert!(alert.is_none(), "a second alert: {a:?}");
                    alert = Some(a);
                }
                Ok(ServerMessage::Recommendations {
                    recommendations, ..
                }) => made = Some(recommendations),
                Ok(ServerMessage::Update { .. }) => {}
                other => panic!("expected the alert and recommendations, got {other:?}"),
            }
        }
        seen.push((alert.unwrap(), made.unwrap()));
    }
    let (on_a, on_b) = (&seen[0], &seen[1]);
    assert_eq!(on_a.0, on_b.0, "the same stored alert on both nodes");
    assert_eq!(on_a.0.kind, "success_below");
    assert_eq!(on_a.1, on_b.1, "the same recommendations on both nodes");
    assert_eq!(on_a.1.target_success, Some(0.9));
    assert_eq!(nodes.stored_alerts(&nodes.b).await, 1);
}
