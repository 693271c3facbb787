//! Route handlers, one file per route group. Each handler extracts, calls one service and
//! maps the result to a response; its `#[utoipa::path]` documents it in the OpenAPI document.

pub mod admin;
pub mod advisors;
pub mod alerts;
pub mod auth;
pub mod docs;
pub mod goals;
pub mod health;
pub mod live;
pub mod market;
pub mod ml;
pub mod portfolio;
pub mod proposals;
pub mod recommendations;
pub mod risk;
pub mod simulations;
pub mod testing;
pub mod users;
