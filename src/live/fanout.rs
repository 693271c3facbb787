//! Live hooks across nodes: with Redis configured, every storage change a session must hear
//! of (new holdings, a revoked grant, a deleted, deactivated or re-roled account) is applied
//! to this node (its registry, cached account states and connections)
//! and published on one Redis channel; every node listens and applies what other nodes
//! publish. Without it, an advisor connected to node B would go on watching a client who
//! revoked the grant through node A.
//!
//! Pub/sub is at-most-once: a node that is disconnected while a change is published misses
//! it (the listener reconnects with backoff, 250 ms doubling to 2 s). So a listener that
//! subscribes again after losing its subscription catches up from the database: every
//! session on this node reloads its user's plan, holdings and rules, cached account states
//! are forgotten, and every advisor watching one of this node's sessions is checked against
//! the grants (ending the subscriptions whose grant is gone) and every connected account
//! against its state. What cannot be caught up is a live notice: an alert or
//! recommendations another node showed meanwhile reach this node's clients through
//! `GET /alerts` and `GET /ml/recommendations`, not as a frame. Access checks of new
//! subscriptions always read the database. Redis Streams with a position per node would make
//! it at-least-once.

use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use actors::live::backend::Shown;
use actors::live::registry::{
    Changed, EndViews, Forget, ProposalChanged, ReloadAll, Revoked, SessionRegistry,
    SharedElsewhere, WatchedByOthers,
};
use futures_util::StreamExt;
use prometheus::IntCounter;
use protocol::live::LiveAlert;
use protocol::proposals::Proposal;
use protocol::recommendations::LiveRecommendations;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::connections::UserConnections;
use crate::auth::accounts::Accounts;
use crate::store::{self, Db};

/// A change the live sessions must hear of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HookEvent {
    /// The user's plan, holdings or alert rules changed: reload.
    Changed {
        /// The user.
        user: Uuid,
    },
    /// The account's record or profile changed: cached copies are read again.
    Updated {
        /// The user.
        user: Uuid,
    },
    /// The account is gone: its session stops, its connections close, its tokens fail.
    Forget {
        /// The user.
        user: Uuid,
    },
    /// The account was deactivated: as [`HookEvent::Forget`], until it is activated again.
    Deactivated {
        /// The user.
        user: Uuid,
    },
    /// The account was activated again.
    Reactivated {
        /// The user.
        user: Uuid,
    },
    /// The account's role changed; unless it is now an advisor, it no longer watches anyone.
    RoleChanged {
        /// The user.
        user: Uuid,
        /// Whether the new role is advisor.
        advisor: bool,
    },
    /// An advisor's proposal on `owner`'s plan was made or answered.
    Proposal {
        /// Whose plan.
        owner: Uuid,
        /// The proposal as it now stands.
        proposal: Arc<Proposal>,
    },
    /// `owner` revoked `viewer`'s access to their stream.
    Revoked {
        /// The client.
        owner: Uuid,
        /// The advisor.
        viewer: Uuid,
    },
    /// The node evaluating `owner`'s rules stored an alert and showed it to its subscribers:
    /// the other nodes show it to theirs.
    Alert {
        /// Whose rule fired.
        owner: Uuid,
        /// The stored alert.
        alert: LiveAlert,
    },
    /// The node evaluating `owner`'s rules computed recommendations and showed them.
    Recommendations {
        /// Whose plan.
        owner: Uuid,
        /// What was shown.
        recommendations: Arc<LiveRecommendations>,
    },
}

/// What hook events act on, on one node.
#[derive(Clone)]
pub struct HookTargets {
    /// The live sessions.
    pub registry: Addr<SessionRegistry>,
    /// Cached account states.
    pub accounts: Arc<Accounts>,
    /// WebSocket connections by user.
    pub connections: Arc<UserConnections>,
}

impl HookEvent {
    /// Applies the event to this node.
    pub fn apply(&self, to: &HookTargets) {
        match *self {
            Self::Changed { user } => to.registry.do_send(Changed { user }),
            Self::Forget { user } => {
                end_account(to, user, "the account was deleted");
            }
            Self::Deactivated { user } => {
                end_account(to, user, "the account was deactivated");
            }
            Self::Reactivated { user } | Self::Updated { user } => to.accounts.invalidate(user),
            Self::RoleChanged { user, advisor } => {
                to.accounts.invalidate(user);
                if !advisor {
                    to.registry.do_send(EndViews { viewer: user });
                }
            }
            Self::Proposal {
                owner,
                ref proposal,
            } => to.registry.do_send(ProposalChanged {
                owner,
                proposal: proposal.clone(),
            }),
            Self::Revoked { owner, viewer } => to.registry.do_send(Revoked { owner, viewer }),
            Self::Alert { owner, ref alert } => to.registry.do_send(SharedElsewhere {
                owner,
                shown: Shown::Alert(alert.clone()),
            }),
            Self::Recommendations {
                owner,
                ref recommendations,
            } => to.registry.do_send(SharedElsewhere {
                owner,
                shown: Shown::Recommendations(recommendations.clone()),
            }),
        }
    }
}

/// The account can no longer act: requests are refused from now on (the cached state goes
/// first), its session stops and its connections close.
fn end_account(to: &HookTargets, user: Uuid, reason: &'static str) {
    to.accounts.invalidate(user);
    to.registry.do_send(Forget { user });
    to.connections.close(user, reason);
}

/// What goes over the channel: the event and the node that applied it already.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    node: Uuid,
    event: HookEvent,
}

/// Publishes this node's hook events to the other nodes.
#[derive(Clone)]
pub struct Fanout {
    node: Uuid,
    channel: String,
    conn: ConnectionManager,
    /// Counts failed publishes and lost subscriptions (`glidepath_redis_errors_total`).
    errors: Option<IntCounter>,
}

/// The channel of a deployment (its Redis key prefix keeps deployments apart).
fn channel(prefix: &str) -> String {
    format!("{prefix}live-hooks")
}

impl Fanout {
    /// Publishes as `node` on `prefix`'s channel through `conn`; [`Self::listen`] starts
    /// applying the other nodes' events.
    #[must_use]
    pub fn new(
        node: Uuid,
        conn: ConnectionManager,
        prefix: &str,
        errors: Option<IntCounter>,
    ) -> Self {
        Self {
            node,
            channel: channel(prefix),
            conn,
            errors,
        }
    }

    /// Listens on the channel with a connection of its own from `client`, applying other
    /// nodes' events to `targets` (and, after a lost subscription, forgetting cached account
    /// states and re-checking accounts and grants in `db`).
    pub fn listen(&self, client: redis::Client, targets: HookTargets, db: Db) {
        actix_web::rt::spawn(listen(
            client,
            self.channel.clone(),
            self.node,
            targets,
            db,
            self.errors.clone(),
        ));
    }

    /// Sends `event` to the other nodes, in the background: the change is committed, and a
    /// Redis hiccup must not fail the request that made it (it is logged).
    pub fn publish(&self, event: HookEvent) {
        let envelope = Envelope {
            node: self.node,
            event,
        };
        let Ok(payload) = serde_json::to_string(&envelope) else {
            return;
        };
        let event = envelope.event;
        let (mut conn, channel) = (self.conn.clone(), self.channel.clone());
        let errors = self.errors.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = conn.publish::<_, _, ()>(&channel, payload).await {
                if let Some(errors) = &errors {
                    errors.inc();
                }
                tracing::warn!(error = %e, ?event, "a live hook could not be sent to the other nodes");
            }
        });
    }
}

/// The first and the longest wait before subscribing again: short, since every moment
/// without the subscription is changes missed (caught up by a reload of every session), and a
/// refused connection costs Redis nothing.
const RESUBSCRIBE_FIRST: Duration = Duration::from_millis(250);
const RESUBSCRIBE_MAX: Duration = Duration::from_secs(2);

/// Applies the other nodes' events until the server stops, reconnecting with backoff
/// ([`RESUBSCRIBE_FIRST`] doubling to [`RESUBSCRIBE_MAX`]) whenever the subscription breaks.
async fn listen(
    client: redis::Client,
    channel: String,
    node: Uuid,
    targets: HookTargets,
    db: Db,
    errors: Option<IntCounter>,
) {
    let mut failures: u32 = 0;
    let mut first = true;
    loop {
        let recheck = (!first).then_some(&db);
        first = false;
        match subscribe_and_apply(&client, &channel, node, &targets, recheck).await {
            Ok(()) => {
                failures = 0;
                tracing::warn!("live hook subscription ended; subscribing again");
            }
            Err(e) => {
                if let Some(errors) = &errors {
                    errors.inc();
                }
                failures = failures.saturating_add(1);
                tracing::warn!(error = %e, attempt = failures, "live hook subscription lost; reconnecting");
            }
        }
        if !targets.registry.connected() {
            return;
        }
        let wait = (RESUBSCRIBE_FIRST * (1u32 << failures.min(5))).min(RESUBSCRIBE_MAX);
        tokio::time::sleep(wait).await;
    }
}

async fn subscribe_and_apply(
    client: &redis::Client,
    channel: &str,
    node: Uuid,
    targets: &HookTargets,
    recheck: Option<&Db>,
) -> redis::RedisResult<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    if let Some(db) = recheck {
        // Subscribed again: whatever was published in between is lost, so check now (events
        // from here on arrive on the new subscription).
        targets.accounts.invalidate_all();
        targets.registry.do_send(ReloadAll);
        actix_web::rt::spawn(recheck_grants(db.clone(), targets.registry.clone()));
        actix_web::rt::spawn(recheck_accounts(db.clone(), targets.clone()));
    }
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let Ok(payload) = message.get_payload::<String>() else {
            continue;
        };
        match serde_json::from_str::<Envelope>(&payload) {
            Ok(envelope) if envelope.node != node => envelope.event.apply(targets),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "an unreadable live hook was ignored"),
        }
    }
    Ok(())
}

/// Ends every subscription on this node whose viewer no longer holds the owner's grant.
async fn recheck_grants(db: Db, registry: Addr<SessionRegistry>) {
    let Ok(pairs) = registry.send(WatchedByOthers).await else {
        return;
    };
    for (owner, viewer) in pairs {
        match store::grants::exists(&db, owner, viewer).await {
            Ok(true) => {}
            Ok(false) => registry.do_send(Revoked { owner, viewer }),
            Err(e) => {
                tracing::warn!(error = %e, %owner, %viewer, "a grant could not be re-checked")
            }
        }
    }
}

/// Ends the session and connections of every user connected to this node whose account is
/// gone or deactivated.
async fn recheck_accounts(db: Db, targets: HookTargets) {
    for user in targets.connections.users() {
        match db.account_status(user).await {
            Ok(Some((_, true))) => {}
            Ok(Some((_, false))) => end_account(&targets, user, "the account was deactivated"),
            Ok(None) => end_account(&targets, user, "the account was deleted"),
            Err(e) => tracing::warn!(error = %e, %user, "an account could not be re-checked"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_in_a_readable_form() {
        let owner = Uuid::new_v4();
        let viewer = Uuid::new_v4();
        let envelope = Envelope {
            node: Uuid::nil(),
            event: HookEvent::Revoked { owner, viewer },
        };
        let text = serde_json::to_string(&envelope).unwrap();
        assert!(text.contains(r#""kind":"revoked""#), "{text}");
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!(back.event, HookEvent::Revoked { owner, viewer });
        assert_eq!(channel("gp:"), "gp:live-hooks");
    }
}
