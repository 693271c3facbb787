//! Fixed-window attempt counters, in process memory or, when Redis is configured, in Redis
//! (so every node of a deployment shares one count).
//!
//! While Redis cannot be reached, the Redis limiter counts in this node's memory instead:
//! logins and registrations go on working during an outage, each node enforcing the limits on
//! what it sees (so a client spread over N nodes gets up to N times the limit until Redis is
//! back), rather than every login failing with a 500.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use prometheus::IntCounter;
use redis::aio::ConnectionManager;

/// An attempt refused by a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Whole seconds until the window ends, rounded up (at least 1): the `Retry-After` value,
    /// after which a new window has begun.
    pub retry_after_secs: u64,
}

/// A key's window after counting one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Attempts in the window, this one included.
    pub count: u32,
    /// Whole seconds until the window ends, rounded up (at least 1).
    pub retry_after_secs: u64,
}

impl Counted {
    /// Refuses the attempt when the window held `limit` attempts before it.
    ///
    /// # Errors
    /// [`Limited`] with the wait until the window ends.
    pub fn within(self, limit: u32) -> Result<(), Limited> {
        if self.count > limit {
            Err(Limited {
                retry_after_secs: self.retry_after_secs,
            })
        } else {
            Ok(())
        }
    }
}

/// Whole seconds in `left`, rounded up, at least 1: waiting that long always reaches the end
/// of the window (rounding down would announce a wait one second short).
fn retry_after(left: Duration) -> u64 {
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    secs.max(1)
}

/// Counts attempts per key in fixed windows.
#[derive(Clone)]
pub enum RateLimiter {
    /// One process's counters.
    Memory(Arc<Mutex<MemoryWindows>>),
    /// Shared counters in Redis, with this node's counters while Redis fails.
    Redis(Arc<RedisWindows>),
}

/// The Redis limiter's parts.
pub struct RedisWindows {
    conn: ConnectionManager,
    /// Key prefix.
    prefix: String,
    /// Counts while Redis fails.
    fallback: Mutex<MemoryWindows>,
    /// When the last command failed, while none has succeeded since.
    failed_at: Mutex<Option<Instant>>,
    /// `glidepath_redis_errors_total`.
    errors: Option<IntCounter>,
}

/// The longest a count waits for Redis before it is made on this node: a login must not wait
/// for the connection's reconnection attempts.
const REDIS_WAIT: Duration = Duration::from_millis(250);
/// After a failure, counts stay on this node this long before Redis is asked again, so an
/// outage costs each attempt nothing rather than [`REDIS_WAIT`].
const RETRY_REDIS_AFTER: Duration = Duration::from_secs(1);

impl RedisWindows {
    /// Notes a failed command, logging the first of a run of them.
    fn failed(&self, why: &str) {
        if let Some(errors) = &self.errors {
            errors.inc();
        }
        if lock(&self.failed_at).replace(Instant::now()).is_none() {
            tracing::warn!(
                error = why,
                "rate limits counted on this node until Redis answers"
            );
        }
    }

    fn answered(&self) {
        if lock(&self.failed_at).take().is_some() {
            tracing::info!("rate limits counted in Redis again");
        }
    }

    /// Whether Redis failed too recently to be asked again.
    fn resting(&self) -> bool {
        lock(&self.failed_at).is_some_and(|at| at.elapsed() < RETRY_REDIS_AFTER)
    }

    /// Counts in Redis, unless it failed just now or does not answer in time.
    async fn count(&self, key: &str, window: Duration) -> Option<Counted> {
        if self.resting() {
            return None;
        }
        match tokio::time::timeout(REDIS_WAIT, self.count_in_redis(key, window)).await {
            Ok(Ok(counted)) => {
                self.answered();
                Some(counted)
            }
            Ok(Err(err)) => {
                self.failed(&err.to_string());
                None
            }
            Err(_) => {
                self.failed("no answer in time");
                None
            }
        }
    }

    async fn count_in_redis(
        &self,
        key: &str,
        window: Duration,
    ) -> Result<Counted, redis::RedisError> {
        let mut conn = self.conn.clone();
        let full = format!("{}rl:{key}", self.prefix);
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
        let left = Duration::from_millis(u64::try_from(ttl_ms.max(0)).unwrap_or(0));
        Ok(Counted {
            count,
            retry_after_secs: retry_after(left),
        })
    }
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Memory(_) => f.write_str("RateLimiter::Memory"),
            Self::Redis(redis) => write!(f, "RateLimiter::Redis({})", redis.prefix),
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
    fn count(&mut self, key: &str, window: Duration, now: Instant) -> Counted {
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
        Counted {
            count: entry.0,
            retry_after_secs: retry_after(entry.1.saturating_duration_since(now)),
        }
    }

    #[cfg(test)]
    fn hit(
        &mut self,
        key: &str,
        limit: u32,
        window: Duration,
        now: Instant,
    ) -> Result<(), Limited> {
        self.count(key, window, now).within(limit)
    }

    fn clear(&mut self, key: &str) {
        self.windows.remove(key);
    }
}

impl RateLimiter {
    /// A limiter in process memory.
    #[must_use]
    pub fn memory() -> Self {
        Self::Memory(Arc::new(Mutex::new(MemoryWindows::default())))
    }

    /// A limiter in the Redis behind `conn`, its keys under `prefix`; failed commands count
    /// in `errors`.
    #[must_use]
    pub fn redis(conn: ConnectionManager, prefix: String, errors: Option<IntCounter>) -> Self {
        Self::Redis(Arc::new(RedisWindows {
            conn,
            prefix,
            fallback: Mutex::default(),
            failed_at: Mutex::default(),
            errors,
        }))
    }

    /// Counts one attempt for `key` in its window (the first attempt starts the window).
    pub async fn count(&self, key: &str, window: Duration) -> Counted {
        match self {
            Self::Memory(windows) => lock(windows).count(key, window, Instant::now()),
            Self::Redis(redis) => match redis.count(key, window).await {
                Some(counted) => counted,
                None => lock(&redis.fallback).count(key, window, Instant::now()),
            },
        }
    }

    /// Counts one attempt for `key`; refuses it when the window already holds `limit`.
    ///
    /// # Errors
    /// [`Limited`] with the wait until the window ends.
    pub async fn hit(&self, key: &str, limit: u32, window: Duration) -> Result<(), Limited> {
        self.count(key, window).await.within(limit)
    }

    /// Forgets `key`'s window: its next attempt starts a new one.
    pub async fn clear(&self, key: &str) {
        match self {
            Self::Memory(windows) => lock(windows).clear(key),
            Self::Redis(redis) => {
                lock(&redis.fallback).clear(key);
                if redis.resting() {
                    return;
                }
                let mut conn = redis.conn.clone();
                let mut del = redis::cmd("DEL");
                del.arg(format!("{}rl:{key}", redis.prefix));
                let del = del.query_async::<i64>(&mut conn);
                // A count left in Redis ends with its window.
                match tokio::time::timeout(REDIS_WAIT, del).await {
                    Ok(Ok(_)) => redis.answered(),
                    Ok(Err(err)) => redis.failed(&err.to_string()),
                    Err(_) => redis.failed("no answer in time"),
                }
            }
        }
    }
}

fn lock<T>(windows: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    windows
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    #[test]
    fn retry_after_rounds_up_so_waiting_it_reaches_the_next_window() {
        let mut w = MemoryWindows::default();
        let t0 = Instant::now();
        let win = Duration::from_secs(60);
        assert!(w.hit("k", 1, win, t0).is_ok());
        let at = t0 + Duration::from_millis(10_500);
        let refused = w.hit("k", 1, win, at).expect_err("limited");
        assert_eq!(refused.retry_after_secs, 50, "49.5 s left announce 50");
        let after = at + Duration::from_secs(refused.retry_after_secs);
        assert!(
            w.hit("k", 1, win, after).is_ok(),
            "the announced wait is enough"
        );
        assert_eq!(retry_after(Duration::from_millis(1)), 1);
        assert_eq!(retry_after(Duration::ZERO), 1);
        assert_eq!(retry_after(Duration::from_secs(3)), 3);
    }

    #[test]
    fn counts_report_the_attempt_number_and_clear_forgets_them() {
        let mut w = MemoryWindows::default();
        let t0 = Instant::now();
        let win = Duration::from_secs(60);
        assert_eq!(w.count("k", win, t0).count, 1);
        assert_eq!(w.count("k", win, t0).count, 2);
        w.clear("k");
        assert_eq!(w.count("k", win, t0).count, 1, "a cleared key starts again");
    }
}
