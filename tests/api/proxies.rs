//! Behind a proxy: `X-Forwarded-For` names the client only when the peer is a trusted proxy
//! (`http.trusted_proxies`), so the per-address login limit counts real clients there, and a
//! forged header elsewhere changes nothing.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with, test_settings, unique_email};

/// A failed login (unknown account) from the server's loopback peer, with `X-Forwarded-For`
/// set to `forwarded` when given.
async fn attempt(app: &TestApp, forwarded: Option<&str>) -> StatusCode {
    let mut request = app
        .client
        .post(format!("{}/auth/login", app.address))
        .json(&serde_json::json!({ "email": unique_email(), "password": PASSWORD }));
    if let Some(value) = forwarded {
        request = request.header("x-forwarded-for", value);
    }
    request.send().await.unwrap().status()
}

const LIMIT: u32 = 3;

async fn limited_app(trusted: &[&str]) -> TestApp {
    let trusted: Vec<String> = trusted.iter().map(|t| (*t).to_owned()).collect();
    spawn_app_with(move |s| {
        s.rate_limit.login_per_ip = LIMIT;
        s.rate_limit.login_per_account_ip = 100;
        s.http.trusted_proxies = trusted;
    })
    .await
}

#[actix_web::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket() {
    let app = limited_app(&["127.0.0.1/32", "10.0.0.0/8"]).await;
    // The proxy appended the client (203.0.113.1) after what the client itself claimed.
    for _ in 0..LIMIT {
        assert_eq!(
            attempt(&app, Some("198.51.100.9, 203.0.113.1")).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(&app, Some("198.51.100.9, 203.0.113.1")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Whatever it writes to the left, that client stays limited...
    assert_eq!(
        attempt(&app, Some("198.51.100.10, 203.0.113.1")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...also through a second trusted proxy...
    assert_eq!(
        attempt(&app, Some("203.0.113.1, 10.1.2.3")).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // ...while another client behind the same proxy is not, nor the proxy itself.
    assert_eq!(
        attempt(&app, Some("203.0.113.2")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(attempt(&app, None).await, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn without_trusted_proxies_a_forged_header_does_not_escape_the_limit() {
    let app = limited_app(&[]).await;
    for n in 0..LIMIT {
        let forged = format!("203.0.113.{n}");
        assert_eq!(attempt(&app, Some(&forged)).await, StatusCode::UNAUTHORIZED);
    }
    for forged in [Some("203.0.113.200"), Some("10.0.0.1, 203.0.113.201"), None] {
        assert_eq!(
            attempt(&app, forged).await,
            StatusCode::TOO_MANY_REQUESTS,
            "{forged:?}"
        );
    }
}

#[actix_web::test]
async fn a_malformed_header_counts_against_the_proxy_itself() {
    let app = limited_app(&["127.0.0.1/32"]).await;
    for malformed in ["not-an-address", "203.0.113.1, ", "203.0.113.1;rm"] {
        assert_eq!(
            attempt(&app, Some(malformed)).await,
            StatusCode::UNAUTHORIZED,
            "{malformed}"
        );
    }
    // All three fell back to the peer's address: its own bucket is used up.
    assert_eq!(attempt(&app, None).await, StatusCode::TOO_MANY_REQUESTS);
    // A well-formed client behind it is unaffected.
    assert_eq!(
        attempt(&app, Some("203.0.113.1")).await,
        StatusCode::UNAUTHORIZED
    );
}

#[actix_web::test]
async fn a_bad_network_stops_start_up_naming_the_key() {
    let data = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data.path().to_path_buf());
    settings.http.trusted_proxies = vec!["127.0.0.1/32".into(), "10.0.0.0/33".into()];
    let error = match glidepath::startup::Application::build(settings).await {
        Ok(_) => panic!("the server started"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        error.contains("http.trusted_proxies") && error.contains("10.0.0.0/33"),
        "{error}"
    );
}
