//! Account state as the database has it, checked on every authenticated request.
//!
//! An access token proves who the caller is for its 15 minutes; what the account may do is
//! read from the account itself: a deleted or deactivated account's tokens are refused at once,
//! and a role change applies from the next request. Reading the database per request would
//! cost a query each, so states are cached (bounded, `auth.account_cache_secs`), and every
//! change invalidates its entry on every node: locally at once, on the other nodes through the
//! Redis live hooks (`live::fanout`), and wholesale when a node re-subscribes after losing
//! Redis. The time bound only matters when an invalidation is lost.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use protocol::auth::Role;
use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::store::{Db, StoreError};

/// What an account is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountState {
    /// It may act, with this role.
    Active(Role),
    /// An administrator deactivated it.
    Inactive,
    /// It was deleted (or never existed).
    Gone,
}

/// Account states, cached and invalidated on change.
pub struct Accounts {
    cache: Option<Cache<Uuid, (AccountState, Instant)>>,
    ttl: Duration,
    /// Bumped by every invalidation: a state read from the database is cached only if no
    /// invalidation happened while it was read, so a read that raced a change cannot put the
    /// old state back after the change removed it.
    epoch: AtomicU64,
}

/// Entries kept at most; beyond this the least used are evicted (and read again on use).
const CAPACITY: usize = 100_000;

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("cached", &self.cache.as_ref().map_or(0, Cache::len))
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Caches states for `ttl`; a zero `ttl` reads the database every time.
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self {
            cache: (!ttl.is_zero()).then(|| Cache::new(CAPACITY)),
            ttl,
            epoch: AtomicU64::new(0),
        }
    }

    /// `user`'s current state.
    ///
    /// # Errors
    /// The database did not answer, or holds a role the server does not know.
    pub async fn state(&self, db: &Db, user: Uuid) -> Result<AccountState, StoreError> {
        if let Some(cache) = &self.cache
            && let Some((state, at)) = cache.get(&user)
            && at.elapsed() < self.ttl
        {
            return Ok(state);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let state = match db.account_status(user).await? {
            None => AccountState::Gone,
            Some((_, false)) => AccountState::Inactive,
            Some((role, true)) => AccountState::Active(role),
        };
        if let Some(cache) = &self.cache
            && self.epoch.load(Ordering::Acquire) == epoch
        {
            cache.insert(user, (state, Instant::now()));
        }
        Ok(state)
    }

    /// Forgets `user`'s state: the next request reads it again.
    pub fn invalidate(&self, user: Uuid) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(cache) = &self.cache {
            cache.remove(&user);
        }
    }

    /// Forgets every state (after invalidations may have been missed).
    pub fn invalidate_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(cache) = &self.cache {
            cache.clear();
        }
    }
}
