//! Signing keys, token lifetimes and password hashing.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::ConfigError;
use super::forms::{SECS_PER_DAY, as_millis, days, millis, paths_or_list, secs};

/// Token lifetimes and password-hashing limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// PEM file of the RS256 private key that signs access tokens (PKCS#8 or PKCS#1), for
    /// a key mounted as a file (a container secret). The file must exist. With neither this
    /// nor `private_key_pem`: `data_dir/keys/jwt_private.pem`, generated on first start,
    /// which suits a single node only (see [`crate::auth::keys`]).
    pub private_key_path: Option<PathBuf>,
    /// The RS256 private key itself, as PEM, for a key handed over in the environment
    /// (`GLIDEPATH_AUTH__PRIVATE_KEY_PEM`); excludes `private_key_path`.
    pub private_key_pem: Option<SecretString>,
    /// Public keys (PEM files, or directories whose `*.pem` files are read) that only verify
    /// tokens: after a rotation, the former signing key's public half, kept until its last
    /// token has expired (`access_ttl`). A private key here is refused.
    #[serde(deserialize_with = "paths_or_list")]
    pub previous_public_keys: Vec<PathBuf>,
    /// Access-token lifetime (`access_ttl_secs`).
    #[serde(rename = "access_ttl_secs", deserialize_with = "secs")]
    pub access_ttl: Duration,
    /// Refresh-token lifetime (`refresh_ttl_days`).
    #[serde(rename = "refresh_ttl_days", deserialize_with = "days")]
    pub refresh_ttl: Duration,
    /// Password hashes computed at once; further requests queue. Defaults to the number of
    /// cores, so a login flood cannot take every core from the other endpoints.
    pub hash_concurrency: Option<NonZeroUsize>,
    /// How long a request may queue for a hashing slot before it gets 503 (`hash_queue_timeout_ms`).
    #[serde(rename = "hash_queue_timeout_ms", deserialize_with = "millis")]
    pub hash_queue_timeout: Duration,
    /// Verified access tokens remembered (until they expire), so a request whose token was
    /// seen before skips the RS256 signature check; 0 checks every request's signature.
    pub token_cache_entries: usize,
    /// How long an account's state (exists, active, role), and its record and profile as
    /// `GET /users/profile` shows them, read for a request are reused by later requests. Changes invalidate it at once on every node (through Redis when
    /// configured); this bounds staleness only when an invalidation is lost. 0 reads the
    /// database on every request (`account_cache_secs`).
    #[serde(rename = "account_cache_secs", deserialize_with = "secs")]
    pub account_cache: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            private_key_path: None,
            private_key_pem: None,
            previous_public_keys: Vec::new(),
            access_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(30 * SECS_PER_DAY),
            hash_concurrency: None,
            hash_queue_timeout: Duration::from_secs(5),
            token_cache_entries: 10_000,
            account_cache: Duration::from_secs(30),
        }
    }
}

impl AuthSettings {
    /// Refuses lifetimes, timeouts and cache sizes beyond which the arithmetic on clocks
    /// would overflow at the first login or request (a panic in a worker).
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_range(
            "auth.token_cache_entries",
            u64::try_from(self.token_cache_entries).unwrap_or(u64::MAX),
            0,
            10_000_000,
        )?;
        ConfigError::check_range(
            "auth.account_cache_secs",
            self.account_cache.as_secs(),
            0,
            3_600,
        )?;
        ConfigError::check_range("auth.access_ttl_secs", self.access_ttl.as_secs(), 1, 86_400)?;
        ConfigError::check_range(
            "auth.refresh_ttl_days",
            self.refresh_ttl.as_secs() / SECS_PER_DAY,
            1,
            3_650,
        )?;
        ConfigError::check_range(
            "auth.hash_queue_timeout_ms",
            as_millis(self.hash_queue_timeout),
            1,
            3_600_000,
        )
    }
}
