//! The live stream of a plan with model extensions, over real WebSockets: its success, goals
//! and fan chart equal what `POST /simulations/monte-carlo` computes for the same plan,
//! starting wealth, paths and seed, before and after a tick, whether the session answers from
//! prepared paths (a need and a pension) or runs the plan again at each wealth (Guyton and
//! Klinger's guardrails); what-ifs run the extended variant; the live solve is the REST solve
//! of the plan at the live wealth; a bootstrap without history to draw from says what it
//! leaves out.

use std::time::Duration;

use futures_util::StreamExt;
use protocol::ErrorCode;
use protocol::live::{LiveMethod, LiveState, WhatIfChanges};
use protocol::planning::{SolveAnswer, SolveFor};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{TestApp, TestUser, ok_json};
use crate::live::{open, quiet_app};
use crate::websocket::{Socket, receive, send};

/// A saver on the default classes retiring in 25 years, with a house deposit in five years
/// (a need) and a pension from retirement; `extra` adds or replaces extensions.
fn plan(extra: &Value) -> Value {
    let mut extensions = json!({
        "goals": [{ "name": "house deposit", "amount": 40000, "month": 60, "priority": "need" }],
        "income": [{ "name": "pension", "monthly_amount": 1200, "start_month": 300 }],
    });
    for (key, value) in extra.as_object().unwrap() {
        extensions[key] = value.clone();
    }
    json!({ "initial_wealth": 100000, "monthly_contribution": 1500, "retirement_month": 300,
            "monthly_spending": 4000, "horizon_months": 600, "extensions": extensions })
}

/// A user with `spec` stored, holding 200 SPY (us_equity) and 500 BND (bonds) priced at 400
/// and 70: 115,000 in all.
async fn user_with(app: &TestApp, spec: &Value) -> TestUser {
    let user = app.new_user().await;
    ok_json(app.put("/planning/plan", Some(&user.access), spec).await).await;
    app.create_holding(&user, "brokerage", "SPY", 200.0, "us_equity")
        .await;
    app.create_holding(&user, "brokerage", "BND", 500.0, "bonds")
        .await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    user
}

/// The next snapshot or update as JSON, so that absent keys can be told from empty ones.
async fn next_state_frame(socket: &mut Socket) -> Value {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("a frame within 20 s")
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

/// Subscribes (JSON) and reads frames until one shows `wealth` (and, when given, `check`).
async fn json_state_at(
    socket: &mut Socket,
    fan_chart: bool,
    wealth: f64,
    check: impl Fn(&Value) -> bool,
) -> Value {
    send(
        socket,
        Encoding::Json,
        &ClientMessage::Subscribe {
            user_id: None,
            fan_chart,
        },
    )
    .await;
    frame_at(socket, wealth, check).await
}

async fn frame_at(socket: &mut Socket, wealth: f64, check: impl Fn(&Value) -> bool) -> Value {
    loop {
        let frame = next_state_frame(socket).await;
        let shown = frame["state"]["simulation"]["starting_wealth"]
            .as_f64()
            .unwrap();
        if (shown - wealth).abs() < 1e-6 && check(&frame) {
            return frame;
        }
    }
}

/// `POST /simulations/monte-carlo` of the user's stored plan (changed by `change`) from the
/// live state's wealth, on its paths and seed.
async fn rest_run(
    app: &TestApp,
    user: &TestUser,
    state: &LiveState,
    change: impl Fn(&mut Value),
) -> Value {
    let mut spec = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    spec["initial_wealth"] = json!(state.simulation.starting_wealth);
    change(&mut spec);
    let body = json!({ "plan": spec, "paths": state.simulation.paths,
                       "seed": state.simulation.seed, "fan_chart": true });
    ok_json(
        app.post("/simulations/monte-carlo", Some(&user.access), &body)
            .await,
    )
    .await["summary"]
        .clone()
}

/// The live state against the REST summary: success and each goal's chance within one path
/// (a path sitting on its threshold may round either way when answered from prepared paths),
/// terminal and fan chart percentiles to 1e-6 relative.
fn assert_matches(state: &LiveState, rest: &Value) {
    let sim = &state.simulation;
    let one = 1.0 / f64::from(sim.paths) + 1e-12;
    let success = rest["success_probability"].as_f64().unwrap();
    assert!(
        (sim.success_probability - success).abs() <= one,
        "live {} against REST {success}",
        sim.success_probability
    );
    let goals = rest["goals"].as_array().unwrap();
    assert_eq!(sim.goals.len(), goals.len());
    for (live, rest) in sim.goals.iter().zip(goals) {
        assert_eq!(live.name, rest["name"].as_str().unwrap());
        let p = rest["probability"].as_f64().unwrap();
        assert!(
            (live.probability - p).abs() <= one,
            "{}: {} against {p}",
            live.name,
            live.probability
        );
    }
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0);
    let terminal = &rest["terminal_real_wealth"];
    for (key, value) in [
        ("p5", sim.terminal_real_wealth.p5),
        ("p50", sim.terminal_real_wealth.p50),
        ("p95", sim.terminal_real_wealth.p95),
    ] {
        assert!(
            close(value, terminal[key].as_f64().unwrap()),
            "terminal {key}"
        );
    }
    if let Some(bands) = &sim.fan_chart {
        let rest_fan = rest["fan_chart"].as_array().unwrap();
        assert_eq!(bands.len(), rest_fan.len());
        for (live, rest) in bands.iter().zip(rest_fan) {
            for (key, value) in [
                ("p5", live.real_wealth.p5),
                ("p50", live.real_wealth.p50),
                ("p95", live.real_wealth.p95),
            ] {
                let expected = rest["real_wealth"][key].as_f64().unwrap();
                assert!(
                    close(value, expected),
                    "year {} {key}: {value} against {expected}",
                    live.year
                );
            }
        }
    }
}

fn state_of(frame: &Value) -> LiveState {
    serde_json::from_value(frame["state"].clone()).unwrap()
}

async fn what_if(socket: &mut Socket, encoding: Encoding, changes: WhatIfChanges) -> ServerMessage {
    send(
        socket,
        encoding,
        &ClientMessage::WhatIf {
            request_id: 7,
            user_id: None,
            changes,
        },
    )
    .await;
    loop {
        match receive(socket, encoding).await {
            Ok(message @ (ServerMessage::WhatIfResult { .. } | ServerMessage::Error { .. })) => {
                return message;
            }
            Ok(_) => {}
            Err(code) => panic!("closed with {code}"),
        }
    }
}

/// Asks the live `solve` for `lever` at 40% and checks it against `POST /planning/solve` of
/// the stored plan at the state's wealth, paths and seed: the same answer, or the same
/// refusal (an input that cannot reach the target, naming `target_success`). Whether it was
/// answered.
async fn solves_as_rest(
    app: &TestApp,
    user: &TestUser,
    socket: &mut Socket,
    encoding: Encoding,
    state: &LiveState,
    (request, lever): (u64, SolveFor),
) -> bool {
    send(
        socket,
        encoding,
        &ClientMessage::Solve {
            request_id: request,
            user_id: None,
            lever,
            target_success: 0.4,
            equity_classes: None,
        },
    )
    .await;
    let live = loop {
        match receive(socket, encoding).await {
            Ok(message @ (ServerMessage::SolveResult { .. } | ServerMessage::Error { .. })) => {
                break message;
            }
            Ok(_) => {}
            Err(code) => panic!("closed with {code}"),
        }
    };
    let mut plan = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    plan["initial_wealth"] = json!(state.simulation.starting_wealth);
    let body = json!({ "for": lever, "target_success": 0.4, "plan": plan,
                       "paths": state.simulation.paths, "seed": state.simulation.seed });
    let rest = app.post("/planning/solve", Some(&user.access), &body).await;
    match live {
        ServerMessage::SolveResult {
            request_id,
            starting_wealth,
            answer,
            ..
        } => {
            assert_eq!(request_id, request);
            assert_eq!(starting_wealth, state.simulation.starting_wealth);
            let rest: SolveAnswer = serde_json::from_value(ok_json(rest).await).unwrap();
            assert_eq!(answer, rest, "{lever:?}");
            true
        }
        ServerMessage::Error {
            code,
            field,
            request_id,
            message,
        } => {
            assert_eq!(request_id, Some(request));
            assert_eq!(code, ErrorCode::ValidationFailed, "{lever:?}: {message}");
            assert_eq!(rest.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
            let problem: Value = rest.json().await.unwrap();
            assert_eq!(
                field.as_deref(),
                problem["errors"][0]["field"].as_str(),
                "{lever:?}: {message} against {problem}"
            );
            false
        }
        other => panic!("expected a solve result or an error, got {other:?}"),
    }
}

#[actix_web::test]
async fn a_need_and_a_pension_stream_what_rest_computes_from_prepared_paths() {
    let app = quiet_app().await;
    // Stored first without extensions: the frames carry neither key, as before.
    let user = user_with(&app, &plan(&json!({}))).await;
    let mut plain = json!({ "initial_wealth": 100000, "monthly_contribution": 1500,
        "retirement_month": 300, "monthly_spending": 4000, "horizon_months": 600 });
    ok_json(app.put("/planning/plan", Some(&user.access), &plain).await).await;
    let mut socket = open(&app, &user, Encoding::Json).await;
    let frame = json_state_at(&mut socket, false, 115_000.0, |f| {
        f["state"]["simulation"]["monthly_spending"] == 4000.0
    })
    .await;
    let simulation = &frame["state"]["simulation"];
    assert!(
        simulation.get("goals").is_none() && simulation.get("extensions").is_none(),
        "{frame}"
    );

    // The plan gains a need and a pension: the session reloads and applies them.
    plain = plan(&json!({}));
    ok_json(app.put("/planning/plan", Some(&user.access), &plain).await).await;
    let frame = frame_at(&mut socket, 115_000.0, |f| {
        f["state"]["simulation"].get("goals").is_some()
    })
    .await;
    assert_eq!(
        frame["state"]["simulation"]["extensions"],
        json!({ "method": "incremental" })
    );
    let state = state_of(&frame);
    assert_eq!(state.simulation.goals[0].name, "house deposit");
    assert_matches(&state, &rest_run(&app, &user, &state, |_| {}).await);

    // A tick moves them as a fresh run at the new wealth would.
    app.tick("SPY", 300.0).await;
    let frame = frame_at(&mut socket, 95_000.0, |_| true).await;
    let moved = state_of(&frame);
    assert_matches(&moved, &rest_run(&app, &user, &moved, |_| {}).await);
    assert!(moved.simulation.success_probability <= state.simulation.success_probability);

    // The fan chart, for a subscription that asks for it.
    let mut fan = open(&app, &user, Encoding::Json).await;
    let frame = json_state_at(&mut fan, true, 95_000.0, |f| {
        f["state"]["simulation"].get("fan_chart").is_some()
    })
    .await;
    let with_fan = state_of(&frame);
    assert_eq!(with_fan.simulation.fan_chart.as_ref().unwrap().len(), 50);
    assert_matches(&with_fan, &rest_run(&app, &user, &with_fan, |_| {}).await);

    // A what-if runs the plan with its extensions and the change: REST's run of that plan.
    let changes = WhatIfChanges {
        monthly_spending: Some(3000.0),
        ..WhatIfChanges::default()
    };
    let ServerMessage::WhatIfResult { answer, .. } =
        what_if(&mut socket, Encoding::Json, changes).await
    else {
        panic!("a what-if result");
    };
    let rest = rest_run(&app, &user, &moved, |spec| {
        spec["monthly_spending"] = json!(3000)
    })
    .await;
    assert_eq!(
        answer.variant.success_probability,
        rest["success_probability"].as_f64().unwrap()
    );
    assert_eq!(
        answer.variant.goals[0].probability,
        rest["goals"][0]["probability"].as_f64().unwrap()
    );
    assert!(answer.success_probability_change >= 0.0);

    // Solving searches the plan with its extensions, from the live wealth: every input is
    // what `POST /planning/solve` answers for the plan at that wealth, paths and seed.
    let mut answered = Vec::new();
    for (i, lever) in SolveFor::ALL.into_iter().enumerate() {
        let request = 20 + i as u64;
        if solves_as_rest(
            &app,
            &user,
            &mut socket,
            Encoding::Json,
            &moved,
            (request, lever),
        )
        .await
        {
            answered.push(lever);
        }
    }
    assert_eq!(answered, SolveFor::ALL, "every input reaches 40% here");
}

/// Reads MessagePack updates until one shows `wealth`.
async fn update_at(socket: &mut Socket, wealth: f64) -> LiveState {
    loop {
        match receive(socket, Encoding::MessagePack).await {
            Ok(ServerMessage::Snapshot { state, .. } | ServerMessage::Update { state, .. })
                if (state.simulation.starting_wealth - wealth).abs() < 1e-6 =>
            {
                return LiveState::clone(&state);
            }
            Ok(_) => {}
            Err(code) => panic!("closed with {code}"),
        }
    }
}

#[actix_web::test]
async fn a_guardrails_plan_is_simulated_again_and_streams_updates_after_ticks() {
    let app = quiet_app().await;
    let spec = plan(&json!({
        "goals": [
            { "name": "house deposit", "amount": 40000, "month": 60, "priority": "need" },
            { "name": "boat", "amount": 30000, "month": 200, "priority": "want" },
        ],
        "withdrawal": { "strategy": "guyton_klinger" },
    }));
    let user = user_with(&app, &spec).await;
    let mut socket = open(&app, &user, Encoding::MessagePack).await;
    send(
        &mut socket,
        Encoding::MessagePack,
        &ClientMessage::Subscribe {
            user_id: None,
            fan_chart: true,
        },
    )
    .await;
    let state = update_at(&mut socket, 115_000.0).await;
    let how = state.simulation.extensions.clone().expect("said how");
    assert_eq!(how.method, LiveMethod::Resimulated);
    assert!(how.resimulated_because.is_some());
    assert_eq!(state.simulation.goals.len(), 2);
    let rest = rest_run(&app, &user, &state, |_| {}).await;
    assert_matches(&state, &rest);
    // The same run as REST's: equal to the bit, not only within a path.
    assert_eq!(
        state.simulation.success_probability,
        rest["success_probability"].as_f64().unwrap()
    );

    let mut moved = state;
    for (price, wealth) in [(300.0, 95_000.0), (450.0, 125_000.0)] {
        app.tick("SPY", price).await;
        moved = update_at(&mut socket, wealth).await;
        let rest = rest_run(&app, &user, &moved, |_| {}).await;
        assert_matches(&moved, &rest);
        assert_eq!(
            moved.simulation.goals[1].probability,
            rest["goals"][1]["probability"].as_f64().unwrap()
        );
    }

    // A what-if runs both plans at the live wealth.
    let changes = WhatIfChanges {
        retirement_month: Some(312),
        ..WhatIfChanges::default()
    };
    let ServerMessage::WhatIfResult { answer, .. } =
        what_if(&mut socket, Encoding::MessagePack, changes).await
    else {
        panic!("a what-if result");
    };
    let later = rest_run(&app, &user, &moved, |spec| {
        spec["retirement_month"] = json!(312)
    })
    .await;
    assert_eq!(
        answer.variant.success_probability,
        later["success_probability"].as_f64().unwrap()
    );
    assert_eq!(
        answer.base.success_probability,
        moved.simulation.success_probability
    );

    // Solving runs the plan with its guardrails and goals at every step.
    let answered = solves_as_rest(
        &app,
        &user,
        &mut socket,
        Encoding::MessagePack,
        &moved,
        (30, SolveFor::MonthlySpending),
    )
    .await;
    assert!(answered);

    // Each state above was a run of its own: the first and one per tick, at least.
    let runs = crate::helpers::scrape(&app).await[r#"glidepath_simulation_duration_seconds_count{kind="live_resimulation"}"#];
    assert!(runs >= 3.0, "{runs}");
}

#[actix_web::test]
async fn a_bootstrap_without_price_history_streams_lognormal_returns_and_says_so() {
    let app = quiet_app().await;
    let spec = plan(&json!({ "return_model": { "model": "bootstrap" } }));
    let user = user_with(&app, &spec).await;
    // Over REST the plan cannot run: the holdings have no stored price history.
    let refused = app
        .post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "paths": 1000 }),
        )
        .await;
    assert_eq!(refused.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);

    let mut socket = open(&app, &user, Encoding::Json).await;
    let frame = json_state_at(&mut socket, false, 115_000.0, |_| true).await;
    let state = state_of(&frame);
    let how = state.simulation.extensions.clone().expect("said how");
    let left_out = how.left_out.expect("what is left out");
    assert!(
        left_out.contains("bootstrap") && left_out.contains("price history"),
        "{left_out}"
    );
    // The numbers are those of the plan with lognormal returns and its other extensions.
    let rest = rest_run(&app, &user, &state, |spec| {
        spec["extensions"]
            .as_object_mut()
            .unwrap()
            .remove("return_model");
    })
    .await;
    assert_matches(&state, &rest);
}
