//! Why the live success moved, over real WebSocket connections: a price tick is the
//! market's part, a committed what-if the plan's, `explain` answers since a chosen time.

use protocol::ErrorCode;
use protocol::live::{ExplainedInput, Explanation, LiveState, WealthSource, WhatIfChanges};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser};
use crate::live::{open, quiet_app, settled, subscribe};
use crate::websocket::{Socket, receive, send};

/// 1,000 SPY at 400 and 2,000 BND at 70: 540,000, enough that price moves change how many
/// of the 1,000 paths survive.
async fn invested(app: &TestApp) -> TestUser {
    let user = app.new_user().await;
    app.create_holding(&user, "brokerage", "SPY", 1000.0, "us_equity")
        .await;
    app.create_holding(&user, "brokerage", "BND", 2000.0, "bonds")
        .await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    user
}

/// Reads updates until one shows `wealth` and `contribution`; returns it with its
/// explanation.
async fn update_at(
    socket: &mut Socket,
    encoding: Encoding,
    wealth: f64,
    contribution: f64,
) -> (u64, LiveState, Option<Explanation>) {
    loop {
        match receive(socket, encoding).await {
            Ok(ServerMessage::Update {
                seq,
                state,
                explanation,
                ..
            }) if (state.simulation.starting_wealth - wealth).abs() < 1e-6
                && state.simulation.monthly_contribution == contribution =>
            {
                return (
                    seq,
                    LiveState::clone(&state),
                    explanation.map(|e| Explanation::clone(&e)),
                );
            }
            Ok(ServerMessage::Update { .. } | ServerMessage::Committed { .. }) => {}
            other => panic!("expected updates, got {other:?}"),
        }
    }
}

/// A fresh snapshot at `wealth`: the subscription's reference from then on.
async fn snapshot_at(socket: &mut Socket, encoding: Encoding, wealth: f64) -> (u64, LiveState) {
    let first = subscribe(socket, encoding, None).await;
    settled(socket, encoding, first, wealth).await;
    // Subscribing again makes the settled state the reference, even if an update showed it.
    let (seq, state) = subscribe(socket, encoding, None).await;
    assert!((state.simulation.starting_wealth - wealth).abs() < 1e-6);
    (seq, state)
}

async fn commit_contribution(socket: &mut Socket, encoding: Encoding, contribution: f64) {
    send(
        socket,
        encoding,
        &ClientMessage::WhatIf {
            request_id: 1,
            user_id: None,
            changes: WhatIfChanges {
                monthly_contribution: Some(contribution),
                ..WhatIfChanges::default()
            },
        },
    )
    .await;
    loop {
        match receive(socket, encoding).await {
            Ok(ServerMessage::WhatIfResult { request_id: 1, .. }) => break,
            Ok(ServerMessage::Update { .. }) => {}
            other => panic!("expected the what-if's answer, got {other:?}"),
        }
    }
    send(socket, encoding, &ClientMessage::Commit { request_id: 2 }).await;
}

async fn explain(
    socket: &mut Socket,
    encoding: Encoding,
    request_id: u64,
    user_id: Option<Uuid>,
    since_ms: i64,
) -> ServerMessage {
    send(
        socket,
        encoding,
        &ClientMessage::Explain {
            request_id,
            user_id,
            since_ms,
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

#[actix_web::test]
async fn a_tick_is_all_market_and_a_commit_at_unchanged_prices_all_plan_in_both_encodings() {
    let app = quiet_app().await;
    for encoding in [Encoding::Json, Encoding::MessagePack] {
        let user = invested(&app).await;
        let mut socket = open(&app, &user, encoding).await;
        let (since, before) = snapshot_at(&mut socket, encoding, 540_000.0).await;
        assert_eq!(before.simulation.wealth_source, WealthSource::Holdings);

        // The market falls: SPY 400 → 300, the holdings 540,000 → 440,000.
        app.tick("SPY", 300.0).await;
        let (_, fallen, explanation) = update_at(&mut socket, encoding, 440_000.0, 1500.0).await;
        let market = explanation.expect("fewer paths survive on less wealth");
        assert_eq!(market.since_seq, since);
        assert_eq!(market.since_ms, before.computed_at_ms);
        let moved = fallen.simulation.success_probability - before.simulation.success_probability;
        assert!(moved < 0.0, "{moved}");
        assert!((market.total - moved).abs() < 1e-12, "{market:?}");
        assert_eq!(market.market, market.total);
        assert_eq!((market.plan, market.rest), (0.0, 0.0));
        assert!(market.changed_inputs.is_empty(), "{market:?}");

        // A committed what-if at these prices: all the plan's, the input named.
        let (since, at_fall) = snapshot_at(&mut socket, encoding, 440_000.0).await;
        commit_contribution(&mut socket, encoding, 4000.0).await;
        let (_, richer, explanation) = update_at(&mut socket, encoding, 440_000.0, 4000.0).await;
        let plan = explanation.expect("saving more saves paths");
        assert_eq!(plan.since_seq, since);
        let moved = richer.simulation.success_probability - at_fall.simulation.success_probability;
        assert!(moved > 0.0, "{moved}");
        assert!((plan.total - moved).abs() < 1e-12, "{plan:?}");
        assert_eq!(plan.plan, plan.total);
        assert_eq!((plan.market, plan.rest), (0.0, 0.0));
        assert_eq!(plan.changed_inputs.len(), 1, "{plan:?}");
        let changed = &plan.changed_inputs[0];
        assert_eq!(changed.input, ExplainedInput::MonthlyContribution);
        assert_eq!((changed.from, changed.to), (Some(1500.0), Some(4000.0)));
    }
}

#[actix_web::test]
async fn explain_since_a_time_before_both_adds_up_and_a_time_before_the_history_is_refused() {
    let app = quiet_app().await;
    let encoding = Encoding::Json;
    let user = invested(&app).await;
    let mut socket = open(&app, &user, encoding).await;
    let (_, before) = snapshot_at(&mut socket, encoding, 540_000.0).await;
    app.tick("SPY", 300.0).await;
    update_at(&mut socket, encoding, 440_000.0, 1500.0).await;
    commit_contribution(&mut socket, encoding, 4000.0).await;
    let (_, now, _) = update_at(&mut socket, encoding, 440_000.0, 4000.0).await;

    let answer = explain(&mut socket, encoding, 7, None, before.computed_at_ms).await;
    let ServerMessage::Explanation {
        request_id,
        stream,
        explanation,
    } = answer
    else {
        panic!("expected an explanation, got {answer:?}");
    };
    assert_eq!((request_id, stream), (7, user.id));
    // From the state in force then: this subscription's snapshot, known exactly.
    assert_eq!(explanation.since_ms, before.computed_at_ms);
    let total = now.simulation.success_probability - before.simulation.success_probability;
    assert!((explanation.total - total).abs() < 1e-12, "{explanation:?}");
    let sum = explanation.market + explanation.plan + explanation.rest;
    assert!((sum - explanation.total).abs() < 1e-12, "{explanation:?}");
    assert!(explanation.market < 0.0, "{explanation:?}");
    assert!(explanation.plan > 0.0, "{explanation:?}");
    assert_eq!(explanation.rest, 0.0);
    assert_eq!(
        explanation.changed_inputs[0].input,
        ExplainedInput::MonthlyContribution
    );

    // Before the oldest state kept: an error naming since_ms, echoing the request.
    match explain(&mut socket, encoding, 8, None, 0).await {
        ServerMessage::Error {
            code,
            field,
            request_id,
            message,
        } => {
            assert_eq!(code, ErrorCode::ValidationFailed);
            assert_eq!(field.as_deref(), Some("since_ms"));
            assert_eq!(request_id, Some(8));
            assert!(message.contains("oldest state kept"), "{message}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    // Someone else's plan without a grant: not found, as for subscribing.
    let stranger = app.new_user().await;
    match explain(
        &mut socket,
        encoding,
        9,
        Some(stranger.id),
        before.computed_at_ms,
    )
    .await
    {
        ServerMessage::Error {
            code, request_id, ..
        } => {
            assert_eq!(code, ErrorCode::NotFound);
            assert_eq!(request_id, Some(9));
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
