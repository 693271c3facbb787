//! End-to-end tests: each starts the real server on a random port and talks HTTP to it.
//!
//! The database is a fresh SQLite file per test, or, when `DATABASE_URL` points at
//! PostgreSQL, that database (shared by the run; every test works with its own users). With
//! `REDIS_URL` set, rate limits live in Redis under a per-test key prefix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

mod account;
mod account_state;
mod admin;
mod alert_nodes;
mod alerts;
mod auth_flow;
mod cookie_mode;
mod dashboard;
mod demo;
mod errors;
mod explain;
mod extensions;
mod goals;
mod grants;
mod helpers;
mod holdings;
mod identity;
mod isolation;
mod live;
mod live_extensions;
mod live_fan_chart;
mod live_metrics;
mod live_recommendations;
mod live_solve;
mod market;
mod ml;
mod openapi;
mod operations;
mod optimise;
mod planning_integration;
mod prices;
mod process;
mod proposals;
mod proxies;
mod rate_limits;
mod rebalance_performance;
mod recommendations;
mod risk;
mod rules_lease;
mod schema;
mod segments;
mod shared_market;
mod shutdown;
mod simulations;
mod solve;
mod tokens;
mod websocket;
