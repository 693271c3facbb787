//! Logs (tracing) and metrics (Prometheus).

use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use prometheus::{IntGauge, Registry};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::LogFormat;
use crate::store::Db;

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

/// The metrics registry and the gauges the server sets itself.
#[derive(Clone)]
pub struct Metrics {
    /// Everything `/metrics` exposes.
    pub registry: Registry,
    pool_size: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
}

impl Metrics {
    /// Registers the database pool gauges.
    ///
    /// # Errors
    /// A metric name clashes (a bug).
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let gauge = |name: &str, help: &str| -> Result<IntGauge, prometheus::Error> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
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
            registry,
        })
    }

    /// Reads the pool state into the gauges; called on every scrape.
    pub fn observe_pool(&self, db: &Db) {
        let state = db.pool_state();
        self.pool_size.set(i64::from(state.size));
        self.pool_idle.set(i64::from(state.idle));
        self.pool_max.set(i64::from(state.max));
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
