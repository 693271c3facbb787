//! The stored plan and Monte Carlo runs over REST.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{fields, ok_json, problem, spawn_app, spawn_app_with};

fn p1() -> Value {
    json!({
        "initial_wealth": 250000, "monthly_contribution": 1500, "retirement_month": 360,
        "monthly_spending": 5000, "horizon_months": 720, "annual_inflation": 0.025, "annual_fee": 0.002,
        "asset_classes": [
            { "name": "us_equity", "mu": 0.07, "sigma": 0.16 },
            { "name": "intl_equity", "mu": 0.065, "sigma": 0.18 },
            { "name": "bonds", "mu": 0.03, "sigma": 0.05 }
        ],
        "weights": [0.6, 0.2, 0.2],
        "correlation": [[1, 0.8, 0.1], [0.8, 1, 0.1], [0.1, 0.1, 1]]
    })
}

#[actix_web::test]
async fn an_inline_plan_runs_is_reproducible_and_is_stored_for_its_owner_only() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let other = app.new_user().await;
    let request = json!({ "plan": p1(), "paths": 2000, "seed": 7 });
    let created = app
        .post("/simulations/monte-carlo", Some(&user.access), &request)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let first: Value = created.json().await.unwrap();
    let summary = &first["summary"];
    let p = summary["success_probability"].as_f64().unwrap();
    assert!(
        (0.3..0.7).contains(&p),
        "P1 succeeds about half the time: {p}"
    );
    let se = summary["success_standard_error"].as_f64().unwrap();
    assert!((se - (p * (1.0 - p) / 2000.0).sqrt()).abs() < 1e-12);
    assert_eq!(summary["fan_chart"].as_array().unwrap().len(), 60);
    assert_eq!(
        summary["ruin_probability_by_year"]
            .as_array()
            .unwrap()
            .len(),
        60
    );
    assert_eq!(summary["seed"], 7);
    assert_eq!(summary["engine_version"], engine::VERSION);

    let again: Value = ok_json(
        app.post("/simulations/monte-carlo", Some(&user.access), &request)
            .await,
    )
    .await;
    assert_eq!(
        again["summary"], first["summary"],
        "same plan, paths and seed: same answer"
    );
    assert_ne!(again["id"], first["id"]);

    let mine = ok_json(app.get("/simulations/results", Some(&user.access)).await).await;
    assert_eq!(mine["total"], 2);
    let newest = &mine["items"][0];
    assert_eq!(newest["id"], again["id"]);
    assert_eq!(newest["simulation_type"], "monte_carlo");
    assert_eq!(newest["parameters"]["seed"], 7);
    assert_eq!(newest["parameters"]["paths"], 2000);
    assert_eq!(newest["results"], again["summary"]);
    let theirs = ok_json(app.get("/simulations/results", Some(&other.access)).await).await;
    assert_eq!(theirs["total"], 0);
}

#[actix_web::test]
async fn the_stored_plan_is_validated_and_used_when_no_plan_is_sent() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    problem(
        app.get("/planning/plan", Some(&user.access)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.post("/simulations/monte-carlo", Some(&user.access), &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let mut bad = p1();
    bad["weights"] = json!([0.5, 0.5, 0.5]);
    let p = problem(
        app.put("/planning/plan", Some(&user.access), &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["weights"]);
    problem(
        app.get("/planning/plan", Some(&user.access)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Defaults fill the asset classes when they are omitted.
    let minimal = json!({ "initial_wealth": 100000, "retirement_month": 120, "monthly_spending": 1000, "horizon_months": 240 });
    let stored = ok_json(
        app.put("/planning/plan", Some(&user.access), &minimal)
            .await,
    )
    .await;
    assert_eq!(stored["annual_inflation"], 0.025);
    assert_eq!(
        ok_json(app.get("/planning/plan", Some(&user.access)).await).await,
        stored
    );
    let run = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "paths": 500, "seed": 1, "fan_chart": false }),
        )
        .await,
    )
    .await;
    assert_eq!(run["summary"]["paths"], 500);
    assert_eq!(run["summary"]["fan_chart"], json!([]));
}

#[actix_web::test]
async fn invalid_plans_name_the_field() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    type Breakage = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Breakage, &str)> = vec![
        (
            Box::new(|p| p["weights"] = json!([0.7, 0.2, 0.2])),
            "plan.weights",
        ),
        (
            Box::new(|p| p["asset_classes"][1]["sigma"] = json!(-0.1)),
            "plan.asset_classes[1].sigma",
        ),
        (
            Box::new(|p| p["correlation"][0][1] = json!(0.5)),
            "plan.correlation[1][0]",
        ),
        (
            Box::new(|p| p["correlation"] = json!([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])),
            "plan.correlation",
        ),
        (
            Box::new(|p| p["correlation"][1][1] = json!(0.5)),
            "plan.correlation[1][1]",
        ),
        (
            Box::new(|p| p["horizon_months"] = json!(0)),
            "plan.horizon_months",
        ),
        (
            Box::new(|p| p["horizon_months"] = json!(1201)),
            "plan.horizon_months",
        ),
        (
            Box::new(|p| p["retirement_month"] = json!(800)),
            "plan.retirement_month",
        ),
        (
            Box::new(|p| p["initial_wealth"] = json!(-1)),
            "plan.initial_wealth",
        ),
    ];
    for (break_it, field) in cases {
        let mut plan = p1();
        break_it(&mut plan);
        let response = app
            .post(
                "/simulations/monte-carlo",
                Some(&user.access),
                &json!({ "plan": plan, "paths": 100 }),
            )
            .await;
        let p = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{plan}");
    }
    let p = problem(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": p1(), "seed": 9_007_199_254_740_992_u64 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["seed"]);
    let results = ok_json(app.get("/simulations/results", Some(&user.access)).await).await;
    assert_eq!(results["total"], 0, "refused runs store nothing");
}

#[actix_web::test]
async fn path_limits_follow_the_role_and_the_time_bound() {
    let app = spawn_app_with(|s| s.simulation.max_estimated_seconds = 2.0).await;
    let user = app.new_user().await;
    let short = json!({ "initial_wealth": 1000, "retirement_month": 12, "horizon_months": 12 });
    let p = problem(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": short, "paths": 100_001 }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("100000"), "{p}");

    let admin = app.new_admin().await;
    app.set_role(&admin, &user, "premium").await;
    let premium = ok_json(app.login(&user.email, &user.password).await).await;
    let token = premium["access_token"].as_str().unwrap();
    let run = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(token),
            &json!({ "plan": short, "paths": 200_000, "fan_chart": false }),
        )
        .await,
    )
    .await;
    assert_eq!(run["summary"]["paths"], 200_000);
    problem(
        app.post(
            "/simulations/monte-carlo",
            Some(token),
            &json!({ "plan": short, "paths": 1_000_001 }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Within the role's limit but over the server's time bound: refused before running.
    let long = json!({ "initial_wealth": 1000, "retirement_month": 1200, "horizon_months": 1200 });
    let p = problem(
        app.post(
            "/simulations/monte-carlo",
            Some(token),
            &json!({ "plan": long, "paths": 1_000_000 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["paths"]);
}

#[actix_web::test]
async fn scenarios_share_random_numbers_and_report_differences() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let request = json!({
        "base": p1(), "paths": 2000, "seed": 5,
        "variants": [
            { "name": "same", "changes": {} },
            { "name": "spend less", "changes": { "monthly_spending": 4000 } },
            { "name": "richer", "changes": { "initial_wealth": 400000 } }
        ]
    });
    let created = app
        .post("/simulations/scenarios", Some(&user.access), &request)
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let body: Value = created.json().await.unwrap();
    let base = body["base"]["success_probability"].as_f64().unwrap();
    let variants = body["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 3);
    // Common random numbers: an unchanged variant equals the base exactly.
    assert_eq!(variants[0]["summary"], body["base"]);
    assert_eq!(variants[0]["success_probability_change"], 0.0);
    for v in &variants[1..] {
        let change = v["success_probability_change"].as_f64().unwrap();
        assert!(
            change > 0.0,
            "{}: spending less or starting richer cannot hurt on the same paths",
            v["name"]
        );
        assert!(
            (v["summary"]["success_probability"].as_f64().unwrap() - base - change).abs() < 1e-12
        );
    }
    // The base alone through the single-run endpoint gives the same answer.
    let single = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": p1(), "paths": 2000, "seed": 5, "fan_chart": false }),
        )
        .await,
    )
    .await;
    assert_eq!(single["summary"], body["base"]);

    let bad = json!({ "base": p1(), "paths": 100, "variants": [{ "name": "x", "changes": { "weights": [1.0, 0.5, 0.0] } }] });
    let p = problem(
        app.post("/simulations/scenarios", Some(&user.access), &bad)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["variants[0].changes.weights"]);
    let too_many: Vec<Value> = (0..21)
        .map(|i| json!({ "name": format!("v{i}"), "changes": {} }))
        .collect();
    let p = problem(
        app.post(
            "/simulations/scenarios",
            Some(&user.access),
            &json!({ "base": p1(), "variants": too_many }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["variants"]);
    let stored = ok_json(app.get("/simulations/results", Some(&user.access)).await).await;
    assert_eq!(stored["total"], 2);
    assert_eq!(stored["items"][1]["simulation_type"], "scenarios");
}

#[actix_web::test]
async fn oversized_fan_charts_are_refused_not_allocated() {
    let app = spawn_app_with(|s| s.simulation.max_fan_chart_values = 10_000).await;
    let user = app.new_user().await;
    let p = problem(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": p1(), "paths": 1000 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["fan_chart"]);
    let run = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({ "plan": p1(), "paths": 1000, "fan_chart": false }),
        )
        .await,
    )
    .await;
    assert_eq!(run["summary"]["paths"], 1000);
}
