//! `GET /ws`: the WebSocket endpoint.
//!
//! The upgrade checks `Origin` and picks the subprotocol; each connection then is an actix
//! actor fed by actix-ws's message stream (the maintained successor of actix-web-actors),
//! with an explicit message-size limit and reassembled fragments, read only while the
//! connection has room for the answers ([`connection::Inbound`]).
//!
//! # Layout
//! - [`connection`]: the per-connection actor (authentication, heartbeats, frames).
//! - [`outlet`]: how sessions deliver to a connection (updates written directly when idle).
//! - `frame`: server messages as frames, shared by the two.
//! - [`echo`]: the test-only echo endpoint the Autobahn suite drives.

pub mod connection;
pub mod echo;
mod frame;
pub mod outlet;

use std::sync::Arc;

use actix::{Actor, AsyncContext};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use protocol::ws::{Encoding, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK};

use self::connection::{Inbound, WsConnection};
use self::outlet::Outlet;
use crate::http::error::ApiError;
use crate::site::Site;
use crate::state::AppState;

/// Refuses browsers on pages of other origins (cross-site WebSocket hijacking): `Origin` must
/// be one of the server's own, `public_origins` or `ws.allowed_origins`, scheme, host and port
/// alike ([`crate::site::Site`]). Clients that send none are not browsers, and pass.
fn check_origin(req: &HttpRequest, site: &Site) -> Result<(), ApiError> {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = String::from_utf8_lossy(origin.as_bytes());
    if site.allows_ws_origin(&origin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "origin {origin} may not open a WebSocket here"
        )))
    }
}

/// The subprotocol: the first of ours the client offers; JSON when it offers none.
fn choose_encoding(req: &HttpRequest) -> Result<Encoding, ApiError> {
    let offered: Vec<String> = req
        .headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|p| p.trim().to_owned()))
        .filter(|p| !p.is_empty())
        .collect();
    if offered.is_empty() {
        return Ok(Encoding::Json);
    }
    offered
        .iter()
        .find_map(|p| Encoding::from_subprotocol(p))
        .ok_or_else(|| {
            ApiError::malformed(
                "Sec-WebSocket-Protocol",
                format!("offer {SUBPROTOCOL_JSON} or {SUBPROTOCOL_MSGPACK}"),
            )
        })
}

/// Upgrade to a WebSocket speaking `glidepath.v1.json` or `glidepath.v1.msgpack`. The first
/// message must be `auth` with an access token.
#[utoipa::path(get, path = "/ws", tag = "realtime",
    responses(
        (status = 101, description = "Switching to the WebSocket protocol; see protocol/README.md."),
        (status = 400, description = "Not a WebSocket upgrade, no supported subprotocol offered, or a Host the server does not answer to.", body = protocol::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The Origin is not allowed.", body = protocol::Problem, content_type = "application/problem+json"),
    ))]
pub async fn connect(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let settings = &state.settings.ws;
    check_origin(&req, &state.site)?;
    let encoding = choose_encoding(&req)?;
    let (response, session, stream) =
        actix_ws::handle_with_protocols(&req, body, &[SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK])
            .map_err(|e| {
                ApiError::malformed("upgrade", format!("expected a WebSocket upgrade: {e}"))
            })?;
    let stream = stream
        .max_frame_size(settings.max_message_bytes)
        .aggregate_continuations()
        .max_continuation_size(settings.max_message_bytes);
    let state = state.get_ref().clone();
    WsConnection::create(|ctx| {
        let outlet = Arc::new(Outlet::new(
            encoding,
            ctx.address().recipient(),
            state.metrics.frames(),
        ));
        ctx.spawn(Inbound::new(stream));
        WsConnection::new(session, encoding, state, outlet)
    });
    Ok(response)
}
