//! One WebSocket connection: authenticate, keep alive, decode frames, answer.
//!
//! The connection is not the user's session: it subscribes to sessions (its user's, or a
//! client's who granted access) and writes what they push. Sessions deliver through the
//! connection's [`Outlet`], which writes updates directly while the connection is idle and
//! hands everything else to this actor.
//!
//! The actor writes its frames one at a time. Updates of a stream wait in a single slot each,
//! so a newer one replaces an unwritten older one (latest wins, counted in `skipped`); other
//! frames wait in a bounded queue. A client whose write stays pending past the stall timeout,
//! or whose queue overflows, is closed with 4008: memory per connection stays bounded
//! whatever the client does. The stall timeout is a deadline on the write itself, not a
//! per-connection interval: a write that completes at once (the usual case) never touches
//! the timer wheel, and an idle connection has no timer to fire.
//!
//! Answers to the client's own messages are flow-controlled instead: the actor reads the
//! client's messages ([`Inbound`]) only while the answers waiting or being worked on take
//! less than half the queue. Beyond that it stops reading the socket, its buffers fill and
//! TCP pushes back on the client, so a client that sends in bursts and reads its answers is
//! slowed down, never closed; the other half of the queue stays free for the frames the
//! server sends on its own (snapshots, alerts, pings).

use std::collections::{HashSet, VecDeque};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use actix::fut::ActorFuture;
use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, Handler, SpawnHandle, WrapFuture,
};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use actors::live::events::{StreamBody, StreamEvent};
use actors::live::now_ms;
use actors::live::registry::{Unwatch, Watch};
use futures_util::Stream;
use protocol::ErrorCode;
use protocol::live::WhatIfChanges;
use protocol::planning::SolveFor;
use protocol::ws::{ClientMessage, Encoding, ServerMessage, close};
use uuid::Uuid;

use super::frame::{Frame, update_message};
use super::outlet::Outlet;
use crate::config::WsSettings;
use crate::http::error::ApiError;
use crate::live::connections::AccountClosed;
use crate::services;
use crate::state::AppState;
use crate::telemetry::FrameMetrics;

/// Ids that tell a session which connection a subscription belongs to.
static NEXT_CONNECTION: AtomicU64 = AtomicU64::new(1);

/// A frame waiting to be written.
enum Outbound {
    Message(Box<ServerMessage>),
    Ping,
    Pong(actix_web::web::Bytes),
}

/// The newest update of one stream not yet written, with how many it replaced.
struct PendingUpdate {
    stream: Uuid,
    skipped: u64,
    event: Arc<StreamBody>,
}

/// The per-connection actor.
pub struct WsConnection {
    id: u64,
    session: Session,
    encoding: Encoding,
    state: AppState,
    settings: WsSettings,
    user: Option<Uuid>,
    expiry: Option<SpawnHandle>,
    last_heard: Instant,
    /// Frames to write in order; bounded by `live.outbound_queue`.
    outbox: VecDeque<Outbound>,
    /// At most one update per stream: a newer one replaces it (latest wins).
    updates: Vec<PendingUpdate>,
    /// How sessions deliver; it holds the writer while this actor has nothing to write.
    outlet: Arc<Outlet>,
    /// A write of this actor is in flight (it has the writer).
    writing: bool,
    /// The streams this connection watches.
    watching: HashSet<Uuid>,
    /// The last what-if on the caller's own plan, for `commit`.
    last_what_if: Option<WhatIfChanges>,
    /// Client messages being answered asynchronously (access checks, what-ifs, solves,
    /// commits).
    in_flight: usize,
    /// The waker of [`Inbound`] while it has stopped reading for want of room.
    reader: Option<Waker>,
    closing: bool,
    /// Counts and times the updates this actor writes.
    frames: FrameMetrics,
    /// Holds this connection in `glidepath_ws_connections` until dropped.
    _open: OpenConnection,
}

/// One open connection in the gauge: counted when made, uncounted when dropped, however the
/// actor ends.
struct OpenConnection(prometheus::IntGauge);

impl OpenConnection {
    fn new(gauge: &prometheus::IntGauge) -> Self {
        gauge.inc();
        Self(gauge.clone())
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The close code and reason for a stream error.
pub(crate) fn close_reason(err: &ProtocolError) -> (CloseCode, &'static str) {
    match err {
        ProtocolError::Overflow => (CloseCode::Size, "message too big"),
        ProtocolError::Io(e) if e.to_string().contains("maximum continuation size") => {
            (CloseCode::Size, "message too big")
        }
        // actix reports bad UTF-8 and non-zero reserved bits both as InvalidData; only the
        // first is 1007 (RFC 6455 §7.4.1), the second is a protocol error.
        ProtocolError::Io(e)
            if e.kind() == std::io::ErrorKind::InvalidData
                && (e
                    .get_ref()
                    .is_some_and(|inner| inner.is::<std::str::Utf8Error>())
                    || e.to_string().to_lowercase().contains("utf-8")) =>
        {
            (CloseCode::Invalid, "text is not valid UTF-8")
        }
        _ => (CloseCode::Protocol, "protocol error"),
    }
}

impl WsConnection {
    /// A connection speaking `encoding`, delivered to through `outlet` (which gets the
    /// writer).
    #[must_use]
    pub fn new(session: Session, encoding: Encoding, state: AppState, outlet: Arc<Outlet>) -> Self {
        // Cloning a `Session` allocates: the connection makes this one clone for writing,
        // which moves between the outlet and this actor, and keeps `session` for closing.
        outlet.give_writer(session.clone());
        let frames = state.metrics.frames();
        let open = OpenConnection::new(&state.metrics.ws_connections);
        Self {
            id: NEXT_CONNECTION.fetch_add(1, Ordering::Relaxed),
            outlet,
            writing: false,
            session,
            encoding,
            settings: state.settings.ws.clone(),
            state,
            user: None,
            expiry: None,
            last_heard: Instant::now(),
            outbox: VecDeque::new(),
            updates: Vec::new(),
            watching: HashSet::new(),
            last_what_if: None,
            in_flight: 0,
            reader: None,
            closing: false,
            frames,
            _open: open,
        }
    }

    /// Answers to the client that may be waiting or in the works before the connection stops
    /// reading: half the queue, so that the frames the server sends unasked find room.
    fn answers_limit(&self) -> usize {
        (self.state.settings.live.outbound_queue.get() / 2).max(1)
    }

    /// Whether reading the client's next message must wait for room for its answer. Once
    /// closing, messages are read and dropped: the client's backlog drains while the close
    /// frame waits its turn, so the socket is not reset under it.
    fn reading_paused(&self) -> bool {
        !self.closing && self.outbox.len() + self.in_flight >= self.answers_limit()
    }

    /// Wakes [`Inbound`] if it waits and there is room again.
    fn resume_reading(&mut self) {
        if self.reader.is_some()
            && !self.reading_paused()
            && let Some(reader) = self.reader.take()
        {
            reader.wake();
        }
    }

    /// An asynchronous answer is done (it may have queued its frame).
    fn answered(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.resume_reading();
    }

    fn queue(&mut self, ctx: &mut Context<Self>, frame: Outbound) {
        if self.closing {
            return;
        }
        if self.outbox.len() >= self.state.settings.live.outbound_queue.get() {
            return self.close(
                ctx,
                CloseCode::Other(close::TOO_SLOW),
                "the client does not read its messages",
            );
        }
        self.outbox.push_back(frame);
        self.pump(ctx);
    }

    fn send(&mut self, ctx: &mut Context<Self>, message: ServerMessage) {
        self.queue(ctx, Outbound::Message(Box::new(message)));
    }

    /// Writes the next frame unless one is in flight. One write at a time keeps frames in
    /// order and lets a stalled client show as a write that does not finish.
    fn pump(&mut self, ctx: &mut Context<Self>) {
        if self.writing || self.closing {
            return;
        }
        let Some(encoded) = self.next_frame() else {
            return;
        };
        // The outlet has the writer whenever this actor is not writing; `None` once closed.
        let Some(writer) = self.outlet.take_writer() else {
            return;
        };
        self.write(ctx, writer, encoded);
    }

    /// The next frame to write: queued frames first, then the streams' newest updates.
    fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let next = self.outbox.pop_front();
            if next.is_some() {
                self.resume_reading();
            }
            let encoded = match next {
                Some(Outbound::Ping) => Some(Frame::Ping),
                Some(Outbound::Pong(bytes)) => Some(Frame::Pong(bytes)),
                Some(Outbound::Message(message)) => Frame::encode(self.encoding, &message),
                None if !self.updates.is_empty() => {
                    let pending = self.updates.remove(0);
                    self.frames.written(&pending.event);
                    update_message(pending.stream, pending.skipped, &pending.event)
                        .and_then(|m| Frame::encode(self.encoding, &m))
                }
                None => return None,
            };
            if encoded.is_some() {
                return encoded;
            }
        }
    }

    fn write(&mut self, ctx: &mut Context<Self>, mut writer: Session, encoded: Frame) {
        self.writing = true;
        let stall = self.stall_timeout();
        let write = async move {
            // `timeout` polls the write first and only arms its timer when the write waits.
            let result = tokio::time::timeout(stall, async {
                match encoded {
                    Frame::Ping => writer.ping(b"").await,
                    Frame::Pong(bytes) => writer.pong(&bytes).await,
                    Frame::Text(text) => writer.text(text).await,
                    Frame::Binary(bytes) => writer.binary(bytes).await,
                }
            })
            .await;
            (writer, result)
        };
        ctx.spawn(write.into_actor(self).map(|(writer, result), act, ctx| {
            act.writing = false;
            match result {
                Ok(Ok(())) if act.closing => {}
                Ok(Ok(())) => match act.next_frame() {
                    Some(frame) => act.write(ctx, writer, frame),
                    None => act.outlet.give_writer(writer),
                },
                Ok(Err(_closed)) => ctx.stop(),
                Err(_elapsed) => act.close(
                    ctx,
                    CloseCode::Other(close::TOO_SLOW),
                    "the client does not read its messages",
                ),
            }
        }));
    }

    fn stall_timeout(&self) -> Duration {
        self.state.settings.live.stall_timeout
    }

    fn error(&mut self, ctx: &mut Context<Self>, code: ErrorCode, message: impl Into<String>) {
        self.send(
            ctx,
            ServerMessage::Error {
                code,
                message: message.into(),
                field: None,
                request_id: None,
            },
        );
    }

    fn api_error(&mut self, ctx: &mut Context<Self>, err: &ApiError, request_id: Option<u64>) {
        let problem = err.problem();
        let message = match err {
            ApiError::NotFound => "no such plan stream, or no access to it".to_owned(),
            // The frame has room for one field: its message says what is wrong with it (a
            // target out of reach says the best there is), where the problem's detail only
            // names it.
            ApiError::Validation(errors) => {
                errors.first().map_or(problem.detail, |e| e.message.clone())
            }
            _ => problem.detail,
        };
        self.send(
            ctx,
            ServerMessage::Error {
                code: problem.code,
                message,
                field: problem.errors.first().map(|e| e.field.clone()),
                request_id,
            },
        );
    }

    /// Sends a close frame and stops. The close waits behind frames already queued in
    /// actix-ws; a client that never reads them is cut off after the stall timeout.
    fn close(&mut self, ctx: &mut Context<Self>, code: CloseCode, description: &str) {
        if self.closing {
            return;
        }
        self.closing = true;
        if matches!(code, CloseCode::Other(close::TOO_SLOW)) {
            self.state.metrics.slow_consumer_closes.inc();
        }
        self.resume_reading();
        self.outlet.shut();
        let session = self.session.clone();
        let reason = CloseReason {
            code,
            description: Some(description.to_owned()),
        };
        let patience = self.stall_timeout();
        ctx.spawn(
            async move { tokio::time::timeout(patience, session.close(Some(reason))).await }
                .into_actor(self)
                .map(|_, _, ctx: &mut Context<Self>| ctx.stop()),
        );
    }

    fn authenticate(&mut self, ctx: &mut Context<Self>, token: &str) {
        let claims = match self.state.verified.verify(token) {
            Ok(claims) if self.user.is_none_or(|u| u == claims.sub) => claims,
            Ok(_) => {
                return self.error(
                    ctx,
                    ErrorCode::Forbidden,
                    "a connection cannot change its user",
                );
            }
            Err(_) if self.user.is_some() => {
                return self.error(
                    ctx,
                    ErrorCode::Unauthorized,
                    "the token is invalid or expired; the current one still holds",
                );
            }
            Err(_) => {
                return self.close(
                    ctx,
                    CloseCode::Other(close::AUTH_REQUIRED),
                    "invalid or expired access token",
                );
            }
        };
        // The account must be able to act now. `wait` holds the connection's other messages
        // until this is known, so none is handled as if authenticated before it is.
        let state = self.state.clone();
        let (user, exp) = (claims.sub, claims.exp);
        ctx.wait(
            async move { crate::auth::extract::current_role(&state, user).await }
                .into_actor(self)
                .map(move |role, conn, ctx| match role {
                    Ok(_) => conn.welcome(ctx, user, exp),
                    Err(ApiError::Unauthorized(reason)) => {
                        conn.close(ctx, CloseCode::Other(close::ACCOUNT_CLOSED), &reason)
                    }
                    Err(e) => conn.api_error(ctx, &e, None),
                }),
        );
    }

    /// `user` is authenticated until `exp` (Unix seconds).
    fn welcome(&mut self, ctx: &mut Context<Self>, user: Uuid, exp: u64) {
        if self.user.is_none() {
            self.state
                .connections
                .register(user, self.id, ctx.address().recipient());
        }
        self.user = Some(user);
        let expires_at_ms = i64::try_from(exp).unwrap_or(i64::MAX).saturating_mul(1000);
        if let Some(previous) = self.expiry.take() {
            ctx.cancel_future(previous);
        }
        let left = u64::try_from(expires_at_ms - now_ms()).unwrap_or(0);
        self.expiry = Some(ctx.run_later(Duration::from_millis(left), |conn, ctx| {
            conn.close(
                ctx,
                CloseCode::Other(close::TOKEN_EXPIRED),
                "the access token expired; reconnect with a fresh one",
            );
        }));
        self.send(
            ctx,
            ServerMessage::Welcome {
                user_id: user,
                expires_at_ms,
            },
        );
    }

    /// Subscribes to `owner`'s stream once access is confirmed (with the yearly fan chart
    /// when `fan_chart`); the session answers with a snapshot.
    fn subscribe(&mut self, ctx: &mut Context<Self>, me: Uuid, owner: Uuid, fan_chart: bool) {
        let state = self.state.clone();
        let authorized_at = Instant::now();
        self.in_flight += 1;
        ctx.spawn(
            async move { services::live::authorize_view(&state, me, owner).await }
                .into_actor(self)
                .map(move |allowed, act, ctx| match allowed {
                    Ok(()) => {
                        act.answered();
                        act.watching.insert(owner);
                        act.outlet.open(owner);
                        act.state.live.registry.do_send(Watch {
                            owner,
                            viewer: me,
                            conn: act.id,
                            events: act.outlet.clone(),
                            home: Some(actix::Arbiter::current()),
                            authorized_at,
                            fan_chart,
                        });
                    }
                    Err(e) => {
                        act.answered();
                        act.api_error(ctx, &e, None);
                    }
                }),
        );
    }

    fn unsubscribe(&mut self, ctx: &mut Context<Self>, owner: Uuid) {
        self.outlet.close_stream(owner);
        if self.watching.remove(&owner) {
            self.state.live.registry.do_send(Unwatch {
                owner,
                conn: self.id,
            });
        }
        self.updates.retain(|u| u.stream != owner);
        self.send(
            ctx,
            ServerMessage::Unsubscribed {
                stream: owner,
                reason: "unsubscribed".into(),
            },
        );
    }

    fn what_if(
        &mut self,
        ctx: &mut Context<Self>,
        me: Uuid,
        owner: Uuid,
        request_id: u64,
        changes: WhatIfChanges,
    ) {
        let state = self.state.clone();
        let kept = changes.clone();
        self.in_flight += 1;
        ctx.spawn(
            async move { services::live::what_if(&state, me, owner, changes).await }
                .into_actor(self)
                .map(move |answer, act, ctx| {
                    act.answered();
                    match answer {
                        Ok(answer) => {
                            if owner == me {
                                act.last_what_if = Some(kept);
                            }
                            act.send(
                                ctx,
                                ServerMessage::WhatIfResult {
                                    request_id,
                                    stream: owner,
                                    answer: Box::new(answer),
                                },
                            );
                        }
                        Err(e) => act.api_error(ctx, &e, Some(request_id)),
                    }
                }),
        );
    }

    fn explain(
        &mut self,
        ctx: &mut Context<Self>,
        me: Uuid,
        owner: Uuid,
        request_id: u64,
        since_ms: i64,
    ) {
        let state = self.state.clone();
        self.in_flight += 1;
        ctx.spawn(
            async move { services::live::explain(&state, me, owner, since_ms).await }
                .into_actor(self)
                .map(move |answer, act, ctx| {
                    act.answered();
                    match answer {
                        Ok(explanation) => act.send(
                            ctx,
                            ServerMessage::Explanation {
                                request_id,
                                stream: owner,
                                explanation,
                            },
                        ),
                        // The field's own message says from when the history is kept, which
                        // the generic "invalid value for since_ms" would not.
                        Err(ApiError::Validation(errors)) if errors.len() == 1 => act.send(
                            ctx,
                            ServerMessage::Error {
                                code: ErrorCode::ValidationFailed,
                                message: errors[0].message.clone(),
                                field: Some(errors[0].field.clone()),
                                request_id: Some(request_id),
                            },
                        ),
                        Err(e) => act.api_error(ctx, &e, Some(request_id)),
                    }
                }),
        );
    }

    fn solve(
        &mut self,
        ctx: &mut Context<Self>,
        me: Uuid,
        owner: Uuid,
        request_id: u64,
        solve: (SolveFor, f64, Option<Vec<String>>),
    ) {
        let state = self.state.clone();
        let (lever, target, equity_classes) = solve;
        self.in_flight += 1;
        ctx.spawn(
            async move {
                services::live::solve(&state, me, owner, lever, target, equity_classes).await
            }
            .into_actor(self)
            .map(move |solved, act, ctx| {
                act.answered();
                match solved {
                    Ok(solved) => act.send(
                        ctx,
                        ServerMessage::SolveResult {
                            request_id,
                            stream: owner,
                            starting_wealth: solved.starting_wealth,
                            wealth_source: solved.wealth_source,
                            answer: solved.answer,
                        },
                    ),
                    Err(e) => act.api_error(ctx, &e, Some(request_id)),
                }
            }),
        );
    }

    fn commit(&mut self, ctx: &mut Context<Self>, me: Uuid, request_id: u64) {
        let Some(changes) = self.last_what_if.take() else {
            return self.send(
                ctx,
                ServerMessage::Error {
                    code: ErrorCode::Conflict,
                    message: "no what-if on your own plan to commit".into(),
                    field: None,
                    request_id: Some(request_id),
                },
            );
        };
        let state = self.state.clone();
        self.in_flight += 1;
        ctx.spawn(
            async move { services::live::commit(&state, me, &changes).await }
                .into_actor(self)
                .map(move |done, act, ctx| {
                    act.answered();
                    match done {
                        Ok(()) => act.send(ctx, ServerMessage::Committed { request_id }),
                        Err(e) => act.api_error(ctx, &e, Some(request_id)),
                    }
                }),
        );
    }

    fn handle_frame(&mut self, ctx: &mut Context<Self>, bytes: &[u8]) {
        let message = match ClientMessage::from_frame(self.encoding, bytes) {
            Ok(m) => m,
            Err(e) => return self.error(ctx, ErrorCode::MalformedRequest, e.0),
        };
        let me = match (&message, self.user) {
            (ClientMessage::Auth { token }, _) => return self.authenticate(ctx, token),
            (_, None) => return self.error(ctx, ErrorCode::Unauthorized, "send auth first"),
            (_, Some(me)) => me,
        };
        match message {
            ClientMessage::Auth { .. } => {}
            ClientMessage::Ping { nonce } => self.send(ctx, ServerMessage::Pong { nonce }),
            ClientMessage::Subscribe { user_id, fan_chart } => {
                self.subscribe(ctx, me, user_id.unwrap_or(me), fan_chart);
            }
            ClientMessage::Unsubscribe { user_id } => self.unsubscribe(ctx, user_id.unwrap_or(me)),
            ClientMessage::WhatIf {
                request_id,
                user_id,
                changes,
            } => self.what_if(ctx, me, user_id.unwrap_or(me), request_id, changes),
            ClientMessage::Commit { request_id } => self.commit(ctx, me, request_id),
            ClientMessage::Explain {
                request_id,
                user_id,
                since_ms,
            } => self.explain(ctx, me, user_id.unwrap_or(me), request_id, since_ms),
            ClientMessage::Solve {
                request_id,
                user_id,
                lever,
                target_success,
                equity_classes,
            } => self.solve(
                ctx,
                me,
                user_id.unwrap_or(me),
                request_id,
                (lever, target_success, equity_classes),
            ),
        }
    }
}

impl Handler<StreamEvent> for WsConnection {
    type Result = ();

    fn handle(&mut self, event: StreamEvent, ctx: &mut Context<Self>) {
        self.handle_event(event, ctx);
        // Only now: whatever the event made this actor write has taken the writer, so a
        // direct write cannot overtake it.
        self.outlet.handled();
    }
}

impl WsConnection {
    fn handle_event(&mut self, event: StreamEvent, ctx: &mut Context<Self>) {
        if !self.watching.contains(&event.stream) {
            return;
        }
        let stream = event.stream;
        match &*event.body {
            StreamBody::Snapshot { seq, state } => {
                // A snapshot supersedes any older update still waiting.
                self.updates.retain(|u| u.stream != stream);
                let (seq, state) = (*seq, state.clone());
                self.send(ctx, ServerMessage::Snapshot { stream, seq, state });
            }
            StreamBody::Update { .. } => {
                match self.updates.iter_mut().find(|u| u.stream == stream) {
                    Some(pending) => {
                        pending.skipped += 1;
                        pending.event = event.body;
                    }
                    None => self.updates.push(PendingUpdate {
                        stream,
                        skipped: 0,
                        event: event.body,
                    }),
                }
                self.pump(ctx);
            }
            StreamBody::Alert(alert) => {
                let alert = alert.clone();
                self.send(ctx, ServerMessage::Alert { stream, alert });
            }
            StreamBody::Proposal(proposal) => {
                let proposal = proposal.clone();
                self.send(ctx, ServerMessage::Proposal { stream, proposal });
            }
            StreamBody::Recommendations(recommendations) => {
                let recommendations = recommendations.clone();
                self.send(
                    ctx,
                    ServerMessage::Recommendations {
                        stream,
                        recommendations,
                    },
                );
            }
            StreamBody::Ended { reason } => {
                self.outlet.close_stream(stream);
                self.watching.remove(&stream);
                self.updates.retain(|u| u.stream != stream);
                let reason = reason.clone();
                self.send(ctx, ServerMessage::Unsubscribed { stream, reason });
            }
        }
    }
}

impl Actor for WsConnection {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Sessions push with `do_send`; the connection only stores, so it keeps up.
        ctx.set_mailbox_capacity(256);
        // The node is stopping: the client reconnects through the proxy to another node.
        let stopping = self.state.stopping.clone();
        ctx.spawn(
            async move { stopping.stopped().await }
                .into_actor(self)
                .map(|(), conn, ctx| {
                    let reason =
                        serde_json::to_string(&close::GoingAway::stopping()).unwrap_or_default();
                    conn.close(ctx, CloseCode::Away, &reason);
                }),
        );
        ctx.run_later(self.settings.auth_timeout, |conn, ctx| {
            if conn.user.is_none() {
                conn.close(
                    ctx,
                    CloseCode::Other(close::AUTH_REQUIRED),
                    "authenticate within the time limit",
                );
            }
        });
        ctx.run_interval(self.settings.heartbeat, |conn, ctx| {
            // While reading waits for room, the client's frames wait unread: its silence
            // is this connection's, and the stall deadline deals with a client that stopped.
            if !conn.reading_paused() && conn.last_heard.elapsed() > conn.settings.client_timeout {
                return conn.close(ctx, CloseCode::Away, "no frames from the client");
            }
            // Through the outbox like every frame: a ping is never skipped because a
            // write is in flight, and never overtakes one.
            conn.queue(ctx, Outbound::Ping);
        });
    }

    fn stopped(&mut self, _: &mut Context<Self>) {
        self.outlet.shut();
        if let Some(user) = self.user {
            self.state.connections.unregister(user, self.id);
        }
        for owner in self.watching.drain() {
            self.state.live.registry.do_send(Unwatch {
                owner,
                conn: self.id,
            });
        }
    }
}

impl Handler<AccountClosed> for WsConnection {
    type Result = ();

    fn handle(&mut self, msg: AccountClosed, ctx: &mut Context<Self>) {
        self.close(ctx, CloseCode::Other(close::ACCOUNT_CLOSED), msg.reason);
    }
}

/// Client messages handled per turn before the connection's other work gets its turn.
const READ_BATCH: usize = 16;

/// Feeds a connection its client's messages while it has room for their answers.
///
/// In place of actix's `add_stream`, which reads as fast as messages come: while the
/// connection's answers fill half its queue, this leaves the stream unpolled, so actix-web
/// stops reading the socket once its buffers are full and TCP pushes back on the client.
/// The connection wakes it when a queued frame is handed to the writer, an asynchronous
/// answer is done, or it starts closing.
pub struct Inbound<S> {
    messages: S,
}

impl<S> Inbound<S> {
    /// Reads `messages`.
    pub fn new(messages: S) -> Self {
        Self { messages }
    }
}

impl<S> ActorFuture<WsConnection> for Inbound<S>
where
    S: Stream<Item = Result<AggregatedMessage, ProtocolError>> + Unpin,
{
    type Output = ();

    fn poll(
        self: Pin<&mut Self>,
        act: &mut WsConnection,
        ctx: &mut Context<WsConnection>,
        task: &mut std::task::Context<'_>,
    ) -> Poll<()> {
        let this = self.get_mut();
        for _ in 0..READ_BATCH {
            if act.reading_paused() {
                if !act
                    .reader
                    .as_ref()
                    .is_some_and(|w| w.will_wake(task.waker()))
                {
                    act.reader = Some(task.waker().clone());
                }
                return Poll::Pending;
            }
            match Pin::new(&mut this.messages).poll_next(task) {
                Poll::Ready(Some(item)) => act.receive(ctx, item),
                Poll::Ready(None) => {
                    ctx.stop();
                    return Poll::Ready(());
                }
                Poll::Pending => return Poll::Pending,
            }
        }
        task.waker().wake_by_ref();
        Poll::Pending
    }
}

impl WsConnection {
    /// One message from the client.
    fn receive(&mut self, ctx: &mut Context<Self>, item: Result<AggregatedMessage, ProtocolError>) {
        self.last_heard = Instant::now();
        if self.closing {
            return;
        }
        match (item, self.encoding) {
            (Ok(AggregatedMessage::Text(text)), Encoding::Json) => {
                self.handle_frame(ctx, text.as_bytes());
            }
            (Ok(AggregatedMessage::Binary(bytes)), Encoding::MessagePack) => {
                self.handle_frame(ctx, &bytes);
            }
            (Ok(AggregatedMessage::Text(_) | AggregatedMessage::Binary(_)), encoding) => {
                let want = if encoding == Encoding::Json {
                    "text"
                } else {
                    "binary"
                };
                self.error(
                    ctx,
                    ErrorCode::MalformedRequest,
                    format!(
                        "this connection speaks {}: send {want} frames",
                        encoding.subprotocol()
                    ),
                );
            }
            (Ok(AggregatedMessage::Ping(bytes)), _) => self.queue(ctx, Outbound::Pong(bytes)),
            (Ok(AggregatedMessage::Pong(_)), _) => {}
            (Ok(AggregatedMessage::Close(_)), _) => self.close(ctx, CloseCode::Normal, "bye"),
            (Err(err), _) => {
                let (code, reason) = close_reason(&err);
                self.close(ctx, code, reason);
            }
        }
    }
}
