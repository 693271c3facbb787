//! The WebSocket endpoint `/ws`.

use serde::Deserialize;

use super::forms::string_or_list;

/// The WebSocket endpoint `/ws`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WsSettings {
    /// Origins a browser may open `/ws` from, besides the server's own and
    /// `public_origins`. Clients that send no `Origin` (not browsers) are not affected.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_origins: Vec<String>,
    /// Largest message (after reassembling fragments); larger ones close the connection
    /// with 1009.
    pub max_message_bytes: usize,
    /// How long a new connection may take to authenticate.
    pub auth_timeout_ms: u64,
    /// Interval of server pings.
    pub heartbeat_secs: u64,
    /// Silence after which a client is considered gone.
    pub client_timeout_secs: u64,
    /// Mounts `/ws/echo`, a bare echo over the same WebSocket stack, for the Autobahn
    /// conformance suite. Never enable it in production.
    pub autobahn_echo: bool,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_message_bytes: 64 * 1024,
            auth_timeout_ms: 10_000,
            heartbeat_secs: 20,
            client_timeout_secs: 60,
            autobahn_echo: false,
        }
    }
}
