//! One WebSocket connection: authenticate, keep alive, decode frames, answer.
//!
//! Outbound frames go through `ctx.wait`, which keeps them in order and applies actix-ws's
//! bounded queue as backpressure. The connection is not the user's session: sessions (plans,
//! simulations, subscriptions) outlive sockets and arrive with the real-time issue.

use std::time::{Duration, Instant};

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, SpawnHandle, StreamHandler,
    WrapFuture,
};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use protocol::ErrorCode;
use protocol::ws::{ClientMessage, Encoding, ServerMessage, close};
use uuid::Uuid;

use crate::auth::jwt::TokenIssuer;
use crate::config::WsSettings;

/// The per-connection actor.
pub struct WsConnection {
    session: Session,
    encoding: Encoding,
    tokens: TokenIssuer,
    settings: WsSettings,
    user: Option<Uuid>,
    expiry: Option<SpawnHandle>,
    last_heard: Instant,
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

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl WsConnection {
    /// A connection speaking `encoding` that verifies tokens with `tokens`.
    #[must_use]
    pub fn new(
        session: Session,
        encoding: Encoding,
        tokens: TokenIssuer,
        settings: WsSettings,
    ) -> Self {
        Self {
            session,
            encoding,
            tokens,
            settings,
            user: None,
            expiry: None,
            last_heard: Instant::now(),
        }
    }

    fn send(&self, ctx: &mut Context<Self>, message: &ServerMessage) {
        let Ok(bytes) = self.encoding.encode(message) else {
            return;
        };
        let mut session = self.session.clone();
        let encoding = self.encoding;
        ctx.wait(
            async move {
                let _closed = match encoding {
                    // serde_json writes UTF-8, so this moves the buffer instead of copying it.
                    Encoding::Json => {
                        session
                            .text(String::from_utf8(bytes).unwrap_or_default())
                            .await
                    }
                    Encoding::MessagePack => session.binary(bytes).await,
                };
            }
            .into_actor(self),
        );
    }

    fn error(&self, ctx: &mut Context<Self>, code: ErrorCode, message: impl Into<String>) {
        self.send(
            ctx,
            &ServerMessage::Error {
                code,
                message: message.into(),
            },
        );
    }

    fn close(&self, ctx: &mut Context<Self>, code: CloseCode, description: &str) {
        let session = self.session.clone();
        let reason = CloseReason {
            code,
            description: Some(description.to_owned()),
        };
        ctx.wait(
            async move { session.close(Some(reason)).await }
                .into_actor(self)
                .map(|_, _, ctx: &mut Context<Self>| ctx.stop()),
        );
    }

    fn authenticate(&mut self, ctx: &mut Context<Self>, token: &str) {
        let claims = match self.tokens.verify(token) {
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
        self.user = Some(claims.sub);
        let expires_at_ms = i64::try_from(claims.exp)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
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
            &ServerMessage::Welcome {
                user_id: claims.sub,
                expires_at_ms,
            },
        );
    }

    fn handle_frame(&mut self, ctx: &mut Context<Self>, bytes: &[u8]) {
        let message = match self.encoding.decode::<ClientMessage>(bytes) {
            Ok(m) => m,
            Err(e) => {
                return self.error(
                    ctx,
                    ErrorCode::MalformedRequest,
                    format!("not a client message: {e}"),
                );
            }
        };
        match message {
            ClientMessage::Auth { token } => self.authenticate(ctx, &token),
            _ if self.user.is_none() => self.error(ctx, ErrorCode::Unauthorized, "send auth first"),
            ClientMessage::Ping { nonce } => self.send(ctx, &ServerMessage::Pong { nonce }),
        }
    }
}

impl Actor for WsConnection {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_later(
            Duration::from_millis(self.settings.auth_timeout_ms),
            |conn, ctx| {
                if conn.user.is_none() {
                    conn.close(
                        ctx,
                        CloseCode::Other(close::AUTH_REQUIRED),
                        "authenticate within the time limit",
                    );
                }
            },
        );
        ctx.run_interval(
            Duration::from_secs(self.settings.heartbeat_secs.max(1)),
            |conn, ctx| {
                if conn.last_heard.elapsed()
                    > Duration::from_secs(conn.settings.client_timeout_secs)
                {
                    return conn.close(ctx, CloseCode::Away, "no frames from the client");
                }
                let mut session = conn.session.clone();
                ctx.spawn(
                    async move { session.ping(b"").await }
                        .into_actor(conn)
                        .map(|_, _, _| ()),
                );
            },
        );
    }
}

impl StreamHandler<Result<AggregatedMessage, ProtocolError>> for WsConnection {
    fn handle(&mut self, item: Result<AggregatedMessage, ProtocolError>, ctx: &mut Context<Self>) {
        self.last_heard = Instant::now();
        match (item, self.encoding) {
            (Ok(AggregatedMessage::Text(text)), Encoding::Json) => {
                self.handle_frame(ctx, text.as_bytes())
            }
            (Ok(AggregatedMessage::Binary(bytes)), Encoding::MessagePack) => {
                self.handle_frame(ctx, &bytes)
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
            (Ok(AggregatedMessage::Ping(bytes)), _) => {
                let mut session = self.session.clone();
                ctx.wait(
                    async move { session.pong(&bytes).await }
                        .into_actor(self)
                        .map(|_, _, _| ()),
                );
            }
            (Ok(AggregatedMessage::Pong(_)), _) => {}
            (Ok(AggregatedMessage::Close(_)), _) => self.close(ctx, CloseCode::Normal, "bye"),
            (Err(err), _) => {
                let (code, reason) = close_reason(&err);
                self.close(ctx, code, reason);
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
