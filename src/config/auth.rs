//! Signing keys, token lifetimes and password hashing.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

use super::forms::paths_or_list;

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
    /// token has expired (`access_ttl_secs`). A private key here is refused.
    #[serde(deserialize_with = "paths_or_list")]
    pub previous_public_keys: Vec<PathBuf>,
    /// Access-token lifetime in seconds.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime in days.
    pub refresh_ttl_days: u32,
    /// Password hashes computed at once; further requests queue. Defaults to the number of
    /// cores, so a login flood cannot take every core from the other endpoints.
    pub hash_concurrency: Option<usize>,
    /// How long a request may queue for a hashing slot before it gets 503.
    pub hash_queue_timeout_ms: u64,
    /// Verified access tokens remembered (until they expire), so a request whose token was
    /// seen before skips the RS256 signature check; 0 checks every request's signature.
    pub token_cache_entries: usize,
    /// How long an account's state (exists, active, role), and its record and profile as
    /// `GET /users/profile` shows them, read for a request are reused by later requests. Changes invalidate it at once on every node (through Redis when
    /// configured); this bounds staleness only when an invalidation is lost. 0 reads the
    /// database on every request.
    pub account_cache_secs: u64,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            private_key_path: None,
            private_key_pem: None,
            previous_public_keys: Vec::new(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_days: 30,
            hash_concurrency: None,
            hash_queue_timeout_ms: 5_000,
            token_cache_entries: 10_000,
            account_cache_secs: 30,
        }
    }
}
