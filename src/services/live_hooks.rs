//! Where storage changes reach the live sessions (actors): every service that changes
//! something a session shows calls one of these after the change is committed.
//!
//! Kept in one place so the REST services stay ignorant of the actor system. Each change is
//! applied to this node's registry and, with Redis configured, published to the other nodes
//! (see [`crate::live::fanout`]).

use std::sync::Arc;

use protocol::proposals::Proposal;
use uuid::Uuid;

use protocol::auth::Role;

use crate::live::fanout::{HookEvent, HookTargets};
use crate::state::AppState;

/// What hook events act on, on this node.
pub fn targets(state: &AppState) -> HookTargets {
    HookTargets {
        registry: state.live.registry.clone(),
        accounts: state.accounts.clone(),
        connections: state.connections.clone(),
    }
}

fn send(state: &AppState, event: HookEvent) {
    event.apply(&targets(state));
    if let Some(fanout) = &state.live.fanout {
        fanout.publish(event);
    }
}

/// A user's holdings changed (created, updated or deleted).
pub fn holdings_changed(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Changed { user: user_id });
}

/// A user's stored plan changed.
pub fn plan_changed(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Changed { user: user_id });
}

/// An advisor's proposal on `proposal.client_id`'s plan was made or answered: whoever
/// watches the client's stream, on any node, sees it.
pub fn proposal_changed(state: &AppState, proposal: Arc<Proposal>) {
    send(
        state,
        HookEvent::Proposal {
            owner: proposal.client_id,
            proposal,
        },
    );
}

/// A user's alert rules changed.
pub fn alert_rules_changed(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Changed { user: user_id });
}

/// An account's record or profile changed (its e-mail, its profile, the time of its last
/// login): cached copies are read again.
pub fn account_updated(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Updated { user: user_id });
}

/// An account is gone: its tokens are refused, its session stops, its connections close and
/// it watches no one's stream any more.
pub fn account_deleted(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Forget { user: user_id });
}

/// An account was deactivated: as if deleted, until it is activated again.
pub fn account_deactivated(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Deactivated { user: user_id });
}

/// An account was activated again.
pub fn account_reactivated(state: &AppState, user_id: Uuid) {
    send(state, HookEvent::Reactivated { user: user_id });
}

/// An account's role changed: it applies from the next request; a former advisor stops
/// watching clients at once.
pub fn role_changed(state: &AppState, user_id: Uuid, role: Role) {
    send(
        state,
        HookEvent::RoleChanged {
            user: user_id,
            advisor: role == Role::Advisor,
        },
    );
}

/// `client_id` revoked `advisor_id`'s access: the advisor's subscriptions to the client's
/// stream end at once, on every node.
pub fn grant_revoked(state: &AppState, client_id: Uuid, advisor_id: Uuid) {
    send(
        state,
        HookEvent::Revoked {
            owner: client_id,
            viewer: advisor_id,
        },
    );
}
