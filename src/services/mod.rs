//! Use cases: each joins storage, auth and (later) engines and actors. Handlers call exactly
//! one function here; these functions know nothing of HTTP beyond [`ApiError`].
//!
//! # Layout
//! - [`auth`]: register, login, refresh, logout; [`demo`]: demo accounts and their expiry.
//! - [`users`]: profile and account deletion.
//! - [`goals`]: goal CRUD.
//! - [`admin`]: user administration.
//! - [`health`]: detailed health.
//! - [`ml`]: the success surrogate's card.
//! - [`market`]: quotes and feed status; [`prices`]: price history (imports, a symbol's
//!   closes); [`daily_record`]: the feed's daily closes and users' daily valuations.
//! - [`live`]: live sessions over REST and WebSocket (access, state, what-ifs, advisors).
//! - [`live_hooks`]: how storage changes reach the live sessions.
//! - [`simulations`]: plans and Monte Carlo runs; [`scenarios`]: variants of a plan.
//! - [`risk`]: the risk assessment (questionnaire answers, capacity, need, profile).
//! - [`portfolio`]: holdings and allocations; [`flows`]: the cash flows of holding changes;
//!   [`rebalance`]: trade lists; [`performance`]: returns and risk of the recorded history
//!   and of a back-test; [`optimise`]: optimal portfolios and the efficient frontier;
//!   [`advisors`]: advisor grants; [`proposals`]: advisors' proposed plan changes;
//!   [`segments`]: an advisor's clients in segments; [`recommendations`]: verified changes
//!   to the caller's plan;
//!   [`alerts`]: alert rules and alerts.

pub mod admin;
pub mod advisors;
pub mod alerts;
pub mod assumptions;
pub mod auth;
pub mod compare_models;
pub mod daily_record;
pub mod demo;
pub mod flows;
pub mod goals;
pub mod health;
pub mod live;
pub mod live_hooks;
pub mod market;
pub mod ml;
pub mod optimise;
pub mod performance;
pub mod portfolio;
pub mod prices;
pub mod proposals;
pub mod rebalance;
pub mod recommendations;
pub mod return_history;
pub mod risk;
pub mod scenarios;
pub mod segments;
pub mod simulations;
pub mod solve;
pub mod users;

use protocol::auth::AccountView;

use crate::http::error::ApiError;
use crate::store::users::UserRow;

/// The account as shown to its owner and to administrators.
///
/// # Errors
/// The stored role is unknown.
pub fn account_view(row: &UserRow) -> Result<AccountView, ApiError> {
    Ok(AccountView {
        id: row.id,
        email: row.email.clone(),
        role: row.role()?,
        is_active: row.is_active,
        created_at: row.created_at,
        last_login: row.last_login,
        demo: row.is_demo,
    })
}

/// Fails with 422 when any check failed, naming every bad field at once.
///
/// # Errors
/// [`ApiError::Validation`] with all collected errors.
pub fn collect(errors: Vec<protocol::FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}
