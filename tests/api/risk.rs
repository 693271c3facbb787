//! The risk assessment, `GET`/`PUT /ml/risk-assessment`: answers refused naming the item,
//! stored, scored and replaced; capacity exact against Monte Carlo runs on the same paths;
//! need equal to the solver's equity share; only the owner (or an advisor with a grant) sees
//! them; account deletion removes them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app};

const P1: &str = include_str!("../../examples/plans/p1.json");

/// Option 1 everywhere: 16 points (item 1's first option, "a real gambler", scores 4).
fn first_options() -> Value {
    let answers: serde_json::Map<String, Value> =
        (1..=13).map(|i| (format!("q{i}"), json!(1))).collect();
    Value::Object(answers)
}

async fn put_answers(app: &TestApp, user: &TestUser, answers: &Value) -> reqwest::Response {
    app.put(
        "/ml/risk-assessment",
        Some(&user.access),
        &json!({ "answers": answers }),
    )
    .await
}

async fn assessment(app: &TestApp, user: &TestUser, query: &str) -> Value {
    ok_json(
        app.get(&format!("/ml/risk-assessment{query}"), Some(&user.access))
            .await,
    )
    .await
}

#[actix_web::test]
async fn answers_are_refused_naming_the_item() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let mut missing = first_options();
    missing.as_object_mut().unwrap().remove("q7");
    let mut out_of_range = first_options();
    out_of_range["q4"] = json!(4); // q4 has three options
    let mut zero = first_options();
    zero["q9"] = json!(0);
    let mut unknown = first_options();
    unknown["q14"] = json!(1);
    for (answers, field) in [
        (missing, "answers.q7"),
        (out_of_range, "answers.q4"),
        (zero, "answers.q9"),
        (unknown, "answers.q14"),
    ] {
        let body = problem(
            put_answers(&app, &user, &answers).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&body), [field]);
    }
    // Nothing was stored.
    let got = assessment(&app, &user, "").await;
    assert!(got["answers"].is_null(), "{got}");
    assert!(got["profile"].is_null(), "{got}");
}

#[actix_web::test]
async fn answers_round_trip_and_taking_it_again_replaces_them() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let stored = ok_json(put_answers(&app, &user, &first_options()).await).await;
    assert_eq!(stored["instrument"], "grable_lytton_13");
    assert_eq!(stored["tolerance"]["score"], 16);
    assert_eq!(stored["tolerance"]["band"], "low");
    assert_eq!(stored["answers"], first_options());

    let got = assessment(&app, &user, "").await;
    assert_eq!(got["answers"], stored);
    // The questionnaire is served to render: 13 items, published points.
    let items = got["questionnaire"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 13);
    assert_eq!(items[8]["options"][1]["points"], 3);
    assert!(
        got["questionnaire"]["citation"]
            .as_str()
            .unwrap()
            .contains("Grable")
    );
    // No plan stored: capacity and need say so, the profile stands on tolerance alone.
    assert!(got["capacity"].is_null() && got["need"].is_null());
    assert!(
        got["capacity_unavailable"]
            .as_str()
            .unwrap()
            .contains("No plan")
    );
    assert_eq!(got["profile"]["binding"], "tolerance");
    assert_eq!(got["profile"]["recommended_equity_share"], 0.0);

    // Taken again: 16 + 3 (q2's fourth option) + 2 (q9's gamble) = 21, below average.
    let mut again = first_options();
    again["q2"] = json!(4);
    again["q9"] = json!(2);
    let retaken = ok_json(put_answers(&app, &user, &again).await).await;
    assert_eq!(retaken["tolerance"]["score"], 21);
    assert_eq!(retaken["tolerance"]["band"], "below_average");
    assert_eq!(retaken["first_taken_at"], stored["first_taken_at"]);
    assert!(
        retaken["taken_at"].as_str().unwrap() >= stored["taken_at"].as_str().unwrap(),
        "{retaken}"
    );
    let got = assessment(&app, &user, "").await;
    assert_eq!(got["answers"], retaken);
    assert_eq!(got["profile"]["recommended_equity_share"], 0.2);
    let counts = app.db.count_owned_rows(user.id).await.unwrap();
    assert!(counts.contains(&("risk_answers", 1)), "{counts:?}");
}

#[actix_web::test]
async fn query_parameters_are_refused_naming_them() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for (query, field) in [
        ("?success_threshold=0", "success_threshold"),
        ("?success_threshold=1.01", "success_threshold"),
        ("?paths=0", "paths"),
        ("?paths=many", "paths"),
        ("?seed=-1", "seed"),
        ("?colour=red", "colour"),
    ] {
        let body = problem(
            app.get(&format!("/ml/risk-assessment{query}"), Some(&user.access))
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&body), [field], "{query}");
    }
}

/// Success of P1 started with `wealth`, on `paths` paths and `seed`, by Monte Carlo.
async fn success_at(app: &TestApp, user: &TestUser, wealth: f64, paths: u32, seed: u64) -> f64 {
    let mut plan: Value = serde_json::from_str(P1).unwrap();
    plan["initial_wealth"] = json!(wealth);
    let run = ok_json(
        app.post(
            "/simulations/monte-carlo",
            Some(&user.access),
            &json!({"plan": plan, "paths": paths, "seed": seed, "fan_chart": false}),
        )
        .await,
    )
    .await;
    run["summary"]["success_probability"].as_f64().unwrap()
}

#[actix_web::test]
async fn capacity_is_exact_and_need_is_the_solvers_equity_share() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let plan: Value = serde_json::from_str(P1).unwrap();
    ok_json(app.put("/planning/plan", Some(&user.access), &plan).await).await;
    // Average tolerance: 16 + 3 (q2) + 2 (q9) + 2 (q10) + 3 (q11's fourth option) = 26.
    let mut answers = first_options();
    answers["q2"] = json!(4);
    answers["q9"] = json!(2);
    answers["q10"] = json!(2);
    answers["q11"] = json!(4);
    let stored = ok_json(put_answers(&app, &user, &answers).await).await;
    assert_eq!(stored["tolerance"]["score"], 26);
    assert_eq!(stored["tolerance"]["band"], "average");

    let (threshold, paths, seed) = (0.4, 1000, 7);
    let got = assessment(
        &app,
        &user,
        &format!("?success_threshold={threshold}&paths={paths}&seed={seed}"),
    )
    .await;
    assert_eq!(
        (got["paths"].clone(), got["seed"].clone()),
        (json!(paths), json!(seed))
    );
    let capacity = &got["capacity"];
    assert_eq!(capacity["method"], "thresholds");
    let wealth = capacity["wealth"].as_f64().unwrap();
    let floor = capacity["floor_wealth"].as_f64().unwrap();
    let fall = capacity["largest_fall"].as_f64().unwrap();
    assert!((wealth - floor - fall).abs() < 1e-6);
    assert!(fall > 0.0 && floor > 0.0, "{capacity}");
    // Independently: Monte Carlo on the same paths at the current wealth, at the floor, and
    // a cent (and a percent) further down.
    assert_eq!(
        success_at(&app, &user, wealth, paths, seed).await,
        capacity["success_probability"].as_f64().unwrap()
    );
    let at_floor = success_at(&app, &user, floor, paths, seed).await;
    assert!(at_floor >= threshold, "{at_floor}");
    assert_eq!(at_floor, capacity["success_at_floor"].as_f64().unwrap());
    assert!(success_at(&app, &user, floor - 0.01, paths, seed).await < threshold);
    assert!(success_at(&app, &user, floor - 0.01 * wealth, paths, seed).await < threshold);
    assert_eq!(capacity["months_to_retirement"], 360);
    let cap = capacity["equity_cap"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&cap));
    assert!(capacity["explanation"].as_str().unwrap().contains('%'));

    // Need: the solver's least equity share on the same paths and seed.
    let solved = ok_json(
        app.post(
            "/planning/solve",
            Some(&user.access),
            &json!({"for": "equity_share", "target_success": threshold,
                    "paths": paths, "seed": seed}),
        )
        .await,
    )
    .await;
    let need = &got["need"];
    assert_eq!(need["equity_share"], solved["value"]);
    assert_eq!(need["success_probability"], solved["search_success"]);
    assert_eq!(need["achieved_success"], solved["achieved_success"]);
    assert_eq!(need["equity_classes"], json!(["us_equity", "intl_equity"]));
    let share = need["equity_share"].as_f64().unwrap();
    let weights = solved["weights"].as_array().unwrap();
    let expected_return = weights[0].as_f64().unwrap() * 0.07
        + weights[1].as_f64().unwrap() * 0.065
        + weights[2].as_f64().unwrap() * 0.03;
    assert!((need["required_return"].as_f64().unwrap() - expected_return).abs() < 1e-12);

    // The profile: the least share in [max(need, 0.4), min(0.6, cap)], or the most allowed
    // when the need is beyond it.
    let profile = &got["profile"];
    let highest = cap.min(0.6);
    let lowest = share.max(0.4);
    assert_eq!(profile["highest_equity_share"].as_f64().unwrap(), highest);
    let recommended = profile["recommended_equity_share"].as_f64().unwrap();
    if share > highest {
        assert_eq!(profile["plan_must_change"], true);
        assert_eq!(profile["binding"], "need");
        assert_eq!(recommended, highest);
    } else if lowest <= highest {
        assert_eq!(profile["plan_must_change"], false);
        assert_eq!(recommended, lowest);
        let binding = if share >= 0.4 { "need" } else { "tolerance" };
        assert_eq!(profile["binding"], binding);
    } else {
        assert_eq!(profile["binding"], "capacity");
        assert_eq!(recommended, highest);
    }
    assert!(!profile["explanation"].as_str().unwrap().is_empty());
}

#[actix_web::test]
async fn a_plan_already_below_the_threshold_can_bear_no_fall_and_must_change() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let mut plan: Value = serde_json::from_str(P1).unwrap();
    plan["monthly_spending"] = json!(20000);
    ok_json(app.put("/planning/plan", Some(&user.access), &plan).await).await;
    let got = assessment(&app, &user, "?paths=300&seed=2&success_threshold=0.9").await;
    let capacity = &got["capacity"];
    assert!(capacity["floor_wealth"].is_null(), "{capacity}");
    assert_eq!(capacity["largest_fall"], 0.0);
    assert!(capacity["success_probability"].as_f64().unwrap() < 0.9);
    assert!(got["need"]["equity_share"].is_null(), "{}", got["need"]);
    assert_eq!(got["profile"]["plan_must_change"], true);
    assert_eq!(got["profile"]["binding"], "need");
}

#[actix_web::test]
async fn only_the_owner_or_an_advisor_with_a_grant_reads_an_assessment() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = app.new_user().await;
    let stranger = app.new_user().await;
    ok_json(put_answers(&app, &client, &first_options()).await).await;
    let path = format!("/ml/risk-assessment?user_id={}", client.id);
    for reader in [&advisor, &stranger] {
        problem(
            app.get(&path, Some(&reader.access)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    // Another user's own assessment shows none of the client's answers.
    assert!(assessment(&app, &stranger, "").await["answers"].is_null());
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&client.access),
            &json!({ "advisor_email": advisor.email }),
        )
        .await,
    )
    .await;
    let read = ok_json(app.get(&path, Some(&advisor.access)).await).await;
    assert_eq!(read["answers"]["tolerance"]["score"], 16);
}

#[actix_web::test]
async fn deleting_the_account_removes_the_answers() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    ok_json(put_answers(&app, &user, &first_options()).await).await;
    let counts = app.db.count_owned_rows(user.id).await.unwrap();
    assert!(counts.contains(&("risk_answers", 1)), "{counts:?}");
    let deleted = app
        .delete(
            "/users/account",
            Some(&user.access),
            Some(&json!({ "password": user.password })),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let counts = app.db.count_owned_rows(user.id).await.unwrap();
    assert!(counts.contains(&("risk_answers", 0)), "{counts:?}");
}

#[actix_web::test]
async fn a_plan_without_equity_classes_has_a_capacity_but_says_why_it_has_no_need() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let plan = json!({
        "initial_wealth": 250000, "monthly_contribution": 1500, "retirement_month": 360,
        "monthly_spending": 3000, "horizon_months": 600,
        "asset_classes": [{"name": "gold", "mu": 0.04, "sigma": 0.15},
                          {"name": "cash", "mu": 0.02, "sigma": 0.01}],
        "weights": [0.5, 0.5], "correlation": [[1, 0], [0, 1]]
    });
    ok_json(app.put("/planning/plan", Some(&user.access), &plan).await).await;
    let got = assessment(&app, &user, "?paths=300&success_threshold=0.5").await;
    assert!(
        got["capacity"]["wealth"].as_f64().unwrap() == 250_000.0,
        "{got}"
    );
    assert!(got["capacity"]["equity_cap"].is_null());
    assert!(got["need"].is_null());
    assert!(
        got["need_unavailable"]
            .as_str()
            .unwrap()
            .contains("no equity class"),
        "{got}"
    );
    // No answers and no need: nothing to recommend from.
    assert!(got["profile"].is_null());
}
