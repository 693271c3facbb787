//! Cookie mode of the refresh token (the browser dashboard's) beside JSON mode: the cookie's
//! exact attributes, rotation and reuse detection through it, logout clearing it, the
//! `Origin` check, and JSON mode unaffected.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, fields, ok_json, problem, spawn_app, spawn_app_with, unique_email,
};

const THIRTY_DAYS: u64 = 30 * 86_400;

/// Posts `body` to `path` with optional `Cookie`, `Origin` and `Host` headers.
async fn post(
    app: &TestApp,
    path: &str,
    body: &Value,
    cookie: Option<&str>,
    origin: Option<&str>,
    host: Option<&str>,
) -> reqwest::Response {
    let mut req = app.client.post(format!("{}{path}", app.address)).json(body);
    if let Some(token) = cookie {
        req = req.header("cookie", format!("theme=dark; glidepath_refresh={token}"));
    }
    if let Some(origin) = origin {
        req = req.header("origin", origin);
    }
    if let Some(host) = host {
        req = req.header("host", host);
    }
    req.send().await.unwrap()
}

/// The `Set-Cookie` headers of a response.
fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

/// The token in the one `Set-Cookie` of `response`, checking every attribute but `Secure`,
/// which `secure` says to expect or not.
fn cookie_token(response: &reqwest::Response, max_age: u64, secure: bool) -> String {
    let cookies = set_cookies(response);
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let cookie = &cookies[0];
    let (token, attributes) = cookie
        .strip_prefix("glidepath_refresh=")
        .and_then(|rest| rest.split_once("; "))
        .unwrap_or_else(|| panic!("{cookie}"));
    let secure = if secure { "; Secure" } else { "" };
    assert_eq!(
        attributes,
        format!("HttpOnly; SameSite=Strict; Path=/auth; Max-Age={max_age}{secure}")
    );
    token.to_owned()
}

async fn register(app: &TestApp) -> String {
    let email = unique_email();
    assert_eq!(
        app.register(&email, PASSWORD).await.status(),
        StatusCode::CREATED
    );
    email
}

fn login_body(email: &str, cookie: bool) -> Value {
    json!({ "email": email, "password": PASSWORD, "refresh_cookie": cookie })
}

/// Logs in in cookie mode from the server's own page; returns the body and the cookie.
async fn cookie_login(app: &TestApp, email: &str) -> (Value, String) {
    let response = post(
        app,
        "/auth/login",
        &login_body(email, true),
        None,
        Some(&app.address),
        None,
    )
    .await;
    assert_eq!(header(&response, "cache-control"), "no-store");
    let token = cookie_token(&response, THIRTY_DAYS, false);
    (ok_json(response).await, token)
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).unwrap().to_str().unwrap()
}

#[actix_web::test]
async fn login_sets_the_cookie_refresh_rotates_it_and_reuse_revokes_the_session() {
    let app = spawn_app().await;
    let email = register(&app).await;
    let (tokens, first) = cookie_login(&app, &email).await;
    assert!(tokens.get("refresh_token").is_none(), "{tokens}");
    assert_eq!(tokens["refresh_expires_in"], THIRTY_DAYS);
    assert!(first.len() >= 43, "{first}");
    ok_json(
        app.get("/users/profile", tokens["access_token"].as_str())
            .await,
    )
    .await;

    // Refresh with `{}` uses the cookie and replaces it.
    let own = Some(app.address.as_str());
    let rotated = post(&app, "/auth/refresh", &json!({}), Some(&first), own, None).await;
    let second = cookie_token(&rotated, THIRTY_DAYS, false);
    assert_ne!(second, first);
    let body = ok_json(rotated).await;
    assert!(body.get("refresh_token").is_none(), "{body}");
    ok_json(
        app.get("/users/profile", body["access_token"].as_str())
            .await,
    )
    .await;

    // A client without Origin (no browser) may use cookie mode too.
    let third_response = post(&app, "/auth/refresh", &json!({}), Some(&second), None, None).await;
    let third = cookie_token(&third_response, THIRTY_DAYS, false);
    ok_json(third_response).await;

    // The used cookie again: reuse, the whole session ends and the cookie is deleted.
    let reused = post(&app, "/auth/refresh", &json!({}), Some(&first), own, None).await;
    assert_eq!(cookie_token(&reused, 0, false), "");
    problem(reused, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let after = post(&app, "/auth/refresh", &json!({}), Some(&third), own, None).await;
    problem(after, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    let user = app.db.find_user_by_email(&email).await.unwrap().unwrap();
    let actions = app.db.audit_actions_for(user.id).await.unwrap();
    assert!(
        actions.contains(&"auth.refresh_reuse_detected".to_owned()),
        "{actions:?}"
    );

    // The cookie's token is an ordinary refresh token: JSON mode accepts it too, and a
    // body token wins over a cookie.
    let (_, fourth) = cookie_login(&app, &email).await;
    let (_, fifth) = cookie_login(&app, &email).await;
    let json_mode = post(
        &app,
        "/auth/refresh",
        &json!({ "refresh_token": fourth }),
        Some(&fifth),
        None,
        None,
    )
    .await;
    assert!(set_cookies(&json_mode).is_empty());
    let body = ok_json(json_mode).await;
    assert!(body["refresh_token"].is_string());
    let still = post(&app, "/auth/refresh", &json!({}), Some(&fifth), own, None).await;
    cookie_token(&still, THIRTY_DAYS, false);
}

#[actix_web::test]
async fn logout_with_the_cookie_ends_the_session_and_deletes_the_cookie() {
    let app = spawn_app().await;
    let email = register(&app).await;
    let (_, token) = cookie_login(&app, &email).await;
    let own = Some(app.address.as_str());
    let out = post(&app, "/auth/logout", &json!({}), Some(&token), own, None).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(cookie_token(&out, 0, false), "");
    let refreshed = post(&app, "/auth/refresh", &json!({}), Some(&token), own, None).await;
    problem(refreshed, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
}

#[actix_web::test]
async fn without_a_token_in_the_body_or_a_cookie_the_answer_is_401_naming_it() {
    let app = spawn_app().await;
    for path in ["/auth/refresh", "/auth/logout"] {
        for body in [json!({}), json!({ "refresh_token": null })] {
            let response = post(&app, path, &body, None, None, None).await;
            let body = problem(response, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
            assert_eq!(fields(&body), ["refresh_token"], "{path}");
        }
    }
    // An emptied cookie is no cookie.
    let response = post(&app, "/auth/refresh", &json!({}), Some(""), None, None).await;
    let body = problem(response, StatusCode::UNAUTHORIZED, "invalid_refresh_token").await;
    assert_eq!(fields(&body), ["refresh_token"]);
}

#[actix_web::test]
async fn cookie_mode_from_a_foreign_page_is_refused() {
    let app = spawn_app().await;
    let email = register(&app).await;
    let (_, token) = cookie_login(&app, &email).await;
    for origin in ["http://evil.example", "null", "http://127.0.0.1:1"] {
        let login = post(
            &app,
            "/auth/login",
            &login_body(&email, true),
            None,
            Some(origin),
            None,
        )
        .await;
        assert!(set_cookies(&login).is_empty());
        problem(login, StatusCode::FORBIDDEN, "forbidden").await;
        for path in ["/auth/refresh", "/auth/logout"] {
            let response = post(&app, path, &json!({}), Some(&token), Some(origin), None).await;
            assert!(set_cookies(&response).is_empty(), "{path}");
            problem(response, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    // Nothing was used up: the cookie still works from the server's own page, under each of
    // its loopback names.
    let port = app.address.rsplit(':').next().unwrap();
    let localhost = format!("http://localhost:{port}");
    let response = post(
        &app,
        "/auth/refresh",
        &json!({}),
        Some(&token),
        Some(&localhost),
        None,
    )
    .await;
    cookie_token(&response, THIRTY_DAYS, false);
    ok_json(response).await;
}

#[actix_web::test]
async fn json_mode_is_unchanged() {
    let app = spawn_app().await;
    let email = register(&app).await;
    // A foreign Origin does not matter to JSON mode: its tokens are in the bodies, which no
    // other page can read.
    for body in [
        login_body(&email, false),
        json!({ "email": email, "password": PASSWORD }),
    ] {
        let response = post(
            &app,
            "/auth/login",
            &body,
            None,
            Some("http://evil.example"),
            None,
        )
        .await;
        assert!(set_cookies(&response).is_empty());
        let tokens = ok_json(response).await;
        let refresh = tokens["refresh_token"].as_str().unwrap();
        let rotated = app.refresh(refresh).await;
        assert!(set_cookies(&rotated).is_empty());
        let rotated = ok_json(rotated).await;
        let out = app
            .post(
                "/auth/logout",
                None,
                &json!({ "refresh_token": rotated["refresh_token"] }),
            )
            .await;
        assert_eq!(out.status(), StatusCode::NO_CONTENT);
        assert!(set_cookies(&out).is_empty());
    }
}

#[actix_web::test]
async fn the_cookie_is_secure_when_the_page_is_served_over_tls() {
    let app = spawn_app_with(|s| s.public_origins = vec!["https://plan.example.com".into()]).await;
    let email = register(&app).await;
    let response = post(
        &app,
        "/auth/login",
        &login_body(&email, true),
        None,
        Some("https://plan.example.com"),
        Some("plan.example.com"),
    )
    .await;
    let token = cookie_token(&response, THIRTY_DAYS, true);
    ok_json(response).await;
    let out = post(
        &app,
        "/auth/logout",
        &json!({}),
        Some(&token),
        Some("https://plan.example.com"),
        Some("plan.example.com"),
    )
    .await;
    assert_eq!(cookie_token(&out, 0, true), "");
    // The same server reached over plain HTTP on loopback sets no `Secure`.
    let (_, _) = cookie_login(&app, &email).await;
}
