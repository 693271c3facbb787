//! Several nodes as one service, on real processes: two `glidepath` binaries behind Debian's
//! nginx (running `deploy/nginx/glidepath.conf`), on the PostgreSQL of `DATABASE_URL` and a
//! Redis of the test's own, with a market-data provider the test drives (the external feed).
//!
//! These run in the PostgreSQL + Redis pass of CI (nodes share a database; the embedded SQLite
//! is one node's) and say so and pass on the embedded one. Each test owns its Redis, nginx,
//! nodes and key prefix; they run one at a time because their timing checks (a reconnect
//! within 2 s) should not measure two deployments fighting over two cores.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

mod client;
mod harness;
mod kill_node;
mod redis_outage;
mod rolling_restart;

/// Serialises the tests of this binary.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
