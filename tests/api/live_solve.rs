//! Solving the live plan over the WebSocket: `solve` answers what `POST /planning/solve` gives
//! for the same plan, live wealth, paths and seed, in both encodings, moves with the market,
//! names what it refuses with the request's id, and is refused for a stream the caller may
//! not watch.

use protocol::ErrorCode;
use protocol::live::{LiveState, WealthSource};
use protocol::planning::{SolveAnswer, SolveFor};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, ok_json, problem};
use crate::live::{open, quiet_app, subscribe};
use crate::websocket::{Socket, receive, send};

/// A saver's plan on the default classes: every input can reach 40% from the holdings below
/// (the equity share too, though it reaches about 50% at most, with all of it in equity).
fn saver() -> Value {
    json!({ "initial_wealth": 100000, "monthly_contribution": 1500, "retirement_month": 300,
            "monthly_spending": 4000, "horizon_months": 600 })
}

/// A user with `saver()` stored and 200 SPY (us_equity) and 500 BND (bonds).
async fn saver_with_holdings(app: &TestApp) -> TestUser {
    let user = app.new_user().await;
    ok_json(
        app.put("/planning/plan", Some(&user.access), &saver())
            .await,
    )
    .await;
    app.create_holding(&user, "brokerage", "SPY", 200.0, "us_equity")
        .await;
    app.create_holding(&user, "brokerage", "BND", 500.0, "bonds")
        .await;
    user
}

/// The state once it shows `wealth` (the snapshot, or a later update).
async fn state_at(socket: &mut Socket, encoding: Encoding, wealth: f64) -> LiveState {
    let (_, mut state) = subscribe(socket, encoding, None).await;
    while (state.simulation.starting_wealth - wealth).abs() > 1e-6 {
        match receive(socket, encoding).await {
            Ok(ServerMessage::Update { state: s, .. }) => state = LiveState::clone(&s),
            other => panic!("expected updates, got {other:?}"),
        }
    }
    state
}

async fn ask(
    socket: &mut Socket,
    encoding: Encoding,
    request_id: u64,
    user_id: Option<Uuid>,
    lever: SolveFor,
    target_success: f64,
    equity_classes: Option<Vec<String>>,
) -> ServerMessage {
    send(
        socket,
        encoding,
        &ClientMessage::Solve {
            request_id,
            user_id,
            lever,
            target_success,
            equity_classes,
        },
    )
    .await;
    loop {
        match receive(socket, encoding).await {
            Ok(ServerMessage::Update { .. }) => {}
            Ok(answer) => return answer,
            Err(code) => panic!("closed with {code}"),
        }
    }
}

/// The answer to a solve (with the wealth it started from), or a panic.
fn solved(message: ServerMessage, request: u64, owner: Uuid) -> (f64, WealthSource, SolveAnswer) {
    match message {
        ServerMessage::SolveResult {
            request_id,
            stream,
            starting_wealth,
            wealth_source,
            answer,
        } => {
            assert_eq!((request_id, stream), (request, owner));
            (starting_wealth, wealth_source, answer)
        }
        other => panic!("expected a solve result, got {other:?}"),
    }
}

/// `POST /planning/solve` for the stored plan starting from `wealth`, on `paths` and `seed`.
async fn rest_solve(
    app: &TestApp,
    user: &TestUser,
    lever: SolveFor,
    target: f64,
    wealth: f64,
    (paths, seed): (u32, u64),
) -> SolveAnswer {
    let mut plan = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    plan["initial_wealth"] = json!(wealth);
    let body = json!({ "for": lever, "target_success": target, "plan": plan, "paths": paths,
                       "seed": seed });
    serde_json::from_value(
        ok_json(app.post("/planning/solve", Some(&user.access), &body).await).await,
    )
    .unwrap()
}

#[actix_web::test]
async fn a_live_solve_is_the_rest_solve_of_the_plan_at_the_live_wealth_paths_and_seed() {
    let app = quiet_app().await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        let user = saver_with_holdings(&app).await;
        let mut socket = open(&app, &user, encoding).await;
        let state = state_at(&mut socket, encoding, 115_000.0).await;
        let live = (state.simulation.paths, state.simulation.seed);
        for (i, lever) in SolveFor::ALL.into_iter().enumerate() {
            let request = 10 + i as u64;
            let message = ask(&mut socket, encoding, request, None, lever, 0.4, None).await;
            let (wealth, source, answer) = solved(message, request, user.id);
            assert_eq!((wealth, source), (115_000.0, WealthSource::Holdings));
            assert_eq!(
                (answer.paths, answer.seed),
                live,
                "the session's paths and seed"
            );
            let rest = rest_solve(&app, &user, lever, 0.4, wealth, live).await;
            assert_eq!(answer, rest, "{lever:?} in {encoding:?}");
            assert!(answer.search_success >= 0.4);
            if lever == SolveFor::EquityShare {
                // It says which classes counted and the weights at the answer, the equity
                // mix (0.6 : 0.2) kept.
                assert_eq!(
                    answer.equity_classes.as_deref(),
                    Some(&["us_equity".to_owned(), "intl_equity".to_owned()][..])
                );
                let weights = answer.weights.unwrap();
                assert!(
                    (weights[0] + weights[1] - answer.value).abs() < 1e-12,
                    "{weights:?}"
                );
                assert!((weights[0] / weights[1] - 3.0).abs() < 1e-9, "{weights:?}");
            } else {
                assert_eq!((answer.equity_classes, answer.weights), (None, None));
            }
        }

        // The market moves: the same question has another answer, from the new wealth.
        let before = ask(
            &mut socket,
            encoding,
            21,
            None,
            SolveFor::MonthlySpending,
            0.4,
            None,
        )
        .await;
        let (_, _, before) = solved(before, 21, user.id);
        app.tick("SPY", 460.0).await;
        let mut moved = None;
        while moved.is_none() {
            match receive(&mut socket, encoding).await {
                Ok(ServerMessage::Update { state, .. })
                    if state.simulation.starting_wealth == 127_000.0 =>
                {
                    moved = Some(state);
                }
                Ok(ServerMessage::Update { .. }) => {}
                other => panic!("expected updates, got {other:?}"),
            }
        }
        let after = ask(
            &mut socket,
            encoding,
            22,
            None,
            SolveFor::MonthlySpending,
            0.4,
            None,
        )
        .await;
        let (wealth, _, after) = solved(after, 22, user.id);
        assert_eq!(wealth, 127_000.0);
        assert!(after.value > before.value, "{before:?} → {after:?}");
        // Back to where it was: the same answer again.
        app.tick("SPY", 400.0).await;
        loop {
            match receive(&mut socket, encoding).await {
                Ok(ServerMessage::Update { state, .. })
                    if state.simulation.starting_wealth == 115_000.0 =>
                {
                    break;
                }
                Ok(ServerMessage::Update { .. }) => {}
                other => panic!("expected updates, got {other:?}"),
            }
        }
        let again = ask(
            &mut socket,
            encoding,
            23,
            None,
            SolveFor::MonthlySpending,
            0.4,
            None,
        )
        .await;
        assert_eq!(solved(again, 23, user.id).2, before);
    }
}

/// The error frame's code, field and request id.
fn refusal(message: ServerMessage) -> (ErrorCode, Option<String>, Option<u64>, String) {
    match message {
        ServerMessage::Error {
            code,
            message,
            field,
            request_id,
        } => (code, field, request_id, message),
        other => panic!("expected an error frame, got {other:?}"),
    }
}

#[actix_web::test]
async fn a_bad_or_unreachable_live_solve_is_an_error_frame_naming_the_field() {
    let app = quiet_app().await;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        let user = app.new_user().await;
        let mut socket = open(&app, &user, encoding).await;
        subscribe(&mut socket, encoding, None).await;
        for (request, lever, target, classes, field, says) in [
            (
                1,
                SolveFor::MonthlySpending,
                1.5,
                None,
                "target_success",
                "at most 1",
            ),
            (
                2,
                SolveFor::EquityShare,
                0.4,
                Some(vec!["us_equity".to_owned(), "gold".to_owned()]),
                "equity_classes[1]",
                "asset classes",
            ),
            (
                3,
                SolveFor::EquityShare,
                0.4,
                Some(vec![
                    "us_equity".to_owned(),
                    "intl_equity".to_owned(),
                    "bonds".to_owned(),
                ]),
                "equity_classes",
                "cannot move",
            ),
            // The default plan (P1) reaches about 56% at most with all of it in equity.
            (
                4,
                SolveFor::EquityShare,
                0.85,
                None,
                "target_success",
                "no equity_share from 0 to 1 reaches",
            ),
        ] {
            let message = ask(&mut socket, encoding, request, None, lever, target, classes).await;
            let (code, named, request_id, message) = refusal(message);
            assert_eq!(code, ErrorCode::ValidationFailed, "{message}");
            assert_eq!(named.as_deref(), Some(field), "{message}");
            assert_eq!(request_id, Some(request));
            assert!(message.contains(says), "{message}");
        }
        // REST refuses the unreachable one with the same words.
        let p = problem(
            app.post(
                "/planning/solve",
                Some(&user.access),
                &json!({"for": "equity_share", "target_success": 0.85, "paths": 1000,
                        "seed": 1}),
            )
            .await,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            p.to_string()
                .contains("no equity_share from 0 to 1 reaches"),
            "{p}"
        );
        // The connection carries on.
        let ok = ask(
            &mut socket,
            encoding,
            5,
            None,
            SolveFor::InitialWealth,
            0.4,
            None,
        )
        .await;
        solved(ok, 5, user.id);
    }
}

#[actix_web::test]
async fn another_users_plan_is_solved_only_with_their_grant() {
    let app = quiet_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = app.new_user().await;
    let stranger = app.new_user().await;
    for (encoding, asker) in [
        (Encoding::Json, &stranger),
        (Encoding::MessagePack, &advisor),
    ] {
        let mut socket = open(&app, asker, encoding).await;
        let message = ask(
            &mut socket,
            encoding,
            7,
            Some(client.id),
            SolveFor::InitialWealth,
            0.8,
            None,
        )
        .await;
        let (code, field, request_id, message) = refusal(message);
        assert_eq!(code, ErrorCode::NotFound);
        assert_eq!((field, request_id), (None, Some(7)));
        assert_eq!(message, "no such plan stream, or no access to it");
    }
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&client.access),
            &json!({"advisor_email": advisor.email}),
        )
        .await,
    )
    .await;
    let encoding = Encoding::MessagePack;
    let mut socket = open(&app, &advisor, encoding).await;
    let message = ask(
        &mut socket,
        encoding,
        8,
        Some(client.id),
        SolveFor::InitialWealth,
        0.8,
        None,
    )
    .await;
    let (wealth, source, answer) = solved(message, 8, client.id);
    // The client holds nothing: the plan's own starting wealth (the default, P1's).
    assert_eq!((wealth, source), (250_000.0, WealthSource::Plan));
    assert_eq!(answer.lever, SolveFor::InitialWealth);
}
