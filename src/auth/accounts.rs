//! What the server reads about an account on every request, cached and invalidated on change.
//!
//! An access token proves who the caller is for its 15 minutes; what the account may do is
//! read from the account itself: a deleted or deactivated account's tokens are refused at once,
//! and a role change applies from the next request. Reading the database per request would
//! cost a query each, so states are cached (bounded, `auth.account_cache_secs`), and every
//! change invalidates its entry on every node: locally at once, on the other nodes through the
//! Redis live hooks (`live::fanout`), and wholesale when a node re-subscribes after losing
//! Redis. The time bound only matters when an invalidation is lost.
//!
//! The account's own record and profile (`GET /users/profile`, the most frequent read) are
//! cached the same way, under the same invalidations: every change to them (a login's time,
//! the e-mail, the profile, the role, the status, deletion) invalidates the account.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use protocol::auth::{AccountView, Role};
use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::store::profiles::ProfileRow;
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

/// An account as its owner sees it, and its profile (empty if never saved).
pub type AccountRecord = Arc<(AccountView, ProfileRow)>;

/// Account states and records, cached and invalidated on change.
pub struct Accounts {
    states: Option<Cache<Uuid, (AccountState, Instant)>>,
    records: Option<Cache<Uuid, (Option<AccountRecord>, Instant)>>,
    ttl: Duration,
    /// Bumped by every invalidation: a value read from the database is cached only if no
    /// invalidation happened while it was read, so a read that raced a change cannot put the
    /// old value back after the change removed it.
    epoch: AtomicU64,
}

/// States kept at most; beyond this the least used are evicted (and read again on use).
const STATE_CAPACITY: usize = 100_000;
/// Records kept at most: they are larger (a few hundred bytes) and read less often.
const RECORD_CAPACITY: usize = 20_000;

impl std::fmt::Debug for Accounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("states", &self.states.as_ref().map_or(0, Cache::len))
            .field("records", &self.records.as_ref().map_or(0, Cache::len))
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl Accounts {
    /// Caches for `ttl`; a zero `ttl` reads the database every time.
    #[must_use]
    pub fn new(ttl: Duration) -> Self {
        Self {
            states: (!ttl.is_zero()).then(|| Cache::new(STATE_CAPACITY)),
            records: (!ttl.is_zero()).then(|| Cache::new(RECORD_CAPACITY)),
            ttl,
            epoch: AtomicU64::new(0),
        }
    }

    /// `user`'s current state.
    ///
    /// # Errors
    /// The database did not answer, or holds a role the server does not know.
    pub async fn state(&self, db: &Db, user: Uuid) -> Result<AccountState, StoreError> {
        self.read_through(self.states.as_ref(), user, async {
            Ok(match db.account_status(user).await? {
                None => AccountState::Gone,
                Some((_, false)) => AccountState::Inactive,
                Some((role, true)) => AccountState::Active(role),
            })
        })
        .await
    }

    /// `user`'s account and profile, or `None` when there is no such account; `read` reads
    /// them from the database when the cache has no fresh copy.
    ///
    /// # Errors
    /// Those of `read`.
    pub async fn record<E>(
        &self,
        user: Uuid,
        read: impl Future<Output = Result<Option<AccountRecord>, E>>,
    ) -> Result<Option<AccountRecord>, E> {
        self.read_through(self.records.as_ref(), user, read).await
    }

    async fn read_through<V: Clone, E>(
        &self,
        cache: Option<&Cache<Uuid, (V, Instant)>>,
        user: Uuid,
        read: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some(cache) = cache
            && let Some((value, at)) = cache.get(&user)
            && at.elapsed() < self.ttl
        {
            return Ok(value);
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let value = read.await?;
        if let Some(cache) = cache
            && self.epoch.load(Ordering::Acquire) == epoch
        {
            cache.insert(user, (value.clone(), Instant::now()));
        }
        Ok(value)
    }

    /// Forgets what is cached of `user`: the next request reads it again.
    pub fn invalidate(&self, user: Uuid) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(cache) = &self.states {
            cache.remove(&user);
        }
        if let Some(cache) = &self.records {
            cache.remove(&user);
        }
    }

    /// Forgets everything (after invalidations may have been missed).
    pub fn invalidate_all(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Some(cache) = &self.states {
            cache.clear();
        }
        if let Some(cache) = &self.records {
            cache.clear();
        }
    }
}
