//! Account state is authoritative at once: a deleted or deactivated account's tokens are
//! refused on every route and its WebSocket closes; a role change applies from the next
//! request; a constraint the database enforces never surfaces as a 500.

use actix_web::ResponseError;
use glidepath::http::error::ApiError;
use glidepath::store::goals::GoalRow;
use protocol::ws::{ClientMessage, Encoding, ServerMessage, close};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, ok_json, problem, spawn_app};
use crate::live::{open, quiet_app, subscribe, until_revoked, with_holdings};
use crate::websocket::{receive, send};

/// Every route family a token opens, with a valid body: each must answer 401 for an account
/// that cannot act, before any of them touches the database on its behalf.
fn authenticated_requests() -> Vec<(&'static str, &'static str, Option<Value>)> {
    let plan = json!({"plan": {"initial_wealth": 1000, "monthly_contribution": 10,
        "retirement_month": 12, "monthly_spending": 10, "horizon_months": 24}});
    vec![
        ("GET", "/users/profile", None),
        (
            "POST",
            "/planning/goals",
            Some(json!({"name": "House", "target_amount": 100000, "target_date": "2045-01-01"})),
        ),
        (
            "POST",
            "/portfolio/holdings",
            Some(
                json!({"account": "a", "symbol": "SPY", "quantity": 1, "asset_class": "us_equity"}),
            ),
        ),
        (
            "POST",
            "/alerts/rules",
            Some(json!({"kind": "success_below", "level": 0.8})),
        ),
        ("PUT", "/planning/plan", Some(plan["plan"].clone())),
        (
            "POST",
            "/simulations/monte-carlo",
            Some(json!({"plan": plan["plan"], "paths": 10})),
        ),
        (
            "POST",
            "/advisors/grants",
            Some(json!({"advisor_email": "someone@example.com"})),
        ),
        ("GET", "/live/state", None),
        (
            "POST",
            "/live/what-if",
            Some(json!({"changes": {"monthly_spending": 5}})),
        ),
        ("GET", "/alerts", None),
        ("GET", "/ml/model", None),
    ]
}

async fn all_refused(app: &TestApp, token: &str, why: &str) {
    for (method, path, body) in authenticated_requests() {
        let response = app
            .request(method.parse().unwrap(), path, Some(token), body.as_ref())
            .await;
        let body = problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
        assert!(
            body["detail"].as_str().unwrap().contains(why),
            "{method} {path}: {body}"
        );
    }
}

async fn set_active(app: &TestApp, admin: &TestUser, user: &TestUser, active: bool) -> Value {
    ok_json(
        app.put(
            &format!("/admin/users/{}/status", user.id),
            Some(&admin.access),
            &json!({ "active": active }),
        )
        .await,
    )
    .await
}

#[actix_web::test]
async fn a_deleted_accounts_token_is_refused_on_every_route() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    // The token is known to the server (verified and cached) before the deletion.
    ok_json(app.get("/users/profile", Some(&user.access)).await).await;
    let deleted = app
        .delete(
            "/users/account",
            Some(&user.access),
            Some(&json!({"password": user.password})),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    all_refused(&app, &user.access, "no longer exists").await;
    // Nothing was written for the account that is gone, and no session was started for it.
    let left: i64 = app
        .db
        .count_owned_rows(user.id)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(left, 0);
}

#[actix_web::test]
async fn a_deactivated_account_is_refused_at_once_and_its_websocket_closes() {
    let app = quiet_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let encoding = Encoding::Json;
    let mut socket = open(&app, &user, encoding).await;
    subscribe(&mut socket, encoding, None).await;

    let view = set_active(&app, &admin, &user, false).await;
    assert_eq!(view["is_active"], false);
    match receive(&mut socket, encoding).await {
        Err(code) => assert_eq!(code, close::ACCOUNT_CLOSED),
        Ok(message) => {
            // The end of the stream may come first; the close follows.
            assert!(
                matches!(message, ServerMessage::Unsubscribed { .. }),
                "{message:?}"
            );
            assert_eq!(
                receive(&mut socket, encoding).await.unwrap_err(),
                close::ACCOUNT_CLOSED
            );
        }
    }
    all_refused(&app, &user.access, "deactivated").await;
    problem(
        app.login(&user.email, &user.password).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    problem(
        app.refresh(&user.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    // A new connection with the (still unexpired) token is closed the same way.
    let mut again = crate::websocket::connect(&app, Some(encoding.subprotocol()), None)
        .await
        .unwrap();
    send(
        &mut again,
        encoding,
        &ClientMessage::Auth {
            token: user.access.clone(),
        },
    )
    .await;
    assert_eq!(
        receive(&mut again, encoding).await.unwrap_err(),
        close::ACCOUNT_CLOSED
    );

    // Activated again, the account signs in; administrators cannot deactivate themselves.
    assert_eq!(
        set_active(&app, &admin, &user, true).await["is_active"],
        true
    );
    ok_json(app.login(&user.email, &user.password).await).await;
    problem(
        app.put(
            &format!("/admin/users/{}/status", admin.id),
            Some(&admin.access),
            &json!({ "active": false }),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let actions = app.db.audit_actions_for(user.id).await.unwrap();
    assert!(
        actions.contains(&"account.deactivated".to_owned())
            && actions.contains(&"account.activated".to_owned()),
        "{actions:?}"
    );
}

#[actix_web::test]
async fn a_role_change_applies_from_the_next_request() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let other_admin = app.new_admin().await;
    let user = app.new_user().await;
    // Both tokens were verified (and cached) under their old roles.
    ok_json(app.get("/admin/users", Some(&other_admin.access)).await).await;
    problem(
        app.get("/admin/users", Some(&user.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    app.set_role(&admin, &other_admin, "user").await;
    app.set_role(&admin, &user, "admin").await;

    problem(
        app.get("/admin/users", Some(&other_admin.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    ok_json(app.get("/admin/users", Some(&user.access)).await).await;
}

/// `GET /users/profile` is served from the account cache; every change to what it shows
/// (the profile, the e-mail, the time of the last login, the role) is visible on the next read.
#[actix_web::test]
async fn the_cached_profile_follows_every_change_to_the_account() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let read = || async { ok_json(app.get("/users/profile", Some(&user.access)).await).await };
    let first = read().await;
    assert_eq!(
        first,
        read().await,
        "two reads with no change between agree"
    );

    let update = json!({ "annual_income": 81234.5, "email": crate::helpers::unique_email() });
    ok_json(app.put("/users/profile", Some(&user.access), &update).await).await;
    let after_update = read().await;
    assert_eq!(after_update["profile"]["annual_income"], json!(81234.5));
    assert_eq!(after_update["account"]["email"], update["email"]);

    let email = after_update["account"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    ok_json(app.login(&email, &user.password).await).await;
    let after_login = read().await;
    assert_ne!(
        after_login["account"]["last_login"], after_update["account"]["last_login"],
        "a login is seen at once"
    );

    app.set_role(&admin, &user, "premium").await;
    assert_eq!(read().await["account"]["role"], json!("premium"));
}

#[actix_web::test]
async fn a_demoted_advisor_stops_watching_clients_at_once() {
    let app = quiet_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = with_holdings(&app).await;
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
    let mut watcher = open(&app, &advisor, encoding).await;
    subscribe(&mut watcher, encoding, Some(client.id)).await;

    app.set_role(&admin, &advisor, "premium").await;
    until_revoked(&mut watcher, encoding, client.id).await;
    problem(
        app.get(
            &format!("/live/state?user_id={}", client.id),
            Some(&advisor.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn constraint_violations_are_client_errors_never_500() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let now = chrono::Utc::now();
    let goal = |owner: Uuid, id: Uuid| GoalRow {
        id,
        user_id: owner,
        name: "Race".into(),
        target_amount_cents: 100,
        target_date: now.date_naive(),
        priority: 1,
        status: "active".into(),
        created_at: now,
        updated_at: now,
    };
    // A goal for an account deleted meanwhile: the foreign key refuses it.
    let orphan = app
        .db
        .insert_goal_within(&goal(Uuid::new_v4(), Uuid::new_v4()), 100)
        .await
        .unwrap_err();
    assert_eq!(
        ApiError::from(orphan).status_code(),
        actix_web::http::StatusCode::CONFLICT
    );
    // The same id twice: the primary key refuses it.
    let id = Uuid::new_v4();
    assert!(
        app.db
            .insert_goal_within(&goal(user.id, id), 100)
            .await
            .unwrap()
    );
    let twice = app
        .db
        .insert_goal_within(&goal(user.id, id), 100)
        .await
        .unwrap_err();
    assert_eq!(
        ApiError::from(twice).status_code(),
        actix_web::http::StatusCode::CONFLICT
    );
    // A value the schema's check forbids.
    let mut bad = goal(user.id, Uuid::new_v4());
    bad.priority = 9;
    let checked = app.db.insert_goal_within(&bad, 100).await.unwrap_err();
    assert_eq!(
        ApiError::from(checked).status_code(),
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    );
}
