//! Advisors' proposals: made by an advisor with a grant, measured on the client's live
//! simulation, seen live by both sides, answered once by the client, audited.

use std::time::Duration;

use protocol::live::WhatIfChanges;
use protocol::proposals::{Proposal, ProposalStatus};
use protocol::ws::{Encoding, ServerMessage};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem};
use crate::live::{open, quiet_app, settled, subscribe, with_holdings};
use crate::websocket::{Socket, receive};

const ENCODING: Encoding = Encoding::Json;

/// An advisor, a client (SPY 10 at 400, BND 20 at 70) who granted them access, and a
/// stranger.
async fn advisor_and_client(app: &TestApp) -> (TestUser, TestUser, TestUser) {
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = with_holdings(app).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&client.access),
            &json!({"advisor_email": advisor.email}),
        )
        .await,
    )
    .await;
    (advisor, client, app.new_user().await)
}

async fn watch(app: &TestApp, viewer: &TestUser, owner: &TestUser) -> Socket {
    let mut socket = open(app, viewer, ENCODING).await;
    let snapshot = subscribe(&mut socket, ENCODING, Some(owner.id)).await;
    settled(&mut socket, ENCODING, snapshot, 5400.0).await;
    socket
}

/// Reads (skipping updates and alerts) until a `proposal` frame; returns it.
async fn next_proposal(socket: &mut Socket, owner: Uuid) -> Proposal {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), receive(socket, ENCODING))
            .await
            .expect("a proposal frame within 10 s")
        {
            Ok(ServerMessage::Proposal { stream, proposal }) => {
                assert_eq!(stream, owner);
                return Proposal::clone(&proposal);
            }
            Ok(ServerMessage::Update { .. } | ServerMessage::Alert { .. }) => {}
            other => panic!("expected a proposal, got {other:?}"),
        }
    }
}

fn propose_path(client: &TestUser) -> String {
    format!("/advisor/clients/{}/proposals", client.id)
}

fn more_saving() -> Value {
    json!({
        "message": "Saving 2,000 more a month lifts your plan.",
        "changes": {"monthly_contribution": 5000.0}
    })
}

#[actix_web::test]
async fn a_proposal_is_seen_live_by_both_sides_and_accepting_it_changes_the_plan() {
    let app = quiet_app().await;
    let (advisor, client, _) = advisor_and_client(&app).await;
    let mut clients_view = watch(&app, &client, &client).await;
    let mut advisors_view = watch(&app, &advisor, &client).await;

    let made: Proposal = serde_json::from_value(
        ok_json(
            app.post(
                &propose_path(&client),
                Some(&advisor.access),
                &more_saving(),
            )
            .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(made.status, ProposalStatus::Pending);
    assert_eq!((made.advisor_id, made.client_id), (advisor.id, client.id));
    assert_eq!(made.advisor_email, advisor.email);
    // Measured on the live simulation: the same numbers a what-if gives now.
    let what_if = ok_json(
        app.post(
            "/live/what-if",
            Some(&advisor.access),
            &json!({"user_id": client.id, "changes": {"monthly_contribution": 5000.0}}),
        )
        .await,
    )
    .await;
    assert_eq!(
        made.success_before,
        what_if["base"]["success_probability"].as_f64().unwrap()
    );
    assert_eq!(
        made.success_after,
        what_if["variant"]["success_probability"].as_f64().unwrap()
    );
    assert!(made.success_after > made.success_before, "{made:?}");

    // Both sides see it live, as the lists show it.
    assert_eq!(next_proposal(&mut clients_view, client.id).await, made);
    assert_eq!(next_proposal(&mut advisors_view, client.id).await, made);
    let mine = ok_json(app.get("/planning/proposals", Some(&client.access)).await).await;
    assert_eq!(
        serde_json::from_value::<Vec<Proposal>>(mine).unwrap(),
        std::slice::from_ref(&made)
    );
    let theirs = ok_json(app.get(&propose_path(&client), Some(&advisor.access)).await).await;
    assert_eq!(
        serde_json::from_value::<Vec<Proposal>>(theirs).unwrap(),
        std::slice::from_ref(&made)
    );

    let accepted: Proposal = serde_json::from_value(
        ok_json(
            app.post(
                &format!("/planning/proposals/{}/accept", made.id),
                Some(&client.access),
                &json!({}),
            )
            .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(accepted.status, ProposalStatus::Accepted);
    assert!(accepted.answered_at.is_some());
    // The advisor sees the answer live; the plan is the change now.
    assert_eq!(next_proposal(&mut advisors_view, client.id).await, accepted);
    let plan = ok_json(app.get("/planning/plan", Some(&client.access)).await).await;
    assert_eq!(plan["monthly_contribution"], 5000.0);

    // Answered once: neither a second accept nor a decline.
    for verb in ["accept", "decline"] {
        problem(
            app.post(
                &format!("/planning/proposals/{}/{verb}", made.id),
                Some(&client.access),
                &json!({}),
            )
            .await,
            StatusCode::CONFLICT,
            "conflict",
        )
        .await;
    }
    let actions = app.db.audit_actions_for(client.id).await.unwrap();
    assert!(
        actions.ends_with(&["proposal.created".into(), "proposal.accepted".into()]),
        "{actions:?}"
    );
}

#[actix_web::test]
async fn a_declined_proposal_leaves_the_plan_as_it_was() {
    let app = quiet_app().await;
    let (advisor, client, _) = advisor_and_client(&app).await;
    // The client has stored no plan (the live stream runs the default).
    let no_plan = || async {
        app.get("/planning/plan", Some(&client.access))
            .await
            .status()
    };
    assert_eq!(no_plan().await, StatusCode::NOT_FOUND);
    let made = ok_json(
        app.post(
            &propose_path(&client),
            Some(&advisor.access),
            &more_saving(),
        )
        .await,
    )
    .await;
    let declined = ok_json(
        app.post(
            &format!(
                "/planning/proposals/{}/decline",
                made["id"].as_str().unwrap()
            ),
            Some(&client.access),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    assert_eq!(no_plan().await, StatusCode::NOT_FOUND, "still none");
    let actions = app.db.audit_actions_for(client.id).await.unwrap();
    assert!(
        actions.ends_with(&["proposal.declined".into()]),
        "{actions:?}"
    );
}

#[actix_web::test]
async fn only_an_advisor_with_a_grant_proposes_and_only_the_client_answers() {
    let app = quiet_app().await;
    let (advisor, client, stranger) = advisor_and_client(&app).await;
    // Not an advisor: 403; an advisor without a grant, or a client that does not exist: 404.
    problem(
        app.post(
            &propose_path(&client),
            Some(&stranger.access),
            &more_saving(),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let admin = app.new_admin().await;
    let other_advisor = app.new_advisor(&admin).await;
    problem(
        app.post(
            &propose_path(&client),
            Some(&other_advisor.access),
            &more_saving(),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.get(&propose_path(&client), Some(&other_advisor.access))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.post(
            &format!("/advisor/clients/{}/proposals", Uuid::new_v4()),
            Some(&advisor.access),
            &more_saving(),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let made = ok_json(
        app.post(
            &propose_path(&client),
            Some(&advisor.access),
            &more_saving(),
        )
        .await,
    )
    .await;
    let id = made["id"].as_str().unwrap();
    // Nobody but the client answers it, and nobody else lists it.
    for someone in [&stranger, &advisor] {
        problem(
            app.post(
                &format!("/planning/proposals/{id}/accept"),
                Some(&someone.access),
                &json!({}),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let listed = ok_json(app.get("/planning/proposals", Some(&someone.access)).await).await;
        assert_eq!(listed, json!([]));
    }
    problem(
        app.post(
            "/planning/proposals/nope/accept",
            Some(&client.access),
            &json!({}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    let still = ok_json(app.get("/planning/proposals", Some(&client.access)).await).await;
    assert_eq!(still[0]["status"], "pending");
}

#[actix_web::test]
async fn a_bad_proposal_is_refused_naming_the_field_and_stores_nothing() {
    let app = quiet_app().await;
    let (advisor, client, _) = advisor_and_client(&app).await;
    let cases = [
        (
            json!({"message": " ", "changes": {"monthly_spending": 1.0}}),
            "message",
        ),
        (
            json!({"message": "x".repeat(1001), "changes": {"monthly_spending": 1.0}}),
            "message",
        ),
        (json!({"message": "hello", "changes": {}}), "changes"),
        (
            json!({"message": "hello", "changes": {"weights": [0.5, 0.6]}}),
            "changes.weights",
        ),
        (
            json!({"message": "hello", "changes": {"monthly_contribution": -5.0}}),
            "changes.monthly_contribution",
        ),
    ];
    for (body, field) in cases {
        let refused = problem(
            app.post(&propose_path(&client), Some(&advisor.access), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&refused), [field], "{body}");
    }
    let none = ok_json(app.get("/planning/proposals", Some(&client.access)).await).await;
    assert_eq!(none, json!([]));
}

/// A proposal whose change no longer fits the plan (weights for the default plan's three
/// classes, after the client's plan moved to two) is refused on accept, naming the change,
/// and stays pending.
#[actix_web::test]
async fn accepting_a_change_that_no_longer_fits_the_plan_is_refused_and_stays_pending() {
    let app = quiet_app().await;
    let (advisor, client, _) = advisor_and_client(&app).await;
    let changes = WhatIfChanges {
        weights: Some(vec![0.4, 0.3, 0.3]),
        ..WhatIfChanges::default()
    };
    let made = ok_json(
        app.post(
            &propose_path(&client),
            Some(&advisor.access),
            &json!({"message": "Less in US equities.", "changes": changes}),
        )
        .await,
    )
    .await;
    let two_classes = json!({
        "initial_wealth": 5400.0,
        "monthly_contribution": 3000.0,
        "retirement_month": 300,
        "monthly_spending": 4000.0,
        "horizon_months": 600,
        "asset_classes": [
            {"name": "us_equity", "mu": 0.07, "sigma": 0.16},
            {"name": "bonds", "mu": 0.03, "sigma": 0.05}
        ],
        "weights": [0.6, 0.4],
        "correlation": [[1.0, 0.1], [0.1, 1.0]]
    });
    ok_json(
        app.put("/planning/plan", Some(&client.access), &two_classes)
            .await,
    )
    .await;
    let refused = problem(
        app.post(
            &format!(
                "/planning/proposals/{}/accept",
                made["id"].as_str().unwrap()
            ),
            Some(&client.access),
            &json!({}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["changes.weights"]);
    let still = ok_json(app.get("/planning/proposals", Some(&client.access)).await).await;
    assert_eq!(still[0]["status"], "pending");
    assert_eq!(
        ok_json(app.get("/planning/plan", Some(&client.access)).await).await["weights"],
        json!([0.6, 0.4])
    );
}

#[actix_web::test]
async fn an_advisor_proposes_a_clients_recommendation_and_accepting_it_accepts_both() {
    let app = quiet_app().await;
    let (advisor, client, stranger) = advisor_and_client(&app).await;
    let made = ok_json(
        app.post(
            "/ml/recommendations",
            Some(&client.access),
            &json!({"target_success": 0.99, "paths": 1000, "seed": 5}),
        )
        .await,
    )
    .await;
    let recs = made["recommendations"].as_array().unwrap().clone();
    assert!(!recs.is_empty(), "{made:#}");
    // The advisor reads the client's recommendations; nobody else does.
    let path = format!("/advisor/clients/{}/recommendations", client.id);
    let seen = ok_json(app.get(&path, Some(&advisor.access)).await).await;
    assert_eq!(seen.as_array().unwrap().len(), recs.len());
    problem(
        app.get(&path, Some(&stranger.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let chosen = recs
        .iter()
        .find(|r| r["kind"] != "lower_fees")
        .expect("a change a what-if can carry");
    let proposal: Proposal = serde_json::from_value(
        ok_json(
            app.post(
                &propose_path(&client),
                Some(&advisor.access),
                &json!({"message": "Worth doing.", "recommendation_id": chosen["id"]}),
            )
            .await,
        )
        .await,
    )
    .unwrap();
    assert_eq!(
        proposal.recommendation_id.map(|id| json!(id)),
        Some(chosen["id"].clone())
    );
    let change = &chosen["change"];
    assert_eq!(
        serde_json::to_value(&proposal.changes).unwrap(),
        json!({
            "monthly_contribution": change.get("monthly_contribution"),
            "retirement_month": change.get("retirement_month"),
            "monthly_spending": change.get("monthly_spending"),
            "weights": change.get("weights"),
        })
    );
    assert!(proposal.success_after > proposal.success_before);

    // What a recommendation proposal cannot be.
    let mut cases = vec![
        (
            json!({"message": "x", "recommendation_id": Uuid::new_v4()}),
            "recommendation_id",
        ),
        (
            json!({"message": "x", "recommendation_id": chosen["id"], "changes": {"monthly_spending": 1.0}}),
            "changes",
        ),
        (json!({"message": "x"}), "changes"),
    ];
    if let Some(fees) = recs.iter().find(|r| r["kind"] == "lower_fees") {
        cases.push((
            json!({"message": "x", "recommendation_id": fees["id"]}),
            "recommendation_id",
        ));
    }
    for (body, field) in cases {
        let refused = problem(
            app.post(&propose_path(&client), Some(&advisor.access), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&refused), [field], "{body}");
    }

    // The client accepts the proposal: the plan takes the change, and the recommendation is
    // accepted with it.
    ok_json(
        app.post(
            &format!("/planning/proposals/{}/accept", proposal.id),
            Some(&client.access),
            &json!({}),
        )
        .await,
    )
    .await;
    let after = ok_json(app.get("/ml/recommendations", Some(&client.access)).await).await;
    let accepted = after
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == chosen["id"])
        .unwrap();
    assert_eq!(accepted["status"], "accepted");
    let plan = ok_json(app.get("/planning/plan", Some(&client.access)).await).await;
    for (k, v) in change.as_object().unwrap() {
        assert_eq!(&plan[k], v, "{k}");
    }
}

#[actix_web::test]
async fn a_goal_trade_off_cannot_be_proposed_it_is_the_clients_to_accept() {
    let app = quiet_app().await;
    let (advisor, client, _) = advisor_and_client(&app).await;
    let plan = json!({
        "initial_wealth": 250000.0, "monthly_contribution": 1500.0, "retirement_month": 360,
        "monthly_spending": 5000.0, "horizon_months": 720,
        "extensions": {"goals": [
            {"name": "boat", "amount": 80000.0, "month": 120, "priority": "want"}
        ]}
    });
    ok_json(app.put("/planning/plan", Some(&client.access), &plan).await).await;
    let made = ok_json(
        app.post(
            "/ml/recommendations",
            Some(&client.access),
            &json!({"target_success": 0.95, "paths": 1000, "seed": 17}),
        )
        .await,
    )
    .await;
    let trade = made["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["change"]["goal"].is_object())
        .unwrap_or_else(|| panic!("a goal trade-off: {made:#}"))
        .clone();
    let refused = problem(
        app.post(
            &propose_path(&client),
            Some(&advisor.access),
            &json!({"message": "x", "recommendation_id": trade["id"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["recommendation_id"]);
    assert!(
        refused["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("goal"),
        "{refused:#}"
    );
}
