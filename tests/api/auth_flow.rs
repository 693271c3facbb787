//! register → login → profile → goals CRUD → refresh rotation → re-use detection → logout.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, ok_json, problem, spawn_app, unique_email};

#[actix_web::test]
async fn the_whole_journey_of_a_user() {
    let app = spawn_app().await;
    let email = unique_email();

    // Register: the first user is an ordinary user, never silently an administrator.
    let created = app.register(&email.to_uppercase(), PASSWORD).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let account: Value = created.json().await.unwrap();
    assert_eq!(account["email"], email, "e-mail is stored lower-cased");
    assert_eq!(account["role"], "user");
    assert!(account.get("password_hash").is_none());
    let stored = app.db.find_user_by_email(&email).await.unwrap().unwrap();
    assert!(
        stored
            .password_hash
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$")
    );

    // Login.
    let tokens = ok_json(app.login(&email, PASSWORD).await).await;
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 900);
    assert_eq!(tokens["refresh_expires_in"], 30 * 86_400);
    let scopes: Vec<&str> = tokens["scope"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(scopes.contains(&"write:goals") && !scopes.contains(&"admin:users"));
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // Profile.
    let profile = ok_json(app.get("/users/profile", Some(&access)).await).await;
    assert_eq!(profile["account"]["email"], email);
    assert!(profile["account"]["last_login"].is_string());
    assert!(profile["profile"]["annual_income"].is_null());
    let update = json!({ "annual_income": 85000.25, "age": 41, "risk_tolerance": "moderate",
                         "investment_experience": "intermediate" });
    let updated = ok_json(app.put("/users/profile", Some(&access), &update).await).await;
    assert_eq!(updated["profile"]["annual_income"], 85000.25);
    assert_eq!(updated["profile"]["age"], 41);
    assert_eq!(updated["profile"]["risk_tolerance"], "moderate");
    let reread = ok_json(app.get("/users/profile", Some(&access)).await).await;
    assert_eq!(reread["profile"], updated["profile"]);
    let cleared = ok_json(
        app.put("/users/profile", Some(&access), &json!({ "age": null }))
            .await,
    )
    .await;
    assert!(cleared["profile"]["age"].is_null());
    assert_eq!(
        cleared["profile"]["annual_income"], 85000.25,
        "omitted fields stay"
    );

    goals_crud(&app, &access).await;

    // Refresh rotates: new tokens, and the old refresh token is used up.
    let rotated = ok_json(app.refresh(&refresh).await).await;
    let refresh2 = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh);
    let access2 = rotated["access_token"].as_str().unwrap();
    ok_json(app.get("/users/profile", Some(access2)).await).await;

    // Re-use of the rotated token is theft: the whole family dies, including refresh2.
    problem(
        app.refresh(&refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    problem(
        app.refresh(&refresh2).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    let actions = app.db.audit_actions_for(stored.id).await.unwrap();
    assert!(
        actions.contains(&"auth.refresh_reuse_detected".to_owned()),
        "{actions:?}"
    );

    // A new login starts a new family; logout ends it.
    let tokens = ok_json(app.login(&email, PASSWORD).await).await;
    let refresh3 = tokens["refresh_token"].as_str().unwrap();
    let out = app
        .post("/auth/logout", None, &json!({ "refresh_token": refresh3 }))
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    problem(
        app.refresh(refresh3).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    // Logging out twice, or with a token nobody issued, reveals nothing.
    let again = app
        .post("/auth/logout", None, &json!({ "refresh_token": refresh3 }))
        .await;
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
}

async fn goals_crud(app: &TestApp, access: &str) {
    let body = json!({ "name": "  Retirement ", "target_amount": 1500000.75, "target_date": "2055-06-30", "priority": 2 });
    let created = app.post("/planning/goals", Some(access), &body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let goal: Value = created.json().await.unwrap();
    assert_eq!(goal["name"], "Retirement");
    assert_eq!(goal["target_amount"], 1500000.75);
    assert_eq!(goal["status"], "active");
    assert_eq!(goal["priority"], 2);
    let id = goal["id"].as_str().unwrap();

    let fetched = ok_json(
        app.get(&format!("/planning/goals/{id}"), Some(access))
            .await,
    )
    .await;
    assert_eq!(fetched, goal);

    let changed = ok_json(
        app.put(
            &format!("/planning/goals/{id}"),
            Some(access),
            &json!({ "status": "paused", "target_amount": 1600000 }),
        )
        .await,
    )
    .await;
    assert_eq!(changed["status"], "paused");
    assert_eq!(changed["target_amount"], 1600000.0);
    assert_eq!(changed["name"], "Retirement", "omitted fields stay");

    for n in 0..3 {
        app.post(
            "/planning/goals",
            Some(access),
            &json!({ "name": format!("g{n}"), "target_amount": 10, "target_date": "2030-01-01" }),
        )
        .await;
    }
    let page = ok_json(
        app.get("/planning/goals?limit=2&offset=1", Some(access))
            .await,
    )
    .await;
    assert_eq!(page["total"], 4);
    assert_eq!(page["limit"], 2);
    assert_eq!(page["offset"], 1);
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["g0", "g1"], "oldest first");

    let deleted = app
        .delete(&format!("/planning/goals/{id}"), Some(access), None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(
        app.get(&format!("/planning/goals/{id}"), Some(access))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.delete(&format!("/planning/goals/{id}"), Some(access), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn wrong_password_and_unknown_email_look_the_same() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let wrong = problem(
        app.login(&user.email, "not the password at all").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = problem(
        app.login(&unique_email(), PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(wrong, unknown);
    // An address no account can have (PostgreSQL text cannot even store a NUL) is just unknown.
    let nul = problem(
        app.login("a\u{0}@example.com", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(nul, unknown);
}

#[actix_web::test]
async fn registering_twice_conflicts_case_insensitively() {
    let app = spawn_app().await;
    let email = unique_email();
    assert_eq!(
        app.register(&email, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    let body = problem(
        app.register(&email.to_uppercase(), PASSWORD).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(crate::helpers::fields(&body), ["email"]);
}

#[actix_web::test]
async fn fifty_parallel_refreshes_of_one_token_succeed_exactly_once() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let attempts = (0..50).map(|_| app.refresh(&user.refresh));
    let responses = futures_util::future::join_all(attempts).await;
    let statuses: Vec<StatusCode> = responses.iter().map(reqwest::Response::status).collect();
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!((ok, refused), (1, 49), "{statuses:?}");
}

#[actix_web::test]
async fn tokens_are_issued_for_the_requested_audience() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let tokens = ok_json(
        app.post(
            "/auth/login",
            None,
            &json!({ "email": user.email, "password": PASSWORD, "audience": "mobile-app" }),
        )
        .await,
    )
    .await;
    let access = tokens["access_token"].as_str().unwrap();
    let header = jsonwebtoken::decode_header(access).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(access)
        .unwrap()
        .claims;
    assert_eq!(claims["aud"], "mobile-app");
    assert_eq!(claims["iss"], "glidepath");
    assert_eq!(claims["typ"], "access");
    assert_eq!(claims["sub"], user.id.to_string());
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    // The refresh keeps the family's audience.
    let refreshed = ok_json(app.refresh(tokens["refresh_token"].as_str().unwrap()).await).await;
    let claims = jsonwebtoken::dangerous::insecure_decode::<Value>(
        refreshed["access_token"].as_str().unwrap(),
    )
    .unwrap()
    .claims;
    assert_eq!(claims["aud"], "mobile-app");
    let bad = app
        .post(
            "/auth/login",
            None,
            &json!({ "email": user.email, "password": PASSWORD, "audience": "tv" }),
        )
        .await;
    assert_eq!(
        crate::helpers::fields(&problem(bad, StatusCode::BAD_REQUEST, "malformed_request").await),
        ["audience"]
    );
}
