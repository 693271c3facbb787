//! Logs (tracing) and metrics (Prometheus).

use std::time::Duration;

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use actors::live::events::StreamBody;
use actors::live::registry::SessionCount;
use actors::market::hub::GetAllQuotes;
use prometheus::core::Collector;
use prometheus::{
    GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter, IntGauge, IntGaugeVec, Opts,
    Registry,
};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;
use crate::services;
use crate::state::AppState;

/// Installs the global tracing subscriber. `RUST_LOG` overrides `filter`. Safe to call more
/// than once (later calls do nothing), which tests rely on.
pub fn init<W>(filter: &str, format: LogFormat, writer: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let _already_set = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Buckets of the tick-to-frame latency: half a millisecond to 2.5 s (a live update is
/// meant to reach its client within milliseconds; the minimum re-simulation interval,
/// 100 ms by default, is what folding ticks may add).
const LATENCY_BUCKETS: [f64; 13] = [
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Buckets of simulation and solve durations: 5 ms (a live re-simulation of 1,000 paths) to
/// a minute (beyond `simulation.max_estimated_seconds`' default of 30 s).
const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0,
];

/// A dependency check on scrape slower than this counts as down: `/metrics` must answer
/// while a dependency hangs (Prometheus' default scrape timeout is 10 s).
const CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// Counts update frames and times them from their tick, wherever a connection hands one to
/// its socket.
#[derive(Clone)]
pub struct FrameMetrics {
    updates: IntCounter,
    tick_to_frame: Histogram,
}

impl FrameMetrics {
    /// `body` was handed to a connection's socket: counted if it is an update, and timed
    /// from its newest tick's arrival at the hub if a tick caused it.
    pub fn written(&self, body: &StreamBody) {
        if let StreamBody::Update { tick_arrived, .. } = body {
            self.updates.inc();
            if let Some(arrived) = tick_arrived {
                self.tick_to_frame.observe(arrived.elapsed().as_secs_f64());
            }
        }
    }
}

/// Redis' metrics, registered only where Redis is configured.
#[derive(Clone)]
pub struct RedisMetrics {
    up: IntGauge,
    /// Redis commands that failed; incremented where they fail.
    pub errors: IntCounter,
    /// 1 while this node holds a feed's lease (runs the feed every node applies), else 0.
    pub feed_leader: IntGaugeVec,
}

/// The metrics registry and the metrics the server keeps itself (beside the HTTP
/// middleware's). Each [`crate::startup::Application`] has its own, so test servers in one
/// process count apart.
#[derive(Clone)]
pub struct Metrics {
    /// Everything `/metrics` exposes.
    pub registry: Registry,
    pool_size: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    db_up: IntGauge,
    /// Present where Redis is configured.
    pub redis: Option<RedisMetrics>,
    live_sessions: IntGauge,
    /// Open WebSocket connections (`/ws`), authenticated or not.
    pub ws_connections: IntGauge,
    /// Update frames handed to WebSocket connections.
    pub live_updates: IntCounter,
    /// From the newest tick's arrival at the price hub to its update frame being handed to
    /// the connection's socket.
    pub tick_to_frame: Histogram,
    /// Connections closed with 4008 because the client did not read.
    pub slow_consumer_closes: IntCounter,
    /// `POST /simulations/monte-carlo` runs (`kind="monte_carlo"`) and live re-simulations
    /// (`kind="live_resimulation"`).
    pub simulation_seconds: HistogramVec,
    /// `POST /planning/solve`.
    pub solve_seconds: Histogram,
    feed_lag: GaugeVec,
    memory_used: IntGauge,
    memory_total: IntGauge,
    process_resident: IntGauge,
    disk_available: IntGauge,
    disk_total: IntGauge,
}

/// Registers `collector` and hands it back.
fn registered<C: Collector + Clone + 'static>(
    registry: &Registry,
    collector: C,
) -> Result<C, prometheus::Error> {
    registry.register(Box::new(collector.clone()))?;
    Ok(collector)
}

impl Metrics {
    /// Registers the server's metrics; Redis' only when `with_redis`.
    ///
    /// # Errors
    /// A metric name clashes (a bug).
    pub fn new(with_redis: bool) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let r = &registry;
        let gauge = |name: &str, help: &str| registered(r, IntGauge::new(name, help)?);
        let counter = |name: &str, help: &str| registered(r, IntCounter::new(name, help)?);
        let redis = if with_redis {
            Some(RedisMetrics {
                up: gauge(
                    "glidepath_redis_up",
                    "1 when Redis answered PING within 1 s at the last scrape, else 0.",
                )?,
                errors: counter(
                    "glidepath_redis_errors_total",
                    "Redis commands that failed: scrape checks, rate-limit counts, publishing live changes to the other nodes, the live-change subscription, the feed's lease, stream and last prices.",
                )?,
                feed_leader: registered(
                    r,
                    IntGaugeVec::new(
                        Opts::new(
                            "glidepath_market_feed_leader",
                            "1 while this node holds the feed's lease in Redis (it runs the feed and publishes its ticks to every node), else 0.",
                        ),
                        &["feed"],
                    )?,
                )?,
            })
        } else {
            None
        };
        Ok(Self {
            pool_size: gauge(
                "glidepath_db_pool_connections",
                "Open database connections.",
            )?,
            pool_idle: gauge(
                "glidepath_db_pool_idle_connections",
                "Idle database connections.",
            )?,
            pool_max: gauge(
                "glidepath_db_pool_max_connections",
                "Upper bound of database connections.",
            )?,
            db_up: gauge(
                "glidepath_db_up",
                "1 when the database answered a trivial query within 1 s at the last scrape, else 0.",
            )?,
            redis,
            live_sessions: gauge(
                "glidepath_live_sessions",
                "Live sessions running on this node (one per active user).",
            )?,
            ws_connections: gauge(
                "glidepath_ws_connections",
                "Open WebSocket connections on this node.",
            )?,
            live_updates: counter(
                "glidepath_live_updates_total",
                "Live update frames handed to WebSocket connections.",
            )?,
            tick_to_frame: registered(
                r,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "glidepath_live_tick_to_frame_seconds",
                        "From the arrival at the price hub of the newest tick an update carries to the update frame being handed to the connection's socket.",
                    )
                    .buckets(LATENCY_BUCKETS.to_vec()),
                )?,
            )?,
            slow_consumer_closes: counter(
                "glidepath_ws_slow_consumer_closes_total",
                "WebSocket connections closed with 4008 because the client did not read its frames.",
            )?,
            simulation_seconds: registered(
                r,
                HistogramVec::new(
                    HistogramOpts::new(
                        "glidepath_simulation_duration_seconds",
                        "Simulations: POST /simulations/monte-carlo (kind=monte_carlo, including the wait for a slot) and live re-simulations of plans whose cash flows depend on wealth (kind=live_resimulation).",
                    )
                    .buckets(DURATION_BUCKETS.to_vec()),
                    &["kind"],
                )?,
            )?,
            solve_seconds: registered(
                r,
                Histogram::with_opts(
                    HistogramOpts::new(
                        "glidepath_solve_duration_seconds",
                        "POST /planning/solve searches, including the wait for a simulation slot.",
                    )
                    .buckets(DURATION_BUCKETS.to_vec()),
                )?,
            )?,
            feed_lag: registered(
                r,
                GaugeVec::new(
                    Opts::new(
                        "glidepath_market_feed_lag_seconds",
                        "Now minus the time of the newest tick the price hub accepted, per feed (absent until a first tick).",
                    ),
                    &["feed"],
                )?,
            )?,
            memory_used: gauge(
                "glidepath_memory_used_bytes",
                "Memory in use on the host (or container), read at scrape.",
            )?,
            memory_total: gauge(
                "glidepath_memory_total_bytes",
                "Memory of the host (or container), read at scrape.",
            )?,
            process_resident: gauge(
                "glidepath_process_resident_memory_bytes",
                "Resident memory of the server process, read at scrape.",
            )?,
            disk_available: gauge(
                "glidepath_disk_available_bytes",
                "Free space on the file system holding data_dir, read at scrape.",
            )?,
            disk_total: gauge(
                "glidepath_disk_total_bytes",
                "Size of the file system holding data_dir, read at scrape.",
            )?,
            registry,
        })
    }

    /// What a connection's frames are counted and timed with.
    #[must_use]
    pub fn frames(&self) -> FrameMetrics {
        FrameMetrics {
            updates: self.live_updates.clone(),
            tick_to_frame: self.tick_to_frame.clone(),
        }
    }

    /// What live sessions report through their handles.
    #[must_use]
    pub fn live(&self) -> actors::live::LiveMetrics {
        actors::live::LiveMetrics {
            resimulation_seconds: Some(
                self.simulation_seconds
                    .with_label_values(&["live_resimulation"]),
            ),
        }
    }

    /// Counts a failed Redis command (where Redis is configured).
    pub fn redis_error(&self) {
        if let Some(redis) = &self.redis {
            redis.errors.inc();
        }
    }

    /// Reads what is observed rather than counted: the pool, the database and Redis (each a
    /// cheap check with a 1 s bound), the sessions, the feed's lag, memory and disk. Called
    /// on every scrape.
    pub async fn observe(&self, state: &AppState) {
        let pool = state.db.pool_state();
        self.pool_size.set(i64::from(pool.size));
        self.pool_idle.set(i64::from(pool.idle));
        self.pool_max.set(i64::from(pool.max));
        let db_ok = matches!(
            tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await,
            Ok(Ok(_))
        );
        self.db_up.set(i64::from(db_ok));
        if let (Some(metrics), Some(conn)) = (&self.redis, &state.redis) {
            let mut conn = conn.clone();
            let ping = tokio::time::timeout(
                CHECK_TIMEOUT,
                redis::cmd("PING").query_async::<String>(&mut conn),
            )
            .await;
            let ok = matches!(ping, Ok(Ok(_)));
            if !ok {
                metrics.errors.inc();
            }
            metrics.up.set(i64::from(ok));
        }
        if let Ok(count) = state.live.registry.send(SessionCount).await {
            self.live_sessions
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
        if let Ok(quotes) = state.market.hub.send(GetAllQuotes).await
            && let Some(newest) = quotes.iter().map(|(_, q)| q.ts_ms).max()
        {
            #[allow(clippy::cast_precision_loss)] // milliseconds of lag, far below 2^52
            let lag = (actors::live::now_ms() - newest) as f64 / 1000.0;
            self.feed_lag
                .with_label_values(&[state.market.feed])
                .set(lag);
        }
        let data_dir = state.settings.data_dir.clone();
        if let Ok((disk, memory)) =
            tokio::task::spawn_blocking(move || services::health::disk_and_memory(&data_dir)).await
        {
            let bytes = |b: u64| i64::try_from(b).unwrap_or(i64::MAX);
            self.memory_used.set(bytes(memory.used_bytes));
            self.memory_total.set(bytes(memory.total_bytes));
            self.process_resident.set(bytes(memory.process_rss_bytes));
            self.disk_available.set(bytes(disk.available_bytes));
            self.disk_total.set(bytes(disk.total_bytes));
        }
    }

    /// The request middleware: counts and latency histograms labelled with the route
    /// template (never the raw path, which would explode the label set).
    ///
    /// # Errors
    /// The middleware's metrics clash with registered ones (a bug).
    pub fn http_middleware(
        &self,
    ) -> Result<PrometheusMetrics, Box<dyn std::error::Error + Send + Sync>> {
        PrometheusMetricsBuilder::new("glidepath")
            .registry(self.registry.clone())
            .mask_unmatched_patterns("UNMATCHED")
            .build()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}
