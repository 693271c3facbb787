//! Liveness and detailed health.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /health`: cheap liveness, no dependencies touched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HealthResponse {
    /// Always `ok` when the process answers.
    pub status: String,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started.
    pub uptime_seconds: u64,
    /// The server's current time.
    pub timestamp: chrono::DateTime<chrono::Utc>,
}

/// The state of one dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    /// Working.
    Ok,
    /// Working but close to a limit.
    Degraded,
    /// Not working.
    Down,
    /// Not configured on this server.
    NotConfigured,
}

/// The database as seen by the server.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DatabaseHealth {
    /// Whether a round trip succeeded.
    pub status: ComponentStatus,
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Round-trip time of `SELECT 1`, in milliseconds.
    pub latency_ms: Option<f64>,
    /// Open connections in the pool.
    pub pool_size: u32,
    /// Idle connections in the pool.
    pub pool_idle: u32,
    /// The pool's upper bound.
    pub pool_max: u32,
}

/// Redis as seen by the server.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RedisHealth {
    /// Whether `PING` answered; `not_configured` without `REDIS_URL`.
    pub status: ComponentStatus,
    /// Round-trip time of `PING`, in milliseconds.
    pub latency_ms: Option<f64>,
}

/// Free space where the server keeps its data.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiskHealth {
    /// `degraded` below 10% free.
    pub status: ComponentStatus,
    /// Bytes available to the server.
    pub available_bytes: u64,
    /// Size of the file system.
    pub total_bytes: u64,
}

/// Memory of the machine and of the server process.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MemoryHealth {
    /// `degraded` above 90% of the machine's memory in use.
    pub status: ComponentStatus,
    /// Resident memory of the server process.
    pub process_rss_bytes: u64,
    /// Memory in use on the machine.
    pub used_bytes: u64,
    /// Memory of the machine.
    pub total_bytes: u64,
}

/// `GET /health/detailed`: every dependency, for operators.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DetailedHealthResponse {
    /// `ok` if every configured component is `ok`, `degraded` or `down` otherwise.
    pub status: ComponentStatus,
    /// The server's version.
    pub version: String,
    /// Seconds since the server started.
    pub uptime_seconds: u64,
    /// The database.
    pub database: DatabaseHealth,
    /// Redis.
    pub redis: RedisHealth,
    /// The data directory's file system.
    pub disk: DiskHealth,
    /// Memory.
    pub memory: MemoryHealth,
}
