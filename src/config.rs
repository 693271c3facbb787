//! Layered configuration: built-in defaults, then an optional TOML file, then environment
//! variables (`GLIDEPATH_*`, with `__` between nested keys, plus the conventional
//! `DATABASE_URL` and `REDIS_URL`). Settings are passed by value into
//! [`crate::startup::Application::build`]; there is no global.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

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
    pub workers: Option<usize>,
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
    /// Seconds in-flight requests get to finish after SIGINT/SIGTERM.
    pub shutdown_timeout_secs: u64,
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

/// The success surrogate.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MlSettings {
    /// A model file written by `glidepath ml train`, loaded at start-up; start-up stops,
    /// naming the file, if it is unreadable, corrupt or of another version. Unset: the
    /// default model built into the binary (`models/success.json`).
    pub model_path: Option<PathBuf>,
}

/// Live sessions (`actors::live`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveConfig {
    /// Paths of each session's prepared simulation.
    pub paths: u32,
    /// Least time between two re-simulations of one session, in milliseconds; ticks in
    /// between are folded into the next run (latest wins).
    pub min_interval_ms: u64,
    /// How long a valuation waits after a tick for more, in milliseconds. Feeds deliver a
    /// market move as one batch, which always makes one update; a window folds ticks that a
    /// provider sends one by one as well, at the cost of that much latency. 0: off.
    pub batch_window_ms: u64,
    /// A session nobody watches and with no alert rules stops after this many seconds.
    pub idle_timeout_secs: u64,
    /// Threads the sessions run on; the number of cores when unset. 0: no threads of their
    /// own: a session runs on the HTTP worker thread of the connection that starts it.
    pub threads: Option<usize>,
    /// Frames a connection may have waiting besides coalesced updates; beyond, and when a
    /// write has been pending for `stall_timeout_ms`, the client is closed as too slow.
    pub outbound_queue: usize,
    /// How long one write to a client may stay pending before it is closed with 4008.
    pub stall_timeout_ms: u64,
    /// Alerts kept per user: storing a new one deletes the oldest beyond this many, so a
    /// rule that keeps firing for years does not grow the table without bound.
    pub alerts_kept: u32,
    /// With Redis (several nodes), a user's alert rules are evaluated by one node at a time,
    /// which holds a lease on them for this many milliseconds, renewed every
    /// `rules_renew_ms`: when its node dies, another node's session of the user takes over
    /// within about this long.
    pub rules_lease_ms: u64,
    /// How often the holder renews its lease on a user's rules, and the other nodes'
    /// sessions try to take it; less than `rules_lease_ms`.
    pub rules_renew_ms: u64,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            paths: 1000,
            min_interval_ms: 100,
            batch_window_ms: 0,
            idle_timeout_secs: 300,
            threads: None,
            outbound_queue: 64,
            stall_timeout_ms: 10_000,
            alerts_kept: 1000,
            rules_lease_ms: 6000,
            rules_renew_ms: 2000,
        }
    }
}

/// Demo accounts: `POST /auth/demo` makes a fresh demo client, or a demo advisor with three
/// demo clients, for each visitor; they are deleted once `lifetime_secs` old.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Whether `POST /auth/demo` makes demo accounts (404 otherwise). Unset: on with the
    /// embedded SQLite database, off whenever `database_url` is given, so a production
    /// deployment never grows demo accounts unless it says so.
    pub enabled: Option<bool>,
    /// Age in seconds at which a demo account is deleted with everything it owns.
    pub lifetime_secs: u64,
    /// How often expired demo accounts are looked for, in seconds.
    pub sweep_interval_secs: u64,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            enabled: None,
            lifetime_secs: 24 * 3600,
            sweep_interval_secs: 600,
        }
    }
}

/// Portfolio history and optimisation.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortfolioSettings {
    /// How often the feed's closes and every user's valuation are recorded, in seconds; the
    /// last recording of a (UTC) day is its close. 0: never.
    pub record_interval_secs: u64,
    /// Optimisations, frontiers and back-tests run at once; more wait their turn.
    pub concurrent_solves: usize,
    /// Largest price file `POST /admin/prices` takes, in bytes.
    pub max_upload_bytes: usize,
    /// Imports the bundled S&P 500 sample (`datasets/sp500_prices.csv`: 20 symbols, daily
    /// closes 1990–2022) as price history at start-up when no price is stored, so estimates,
    /// frontiers and back-tests work out of the box. Unset: on with the embedded SQLite
    /// database, off whenever `database_url` is given.
    pub bundled_history: Option<bool>,
}

impl Default for PortfolioSettings {
    fn default() -> Self {
        Self {
            record_interval_secs: 300,
            concurrent_solves: 2,
            max_upload_bytes: 16 << 20,
            bundled_history: None,
        }
    }
}

/// Test-only hooks.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TestingSettings {
    /// Mounts `POST /testing/faults/{child}`, which makes a child actor of the caller's
    /// session panic, to prove that the session restarts it.
    pub fault_injection: bool,
    /// Mounts `GET /testing/slow/{ms}`, which answers after `ms` milliseconds, to prove that
    /// requests still running at the shutdown grace limit are answered.
    pub slow_route: bool,
}

/// Which market-data feed runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// Correlated geometric Brownian motion (the embedded default).
    Synthetic,
    /// Historical closes replayed from `market.replay_file`.
    Replay,
    /// An external WebSocket provider at `market.external_url` (JSON ticks).
    External,
    /// No feed: prices only from other sources.
    None,
}

/// Market data: the feed and the guard on its ticks.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketSettings {
    /// The feed.
    pub feed: FeedKind,
    /// Symbols of the synthetic feed.
    #[serde(deserialize_with = "string_or_list")]
    pub symbols: Vec<String>,
    /// Time between ticks of each symbol.
    pub tick_interval_ms: u64,
    /// Synthetic: starting price of every symbol.
    pub initial_price: f64,
    /// Synthetic: annual drift.
    pub drift: f64,
    /// Synthetic: annual volatility.
    pub volatility: f64,
    /// Synthetic: pairwise correlation of returns.
    pub correlation: f64,
    /// Synthetic: market time per tick as a multiple of the interval.
    pub speedup: f64,
    /// Synthetic: fixes the price paths.
    pub seed: u64,
    /// Replay: the CSV file (`date,SYM,…`).
    pub replay_file: Option<PathBuf>,
    /// Replay: start again after the last row.
    pub replay_repeat: bool,
    /// External: the provider's `ws://` URL.
    pub external_url: Option<String>,
    /// Ticks moving a price by more than this factor at once (either way) are dropped.
    pub max_jump_ratio: f64,
    /// With Redis: how long the feed's lease lasts unless renewed, in milliseconds. The
    /// node holding it runs the feed for every node; when it dies, another takes over
    /// within this time.
    pub lease_ms: u64,
    /// With Redis: how often the holder renews the lease and the others try to take it, in
    /// milliseconds (kept below half of `lease_ms`).
    pub lease_renew_ms: u64,
    /// With Redis: about how many batches the feed's stream keeps (`XADD MAXLEN ~`); a node
    /// cut off from Redis for longer than that many ticks misses the oldest of them.
    pub stream_max_len: u64,
}

impl Default for MarketSettings {
    fn default() -> Self {
        Self {
            feed: FeedKind::Synthetic,
            symbols: [
                "AAPL", "AMD", "BAC", "BBY", "CVX", "GE", "HD", "JNJ", "JPM", "KO", "LLY", "MRK",
                "MSFT", "PEP", "PFE", "PG", "RRC", "UNH", "WMT", "XOM",
            ]
            .map(String::from)
            .to_vec(),
            tick_interval_ms: 1000,
            initial_price: 100.0,
            drift: 0.07,
            volatility: 0.25,
            correlation: 0.3,
            speedup: 1.0,
            seed: 1,
            replay_file: None,
            replay_repeat: true,
            external_url: None,
            max_jump_ratio: 1.5,
            lease_ms: 5000,
            lease_renew_ms: 1000,
            stream_max_len: 10_000,
        }
    }
}

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

/// Limits on Monte Carlo runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationSettings {
    /// Paths when the request does not say.
    pub default_paths: u32,
    /// Most paths for the `user` role.
    pub max_paths_user: u32,
    /// Most paths for `premium`, `advisor` and `admin`.
    pub max_paths_premium: u32,
    /// Runs whose estimated duration exceeds this many seconds are refused up front.
    pub max_estimated_seconds: f64,
    /// The cost model behind the estimate: nanoseconds per path, month and asset class on
    /// one core (measured: see BENCHMARKS.md).
    pub ns_per_path_month_asset: f64,
    /// Simulations running at once; further requests wait.
    pub concurrent_runs: usize,
    /// Most paths × years a fan chart may hold (8 bytes each, kept until the run ends).
    pub max_fan_chart_values: u64,
}

impl Default for SimulationSettings {
    fn default() -> Self {
        Self {
            default_paths: 10_000,
            max_paths_user: 100_000,
            max_paths_premium: 1_000_000,
            max_estimated_seconds: 30.0,
            ns_per_path_month_asset: 5.0,
            concurrent_runs: 2,
            max_fan_chart_values: 25_000_000,
        }
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Database pool sizing.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Upper bound of open connections.
    pub max_connections: u32,
    /// Connections kept open when idle.
    pub min_connections: u32,
    /// Seconds to wait for a free connection before failing the request.
    pub acquire_timeout_secs: u64,
}

/// Token lifetimes and password-hashing limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// PEM file of the RS256 private key that signs access tokens (PKCS#8 or PKCS#1), for
    /// a key mounted as a file (a container secret). The file must exist. With neither this
    /// nor `private_key_pem`: `data_dir/keys/jwt_private.pem`, generated on first start,
    /// which suits a single node only (see [`crate::auth::keys`]).
    pub private_key_path: Option<PathBuf>,
    /// The RS256 private key itself, as PEM, for a key handed over in the environment
    /// (`GLIDEPATH_AUTH__PRIVATE_KEY_PEM`); excludes `private_key_path`.
    pub private_key_pem: Option<SecretString>,
    /// Public keys (PEM files, or directories whose `*.pem` files are read) that only verify
    /// tokens: after a rotation, the former signing key's public half, kept until its last
    /// token has expired (`access_ttl_secs`). A private key here is refused.
    #[serde(deserialize_with = "paths_or_list")]
    pub previous_public_keys: Vec<PathBuf>,
    /// Access-token lifetime in seconds.
    pub access_ttl_secs: u64,
    /// Refresh-token lifetime in days.
    pub refresh_ttl_days: u32,
    /// Password hashes computed at once; further requests queue. Defaults to the number of
    /// cores, so a login flood cannot take every core from the other endpoints.
    pub hash_concurrency: Option<usize>,
    /// How long a request may queue for a hashing slot before it gets 503.
    pub hash_queue_timeout_ms: u64,
    /// Verified access tokens remembered (until they expire), so a request whose token was
    /// seen before skips the RS256 signature check; 0 checks every request's signature.
    pub token_cache_entries: usize,
    /// How long an account's state (exists, active, role), and its record and profile as
    /// `GET /users/profile` shows them, read for a request are reused by later requests. Changes invalidate it at once on every node (through Redis when
    /// configured); this bounds staleness only when an invalidation is lost. 0 reads the
    /// database on every request.
    pub account_cache_secs: u64,
}

/// Fixed-window limits on login and registration attempts (the policy is in the README's
/// security notes).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Failed logins to one account from one client IP per window; further attempts from that
    /// address get 429. A successful login clears the count.
    pub login_per_account_ip: u32,
    /// Login attempts per client IP per window, whatever the account; further ones get 429.
    pub login_per_ip: u32,
    /// Login attempts per account, from all addresses, per window before each further one is
    /// delayed (never refused, so nobody can lock the owner out).
    pub login_slow_after: u32,
    /// The first such delay in milliseconds; it doubles with every further attempt.
    pub login_delay_ms: u64,
    /// The longest delay in milliseconds.
    pub login_max_delay_ms: u64,
    /// Registrations per client IP per window.
    pub register_per_ip: u32,
    /// Demo worlds (`POST /auth/demo`) per client IP per window.
    pub demo_per_ip: u32,
    /// Window length in seconds.
    pub window_secs: u64,
}

/// Per-user storage limits.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Goals one user may have; creating more is refused with 409.
    pub goals_per_user: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            goals_per_user: 100,
        }
    }
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
            shutdown_timeout_secs: 10,
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

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 1,
            acquire_timeout_secs: 5,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            private_key_path: None,
            private_key_pem: None,
            previous_public_keys: Vec::new(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_days: 30,
            hash_concurrency: None,
            hash_queue_timeout_ms: 5_000,
            token_cache_entries: 10_000,
            account_cache_secs: 30,
        }
    }
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            login_per_account_ip: 5,
            login_per_ip: 30,
            login_slow_after: 10,
            login_delay_ms: 500,
            login_max_delay_ms: 10_000,
            register_per_ip: 10,
            demo_per_ip: 5,
            window_secs: 60,
        }
    }
}

/// A configuration that could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file that does not parse, an unknown key or a value of the wrong type.
    #[error("invalid configuration: {0}")]
    Parse(#[from] Box<figment::Error>),
    /// A value outside the range the server can work with.
    #[error("invalid configuration: {field} must be between {min} and {max}, not {value}")]
    OutOfRange {
        /// The key, dotted as in the file (`auth.access_ttl_secs`).
        field: &'static str,
        /// The value given.
        value: u64,
        /// The least value allowed.
        min: u64,
        /// The greatest value allowed.
        max: u64,
    },
    /// A value that does not have the form its key requires.
    #[error("invalid configuration: {field} = {value:?}: {reason}")]
    Invalid {
        /// The key, dotted as in the file (`ws.allowed_origins`).
        field: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A setting's key, how to read it, and its least and greatest allowed values.
type Bound = (&'static str, fn(&Settings) -> u64, u64, u64);

/// Bounds of the settings that become token lifetimes, windows, timeouts and sizes: beyond
/// them the arithmetic on clocks would overflow at the first login or request (a panic in a
/// worker), or a session could never answer, instead of failing here, with the key named.
const BOUNDS: [Bound; 16] = [
    (
        "auth.token_cache_entries",
        |s| u64::try_from(s.auth.token_cache_entries).unwrap_or(u64::MAX),
        0,
        10_000_000,
    ),
    (
        "auth.account_cache_secs",
        |s| s.auth.account_cache_secs,
        0,
        3_600,
    ),
    (
        "auth.access_ttl_secs",
        |s| s.auth.access_ttl_secs,
        1,
        86_400,
    ),
    (
        "auth.refresh_ttl_days",
        |s| u64::from(s.auth.refresh_ttl_days),
        1,
        3_650,
    ),
    (
        "auth.hash_queue_timeout_ms",
        |s| s.auth.hash_queue_timeout_ms,
        1,
        3_600_000,
    ),
    (
        "rate_limit.window_secs",
        |s| s.rate_limit.window_secs,
        1,
        86_400,
    ),
    (
        "rate_limit.login_delay_ms",
        |s| s.rate_limit.login_delay_ms,
        0,
        600_000,
    ),
    (
        "rate_limit.login_max_delay_ms",
        |s| s.rate_limit.login_max_delay_ms,
        0,
        600_000,
    ),
    (
        "database.acquire_timeout_secs",
        |s| s.database.acquire_timeout_secs,
        1,
        3_600,
    ),
    // A live plan with model extensions is prepared or re-run at this many paths, and the
    // engine runs extended plans up to MAX_EXTENDED_PATHS: a larger value would leave every
    // such session without an answer, so it is refused at start-up instead.
    (
        "live.paths",
        |s| u64::from(s.live.paths),
        1,
        engine::sim::extended::MAX_EXTENDED_PATHS as u64,
    ),
    (
        "live.idle_timeout_secs",
        |s| s.live.idle_timeout_secs,
        1,
        31_536_000,
    ),
    (
        "live.stall_timeout_ms",
        |s| s.live.stall_timeout_ms,
        100,
        3_600_000,
    ),
    (
        "live.rules_lease_ms",
        |s| s.live.rules_lease_ms,
        200,
        600_000,
    ),
    (
        "live.rules_renew_ms",
        |s| s.live.rules_renew_ms,
        50,
        600_000,
    ),
    (
        "demo.lifetime_secs",
        |s| s.demo.lifetime_secs,
        1,
        31_536_000,
    ),
    (
        "demo.sweep_interval_secs",
        |s| s.demo.sweep_interval_secs,
        1,
        86_400,
    ),
];

impl Settings {
    /// Loads defaults, then `file` (or `glidepath.toml` if present), then the environment.
    ///
    /// # Errors
    /// A file that does not parse, a value of the wrong type anywhere, or a lifetime, window
    /// or timeout out of its range.
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

    /// Refuses a value outside [`BOUNDS`], and origins and host names that do not parse.
    ///
    /// # Errors
    /// The first such value, with its key.
    pub fn check(&self) -> Result<(), ConfigError> {
        crate::site::check(self)?;
        crate::http::forwarded::TrustedProxies::parse(&self.http.trusted_proxies)?;
        for (field, get, min, max) in BOUNDS {
            let value = get(self);
            if !(min..=max).contains(&value) {
                return Err(ConfigError::OutOfRange {
                    field,
                    value,
                    min,
                    max,
                });
            }
        }
        // A holder renewing no more often than its lease lasts would lose it between two
        // renewals, and the nodes would take it from each other.
        if self.live.rules_renew_ms >= self.live.rules_lease_ms {
            return Err(ConfigError::Invalid {
                field: "live.rules_renew_ms",
                value: self.live.rules_renew_ms.to_string(),
                reason: format!(
                    "must be less than live.rules_lease_ms ({})",
                    self.live.rules_lease_ms
                ),
            });
        }
        Ok(())
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
            access_ttl_secs = self.auth.access_ttl_secs,
            refresh_ttl_days = self.auth.refresh_ttl_days,
            login_per_account_ip = self.rate_limit.login_per_account_ip,
            login_per_ip = self.rate_limit.login_per_ip,
            login_slow_after = self.rate_limit.login_slow_after,
            rate_window_secs = self.rate_limit.window_secs,
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

/// [`string_or_list`] for paths.
fn paths_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<PathBuf>, D::Error> {
    Ok(string_or_list(deserializer)?
        .into_iter()
        .map(PathBuf::from)
        .collect())
}

/// Accepts `["a", "b"]` (TOML) or `"a,b"` (an environment variable).
fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Either::deserialize(deserializer)? {
        Either::One(s) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        Either::Many(v) => v,
    })
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
            assert_eq!(s.auth.access_ttl_secs, 60);
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
