//! Detailed health of every dependency.

use std::path::Path;
use std::time::Duration;

use protocol::health::{
    ComponentStatus, DatabaseHealth, DetailedHealthResponse, DiskHealth, MemoryHealth, RedisHealth,
};
use sysinfo::{Disks, ProcessesToUpdate, System};

use crate::state::AppState;

/// A check slower than this counts as down: health must answer even when a dependency hangs.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Below this share of free disk, the disk is degraded.
const DISK_FREE_MIN: f64 = 0.10;
/// Above this share of used memory, memory is degraded.
const MEMORY_USED_MAX: f64 = 0.90;

const DISK_DOWN: DiskHealth = DiskHealth {
    status: ComponentStatus::Down,
    available_bytes: 0,
    total_bytes: 0,
};
const MEMORY_DOWN: MemoryHealth = MemoryHealth {
    status: ComponentStatus::Down,
    process_rss_bytes: 0,
    used_bytes: 0,
    total_bytes: 0,
};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn database(state: &AppState) -> DatabaseHealth {
    let pool = state.db.pool_state();
    let ping = tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await;
    let (status, latency_ms) = match ping {
        Ok(Ok(d)) => (ComponentStatus::Ok, Some(ms(d))),
        _ => (ComponentStatus::Down, None),
    };
    DatabaseHealth {
        status,
        backend: state.db.backend().to_owned(),
        latency_ms,
        pool_size: pool.size,
        pool_idle: pool.idle,
        pool_max: pool.max,
    }
}

async fn redis(state: &AppState) -> RedisHealth {
    let Some(conn) = &state.redis else {
        return RedisHealth {
            status: ComponentStatus::NotConfigured,
            latency_ms: None,
        };
    };
    let mut conn = conn.clone();
    let start = std::time::Instant::now();
    let ping = tokio::time::timeout(
        CHECK_TIMEOUT,
        redis::cmd("PING").query_async::<String>(&mut conn),
    )
    .await;
    match ping {
        Ok(Ok(_)) => RedisHealth {
            status: ComponentStatus::Ok,
            latency_ms: Some(ms(start.elapsed())),
        },
        _ => RedisHealth {
            status: ComponentStatus::Down,
            latency_ms: None,
        },
    }
}

#[allow(clippy::cast_precision_loss)] // ratios of byte counts; precision is irrelevant
pub(crate) fn disk_and_memory(data_dir: &Path) -> (DiskHealth, MemoryHealth) {
    let dir = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let disk = Disks::new_with_refreshed_list().ok().and_then(|disks| {
        disks
            .iter()
            .filter(|d| dir.starts_with(d.mount_point()))
            .max_by_key(|d| d.mount_point().as_os_str().len())
            .map(|d| (d.available_space(), d.total_space()))
    });
    let disk = match disk {
        Some((available, total)) => DiskHealth {
            status: if total > 0 && (available as f64) / (total as f64) < DISK_FREE_MIN {
                ComponentStatus::Degraded
            } else {
                ComponentStatus::Ok
            },
            available_bytes: available,
            total_bytes: total,
        },
        None => DISK_DOWN,
    };
    let memory = System::new().ok().map(|mut sys| {
        sys.refresh_memory();
        let rss = sysinfo::get_current_pid().ok().map_or(0, |pid| {
            sys.refresh_processes(ProcessesToUpdate::Some(&[pid]), false);
            sys.process(pid).map_or(0, sysinfo::Process::memory)
        });
        (rss, sys.used_memory(), sys.total_memory())
    });
    let memory = match memory {
        Some((rss, used, total)) => MemoryHealth {
            status: if total > 0 && (used as f64) / (total as f64) > MEMORY_USED_MAX {
                ComponentStatus::Degraded
            } else {
                ComponentStatus::Ok
            },
            process_rss_bytes: rss,
            used_bytes: used,
            total_bytes: total,
        },
        None => MEMORY_DOWN,
    };
    (disk, memory)
}

/// Checks the database, Redis, disk and memory; never fails, reports instead.
pub async fn detailed(state: &AppState) -> DetailedHealthResponse {
    let database = database(state).await;
    let redis = redis(state).await;
    let data_dir = state.settings.data_dir.clone();
    let (disk, memory) = tokio::task::spawn_blocking(move || disk_and_memory(&data_dir))
        .await
        .unwrap_or((DISK_DOWN, MEMORY_DOWN));
    let statuses = [database.status, redis.status, disk.status, memory.status];
    let status = if statuses.contains(&ComponentStatus::Down) {
        ComponentStatus::Down
    } else if statuses.contains(&ComponentStatus::Degraded) {
        ComponentStatus::Degraded
    } else {
        ComponentStatus::Ok
    };
    DetailedHealthResponse {
        status,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        uptime_seconds: state.started.elapsed().as_secs(),
        database,
        redis,
        disk,
        memory,
    }
}
