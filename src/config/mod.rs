//! Layered configuration: built-in defaults, then an optional TOML file, then environment
//! variables (`GLIDEPATH_*`, with `__` between nested keys, plus the conventional
//! `DATABASE_URL` and `REDIS_URL`). Settings are passed by value into
//! [`crate::startup::Application::build`]; there is no global.

mod auth;
mod database;
mod demo;
mod error;
mod forms;
mod http;
mod limits;
mod live;
mod log;
mod market;
mod ml;
mod portfolio;
mod rate_limit;
mod simulation;
mod testing;
mod ws;

use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use auth::AuthSettings;
pub use database::DatabaseSettings;
pub use demo::DemoSettings;
pub use error::ConfigError;
use forms::{secs, string_or_list};
pub use http::HttpSettings;
pub use limits::LimitSettings;
pub use live::LiveConfig;
pub use log::LogFormat;
pub use market::{FeedKind, MarketSettings};
pub use ml::MlSettings;
pub use portfolio::PortfolioSettings;
pub use rate_limit::RateLimitSettings;
pub use simulation::SimulationSettings;
pub use testing::TestingSettings;
pub use ws::WsSettings;

/// The file read when `--config` / `GLIDEPATH_CONFIG` name none and it exists.
pub const DEFAULT_CONFIG_FILE: &str = "glidepath.toml";

/// Everything the server can be configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on.
    pub host: IpAddr,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Where the embedded database and the signing keys live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; the SQLite file in `data_dir` when unset.
    pub database_url: Option<SecretString>,
    /// `redis://…`; rate limits stay in process memory when unset.
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key, so several deployments (or test servers) can share one Redis.
    pub redis_prefix: String,
    /// Log filter in `tracing_subscriber::EnvFilter` syntax (`RUST_LOG` wins when set).
    pub log: String,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// HTTP worker threads; the number of cores when unset.
    pub workers: Option<NonZeroUsize>,
    /// Runs the HTTP workers as `SCHED_BATCH` (Linux), so that frames sessions hand them do
    /// not preempt the session thread one by one (see [`crate::scheduling`]).
    pub workers_batch_scheduling: bool,
    /// Origins allowed to call the API from a browser. Empty: same origin only.
    #[serde(deserialize_with = "string_or_list")]
    pub cors_allowed_origins: Vec<String>,
    /// The origins (`https://plan.example.com`, `scheme://host[:port]`) browsers load the
    /// server from, besides its own address (see [`crate::site::Site::new`]): they may open
    /// `/ws`, and their hosts are answered to.
    #[serde(deserialize_with = "string_or_list")]
    pub public_origins: Vec<String>,
    /// Host names (`name` or `name:port`) requests may carry in `Host`, besides those of
    /// `public_origins` and the server's own address; `*` for any. Others get 400.
    #[serde(deserialize_with = "string_or_list")]
    pub allowed_hosts: Vec<String>,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// The proxies in front of the server.
    pub http: HttpSettings,
    /// How long in-flight requests get to finish after SIGINT/SIGTERM
    /// (`shutdown_timeout_secs`).
    #[serde(rename = "shutdown_timeout_secs", deserialize_with = "secs")]
    pub shutdown_timeout: Duration,
    /// Database pool.
    pub database: DatabaseSettings,
    /// Tokens and password hashing.
    pub auth: AuthSettings,
    /// Login and registration throttling.
    pub rate_limit: RateLimitSettings,
    /// How much one user may store.
    pub limits: LimitSettings,
    /// Monte Carlo limits.
    pub simulation: SimulationSettings,
    /// The WebSocket endpoint.
    pub ws: WsSettings,
    /// Market data.
    pub market: MarketSettings,
    /// Live sessions.
    pub live: LiveConfig,
    /// Demo accounts (`POST /auth/demo`).
    pub demo: DemoSettings,
    /// Portfolio history and optimisation.
    pub portfolio: PortfolioSettings,
    /// The success surrogate (`engine::ml`).
    pub ml: MlSettings,
    /// Hooks for the end-to-end tests; never enable them in production.
    pub testing: TestingSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 8080,
            data_dir: PathBuf::from("data"),
            database_url: None,
            redis_url: None,
            redis_prefix: "glidepath:".to_owned(),
            log: "info".to_owned(),
            log_format: LogFormat::Pretty,
            workers: None,
            workers_batch_scheduling: true,
            cors_allowed_origins: Vec::new(),
            public_origins: Vec::new(),
            allowed_hosts: Vec::new(),
            max_body_bytes: 64 * 1024,
            http: HttpSettings::default(),
            shutdown_timeout: Duration::from_secs(10),
            database: DatabaseSettings::default(),
            auth: AuthSettings::default(),
            rate_limit: RateLimitSettings::default(),
            limits: LimitSettings::default(),
            simulation: SimulationSettings::default(),
            ws: WsSettings::default(),
            market: MarketSettings::default(),
            live: LiveConfig::default(),
            demo: DemoSettings::default(),
            portfolio: PortfolioSettings::default(),
            ml: MlSettings::default(),
            testing: TestingSettings::default(),
        }
    }
}

impl Settings {
    /// Loads defaults, then `file` (or `glidepath.toml` if present), then the environment.
    ///
    /// # Errors
    /// A file that does not parse, a value of the wrong type anywhere, a zero where a count
    /// must be positive, or a lifetime, window or timeout out of its range.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        match file {
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None => figment = figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        }
        figment = figment
            .merge(Env::prefixed("GLIDEPATH_").split("__").ignore(&["config"]))
            .merge(Env::raw().only(&["database_url", "redis_url"]));
        let settings: Self = figment.extract().map_err(Box::new)?;
        settings.check()?;
        Ok(settings)
    }

    /// Refuses values out of range in any area, and origins and host names that do not
    /// parse. Every area checks its own (`validate`), in the units its keys are written in.
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn check(&self) -> Result<(), ConfigError> {
        crate::site::check(self)?;
        self.http.validate()?;
        self.auth.validate()?;
        self.rate_limit.validate()?;
        self.database.validate()?;
        self.ws.validate()?;
        self.market.validate()?;
        self.live.validate()?;
        self.demo.validate()
    }

    /// The database URL in force: the configured one, or the SQLite file in `data_dir`.
    #[must_use]
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("glidepath.db").display()
            ),
        }
    }

    /// Whether demo accounts are made: `demo.enabled`, or when unset, whether the database is
    /// the embedded default.
    #[must_use]
    pub fn demo_enabled(&self) -> bool {
        self.demo.enabled.unwrap_or(self.database_url.is_none())
    }

    /// Whether the bundled price history is imported into an empty `prices` table.
    #[must_use]
    pub fn bundled_history_enabled(&self) -> bool {
        self.portfolio
            .bundled_history
            .unwrap_or(self.database_url.is_none())
    }

    /// Where the RS256 private key is read from, or generated into, when neither
    /// `auth.private_key_pem` nor `auth.private_key_path` is set.
    #[must_use]
    pub fn default_private_key_path(&self) -> PathBuf {
        self.data_dir.join("keys").join("jwt_private.pem")
    }

    /// Logs the settings once, with every credential removed.
    pub fn log_summary(&self) {
        tracing::info!(
            host = %self.host,
            port = self.port,
            data_dir = %self.data_dir.display(),
            database = %redact_url(&self.effective_database_url()),
            redis = %self.redis_url.as_ref().map_or_else(
                || "not configured".to_owned(),
                |u| redact_url(u.expose_secret()),
            ),
            workers = ?self.workers,
            cors_allowed_origins = ?self.cors_allowed_origins,
            public_origins = ?self.public_origins,
            allowed_hosts = ?self.allowed_hosts,
            max_body_bytes = self.max_body_bytes,
            access_ttl_secs = self.auth.access_ttl.as_secs(),
            refresh_ttl_days = self.auth.refresh_ttl.as_secs() / forms::SECS_PER_DAY,
            login_per_account_ip = self.rate_limit.login_per_account_ip,
            login_per_ip = self.rate_limit.login_per_ip,
            login_slow_after = self.rate_limit.login_slow_after,
            rate_window_secs = self.rate_limit.window.as_secs(),
            "configuration"
        );
    }
}

/// Replaces the password of `scheme://user:password@host/...` with `***`.
#[must_use]
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &rest[..at];
    let user = userinfo.split(':').next().unwrap_or_default();
    format!("{}://{}:***@{}", &url[..scheme_end], user, &rest[at + 1..])
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment's Jail API returns its large error type
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
    }

    #[test]
    fn environment_overrides_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GLIDEPATH_PORT", "9999");
            jail.set_env("GLIDEPATH_AUTH__ACCESS_TTL_SECS", "60");
            jail.set_env(
                "GLIDEPATH_CORS_ALLOWED_ORIGINS",
                "https://a.example, https://b.example",
            );
            jail.set_env(
                "GLIDEPATH_ALLOWED_HOSTS",
                "plan.example.com,lb.example:8443",
            );
            jail.set_env("DATABASE_URL", "postgres://x@y/z");
            let s = Settings::load(None).expect("loads");
            assert_eq!(s.allowed_hosts, ["plan.example.com", "lb.example:8443"]);
            assert_eq!(s.port, 9999);
            assert_eq!(s.auth.access_ttl, Duration::from_secs(60));
            assert_eq!(
                s.cors_allowed_origins,
                ["https://a.example", "https://b.example"]
            );
            assert_eq!(s.effective_database_url(), "postgres://x@y/z");
            Ok(())
        });
    }

    #[test]
    fn file_then_environment() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "g.toml",
                "port = 7000\nlog = \"debug\"\n[rate_limit]\nlogin_per_ip = 3\n",
            )?;
            jail.set_env("GLIDEPATH_LOG", "warn");
            let s = Settings::load(Some(Path::new("g.toml"))).expect("loads");
            assert_eq!(s.port, 7000);
            assert_eq!(s.log, "warn");
            assert_eq!(s.rate_limit.login_per_ip, 3);
            Ok(())
        });
    }

    #[test]
    fn lifetimes_and_windows_out_of_range_are_refused_with_their_key() {
        figment::Jail::expect_with(|jail| {
            for (var, value, key) in [
                (
                    "GLIDEPATH_AUTH__REFRESH_TTL_DAYS",
                    "4000000000",
                    "auth.refresh_ttl_days",
                ),
                (
                    "GLIDEPATH_AUTH__ACCESS_TTL_SECS",
                    "0",
                    "auth.access_ttl_secs",
                ),
                ("GLIDEPATH_LIVE__PATHS", "100001", "live.paths"),
                ("GLIDEPATH_LIVE__PATHS", "0", "live.paths"),
                (
                    "GLIDEPATH_LIVE__RULES_RENEW_MS",
                    "6000",
                    "live.rules_renew_ms",
                ),
                (
                    "GLIDEPATH_RATE_LIMIT__WINDOW_SECS",
                    "18446744073709551615",
                    "rate_limit.window_secs",
                ),
            ] {
                jail.set_env(var, value);
                let error = Settings::load(None).expect_err("out of range").to_string();
                assert!(error.contains(key) && error.contains(value), "{error}");
                jail.clear_env();
            }
            assert!(
                Settings::default().check().is_ok(),
                "the defaults are in range"
            );
            Ok(())
        });
    }

    #[test]
    fn durations_are_read_in_the_units_their_keys_name() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "g.toml",
                "shutdown_timeout_secs = 3\n[auth]\nrefresh_ttl_days = 7\n\
                 [ws]\nheartbeat_secs = 5\n[portfolio]\nrecord_interval_secs = 0\n",
            )?;
            jail.set_env("GLIDEPATH_LIVE__MIN_INTERVAL_MS", "250");
            let s = Settings::load(Some(Path::new("g.toml"))).expect("loads");
            assert_eq!(s.live.min_interval, Duration::from_millis(250));
            assert_eq!(s.shutdown_timeout, Duration::from_secs(3));
            assert_eq!(s.auth.refresh_ttl, Duration::from_secs(7 * 86_400));
            assert_eq!(s.ws.heartbeat, Duration::from_secs(5));
            assert_eq!(s.portfolio.record_interval, None, "0 is never");
            assert_eq!(
                Settings::default().portfolio.record_interval,
                Some(Duration::from_secs(300))
            );
            Ok(())
        });
    }

    #[test]
    fn zeros_where_a_positive_value_is_needed_are_refused_with_their_key() {
        figment::Jail::expect_with(|jail| {
            for (var, key) in [
                // Counts held as non-zero types: refused while parsing.
                ("GLIDEPATH_LIVE__OUTBOUND_QUEUE", "live.outbound_queue"),
                ("GLIDEPATH_LIVE__ALERTS_KEPT", "live.alerts_kept"),
                ("GLIDEPATH_WORKERS", "workers"),
                (
                    "GLIDEPATH_DATABASE__MAX_CONNECTIONS",
                    "database.max_connections",
                ),
                ("GLIDEPATH_MARKET__STREAM_MAX_LEN", "market.stream_max_len"),
                // Durations that must be positive: refused by their area's check.
                (
                    "GLIDEPATH_MARKET__TICK_INTERVAL_MS",
                    "market.tick_interval_ms",
                ),
                ("GLIDEPATH_WS__HEARTBEAT_SECS", "ws.heartbeat_secs"),
            ] {
                jail.set_env(var, "0");
                let error = Settings::load(None).expect_err("zero").to_string();
                assert!(error.contains(key), "{var}: {error}");
                jail.clear_env();
            }
            Ok(())
        });
    }

    #[test]
    fn a_duration_that_is_not_a_number_is_refused_with_its_key() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("GLIDEPATH_LIVE__RULES_LEASE_MS", "six seconds");
            let error = Settings::load(None).expect_err("not a number").to_string();
            assert!(error.contains("live.rules_lease_ms"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn the_demo_is_on_for_the_embedded_database_only_unless_said_otherwise() {
        figment::Jail::expect_with(|jail| {
            // The defaults, not `load`: the PostgreSQL test pass has DATABASE_URL set.
            assert!(Settings::default().demo_enabled());
            jail.set_env("DATABASE_URL", "postgres://x@y/z");
            assert!(!Settings::load(None).expect("loads").demo_enabled());
            jail.set_env("GLIDEPATH_DEMO__ENABLED", "true");
            assert!(Settings::load(None).expect("loads").demo_enabled());
            jail.clear_env();
            jail.set_env("GLIDEPATH_DEMO__ENABLED", "false");
            assert!(!Settings::load(None).expect("loads").demo_enabled());
            Ok(())
        });
    }

    #[test]
    fn the_signing_key_and_the_trusted_proxies_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            // As a container platform passes a secret: the whole PEM, newlines included.
            let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n\
                       -----END PRIVATE KEY-----\n";
            jail.set_env("GLIDEPATH_AUTH__PRIVATE_KEY_PEM", pem);
            jail.set_env(
                "GLIDEPATH_AUTH__PREVIOUS_PUBLIC_KEYS",
                "/run/secrets/old.pem,/etc/glidepath/previous",
            );
            jail.set_env(
                "GLIDEPATH_HTTP__TRUSTED_PROXIES",
                "127.0.0.1/32, 10.0.0.0/8",
            );
            let s = Settings::load(None).expect("loads");
            let loaded = s.auth.private_key_pem.as_ref().expect("the PEM is set");
            assert_eq!(loaded.expose_secret().trim(), pem.trim());
            assert_eq!(
                s.auth.previous_public_keys,
                [
                    PathBuf::from("/run/secrets/old.pem"),
                    PathBuf::from("/etc/glidepath/previous")
                ]
            );
            assert_eq!(s.http.trusted_proxies, ["127.0.0.1/32", "10.0.0.0/8"]);
            jail.set_env(
                "GLIDEPATH_HTTP__TRUSTED_PROXIES",
                "127.0.0.1/32,10.0.0.0/33",
            );
            let error = Settings::load(None).expect_err("a bad network").to_string();
            assert!(
                error.contains("http.trusted_proxies") && error.contains("10.0.0.0/33"),
                "{error}"
            );
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("g.toml", "prot = 7000\n")?;
            assert!(Settings::load(Some(Path::new("g.toml"))).is_err());
            Ok(())
        });
    }
}
