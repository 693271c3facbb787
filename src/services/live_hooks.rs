//! Where storage changes reach the live sessions (actors): every service that changes
//! something a session shows calls one of these after the change is committed.
//!
//! Kept in one place so the REST services stay ignorant of the actor system.

use uuid::Uuid;

use crate::state::AppState;

/// A user's holdings changed (created, updated or deleted).
pub fn holdings_changed(_state: &AppState, _user_id: Uuid) {}

/// A user's stored plan changed.
pub fn plan_changed(_state: &AppState, _user_id: Uuid) {}

/// A user's alert rules changed.
pub fn alert_rules_changed(_state: &AppState, _user_id: Uuid) {}

/// `client_id` revoked `advisor_id`'s access: the advisor's subscriptions to the client's
/// stream end at once.
pub fn grant_revoked(_state: &AppState, _client_id: Uuid, _advisor_id: Uuid) {}
