//! The WebSocket endpoint `/ws`.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;
use super::forms::{millis, secs, string_or_list};

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
    /// How long a new connection may take to authenticate (`auth_timeout_ms`).
    #[serde(rename = "auth_timeout_ms", deserialize_with = "millis")]
    pub auth_timeout: Duration,
    /// Interval of server pings (`heartbeat_secs`).
    #[serde(rename = "heartbeat_secs", deserialize_with = "secs")]
    pub heartbeat: Duration,
    /// Silence after which a client is considered gone (`client_timeout_secs`).
    #[serde(rename = "client_timeout_secs", deserialize_with = "secs")]
    pub client_timeout: Duration,
    /// Mounts `/ws/echo`, a bare echo over the same WebSocket stack, for the Autobahn
    /// conformance suite. Never enable it in production.
    pub autobahn_echo: bool,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            max_message_bytes: 64 * 1024,
            auth_timeout: Duration::from_secs(10),
            heartbeat: Duration::from_secs(20),
            client_timeout: Duration::from_secs(60),
            autobahn_echo: false,
        }
    }
}

impl WsSettings {
    /// Refuses a heartbeat of zero, with which the ping timer would spin (it was once
    /// quietly raised to a second).
    ///
    /// # Errors
    /// That value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::check_at_least("ws.heartbeat_secs", self.heartbeat.as_secs(), 1)
    }
}
