//! Demo accounts: `POST /auth/demo` makes a fresh world per visitor, moving with the market;
//! demo accounts keep their e-mail and role, expire with everything they own, and their
//! creation is limited per address.

use std::time::Duration;

use glidepath::config::{FeedKind, Settings};
use protocol::live::LiveState;
use protocol::ws::Encoding;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app_with};
use crate::live::{open, subscribe};

/// The sweep of expired demo accounts deletes every old enough demo account in the
/// database, which on a shared PostgreSQL includes those of other tests: demo tests take
/// turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A server with demo accounts on (whatever the database) and prices only from
/// [`TestApp::tick`], every feed symbol priced at 100.
async fn demo_app(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::None;
        s.live.min_interval = Duration::from_millis(1);
        s.demo.enabled = Some(true);
        adjust(s);
    })
    .await;
    for symbol in app.settings.market.symbols.clone() {
        app.tick(&symbol, 100.0).await;
    }
    app
}

/// Opens a demo; returns its tokens and account view.
async fn demo(app: &TestApp, kind: &str) -> (TestUser, Value) {
    let tokens = ok_json(app.post("/auth/demo", None, &json!({ "as": kind })).await).await;
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let profile = ok_json(app.get("/users/profile", Some(&access)).await).await;
    let account = profile["account"].clone();
    let user = TestUser {
        id: account["id"].as_str().unwrap().parse().unwrap(),
        email: account["email"].as_str().unwrap().to_owned(),
        password: String::new(),
        access,
        refresh: tokens["refresh_token"].as_str().unwrap().to_owned(),
    };
    (user, profile)
}

async fn total(app: &TestApp, user: &TestUser, path: &str) -> u64 {
    ok_json(app.get(path, Some(&user.access)).await).await["total"]
        .as_u64()
        .unwrap()
}

#[actix_web::test]
async fn with_the_setting_off_there_is_no_demo() {
    let _turn = TURN.lock().await;
    let app = spawn_app_with(|s| s.demo.enabled = Some(false)).await;
    problem(
        app.post("/auth/demo", None, &json!({ "as": "client" }))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_demo_client_has_a_plan_holdings_goals_and_rules_of_its_own_and_moves_with_the_market() {
    let _turn = TURN.lock().await;
    let app = demo_app(|_| {}).await;
    let (client, profile) = demo(&app, "client").await;
    assert_eq!(profile["account"]["demo"], true);
    assert_eq!(profile["account"]["role"], "user");
    assert!(
        client.email.ends_with("@demo.glidepath.invalid"),
        "{client:?}"
    );
    assert!(profile["profile"]["age"].is_u64() && profile["profile"]["risk_tolerance"].is_string());
    let plan = ok_json(app.get("/planning/plan", Some(&client.access)).await).await;
    assert_eq!(plan["asset_classes"].as_array().unwrap().len(), 3);
    let holdings = ok_json(app.get("/portfolio/holdings", Some(&client.access)).await).await;
    let held: Vec<String> = holdings["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["symbol"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(held.len(), 6, "two per asset class: {held:?}");
    assert!(held.iter().all(|s| app.settings.market.symbols.contains(s)));
    assert_eq!(total(&app, &client, "/planning/goals").await, 2);
    assert_eq!(total(&app, &client, "/alerts/rules").await, 3);

    // Its live state values the holdings at the market's prices, and follows them.
    let state: LiveState =
        serde_json::from_value(ok_json(app.get("/live/state", Some(&client.access)).await).await)
            .unwrap();
    assert!(
        (state.simulation.starting_wealth - 120_000.0).abs() < 0.01,
        "{state:?}"
    );
    assert!((0.0..=1.0).contains(&state.simulation.success_probability));
    let mut socket = open(&app, &client, Encoding::Json).await;
    let (_, snapshot) = subscribe(&mut socket, Encoding::Json, None).await;
    assert_eq!(snapshot.user_id, client.id);
    app.tick(&held[0], 150.0).await;
    let moved = loop {
        let state: LiveState = serde_json::from_value(
            ok_json(app.get("/live/state", Some(&client.access)).await).await,
        )
        .unwrap();
        if state.simulation.starting_wealth > 120_000.0 + 1.0 {
            break state;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(moved.portfolio.total_value > 120_000.0);

    // A second visitor gets a world of their own: editing one leaves the other alone.
    let (other, _) = demo(&app, "client").await;
    assert_ne!(other.id, client.id);
    assert_ne!(other.email, client.email);
    let first = holdings["items"][0]["id"].as_str().unwrap();
    let deleted = app
        .delete(
            &format!("/portfolio/holdings/{first}"),
            Some(&client.access),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(total(&app, &client, "/portfolio/holdings").await, 5);
    assert_eq!(total(&app, &other, "/portfolio/holdings").await, 6);
}

#[actix_web::test]
async fn a_demo_account_keeps_its_e_mail_role_and_lack_of_password() {
    let _turn = TURN.lock().await;
    let app = demo_app(|_| {}).await;
    let (client, _) = demo(&app, "client").await;
    let refused = problem(
        app.put(
            "/users/profile",
            Some(&client.access),
            &json!({ "email": "someone@example.com" }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("demo"),
        "{refused}"
    );
    // Its other profile fields stay editable.
    ok_json(
        app.put(
            "/users/profile",
            Some(&client.access),
            &json!({ "age": 40 }),
        )
        .await,
    )
    .await;

    let admin = app.new_admin().await;
    let refused = problem(
        app.put(
            &format!("/admin/users/{}/role", client.id),
            Some(&admin.access),
            &json!({ "role": "premium" }),
        )
        .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(fields(&refused), ["role"]);
    assert!(
        refused["detail"].as_str().unwrap().contains("demo"),
        "{refused}"
    );
    let listed = ok_json(app.get("/admin/users?limit=100", Some(&admin.access)).await).await;
    let shown = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == client.id.to_string());
    if let Some(shown) = shown {
        assert_eq!(shown["role"], "user");
        assert_eq!(shown["demo"], true);
    }

    // No password opens it, and nobody else may take an address in the demo domain.
    problem(
        app.login(&client.email, "correct horse battery staple")
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let taken = format!("someone-{}@demo.glidepath.invalid", Uuid::new_v4().simple());
    let refused = problem(
        app.register(&taken, "correct horse battery staple").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["email"]);
    let user = app.new_user().await;
    let refused = problem(
        app.put(
            "/users/profile",
            Some(&user.access),
            &json!({ "email": taken }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&refused), ["email"]);
}

#[actix_web::test]
async fn a_demo_advisor_watches_a_book_of_three_demo_clients_with_different_plans() {
    let _turn = TURN.lock().await;
    let app = demo_app(|_| {}).await;
    let (advisor, profile) = demo(&app, "advisor").await;
    assert_eq!(profile["account"]["role"], "advisor");
    assert_eq!(profile["account"]["demo"], true);
    let clients = ok_json(app.get("/advisor/clients", Some(&advisor.access)).await).await;
    let clients = clients.as_array().unwrap();
    assert_eq!(clients.len(), 3, "{clients:?}");
    let mut probabilities: Vec<f64> = clients
        .iter()
        .map(|c| {
            c["success_probability"]
                .as_f64()
                .expect("a live probability")
        })
        .collect();
    probabilities.sort_by(f64::total_cmp);
    probabilities.dedup();
    assert_eq!(probabilities.len(), 3, "different plans, different odds");

    let client: Uuid = clients[1]["user_id"].as_str().unwrap().parse().unwrap();
    let mut socket = open(&app, &advisor, Encoding::MessagePack).await;
    let (_, state) = subscribe(&mut socket, Encoding::MessagePack, Some(client)).await;
    assert_eq!(state.user_id, client);
    assert!(state.portfolio.total_value > 0.0);
}

#[actix_web::test]
async fn expired_demo_worlds_are_deleted_with_everything_they_own() {
    let _turn = TURN.lock().await;
    let app = demo_app(|s| {
        s.demo.lifetime = Duration::from_secs(1);
        s.demo.sweep_interval = Duration::from_secs(1);
    })
    .await;
    let user = app.new_user().await;
    let (advisor, _) = demo(&app, "advisor").await;
    let clients = ok_json(app.get("/advisor/clients", Some(&advisor.access)).await).await;
    let mut world: Vec<Uuid> = clients
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_id"].as_str().unwrap().parse().unwrap())
        .collect();
    world.push(advisor.id);
    assert_eq!(world.len(), 4);

    let gone = |id: Uuid| {
        let db = app.db.clone();
        async move {
            db.count_owned_rows(id)
                .await
                .unwrap()
                .iter()
                .all(|(_, n)| *n == 0)
        }
    };
    for id in &world {
        for _ in 0..200 {
            if gone(*id).await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(gone(*id).await, "demo account {id} still has rows");
    }
    problem(
        app.get("/users/profile", Some(&advisor.access)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    // Ordinary accounts are never expired.
    ok_json(app.get("/users/profile", Some(&user.access)).await).await;
}

#[actix_web::test]
async fn demos_are_limited_per_address() {
    let _turn = TURN.lock().await;
    let app = demo_app(|s| s.rate_limit.demo_per_ip = 2).await;
    demo(&app, "client").await;
    demo(&app, "client").await;
    problem(
        app.post("/auth/demo", None, &json!({ "as": "advisor" }))
            .await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    )
    .await;
    problem(
        app.post("/auth/demo", None, &json!({ "as": "nobody" }))
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}

/// The dashboard opens demos in cookie mode, as it signs in: the refresh token arrives only
/// as the `HttpOnly` cookie and refreshes through it; a foreign page is refused before any
/// account is made.
#[actix_web::test]
async fn a_demo_opens_in_cookie_mode_too() {
    let _turn = TURN.lock().await;
    let app = demo_app(|_| {}).await;
    let open = |origin: String| {
        app.client
            .post(format!("{}/auth/demo", app.address))
            .header("origin", origin)
            .json(&json!({ "as": "client", "refresh_cookie": true }))
            .send()
    };
    let response = open(app.address.clone()).await.unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .expect("the refresh token comes as a cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("glidepath_refresh=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let tokens = ok_json(response).await;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    let token = cookie
        .strip_prefix("glidepath_refresh=")
        .and_then(|rest| rest.split(';').next())
        .unwrap();
    let refreshed = app
        .client
        .post(format!("{}/auth/refresh", app.address))
        .header("origin", app.address.clone())
        .header("cookie", format!("glidepath_refresh={token}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert!(ok_json(refreshed).await["access_token"].is_string());

    problem(
        open("https://evil.example".into()).await.unwrap(),
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
