//! `POST /portfolio/optimize`, `POST /portfolio/frontier` and the `optimize` / `frontier`
//! commands, on the S&P 500 sample (`datasets/sp500_prices.csv`). The engine's answers are
//! checked against PyPortfolioOpt in `engine/tests/optimise_reference.rs`; these tests check
//! that the server and the CLI ask the engine the right question and report its answer.

use std::process::Command;

use engine::optimise::{self as opt, Constraints, Estimators, Market, Options};
use glidepath::config::FeedKind;
use glidepath::domain::price_csv;
use ndarray::Array2;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app_with};

const DATASET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sp500_prices.csv");
pub(crate) const FROM: &str = "2017-12-28";
pub(crate) const TO: &str = "2022-12-28";
pub(crate) const TICKERS: [&str; 5] = ["AAPL", "JNJ", "KO", "XOM", "MSFT"];

/// The window's closes of `TICKERS`, rows ascending.
pub(crate) fn window() -> (Vec<String>, Vec<Vec<f64>>) {
    let file = price_csv::parse(&std::fs::read_to_string(DATASET).unwrap()).unwrap();
    let columns: Vec<usize> = TICKERS
        .iter()
        .map(|t| file.symbols.iter().position(|s| s == t).unwrap())
        .collect();
    let (from, to) = (FROM.parse().unwrap(), TO.parse().unwrap());
    let mut days = Vec::new();
    let mut rows = Vec::new();
    for (day, row) in file.days.iter().zip(&file.closes) {
        if *day >= from && *day <= to {
            days.push(day.to_string());
            rows.push(columns.iter().map(|&c| row[c].unwrap()).collect());
        }
    }
    (days, rows)
}

fn engine_answer(rows: &[Vec<f64>], objective: opt::Objective, rf: f64) -> opt::Portfolio {
    let table = Array2::from_shape_vec((rows.len(), rows[0].len()), rows.concat()).unwrap();
    let estimate = opt::estimate(table.view(), &Estimators::default()).unwrap();
    let market = Market {
        expected_returns: estimate.expected_returns.view(),
        covariance: estimate.covariance.view(),
        scenarios: Some(estimate.returns.view()),
    };
    opt::optimise(
        &market,
        &objective,
        &Constraints::default(),
        &Options { risk_free_rate: rf },
    )
    .unwrap()
}

/// Uploads the window under fresh symbol names (a PostgreSQL run shares the `prices`
/// table), returning them in `TICKERS` order.
pub(crate) async fn upload_window(app: &TestApp, admin: &TestUser) -> Vec<String> {
    let names: Vec<String> = TICKERS
        .iter()
        .map(|t| format!("{t}{}", &Uuid::new_v4().simple().to_string()[..6]).to_uppercase())
        .collect();
    let (days, rows) = window();
    let mut csv = format!("date,{}\n", names.join(","));
    for (day, row) in days.iter().zip(&rows) {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        csv.push_str(&format!("{day},{}\n", cells.join(",")));
    }
    let response = app
        .client
        .post(format!("{}/admin/prices", app.address))
        .bearer_auth(&admin.access)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    names
}

async fn setup() -> (TestApp, TestUser, Vec<String>) {
    let app = spawn_app_with(|s| s.market.feed = FeedKind::None).await;
    let admin = app.new_admin().await;
    let names = upload_window(&app, &admin).await;
    let user = app.new_user().await;
    (app, user, names)
}

fn weights_of(body: &Value, names: &[String]) -> Vec<f64> {
    names
        .iter()
        .map(|n| body["weights"][n].as_f64().unwrap())
        .collect()
}

#[actix_web::test]
async fn the_server_optimises_over_the_stored_history_as_the_engine_does() {
    let (app, user, names) = setup().await;
    let (_, rows) = window();
    for (objective, engine_objective) in [
        (json!({"kind": "min_variance"}), opt::Objective::MinVariance),
        (json!({"kind": "max_sharpe"}), opt::Objective::MaxSharpe),
        (
            json!({"kind": "efficient_return", "target_return": 0.15}),
            opt::Objective::EfficientReturn {
                target_return: 0.15,
            },
        ),
    ] {
        let body = ok_json(
            app.post(
                "/portfolio/optimize",
                Some(&user.access),
                &json!({"objective": objective, "symbols": names, "from": FROM, "to": TO,
                        "risk_free_rate": 0.02}),
            )
            .await,
        )
        .await;
        let direct = engine_answer(&rows, engine_objective, 0.02);
        for (got, want) in weights_of(&body, &names).iter().zip(&direct.weights) {
            assert!((got - want).abs() < 1e-9, "{objective}: {body}");
        }
        assert!((body["volatility"].as_f64().unwrap() - direct.volatility).abs() < 1e-12);
        assert!((body["sharpe"].as_f64().unwrap() - direct.sharpe).abs() < 1e-12);
        assert_eq!(body["status"], "optimal");
        assert_eq!(body["estimate"]["days"], rows.len());
        assert_eq!(body["estimate"]["from"], FROM);
        assert_eq!(body["estimate"]["to"], TO);
    }

    // Ledoit–Wolf reports its shrinkage; bounds and a group are kept.
    let body = ok_json(
        app.post(
            "/portfolio/optimize",
            Some(&user.access),
            &json!({"objective": {"kind": "min_variance"}, "symbols": names, "from": FROM, "to": TO,
                    "covariance": "ledoit_wolf", "bounds": {"min": 0.05, "max": 0.4},
                    "groups": [{"name": "energy and tech", "symbols": [names[3], names[4]], "min": 0.3}]}),
        )
        .await,
    )
    .await;
    let shrinkage = body["estimate"]["shrinkage"].as_f64().unwrap();
    assert!(shrinkage > 0.0 && shrinkage < 1.0, "{body}");
    let w = weights_of(&body, &names);
    assert!(
        w.iter().all(|w| (0.05 - 1e-7..=0.4 + 1e-7).contains(w)),
        "{w:?}"
    );
    assert!(w[3] + w[4] >= 0.3 - 1e-7, "{w:?}");
    assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-7);
}

#[actix_web::test]
async fn an_impossible_or_malformed_problem_is_a_422_naming_the_field() {
    let (app, user, names) = setup().await;
    let base = |extra: Value| {
        let mut body = json!({"objective": {"kind": "min_variance"}, "symbols": names, "from": FROM, "to": TO});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (request, field, says) in [
        (
            base(json!({"objective": {"kind": "efficient_return", "target_return": 5.0}})),
            "objective.target_return",
            "highest achievable",
        ),
        (
            base(json!({"objective": {"kind": "max_sharpe"}, "risk_free_rate": 0.9})),
            "risk_free_rate",
            "risk-free rate",
        ),
        (
            base(json!({"bounds": {"min": 0.3, "max": 1.0}})),
            "bounds",
            "sum to",
        ),
        (
            base(json!({"bounds": {"min": 0.5, "max": 0.1}})),
            "bounds",
            "above max",
        ),
        (
            base(json!({"groups": [{"name": "g", "symbols": ["NOPE"], "max": 0.5}]})),
            "groups[0].symbols[0]",
            "not one of",
        ),
        (
            base(json!({"max_turnover": 0.1})),
            "current_weights",
            "current weights",
        ),
        (
            base(json!({"symbols": [names[0], "NOHISTORY"]})),
            "symbols[1]",
            "no price history",
        ),
        (base(json!({"from": "2022-12-01"})), "from", "at least"),
    ] {
        let p = problem(
            app.post("/portfolio/optimize", Some(&user.access), &request)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{request}: {p}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(says),
            "{p}"
        );
    }
    let p = problem(
        app.post(
            "/portfolio/optimize",
            Some(&user.access),
            &base(json!({"max_turnovr": 0.1})),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(
        fields(&p),
        ["max_turnovr"],
        "a misspelt constraint is not ignored"
    );
}

#[actix_web::test]
async fn the_frontier_rises_in_return_and_marks_the_current_portfolio() {
    let (app, user, names) = setup().await;
    // Holdings in two of the symbols, priced live: the current portfolio is 50/50.
    app.tick(&names[0], 100.0).await;
    app.tick(&names[1], 50.0).await;
    app.create_holding(&user, "ira", &names[0], 1.0, "us_equity")
        .await;
    app.create_holding(&user, "ira", &names[1], 2.0, "us_equity")
        .await;
    let body = ok_json(
        app.post(
            "/portfolio/frontier",
            Some(&user.access),
            &json!({"points": 12, "symbols": names, "from": FROM, "to": TO}),
        )
        .await,
    )
    .await;
    let points = body["points"].as_array().unwrap();
    assert_eq!(points.len(), 12);
    let returns: Vec<f64> = points
        .iter()
        .map(|p| p["expected_return"].as_f64().unwrap())
        .collect();
    let vols: Vec<f64> = points
        .iter()
        .map(|p| p["volatility"].as_f64().unwrap())
        .collect();
    assert!(returns.windows(2).all(|w| w[1] > w[0]), "{returns:?}");
    assert!(vols.windows(2).all(|w| w[1] >= w[0] - 1e-9), "{vols:?}");
    let best = body["max_sharpe_index"].as_u64().unwrap() as usize;
    let sharpes: Vec<f64> = points
        .iter()
        .map(|p| p["sharpe"].as_f64().unwrap())
        .collect();
    assert!(sharpes.iter().all(|s| *s <= sharpes[best]));

    // The current portfolio lies on or under the frontier: no frontier point with at least its
    // return has more volatility than the current one... and the least risky is less risky.
    let current = &body["current"];
    let (r, v) = (
        current["expected_return"].as_f64().unwrap(),
        current["volatility"].as_f64().unwrap(),
    );
    let (_, rows) = window();
    let direct = engine_answer(&rows, opt::Objective::MinVariance, 0.02);
    assert!(v >= direct.volatility - 1e-12, "{current}");
    assert!(r > 0.0 && v > 0.0);
    // Its return is the mean of the two symbols' (50/50 by value).
    let mu = &body["estimate"]["expected_return"];
    let expected = 0.5 * mu[&names[0]].as_f64().unwrap() + 0.5 * mu[&names[1]].as_f64().unwrap();
    assert!((r - expected).abs() < 1e-12, "{current}");

    problem(
        app.post(
            "/portfolio/frontier",
            Some(&user.access),
            &json!({"points": 1, "symbols": names}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

fn cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(args)
        .output()
        .unwrap()
}

#[actix_web::test]
async fn the_cli_prints_the_engines_portfolio_as_json() {
    let out = cli(&[
        "optimize",
        "--prices",
        DATASET,
        "--from",
        FROM,
        "--to",
        TO,
        "--objective",
        "max-sharpe",
        "--risk-free",
        "0.02",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "expected_return",
            "sharpe",
            "status",
            "volatility",
            "weights"
        ]
    );
    assert_eq!(body["weights"].as_object().unwrap().len(), 20);

    // The same question asked of the engine directly, on all 20 columns of the window.
    let file = price_csv::parse(&std::fs::read_to_string(DATASET).unwrap()).unwrap();
    let (from, to) = (FROM.parse().unwrap(), TO.parse().unwrap());
    let rows: Vec<Vec<f64>> = file
        .days
        .iter()
        .zip(&file.closes)
        .filter(|(d, _)| **d >= from && **d <= to)
        .map(|(_, r)| r.iter().map(|c| c.unwrap()).collect())
        .collect();
    let direct = engine_answer(&rows, opt::Objective::MaxSharpe, 0.02);
    for (symbol, want) in file.symbols.iter().zip(&direct.weights) {
        assert!(
            (body["weights"][symbol].as_f64().unwrap() - want).abs() < 1e-12,
            "{symbol}"
        );
    }
    assert!((body["sharpe"].as_f64().unwrap() - direct.sharpe).abs() < 1e-12);

    let out = cli(&[
        "frontier", "--prices", DATASET, "--from", FROM, "--to", TO, "--points", "7", "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["points"].as_array().unwrap().len(), 7);

    // Refusals: said on standard error, and as a status with --json.
    let out = cli(&[
        "optimize",
        "--prices",
        DATASET,
        "--from",
        FROM,
        "--to",
        TO,
        "--objective",
        "efficient-return",
        "--target",
        "0.9",
        "--json",
    ]);
    assert!(!out.status.success());
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["status"], "infeasible");
    assert!(String::from_utf8_lossy(&out.stderr).contains("highest achievable return"));
    let out = cli(&[
        "optimize",
        "--prices",
        DATASET,
        "--objective",
        "efficient-risk",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target is required"));
    let out = cli(&[
        "optimize",
        "--prices",
        DATASET,
        "--objective",
        "min-variance",
        "--from",
        "2022-12-20",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 22 are needed"));
}
