//! The Glidepath server: configuration, HTTP routes, authentication, storage and start-up.
//!
//! Numerics live in the `engine` crate, actors in `actors`, wire types in `protocol`; this
//! crate is the only one that knows actix-web, sqlx and Redis.
//!
//! # Layout
//! - [`config`]: layered settings (defaults → TOML file → environment).
//! - [`startup`]: [`startup::Application`] builds and runs the server; [`shutdown`]: how it
//!   stops.
//! - [`http`]: endpoints, extractors, middleware, errors and the OpenAPI document.
//! - [`services`]: use cases called by handlers.
//! - [`domain`]: validated values.
//! - [`auth`]: keys, tokens, passwords, rate limits.
//! - [`store`]: SQLite and PostgreSQL persistence.
//! - [`telemetry`]: logs and metrics.
//! - [`market`]: starts the price hub and the market-data feed.
//! - [`site`]: the origins and host names the server answers to.
//! - [`cli`]: the `glidepath` command's subcommands; [`cli_simulate`]: `glidepath simulate`;
//!   [`cli_ml`]: `glidepath ml train`.
//! - [`ml`]: the success surrogate's model, loaded at start-up.

pub mod auth;
pub mod cli;
pub mod cli_ml;
pub mod cli_optimise;
pub mod cli_simulate;
pub mod cli_solve;
pub mod config;
pub mod domain;
pub mod http;
pub mod live;
pub mod market;
pub mod ml;
pub mod scheduling;
pub mod services;
pub mod shutdown;
pub mod site;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
