//! `GET /ws/echo`, mounted only with `ws.autobahn_echo`: echoes every message over the same
//! actix-ws configuration as `/ws`, so the Autobahn suite tests the stack `/ws` runs on.

use actix::{
    Actor, ActorContext, ActorFutureExt, AsyncContext, Context, StreamHandler, WrapFuture,
};
use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseReason, ProtocolError, Session};

use crate::http::error::ApiError;
use crate::state::AppState;

struct Echo {
    session: Session,
}

impl Actor for Echo {
    type Context = Context<Self>;
}

impl Echo {
    fn close(&self, ctx: &mut Context<Self>, reason: Option<CloseReason>) {
        let session = self.session.clone();
        ctx.wait(
            async move { session.close(reason).await }
                .into_actor(self)
                .map(|_, _, ctx: &mut Context<Self>| ctx.stop()),
        );
    }
}

impl StreamHandler<Result<AggregatedMessage, ProtocolError>> for Echo {
    fn handle(&mut self, item: Result<AggregatedMessage, ProtocolError>, ctx: &mut Context<Self>) {
        let mut session = self.session.clone();
        match item {
            Ok(AggregatedMessage::Text(text)) => {
                ctx.wait(
                    async move { session.text(text).await }
                        .into_actor(self)
                        .map(|_, _, _| ()),
                );
            }
            Ok(AggregatedMessage::Binary(bytes)) => {
                ctx.wait(
                    async move { session.binary(bytes).await }
                        .into_actor(self)
                        .map(|_, _, _| ()),
                );
            }
            Ok(AggregatedMessage::Ping(bytes)) => {
                ctx.wait(
                    async move { session.pong(&bytes).await }
                        .into_actor(self)
                        .map(|_, _, _| ()),
                );
            }
            Ok(AggregatedMessage::Pong(_)) => {}
            Ok(AggregatedMessage::Close(reason)) => self.close(ctx, reason),
            Err(err) => {
                let (code, description) = super::connection::close_reason(&err);
                self.close(
                    ctx,
                    Some(CloseReason {
                        code,
                        description: Some(description.to_owned()),
                    }),
                );
            }
        }
    }

    fn finished(&mut self, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Upgrades and echoes.
///
/// # Errors
/// Not a WebSocket upgrade.
pub async fn echo(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = state.settings.ws.max_message_bytes;
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        ApiError::malformed("upgrade", format!("expected a WebSocket upgrade: {e}"))
    })?;
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    Echo::create(|ctx| {
        ctx.add_stream(stream);
        Echo { session }
    });
    Ok(response)
}
