//! The processes of a two-node deployment on loopback: a Redis of its own, a market-data
//! provider, two `glidepath` binaries on the PostgreSQL of `DATABASE_URL`, and Debian's nginx
//! running `deploy/nginx/glidepath.conf` in front of them.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery staple";

/// The shipped nginx configuration, run as it is but for its addresses.
const NGINX_SITE: &str = include_str!("../../deploy/nginx/glidepath.conf");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The last `bytes` of a log file, for failure messages.
fn tail(path: &Path, bytes: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let len = file.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = file.seek(SeekFrom::Start(len.saturating_sub(bytes)));
        let _ = file.read_to_string(&mut text);
    }
    text
}

/// Waits until `port` on loopback accepts a connection.
async fn accepting(port: u16, what: &str, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on {port}:\n{}",
            tail(log, 4_000)
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([format!("-{name}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} {}", child.id());
}

/// Waits up to `limit` for `child` to exit.
fn reap(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A `redis-server` of the test's own, so stopping it touches nothing else on the machine. It
/// keeps nothing on disk, like the machine's: a restart comes back empty.
pub struct Redis {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl Redis {
    async fn start_new(dir: &Path) -> Self {
        let mut redis = Self {
            port: free_port(),
            dir: dir.join("redis"),
            child: None,
        };
        std::fs::create_dir_all(&redis.dir).unwrap();
        redis.start().await;
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "Redis is running");
        let log = self.dir.join("redis.log");
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .arg("--logfile")
            .arg(&log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package) runs the tests' own Redis");
        self.child = Some(child);
        accepting(self.port, "redis-server", &log).await;
    }

    /// Stops the server (SIGKILL: an outage, not a maintenance shutdown).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A market-data provider speaking the external feed's JSON (`[{"symbol","price","ts"}]`) to
/// whoever connects: the node that holds the feed's lease.
pub struct Provider {
    pub url: String,
    batches: broadcast::Sender<String>,
    accepted: Arc<AtomicUsize>,
    open: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Provider {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("ws://{}", listener.local_addr().unwrap());
        let (batches, _) = broadcast::channel::<String>(64);
        let accepted = Arc::new(AtomicUsize::new(0));
        let open = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn({
            let batches = batches.clone();
            let accepted = accepted.clone();
            let open = open.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    let mut receiver = batches.subscribe();
                    let open = open.clone();
                    accepted.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(async move {
                        let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
                            return;
                        };
                        open.fetch_add(1, Ordering::SeqCst);
                        let (mut sink, mut source) = socket.split();
                        loop {
                            tokio::select! {
                                batch = receiver.recv() => match batch {
                                    Ok(text) => {
                                        if sink.send(Message::Text(text.into())).await.is_err() {
                                            break;
                                        }
                                    }
                                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                                    Err(broadcast::error::RecvError::Closed) => break,
                                },
                                incoming = source.next() => match incoming {
                                    Some(Ok(_)) => {}
                                    _ => break,
                                },
                            }
                        }
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
            }
        });
        Self {
            url,
            batches,
            accepted,
            open,
            task,
        }
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Waits until exactly one node is connected and at least `accepted` connections were
    /// made in all.
    pub async fn connected(&self, accepted: usize) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.open.load(Ordering::SeqCst) != 1 || self.accepted() < accepted {
            assert!(
                Instant::now() < deadline,
                "the feed is not connected once (open {}, accepted {})",
                self.open.load(Ordering::SeqCst),
                self.accepted()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends one batch of prices to the connected node, if one is: whether one was.
    pub fn send(&self, prices: &[(&str, f64)]) -> bool {
        let ts = chrono::Utc::now().timestamp_millis();
        let batch: Vec<Value> = prices
            .iter()
            .map(|(symbol, price)| json!({ "symbol": symbol, "price": price, "ts": ts }))
            .collect();
        self.batches.send(Value::Array(batch).to_string()).is_ok()
    }
}

impl Provider {
    /// Sends one batch of prices to the connected node, which must be there.
    pub fn tick(&self, prices: &[(&str, f64)]) {
        assert!(self.send(prices), "a node is connected to the provider");
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One `glidepath` process.
pub struct Node {
    pub name: &'static str,
    pub port: u16,
    env: Vec<(String, String)>,
    dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Node {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn log_tail(&self) -> String {
        tail(&self.log, 6_000)
    }

    pub fn running(&self) -> bool {
        self.child.is_some()
    }

    /// Starts the process and waits until it answers `/health`.
    pub async fn start(&mut self) {
        assert!(self.child.is_none(), "{} is running", self.name);
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_glidepath"))
            .current_dir(&self.dir)
            .env_remove("GLIDEPATH_CONFIG")
            // An error's backtrace would fill the log tail a failure message shows.
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let healthy = client
                .get(format!("{}/health", self.url()))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if healthy {
                return;
            }
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("{} exited with {status}:\n{}", self.name, self.log_tail());
            }
            assert!(
                Instant::now() < deadline,
                "{} did not become healthy:\n{}",
                self.name,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`: the node dies without a word to anyone.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("a running node");
        signal(&child, "KILL");
        reap(&mut child, Duration::from_secs(10)).expect("SIGKILL ends the process");
    }

    /// SIGTERM, and the exit status once it has drained (within `limit`).
    pub fn terminate(&mut self, limit: Duration) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("a running node");
        signal(&child, "TERM");
        match reap(&mut child, limit) {
            Some(status) => status,
            None => {
                let _ = child.kill();
                panic!(
                    "{} did not stop within {limit:?} of SIGTERM:\n{}",
                    self.name,
                    self.log_tail()
                )
            }
        }
    }

    /// One scrape of the node's `/metrics`: the sum of `name`'s samples (over its labels).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = reqwest::get(format!("{}/metrics", self.url()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .filter(|line| {
                line.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with([' ', '{']))
            })
            .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Debian's nginx with the shipped site configuration, its upstreams the two nodes.
pub struct Nginx {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl Nginx {
    async fn start(dir: &Path, nodes: [u16; 2]) -> Self {
        let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("nginx (Debian's nginx-light; .ci/deploy.sh installs it) runs in front of the nodes");
        let dir = dir.join("nginx");
        for sub in [
            "",
            "temp/body",
            "temp/proxy",
            "temp/fastcgi",
            "temp/uwsgi",
            "temp/scgi",
        ] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let port = free_port();
        let mut site = NGINX_SITE.to_owned();
        for (from, to) in [
            ("node1:8080", format!("127.0.0.1:{}", nodes[0])),
            ("node2:8080", format!("127.0.0.1:{}", nodes[1])),
            ("listen 80;", format!("listen 127.0.0.1:{port};")),
        ] {
            assert!(
                site.contains(from),
                "deploy/nginx/glidepath.conf has `{from}`"
            );
            site = site.replace(from, &to);
        }
        std::fs::write(dir.join("site.conf"), site).unwrap();
        let d = dir.display();
        // As root the workers would run as `nobody`, which cannot use the test's directory.
        let user = if is_root() { "user root;" } else { "" };
        let main = format!(
            "{user}
worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/temp/body;
    proxy_temp_path {d}/temp/proxy;
    fastcgi_temp_path {d}/temp/fastcgi;
    uwsgi_temp_path {d}/temp/uwsgi;
    scgi_temp_path {d}/temp/scgi;
    include {d}/site.conf;
}}
"
        );
        std::fs::write(dir.join("nginx.conf"), main).unwrap();
        let child = Command::new(binary)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        accepting(port, "nginx", &dir.join("error.log")).await;
        Self { port, dir, child }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn error_log(&self) -> String {
        tail(&self.dir.join("error.log"), 4_000)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM to the master, which stops its workers: SIGKILL would leave them running.
        // (No assertion: a panic while unwinding would abort the test binary.)
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        if reap(&mut self.child, Duration::from_secs(5)).is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Timings that make takeovers quick enough to test.
pub const FEED_LEASE_MS: u64 = 1_000;
pub const FEED_RENEW_MS: u64 = 200;
pub const RULES_LEASE_MS: u64 = 1_000;
pub const RULES_RENEW_MS: u64 = 200;

/// A whole deployment. Nodes are created stopped: [`Cluster::start`] starts them in order.
pub struct Cluster {
    pub redis: Redis,
    pub provider: Arc<Provider>,
    pub nodes: [Node; 2],
    pub nginx: Nginx,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// `None` (after saying why) outside the PostgreSQL pass: nodes share a database, which the
/// embedded SQLite file is not for.
pub fn database_url() -> Option<String> {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => Some(url),
        _ => {
            eprintln!("the cluster tests need DATABASE_URL=postgres://… (the PostgreSQL pass)");
            None
        }
    }
}

impl Cluster {
    /// Redis, the provider and nginx running; both nodes configured but stopped.
    pub async fn new(database_url: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let redis = Redis::start_new(dir.path()).await;
        let provider = Arc::new(Provider::start().await);
        let key = dir.path().join("jwt_private.pem");
        let private_key_pem = {
            glidepath::auth::keys::SigningKeys::load_or_generate(&key).unwrap();
            std::fs::read_to_string(&key).unwrap()
        };
        let prefix = format!("gp-cluster:{}:", Uuid::new_v4().simple());
        let ports = [free_port(), free_port()];
        let nodes = [("node1", ports[0]), ("node2", ports[1])].map(|(name, port)| {
            let node_dir = dir.path().join(name);
            std::fs::create_dir_all(&node_dir).unwrap();
            let env: Vec<(String, String)> = [
                ("GLIDEPATH_HOST", "127.0.0.1".to_owned()),
                ("GLIDEPATH_PORT", port.to_string()),
                (
                    "GLIDEPATH_DATA_DIR",
                    node_dir.join("data").display().to_string(),
                ),
                ("DATABASE_URL", database_url.to_owned()),
                ("REDIS_URL", redis.url()),
                ("GLIDEPATH_REDIS_PREFIX", prefix.clone()),
                ("GLIDEPATH_AUTH__PRIVATE_KEY_PEM", private_key_pem.clone()),
                ("GLIDEPATH_HTTP__TRUSTED_PROXIES", "127.0.0.1/32".to_owned()),
                ("GLIDEPATH_WORKERS", "2".to_owned()),
                ("GLIDEPATH_LIVE__THREADS", "1".to_owned()),
                ("GLIDEPATH_LIVE__MIN_INTERVAL_MS", "1".to_owned()),
                ("GLIDEPATH_LIVE__RULES_LEASE_MS", RULES_LEASE_MS.to_string()),
                ("GLIDEPATH_LIVE__RULES_RENEW_MS", RULES_RENEW_MS.to_string()),
                ("GLIDEPATH_MARKET__FEED", "external".to_owned()),
                ("GLIDEPATH_MARKET__EXTERNAL_URL", provider.url.clone()),
                ("GLIDEPATH_MARKET__LEASE_MS", FEED_LEASE_MS.to_string()),
                (
                    "GLIDEPATH_MARKET__LEASE_RENEW_MS",
                    FEED_RENEW_MS.to_string(),
                ),
                ("GLIDEPATH_PORTFOLIO__RECORD_INTERVAL_SECS", "0".to_owned()),
                ("GLIDEPATH_SHUTDOWN_TIMEOUT_SECS", "5".to_owned()),
                ("GLIDEPATH_RATE_LIMIT__REGISTER_PER_IP", "1000".to_owned()),
                ("GLIDEPATH_RATE_LIMIT__LOGIN_PER_IP", "1000".to_owned()),
                ("GLIDEPATH_LOG", "warn".to_owned()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
            Node {
                name,
                port,
                env,
                log: node_dir.join("node.log"),
                dir: node_dir,
                child: None,
            }
        });
        let nginx = Nginx::start(dir.path(), ports).await;
        Self {
            redis,
            provider,
            nodes,
            nginx,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            _dir: dir,
        }
    }

    /// Everything the nodes and nginx logged, for a failure message.
    pub fn logs(&self) -> String {
        let mut logs = String::new();
        for node in &self.nodes {
            logs += &format!("--- {} ---\n{}\n", node.name, node.log_tail());
        }
        logs + &format!("--- nginx ---\n{}", self.nginx.error_log())
    }

    /// The index of the node that leads the feed, waiting up to 10 s for one (other than
    /// `not`) to say so.
    pub async fn feed_leader(&self, not: Option<usize>) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            for (i, node) in self.nodes.iter().enumerate() {
                if Some(i) != not
                    && node.running()
                    && node.metric("glidepath_market_feed_leader").await >= 1.0
                {
                    return i;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no node leads the feed\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Registers a user at `base` (nginx or a node) and logs in: `(id, access token)`.
    pub async fn new_user(&self, base: &str) -> (Uuid, String) {
        let email = format!("cluster-{}@example.com", Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": PASSWORD });
        let registered = self.post(base, "/auth/register", None, &body).await;
        assert_eq!(
            registered.status(),
            201,
            "{}",
            registered.text().await.unwrap()
        );
        let registered: Value = registered.json().await.unwrap();
        let login = self.post(base, "/auth/login", None, &body).await;
        assert_eq!(login.status(), 200);
        let tokens: Value = login.json().await.unwrap();
        (
            registered["id"].as_str().unwrap().parse().unwrap(),
            tokens["access_token"].as_str().unwrap().to_owned(),
        )
    }

    pub async fn post(
        &self,
        base: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut request = self.http.post(format!("{base}{path}")).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.unwrap()
    }

    /// `GET path` through nginx, which must answer 200.
    pub async fn get(&self, path: &str, token: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.nginx.url()))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// Redis keys under the deployment's prefix, as a map of key to string value (strings
    /// only), for checks of who holds which lease.
    pub async fn lease_holders(&self) -> HashMap<String, String> {
        let mut redis = redis::Client::open(self.redis.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("*lease*")
            .query_async(&mut redis)
            .await
            .unwrap();
        let mut holders = HashMap::new();
        for key in keys {
            if let Ok(value) = redis::cmd("GET")
                .arg(&key)
                .query_async::<String>(&mut redis)
                .await
            {
                holders.insert(key, value);
            }
        }
        holders
    }
}
