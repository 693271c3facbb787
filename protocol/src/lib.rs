//! Wire types shared by the Glidepath server and its clients.
//!
//! Everything a client sends or receives is declared here, and nothing else: no I/O, no
//! framework types, no HTTP status codes (only the server's HTTP layer maps an [`ErrorCode`]
//! to a status). Each type derives `utoipa::ToSchema`, so the OpenAPI document is generated
//! from the same definitions the server serialises.
//!
//! # Layout
//! - [`error`]: the problem body every error answers with, and the closed set of error codes.
//! - [`auth`]: registration, login, token refresh and logout.
//! - [`users`]: the caller's account and financial profile.
//! - [`goals`]: financial goals.
//! - [`simulations`]: plans and Monte Carlo simulations.
//! - [`extensions`]: a plan's model extensions and what they report.
//! - [`admin`]: user administration.
//! - [`portfolio`]: holdings and allocations.
//! - [`advisors`]: advisor access grants.
//! - [`alerts`]: alert rules and alerts.
//! - [`health`]: liveness and detailed health.
//! - [`live`]: the live view of a plan (streamed and over REST), what-ifs, alerts.
//! - [`market`]: quotes and feed status.
//! - [`ml`]: the success surrogate's card.
//! - [`page`]: pagination of lists.
//! - [`risk`]: the risk assessment (tolerance, capacity, need, profile).
//! - [`ws`]: the WebSocket protocol, JSON and MessagePack.
//! - [`de`]: lenient deserialisers shared by the types above.

pub mod admin;
pub mod advisors;
pub mod alerts;
pub mod auth;
pub mod de;
pub mod error;
pub mod extensions;
pub mod goals;
pub mod health;
pub mod live;
pub mod market;
pub mod ml;
pub mod optimise;
pub mod page;
pub mod planning;
pub mod portfolio;
pub mod proposals;
pub mod recommendations;
pub mod risk;
pub mod simulations;
pub mod users;
pub mod ws;

pub use error::{ErrorCode, FieldError, Problem};
pub use page::{Page, PageQuery};
