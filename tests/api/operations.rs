//! Health, metrics, security headers, CORS and body limits.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ok_json, problem, spawn_app, spawn_app_with};

const SECURITY_HEADERS: [(&str, &str); 6] = [
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
    (
        "content-security-policy",
        glidepath::http::middleware::CONTENT_SECURITY_POLICY,
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "1; mode=block"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
];

#[actix_web::test]
async fn health_answers_without_credentials() {
    let app = spawn_app().await;
    let health = ok_json(app.get("/health", None).await).await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
    assert!(health["uptime_seconds"].is_u64());
}

#[actix_web::test]
async fn detailed_health_needs_admin_and_reports_each_component() {
    let app = spawn_app().await;
    problem(
        app.get("/health/detailed", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let admin = app.new_admin().await;
    let detail = ok_json(app.get("/health/detailed", Some(&admin.access)).await).await;
    assert_eq!(detail["database"]["status"], "ok");
    let backend = if std::env::var("DATABASE_URL").is_ok() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(detail["database"]["backend"], backend);
    let redis = if std::env::var("REDIS_URL").is_ok() {
        "ok"
    } else {
        "not_configured"
    };
    assert_eq!(detail["redis"]["status"], redis);
    assert!(detail["disk"]["total_bytes"].as_u64().unwrap() > 0);
    assert!(detail["memory"]["process_rss_bytes"].as_u64().unwrap() > 0);
}

#[actix_web::test]
async fn metrics_count_requests_per_route_template_and_show_the_pool() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let id = app.create_goal(&user, "metrics").await;
    ok_json(
        app.get(&format!("/planning/goals/{id}"), Some(&user.access))
            .await,
    )
    .await;
    app.get("/some/random/path/123", None).await;
    let text = app.get("/metrics", None).await.text().await.unwrap();
    assert!(text.contains("glidepath_http_requests_total"), "{text}");
    assert!(
        text.contains("glidepath_http_requests_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains(r#"endpoint="/planning/goals/{id}""#),
        "labelled by template, not raw path"
    );
    assert!(!text.contains(&id), "raw ids must not become labels");
    assert!(
        !text.contains("/some/random/path/123"),
        "unmatched paths are masked"
    );
    assert!(
        text.contains("glidepath_db_pool_max_connections 5"),
        "{text}"
    );
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for response in [
        app.get("/health", None).await,
        app.get("/nowhere", None).await,
        app.get("/users/profile", None).await,
    ] {
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(
                response.headers().get(name).map(|v| v.to_str().unwrap()),
                Some(value),
                "{name} on {}",
                response.url()
            );
        }
    }
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let app =
        spawn_app_with(|s| s.cors_allowed_origins = vec!["https://dash.example".into()]).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/planning/goals", app.address),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://dash.example").await.unwrap();
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .unwrap(),
        "https://dash.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    assert!(refused.status().is_client_error());
    // Without configured origins no CORS headers are sent at all: same-origin only.
    let plain = spawn_app().await;
    let response = plain
        .client
        .get(format!("{}/health", plain.address))
        .header("origin", "https://dash.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[actix_web::test]
async fn the_body_limit_is_configurable() {
    let app = spawn_app_with(|s| s.max_body_bytes = 200).await;
    let body =
        json!({ "email": format!("{}@example.com", "a".repeat(150)), "password": "x".repeat(60) });
    problem(
        app.post("/auth/register", None, &body).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;
}
