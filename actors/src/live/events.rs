//! What a session sends its subscribers. Bodies are shared (`Arc`), so a session with many
//! subscribers builds each state once.

use std::sync::Arc;

use actix::{Message, Recipient};
use protocol::live::{Explanation, LiveAlert, LiveState, TickSummary};
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
        /// When the newest tick reached the price hub: the connection measures tick-to-frame
        /// latency from here when it writes the frame.
        tick_arrived: Option<std::time::Instant>,
        /// The state.
        state: Arc<LiveState>,
        /// Why the success moved since the receiving subscription's last snapshot (`None`:
        /// nothing to say). Subscriptions that got the same snapshot share the body.
        explanation: Option<Arc<Explanation>>,
    },
    /// A rule fired.
    Alert(LiveAlert),
    /// An advisor's proposal was made or answered.
    Proposal(Arc<protocol::proposals::Proposal>),
    /// The live success crossed a threshold: the recommendations now.
    Recommendations(Arc<protocol::recommendations::LiveRecommendations>),
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

/// Deliveries a session thread holds back so that they leave together: at most this many.
const BATCH: usize = 32;

thread_local! {
    /// This thread's deliveries not made yet, in the order sessions made them.
    static PENDING: std::cell::RefCell<Vec<(SharedSink, StreamEvent)>> =
        const { std::cell::RefCell::new(Vec::new()) };
    /// Whether a task to deliver them is queued on this thread.
    static FLUSH_QUEUED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Delivers `event` to `sink` soon: with the next [`BATCH`] deliveries of this thread, or
/// once the thread has run what is queued before, whichever comes first.
///
/// Why: a market move makes every session publish at once. Delivered one by one, each frame
/// woke the HTTP worker (on one core: a switch there and back per frame) and the client's
/// reader (an interrupt per frame); held back a few dozen at a time, the worker writes them
/// back to back, for ~0.5 ms of latency at most. Sessions deliver everything through here, so
/// a sink still gets a session's events in order (a snapshot before its updates).
pub fn deliver_soon(sink: &SharedSink, event: StreamEvent) {
    let full = PENDING.with_borrow_mut(|pending| {
        pending.push((sink.clone(), event));
        pending.len() >= BATCH
    });
    if full {
        flush();
    } else if !FLUSH_QUEUED.replace(true) {
        actix::spawn(async {
            FLUSH_QUEUED.set(false);
            flush();
        });
    }
}

/// Makes this thread's held-back deliveries now.
pub fn flush() {
    // Taken out first: a sink may deliver (to an actor) while this runs.
    let batch = PENDING.with_borrow_mut(std::mem::take);
    for (sink, event) in batch {
        sink.deliver(event);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records the sequence numbers of the updates it gets.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<u64>>);

    impl StreamSink for Recorder {
        fn deliver(&self, event: StreamEvent) {
            if let StreamBody::Ended { reason } = &*event.body {
                let seq = reason.parse().expect("a number");
                self.0.lock().expect("not poisoned").push(seq);
            }
        }
    }

    fn event(seq: u64) -> StreamEvent {
        StreamEvent {
            stream: Uuid::nil(),
            body: Arc::new(StreamBody::Ended {
                reason: seq.to_string(),
            }),
        }
    }

    #[actix::test]
    async fn held_back_deliveries_leave_in_order_a_batch_at_a_time_and_the_rest_soon() {
        let recorder = Arc::new(Recorder::default());
        let sink: SharedSink = recorder.clone();
        for seq in 0..40 {
            deliver_soon(&sink, event(seq));
        }
        let seen = |r: &Recorder| r.0.lock().expect("not poisoned").clone();
        assert_eq!(
            seen(&recorder),
            (0..32).collect::<Vec<_>>(),
            "a full batch leaves at once"
        );
        tokio::task::yield_now().await;
        assert_eq!(
            seen(&recorder),
            (0..40).collect::<Vec<_>>(),
            "the rest leaves once the thread has run what was queued"
        );
    }
}
