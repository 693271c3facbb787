//! Solving for a target: `glidepath solve` prints the engine's answer as documented and exits
//! 1 on a target out of reach; `POST /planning/solve` and `POST /ml/goal-optimization` answer
//! as the engine does and name what they refuse.

use std::process::Command;

use engine::sim::reference::p1;
use engine::sim::{Lever, SimulationOptions, SolveWith, equity_weights, solve, solve_with};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, ok_json, problem};

const PLAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/plans/p1.json");

fn glidepath(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_command_prints_the_engines_answer() {
    let (ok, out, err) = glidepath(&[
        "solve",
        PLAN,
        "--for",
        "monthly_spending",
        "--target-success",
        "0.85",
        "--paths",
        "1000",
        "--seed",
        "11",
        "--json",
    ]);
    assert!(ok, "{err}");
    let engine = solve(&p1(), Lever::MonthlySpending, 0.85, &options(1000, 11)).unwrap();
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["for"], "monthly_spending");
    assert_eq!(printed["value"], engine.value);
    assert_eq!(printed["achieved_success"], engine.achieved_success);
    assert_eq!(printed["standard_error"], engine.standard_error);
    let keys: Vec<&str> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
        .collect();
    assert_eq!(keys, ["for", "value", "achieved_success", "standard_error"]);

    // The equity share, with the classes told by name or named, and the weights there.
    let equity = SolveWith {
        equity: &[true, true, false],
        ..SolveWith::default()
    };
    let engine = solve_with(&p1(), Lever::EquityShare, 0.5, &options(1000, 11), equity).unwrap();
    for named in [None, Some("us_equity,intl_equity")] {
        let mut args = vec![
            "solve",
            PLAN,
            "--for",
            "equity_share",
            "--target-success",
            "0.5",
            "--paths",
            "1000",
            "--seed",
            "11",
            "--json",
        ];
        if let Some(named) = named {
            args.extend(["--equity-classes", named]);
        }
        let (ok, out, err) = glidepath(&args);
        assert!(ok, "{err}");
        let printed: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(printed["value"], engine.value);
        assert_eq!(printed["achieved_success"], engine.achieved_success);
        assert_eq!(
            printed["equity_classes"],
            json!(["us_equity", "intl_equity"])
        );
        assert_eq!(
            printed["weights"],
            json!(equity_weights(
                &p1().weights,
                &[true, true, false],
                engine.value
            ))
        );
    }
    let (ok, out, _) = glidepath(&[
        "solve",
        PLAN,
        "--for",
        "equity_share",
        "--target-success",
        "0.5",
        "--paths",
        "1000",
        "--seed",
        "11",
    ]);
    assert!(ok);
    assert!(
        out.contains(&format!(
            "{:.1}% in us_equity, intl_equity",
            engine.value * 100.0
        )),
        "{out}"
    );
    let (ok, _, err) = glidepath(&[
        "solve",
        PLAN,
        "--for",
        "equity_share",
        "--target-success",
        "0.5",
        "--equity-classes",
        "gold",
    ]);
    assert!(!ok);
    assert!(err.contains("--equity-classes"), "{err}");
}

#[test]
fn a_target_out_of_reach_or_out_of_range_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let retired = dir.path().join("retired.json");
    std::fs::write(
        &retired,
        r#"{"initial_wealth": 100000, "monthly_contribution": 1000, "retirement_month": 0,
            "monthly_spending": 5000, "horizon_months": 360}"#,
    )
    .unwrap();
    let path = retired.to_str().unwrap();
    let (ok, out, err) = glidepath(&[
        "solve",
        path,
        "--for",
        "monthly_contribution",
        "--target-success",
        "0.9",
        "--paths",
        "200",
        "--seed",
        "1",
        "--json",
    ]);
    assert!(!ok);
    let printed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["status"], "unreachable");
    assert_eq!(printed["for"], "monthly_contribution");
    assert!(err.contains("no monthly_contribution from 0 to"), "{err}");

    let (ok, _, err) = glidepath(&[
        "solve",
        PLAN,
        "--for",
        "initial_wealth",
        "--target-success",
        "1.5",
    ]);
    assert!(!ok);
    assert!(err.contains("--target-success"), "{err}");
    let (ok, _, err) = glidepath(&["solve", PLAN, "--for", "bonds", "--target-success", "0.5"]);
    assert!(!ok);
    assert!(err.contains("--for"), "{err}");
}

fn p1_spec() -> Value {
    serde_json::from_str(&std::fs::read_to_string(PLAN).unwrap()).unwrap()
}

fn options(paths: u32, seed: u64) -> SimulationOptions {
    SimulationOptions {
        paths,
        seed,
        fan_chart: false,
    }
}

#[actix_web::test]
async fn the_api_solves_an_inline_or_the_stored_plan_as_the_engine_does() {
    let app = crate::helpers::spawn_app().await;
    let user = app.new_user().await;
    let body = json!({"for": "monthly_contribution", "target_success": 0.8, "plan": p1_spec(),
                      "paths": 1000, "seed": 5});
    let answer = ok_json(app.post("/planning/solve", Some(&user.access), &body).await).await;
    let engine = solve(&p1(), Lever::MonthlyContribution, 0.8, &options(1000, 5)).unwrap();
    assert_eq!(answer["for"], "monthly_contribution");
    assert_eq!(answer["value"], engine.value);
    assert_eq!(answer["search_success"], engine.search_success);
    assert_eq!(answer["achieved_success"], engine.achieved_success);
    assert_eq!(answer["standard_error"], engine.standard_error);
    assert_eq!(answer["target_success"], 0.8);
    assert_eq!(
        (answer["paths"].clone(), answer["seed"].clone()),
        (json!(1000), json!(5))
    );

    // Without a plan: the caller's (here the default, which is P1).
    let stored = ok_json(
        app.post(
            "/planning/solve",
            Some(&user.access),
            &json!({"for": "retirement_month", "target_success": 0.9, "paths": 500, "seed": 9}),
        )
        .await,
    )
    .await;
    let engine = solve(&p1(), Lever::RetirementMonth, 0.9, &options(500, 9)).unwrap();
    assert_eq!(stored["value"], engine.value);
}

#[actix_web::test]
async fn a_bad_or_unreachable_solve_is_named() {
    let app = crate::helpers::spawn_app().await;
    let user = app.new_user().await;
    let retired = json!({"initial_wealth": 100000, "monthly_contribution": 1000,
                         "retirement_month": 0, "monthly_spending": 5000, "horizon_months": 360});
    for (body, field, says) in [
        (
            json!({"for": "initial_wealth", "target_success": 1.5}),
            "target_success",
            "at most 1",
        ),
        (
            json!({"for": "monthly_contribution", "target_success": 0.9, "plan": retired,
                   "paths": 200}),
            "target_success",
            "no monthly_contribution from 0 to",
        ),
        (
            json!({"for": "monthly_spending", "target_success": 0.9,
                   "plan": {"initial_wealth": -1, "retirement_month": 0, "horizon_months": 12}}),
            "plan.initial_wealth",
            "",
        ),
    ] {
        let p = problem(
            app.post("/planning/solve", Some(&user.access), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{p}");
        assert!(p.to_string().contains(says), "{p}");
    }
    let p = problem(
        app.post(
            "/planning/solve",
            Some(&user.access),
            &json!({"for": "bonds", "target_success": 0.5}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["for"]);
    // Beyond the role's paths.
    let response = app
        .post(
            "/planning/solve",
            Some(&user.access),
            &json!({"for": "initial_wealth", "target_success": 0.5, "paths": 1_000_000}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn goal_optimization_answers_every_input_and_says_which_cannot_reach() {
    let app = crate::helpers::spawn_app().await;
    let user = app.new_user().await;
    let retired = json!({"initial_wealth": 600000, "monthly_contribution": 1000,
                         "retirement_month": 0, "monthly_spending": 3000, "horizon_months": 360});
    let body = json!({"target_success": 0.85, "plan": retired, "paths": 500, "seed": 3});
    let answer = ok_json(
        app.post("/ml/goal-optimization", Some(&user.access), &body)
            .await,
    )
    .await;
    let levers = answer["levers"].as_array().unwrap();
    let names: Vec<&str> = levers.iter().map(|l| l["for"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "monthly_spending",
            "monthly_contribution",
            "retirement_month",
            "initial_wealth",
            "equity_share"
        ]
    );
    assert_eq!(
        answer["equity_classes"],
        json!(["us_equity", "intl_equity"])
    );
    // Each answer is the single solve's, on the same plan, paths and seed.
    for lever in levers {
        let one = app
            .post(
                "/planning/solve",
                Some(&user.access),
                &json!({"for": lever["for"], "target_success": 0.85, "plan": body["plan"],
                        "paths": 500, "seed": 3}),
            )
            .await;
        if lever["value"].is_null() {
            let why = lever["unreachable"].as_str().unwrap();
            assert!(
                why.contains(&format!("no {}", lever["for"].as_str().unwrap())),
                "{why}"
            );
            let p = problem(one, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(p["errors"][0]["message"], why);
        } else {
            let one = ok_json(one).await;
            assert_eq!(lever["value"], one["value"], "{lever}");
            assert_eq!(lever["achieved_success"], one["achieved_success"]);
            assert_eq!(lever["unreachable"], Value::Null);
        }
    }
    // Retired from month 0: a contribution is never paid.
    assert!(levers[1]["value"].is_null());
    assert_eq!(
        (answer["paths"].clone(), answer["seed"].clone()),
        (json!(500), json!(3))
    );
}

/// Two classes named as their users name them: "World Stocks" is equity by name, "Gold" is
/// not; and a plan whose classes are neither has no equity share to move.
fn own_classes(names: [&str; 2]) -> Value {
    json!({"initial_wealth": 300000, "monthly_contribution": 1000, "retirement_month": 240,
           "monthly_spending": 2500, "horizon_months": 540,
           "asset_classes": [{"name": names[0], "mu": 0.07, "sigma": 0.17},
                             {"name": names[1], "mu": 0.03, "sigma": 0.12}],
           "weights": [0.5, 0.5], "correlation": [[1, 0.1], [0.1, 1]]})
}

#[actix_web::test]
async fn the_least_equity_share_is_the_engines_for_the_classes_named_or_told_by_name() {
    let app = crate::helpers::spawn_app().await;
    let user = app.new_user().await;
    let plan = own_classes(["World Stocks", "Gold"]);
    let engine_plan =
        glidepath::domain::plan::to_engine(&serde_json::from_value(plan.clone()).unwrap(), "")
            .unwrap();
    let expected = solve_with(
        &engine_plan,
        Lever::EquityShare,
        0.65,
        &options(1000, 4),
        SolveWith {
            equity: &[true, false],
            ..SolveWith::default()
        },
    )
    .unwrap();
    for named in [None, Some(json!(["World Stocks"]))] {
        let mut body = json!({"for": "equity_share", "target_success": 0.65, "plan": plan,
                              "paths": 1000, "seed": 4});
        if let Some(named) = named {
            body["equity_classes"] = named;
        }
        let answer = ok_json(app.post("/planning/solve", Some(&user.access), &body).await).await;
        assert_eq!(answer["for"], "equity_share");
        assert_eq!(answer["value"], expected.value);
        assert_eq!(answer["search_success"], expected.search_success);
        assert_eq!(answer["achieved_success"], expected.achieved_success);
        assert_eq!(answer["equity_classes"], json!(["World Stocks"]));
        assert_eq!(
            answer["weights"],
            json!([expected.value, 1.0 - expected.value])
        );
    }
    // Other levers say nothing of equity.
    let spending = ok_json(
        app.post(
            "/planning/solve",
            Some(&user.access),
            &json!({"for": "monthly_spending", "target_success": 0.65, "plan": plan,
                    "paths": 500, "seed": 4}),
        )
        .await,
    )
    .await;
    assert!(spending.get("equity_classes").is_none() && spending.get("weights").is_none());
}

#[actix_web::test]
async fn equity_classes_that_are_unknown_or_cannot_move_the_share_are_named() {
    let app = crate::helpers::spawn_app().await;
    let user = app.new_user().await;
    let neither = own_classes(["Gold", "Bonds"]);
    for (body, field) in [
        (
            json!({"for": "equity_share", "target_success": 0.8, "plan": neither}),
            "equity_classes",
        ),
        (
            json!({"for": "equity_share", "target_success": 0.8,
                   "equity_classes": ["us_equity", "Bonds"]}),
            "equity_classes[1]",
        ),
        (
            json!({"for": "equity_share", "target_success": 0.8, "equity_classes": []}),
            "equity_classes",
        ),
    ] {
        let p = problem(
            app.post("/planning/solve", Some(&user.access), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{p}");
    }
    // Every input at once: a plan with no equity class by name answers the others and says
    // why the equity share has no answer; equity classes named wrong are refused.
    let answer = ok_json(
        app.post(
            "/ml/goal-optimization",
            Some(&user.access),
            &json!({"target_success": 0.8, "plan": neither, "paths": 300, "seed": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(answer["equity_classes"], json!([]));
    let equity = &answer["levers"][4];
    assert_eq!(equity["for"], "equity_share");
    assert!(equity["value"].is_null());
    assert!(
        equity["unreachable"]
            .as_str()
            .unwrap()
            .contains("include no equity class"),
        "{equity}"
    );
    assert!(answer["levers"][0]["value"].is_number());
    let p = problem(
        app.post(
            "/ml/goal-optimization",
            Some(&user.access),
            &json!({"target_success": 0.8, "plan": neither, "equity_classes": ["Stocks"]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["equity_classes[0]"]);
}
