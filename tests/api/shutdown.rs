//! Stopping: WebSockets close at once with 1001 and a retry hint, requests running finish,
//! and those still running at the grace limit get a 503 problem body, not a dropped
//! connection.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use glidepath::config::FeedKind;
use protocol::ws::Encoding;
use protocol::ws::close::GoingAway;
use reqwest::StatusCode;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{problem, spawn_app_with};
use crate::live::{open, subscribe, with_holdings};

#[actix_web::test]
async fn requests_still_running_at_the_grace_limit_are_answered_with_503() {
    let mut app = spawn_app_with(|s| {
        s.shutdown_timeout = Duration::from_secs(2);
        s.testing.slow_route = true;
    })
    .await;
    let quick = app.get("/testing/slow/10", None).await;
    assert_eq!(quick.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        quick.headers().get("connection"),
        None,
        "kept alive while running"
    );

    let slow = actix_web::rt::spawn({
        let request = app
            .client
            .get(format!("{}/testing/slow/30000", app.address));
        async move { request.send().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await; // it is running
    let stopping = Instant::now();
    app.stop.stop();

    let answer = slow
        .await
        .unwrap()
        .expect("an answer, not a dropped connection");
    let answered_after = stopping.elapsed();
    assert!(
        answered_after >= Duration::from_millis(900) && answered_after < Duration::from_secs(2),
        "answered {answered_after:?} after the stop: a second before the 2 s grace limit"
    );
    assert_eq!(answer.headers()["retry-after"], "1");
    let body = problem(answer, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(body["detail"].as_str().unwrap().contains("shutting down"));

    // And the server has stopped.
    let stopped = tokio::time::timeout(Duration::from_secs(5), &mut app.server)
        .await
        .expect("the server stops")
        .unwrap();
    assert!(stopped.is_ok(), "{stopped:?}");
    assert!(
        app.client
            .get(format!("{}/health", app.address))
            .send()
            .await
            .is_err(),
        "nothing listens any more"
    );
}

/// Stopping closes every WebSocket at once with 1001 and a retry hint (the client reconnects
/// through the proxy to another node) and every idle keep-alive connection, while a request
/// already running still gets its answer, which closes its connection.
#[actix_web::test]
async fn stopping_closes_websockets_with_1001_and_a_retry_hint_and_finishes_requests() {
    let mut app = spawn_app_with(|s| {
        s.shutdown_timeout = Duration::from_secs(10);
        s.testing.slow_route = true;
        s.market.feed = FeedKind::None;
    })
    .await;
    let user = with_holdings(&app).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let mut socket = open(&app, &user, Encoding::Json).await;
    subscribe(&mut socket, Encoding::Json, None).await;

    // A keep-alive connection, idle at the stop.
    let idle = reqwest::Client::new();
    let before = idle
        .get(format!("{}/testing/slow/1", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        before.headers().get("connection"),
        None,
        "kept alive while running"
    );
    let running = actix_web::rt::spawn({
        let request = app.client.get(format!("{}/testing/slow/1500", app.address));
        async move { request.send().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await; // it is running
    app.stop.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // actix closed the idle connection at the stop, and accepts no new one: behind a proxy,
    // every request from now on goes to another node (nginx retries a refused connection).
    let after = idle
        .get(format!("{}/testing/slow/1", app.address))
        .send()
        .await;
    assert!(after.is_err(), "{after:?}");

    // Within 5 s: at the stop, not at the 10 s grace limit (when actix drops connections).
    let close = loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .expect("a close frame within 5 s");
        match frame {
            Some(Ok(Message::Close(close))) => break close.expect("a close frame with a code"),
            Some(Ok(_)) => {}
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(u16::from(close.code), 1001);
    let hint: GoingAway = serde_json::from_str(&close.reason).expect("the reason is JSON");
    assert_eq!(hint, GoingAway::stopping());
    assert!(hint.retry_after_ms > 0);

    let answer = running
        .await
        .unwrap()
        .expect("the running request is answered");
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    // And it closes its connection.
    assert_eq!(
        answer.headers().get("connection").map(|v| v.as_bytes()),
        Some(&b"close"[..])
    );
    let stopped = tokio::time::timeout(Duration::from_secs(5), &mut app.server)
        .await
        .expect("the server stops once the request is answered")
        .unwrap();
    assert!(stopped.is_ok(), "{stopped:?}");
}
