//! A lease in Redis: at most one node holds a name at a time, for as long as it renews it.
//!
//! The key holds the holder's node id and expires on its own (`SET NX PX`), so a node that
//! dies lets another take over after at most one lease time. Renewing and releasing compare
//! the value first, in a script (atomic in Redis), so a node whose lease lapsed and was taken
//! can never extend or delete its successor's.

use std::sync::LazyLock;
use std::time::Duration;

use redis::aio::ConnectionLike;

/// Renews the lease if `ARGV[1]` still holds it: 1 if renewed, 0 if not held.
const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
";

/// Deletes the lease if `ARGV[1]` holds it.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

static RENEW_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(RENEW));
static RELEASE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(RELEASE));

/// One node's claim on one lease key.
#[derive(Debug, Clone)]
pub struct Lease {
    key: String,
    holder: String,
    ttl_ms: u64,
}

impl Lease {
    /// `holder`'s claim on `key`, lasting `ttl` from each acquisition or renewal.
    #[must_use]
    pub fn new(key: String, holder: String, ttl: Duration) -> Self {
        Self {
            key,
            holder,
            ttl_ms: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1),
        }
    }

    /// The key in Redis.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value the holder writes (its node id).
    #[must_use]
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes the lease if nobody holds it; whether this holder has it now.
    ///
    /// # Errors
    /// Redis failed.
    pub async fn acquire(&self, conn: &mut impl ConnectionLike) -> redis::RedisResult<bool> {
        let set: Option<String> = redis::cmd("SET")
            .arg(&self.key)
            .arg(&self.holder)
            .arg("NX")
            .arg("PX")
            .arg(self.ttl_ms)
            .query_async(conn)
            .await?;
        Ok(set.is_some())
    }

    /// Extends the lease by a full lease time if this holder still has it; `false` if it
    /// lapsed (and may be someone else's).
    ///
    /// # Errors
    /// Redis failed: the caller cannot know whether it still holds the lease.
    pub async fn renew(&self, conn: &mut impl ConnectionLike) -> redis::RedisResult<bool> {
        let renewed: i64 = RENEW_SCRIPT
            .key(&self.key)
            .arg(&self.holder)
            .arg(self.ttl_ms)
            .invoke_async(conn)
            .await?;
        Ok(renewed == 1)
    }

    /// Gives the lease up at once if this holder has it, so another node need not wait for
    /// it to expire.
    ///
    /// # Errors
    /// Redis failed (the lease then expires on its own).
    pub async fn release(&self, conn: &mut impl ConnectionLike) -> redis::RedisResult<bool> {
        let deleted: i64 = RELEASE_SCRIPT
            .key(&self.key)
            .arg(&self.holder)
            .invoke_async(conn)
            .await?;
        Ok(deleted == 1)
    }
}
