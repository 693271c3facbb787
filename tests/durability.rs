//! `kill -9` durability: what the server acknowledged survives the process dying.
//!
//! The real `glidepath` binary runs as a child process on a fresh data directory (SQLite), or
//! on the PostgreSQL in `DATABASE_URL` (and Redis in `REDIS_URL`) when set, so CI's two test
//! runs cover both databases. Writers create goals as fast as the server takes them and record
//! every one it acknowledged (201 with its id); the server is killed with SIGKILL in the middle
//! of that, restarted on the same data, and every acknowledged goal must be there, unchanged.
//! A second test removes some acknowledged goals behind the server's back and shows the
//! checker reports exactly those: a checker that cannot see loss proves nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

/// How long writers write before the kill.
const WRITE_FOR: Duration = Duration::from_millis(2_000);
/// Concurrent writers.
const WRITERS: usize = 4;
/// Goals a writer puts in one account before it registers another (a per-user goal limit
/// must never be what stops a writer).
const GOALS_PER_USER: usize = 50;
const PASSWORD: &str = "correct horse battery staple";

/// An acknowledged goal: whose, its id and its name (the name is unique, so a goal that came
/// back with other contents is caught too).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Record {
    user: usize,
    id: Uuid,
    name: String,
}

/// A registered user.
#[derive(Debug, Clone)]
struct User {
    access: String,
}

/// The acknowledged records missing from `present` (goal id → owner and name), or present
/// with another owner or name. Empty when nothing was lost.
fn lost(acknowledged: &[Record], present: &HashMap<Uuid, (usize, String)>) -> BTreeSet<Record> {
    acknowledged
        .iter()
        .filter(|r| present.get(&r.id) != Some(&(r.user, r.name.clone())))
        .cloned()
        .collect()
}

/// The running child process.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One data set (a directory; a PostgreSQL database when `DATABASE_URL` is set), the users
/// and the records acknowledged so far.
struct Harness {
    dir: tempfile::TempDir,
    log: PathBuf,
    redis_prefix: String,
    client: reqwest::Client,
    users: Arc<Mutex<Vec<User>>>,
    acknowledged: Arc<Mutex<Vec<Record>>>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Harness {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("server.log");
        Self {
            dir,
            log,
            redis_prefix: format!("gp-durability:{}:", Uuid::new_v4()),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            users: Arc::default(),
            acknowledged: Arc::default(),
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The server's log so far (for failure messages).
    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = File::open(&self.log) {
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = file.seek(SeekFrom::Start(len.saturating_sub(8_000)));
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    /// Starts the binary on the data set and waits until it answers `/health`.
    async fn start(&self) -> Server {
        for _ in 0..5 {
            let port = free_port();
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)
                .unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_glidepath"))
                .current_dir(self.dir.path())
                .env_remove("GLIDEPATH_CONFIG")
                .env("GLIDEPATH_HOST", "127.0.0.1")
                .env("GLIDEPATH_PORT", port.to_string())
                .env("GLIDEPATH_DATA_DIR", self.data_dir())
                .env("GLIDEPATH_WORKERS", "2")
                .env("GLIDEPATH_MARKET__FEED", "none")
                .env("GLIDEPATH_RATE_LIMIT__REGISTER_PER_IP", "100000")
                .env("GLIDEPATH_RATE_LIMIT__LOGIN_PER_IP", "100000")
                .env("GLIDEPATH_REDIS_PREFIX", &self.redis_prefix)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap();
            let mut server = Server {
                child,
                base: format!("http://127.0.0.1:{port}"),
            };
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(60) {
                if let Some(status) = server.child.try_wait().unwrap() {
                    let log = self.log_tail();
                    // Another process took the port between our probe and the bind: retry.
                    assert!(
                        log.contains("binding"),
                        "the server exited at start-up ({status}):\n{log}"
                    );
                    break;
                }
                if self
                    .client
                    .get(format!("{}/health", server.base))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
                {
                    return server;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            assert!(
                server.child.try_wait().unwrap().is_some(),
                "the server did not answer /health within 60 s:\n{}",
                self.log_tail()
            );
        }
        panic!("the server could not bind a port:\n{}", self.log_tail());
    }

    /// SIGKILL, nothing else: no shutdown hook runs.
    fn kill(mut server: Server) {
        server.child.kill().unwrap();
        let status = server.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status}");
    }

    /// Writers create goals until `stop`; returns how many requests failed (in flight at the
    /// kill).
    async fn write_until_killed(&self, server: Server) -> usize {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let writer = Writer {
                    id: w,
                    base: server.base.clone(),
                    client: self.client.clone(),
                    users: self.users.clone(),
                    acknowledged: self.acknowledged.clone(),
                    stop: stop.clone(),
                };
                tokio::spawn(writer.run())
            })
            .collect();
        // The clock starts once writes flow (registering the first users hashes passwords,
        // slow on a busy machine), so every round kills the server in mid-stream.
        let before = self.acknowledged.lock().unwrap().len();
        let waiting = Instant::now();
        while self.acknowledged.lock().unwrap().len() < before + WRITERS
            // A writer that stopped early panicked: joining it below says why.
            && !writers.iter().any(tokio::task::JoinHandle::is_finished)
        {
            assert!(
                waiting.elapsed() < Duration::from_secs(60),
                "no writes acknowledged within 60 s:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(WRITE_FOR).await;
        Self::kill(server);
        stop.store(true, Ordering::SeqCst);
        let mut failed = 0;
        for writer in writers {
            failed += writer.await.unwrap();
        }
        failed
    }

    /// Every goal of every user, as the server lists them.
    async fn present(&self, server: &Server) -> HashMap<Uuid, (usize, String)> {
        let users = self.users.lock().unwrap().clone();
        let mut present = HashMap::new();
        for (index, user) in users.iter().enumerate() {
            let mut offset = 0;
            loop {
                let page: Value = self
                    .client
                    .get(format!(
                        "{}/planning/goals?limit=100&offset={offset}",
                        server.base
                    ))
                    .bearer_auth(&user.access)
                    .send()
                    .await
                    .unwrap()
                    .error_for_status()
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let items = page["items"].as_array().unwrap();
                for goal in items {
                    let id = goal["id"].as_str().unwrap().parse().unwrap();
                    let name = goal["name"].as_str().unwrap().to_owned();
                    present.insert(id, (index, name));
                }
                offset += items.len();
                if items.is_empty() || offset as u64 >= page["total"].as_u64().unwrap() {
                    break;
                }
            }
        }
        present
    }

    /// The acknowledged records the running server has lost.
    async fn check(&self, server: &Server) -> BTreeSet<Record> {
        let present = self.present(server).await;
        let acknowledged = self.acknowledged.lock().unwrap().clone();
        lost(&acknowledged, &present)
    }

    /// Deletes `records` in the database directly, with the server stopped.
    async fn delete_behind_the_servers_back(&self, records: &[Record]) {
        match std::env::var("DATABASE_URL") {
            Ok(url) => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                for r in records {
                    let done = sqlx::query("delete from goals where id = $1")
                        .bind(r.id)
                        .execute(&pool)
                        .await
                        .unwrap();
                    assert_eq!(done.rows_affected(), 1);
                }
                pool.close().await;
            }
            Err(_) => {
                let path = self.data_dir().join("glidepath.db");
                let pool = sqlx::SqlitePool::connect(&sqlite_url(&path)).await.unwrap();
                for r in records {
                    let done = sqlx::query("delete from goals where id = ?")
                        .bind(r.id)
                        .execute(&pool)
                        .await
                        .unwrap();
                    assert_eq!(done.rows_affected(), 1);
                }
                pool.close().await;
            }
        }
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// One writer: creates goals one after another until the server is gone.
struct Writer {
    id: usize,
    base: String,
    client: reqwest::Client,
    users: Arc<Mutex<Vec<User>>>,
    acknowledged: Arc<Mutex<Vec<Record>>>,
    stop: Arc<AtomicBool>,
}

impl Writer {
    /// Registers and logs in a new user; `None` once the server is gone.
    async fn new_user(&self) -> Option<(usize, String)> {
        let email = format!("durable-{}@example.com", Uuid::new_v4().simple());
        let body = json!({ "email": email, "password": PASSWORD });
        let registered = self.post("/auth/register", None, &body).await?;
        assert_eq!(registered.status(), StatusCode::CREATED);
        let login = self.post("/auth/login", None, &body).await?;
        assert_eq!(login.status(), StatusCode::OK);
        let tokens: Value = login.json().await.ok()?;
        let access = tokens["access_token"].as_str().unwrap().to_owned();
        let mut users = self.users.lock().unwrap();
        users.push(User {
            access: access.clone(),
        });
        Some((users.len() - 1, access))
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Option<reqwest::Response> {
        let mut request = self.client.post(format!("{}{path}", self.base)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        // A request in flight at the kill fails: it was never acknowledged.
        request.send().await.ok()
    }

    /// Returns how many requests failed.
    async fn run(self) -> usize {
        let mut user: Option<(usize, String, usize)> = None;
        let mut n = 0u64;
        while !self.stop.load(Ordering::SeqCst) {
            let (index, access, written) = match user.take() {
                Some(u) if u.2 < GOALS_PER_USER => u,
                _ => match self.new_user().await {
                    Some((index, access)) => (index, access, 0),
                    None => return 1,
                },
            };
            n += 1;
            let name = format!("w{}-{n}-{}", self.id, Uuid::new_v4().simple());
            let body = json!({ "name": name, "target_amount": 1000.0 + n as f64,
                               "target_date": "2045-06-30" });
            let Some(response) = self.post("/planning/goals", Some(&access), &body).await else {
                return 1;
            };
            let status = response.status();
            if status == StatusCode::CREATED {
                let Ok(goal) = response.json::<Value>().await else {
                    // The body was cut off by the kill: not acknowledged.
                    return 1;
                };
                let id = goal["id"].as_str().unwrap().parse().unwrap();
                self.acknowledged.lock().unwrap().push(Record {
                    user: index,
                    id,
                    name,
                });
                user = Some((index, access, written + 1));
            } else if status.is_client_error() && written > 0 {
                // A per-user limit: carry on with another account.
                user = None;
            } else {
                let text = response.text().await.unwrap_or_default();
                panic!("creating a goal answered {status}: {text}");
            }
        }
        0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let harness = Harness::new();
    let mut server = harness.start().await;
    for round in 1..=2 {
        let failed = harness.write_until_killed(server).await;
        server = harness.start().await;
        let lost = harness.check(&server).await;
        let acknowledged = harness.acknowledged.lock().unwrap().len();
        eprintln!(
            "round {round}: {acknowledged} goals acknowledged so far by {} users, {failed} \
             requests cut off by the kill, {} lost",
            harness.users.lock().unwrap().len(),
            lost.len()
        );
        assert!(
            lost.is_empty(),
            "round {round}: {} of {acknowledged} acknowledged goals lost after kill -9: {lost:?}",
            lost.len()
        );
    }
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checker_reports_goals_removed_behind_the_servers_back() {
    let harness = Harness::new();
    let server = harness.start().await;
    harness.write_until_killed(server).await;
    let acknowledged = harness.acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 3,
        "{} acknowledged",
        acknowledged.len()
    );
    // Every seventh, and the first and last: what a lossy store might drop.
    let removed: Vec<Record> = acknowledged
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 7 == 3 || *i == 0 || *i == acknowledged.len() - 1)
        .map(|(_, r)| r.clone())
        .collect();
    harness.delete_behind_the_servers_back(&removed).await;

    let server = harness.start().await;
    let lost = harness.check(&server).await;
    assert_eq!(lost, removed.into_iter().collect::<BTreeSet<_>>());
    drop(server);
}

#[test]
fn the_checker_sees_a_changed_goal_as_lost() {
    let id = Uuid::new_v4();
    let record = Record {
        user: 0,
        id,
        name: "a".into(),
    };
    let acknowledged = vec![record.clone()];
    let same = HashMap::from([(id, (0, "a".to_owned()))]);
    assert!(lost(&acknowledged, &same).is_empty());
    for other in [(1, "a".to_owned()), (0, "b".to_owned())] {
        let changed = HashMap::from([(id, other)]);
        assert_eq!(
            lost(&acknowledged, &changed),
            BTreeSet::from([record.clone()])
        );
    }
    assert_eq!(
        lost(&acknowledged, &HashMap::new()),
        BTreeSet::from([record])
    );
}
