//! Login is throttled per account and per IP: 429 with Retry-After.

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, problem, spawn_app_with, unique_email};

#[actix_web::test]
async fn login_attempts_are_limited_per_account() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_account = 3;
        s.rate_limit.login_per_ip = 100;
    })
    .await;
    let user = app.new_user().await; // one login
    for _ in 0..2 {
        assert_eq!(
            app.login(&user.email, "wrong password!!").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = app.login(&user.email, PASSWORD).await;
    let retry: u64 = limited
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Another account from the same address is unaffected.
    let other = app.new_user().await;
    assert!(!other.access.is_empty());
}

#[actix_web::test]
async fn login_attempts_are_limited_per_ip() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_account = 100;
        s.rate_limit.login_per_ip = 4;
    })
    .await;
    for _ in 0..4 {
        assert_eq!(
            app.login(&unique_email(), PASSWORD).await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = app.login(&unique_email(), PASSWORD).await;
    assert!(limited.headers().contains_key("retry-after"));
    problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
}
