//! A connection's outlet: how sessions deliver its events.
//!
//! The usual event is a stream update, one per session per market move, thousands a second.
//! Sending each through the connection actor's mailbox woke the actor once per update only
//! to hand the frame on to actix-ws, about a fifth of a worker's time per update. So while
//! the connection has nothing of its own to write and nothing waiting in its mailbox, the
//! outlet encodes an update on the session's thread and puts it straight into actix-ws's
//! queue. Everything else (snapshots, alerts, ends of streams, any update while the
//! connection is busy or the queue is full) goes through the actor as before, which then
//! applies latest-wins and the stall deadline.
//!
//! Order holds because a direct write needs both the writer (the actor hands it over only
//! when it has nothing left to write) and an empty mailbox (events the actor has not handled
//! yet would be overtaken); both are checked under one lock.

use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use actix::Recipient;
use actix_ws::Session;
use actors::live::events::{StreamBody, StreamEvent, StreamSink};
use futures_util::Sink;
use protocol::ws::Encoding;
use uuid::Uuid;

use super::frame::{Frame, update_message};
use crate::telemetry::FrameMetrics;

/// What the outlet and its connection actor share.
#[derive(Default)]
struct Shared {
    /// The connection's writer while the actor has nothing to write; the actor takes it back
    /// for its own frames.
    writer: Option<Session>,
    /// The streams whose updates may be written directly: the ones the connection watches.
    open: Vec<Uuid>,
    /// Events sent to the actor's mailbox and not handled yet.
    in_mailbox: u32,
}

/// What became of a direct write.
enum Direct {
    Written,
    /// The connection is closed: the event is dropped, as the actor would.
    Closed,
    /// The socket's queue is full or the update cannot be written here.
    NotNow,
}

/// The sink a connection gives the sessions it watches.
pub struct Outlet {
    encoding: Encoding,
    actor: Recipient<StreamEvent>,
    frames: FrameMetrics,
    shared: Mutex<Shared>,
}

impl Outlet {
    /// An outlet for the actor at `actor`, speaking `encoding`, with no writer yet; the
    /// updates it writes are counted and timed in `frames`.
    #[must_use]
    pub fn new(encoding: Encoding, actor: Recipient<StreamEvent>, frames: FrameMetrics) -> Self {
        Self {
            encoding,
            actor,
            frames,
            shared: Mutex::new(Shared::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // Nothing holding the lock can leave the state half-changed: use it as it is.
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The writer, for the actor to write its own frames; `None` when closed.
    pub fn take_writer(&self) -> Option<Session> {
        self.lock().writer.take()
    }

    /// Hands the writer back: the actor has nothing left to write.
    pub fn give_writer(&self, writer: Session) {
        self.lock().writer = Some(writer);
    }

    /// Updates of `stream` may be written directly from now on.
    pub fn open(&self, stream: Uuid) {
        let mut shared = self.lock();
        if !shared.open.contains(&stream) {
            shared.open.push(stream);
        }
    }

    /// No more direct updates of `stream`.
    pub fn close_stream(&self, stream: Uuid) {
        self.lock().open.retain(|s| *s != stream);
    }

    /// No more direct writes at all; drops the outlet's writer so that the socket's queue
    /// ends with the connection even while sessions still hold the outlet.
    pub fn shut(&self) {
        let mut shared = self.lock();
        shared.writer = None;
        shared.open.clear();
    }

    /// The actor handled one event from its mailbox.
    pub fn handled(&self) {
        let mut shared = self.lock();
        shared.in_mailbox = shared.in_mailbox.saturating_sub(1);
    }

    fn try_direct(&self, shared: &mut Shared, event: &StreamEvent) -> Direct {
        if !matches!(*event.body, StreamBody::Update { .. })
            || shared.in_mailbox > 0
            || !shared.open.contains(&event.stream)
        {
            return Direct::NotNow;
        }
        let Some(writer) = shared.writer.as_mut() else {
            return Direct::NotNow;
        };
        // A no-op waker: this only asks whether the queue has room now. When it has none,
        // the update goes to the actor, whose write waits for room under the stall deadline.
        let mut cx = Context::from_waker(Waker::noop());
        match Pin::new(&mut *writer).poll_ready(&mut cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(_)) => return Direct::Closed,
            Poll::Pending => return Direct::NotNow,
        }
        // Written as it comes, so nothing was skipped.
        let Some(frame) = update_message(event.stream, 0, &event.body)
            .and_then(|message| Frame::encode(self.encoding, &message))
        else {
            return Direct::NotNow;
        };
        match Pin::new(writer).start_send(frame.into_message()) {
            Ok(()) => {
                self.frames.written(&event.body);
                Direct::Written
            }
            Err(_) => Direct::Closed,
        }
    }
}

impl StreamSink for Outlet {
    fn deliver(&self, event: StreamEvent) {
        let mut shared = self.lock();
        match self.try_direct(&mut shared, &event) {
            Direct::Written | Direct::Closed => {}
            Direct::NotNow => {
                shared.in_mailbox = shared.in_mailbox.saturating_add(1);
                drop(shared);
                self.actor.do_send(event);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use actix::{Actor, Context, Handler};
    use actix_web::FromRequest;
    use actix_web::http::header;
    use protocol::live::{LivePortfolio, LiveSimulation, LiveState, TickSummary, WealthSource};
    use protocol::simulations::PercentilesView;
    use protocol::ws::ServerMessage;
    use tokio::sync::mpsc;

    use super::*;

    /// Stands in for the connection actor: records what reaches its mailbox.
    struct Mailbox(mpsc::UnboundedSender<StreamEvent>);

    impl Actor for Mailbox {
        type Context = Context<Self>;
    }

    impl Handler<StreamEvent> for Mailbox {
        type Result = ();

        fn handle(&mut self, event: StreamEvent, _: &mut Context<Self>) {
            let _ = self.0.send(event);
        }
    }

    fn state() -> Arc<LiveState> {
        let p = PercentilesView {
            p5: 1.0,
            p25: 2.0,
            p50: 3.0,
            p75: 4.0,
            p95: 5.0,
        };
        Arc::new(LiveState {
            user_id: Uuid::nil(),
            simulation: LiveSimulation {
                paths: 1000,
                seed: 1,
                starting_wealth: 1.0,
                wealth_source: WealthSource::Plan,
                monthly_contribution: 0.0,
                monthly_spending: 0.0,
                retirement_month: 0,
                horizon_months: 0,
                success_probability: 0.5,
                success_standard_error: 0.01,
                terminal_real_wealth: p,
                fan_chart: None,
                goals: Vec::new(),
                extensions: None,
            },
            portfolio: LivePortfolio {
                total_value: 0.0,
                classes: Vec::new(),
                max_abs_drift: 0.0,
                unpriced: Vec::new(),
                band: 0.05,
                outside_band: false,
                rebalance_trades: 0,
            },
            computed_at_ms: 0,
        })
    }

    fn update(stream: Uuid, seq: u64) -> StreamEvent {
        let ticks: Arc<[TickSummary]> = Arc::new([]);
        StreamEvent {
            stream,
            body: Arc::new(StreamBody::Update {
                seq,
                coalesced: 0,
                ticks,
                newest_tick_ms: None,
                tick_arrived: None,
                state: state(),
                explanation: None,
            }),
        }
    }

    fn snapshot(stream: Uuid, seq: u64) -> StreamEvent {
        StreamEvent {
            stream,
            body: Arc::new(StreamBody::Snapshot {
                seq,
                state: state(),
            }),
        }
    }

    /// A real actix-ws session on a request that asks for an upgrade, with the response
    /// whose body carries what is written.
    async fn socket() -> (Session, actix_web::HttpResponse) {
        let (req, mut payload) = actix_web::test::TestRequest::default()
            .insert_header((header::UPGRADE, "websocket"))
            .insert_header((header::CONNECTION, "upgrade"))
            .insert_header((header::SEC_WEBSOCKET_VERSION, "13"))
            .insert_header((header::SEC_WEBSOCKET_KEY, "dGhlIHNhbXBsZSBub25jZQ=="))
            .to_http_parts();
        let body = actix_web::web::Payload::from_request(&req, &mut payload)
            .await
            .unwrap();
        let (response, session, _stream) = actix_ws::handle(&req, body).unwrap();
        (session, response)
    }

    /// The sequence numbers of the updates in the text frames the body carries, until the
    /// close frame.
    async fn written(response: actix_web::HttpResponse) -> Vec<(u64, u64)> {
        let bytes = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        let mut seqs = Vec::new();
        let mut rest = &bytes[..];
        while rest.len() >= 2 {
            let (opcode, short) = (rest[0] & 0x0f, usize::from(rest[1] & 0x7f));
            let (len, start) = match short {
                126 => (usize::from(u16::from_be_bytes([rest[2], rest[3]])), 4),
                127 => unreachable!("no test frame is that large"),
                n => (n, 2),
            };
            let payload = &rest[start..start + len];
            if opcode == 0x1 {
                match Encoding::Json.decode::<ServerMessage>(payload).unwrap() {
                    ServerMessage::Update { seq, skipped, .. } => seqs.push((seq, skipped)),
                    other => panic!("unexpected frame {other:?}"),
                }
            }
            rest = &rest[start + len..];
        }
        seqs
    }

    async fn next(rx: &mut mpsc::UnboundedReceiver<StreamEvent>) -> StreamEvent {
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("an event reaches the mailbox")
            .expect("the mailbox is open")
    }

    /// An outlet holding the writer of a real socket, its mailbox standing in for the actor.
    async fn outlet_on_socket() -> (
        Outlet,
        mpsc::UnboundedReceiver<StreamEvent>,
        Session,
        actix_web::HttpResponse,
    ) {
        let (tx, mailbox) = mpsc::unbounded_channel();
        let frames = crate::telemetry::Metrics::new(false)
            .expect("metrics register")
            .frames();
        let outlet = Outlet::new(Encoding::Json, Mailbox(tx).start().recipient(), frames);
        let (session, response) = socket().await;
        outlet.give_writer(session.clone());
        (outlet, mailbox, session, response)
    }

    fn seq_of(event: &StreamEvent) -> u64 {
        match &*event.body {
            StreamBody::Update { seq, .. } | StreamBody::Snapshot { seq, .. } => *seq,
            _ => 0,
        }
    }

    #[actix_web::test]
    async fn updates_are_written_directly_only_when_nothing_waits_ahead_of_them() {
        let stream = Uuid::from_u128(7);
        let (outlet, mut mailbox, session, response) = outlet_on_socket().await;

        // Not watched yet: to the actor, which drops it.
        outlet.deliver(update(stream, 1));
        assert_eq!(seq_of(&next(&mut mailbox).await), 1);
        outlet.handled();

        outlet.open(stream);
        outlet.deliver(update(stream, 2)); // written
        outlet.deliver(snapshot(stream, 3)); // only the actor writes snapshots
        outlet.deliver(update(stream, 4)); // must not overtake the snapshot
        assert_eq!(seq_of(&next(&mut mailbox).await), 3);
        assert_eq!(seq_of(&next(&mut mailbox).await), 4);
        outlet.handled();
        outlet.deliver(update(stream, 5)); // one event still unhandled
        assert_eq!(seq_of(&next(&mut mailbox).await), 5);
        outlet.handled();
        outlet.handled();
        outlet.deliver(update(stream, 6)); // written

        // The actor writing its own frame has the writer.
        let writer = outlet.take_writer().expect("the outlet holds the writer");
        outlet.deliver(update(stream, 7));
        assert_eq!(seq_of(&next(&mut mailbox).await), 7);
        outlet.handled();
        outlet.give_writer(writer);
        outlet.deliver(update(stream, 8)); // written

        outlet.close_stream(stream);
        outlet.deliver(update(stream, 9));
        assert_eq!(seq_of(&next(&mut mailbox).await), 9);
        outlet.handled();

        outlet.shut();
        session.close(None).await.unwrap();
        assert_eq!(written(response).await, [(2, 0), (6, 0), (8, 0)]);
        assert!(
            mailbox.try_recv().is_err(),
            "nothing else reached the actor"
        );
    }

    #[actix_web::test]
    async fn a_full_socket_queue_sends_updates_to_the_actor() {
        let stream = Uuid::from_u128(8);
        let (outlet, mut mailbox, _session, response) = outlet_on_socket().await;
        outlet.open(stream);
        // Nobody reads the body, so actix-ws's queue fills.
        let mut to_actor = Vec::new();
        for seq in 1..=40 {
            outlet.deliver(update(stream, seq));
        }
        while let Ok(Some(event)) =
            tokio::time::timeout(Duration::from_millis(200), mailbox.recv()).await
        {
            to_actor.push(seq_of(&event));
        }
        let direct = 40 - to_actor.len();
        assert!((1..40).contains(&direct), "{direct} written directly");
        // Once one went to the actor, every later one did too: none overtook it.
        let first = to_actor[0];
        assert_eq!(to_actor, (first..=40).collect::<Vec<_>>());
        drop(response);
    }
}
