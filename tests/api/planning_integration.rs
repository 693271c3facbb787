//! The portfolio as the plan's assumptions (`GET /planning/assumptions/derived`) and an
//! allocation as the plan's weights (`POST /planning/plan/allocation`), on the S&P 500 sample.

use engine::optimise::{CorrelationEstimator, TRADING_DAYS_PER_YEAR, model_assumptions};
use glidepath::config::FeedKind;
use ndarray::Array2;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app_with};
use crate::optimise::{FROM, TO, upload_window, window};
use crate::rebalance_performance::live_portfolio;

/// A user holding AAPL and MSFT as US equity and KO as international equity, nothing as bonds.
async fn setup() -> (TestApp, TestUser, Vec<String>) {
    let app = spawn_app_with(|s| s.market.feed = FeedKind::None).await;
    let admin = app.new_admin().await;
    let names = upload_window(&app, &admin).await;
    let user = app.new_user().await;
    app.create_holding(&user, "ira", &names[0], 10.0, "us_equity")
        .await;
    app.create_holding(&user, "ira", &names[4], 5.0, "us_equity")
        .await;
    app.create_holding(&user, "taxable", &names[2], 20.0, "intl_equity")
        .await;
    (app, user, names)
}

/// The engine's figures for the two measured classes, computed here from the CSV.
fn expected(correlation: CorrelationEstimator) -> engine::optimise::ModelAssumptions {
    let (_, rows) = window();
    // Columns AAPL, KO, MSFT; US equity holds 10 AAPL and 5 MSFT at the last close.
    let table: Vec<Vec<f64>> = rows.iter().map(|r| vec![r[0], r[2], r[4]]).collect();
    let last = table.last().unwrap();
    let (aapl, msft) = (10.0 * last[0], 5.0 * last[2]);
    let baskets = ndarray::array![
        [aapl / (aapl + msft), 0.0],
        [0.0, 1.0],
        [msft / (aapl + msft), 0.0]
    ];
    let prices = Array2::from_shape_vec((table.len(), 3), table.concat()).unwrap();
    model_assumptions(
        prices.view(),
        baskets.view(),
        correlation,
        TRADING_DAYS_PER_YEAR,
    )
    .unwrap()
}

fn class<'a>(side: &'a Value, name: &str) -> &'a Value {
    side["asset_classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

fn close(got: &Value, want: f64) -> bool {
    (got.as_f64().unwrap() - want).abs() < 1e-12
}

#[actix_web::test]
async fn the_holdings_history_gives_the_plan_its_assumptions_once_accepted() {
    let (app, user, names) = setup().await;
    let query = format!("/planning/assumptions/derived?from={FROM}&to={TO}");
    let body = ok_json(app.get(&query, Some(&user.access)).await).await;
    let want = expected(CorrelationEstimator::Sample);
    let (_, rows) = window();

    assert_eq!(body["from"], FROM);
    assert_eq!(body["to"], TO);
    assert_eq!(body["days"], rows.len() - 1);
    assert_eq!(body["covariance"], "sample");
    assert_eq!(body["shrinkage"], Value::Null);
    // The default plan's classes now, and beside them the measured ones.
    assert_eq!(class(&body["current"], "us_equity")["mu"], 0.07);
    let derived = &body["derived"];
    assert!(
        close(&class(derived, "us_equity")["mu"], want.mu[0]),
        "{body}"
    );
    assert!(close(&class(derived, "us_equity")["sigma"], want.sigma[0]));
    assert!(close(&class(derived, "intl_equity")["mu"], want.mu[1]));
    assert!(close(
        &class(derived, "intl_equity")["sigma"],
        want.sigma[1]
    ));
    // Bonds have no holdings: kept as they are, with their correlations.
    assert_eq!(class(derived, "bonds")["mu"], 0.03);
    assert_eq!(class(derived, "bonds")["sigma"], 0.05);
    assert!(close(
        &derived["correlation"][0][1],
        want.correlation[[0, 1]]
    ));
    assert_eq!(derived["correlation"][0][2], 0.1);
    assert_eq!(
        body["classes"],
        json!([
            {"name": "us_equity", "symbols": [names[0], names[4]], "derived": true},
            {"name": "intl_equity", "symbols": [names[2]], "derived": true},
            {"name": "bonds", "symbols": [], "derived": false},
        ])
    );
    let notes = body["notes"].to_string();
    assert!(notes.contains("bonds has no priced holdings"), "{notes}");
    assert!(notes.contains("one standard error"), "{notes}");

    // Nothing is stored until the plan is put back.
    assert_eq!(
        app.get("/planning/plan", Some(&user.access)).await.status(),
        StatusCode::NOT_FOUND
    );
    let stored = ok_json(
        app.put("/planning/plan", Some(&user.access), &body["plan"])
            .await,
    )
    .await;
    assert_eq!(stored, body["plan"]);
    assert_eq!(stored["asset_classes"], body["derived"]["asset_classes"]);
    assert_eq!(stored["weights"], json!([0.6, 0.2, 0.2]));

    // With shrinkage the correlations move towards none; the volatilities stay.
    let shrunk = ok_json(
        app.get(
            &format!("{query}&covariance=ledoit_wolf"),
            Some(&user.access),
        )
        .await,
    )
    .await;
    let want = expected(CorrelationEstimator::LedoitWolf);
    let intensity = shrunk["shrinkage"].as_f64().unwrap();
    assert!((intensity - want.shrinkage.unwrap()).abs() < 1e-12);
    assert!(close(
        &shrunk["derived"]["correlation"][0][1],
        want.correlation[[0, 1]]
    ));
    assert!(
        shrunk["derived"]["correlation"][0][1]
            .as_f64()
            .unwrap()
            .abs()
            < body["derived"]["correlation"][0][1].as_f64().unwrap().abs()
    );
    assert_eq!(
        class(&shrunk["derived"], "us_equity")["sigma"],
        class(&body["derived"], "us_equity")["sigma"]
    );
    // The stored plan is now the current side.
    assert_eq!(shrunk["current"], body["derived"]);
}

#[actix_web::test]
async fn without_priced_holdings_or_with_a_bad_window_nothing_is_derived() {
    let (app, user, _) = setup().await;
    let nobody = app.new_user().await;
    let p = problem(
        app.get("/planning/assumptions/derived", Some(&nobody.access))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["holdings"]);

    let p = problem(
        app.get(
            "/planning/assumptions/derived?from=2022-01-01&to=2021-01-01",
            Some(&user.access),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["from"]);

    let p = problem(
        app.get(
            "/planning/assumptions/derived?covariance=ewma",
            Some(&user.access),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["query"]);
}

/// Waits for the live portfolio's target for `class` to be `target`.
async fn live_target(app: &TestApp, user: &TestUser, class: &str, target: f64) -> Value {
    live_portfolio(app, user, |p| {
        p["classes"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["asset_class"] == class && c["target"] == target)
        })
    })
    .await
}

#[actix_web::test]
async fn an_allocation_becomes_the_plans_class_weights_and_the_live_plan_follows() {
    let (app, user, names) = setup().await;
    live_target(&app, &user, "us_equity", 0.6).await;
    let allocation = json!({"weights": {
        names[0].clone(): 0.5, names[4].clone(): 0.25, names[2].clone(): 0.25,
        // An optimiser's zero for a symbol not held is no change.
        names[1].clone(): 0.0,
    }});
    let applied = ok_json(
        app.post("/planning/plan/allocation", Some(&user.access), &allocation)
            .await,
    )
    .await;
    assert_eq!(
        applied["class_weights"],
        json!([{"name": "us_equity", "weight": 0.75}, {"name": "intl_equity", "weight": 0.25},
               {"name": "bonds", "weight": 0.0}])
    );
    assert_eq!(applied["plan"]["weights"], json!([0.75, 0.25, 0.0]));
    let stored = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    assert_eq!(stored, applied["plan"]);
    live_target(&app, &user, "us_equity", 0.75).await;

    // Bad allocations are named and change nothing.
    for (weights, field) in [
        (json!({"NOPE": 1.0}), "weights.NOPE".to_owned()),
        (
            json!({names[0].clone(): 0.5, names[2].clone(): 0.2}),
            "weights".to_owned(),
        ),
        (
            json!({names[0].clone(): 1.5, names[2].clone(): -0.5}),
            format!("weights.{}", names[0]),
        ),
        (json!({}), "weights".to_owned()),
    ] {
        let p = problem(
            app.post(
                "/planning/plan/allocation",
                Some(&user.access),
                &json!({ "weights": weights }),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p)[0], field, "{p}");
    }
    let after = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    assert_eq!(after, stored);

    // A symbol held in two classes cannot be split between them.
    app.create_holding(&user, "taxable", &names[0], 1.0, "intl_equity")
        .await;
    let p = problem(
        app.post(
            "/planning/plan/allocation",
            Some(&user.access),
            &json!({"weights": {names[0].clone(): 1.0}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), [format!("weights.{}", names[0])]);
}
