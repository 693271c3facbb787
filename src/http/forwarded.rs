//! The client's address behind trusted proxies (`http.trusted_proxies`).
//!
//! `X-Forwarded-For` is whatever the sender wrote, so it is believed only from a peer that is
//! a configured proxy, and only as far as the chain of configured proxies goes: each proxy
//! appends the address it received the request from, so reading the list from the right, the
//! first address that is not itself a trusted proxy is the client (the usual algorithm, as
//! nginx's `real_ip_recursive`). What a client writes at the left of the list is never
//! reached while the proxies append correctly. A header that cannot be read where it matters
//! leaves the peer's address as the client's: never a guess from a broken list.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use actix_web::HttpRequest;
use actix_web::http::header::HeaderMap;
use ipnet::IpNet;

use crate::config::ConfigError;

/// The header proxies append the addresses they received the request from to.
pub const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The key the networks come from, for errors.
const SETTING: &str = "http.trusted_proxies";

/// The networks whose `X-Forwarded-For` is believed; empty believes nobody's.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses `values`: CIDR networks (`10.0.0.0/8`, `fd00::/8`) or single addresses.
    ///
    /// # Errors
    /// The first value that is neither, naming `http.trusted_proxies`.
    pub fn parse(values: &[String]) -> Result<Self, ConfigError> {
        values
            .iter()
            .map(|value| {
                let value = value.trim();
                IpNet::from_str(value)
                    .or_else(|_| IpAddr::from_str(value).map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| ConfigError::Invalid {
                        field: SETTING,
                        value: value.to_owned(),
                        reason: "must be an IP address or a CIDR network such as 10.0.0.0/8"
                            .to_owned(),
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }

    /// Whether `ip` is one of the proxies.
    #[must_use]
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a request from `peer` carrying `headers`.
    #[must_use]
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // Several headers are one list, in order (RFC 9110 §5.3).
        let mut entries = Vec::new();
        for value in headers.get_all(X_FORWARDED_FOR) {
            let Ok(text) = value.to_str() else {
                return peer;
            };
            entries.extend(text.split(','));
        }
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = parse_entry(entry) else {
                return peer;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        // Every address is a proxy's: the left-most is as far as the chain tells.
        client
    }
}

/// One address of the list: bare, or with a port as some proxies write it
/// (`203.0.113.7:51234`, `[2001:db8::1]:443`).
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    IpAddr::from_str(entry)
        .or_else(|_| SocketAddr::from_str(entry).map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The address of the client that sent `req`, by the proxies `req`'s server trusts; the
/// socket's peer when there are none.
#[must_use]
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let proxies = req
        .app_data::<actix_web::web::Data<crate::state::AppState>>()
        .map(|state| &state.proxies);
    Some(proxies.map_or(peer, |p| p.client(peer, req.headers())))
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::{HeaderName, HeaderValue};

    use super::*;

    fn proxies(values: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&values.iter().map(|v| (*v).to_owned()).collect::<Vec<_>>())
            .expect("valid")
    }

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(
                HeaderName::from_static(X_FORWARDED_FOR),
                HeaderValue::from_bytes(value).expect("a header value"),
            );
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let p = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        let h = headers(&[b"198.51.100.1, 203.0.113.7, 10.1.2.3"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
        // Two headers are one list.
        let h = headers(&[b"198.51.100.1, 203.0.113.7", b"10.1.2.3"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
        // With a port, and IPv6 in brackets.
        let h = headers(&[b"203.0.113.7:5555"]);
        assert_eq!(p.client(ip("10.9.9.9"), &h), ip("203.0.113.7"));
        let h = headers(&[b"[2001:db8::1]:443"]);
        assert_eq!(p.client(ip("10.9.9.9"), &h), ip("2001:db8::1"));
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let p = proxies(&["10.0.0.0/8"]);
        let h = headers(&[b"203.0.113.7"]);
        assert_eq!(p.client(ip("192.0.2.5"), &h), ip("192.0.2.5"));
        assert_eq!(
            TrustedProxies::default().client(ip("127.0.0.1"), &h),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_broken_list_leaves_the_peer() {
        let p = proxies(&["127.0.0.1"]);
        for broken in [
            &b"not-an-ip"[..],
            b"203.0.113.7, ",
            b"203.0.113.7,,",
            b"",
            b"\xff\xfe",
        ] {
            assert_eq!(
                p.client(ip("127.0.0.1"), &headers(&[broken])),
                ip("127.0.0.1"),
                "{broken:?}"
            );
        }
        // No header at all: the peer.
        assert_eq!(
            p.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        // Garbage a client wrote left of the proxy's entry is never reached.
        let h = headers(&[b"garbage, 203.0.113.7"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn a_chain_of_proxies_only_gives_the_left_most() {
        let p = proxies(&["10.0.0.0/8"]);
        let h = headers(&[b"10.0.0.1, 10.0.0.2"]);
        assert_eq!(p.client(ip("10.0.0.3"), &h), ip("10.0.0.1"));
    }

    #[test]
    fn ipv4_mapped_peers_are_matched_as_ipv4() {
        let p = proxies(&["127.0.0.1/32"]);
        let h = headers(&[b"203.0.113.7"]);
        assert_eq!(p.client(ip("::ffff:127.0.0.1"), &h), ip("203.0.113.7"));
    }

    #[test]
    fn bad_networks_are_refused_naming_the_key() {
        for bad in ["10.0.0.0/33", "localhost", "10.0.0/8", ""] {
            let error = TrustedProxies::parse(&[bad.to_owned()])
                .expect_err(bad)
                .to_string();
            assert!(error.contains("http.trusted_proxies"), "{error}");
        }
    }
}
