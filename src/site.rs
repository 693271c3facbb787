//! What the server is reached as: the origins browsers load it from and the host names it
//! answers to, from `public_origins`, `allowed_hosts`, `ws.allowed_origins` and the address
//! it listens on.
//!
//! Two attacks are kept out. A page on another site opening `/ws` (cross-site WebSocket
//! hijacking) shows in `Origin`, which must be one of the server's own origins or an allowed
//! one: scheme, host and port compared (`url`'s origin tuple, default ports normalised). A
//! page on a name the attacker has re-pointed at the server (DNS rebinding) is same-origin
//! for the browser, so its `Origin` matches its `Host`; it shows in `Host`, which must be a
//! name the server answers to, on every route.

use std::net::IpAddr;

use actix_web::http::uri::Authority;
use url::{Host, Origin, Url};

use crate::config::{ConfigError, Settings};

/// A host name the server answers to, optionally on one port only.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HostName {
    host: Host<String>,
    port: Option<u16>,
}

impl HostName {
    fn matches(&self, other: &Self) -> bool {
        self.host == other.host && self.port.is_none_or(|port| other.port == Some(port))
    }
}

/// Parses `name` or `name:port` (`[v6]:port` for IPv6), as a `Host` header carries it.
///
/// # Errors
/// Anything else (a path, user information, an invalid name or port), with the reason.
fn parse_host(value: &str) -> Result<HostName, String> {
    let authority: Authority = value
        .parse()
        .map_err(|_| "expected a host name, optionally with :port".to_owned())?;
    if authority.as_str().contains('@') {
        return Err("expected a host name without user information".to_owned());
    }
    let host = Host::parse(authority.host()).map_err(|e| format!("invalid host name: {e}"))?;
    Ok(HostName {
        host,
        port: authority.port_u16(),
    })
}

/// Parses a configured origin: `http://` or `https://`, a host, an optional port, nothing
/// else.
///
/// # Errors
/// Anything else, with the reason.
pub fn parse_origin(value: &str) -> Result<Origin, String> {
    let url = Url::parse(value).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("the scheme must be http or https".to_owned());
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err("an origin is scheme://host[:port], with nothing after it".to_owned());
    }
    Ok(url.origin())
}

/// Checks the settings this module reads, so that a bad value stops the server at start-up
/// with its key named.
///
/// # Errors
/// The first value that does not parse.
pub fn check(settings: &Settings) -> Result<(), ConfigError> {
    let invalid = |field: &'static str, value: &str, reason: String| ConfigError::Invalid {
        field,
        value: value.to_owned(),
        reason,
    };
    for value in &settings.public_origins {
        parse_origin(value).map_err(|e| invalid("public_origins", value, e))?;
    }
    for value in &settings.ws.allowed_origins {
        parse_origin(value).map_err(|e| invalid("ws.allowed_origins", value, e))?;
    }
    for value in settings.allowed_hosts.iter().filter(|h| *h != "*") {
        parse_host(value).map_err(|e| invalid("allowed_hosts", value, e))?;
    }
    Ok(())
}

/// The origins and host names in force, with the port actually bound.
#[derive(Debug, Clone)]
pub struct Site {
    /// Origins a browser may open `/ws` from.
    ws_origins: Vec<Origin>,
    /// The server's own origins and `public_origins`: where its pages are.
    page_origins: Vec<Origin>,
    /// Host names answered to; `None`: any.
    hosts: Option<Vec<HostName>>,
    /// What an operator should know about the choices made for them.
    warnings: Vec<String>,
}

/// The loopback names, and the origins a browser on this machine reaches `port` at.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

impl Site {
    /// The site of a server configured with `settings` and listening on `port`.
    ///
    /// The server's own origins are `http://` and its address and port: the three loopback
    /// names when it listens on loopback or on every address, the address otherwise. It
    /// answers to `allowed_hosts`, the hosts of `public_origins` and the names of its own
    /// origins; listening on every address with `allowed_hosts` unset, to any host (and
    /// warns), as it does anywhere with `*` among `allowed_hosts`.
    ///
    /// # Errors
    /// A value that does not parse (see [`check`]).
    pub fn new(settings: &Settings, port: u16) -> Result<Self, ConfigError> {
        check(settings)?;
        let bound = settings.host;
        let own_hosts: Vec<String> = if bound.is_loopback() || bound.is_unspecified() {
            LOOPBACK_HOSTS.map(String::from).to_vec()
        } else {
            match bound {
                IpAddr::V4(v4) => vec![v4.to_string()],
                IpAddr::V6(v6) => vec![format!("[{v6}]")],
            }
        };
        let configured = |values: &[String]| -> Vec<Origin> {
            values.iter().filter_map(|v| parse_origin(v).ok()).collect()
        };
        let public = configured(&settings.public_origins);
        let mut ws_origins: Vec<Origin> = own_hosts
            .iter()
            .filter_map(|h| parse_origin(&format!("http://{h}:{port}")).ok())
            .collect();
        ws_origins.extend(public.iter().cloned());
        let page_origins = ws_origins.clone();
        ws_origins.extend(configured(&settings.ws.allowed_origins));

        let mut warnings = Vec::new();
        let any_host = settings.allowed_hosts.iter().any(|h| h == "*");
        let hosts = if any_host {
            None
        } else if bound.is_unspecified() && settings.allowed_hosts.is_empty() {
            warnings.push(format!(
                "listening on {bound} with allowed_hosts unset: requests are answered whatever \
                 their Host, which leaves DNS rebinding open; set allowed_hosts to the names \
                 the server is reached at ('*' to keep this and silence the warning)"
            ));
            None
        } else {
            let mut names: Vec<HostName> = settings
                .allowed_hosts
                .iter()
                .filter_map(|h| parse_host(h).ok())
                .collect();
            names.extend(public.iter().filter_map(|origin| match origin {
                Origin::Tuple(_, host, _) => Some(HostName {
                    host: host.clone(),
                    port: None,
                }),
                Origin::Opaque(_) => None,
            }));
            names.extend(own_hosts.iter().filter_map(|h| parse_host(h).ok()));
            Some(names)
        };
        if bound.is_unspecified() && settings.public_origins.is_empty() {
            warnings.push(format!(
                "listening on {bound} with public_origins unset: browsers may open /ws only \
                 from http://localhost:{port} (and the other loopback names) and \
                 ws.allowed_origins; set public_origins to the origins the server is served at"
            ));
        }
        Ok(Self {
            ws_origins,
            page_origins,
            hosts,
            warnings,
        })
    }

    /// Whether a request with this `Host` (or `:authority`) is answered. A request without
    /// one cannot come from a browser, so is.
    #[must_use]
    pub fn answers(&self, host: Option<&str>) -> bool {
        let (Some(hosts), Some(host)) = (&self.hosts, host) else {
            return true;
        };
        parse_host(host).is_ok_and(|host| hosts.iter().any(|h| h.matches(&host)))
    }

    /// Whether a browser whose page has this `Origin` may open `/ws`.
    #[must_use]
    pub fn allows_ws_origin(&self, origin: &str) -> bool {
        // Any other scheme, and `null`, parse to an opaque origin, which equals none.
        Url::parse(origin).is_ok_and(|url| self.ws_origins.contains(&url.origin()))
    }

    /// Whether `origin` is one of the server's own pages: one of its own origins or
    /// `public_origins`, or the origin of the request's own `host` (a page served under a name
    /// the server answers to without listing it, as when it answers to any host). `Host` can
    /// be trusted here because [`Site::answers`] has checked it.
    #[must_use]
    pub fn is_own_page(&self, origin: &str, host: Option<&str>) -> bool {
        let Ok(url) = Url::parse(origin) else {
            return false;
        };
        let origin = url.origin();
        if self.page_origins.contains(&origin) {
            return true;
        }
        let (Some(host), Origin::Tuple(scheme, origin_host, origin_port)) = (host, &origin) else {
            return false;
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        parse_host(host)
            .is_ok_and(|h| h.host == *origin_host && h.port.unwrap_or(default_port) == *origin_port)
    }

    /// Whether browsers reach the server at `host` over TLS: it is the host of an `https`
    /// public origin (the TLS ends at a proxy in front of the server).
    #[must_use]
    pub fn is_https_host(&self, host: Option<&str>) -> bool {
        let Some(Ok(host)) = host.map(parse_host) else {
            return false;
        };
        self.page_origins.iter().any(|origin| {
            matches!(origin, Origin::Tuple(scheme, h, _) if scheme == "https" && *h == host.host)
        })
    }

    /// What an operator should know about the defaults chosen for them.
    #[must_use]
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(adjust: impl FnOnce(&mut Settings)) -> Site {
        let mut settings = Settings::default();
        adjust(&mut settings);
        Site::new(&settings, 8080).unwrap()
    }

    #[test]
    fn on_loopback_the_loopback_origins_with_the_bound_port_and_their_names() {
        let site = site(|_| {});
        for origin in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "http://LOCALHOST:8080/",
            "http://[::1]:8080",
        ] {
            assert!(site.allows_ws_origin(origin), "{origin}");
        }
        for origin in [
            "evil://127.0.0.1:8080",
            "https://127.0.0.1:8080",
            "http://127.0.0.1:8081",
            "http://127.0.0.1",
            "http://evil.example",
            "null",
            "",
        ] {
            assert!(!site.allows_ws_origin(origin), "{origin}");
        }
        for host in [
            "127.0.0.1:8080",
            "localhost",
            "LocalHost:9000",
            "[::1]:8080",
        ] {
            assert!(site.answers(Some(host)), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.2:8080",
            "a@localhost",
            "",
        ] {
            assert!(!site.answers(Some(host)), "{host}");
        }
        assert!(site.answers(None), "no Host: not a browser");
        assert!(site.warnings().is_empty());
    }

    #[test]
    fn configured_origins_and_hosts_are_added_with_default_ports_normalised() {
        let site = site(|s| {
            s.public_origins = vec!["https://plan.example.com".into()];
            s.ws.allowed_origins = vec!["http://dash.example:8000".into()];
            s.allowed_hosts = vec!["internal.example".into(), "lb.example:8443".into()];
        });
        assert!(site.allows_ws_origin("https://plan.example.com:443"));
        assert!(!site.allows_ws_origin("http://plan.example.com"));
        assert!(site.allows_ws_origin("http://dash.example:8000"));
        assert!(!site.allows_ws_origin("http://dash.example"));
        assert!(site.allows_ws_origin("http://localhost:8080"));
        for host in [
            "plan.example.com",
            "internal.example:1",
            "lb.example:8443",
            "localhost",
        ] {
            assert!(site.answers(Some(host)), "{host}");
        }
        assert!(!site.answers(Some("lb.example")));
        assert!(!site.answers(Some("lb.example:443")));
        assert!(!site.answers(Some("dash.example")));
    }

    #[test]
    fn on_every_address_any_host_is_answered_with_a_warning_unless_configured() {
        let open = site(|s| s.host = IpAddr::from([0, 0, 0, 0]));
        assert!(open.answers(Some("anything.example")));
        assert_eq!(open.warnings().len(), 2, "{:?}", open.warnings());
        assert!(open.allows_ws_origin("http://localhost:8080"));
        assert!(!open.allows_ws_origin("http://anything.example:8080"));

        let strict = site(|s| {
            s.host = IpAddr::from([0, 0, 0, 0]);
            s.allowed_hosts = vec!["plan.example.com".into()];
            s.public_origins = vec!["https://plan.example.com".into()];
        });
        assert!(strict.warnings().is_empty());
        assert!(strict.answers(Some("plan.example.com")));
        assert!(!strict.answers(Some("anything.example")));

        let star = site(|s| {
            s.host = IpAddr::from([0, 0, 0, 0]);
            s.allowed_hosts = vec!["*".into()];
        });
        assert!(star.answers(Some("anything.example")));
        assert_eq!(star.warnings().len(), 1, "only the one about origins");
    }

    #[test]
    fn own_pages_are_its_origins_public_origins_and_the_requests_own_host() {
        let site = site(|s| {
            s.public_origins = vec!["https://plan.example.com".into()];
            s.ws.allowed_origins = vec!["http://dash.example:8000".into()];
        });
        for (origin, host) in [
            ("http://localhost:8080", None),
            ("https://plan.example.com", Some("backend:8080")),
            ("http://any.example:9000", Some("any.example:9000")),
            ("http://any.example", Some("any.example:80")),
            ("https://any.example", Some("any.example")),
        ] {
            assert!(site.is_own_page(origin, host), "{origin} {host:?}");
        }
        for (origin, host) in [
            ("http://dash.example:8000", None),
            ("http://evil.example", Some("localhost:8080")),
            ("http://localhost:8081", Some("localhost:8080")),
            ("https://any.example", Some("any.example:80")),
            ("null", Some("localhost:8080")),
            ("", None),
        ] {
            assert!(!site.is_own_page(origin, host), "{origin} {host:?}");
        }
        assert!(site.is_https_host(Some("plan.example.com")));
        assert!(site.is_https_host(Some("PLAN.example.com:443")));
        assert!(!site.is_https_host(Some("localhost:8080")));
        assert!(!site.is_https_host(None));
    }

    #[test]
    fn on_one_address_that_address() {
        let site = site(|s| s.host = IpAddr::from([10, 0, 0, 5]));
        assert!(site.answers(Some("10.0.0.5:8080")));
        assert!(!site.answers(Some("localhost:8080")));
        assert!(site.allows_ws_origin("http://10.0.0.5:8080"));
        assert!(!site.allows_ws_origin("http://localhost:8080"));
    }

    #[test]
    fn bad_values_are_refused_with_their_key() {
        for (adjust, key) in [
            (
                (|s: &mut Settings| s.public_origins = vec!["plan.example.com".into()])
                    as fn(&mut Settings),
                "public_origins",
            ),
            (
                |s: &mut Settings| s.public_origins = vec!["ftp://plan.example.com".into()],
                "public_origins",
            ),
            (
                |s: &mut Settings| s.ws.allowed_origins = vec!["https://a.example/app".into()],
                "ws.allowed_origins",
            ),
            (
                |s: &mut Settings| s.allowed_hosts = vec!["https://a.example".into()],
                "allowed_hosts",
            ),
        ] {
            let mut settings = Settings::default();
            adjust(&mut settings);
            let error = Site::new(&settings, 8080).unwrap_err().to_string();
            assert!(error.contains(key), "{error}");
        }
    }
}
