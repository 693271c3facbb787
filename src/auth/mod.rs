//! Authentication: signing keys, access tokens, refresh tokens, password hashing and
//! attempt throttling.
//!
//! # Layout
//! - [`keys`]: the RS256 signing key (configured, or for a single node generated into the data
//!   directory) and the verify-only keys of before a rotation, each known by its `kid`.
//! - [`jwt`]: issuing and verifying access tokens.
//! - [`refresh`]: opaque refresh tokens and their hashes.
//! - [`password`]: argon2id hashing off the async workers, with a cap on concurrency.
//! - [`rate_limit`]: fixed-window counters in memory or in Redis.
//! - [`verified`]: verified tokens remembered until they expire (skips RS256 on repeats).
//! - [`accounts`]: account states (exists, active, role), checked on every request.
//! - [`extract`]: the `AuthUser` request extractor: token, then account.

pub mod accounts;
pub mod extract;
pub mod jwt;
pub mod keys;
pub mod password;
pub mod rate_limit;
pub mod refresh;
pub mod verified;

pub use extract::AuthUser;
