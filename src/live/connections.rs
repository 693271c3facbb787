//! This node's WebSocket connections by user, so that the connections of an account that is
//! deleted or deactivated end at once. The change reaches every node through the live hooks
//! ([`super::fanout`]); each node closes the connections it holds.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use actix::{Message, Recipient};
use uuid::Uuid;

/// The account behind a connection can no longer act: close with
/// `protocol::ws::close::ACCOUNT_CLOSED`.
#[derive(Debug, Clone, Copy, Message)]
#[rtype(result = "()")]
pub struct AccountClosed {
    /// Why, for the close frame.
    pub reason: &'static str,
}

/// A user's connections: id and how to close each.
type Connections = Vec<(u64, Recipient<AccountClosed>)>;

/// Authenticated connections by user.
#[derive(Default)]
pub struct UserConnections {
    by_user: Mutex<HashMap<Uuid, Connections>>,
}

impl std::fmt::Debug for UserConnections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserConnections")
            .field("users", &self.lock().len())
            .finish()
    }
}

impl UserConnections {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Connections>> {
        self.by_user.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Connection `conn` is authenticated as `user`.
    pub fn register(&self, user: Uuid, conn: u64, recipient: Recipient<AccountClosed>) {
        self.lock().entry(user).or_default().push((conn, recipient));
    }

    /// Connection `conn` of `user` ended.
    pub fn unregister(&self, user: Uuid, conn: u64) {
        let mut by_user = self.lock();
        if let Some(conns) = by_user.get_mut(&user) {
            conns.retain(|(id, _)| *id != conn);
            if conns.is_empty() {
                by_user.remove(&user);
            }
        }
    }

    /// Closes every connection of `user`.
    pub fn close(&self, user: Uuid, reason: &'static str) {
        let conns = self.lock().remove(&user).unwrap_or_default();
        for (_, recipient) in conns {
            recipient.do_send(AccountClosed { reason });
        }
    }

    /// Every user with a connection here.
    #[must_use]
    pub fn users(&self) -> Vec<Uuid> {
        self.lock().keys().copied().collect()
    }
}
