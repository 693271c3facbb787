//! What sits in front of the server.

use serde::Deserialize;

use super::ConfigError;
use super::forms::string_or_list;

/// What sits in front of the server.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Proxies (IP addresses and CIDR networks: `["127.0.0.1/32", "10.0.0.0/8"]`, or
    /// `"127.0.0.1/32,10.0.0.0/8"` in the environment) whose `X-Forwarded-For` is believed:
    /// behind them, the client's address (for rate limits, audit records and logs) is the
    /// right-most address in that header that is not itself a trusted proxy (see
    /// [`crate::http::forwarded`]). Empty: the socket's peer is the client, whatever the
    /// header says.
    #[serde(deserialize_with = "string_or_list")]
    pub trusted_proxies: Vec<String>,
}

impl HttpSettings {
    /// Refuses a trusted proxy that is neither an address nor a network.
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        crate::http::forwarded::TrustedProxies::parse(&self.trusted_proxies).map(drop)
    }
}
