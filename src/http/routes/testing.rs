//! Test hooks, mounted only when the `testing.*` settings ask for them; never in production.

use std::time::Duration;

use actix_web::{HttpResponse, web};

/// The longest `GET /testing/slow/{ms}` waits.
const MAX_SLOW_MS: u64 = 60_000;

/// Mounted only with `testing.slow_route`: answers 204 after `ms` milliseconds (at most a
/// minute), a request that is still running when the server is told to stop.
pub async fn slow(ms: web::Path<u64>) -> HttpResponse {
    tokio::time::sleep(Duration::from_millis(ms.into_inner().min(MAX_SLOW_MS))).await;
    HttpResponse::NoContent().finish()
}
