//! The live recommendation actor end to end: a real WebSocket client sees `recommendations`
//! when the live success crosses a `success_below` threshold, each figure is what the
//! ordinary simulation gives at the live wealth, they are stored, the alert carries the top
//! one, and accepting one that clears the threshold ends them.

use protocol::live::LiveState;
use protocol::recommendations::LiveRecommendations;
use protocol::ws::{Encoding, ServerMessage};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, ok_json};
use crate::live::{open, quiet_app, settled, subscribe, with_holdings};
use crate::websocket::{Socket, receive};

const ENCODING: Encoding = Encoding::Json;

/// P1 with its wealth left to the holdings.
fn p1() -> Value {
    json!({
        "initial_wealth": 250000.0, "monthly_contribution": 1500.0, "retirement_month": 360,
        "monthly_spending": 5000.0, "horizon_months": 720
    })
}

/// Reads until a `recommendations` frame and an alert have both come (in either order);
/// also returns the state the frame was computed for: of `first` and the updates seen, the
/// one at its wealth (the reload that brought the rule and a tick both make one, and the
/// frame may follow either).
async fn crossing(
    socket: &mut Socket,
    first: LiveState,
) -> (LiveRecommendations, protocol::live::LiveAlert, LiveState) {
    let mut seen = vec![first];
    let (mut made, mut alert) = (None, None);
    while made.is_none() || alert.is_none() {
        match receive(socket, ENCODING).await {
            Ok(ServerMessage::Recommendations {
                recommendations, ..
            }) => made = Some(LiveRecommendations::clone(&recommendations)),
            Ok(ServerMessage::Alert { alert: a, .. }) => alert = Some(a),
            Ok(ServerMessage::Update { state, .. }) => seen.push(LiveState::clone(&state)),
            other => panic!("expected recommendations and an alert, got {other:?}"),
        }
    }
    let made = made.unwrap();
    let at = seen
        .into_iter()
        .rev()
        .find(|s| s.simulation.starting_wealth == made.starting_wealth)
        .expect("the state the recommendations were computed for was streamed");
    (made, alert.unwrap(), at)
}

/// Success of `plan` at `wealth` on the live paths, by `POST /simulations/monte-carlo`.
async fn simulated(app: &TestApp, user: &TestUser, plan: &Value, state: &LiveState) -> f64 {
    let mut plan = plan.clone();
    plan["initial_wealth"] = json!(state.simulation.starting_wealth);
    let run = app
        .post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": plan, "paths": state.simulation.paths, "seed": state.simulation.seed}),
        )
        .await;
    assert_eq!(run.status(), StatusCode::CREATED);
    run.json::<Value>().await.unwrap()["summary"]["success_probability"]
        .as_f64()
        .unwrap()
}

fn with_change(plan: &Value, change: &Value) -> Value {
    let mut changed = plan.clone();
    for (k, v) in change.as_object().unwrap() {
        changed[k] = v.clone();
    }
    changed
}

#[actix_web::test]
async fn crossing_a_threshold_streams_verified_stored_recommendations_that_the_alert_carries() {
    let app = quiet_app().await;
    let user = with_holdings(&app).await;
    ok_json(app.put("/planning/plan", Some(&user.access), &p1()).await).await;
    let plan = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let mut socket = open(&app, &user, ENCODING).await;
    let first = subscribe(&mut socket, ENCODING, None).await;
    let (_, state) = settled(&mut socket, ENCODING, first, 5400.0).await;
    let level = (state.simulation.success_probability + 0.1).min(0.99);
    let rule = ok_json(
        app.post(
            "/alerts/rules",
            Some(&user.access),
            &json!({"kind": "success_below", "level": level, "hysteresis": 0.0}),
        )
        .await,
    )
    .await;

    // The next state (the reload's, or the tick's) is at or below the level: the threshold
    // is crossed.
    app.tick("SPY", 401.0).await;
    let (made, alert, live) = crossing(&mut socket, state).await;
    assert_eq!(made.target_success, Some(level));
    assert_eq!(
        made.success_probability,
        live.simulation.success_probability
    );
    assert!(made.unavailable.is_none());
    assert!(!made.recommendations.is_empty(), "{made:#?}");
    let before = simulated(&app, &user, &plan, &live).await;
    for r in &made.recommendations {
        // Verified on the session's own paths at the live wealth: what the ordinary
        // simulation gives for the plan, and for the plan changed.
        assert_eq!(r.success_before, before);
        assert_eq!(r.paths, live.simulation.paths);
        assert_eq!(r.seed, live.simulation.seed);
        let change = serde_json::to_value(&r.change).unwrap();
        let after = simulated(&app, &user, &with_change(&plan, &change), &live).await;
        assert_eq!(r.success_after, after, "{r:#?}");
        assert!(r.success_change > 2.0 * r.standard_error);
    }
    let top = &made.recommendations[0];
    assert_eq!(
        alert.rule_id.map(|id| id.to_string()),
        rule["id"].as_str().map(str::to_owned)
    );
    assert_eq!(alert.recommendation_id, Some(top.id));
    assert!(alert.message.ends_with(&top.reason), "{}", alert.message);

    // Stored: the list shows them, and the stored alert carries the top one.
    let stored = ok_json(app.get("/ml/recommendations", Some(&user.access)).await).await;
    // (Stored at one instant: compared as sets.)
    let mut ids: Vec<String> = stored
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "new")
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut streamed: Vec<String> = made
        .recommendations
        .iter()
        .map(|r| r.id.to_string())
        .collect();
    ids.sort();
    streamed.sort();
    assert_eq!(ids, streamed);
    let alerts = ok_json(app.get("/alerts", Some(&user.access)).await).await;
    assert_eq!(alerts["total"], 1);
    assert_eq!(alerts["items"][0]["recommendation_id"], json!(top.id));

    // Accepting one that clears the threshold: the stream re-simulates above it, and the
    // recommendations end.
    let clears = made
        .recommendations
        .iter()
        .find(|r| r.success_after > level)
        .expect("a change reaches the threshold");
    ok_json(
        app.post(
            &format!("/ml/recommendations/{}/accept", clears.id),
            Some(&user.access),
            &json!({}),
        )
        .await,
    )
    .await;
    let ended = loop {
        match receive(&mut socket, ENCODING).await {
            Ok(ServerMessage::Recommendations {
                recommendations, ..
            }) => break recommendations,
            Ok(ServerMessage::Update { .. }) => {}
            other => panic!("expected updates then recommendations, got {other:?}"),
        }
    };
    assert_eq!(ended.target_success, None);
    assert!(ended.recommendations.is_empty());
    assert_eq!(ended.success_probability, clears.success_after);
}

/// `plan` with `change` applied, its goal trade-off too.
fn with_any_change(plan: &Value, change: &Value) -> Value {
    let mut fields = change.clone();
    let goal = fields.as_object_mut().unwrap().remove("goal");
    let mut changed = with_change(plan, &fields);
    if let Some(goal) = goal {
        let goals = changed["extensions"]["goals"].as_array_mut().unwrap();
        let index = goal["index"].as_u64().unwrap() as usize;
        match goal.get("new_month") {
            Some(month) => goals[index]["month"] = month.clone(),
            None => {
                goals.remove(index);
            }
        }
    }
    changed
}

#[actix_web::test]
async fn an_extended_plan_below_its_threshold_gets_recommendations_verified_on_the_extended_model()
{
    let app = quiet_app().await;
    let user = with_holdings(&app).await;
    let mut extended = p1();
    // A want (re-simulated at each live wealth) and a need, with a pension.
    extended["extensions"] = json!({
        "goals": [
            {"name": "boat", "amount": 80000.0, "month": 120, "priority": "want"},
            {"name": "roof", "amount": 120000.0, "month": 420, "priority": "need"}
        ],
        "income": [{"name": "state pension", "monthly_amount": 800.0, "start_month": 360}]
    });
    ok_json(
        app.put("/planning/plan", Some(&user.access), &extended)
            .await,
    )
    .await;
    let plan = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let mut socket = open(&app, &user, ENCODING).await;
    let first = subscribe(&mut socket, ENCODING, None).await;
    let (_, state) = settled(&mut socket, ENCODING, first, 5400.0).await;
    let level = (state.simulation.success_probability + 0.1).min(0.99);
    ok_json(
        app.post(
            "/alerts/rules",
            Some(&user.access),
            &json!({"kind": "success_below", "level": level, "hysteresis": 0.0}),
        )
        .await,
    )
    .await;
    app.tick("SPY", 401.0).await;
    let (made, _, live) = crossing(&mut socket, state).await;
    assert_eq!(made.target_success, Some(level));
    assert!(made.unavailable.is_none(), "{made:#?}");
    assert!(!made.recommendations.is_empty(), "{made:#?}");
    let before = simulated(&app, &user, &plan, &live).await;
    for r in &made.recommendations {
        assert_eq!(r.success_before, before);
        let change = serde_json::to_value(&r.change).unwrap();
        let after = simulated(&app, &user, &with_any_change(&plan, &change), &live).await;
        assert_eq!(r.success_after, after, "{r:#?}");
        assert!(r.success_change > 2.0 * r.standard_error);
        if let Some(goal) = &r.change.goal {
            assert_eq!(goal.name, "boat", "a need is never traded: {r:#?}");
        }
    }
}
