//! `/health*` and `/metrics`.

use actix_web::{HttpResponse, web};
use prometheus::{Encoder, TextEncoder};
use protocol::auth::Scope;
use protocol::health::{DetailedHealthResponse, HealthResponse};

use crate::auth::AuthUser;
use crate::http::error::ApiError;
use crate::services;
use crate::state::AppState;
use crate::telemetry::Metrics;

/// Liveness: answers without touching any dependency.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, description = "The server is up.", body = HealthResponse)))]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(HealthResponse {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        uptime_seconds: state.started.elapsed().as_secs(),
        timestamp: chrono::Utc::now(),
    })
}

/// Database, Redis, disk and memory (scope `admin:system`).
#[utoipa::path(get, path = "/health/detailed", tag = "operations", security(("bearer" = ["admin:system"])),
    responses((status = 200, description = "Every component's state.", body = DetailedHealthResponse)))]
pub async fn detailed(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<HttpResponse, ApiError> {
    user.require(Scope::AdminSystem)?;
    Ok(HttpResponse::Ok().json(services::health::detailed(&state).await))
}

/// Prometheus metrics: request counts and latency histograms per route template, database
/// pool state.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format.", body = String, content_type = "text/plain")))]
pub async fn metrics(
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    // Also the live stream, simulation durations, the feed's lag, dependency health, memory
    // and disk (README, "Operations"); the summary above is the OpenAPI document's.
    metrics.observe(&state).await;
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&metrics.registry.gather(), &mut buffer)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(buffer))
}
