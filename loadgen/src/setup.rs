//! Users with plans and holdings, created once and remembered in `--users-file`.

use std::time::Duration;

use anyhow::{Context, bail};
use futures_util::{StreamExt, stream};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::Options;

/// The password of every load-test user.
const PASSWORD: &str = "load test password 1234";

/// A logged-in user.
#[derive(Debug, Clone)]
pub struct User {
    /// The access token.
    pub token: String,
    /// When it expires (Unix seconds), so a later run can reuse it.
    pub expires_at: i64,
}

/// A line of the users file: `email`, or `email token expires_at`.
fn parse_line(line: &str) -> (String, Option<User>) {
    let mut parts = line.split_whitespace();
    let email = parts.next().unwrap_or_default().to_owned();
    let user = match (
        parts.next(),
        parts.next().and_then(|e| e.parse::<i64>().ok()),
    ) {
        // A token with ten minutes left is good for a run.
        (Some(token), Some(expires_at)) if expires_at > now_secs() + 600 => Some(User {
            token: token.to_owned(),
            expires_at,
        }),
        _ => None,
    };
    (email, user)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// N users, logged in, each with a plan and holdings.
pub async fn users(options: &Options) -> anyhow::Result<Vec<User>> {
    let known: Vec<(String, Option<User>)> = std::fs::read_to_string(&options.users_file)
        .map(|s| s.lines().map(parse_line).collect())
        .unwrap_or_default();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let emails: Vec<(usize, String, bool, Option<User>)> = (0..options.sessions)
        .map(|i| match known.get(i) {
            Some((email, user)) => (i, email.clone(), false, user.clone()),
            None => (i, format!("load-{}-{i}@example.com", &run[..8]), true, None),
        })
        .collect();
    let client = Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let results: Vec<anyhow::Result<(usize, String, User)>> = stream::iter(emails)
        .map(|(i, email, new, cached)| {
            let client = client.clone();
            async move {
                if let Some(user) = cached {
                    return Ok((i, email, user));
                }
                let user = prepare(&client, options, i, &email, new)
                    .await
                    .with_context(|| format!("user {i} ({email})"))?;
                Ok((i, email, user))
            }
        })
        .buffer_unordered(options.setup_concurrency.max(1))
        .collect()
        .await;
    let mut ready = Vec::with_capacity(results.len());
    for r in results {
        ready.push(r?);
    }
    ready.sort_by_key(|(i, _, _)| *i);
    // Remember every user with its token; users beyond this run's count stay as they were.
    let line = |email: &str, user: Option<&User>| match user {
        Some(u) => format!("{email} {} {}", u.token, u.expires_at),
        None => email.to_owned(),
    };
    let mut lines: Vec<String> = ready.iter().map(|(_, e, u)| line(e, Some(u))).collect();
    lines.extend(
        known
            .iter()
            .skip(ready.len())
            .map(|(e, user)| line(e, user.as_ref())),
    );
    if let Some(dir) = options.users_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&options.users_file, lines.join("\n"))?;
    Ok(ready.into_iter().map(|(_, _, u)| u).collect())
}

/// Sends a request, waiting out 429 and 503 (the server sheds password hashing under load).
async fn call(
    request: impl Fn() -> reqwest::RequestBuilder,
    expect: &[StatusCode],
) -> anyhow::Result<Value> {
    for _ in 0..600 {
        let response = request().send().await?;
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        let body = response.text().await?;
        if !expect.contains(&status) {
            bail!("{status}: {body}");
        }
        return Ok(serde_json::from_str(&body).unwrap_or(Value::Null));
    }
    bail!("the server stayed overloaded")
}

async fn prepare(
    client: &Client,
    options: &Options,
    i: usize,
    email: &str,
    new: bool,
) -> anyhow::Result<User> {
    let base = options.url_for(i);
    let url = |path: &str| format!("{base}{path}");
    let credentials = json!({"email": email, "password": PASSWORD});
    if new {
        call(
            || client.post(url("/auth/register")).json(&credentials),
            &[StatusCode::CREATED, StatusCode::CONFLICT],
        )
        .await?;
    }
    let tokens = call(
        || client.post(url("/auth/login")).json(&credentials),
        &[StatusCode::OK],
    )
    .await?;
    let token = tokens["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    let expires_at = now_secs() + tokens["expires_in"].as_i64().unwrap_or(900);
    if new {
        // Plans differ, so every session prepares its own simulation.
        let spending = 4000.0 + (i % 2000) as f64;
        let plan = json!({
            "initial_wealth": 250_000, "monthly_contribution": 1500, "retirement_month": 360,
            "monthly_spending": spending, "horizon_months": 720,
        });
        call(
            || {
                client
                    .put(url("/planning/plan"))
                    .bearer_auth(&token)
                    .json(&plan)
            },
            &[StatusCode::OK],
        )
        .await?;
        let classes = ["us_equity", "intl_equity", "bonds"];
        let n = options.symbols.len();
        for k in 0..options.symbols_per_user {
            let symbol = &options.symbols[(i * 7 + k * 11) % n];
            let holding = json!({
                "account": "brokerage", "symbol": symbol, "quantity": 100 + k * 10,
                "asset_class": classes[k % classes.len()],
            });
            call(
                || {
                    client
                        .post(url("/portfolio/holdings"))
                        .bearer_auth(&token)
                        .json(&holding)
                },
                &[StatusCode::CREATED, StatusCode::CONFLICT],
            )
            .await?;
        }
    }
    Ok(User { token, expires_at })
}
