//! Model extensions over REST: a plan's goals, income, events and withdrawal strategy in
//! `POST /simulations/monte-carlo` (inline and stored), their refusals naming the field, and
//! `POST /simulations/compare-models` with the bootstrap from an inline history or from the
//! holdings' prices.

use std::collections::BTreeSet;

use engine::sim::SimulationOptions;
use engine::sim::extended::{
    Cola, Extensions, Goal, IncomeStream, Priority, Withdrawal, simulate_extended,
};
use engine::sim::reference::p1;
use glidepath::config::FeedKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, ok_json, problem, spawn_app, spawn_app_with};
use crate::optimise::{upload_window, window};

/// P1 (the default classes) with a house deposit, a pension and a guardrail strategy.
fn plan() -> Value {
    json!({
        "initial_wealth": 250000, "monthly_contribution": 1500, "retirement_month": 360,
        "monthly_spending": 5000, "horizon_months": 720,
        "extensions": {
            "goals": [
                {"name": "house deposit", "amount": 60000, "month": 60, "priority": "need"},
                {"name": "sabbatical", "amount": 40000, "month": 200, "priority": "wish"}
            ],
            "income": [{"name": "state pension", "monthly_amount": 1200, "start_month": 420}],
            "withdrawal": {"strategy": "guyton_klinger"}
        }
    })
}

/// The same plan as the engine takes it.
fn engine_plan() -> (engine::sim::Plan, Extensions) {
    let extensions = Extensions {
        goals: vec![
            Goal {
                amount: 60_000.0,
                month: 60,
                priority: Priority::Need,
            },
            Goal {
                amount: 40_000.0,
                month: 200,
                priority: Priority::Wish,
            },
        ],
        income: vec![IncomeStream {
            monthly_amount: 1_200.0,
            start_month: 420,
            end_month: None,
            cola: Cola::Inflation,
        }],
        withdrawal: Withdrawal::GuytonKlinger {
            guardrail: 0.2,
            adjustment: 0.1,
            protected_final_years: 15,
        },
        ..Extensions::default()
    };
    (p1(), extensions)
}

#[actix_web::test]
async fn an_extended_plan_reports_its_goals_and_spending_as_the_engine_does() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let body = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": plan(), "paths": 2000, "seed": 9}),
        )
        .await,
    )
    .await;
    let summary = &body["summary"];
    let (p, ext) = engine_plan();
    let options = SimulationOptions {
        paths: 2000,
        seed: 9,
        fan_chart: true,
    };
    let engine = simulate_extended(&p, &ext, &options).unwrap();
    assert_eq!(
        summary["success_probability"],
        engine.base.success_probability
    );
    let goals = summary["goals"].as_array().unwrap();
    assert_eq!(goals.len(), 2);
    assert_eq!(goals[0]["name"], "house deposit");
    assert_eq!(goals[0]["priority"], "need");
    assert_eq!(goals[0]["probability"], engine.goals[0].probability);
    assert_eq!(goals[1]["probability"], engine.goals[1].probability);
    let spending = &summary["spending"];
    let by_year = spending["by_year"].as_array().unwrap();
    assert_eq!(by_year.len(), 30);
    assert_eq!(by_year[0]["year"], 31);
    let engine_spending = engine.spending.unwrap();
    assert_eq!(
        by_year[5]["real_spending"]["p50"],
        engine_spending.by_year[5].real_spending.p50
    );
    assert_eq!(
        spending["share_of_years_below_floor"],
        engine_spending.share_of_years_below_floor
    );
    // Guardrails cut in bad markets: some years are below the plan's spending.
    assert!(engine_spending.share_of_years_below_floor > 0.0);
}

#[actix_web::test]
async fn empty_extensions_are_the_base_model_and_a_stored_plan_keeps_them() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let mut base = plan();
    base["extensions"] = json!({});
    let run = |plan: Value| {
        let app = &app;
        let access = user.access.clone();
        async move {
            ok_json(
                app.post(
                    "/simulations/monte-carlo",
                    Some(&access),
                    &json!({"plan": plan, "paths": 1000, "seed": 3}),
                )
                .await,
            )
            .await["summary"]
                .clone()
        }
    };
    let with_empty = run(base.clone()).await;
    base.as_object_mut().unwrap().remove("extensions");
    let without = run(base).await;
    assert_eq!(with_empty, without);
    assert!(without.get("goals").is_none() && without.get("spending").is_none());

    // Stored, then simulated without an inline plan: the goals come back.
    ok_json(app.put("/planning/plan", Some(&user.access), &plan()).await).await;
    let stored = ok_json(app.get("/planning/plan", Some(&user.access)).await).await;
    assert_eq!(stored["extensions"]["goals"][1]["priority"], "wish");
    let body = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"paths": 500, "seed": 1}),
        )
        .await,
    )
    .await;
    assert_eq!(body["summary"]["goals"].as_array().unwrap().len(), 2);
}

#[actix_web::test]
async fn bad_extensions_are_refused_naming_the_field_and_nothing_is_stored() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let cases = [
        (
            json!({"goals": [{"name": "late", "amount": 1, "month": 720, "priority": "want"}]}),
            "plan.extensions.goals[0].month",
        ),
        (
            json!({"withdrawal": {"strategy": "floor_ceiling", "annual_rate": 0.04, "floor": 1.2, "ceiling": 1.1}}),
            "plan.extensions.withdrawal.ceiling",
        ),
        (
            json!({"income": [{"name": "annuity", "monthly_amount": 500, "start_month": 400, "cola": "fixed"}]}),
            "plan.extensions.income[0].cola_rate",
        ),
        (
            json!({"glide_path": [{"month": 0, "weights": [0.5, 0.5]}]}),
            "plan.extensions.glide_path[0].weights",
        ),
        (
            json!({"return_model": {"model": "student_t", "df": 2}}),
            "plan.extensions.return_model.df",
        ),
        (
            json!({"return_model": {"model": "bootstrap", "history": [[0.01, 0.0, 0.0]], "block_months": 1}}),
            "plan.extensions.return_model.history",
        ),
        (
            json!({"inflation_model": {"model": "stochastic", "persistence": 1}}),
            "plan.extensions.inflation_model.persistence",
        ),
    ];
    for (extensions, field) in cases {
        let mut bad = plan();
        bad["extensions"] = extensions;
        let response = app
            .post(
                "/simulations/monte-carlo",
                Some(&user.access),
                &json!({"plan": bad, "paths": 100}),
            )
            .await;
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&body), [field], "{body}");
    }
    // A bootstrap without history needs priced holdings, and says so.
    let mut no_history = plan();
    no_history["extensions"] = json!({"return_model": {"model": "bootstrap"}});
    let response = app
        .post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": no_history.clone(), "paths": 100}),
        )
        .await;
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&body), ["plan.extensions.return_model.history"]);
    // Stored plans are checked the same way (a bootstrap without history may be stored).
    let mut bad = plan();
    bad["extensions"]["goals"][0]["month"] = json!(900);
    let response = app.put("/planning/plan", Some(&user.access), &bad).await;
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&body), ["extensions.goals[0].month"]);
    assert_eq!(
        app.get("/planning/plan", Some(&user.access)).await.status(),
        StatusCode::NOT_FOUND
    );
    ok_json(
        app.put("/planning/plan", Some(&user.access), &no_history)
            .await,
    )
    .await;
    // Too many paths for an extended run.
    let response = app
        .post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": plan(), "paths": 100_001}),
        )
        .await;
    assert!(response.status().is_client_error());
}

fn model<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["model"] == name)
        .unwrap()
}

#[actix_web::test]
async fn compare_models_runs_every_model_on_the_same_paths() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let body = ok_json(
        app.post(
            "/simulations/compare-models",
            Some(&user.access),
            &json!({"plan": plan(), "paths": 1000, "seed": 5}),
        )
        .await,
    )
    .await;
    let names: Vec<&str> = body["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "lognormal",
            "student_t",
            "bootstrap",
            "regime_switching",
            "stochastic_inflation"
        ]
    );
    assert_eq!(body["paths"], 1000);
    assert_eq!(body["seed"], 5);
    // Without history anywhere, the bootstrap says why instead of failing the rest.
    let bootstrap = model(&body, "bootstrap");
    assert!(bootstrap.get("summary").is_none());
    assert!(
        bootstrap["unavailable"]
            .as_str()
            .unwrap()
            .contains("holdings")
    );
    // The lognormal entry is the plan's own simulation.
    let (p, ext) = engine_plan();
    let engine = simulate_extended(
        &p,
        &ext,
        &SimulationOptions {
            paths: 1000,
            seed: 5,
            fan_chart: false,
        },
    )
    .unwrap();
    let lognormal = &model(&body, "lognormal")["summary"];
    assert_eq!(
        lognormal["success_probability"],
        engine.base.success_probability
    );
    assert_eq!(
        lognormal["goals"][0]["probability"],
        engine.goals[0].probability
    );
    for name in ["student_t", "regime_switching", "stochastic_inflation"] {
        let summary = &model(&body, name)["summary"];
        let p = summary["success_probability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&p), "{name}");
        assert!(summary["fan_chart"].as_array().unwrap().is_empty());
    }
    // An inline history is bootstrapped.
    let mut with_history = plan();
    let history: Vec<Value> = (0..36)
        .map(|m| json!([0.004 + 0.001 * f64::from(m % 5), 0.003, 0.002]))
        .collect();
    with_history["extensions"]["return_model"] =
        json!({"model": "bootstrap", "history": history, "block_months": 6});
    let body = ok_json(
        app.post(
            "/simulations/compare-models",
            Some(&user.access),
            &json!({"plan": with_history, "paths": 500, "seed": 5}),
        )
        .await,
    )
    .await;
    let bootstrap = model(&body, "bootstrap");
    assert!(
        bootstrap["description"]
            .as_str()
            .unwrap()
            .contains("36 months")
    );
    assert!(bootstrap["summary"]["success_probability"].is_number());
}

#[actix_web::test]
async fn the_bootstrap_draws_from_the_holdings_price_history() {
    let app = spawn_app_with(|s| s.market.feed = FeedKind::None).await;
    let admin = app.new_admin().await;
    let names = upload_window(&app, &admin).await;
    let user = app.new_user().await;
    for (symbol, class) in [
        (&names[0], "us_equity"),
        (&names[2], "intl_equity"),
        (&names[1], "bonds"),
    ] {
        app.create_holding(&user, "ira", symbol, 10.0, class).await;
    }
    let body = ok_json(
        app.post(
            "/simulations/compare-models",
            Some(&user.access),
            &json!({"plan": plan(), "paths": 500, "seed": 2, "block_months": 3}),
        )
        .await,
    )
    .await;
    // Whole months between the window's first and last month ends.
    let (days, _) = window();
    let months: BTreeSet<&str> = days.iter().map(|d| &d[..7]).collect();
    let bootstrap = model(&body, "bootstrap");
    let description = bootstrap["description"].as_str().unwrap();
    assert!(
        description.contains(&format!("{} months", months.len() - 2)),
        "{description}"
    );
    assert!(description.contains("your holdings"));
    assert!(bootstrap["summary"]["success_probability"].is_number());
    // The same history runs a plan of its own.
    let mut own = plan();
    own["extensions"]["return_model"] = json!({"model": "bootstrap", "block_months": 3});
    let body = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": own, "paths": 500, "seed": 2}),
        )
        .await,
    )
    .await;
    assert_eq!(
        body["summary"]["success_probability"],
        bootstrap["summary"]["success_probability"]
    );
}

#[actix_web::test]
async fn the_command_line_simulates_the_multi_goal_example_as_the_api_does() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/plans/complex-multi-goal.json"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_glidepath"))
        .args([
            "simulate", example, "--paths", "800", "--seed", "3", "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["goals"].as_array().unwrap().len(), 8);
    assert!(printed["spending"]["by_year"].as_array().unwrap().len() == 30);
    let app = spawn_app().await;
    let user = app.new_user().await;
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(example).unwrap()).unwrap();
    let body = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": plan, "paths": 800, "seed": 3}),
        )
        .await,
    )
    .await;
    assert_eq!(body["summary"], printed);
}

#[actix_web::test]
async fn solving_a_plan_with_extensions_runs_the_extended_model() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let body = ok_json(
        app.post(
            "/planning/solve",
            Some(&user.access),
            &json!({"for": "monthly_spending", "target_success": 0.97, "plan": plan(),
                    "paths": 600, "seed": 4}),
        )
        .await,
    )
    .await;
    let (p, ext) = engine_plan();
    let options = SimulationOptions {
        paths: 600,
        seed: 4,
        fan_chart: false,
    };
    let engine = engine::sim::solve_with(
        &p,
        engine::sim::Lever::MonthlySpending,
        0.97,
        &options,
        engine::sim::SolveWith {
            extensions: Some(&ext),
            ..engine::sim::SolveWith::default()
        },
    )
    .unwrap();
    assert_eq!(body["value"], engine.value);
    assert_eq!(body["achieved_success"], engine.achieved_success);
    // The base model's answer differs: the extensions are really in the search.
    let base = engine::sim::solve(&p, engine::sim::Lever::MonthlySpending, 0.97, &options).unwrap();
    assert_ne!(body["value"], base.value);
}

#[actix_web::test]
async fn compare_models_refuses_its_own_bad_parameters() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for (body, field) in [
        (json!({"block_months": 0, "paths": 10}), "block_months"),
        (json!({"student_t_df": 2, "paths": 10}), "student_t_df"),
    ] {
        let response = app
            .post("/simulations/compare-models", Some(&user.access), &body)
            .await;
        let problem = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&problem), [field]);
    }
}
