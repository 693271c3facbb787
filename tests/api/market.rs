//! Quotes and feed status from the price hub, fed by the synthetic or the replay feed.

use std::time::Duration;

use glidepath::config::FeedKind;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{TestApp, fields, ok_json, problem, spawn_app_with};

async fn quotes_when_priced(app: &TestApp, token: &str, query: &str) -> Value {
    for _ in 0..100 {
        let body = ok_json(
            app.get(&format!("/market/quotes?symbols={query}"), Some(token))
                .await,
        )
        .await;
        if !body["quotes"].as_array().unwrap().is_empty() {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no quote arrived for {query}");
}

#[actix_web::test]
async fn synthetic_quotes_and_feed_status() {
    let app = spawn_app_with(|s| s.market.tick_interval = Duration::from_millis(10)).await;
    let user = app.new_user().await;
    let body = quotes_when_priced(&app, &user.access, "aapl,NOPE").await;
    let quotes = body["quotes"].as_array().unwrap();
    assert_eq!(quotes.len(), 1, "unknown symbols are left out: {body}");
    assert_eq!(quotes[0]["symbol"], "AAPL");
    assert!(quotes[0]["price"].as_f64().unwrap() > 0.0);

    for bad in ["", ",,", "AAPL;DROP", "TOOLONGSYMBOLNAME1"] {
        let p = problem(
            app.get(&format!("/market/quotes?symbols={bad}"), Some(&user.access))
                .await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
        assert_eq!(fields(&p), ["symbols"], "{bad:?}");
    }
    problem(
        app.get("/market/quotes", Some(&user.access)).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;

    problem(
        app.get("/market/feeds", Some(&user.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let admin = app.new_admin().await;
    let feeds = ok_json(app.get("/market/feeds", Some(&admin.access)).await).await;
    assert_eq!(feeds["feed"], "synthetic");
    assert!(feeds["accepted_ticks"].as_u64().unwrap() > 0);
    assert_eq!(feeds["symbols_priced"], 20);
}

#[actix_web::test]
async fn the_replay_feed_plays_the_bundled_csv() {
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sp500_prices.csv");
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::Replay;
        s.market.replay_file = Some(csv.into());
        s.market.tick_interval = Duration::from_millis(5);
        s.market.max_jump_ratio = 3.0;
    })
    .await;
    let user = app.new_user().await;
    let body = quotes_when_priced(&app, &user.access, "MSFT").await;
    let price = body["quotes"][0]["price"].as_f64().unwrap();
    let table = actors::market::feeds::replay::PriceTable::load(std::path::Path::new(csv)).unwrap();
    let column = table.symbols.iter().position(|s| s == "MSFT").unwrap();
    assert!(
        table.rows.iter().any(|row| row[column] == price),
        "{price} is one of MSFT's closes"
    );
}

#[actix_web::test]
async fn a_missing_replay_file_stops_start_up_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::helpers::test_settings(dir.path().to_path_buf());
    settings.market.feed = FeedKind::Replay;
    settings.market.replay_file = Some("/nonexistent/prices.csv".into());
    let err = glidepath::startup::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(
        format!("{err:#}").contains("/nonexistent/prices.csv"),
        "{err:#}"
    );
}

#[actix_web::test]
async fn the_external_feed_prices_quotes() {
    use futures_util::SinkExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut ws = tokio_tungstenite::accept_async(stream).await.unwrap();
        let tick = r#"{"symbol":"ZZZ","price":42.5}"#;
        ws.send(tokio_tungstenite::tungstenite::Message::Text(tick.into()))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
    });
    let app = spawn_app_with(|s| {
        s.market.feed = FeedKind::External;
        s.market.external_url = Some(url);
    })
    .await;
    let user = app.new_user().await;
    let body = quotes_when_priced(&app, &user.access, "ZZZ").await;
    assert_eq!(body["quotes"][0]["price"], 42.5);
    let admin = app.new_admin().await;
    let feeds = ok_json(app.get("/market/feeds", Some(&admin.access)).await).await;
    assert_eq!(feeds["feed"], "external");
}
