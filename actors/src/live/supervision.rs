//! How a session learns that a child died.
//!
//! actix does not restart an actor whose handler panicked: the task running it unwinds and
//! is dropped, and with it the actor. Each child therefore owns a [`DownNotice`]; dropping
//! it (by a normal stop or by unwinding) tells the session, which restarts the child with its
//! state reloaded unless it is itself stopping or already replaced that child.

use actix::{Message, Recipient};

/// The children of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Child {
    /// The simulation actor.
    Simulation,
    /// The portfolio actor.
    Portfolio,
    /// The alert actor.
    Alerts,
    /// The recommendation actor.
    Recommendations,
}

impl Child {
    /// Every child, in the order a session starts them.
    pub const ALL: [Self; 4] = [
        Self::Simulation,
        Self::Portfolio,
        Self::Alerts,
        Self::Recommendations,
    ];

    /// Its name in logs and the fault-injection route.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Simulation => "simulation",
            Self::Portfolio => "portfolio",
            Self::Alerts => "alerts",
            Self::Recommendations => "recommendations",
        }
    }

    /// The child named `name` ([`Self::name`]).
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|child| child.name() == name)
    }
}

/// A child is gone.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct ChildDown {
    /// Which.
    pub child: Child,
    /// Which incarnation (the session ignores notices of children it already replaced).
    pub generation: u64,
}

/// Sends [`ChildDown`] when dropped.
pub struct DownNotice {
    child: Child,
    generation: u64,
    session: Recipient<ChildDown>,
}

impl DownNotice {
    /// A notice for incarnation `generation` of `child`.
    #[must_use]
    pub fn new(child: Child, generation: u64, session: Recipient<ChildDown>) -> Self {
        Self {
            child,
            generation,
            session,
        }
    }
}

impl Drop for DownNotice {
    fn drop(&mut self) {
        self.session.do_send(ChildDown {
            child: self.child,
            generation: self.generation,
        });
    }
}

/// Asks a child to stop (its session is stopping).
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct Shutdown;

/// Test hook: the child panics while handling it. Reachable from the network only when the
/// server runs with `testing.fault_injection`.
#[derive(Debug, Message)]
#[rtype(result = "()")]
pub struct InjectFault;
