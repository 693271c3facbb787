//! `POST /portfolio/rebalance` and `GET /portfolio/performance` over real holdings, prices
//! and recorded history.

use chrono::{Days, Utc};
use glidepath::config::FeedKind;
use glidepath::store::valuations;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app_with};

async fn quiet_app() -> TestApp {
    spawn_app_with(|s| s.market.feed = FeedKind::None).await
}

/// Holdings worth 1000 / 500 / 500 in the default plan's classes (targets 0.6 / 0.2 / 0.2).
async fn off_target(app: &TestApp) -> TestUser {
    let user = app.new_user().await;
    for (symbol, price) in [("VTI", 100.0), ("VXUS", 50.0), ("BND", 100.0)] {
        app.tick(symbol, price).await;
    }
    app.create_holding(&user, "ira", "VTI", 10.0, "us_equity")
        .await;
    app.create_holding(&user, "ira", "VXUS", 10.0, "intl_equity")
        .await;
    app.create_holding(&user, "ira", "BND", 5.0, "bonds").await;
    user
}

fn trades(body: &Value) -> Vec<(String, String, f64)> {
    body["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["side"].as_str().unwrap().to_owned(),
                t["symbol"].as_str().unwrap().to_owned(),
                t["shares"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn s(x: &str) -> String {
    x.to_owned()
}

#[actix_web::test]
async fn outside_its_band_the_portfolio_goes_back_to_the_plans_targets() {
    let app = quiet_app().await;
    let user = off_target(&app).await;
    let body = ok_json(
        app.post("/portfolio/rebalance", Some(&user.access), &json!({}))
            .await,
    )
    .await;
    // Total 2000: us_equity 1000 is 0.1 under its 0.6, so the portfolio is outside the 0.05
    // band; back to target is 1200 / 400 / 400: buy 2 VTI, sell 2 VXUS and 1 BND. Sells come
    // first; BND and VXUS are equally over, and the lower index (BND) goes first.
    assert_eq!(
        trades(&body),
        [
            (s("sell"), s("BND"), 1.0),
            (s("sell"), s("VXUS"), 2.0),
            (s("buy"), s("VTI"), 2.0)
        ],
        "{body}"
    );
    assert_eq!(body["outside_band_before"], true);
    assert_eq!(body["outside_band_after"], false);
    assert!((body["max_abs_drift_before"].as_f64().unwrap() - 0.1).abs() < 1e-12);
    assert!(body["max_abs_drift_after"].as_f64().unwrap() < 1e-6);
    assert_eq!(body["band"], 0.05);
    assert!(body["cash_left"].as_f64().unwrap().abs() < 1e-6);
    let vti = body["positions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["symbol"] == "VTI")
        .unwrap();
    assert!((vti["target"].as_f64().unwrap() - 0.6).abs() < 1e-12);
    assert!((vti["weight_before"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    assert!(
        body["trades"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("over target")
    );
}

#[actix_web::test]
async fn new_cash_is_invested_first_and_nothing_is_sold_once_it_is_enough() {
    let app = quiet_app().await;
    let user = off_target(&app).await;
    // Total 2400: us_equity's target is 1440, 440 under; 400 of cash all goes there (4 VTI),
    // which leaves every weight within the band (1400 / 500 / 500 of 2400), so nothing is sold.
    let body = ok_json(
        app.post(
            "/portfolio/rebalance",
            Some(&user.access),
            &json!({"cash": 400, "shares": "whole"}),
        )
        .await,
    )
    .await;
    assert_eq!(trades(&body), [(s("buy"), s("VTI"), 4.0)], "{body}");
    assert_eq!(body["outside_band_after"], false);
    assert!(body["cash_left"].as_f64().unwrap().abs() < 1e-9);
    assert!(
        body["trades"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("invest new cash")
    );

    // Without selling, no cash, it stays outside and says so.
    let body = ok_json(
        app.post(
            "/portfolio/rebalance",
            Some(&user.access),
            &json!({"allow_sells": false}),
        )
        .await,
    )
    .await;
    assert_eq!(body["trades"], json!([]));
    assert_eq!(body["outside_band_after"], true);
}

#[actix_web::test]
async fn given_targets_move_the_portfolio_to_them_and_bad_ones_are_named() {
    let app = quiet_app().await;
    let user = off_target(&app).await;
    app.tick("NEW", 25.0).await;
    let body = ok_json(
        app.post(
            "/portfolio/rebalance",
            Some(&user.access),
            &json!({"targets": {"vti": 0.5, "NEW": 0.5}}),
        )
        .await,
    )
    .await;
    // 2000 in all: VXUS and BND (not targeted) are sold whole, VTI stays at 1000, NEW gets
    // 1000 = 40 shares.
    let mut got = trades(&body);
    got.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        got,
        [
            (s("sell"), s("BND"), 5.0),
            (s("buy"), s("NEW"), 40.0),
            (s("sell"), s("VXUS"), 10.0)
        ],
        "{body}"
    );
    assert_eq!(body["unheld_classes"], json!([]));

    for (request, field) in [
        (json!({"targets": {"VTI": 0.5, "NEW": 0.4}}), "targets"),
        (
            json!({"targets": {"VTI": 1.0, "NONE": 0.0}}),
            "targets.NONE",
        ),
        (json!({"targets": {"VTI": 1.5, "NEW": -0.5}}), "targets.VTI"),
        (json!({"band": -0.1}), "band"),
        (json!({"cash": -1}), "cash"),
    ] {
        let p = problem(
            app.post("/portfolio/rebalance", Some(&user.access), &request)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{request}: {p}");
    }
    problem(
        app.post(
            "/portfolio/rebalance",
            Some(&user.access),
            &json!({"bands": 0.1}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}

#[actix_web::test]
async fn a_holding_without_a_price_cannot_be_rebalanced() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    app.tick("VTI", 100.0).await;
    app.create_holding(&user, "ira", "VTI", 1.0, "us_equity")
        .await;
    app.create_holding(&user, "ira", "NOPRICE", 1.0, "bonds")
        .await;
    let p = problem(
        app.post("/portfolio/rebalance", Some(&user.access), &json!({}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["holdings"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NOPRICE")
    );
}

fn fresh_symbol() -> String {
    format!("P{}", &Uuid::new_v4().simple().to_string()[..8]).to_uppercase()
}

#[actix_web::test]
async fn todays_holdings_are_carried_back_over_the_price_history_against_a_benchmark() {
    let app = quiet_app().await;
    let admin = app.new_admin().await;
    let user = app.new_user().await;
    let (a, b) = (fresh_symbol(), fresh_symbol());
    let csv = format!(
        "date,{a},{b}\n2024-01-02,10,100\n2024-01-03,11,100\n2024-01-04,9,104\n2024-01-05,12,102\n"
    );
    let uploaded = app
        .client
        .post(format!("{}/admin/prices", app.address))
        .bearer_auth(&admin.access)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::OK);
    app.tick(&a, 12.0).await;
    app.tick(&b, 102.0).await;
    app.create_holding(&user, "ira", &a, 2.0, "us_equity").await;
    app.create_holding(&user, "roth", &a, 3.0, "us_equity")
        .await;
    app.create_holding(&user, "ira", &b, 1.0, "bonds").await;
    let body = ok_json(
        app.get(
            &format!("/portfolio/performance?from=2024-01-01&to=2024-01-31&benchmark={a}&risk_free_rate=0"),
            Some(&user.access),
        )
        .await,
    )
    .await;
    // 5 × a + 1 × b: 150, 155, 149, 162.
    let series: Vec<f64> = body["backtest"]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(series, [150.0, 155.0, 149.0, 162.0], "{body}");
    let bt = &body["backtest"];
    assert!((bt["time_weighted_return"].as_f64().unwrap() - (162.0 / 150.0 - 1.0)).abs() < 1e-12);
    assert!((bt["benchmark_return"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    // The fall from 155 to 149.
    let dd = &bt["max_drawdown"];
    assert!(
        (dd["depth"].as_f64().unwrap() - 6.0 / 155.0).abs() < 1e-12,
        "{dd}"
    );
    assert_eq!(dd["peak"], "2024-01-03");
    assert_eq!(dd["trough"], "2024-01-04");
    assert_eq!(dd["recovery"], "2024-01-05");
    assert!(bt["beta"].as_f64().unwrap() > 0.0);
    assert_eq!(body["benchmark"], a.as_str());
    assert_eq!(body["recorded"], Value::Null);
    assert!(
        body["notes"][0].as_str().unwrap().starts_with("recorded:"),
        "{body}"
    );
}

#[actix_web::test]
async fn the_recorded_history_takes_deposits_out_of_the_return() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    let today = Utc::now().date_naive();
    let (d2, d1) = (today - Days::new(2), today - Days::new(1));
    let now = glidepath::store::now();
    valuations::record(&app.db, d2, &[(user.id, 100_000)], now)
        .await
        .unwrap();
    valuations::record(&app.db, d1, &[(user.id, 110_000)], now)
        .await
        .unwrap();
    // Today $500 goes in (10 X at 50), and the day ends at $1,650.
    app.tick("X", 50.0).await;
    app.create_holding(&user, "ira", "X", 10.0, "us_equity")
        .await;
    valuations::record(&app.db, today, &[(user.id, 165_000)], now)
        .await
        .unwrap();
    let body = ok_json(
        app.get(
            &format!("/portfolio/performance?from={d2}"),
            Some(&user.access),
        )
        .await,
    )
    .await;
    let recorded = &body["recorded"];
    // 1000 → 1100 is +10%; 1100 → 1650 with 500 deposited is 1150 / 1100: +4.545…%. Chained:
    // 1.1 × 1150 / 1100 = 1.15. Counting the deposit as a gain would say +65%.
    assert!(
        (recorded["time_weighted_return"].as_f64().unwrap() - 0.15).abs() < 1e-12,
        "{body}"
    );
    assert_eq!(recorded["series"].as_array().unwrap().len(), 3);
    assert_eq!(
        recorded["time_weighted_return_annualised"],
        Value::Null,
        "under a year"
    );
    // X has no history: the back-test says why it has no answer.
    assert_eq!(body["backtest"], Value::Null);
    assert!(
        body["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("no price history for X")),
        "{body}"
    );
}

#[actix_web::test]
async fn a_bad_performance_query_is_refused() {
    let app = quiet_app().await;
    let user = app.new_user().await;
    for (query, field) in [
        ("from=2024-02-01&to=2024-01-01", "from"),
        ("from=1900-01-01&to=2024-01-01", "from"),
        ("benchmark=NO%20SUCH", "benchmark"),
        (&*format!("benchmark={}", fresh_symbol()), "benchmark"),
        ("risk_free_rate=5", "risk_free_rate"),
    ] {
        let p = problem(
            app.get(
                &format!("/portfolio/performance?{query}"),
                Some(&user.access),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{query}: {p}");
    }
    let p = problem(
        app.get(
            "/portfolio/performance?since=2024-01-01",
            Some(&user.access),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["query"]);
}

/// Polls `GET /live/state` until `ready` holds of its portfolio.
pub(crate) async fn live_portfolio(
    app: &TestApp,
    user: &TestUser,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let response = app.get("/live/state", Some(&user.access)).await;
        if response.status() == StatusCode::OK {
            last = response.json::<Value>().await.unwrap()["portfolio"].clone();
            if ready(&last) {
                return last;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the live portfolio never got there: {last}");
}

#[actix_web::test]
async fn the_live_state_says_when_the_portfolio_is_outside_the_plans_band() {
    let app = quiet_app().await;
    let user = off_target(&app).await;
    let portfolio = live_portfolio(&app, &user, |p| p["total_value"] == 2000.0).await;
    // As the rebalance test: 0.1 under target against a 0.05 band; three trades bring it back.
    assert_eq!(portfolio["band"], 0.05);
    assert_eq!(portfolio["outside_band"], true, "{portfolio}");
    assert_eq!(portfolio["rebalance_trades"], 3);

    // A plan with a wider band: the same holdings are inside it.
    let plan = json!({"initial_wealth": 2000, "monthly_contribution": 500, "retirement_month": 360,
                      "monthly_spending": 3000, "horizon_months": 720, "rebalance_band": 0.2});
    assert_eq!(
        app.put("/planning/plan", Some(&user.access), &plan)
            .await
            .status(),
        StatusCode::OK
    );
    let portfolio = live_portfolio(&app, &user, |p| p["band"] == 0.2).await;
    assert_eq!(portfolio["outside_band"], false, "{portfolio}");
    assert_eq!(portfolio["rebalance_trades"], 0);
    let proposal = ok_json(
        app.post("/portfolio/rebalance", Some(&user.access), &json!({}))
            .await,
    )
    .await;
    assert_eq!(
        proposal["band"], 0.2,
        "the plan's band is the rebalance's default"
    );
    assert_eq!(proposal["trades"], json!([]));

    let bad = json!({"initial_wealth": 2000, "retirement_month": 360, "horizon_months": 720,
                     "rebalance_band": 1.5});
    let p = problem(
        app.put("/planning/plan", Some(&user.access), &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["rebalance_band"]);
}
