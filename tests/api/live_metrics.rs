//! What `/metrics` shows of the live stream, the simulations and the dependencies, scraped
//! from a running server as Prometheus would.

use std::collections::HashMap;
use std::time::Duration;

use protocol::ws::Encoding;
use serde_json::json;

use crate::helpers::{ok_json, scrape};
use crate::live::{open, quiet_app, settled, subscribe, until_wealth, with_holdings};

fn value(samples: &HashMap<String, f64>, series: &str) -> f64 {
    *samples
        .get(series)
        .unwrap_or_else(|| panic!("{series} is not exported: {samples:?}"))
}

/// A two-class plan, inline.
fn plan() -> serde_json::Value {
    json!({
        "initial_wealth": 250000, "monthly_contribution": 1500, "retirement_month": 360,
        "monthly_spending": 5000, "horizon_months": 720, "annual_inflation": 0.025, "annual_fee": 0.002,
        "asset_classes": [
            { "name": "us_equity", "mu": 0.07, "sigma": 0.16 },
            { "name": "bonds", "mu": 0.03, "sigma": 0.05 }
        ],
        "weights": [0.7, 0.3],
        "correlation": [[1, 0.1], [0.1, 1]]
    })
}

#[actix_web::test]
async fn a_tick_moves_the_live_counters_and_the_tick_to_frame_histogram() {
    let app = quiet_app().await;
    let user = with_holdings(&app).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let encoding = Encoding::Json;
    let mut socket = open(&app, &user, encoding).await;
    let snapshot = subscribe(&mut socket, encoding, None).await;
    let (seq, _) = settled(&mut socket, encoding, snapshot, 5400.0).await;

    let before = scrape(&app).await;
    // This app's own registry: one session, one connection, whatever other tests run.
    assert_eq!(value(&before, "glidepath_live_sessions"), 1.0);
    assert_eq!(value(&before, "glidepath_ws_connections"), 1.0);
    app.tick("SPY", 420.0).await;
    until_wealth(&mut socket, encoding, seq, 5600.0).await;
    let after = scrape(&app).await;

    let moved = |series: &str| value(&after, series) - value(&before, series);
    assert!(moved("glidepath_live_updates_total") >= 1.0);
    assert!(moved("glidepath_live_tick_to_frame_seconds_count") >= 1.0);
    assert!(moved("glidepath_live_tick_to_frame_seconds_sum") > 0.0);
    // The update was written within a second of its tick reaching the hub: the last
    // bucket the sample can have landed in holds it.
    assert!(moved(r#"glidepath_live_tick_to_frame_seconds_bucket{le="1"}"#) >= 1.0);
    assert_eq!(value(&after, "glidepath_live_sessions"), 1.0);
    assert_eq!(value(&after, "glidepath_ws_connections"), 1.0);
    // The ticks came a moment ago (the quiet app's feed is `none`; ticks come from the test).
    let lag = value(&after, r#"glidepath_market_feed_lag_seconds{feed="none"}"#);
    assert!((0.0..30.0).contains(&lag), "{lag}");
    assert_eq!(value(&after, "glidepath_db_up"), 1.0);
    if app.settings.redis_url.is_some() {
        assert_eq!(value(&after, "glidepath_redis_up"), 1.0);
        assert!(after.contains_key("glidepath_redis_errors_total"));
    } else {
        assert!(
            !after.contains_key("glidepath_redis_up"),
            "no Redis configured"
        );
    }
    assert!(value(&after, "glidepath_memory_total_bytes") > 0.0);
    assert!(value(&after, "glidepath_process_resident_memory_bytes") > 0.0);
    assert!(value(&after, "glidepath_disk_total_bytes") > 0.0);
    assert_eq!(
        value(&after, "glidepath_ws_slow_consumer_closes_total"),
        0.0
    );

    // A closed connection leaves the gauge.
    drop(socket);
    let mut open_now = 1.0;
    for _ in 0..50 {
        open_now = value(&scrape(&app).await, "glidepath_ws_connections");
        if open_now == 0.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(open_now, 0.0);
}

#[actix_web::test]
async fn monte_carlo_runs_and_solves_are_timed_and_refusals_are_not() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    let plan = plan();
    let before = scrape(&app).await;
    let runs = r#"glidepath_simulation_duration_seconds_count{kind="monte_carlo"}"#;
    assert!(!before.contains_key(runs), "no run yet, no series");
    ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": plan, "paths": 500, "seed": 1 }),
        )
        .await,
    )
    .await;
    let refused = app
        .post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": plan, "paths": 0 }),
        )
        .await;
    assert!(refused.status().is_client_error());
    ok_json(
        app.post(
            "/planning/solve",
            Some(&user.access),
            &json!({ "for": "monthly_contribution", "target_success": 0.8, "plan": plan,
                     "paths": 500, "seed": 1 }),
        )
        .await,
    )
    .await;
    let after = scrape(&app).await;
    assert_eq!(value(&after, runs), 1.0, "the refused run is not timed");
    assert!(
        value(
            &after,
            r#"glidepath_simulation_duration_seconds_sum{kind="monte_carlo"}"#
        ) > 0.0
    );
    assert_eq!(
        value(&after, "glidepath_solve_duration_seconds_count")
            - value(&before, "glidepath_solve_duration_seconds_count"),
        1.0
    );
}

/// The `glidepath_…` names in `text`.
fn names_in(text: &str) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("glidepath_") {
        let name: String = rest[at..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        rest = &rest[at + name.len()..];
        names.insert(name);
    }
    names
}

#[actix_web::test]
async fn the_alert_rules_and_the_dashboard_use_only_metrics_the_server_exports() {
    let app = quiet_app().await;
    // Everything that makes a series appear: a request, a live update, a simulation.
    let user = with_holdings(&app).await;
    app.tick("SPY", 400.0).await;
    app.tick("BND", 70.0).await;
    let mut socket = open(&app, &user, Encoding::Json).await;
    let snapshot = subscribe(&mut socket, Encoding::Json, None).await;
    let (seq, _) = settled(&mut socket, Encoding::Json, snapshot, 5400.0).await;
    app.tick("SPY", 420.0).await;
    until_wealth(&mut socket, Encoding::Json, seq, 5600.0).await;
    ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": plan(), "paths": 200, "seed": 1 }),
        )
        .await,
    )
    .await;
    let exported: std::collections::BTreeSet<String> = scrape(&app)
        .await
        .into_keys()
        .map(|series| series.split('{').next().unwrap_or_default().to_owned())
        .collect();

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy");
    for file in [
        "prometheus/alerts.yml",
        "prometheus/alerts_test.yml",
        "grafana/dashboards/glidepath.json",
    ] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let used = names_in(&text);
        assert!(used.len() > 5, "{file} names metrics: {used:?}");
        let unknown: Vec<&String> = used
            .iter()
            // Redis' metrics exist only where Redis is configured (CI's second run).
            .filter(|n| app.settings.redis_url.is_some() || !n.starts_with("glidepath_redis_"))
            // The feed's leader gauge only where a feed is shared through Redis, which this
            // quiet server (no feed) never is: tests/api/shared_market.rs scrapes it.
            .filter(|n| *n != "glidepath_market_feed_leader")
            .filter(|n| !exported.contains(*n))
            .collect();
        assert!(
            unknown.is_empty(),
            "{file} uses metrics the server does not export: {unknown:?}; exported: {exported:?}"
        );
    }
}
