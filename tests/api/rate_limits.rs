//! Login throttling: per account and address pair (429), per address (429), and per account
//! across addresses only a delay, so nobody can lock the owner out. `Retry-After` is enough.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{PASSWORD, client_from, problem, spawn_app_with, unique_email};

const WRONG: &str = "wrong password!!";

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[actix_web::test]
async fn wrong_passwords_from_one_address_do_not_lock_out_another() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_account_ip = 3;
        s.rate_limit.login_per_ip = 100;
    })
    .await;
    let user = app.new_user().await; // one login, from 127.0.0.1
    let attacker = client_from([127, 0, 0, 2]);
    for _ in 0..3 {
        let refused = app.login_with(&attacker, &user.email, WRONG).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    // That address is done for the window, even with the right password...
    let limited = app.login_with(&attacker, &user.email, PASSWORD).await;
    let retry = retry_after(&limited);
    assert!((1..=60).contains(&retry), "{retry}");
    problem(limited, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // ...but the owner, from another address, gets in.
    let owner = client_from([127, 0, 0, 3]);
    let signed_in = app.login_with(&owner, &user.email, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    // And the attacker's address may still try other accounts.
    let other = app.login_with(&attacker, &unique_email(), PASSWORD).await;
    assert_eq!(other.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn a_successful_login_clears_its_address_count() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_account_ip = 3;
        s.rate_limit.login_per_ip = 100;
    })
    .await;
    let user = app.new_user().await;
    let client = client_from([127, 0, 0, 4]);
    for round in 0..2 {
        for _ in 0..2 {
            let typo = app.login_with(&client, &user.email, WRONG).await;
            assert_eq!(typo.status(), StatusCode::UNAUTHORIZED, "round {round}");
        }
        let ok = app.login_with(&client, &user.email, PASSWORD).await;
        assert_eq!(ok.status(), StatusCode::OK, "round {round}");
    }
}

#[actix_web::test]
async fn an_account_attacked_from_many_addresses_is_slowed_not_locked() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_account_ip = 100;
        s.rate_limit.login_per_ip = 100;
        s.rate_limit.login_slow_after = 2;
        s.rate_limit.login_delay = Duration::from_millis(800);
        s.rate_limit.login_max_delay = Duration::from_millis(1_600);
    })
    .await;
    let user = app.new_user().await; // attempt 1 on the account
    let timed = |ip: u8, password: &'static str| {
        let client = client_from([127, 0, 1, ip]);
        let email = user.email.clone();
        let app = &app;
        async move {
            let started = Instant::now();
            let status = app.login_with(&client, &email, password).await.status();
            (status, started.elapsed())
        }
    };
    let (status, _) = timed(1, WRONG).await; // attempt 2: not delayed yet
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Attempts 3 to 6 wait 800, 1,600, then the 1,600 ms cap (3,200 and 6,400 uncapped):
    // far longer than checking a password takes, even on a loaded machine.
    for (ip, least) in [(2, 800), (3, 1_600), (4, 1_600), (5, 1_600)] {
        let (status, took) = timed(ip, WRONG).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "never 429");
        assert!(
            took >= Duration::from_millis(least),
            "{took:?} < {least} ms"
        );
        if ip == 5 {
            assert!(took < Duration::from_millis(3_000), "capped: {took:?}");
        }
    }
    // The owner is slowed as well, but gets in.
    let (status, took) = timed(6, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(took >= Duration::from_millis(1_600), "{took:?}");
}

#[actix_web::test]
async fn login_attempts_are_limited_per_ip() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_account_ip = 100;
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

#[actix_web::test]
async fn waiting_the_announced_retry_after_is_enough() {
    let app = spawn_app_with(|s| {
        s.rate_limit.login_per_ip = 1;
        s.rate_limit.window = Duration::from_secs(2);
    })
    .await;
    let email = unique_email();
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // Part of the window has gone: rounding the rest down would announce one second too few.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let limited = app.login(&email, PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = retry_after(&limited);
    assert_eq!(retry, 2, "1.7 s left, rounded up");
    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(
        app.login(&email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "a new window after the announced wait"
    );
}
