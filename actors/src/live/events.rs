//! What a session sends its subscribers. Bodies are shared (`Arc`), so a session with many
//! subscribers builds each state once.

use std::sync::Arc;

use actix::{Message, Recipient};
use protocol::live::{LiveAlert, LiveState, TickSummary};
use uuid::Uuid;

/// One event of a plan stream.
#[derive(Debug, Clone, Message)]
#[rtype(result = "()")]
pub struct StreamEvent {
    /// Whose plan.
    pub stream: Uuid,
    /// What happened.
    pub body: Arc<StreamBody>,
}

/// The kinds of stream events.
#[derive(Debug, PartialEq)]
pub enum StreamBody {
    /// The current state, to a new subscriber.
    Snapshot {
        /// Its sequence number.
        seq: u64,
        /// The state.
        state: Arc<LiveState>,
    },
    /// A new state.
    Update {
        /// Its sequence number (the previous one plus 1).
        seq: u64,
        /// Revaluations folded into it.
        coalesced: u32,
        /// Prices that moved since the previous update.
        ticks: Arc<[TickSummary]>,
        /// The newest tick's timestamp.
        newest_tick_ms: Option<i64>,
        /// The state.
        state: Arc<LiveState>,
    },
    /// A rule fired.
    Alert(LiveAlert),
    /// The subscription ended (access revoked, session gone).
    Ended {
        /// Why.
        reason: String,
    },
}

/// Where a subscription's events go. A plain actor [`Recipient`] is one; the WebSocket
/// connection has its own, which writes updates straight into the socket's queue when it can
/// (so the connection's actor is not woken for each), in the order they were delivered.
pub trait StreamSink: Send + Sync + 'static {
    /// Delivers `event`; never waits.
    fn deliver(&self, event: StreamEvent);
}

impl StreamSink for Recipient<StreamEvent> {
    fn deliver(&self, event: StreamEvent) {
        self.do_send(event);
    }
}

/// A shared [`StreamSink`].
pub type SharedSink = Arc<dyn StreamSink>;
