//! Stopping: requests still running at the grace limit get a 503 problem body, not a dropped
//! connection.

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::helpers::{problem, spawn_app_with};

#[actix_web::test]
async fn requests_still_running_at_the_grace_limit_are_answered_with_503() {
    let mut app = spawn_app_with(|s| {
        s.shutdown_timeout_secs = 2;
        s.testing.slow_route = true;
    })
    .await;
    let quick = app.get("/testing/slow/10", None).await;
    assert_eq!(quick.status(), StatusCode::NO_CONTENT);

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
