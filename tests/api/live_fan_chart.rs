//! The live fan chart: a subscription asks for it, gets the numbers the REST simulation
//! computes for the same plan, starting wealth, paths and seed, and the session keeps its
//! coefficients only while such a subscription exists.

use std::time::Duration;

use actors::live::registry::Counters;
use actors::live::session::SessionCounters;
use futures_util::StreamExt;
use protocol::live::LiveState;
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

use crate::helpers::{TestApp, ok_json};
use crate::live::{open, quiet_app};
use crate::websocket::{Socket, send};

/// The next text frame as JSON (updates and snapshots only), so a test can see which keys
/// were sent, not only what they decode to.
async fn next_state_frame(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a frame within 10 s")
            .expect("the socket is open")
            .expect("no socket error");
        if let Message::Text(text) = frame {
            let value: Value = serde_json::from_str(&text).unwrap();
            if matches!(value["type"].as_str(), Some("snapshot" | "update")) {
                return value;
            }
        }
    }
}

/// Reads snapshots and updates until one shows `wealth`; returns its frame.
async fn frame_with_wealth(socket: &mut Socket, first: Value, wealth: f64) -> Value {
    let mut frame = first;
    loop {
        let shown = frame["state"]["simulation"]["starting_wealth"]
            .as_f64()
            .unwrap();
        if (shown - wealth).abs() < 1e-6 {
            return frame;
        }
        frame = next_state_frame(socket).await;
    }
}

async fn subscribe(socket: &mut Socket, fan_chart: bool) -> Value {
    send(
        socket,
        Encoding::Json,
        &ClientMessage::Subscribe {
            user_id: None,
            fan_chart,
        },
    )
    .await;
    let first = next_state_frame(socket).await;
    assert_eq!(first["type"], "snapshot", "{first}");
    first
}

async fn counters(app: &TestApp, owner: Uuid) -> SessionCounters {
    app.registry
        .send(Counters { owner })
        .await
        .unwrap()
        .expect("the session runs")
}

/// The counters once `ready` holds (within 10 s).
async fn counters_when(
    app: &TestApp,
    owner: Uuid,
    ready: impl Fn(&SessionCounters) -> bool,
) -> SessionCounters {
    for _ in 0..500 {
        let c = counters(app, owner).await;
        if ready(&c) {
            return c;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!(
        "the session never got there: {:?}",
        counters(app, owner).await
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[actix_web::test]
async fn a_subscription_asking_for_the_fan_chart_gets_what_rest_computes_and_only_it_does() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    // Retiring mid-year, on the default asset classes.
    let plan = json!({ "initial_wealth": 50000, "monthly_contribution": 800, "retirement_month": 150,
                       "monthly_spending": 2500, "horizon_months": 360 });
    ok_json(app.put("/planning/plan", Some(&user.access), &plan).await).await;
    app.create_holding(&user, "brokerage", "SPY", 10.0, "us_equity")
        .await;
    app.create_holding(&user, "brokerage", "BND", 20.0, "bonds")
        .await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;

    let mut plain = open(&app, &user, Encoding::Json).await;
    let first = subscribe(&mut plain, false).await;
    frame_with_wealth(&mut plain, first, 5400.0).await;
    let lean = counters_when(&app, user.id, |c| c.prepared.bytes > 0).await;
    assert!(
        !lean.prepared.fan_chart,
        "nobody asked for it yet: {lean:?}"
    );

    let mut fan = open(&app, &user, Encoding::Json).await;
    let snapshot = subscribe(&mut fan, true).await;
    let state: LiveState = serde_json::from_value(snapshot["state"].clone()).unwrap();
    assert_eq!(state.simulation.starting_wealth, 5400.0);
    let shown = state
        .simulation
        .fan_chart
        .expect("the snapshot has the fan chart");
    assert_eq!(shown.len(), 30, "one point per year of the horizon");

    // The same plan at the same starting wealth, paths and seed over REST.
    let mut spec = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    spec["initial_wealth"] = json!(state.simulation.starting_wealth);
    let rest = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": spec, "paths": state.simulation.paths, "seed": state.simulation.seed,
                     "fan_chart": true }),
        )
        .await,
    )
    .await;
    let summary = &rest["summary"];
    assert_eq!(
        summary["success_probability"].as_f64().unwrap(),
        state.simulation.success_probability
    );
    let rest_fan = summary["fan_chart"].as_array().unwrap();
    assert_eq!(rest_fan.len(), shown.len());
    for (live, rest) in shown.iter().zip(rest_fan) {
        assert_eq!(u64::from(live.year), rest["year"].as_u64().unwrap());
        let w = &live.real_wealth;
        for (key, value) in [
            ("p5", w.p5),
            ("p25", w.p25),
            ("p50", w.p50),
            ("p75", w.p75),
            ("p95", w.p95),
        ] {
            let expected = rest["real_wealth"][key].as_f64().unwrap();
            assert!(
                close(value, expected),
                "year {} {key}: live {value}, REST {expected}",
                live.year
            );
        }
    }
    let with_fan = counters_when(&app, user.id, |c| c.prepared.fan_chart).await;
    assert_eq!(with_fan.fan_chart_subscribers, 1);
    assert!(with_fan.prepared.bytes > lean.prepared.bytes);

    // After a tick, the one that asked gets the fan chart again; the other gets no such key.
    app.tick("SPY", 420.0).await;
    let first = next_state_frame(&mut fan).await;
    let update = frame_with_wealth(&mut fan, first, 5600.0).await;
    assert_eq!(update["type"], "update");
    let years = update["state"]["simulation"]["fan_chart"]
        .as_array()
        .unwrap();
    assert_eq!(years.len(), 30);
    assert_ne!(years[0], rest_fan[0], "the bands moved with the wealth");
    let first = next_state_frame(&mut plain).await;
    let update = frame_with_wealth(&mut plain, first, 5600.0).await;
    assert!(
        update["state"]["simulation"].get("fan_chart").is_none(),
        "absent, not null: {update}"
    );

    // The last subscription that asked for it ends: the session frees the coefficients.
    send(
        &mut fan,
        Encoding::Json,
        &ClientMessage::Unsubscribe { user_id: None },
    )
    .await;
    loop {
        match crate::websocket::receive(&mut fan, Encoding::Json).await {
            Ok(ServerMessage::Unsubscribed { .. }) => break,
            Ok(ServerMessage::Update { .. }) => {}
            other => panic!("expected the end of the stream, got {other:?}"),
        }
    }
    let after = counters_when(&app, user.id, |c| !c.prepared.fan_chart).await;
    assert_eq!(after.fan_chart_subscribers, 0);
    assert_eq!(after.subscribers, 1);
    assert_eq!(after.prepared.bytes, lean.prepared.bytes);
}

#[actix_web::test]
async fn the_fan_chart_is_kept_while_any_tab_or_advisor_asks_for_it() {
    let app = quiet_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = app.new_user().await;
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&client.access),
            &json!({ "advisor_email": advisor.email }),
        )
        .await,
    )
    .await;
    let mut own = open(&app, &client, Encoding::Json).await;
    subscribe(&mut own, true).await;
    let mut watcher = open(&app, &advisor, Encoding::Json).await;
    send(
        &mut watcher,
        Encoding::Json,
        &ClientMessage::Subscribe {
            user_id: Some(client.id),
            fan_chart: true,
        },
    )
    .await;
    let snapshot = next_state_frame(&mut watcher).await;
    assert!(snapshot["state"]["simulation"]["fan_chart"].is_array());
    counters_when(&app, client.id, |c| {
        c.fan_chart_subscribers == 2 && c.prepared.fan_chart
    })
    .await;

    // The client's tab goes (its connection closes): the advisor still wants it.
    drop(own);
    counters_when(&app, client.id, |c| c.subscribers == 1).await;
    assert!(counters(&app, client.id).await.prepared.fan_chart);
    // The advisor subscribes again without it: nobody asks any more.
    send(
        &mut watcher,
        Encoding::Json,
        &ClientMessage::Subscribe {
            user_id: Some(client.id),
            fan_chart: false,
        },
    )
    .await;
    let snapshot = next_state_frame(&mut watcher).await;
    assert!(snapshot["state"]["simulation"].get("fan_chart").is_none());
    counters_when(&app, client.id, |c| {
        c.fan_chart_subscribers == 0 && !c.prepared.fan_chart
    })
    .await;
}
