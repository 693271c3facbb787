//! Fixed-window attempt counters, in process memory or, when Redis is configured, in Redis
//! (so every node of a deployment shares one count).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

/// An attempt refused by a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Seconds until the window ends (at least 1): the `Retry-After` value.
    pub retry_after_secs: u64,
}

/// The limiter failed to count (Redis down).
#[derive(Debug, thiserror::Error)]
#[error("rate limiter unavailable: {0}")]
pub struct LimiterError(#[from] redis::RedisError);

/// Counts attempts per key in fixed windows.
#[derive(Clone)]
pub enum RateLimiter {
    /// One process's counters.
    Memory(Arc<Mutex<MemoryWindows>>),
    /// Shared counters in Redis, under `prefix`.
    Redis {
        /// The connection.
        conn: ConnectionManager,
        /// Key prefix.
        prefix: String,
    },
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(_) => f.write_str("RateLimiter::Memory"),
            Self::Redis { prefix, .. } => write!(f, "RateLimiter::Redis({prefix})"),
        }
    }
}

/// In-memory windows; expired entries are swept as the map grows.
#[derive(Debug, Default)]
pub struct MemoryWindows {
    windows: HashMap<String, (u32, Instant)>,
}

/// Above this many keys, expired windows are swept on insert, bounding memory under a flood of
/// distinct keys to the keys of one window.
const SWEEP_ABOVE: usize = 10_000;

impl MemoryWindows {
    fn hit(
        &mut self,
        key: &str,
        limit: u32,
        window: Duration,
        now: Instant,
    ) -> Result<(), Limited> {
        if self.windows.len() > SWEEP_ABOVE {
            self.windows.retain(|_, (_, end)| *end > now);
        }
        let entry = self
            .windows
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 = entry.0.saturating_add(1);
        if entry.0 > limit {
            let left = entry.1.saturating_duration_since(now);
            return Err(Limited {
                retry_after_secs: left.as_secs().max(1),
            });
        }
        Ok(())
    }
}

impl RateLimiter {
    /// A limiter in process memory.
    #[must_use]
    pub fn memory() -> Self {
        Self::Memory(Arc::new(Mutex::new(MemoryWindows::default())))
    }

    /// Counts one attempt for `key`; refuses it when the window already holds `limit`.
    ///
    /// # Errors
    /// The Redis limiter could not reach Redis.
    pub async fn hit(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
    ) -> Result<Result<(), Limited>, LimiterError> {
        match self {
            Self::Memory(windows) => {
                let mut guard = windows
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                Ok(guard.hit(key, limit, window, Instant::now()))
            }
            Self::Redis { conn, prefix } => {
                let mut conn = conn.clone();
                let full = format!("{prefix}rl:{key}");
                let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
                // INCR and PEXPIRE NX in one transaction: the first hit of a window sets its end.
                let (count, _, ttl_ms): (u32, i64, i64) = redis::pipe()
                    .atomic()
                    .incr(&full, 1)
                    .cmd("PEXPIRE")
                    .arg(&full)
                    .arg(window_ms)
                    .arg("NX")
                    .pttl(&full)
                    .query_async(&mut conn)
                    .await?;
                if count > limit {
                    let secs = u64::try_from(ttl_ms.max(0)).unwrap_or(0).div_ceil(1000);
                    return Ok(Err(Limited {
                        retry_after_secs: secs.max(1),
                    }));
                }
                Ok(Ok(()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_window_limits_then_resets() {
        let mut w = MemoryWindows::default();
        let t0 = Instant::now();
        let win = Duration::from_secs(60);
        for _ in 0..3 {
            assert!(w.hit("k", 3, win, t0).is_ok());
        }
        let refused = w
            .hit("k", 3, win, t0 + Duration::from_secs(10))
            .expect_err("limited");
        assert_eq!(refused.retry_after_secs, 50);
        assert!(w.hit("other", 3, win, t0).is_ok(), "keys are independent");
        assert!(
            w.hit("k", 3, win, t0 + Duration::from_secs(61)).is_ok(),
            "a new window starts"
        );
    }
}
