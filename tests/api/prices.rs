//! Price history (uploads, the CLI import, the feed's daily closes), and what portfolio
//! performance stands on: the cash flows of holding changes and the daily valuations.

use std::process::Command;
use std::time::Duration;

use chrono::NaiveDate;
use glidepath::store::prices::{self, PriceSource};
use glidepath::store::valuations;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, fields, ok_json, problem, spawn_app, spawn_app_with};

/// A symbol no other test uses, since a PostgreSQL run shares one `prices` table.
fn fresh_symbol() -> String {
    format!("T{}", &Uuid::new_v4().simple().to_string()[..8]).to_uppercase()
}

async fn upload(app: &TestApp, token: &str, csv: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/admin/prices", app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[actix_web::test]
async fn an_admin_uploads_history_and_anyone_signed_in_reads_it() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let (a, b) = (fresh_symbol(), fresh_symbol());
    let csv = format!(
        "date,{a},{}\n2024-01-02,10.5,20\n2024-01-03,11,\n2024-01-04,12.25,21.5\n",
        b.to_lowercase()
    );

    problem(
        upload(&app, &user.access, &csv).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let summary = ok_json(upload(&app, &admin.access, &csv).await).await;
    assert_eq!(summary["symbols"], json!([a, b]));
    assert_eq!(summary["days"], 3);
    assert_eq!(
        summary["closes"], 5,
        "the empty cell is no close: {summary}"
    );
    assert_eq!(summary["first_day"], "2024-01-02");
    assert_eq!(summary["last_day"], "2024-01-04");
    assert_eq!(summary["source"], "upload");

    let history = ok_json(
        app.get(
            &format!("/market/prices/{}", a.to_lowercase()),
            Some(&user.access),
        )
        .await,
    )
    .await;
    assert_eq!(history["symbol"], a.as_str());
    let closes: Vec<f64> = history["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["close"].as_f64().unwrap())
        .collect();
    assert_eq!(closes, [10.5, 11.0, 12.25]);
    assert_eq!(history["prices"][0]["date"], "2024-01-02");
    assert_eq!(history["prices"][0]["source"], "upload");

    let window = ok_json(
        app.get(
            &format!("/market/prices/{b}?from=2024-01-03&to=2024-01-04"),
            Some(&user.access),
        )
        .await,
    )
    .await;
    assert_eq!(
        window["prices"],
        json!([{"date": "2024-01-04", "close": 21.5, "source": "upload"}])
    );

    // A second upload replaces the same days' closes and adds new ones.
    ok_json(
        upload(
            &app,
            &admin.access,
            &format!("date,{a}\n2024-01-04,13\n2024-01-05,14\n"),
        )
        .await,
    )
    .await;
    let history = ok_json(
        app.get(&format!("/market/prices/{a}"), Some(&user.access))
            .await,
    )
    .await;
    let last: Vec<(String, f64)> = history["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["date"].as_str().unwrap().to_owned(),
                p["close"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        last[2..],
        [
            ("2024-01-04".to_owned(), 13.0),
            ("2024-01-05".to_owned(), 14.0)
        ]
    );

    problem(
        app.get(&format!("/market/prices/{a}"), None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

#[actix_web::test]
async fn a_bad_cell_is_named_by_line_and_column_and_nothing_is_stored() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let (a, b) = (fresh_symbol(), fresh_symbol());
    let csv = format!("date,{a},{b}\n2024-01-02,10,20\n2024-01-03,11,abc\n");
    let p = problem(
        upload(&app, &admin.access, &csv).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["body"]);
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("line 3, column 3") && message.contains(&b),
        "{message}"
    );
    let history = ok_json(
        app.get(&format!("/market/prices/{a}"), Some(&admin.access))
            .await,
    )
    .await;
    assert_eq!(
        history["prices"],
        json!([]),
        "the good rows before the bad one were not kept"
    );

    for (bad, line) in [
        (
            format!("date,{a}\n2024-01-03,1\n2024-01-02,1\n"),
            "line 3, column 1",
        ),
        (format!("date,{a}\n2024-01-02,0\n"), "line 2, column 2"),
        (format!("sym,{a}\n2024-01-02,1\n"), "line 1, column 1"),
    ] {
        let p = problem(
            upload(&app, &admin.access, &bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(line),
            "{bad:?}: {p}"
        );
    }

    let not_csv = app
        .client
        .post(format!("{}/admin/prices", app.address))
        .bearer_auth(&admin.access)
        .json(&json!({"date": "2024-01-02"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_csv.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[actix_web::test]
async fn a_history_query_is_checked() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let p = problem(
        app.get(
            "/market/prices/AAPL?from=2024-02-01&to=2024-01-01",
            Some(&user.access),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["from"]);
    let p = problem(
        app.get("/market/prices/AAPL?from=yesterday", Some(&user.access))
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["query"]);
    let p = problem(
        app.get("/market/prices/NOT%20A%20SYMBOL", Some(&user.access))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["symbol"]);
}

#[actix_web::test]
async fn the_cli_imports_a_file_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (fresh_symbol(), fresh_symbol());
    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!("date,{a},{b}\n2024-01-02,1.5,2\n2024-01-03,1.75,\n"),
    )
    .unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, format!("date,{a}\n2024-01-04,1\n2024-01-05,-1\n")).unwrap();
    let run = |file: &std::path::Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_glidepath"));
        cmd.current_dir(dir.path())
            .env("RUST_LOG", "warn")
            .env_remove("REDIS_URL");
        cmd.args(["prices", "import", file.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let out = run(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("imported 3 closes of 2 symbols (2 days, 2024-01-02 to 2024-01-03)"),
        "{said}"
    );

    let out = run(&bad);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("line 3, column 2") && said.contains("nothing was imported"),
        "{said}"
    );

    // The CLI wrote to the database the server would use: DATABASE_URL, or ./data's SQLite.
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}",
            dir.path().join("data").join("glidepath.db").display()
        )
    });
    let db = glidepath::store::Db::connect(&url, &glidepath::config::DatabaseSettings::default())
        .await
        .unwrap();
    let closes = prices::history(
        &db,
        &a,
        day("2000-01-01"),
        day("2030-01-01"),
        &PriceSource::HISTORY,
    )
    .await
    .unwrap();
    let got: Vec<(NaiveDate, f64, PriceSource)> =
        closes.iter().map(|c| (c.day, c.close, c.source)).collect();
    assert_eq!(
        got,
        [
            (day("2024-01-02"), 1.5, PriceSource::Import),
            (day("2024-01-03"), 1.75, PriceSource::Import)
        ],
        "the bad file's first row was not imported"
    );
    db.close().await;
}

#[actix_web::test]
async fn an_upload_outranks_an_import_and_synthetic_closes_are_read_only_by_name() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let a = fresh_symbol();
    let now = glidepath::store::now();
    prices::upsert(
        &app.db,
        PriceSource::Import,
        &[(&a, day("2024-03-01"), 5.0), (&a, day("2024-03-04"), 6.0)],
        now,
    )
    .await
    .unwrap();
    prices::upsert(
        &app.db,
        PriceSource::Synthetic,
        &[(&a, day("2024-03-04"), 99.0), (&a, day("2024-03-05"), 98.0)],
        now,
    )
    .await
    .unwrap();
    ok_json(upload(&app, &admin.access, &format!("date,{a}\n2024-03-04,6.5\n")).await).await;
    let read = |source: &'static str| {
        let app = &app;
        let a = a.clone();
        let token = admin.access.clone();
        async move {
            let body = ok_json(
                app.get(&format!("/market/prices/{a}{source}"), Some(&token))
                    .await,
            )
            .await;
            body["prices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    (
                        p["close"].as_f64().unwrap(),
                        p["source"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let s = |x: &str| x.to_owned();
    assert_eq!(read("").await, [(5.0, s("import")), (6.5, s("upload"))]);
    assert_eq!(
        read("?source=synthetic").await,
        [(99.0, s("synthetic")), (98.0, s("synthetic"))]
    );
    assert_eq!(
        read("?source=all").await,
        [
            (5.0, s("import")),
            (6.5, s("upload")),
            (98.0, s("synthetic"))
        ]
    );
}

async fn flows_of(app: &TestApp, user: Uuid) -> Vec<valuations::FlowRow> {
    let far = chrono::DateTime::from_timestamp(4_000_000_000, 0).unwrap();
    valuations::flows(&app.db, user, chrono::DateTime::UNIX_EPOCH, far)
        .await
        .unwrap()
}

#[actix_web::test]
async fn every_holding_change_is_a_cash_flow_at_the_price_of_that_moment() {
    let app = spawn_app_with(|s| s.market.feed = glidepath::config::FeedKind::None).await;
    let user = app.new_user().await;
    let sym = fresh_symbol();
    app.tick(&sym, 50.0).await;
    let holding = app
        .create_holding(&user, "ira", &sym, 10.0, "us_equity")
        .await;
    let id = holding["id"].as_str().unwrap();
    app.tick(&sym, 40.0).await;
    let changed = app
        .put(
            &format!("/portfolio/holdings/{id}"),
            Some(&user.access),
            &json!({"quantity": 4.5, "account": "taxable"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    // Moving it between accounts moves no money.
    let moved = app
        .put(
            &format!("/portfolio/holdings/{id}"),
            Some(&user.access),
            &json!({"account": "roth"}),
        )
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    let other = fresh_symbol();
    let renamed = app
        .put(
            &format!("/portfolio/holdings/{id}"),
            Some(&user.access),
            &json!({"symbol": other}),
        )
        .await;
    assert_eq!(renamed.status(), StatusCode::OK);
    let deleted = app
        .delete(
            &format!("/portfolio/holdings/{id}"),
            Some(&user.access),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let mut flows = flows_of(&app, user.id).await;
    // The two flows of one change share its time; sales first.
    flows.sort_by_key(|f| (f.at, f.quantity_micros));
    let flows: Vec<(String, i64, Option<f64>, Option<i64>)> = flows
        .into_iter()
        .map(|f| (f.symbol, f.quantity_micros, f.price, f.amount_cents))
        .collect();
    assert_eq!(
        flows,
        [
            // Bought 10 at 50: $500 in.
            (sym.clone(), 10_000_000, Some(50.0), Some(50_000)),
            // Sold 5.5 at 40: $220 out.
            (sym.clone(), -5_500_000, Some(40.0), Some(-22_000)),
            // A new symbol: the old one sold at 40 ($180 out), the new one bought with no
            // price known (recorded, unpriced).
            (sym.clone(), -4_500_000, Some(40.0), Some(-18_000)),
            (other.clone(), 4_500_000, None, None),
            // Deleted: sold, still unpriced.
            (other, -4_500_000, None, None),
        ]
    );
}

#[actix_web::test]
async fn each_day_records_the_feeds_closes_and_every_priced_portfolios_value() {
    let app = spawn_app_with(|s| {
        s.market.feed = glidepath::config::FeedKind::None;
        s.portfolio.record_interval = Some(Duration::from_secs(1));
    })
    .await;
    let (priced, unpriced) = (app.new_user().await, app.new_user().await);
    let (a, b) = (fresh_symbol(), fresh_symbol());
    app.tick(&a, 12.5).await;
    app.create_holding(&priced, "ira", &a, 4.0, "us_equity")
        .await;
    app.create_holding(&unpriced, "ira", &a, 1.0, "us_equity")
        .await;
    app.create_holding(&unpriced, "ira", &b, 1.0, "us_equity")
        .await;
    let today = chrono::Utc::now().date_naive();
    let mut recorded = Vec::new();
    for _ in 0..50 {
        recorded = valuations::history(&app.db, priced.id, today, today)
            .await
            .unwrap();
        if !recorded.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(recorded, [(today, 5000)], "4 × 12.50 = $50");
    app.tick(&a, 13.0).await;
    let mut latest = recorded.clone();
    for _ in 0..50 {
        latest = valuations::history(&app.db, priced.id, today, today)
            .await
            .unwrap();
        if latest != recorded {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        latest,
        [(today, 5200)],
        "the day's later recording replaces the earlier"
    );
    assert!(
        valuations::history(&app.db, unpriced.id, today, today)
            .await
            .unwrap()
            .is_empty(),
        "a portfolio with an unpriced holding is not valued at a false total"
    );
    // No feed runs here, so no close is recorded under any source.
    let closes = prices::history(&app.db, &a, today, today, &PriceSource::ALL)
        .await
        .unwrap();
    assert!(closes.is_empty(), "{closes:?}");
}

#[actix_web::test]
async fn the_synthetic_feeds_closes_are_kept_apart_from_market_history() {
    let app = spawn_app_with(|s| {
        s.market.tick_interval = Duration::from_millis(10);
        s.portfolio.record_interval = Some(Duration::from_secs(1));
    })
    .await;
    let user = app.new_user().await;
    let today = chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let mut body = Value::Null;
    for _ in 0..50 {
        body = ok_json(
            app.get(
                &format!("/market/prices/AAPL?source=synthetic&from={today}"),
                Some(&user.access),
            )
            .await,
        )
        .await;
        if !body["prices"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(body["prices"][0]["date"], today.as_str(), "{body}");
    assert_eq!(body["prices"][0]["source"], "synthetic");
    let history = ok_json(
        app.get(
            &format!("/market/prices/AAPL?from={today}"),
            Some(&user.access),
        )
        .await,
    )
    .await;
    assert!(
        history["prices"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["source"] != "synthetic"),
        "{history}"
    );
}

#[actix_web::test]
async fn the_bundled_sample_fills_an_empty_price_table_once() {
    // Its own SQLite file, whatever DATABASE_URL says: the point is an empty table.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bundled.db").display());
    let db = glidepath::store::Db::connect(&url, &glidepath::config::DatabaseSettings::default())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let first = glidepath::services::prices::import_bundled_if_empty(&db)
        .await
        .unwrap()
        .expect("an empty table is filled");
    assert_eq!(
        (first.symbols.len(), first.days, first.closes),
        (20, 8313, 166_260)
    );
    assert_eq!(first.last_day, day("2022-12-28"));
    let closes = prices::history(
        &db,
        "MSFT",
        day("2022-12-28"),
        day("2022-12-28"),
        &PriceSource::HISTORY,
    )
    .await
    .unwrap();
    assert_eq!(closes.len(), 1);
    assert_eq!(closes[0].source, PriceSource::Import);
    assert!(
        glidepath::services::prices::import_bundled_if_empty(&db)
            .await
            .unwrap()
            .is_none(),
        "a table with prices is left alone"
    );
    db.close().await;
}
