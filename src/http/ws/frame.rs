//! Server messages as WebSocket frames: one encoding for the connection actor and its outlet.

use actix_web::web::Bytes;
use actors::live::events::StreamBody;
use protocol::ws::{Encoding, ServerMessage};
use uuid::Uuid;

/// An encoded frame on its way out.
pub enum Frame {
    Ping,
    Pong(Bytes),
    Text(String),
    Binary(Vec<u8>),
}

impl Frame {
    /// `message` as a frame of `encoding`.
    pub fn encode(encoding: Encoding, message: &ServerMessage) -> Option<Self> {
        let bytes = encoding.encode(message).ok()?;
        Some(match encoding {
            // serde_json writes UTF-8, so this moves the buffer instead of copying it.
            Encoding::Json => Self::Text(String::from_utf8(bytes).ok()?),
            Encoding::MessagePack => Self::Binary(bytes),
        })
    }

    /// The frame as actix-ws's message.
    pub fn into_message(self) -> actix_ws::Message {
        match self {
            Self::Ping => actix_ws::Message::Ping(Bytes::new()),
            Self::Pong(bytes) => actix_ws::Message::Pong(bytes),
            Self::Text(text) => actix_ws::Message::Text(text.into()),
            Self::Binary(bytes) => actix_ws::Message::Binary(bytes.into()),
        }
    }
}

/// The wire form of `stream`'s update `body`, after `skipped` newer-replaced ones; `None` for
/// other bodies.
pub fn update_message(stream: Uuid, skipped: u64, body: &StreamBody) -> Option<ServerMessage> {
    match body {
        StreamBody::Update {
            seq,
            coalesced,
            ticks,
            newest_tick_ms,
            state,
            explanation,
            tick_arrived: _,
        } => Some(ServerMessage::Update {
            stream,
            seq: *seq,
            skipped,
            coalesced: *coalesced,
            ticks: ticks.clone(),
            newest_tick_ms: *newest_tick_ms,
            state: state.clone(),
            explanation: explanation.clone(),
        }),
        _ => None,
    }
}
