//! Builds the application from [`Settings`]: storage, keys, Redis, the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::middleware::Condition;
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;
use tracing_actix_web::TracingLogger;
use uuid::Uuid;

use crate::auth::accounts::Accounts;
use crate::auth::jwt::TokenIssuer;
use crate::auth::keys::KeyRing;
use crate::auth::password::PasswordHasher;
use crate::auth::rate_limit::RateLimiter;
use crate::auth::verified::VerifiedTokens;
use crate::config::Settings;
use crate::http::extract::BodyLimit;
use crate::http::forwarded::TrustedProxies;
use crate::http::middleware::ShutdownDeadline;
use crate::http::openapi::{OpenApiJson, document};
use crate::http::{self, middleware};
use crate::live::connections::UserConnections;
use crate::live::fanout::HookTargets;
use crate::shutdown::StopHandle;
use crate::site::Site;
use crate::state::AppState;
use crate::store::Db;
use crate::telemetry::Metrics;

/// A built, listening, not yet running server.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    stop: StopHandle,
    /// Turns `true` shortly before the shutdown grace limit (see [`crate::shutdown`]).
    deadline: tokio::sync::watch::Sender<bool>,
}

/// Opens the database at the configured URL and applies migrations.
///
/// # Errors
/// The database cannot be reached or migrated.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    let db = Db::connect(&settings.effective_database_url(), &settings.database)
        .await
        .context("connecting to the database")?;
    db.migrate().await.context("applying database migrations")?;
    Ok(db)
}

async fn connect_redis(url: &str) -> anyhow::Result<(redis::Client, ConnectionManager)> {
    let client = redis::Client::open(url).context("parsing REDIS_URL")?;
    let manager = tokio::time::timeout(
        Duration::from_secs(5),
        ConnectionManager::new(client.clone()),
    )
    .await
    .context("connecting to Redis timed out")?
    .context("connecting to Redis")?;
    Ok((client, manager))
}

fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |c, o| c.allowed_origin(o))
        .allowed_methods(["GET", "POST", "PUT", "DELETE"])
        .allowed_headers(["authorization", "content-type"])
        .max_age(3600)
}

impl Application {
    /// Connects, migrates, loads or creates keys, and binds the listener.
    ///
    /// # Errors
    /// Any dependency that cannot be set up; the message says which.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        // First, so that a bad model file stops start-up before anything else is touched.
        let success_model = Arc::new(crate::ml::SuccessModel::load(&settings.ml)?);
        tracing::info!(
            source = %success_model.source,
            trained_on = %success_model.file.card.trained_on,
            mean_absolute_error = success_model.file.card.metrics.mean_absolute_error,
            "success surrogate loaded"
        );
        let db = open_database(&settings).await?;
        let default_key_path = settings.default_private_key_path();
        let auth = settings.auth.clone();
        let keys = tokio::task::spawn_blocking(move || KeyRing::load(&auth, &default_key_path))
            .await
            .context("key task")?
            .context("loading the token signing keys")?;
        tracing::info!(
            kid = %keys.signing.kid,
            previous = ?keys.previous.iter().map(|k| &k.kid).collect::<Vec<_>>(),
            "access tokens are signed with key {}",
            keys.signing.kid
        );
        let redis = match &settings.redis_url {
            Some(url) => Some(connect_redis(url.expose_secret()).await?),
            None => None,
        };
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        let passwords = PasswordHasher::new(
            settings
                .auth
                .hash_concurrency
                .map_or(cores, std::num::NonZero::get),
            settings.auth.hash_queue_timeout,
        )?;
        let metrics = Metrics::new(redis.is_some())?;
        let limiter = match &redis {
            Some((_, conn)) => RateLimiter::redis(
                conn.clone(),
                settings.redis_prefix.clone(),
                metrics.redis.as_ref().map(|r| r.errors.clone()),
            ),
            None => RateLimiter::memory(),
        };
        let shared_market =
            redis
                .as_ref()
                .map(|(client, conn)| crate::market::shared::SharedRedis {
                    client: client.clone(),
                    conn: conn.clone(),
                    prefix: settings.redis_prefix.clone(),
                    leader_gauge: metrics.redis.as_ref().map(|r| r.feed_leader.clone()),
                    errors: metrics.redis.as_ref().map(|r| r.errors.clone()),
                });
        let market = crate::market::start(&settings.market, shared_market)?;
        let simulation_slots = Arc::new(tokio::sync::Semaphore::new(
            settings.simulation.concurrent_runs.get(),
        ));
        let recommender = crate::services::recommendations::Recommender::new(
            db.clone(),
            success_model.clone(),
            simulation_slots.clone(),
        );
        let redis_errors = metrics.redis.as_ref().map(|r| r.errors.clone());
        let nodes = redis.as_ref().map(|(_, conn)| {
            let node = Uuid::new_v4();
            crate::live::Nodes {
                fanout: crate::live::fanout::Fanout::new(
                    node,
                    conn.clone(),
                    &settings.redis_prefix,
                    redis_errors.clone(),
                ),
                leases: Arc::new(crate::live::rules_lease::RulesLeases::new(
                    conn.clone(),
                    &settings.redis_prefix,
                    node,
                    settings.live.rules_lease,
                    redis_errors,
                )),
            }
        });
        let live = crate::live::start(
            &settings.live,
            db.clone(),
            market.hub.clone(),
            recommender,
            metrics.live(),
            nodes,
        );
        let tokens = TokenIssuer::from_ring(keys, settings.auth.access_ttl);
        let accounts = Arc::new(Accounts::new(settings.auth.account_cache));
        let connections = Arc::new(UserConnections::default());
        if let (Some(fanout), Some((client, _))) = (&live.fanout, &redis) {
            fanout.listen(
                client.clone(),
                HookTargets {
                    registry: live.registry.clone(),
                    accounts: accounts.clone(),
                    connections: connections.clone(),
                },
                db.clone(),
            );
        }
        let listener = TcpListener::bind((settings.host, settings.port))
            .with_context(|| format!("binding {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        let site = Site::new(&settings, port)?;
        for warning in site.warnings() {
            tracing::warn!("{warning}");
        }
        let proxies = TrustedProxies::parse(&settings.http.trusted_proxies)?;
        let state = AppState {
            site: Arc::new(site),
            proxies: Arc::new(proxies),
            market,
            live,
            db,
            verified: Arc::new(VerifiedTokens::new(
                tokens.clone(),
                settings.auth.token_cache_entries,
            )),
            tokens,
            accounts,
            connections,
            passwords,
            limiter,
            redis: redis.map(|(_, conn)| conn),
            simulation_slots,
            success_model,
            solve_slots: Arc::new(tokio::sync::Semaphore::new(
                settings.portfolio.concurrent_solves.get(),
            )),
            metrics,
            settings: Arc::new(settings),
            started: Instant::now(),
            stopping: StopHandle::new(),
        };
        if state.settings.bundled_history_enabled() {
            let db = state.db.clone();
            actix_web::rt::spawn(async move {
                match crate::services::prices::import_bundled_if_empty(&db).await {
                    Ok(Some(s)) => tracing::info!(
                        closes = s.closes,
                        symbols = s.symbols.len(),
                        "the bundled S&P 500 sample was imported as price history"
                    ),
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "the bundled price history was not imported")
                    }
                }
            });
        }
        if let Some(every) = state.settings.portfolio.record_interval {
            actix_web::rt::spawn(crate::services::daily_record::record_periodically(
                state.clone(),
                every,
            ));
        }
        if state.settings.demo_enabled() {
            actix_web::rt::spawn(crate::services::demo::expire_periodically(state.clone()));
        }
        let (deadline, deadline_rx) = tokio::sync::watch::channel(false);
        let server = serve(state.clone(), listener, ShutdownDeadline(deadline_rx))?;
        Ok(Self {
            port,
            server,
            stop: state.stopping.clone(),
            state,
            deadline,
        })
    }

    /// The port actually bound (useful with port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The state handlers see; tests use it to inspect the database.
    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Stops the server as SIGTERM does, once it runs.
    #[must_use]
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// Serves until SIGINT, SIGTERM or [`StopHandle::stop`], lets in-flight requests finish
    /// (answering those still running at the grace limit with 503), then closes the pool.
    ///
    /// # Errors
    /// The server failed.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let grace = self.state.settings.shutdown_timeout;
        let supervisor =
            crate::shutdown::supervise(self.server.handle(), self.stop, self.deadline, grace);
        let result = tokio::select! {
            result = self.server => result,
            never = supervisor => match never {},
        };
        self.state.market.stop().await;
        // Other nodes take over this node's users' rules at once rather than when the
        // leases lapse.
        if let Some(leases) = &self.state.live.leases {
            leases.close().await;
        }
        self.state.db.close().await;
        tracing::info!("stopped");
        result
    }
}

fn serve(
    state: AppState,
    listener: TcpListener,
    deadline: ShutdownDeadline,
) -> anyhow::Result<Server> {
    let settings = state.settings.clone();
    let metrics = state.metrics.clone();
    let prometheus = metrics
        .http_middleware()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let openapi = OpenApiJson(
        document()
            .to_json()
            .context("serialising the OpenAPI document")?,
    );
    let body_limit = settings.max_body_bytes;
    let origins = settings.cors_allowed_origins.clone();
    let autobahn_echo = settings.ws.autobahn_echo;
    let fault_injection = settings.testing.fault_injection;
    let slow_route = settings.testing.slow_route;
    let batch_workers = settings.workers_batch_scheduling;
    let state = web::Data::new(state);
    let metrics = web::Data::new(metrics);
    let openapi = web::Data::new(openapi);
    let mut server = HttpServer::new(move || {
        // Each worker builds its app on its own thread, so this is where it is marked.
        if batch_workers {
            crate::scheduling::batch_current_thread();
        }
        App::new()
            .wrap(actix_web::middleware::from_fn(middleware::known_hosts))
            .wrap(middleware::problem_bodies())
            .wrap(middleware::security_headers())
            .wrap(Condition::new(!origins.is_empty(), cors(&origins)))
            .wrap(prometheus.clone())
            .wrap(TracingLogger::<middleware::RequestSpan>::new())
            .app_data(state.clone())
            .app_data(metrics.clone())
            .app_data(openapi.clone())
            .app_data(BodyLimit(body_limit))
            .app_data(deadline.clone())
            .configure(http::configure)
            .configure(http::dashboard::configure)
            .configure(|cfg| {
                if autobahn_echo {
                    cfg.route("/ws/echo", web::get().to(http::ws::echo::echo));
                }
                if fault_injection {
                    cfg.route(
                        "/testing/faults/{child}",
                        web::post().to(http::routes::live::inject_fault),
                    );
                }
                if slow_route {
                    cfg.service(
                        web::resource("/testing/slow/{ms}")
                            .route(web::get().to(http::routes::testing::slow))
                            .wrap(actix_web::middleware::from_fn(
                                middleware::answer_before_shutdown,
                            )),
                    );
                }
            })
            .default_service(web::to(http::not_found))
    })
    .shutdown_timeout(settings.shutdown_timeout.as_secs())
    // Signals are handled by `crate::shutdown`, which also answers what is still running.
    .disable_signals()
    // Live updates are small frames: without this, Nagle's algorithm holds each one until the
    // client acknowledges the previous, and a delayed ACK adds up to 40 ms.
    .tcp_nodelay(true)
    .listen(listener)?;
    if let Some(workers) = settings.workers {
        server = server.workers(workers.get());
    }
    tracing::info!(address = %format!("http://{}:{}", settings.host, settings.port), "listening");
    Ok(server.run())
}
