//! `spawn_app()` and the `TestApp` client.

use std::num::{NonZeroU32, NonZeroUsize};
use std::path::PathBuf;
use std::sync::OnceLock;

use glidepath::config::Settings;
use glidepath::startup::Application;
use glidepath::store::Db;
use reqwest::{Method, StatusCode};
use secrecy::SecretString;
use serde_json::{Value, json};
use uuid::Uuid;

/// A password that satisfies the policy.
pub const PASSWORD: &str = "correct horse battery staple";

/// One private key for the whole test binary: RSA generation costs ~0.3 s per key.
pub fn shared_private_key() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.pem");
        glidepath::auth::keys::SigningKeys::load_or_generate(&path).unwrap();
        std::fs::read_to_string(path).unwrap()
    })
}

/// A running server and a client for it.
pub struct TestApp {
    pub address: String,
    pub db: Db,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub private_key_pem: String,
    /// The price hub, so tests can set prices with [`TestApp::tick`].
    pub hub: actix::Addr<actors::market::PriceHub>,
    /// The live sessions, so tests can read a session's counters.
    pub registry: actix::Addr<actors::live::registry::SessionRegistry>,
    /// Stops the server as SIGTERM would; `server` ends when it has stopped.
    pub stop: glidepath::shutdown::StopHandle,
    pub server: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
    _data_dir: tempfile::TempDir,
}

/// The test's runtime ends with the test, but the live sessions run on arbiters of their own
/// and keep the database pool (with its open connections) until their idle timeout: over a
/// whole run on PostgreSQL that exhausted its connections. Closing the pool when the app goes
/// releases them at once. A thread of its own runs the close, since the test's runtime is
/// busy dropping the app; the bound keeps a connection still in use from holding the test.
impl Drop for TestApp {
    fn drop(&mut self) {
        let db = self.db.clone();
        let closing = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(async {
                    let _ =
                        tokio::time::timeout(std::time::Duration::from_secs(5), db.close()).await;
                });
            }
        });
        let _ = closing.join();
    }
}

/// A registered, logged-in user.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: Uuid,
    pub email: String,
    pub password: String,
    pub access: String,
    pub refresh: String,
}

/// The settings every test server starts from.
pub fn test_settings(data_dir: PathBuf) -> Settings {
    let mut settings = Settings {
        data_dir,
        port: 0,
        workers: Some(NonZeroUsize::MIN),
        ..Settings::default()
    };
    if let Ok(url) = std::env::var("DATABASE_URL") {
        settings.database_url = Some(SecretString::from(url));
    }
    if let Ok(url) = std::env::var("REDIS_URL") {
        settings.redis_url = Some(SecretString::from(url));
        settings.redis_prefix = format!("gp-test:{}:", Uuid::new_v4());
    }
    settings.database.max_connections = NonZeroU32::new(5).expect("not zero");
    // Tests that want the daily recording ask for it; others leave shared tables alone.
    settings.portfolio.record_interval = None;
    settings.portfolio.bundled_history = Some(false);
    settings
}

/// Starts a server with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server after `adjust` has changed the test settings.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let key_path = data_dir.path().join("keys").join("jwt_private.pem");
    std::fs::create_dir_all(key_path.parent().unwrap()).unwrap();
    std::fs::write(&key_path, shared_private_key()).unwrap();
    let mut settings = test_settings(data_dir.path().to_path_buf());
    adjust(&mut settings);
    // A test that configures its own key signs with it.
    let private_key_pem = settings.auth.private_key_pem.as_ref().map_or_else(
        || shared_private_key().to_owned(),
        |pem| secrecy::ExposeSecret::expose_secret(pem).to_owned(),
    );
    let app = Application::build(settings.clone())
        .await
        .expect("the server builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let hub = app.state().market.hub.clone();
    let registry = app.state().live.registry.clone();
    let stop = app.stop_handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        client: reqwest::Client::new(),
        settings,
        private_key_pem,
        hub,
        registry,
        stop,
        server,
        _data_dir: data_dir,
    }
}

/// A client whose connections come from `ip` (any of 127.0.0.0/8 reaches the server on
/// Linux), so the server sees another client address.
pub fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .unwrap()
}

/// A unique e-mail address.
pub fn unique_email() -> String {
    format!("user-{}@example.com", Uuid::new_v4().simple())
}

impl TestApp {
    /// The id (`kid`) of the key this server signs with.
    pub fn kid(&self) -> String {
        glidepath::auth::keys::SigningKeys::from_pem(&self.private_key_pem, "test key")
            .unwrap()
            .kid
    }

    /// Sends a request with an optional bearer token and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        req.send().await.expect("request sent")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.request(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.request(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.request(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(
        &self,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> reqwest::Response {
        self.request(Method::DELETE, path, token, body).await
    }

    pub async fn register(&self, email: &str, password: &str) -> reqwest::Response {
        self.post(
            "/auth/register",
            None,
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.login_with(&self.client, email, password).await
    }

    /// Logs in through `client` (one bound to another loopback address, say).
    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(format!("{}/auth/login", self.address))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        self.post(
            "/auth/refresh",
            None,
            &json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// Registers and logs in a fresh user.
    pub async fn new_user(&self) -> TestUser {
        let email = unique_email();
        let registered = self.register(&email, PASSWORD).await;
        assert_eq!(registered.status(), StatusCode::CREATED);
        let account: Value = registered.json().await.unwrap();
        let tokens = ok_json(self.login(&email, PASSWORD).await).await;
        TestUser {
            id: account["id"].as_str().unwrap().parse().unwrap(),
            email,
            password: PASSWORD.to_owned(),
            access: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh: tokens["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Creates an administrator through the CLI's code path and logs in.
    pub async fn new_admin(&self) -> TestUser {
        let email = unique_email();
        glidepath::cli::admin_create(&self.settings, &email, PASSWORD.to_owned())
            .await
            .unwrap();
        let tokens = ok_json(self.login(&email, PASSWORD).await).await;
        let id = self
            .db
            .find_user_by_email(&email)
            .await
            .unwrap()
            .unwrap()
            .id;
        TestUser {
            id,
            email,
            password: PASSWORD.to_owned(),
            access: tokens["access_token"].as_str().unwrap().to_owned(),
            refresh: tokens["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Changes `user`'s role as `admin` and returns the account view.
    pub async fn set_role(&self, admin: &TestUser, user: &TestUser, role: &str) -> Value {
        ok_json(
            self.put(
                &format!("/admin/users/{}/role", user.id),
                Some(&admin.access),
                &json!({ "role": role }),
            )
            .await,
        )
        .await
    }

    /// Creates a goal for `user` and returns its id.
    pub async fn create_goal(&self, user: &TestUser, name: &str) -> String {
        let body = json!({ "name": name, "target_amount": 250000.0, "target_date": "2045-06-30" });
        let created = self
            .post("/planning/goals", Some(&user.access), &body)
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        let goal: Value = created.json().await.unwrap();
        goal["id"].as_str().unwrap().to_owned()
    }
}

impl TestApp {
    /// Sets `symbol`'s last price in the hub; returns once the hub has taken it.
    pub async fn tick(&self, symbol: &str, price: f64) {
        let ts_ms = chrono::Utc::now().timestamp_millis();
        self.hub
            .send(actors::market::Tick {
                symbol: symbol.to_owned(),
                price,
                ts_ms,
            })
            .await
            .unwrap();
    }

    /// Creates a holding for `user` and returns it.
    pub async fn create_holding(
        &self,
        user: &TestUser,
        account: &str,
        symbol: &str,
        quantity: f64,
        asset_class: &str,
    ) -> Value {
        let body = json!({
            "account": account, "symbol": symbol, "quantity": quantity, "asset_class": asset_class,
        });
        let created = self
            .post("/portfolio/holdings", Some(&user.access), &body)
            .await;
        assert_eq!(created.status(), StatusCode::CREATED);
        created.json().await.unwrap()
    }

    /// Registers a user, makes it an advisor (as `admin`) and logs it in again.
    pub async fn new_advisor(&self, admin: &TestUser) -> TestUser {
        let mut advisor = self.new_user().await;
        self.set_role(admin, &advisor, "advisor").await;
        // A token carries the role it was issued with: log in again to act as an advisor.
        let tokens = ok_json(self.login(&advisor.email, &advisor.password).await).await;
        advisor.access = tokens["access_token"].as_str().unwrap().to_owned();
        advisor.refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
        advisor
    }
}

/// One scrape of `/metrics`: each sample's series (`name` or `name{labels}`, as exposed) and
/// value.
pub async fn scrape(app: &TestApp) -> std::collections::HashMap<String, f64> {
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// Asserts a 2xx and returns the JSON body.
pub async fn ok_json(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(
        status.is_success(),
        "expected success, got {status}: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Asserts a problem body with `status` and `code`, and returns it.
pub async fn problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    let got = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    assert_eq!(
        content_type.as_deref(),
        Some("application/problem+json"),
        "body: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["code"], code, "body: {text}");
    assert_eq!(body["status"], status.as_u16());
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// The fields a problem body names.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map_or_else(Vec::new, |errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
}
