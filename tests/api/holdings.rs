//! Holdings CRUD, validation against the plan's asset classes, isolation, allocations at the
//! hub's prices, and account deletion.

use glidepath::config::FeedKind;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fields, ok_json, problem, spawn_app_with};

/// A server whose prices come only from the test (`TestApp::tick`).
async fn app_without_feed() -> TestApp {
    spawn_app_with(|s| s.market.feed = FeedKind::None).await
}

#[actix_web::test]
async fn holdings_crud_and_validation() {
    let app = app_without_feed().await;
    let user = app.new_user().await;
    let created = app
        .create_holding(&user, "Brokerage", "vti", 10.5, "us_equity")
        .await;
    assert_eq!(created["account"], "brokerage");
    assert_eq!(created["symbol"], "VTI");
    assert_eq!(created["quantity"], 10.5);
    let path = format!("/portfolio/holdings/{}", created["id"].as_str().unwrap());
    assert_eq!(
        ok_json(app.get(&path, Some(&user.access)).await).await,
        created
    );

    // The same symbol in the same account conflicts; in another account it is fine.
    let dup =
        json!({ "account": "brokerage", "symbol": "VTI", "quantity": 1, "asset_class": "bonds" });
    let p = problem(
        app.post("/portfolio/holdings", Some(&user.access), &dup)
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(fields(&p), ["symbol"]);
    app.create_holding(&user, "ira", "VTI", 0.000_001, "bonds")
        .await;

    let bad = json!({ "account": "my account", "symbol": "V T I", "quantity": 1.000_000_1, "asset_class": "gold" });
    let p = problem(
        app.post("/portfolio/holdings", Some(&user.access), &bad)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["account", "symbol", "quantity", "asset_class"]);
    for quantity in [0.0, -1.0, 1e9 + 1.0] {
        let body =
            json!({ "account": "a", "symbol": "X", "quantity": quantity, "asset_class": "bonds" });
        let p = problem(
            app.post("/portfolio/holdings", Some(&user.access), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), ["quantity"], "{quantity}");
    }
    let missing = json!({ "account": "a", "symbol": "X", "quantity": 1 });
    let p = problem(
        app.post("/portfolio/holdings", Some(&user.access), &missing)
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["asset_class"]);

    let updated = ok_json(
        app.put(
            &path,
            Some(&user.access),
            &json!({ "quantity": 12.25, "asset_class": "intl_equity" }),
        )
        .await,
    )
    .await;
    assert_eq!(updated["quantity"], 12.25);
    assert_eq!(updated["asset_class"], "intl_equity");
    assert_eq!(updated["symbol"], "VTI");
    let p = problem(
        app.put(&path, Some(&user.access), &json!({ "asset_class": "gold" }))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["asset_class"]);
    // Moving it into the account that already holds VTI conflicts.
    problem(
        app.put(&path, Some(&user.access), &json!({ "account": "IRA" }))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;

    let list = ok_json(
        app.get("/portfolio/holdings?limit=1", Some(&user.access))
            .await,
    )
    .await;
    assert_eq!(list["total"], 2);
    assert_eq!(
        list["items"][0]["account"], "brokerage",
        "ordered by account: {list}"
    );

    assert_eq!(
        app.delete(&path, Some(&user.access), None).await.status(),
        StatusCode::NO_CONTENT
    );
    for response in [
        app.get(&path, Some(&user.access)).await,
        app.delete(&path, Some(&user.access), None).await,
    ] {
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
}

#[actix_web::test]
async fn asset_classes_come_from_the_stored_plan() {
    let app = app_without_feed().await;
    let user = app.new_user().await;
    let plan = json!({
        "initial_wealth": 100000, "retirement_month": 240, "horizon_months": 480,
        "asset_classes": [{ "name": "stocks", "mu": 0.07, "sigma": 0.16 }, { "name": "cash", "mu": 0.02, "sigma": 0.01 }],
        "weights": [0.7, 0.3], "correlation": [[1, 0], [0, 1]],
    });
    ok_json(app.put("/planning/plan", Some(&user.access), &plan).await).await;
    app.create_holding(&user, "a", "SPY", 1.0, "stocks").await;
    let body = json!({ "account": "a", "symbol": "X", "quantity": 1, "asset_class": "us_equity" });
    let p = problem(
        app.post("/portfolio/holdings", Some(&user.access), &body)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["asset_class"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("stocks, cash"),
        "{p}"
    );
    let alloc = ok_json(app.get("/portfolio/allocations", Some(&user.access)).await).await;
    let targets: Vec<(&str, f64)> = alloc["classes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["asset_class"].as_str().unwrap(),
                c["target_weight"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(targets, [("stocks", 0.7), ("cash", 0.3)]);
}

#[actix_web::test]
async fn user_b_cannot_read_change_or_delete_a_holding_of_a() {
    let app = app_without_feed().await;
    let a = app.new_user().await;
    let b = app.new_user().await;
    let holding = app.create_holding(&a, "ira", "BND", 3.0, "bonds").await;
    let path = format!("/portfolio/holdings/{}", holding["id"].as_str().unwrap());
    for response in [
        app.get(&path, Some(&b.access)).await,
        app.put(&path, Some(&b.access), &json!({ "quantity": 1 }))
            .await,
        app.delete(&path, Some(&b.access), None).await,
    ] {
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let theirs = ok_json(app.get("/portfolio/holdings", Some(&b.access)).await).await;
    assert_eq!(theirs["total"], 0);
    let alloc = ok_json(app.get("/portfolio/allocations", Some(&b.access)).await).await;
    assert_eq!(alloc["holdings"], json!([]));
    assert_eq!(
        ok_json(app.get(&path, Some(&a.access)).await).await,
        holding
    );
}

fn class<'a>(alloc: &'a Value, name: &str) -> &'a Value {
    alloc["classes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["asset_class"] == name)
        .unwrap()
}

fn close(value: &Value, expected: f64) -> bool {
    (value.as_f64().unwrap() - expected).abs() < 1e-9
}

#[actix_web::test]
async fn allocations_at_the_hubs_prices_match_a_hand_computation() {
    let app = app_without_feed().await;
    let user = app.new_user().await;
    app.create_holding(&user, "brokerage", "VTI", 10.0, "us_equity")
        .await;
    app.create_holding(&user, "brokerage", "VXUS", 20.0, "intl_equity")
        .await;
    app.create_holding(&user, "brokerage", "BND", 12.5, "bonds")
        .await;
    app.create_holding(&user, "ira", "VTI", 2.5, "us_equity")
        .await;
    app.create_holding(&user, "ira", "NEWCO", 3.0, "bonds")
        .await;

    // Nothing priced yet: no value, no weights, no drift.
    let alloc = ok_json(app.get("/portfolio/allocations", Some(&user.access)).await).await;
    assert_eq!(alloc["total_value"], 0.0);
    assert_eq!(alloc["max_abs_drift"], 0.0);
    assert_eq!(alloc["unpriced"], json!(["BND", "NEWCO", "VTI", "VXUS"]));

    app.tick("VTI", 200.0).await;
    app.tick("VXUS", 50.0).await;
    app.tick("BND", 80.0).await;
    let alloc = ok_json(app.get("/portfolio/allocations", Some(&user.access)).await).await;
    // 10×200 + 20×50 + 12.5×80 + 2.5×200 = 2000 + 1000 + 1000 + 500; NEWCO has no price.
    assert!(close(&alloc["total_value"], 4500.0), "{alloc}");
    assert_eq!(alloc["unpriced"], json!(["NEWCO"]));
    let us = class(&alloc, "us_equity");
    assert!(
        close(&us["value"], 2500.0) && close(&us["weight"], 2500.0 / 4500.0),
        "{us}"
    );
    assert!(close(&us["drift"], 2500.0 / 4500.0 - 0.6) && us["target_weight"] == 0.6);
    let bonds = class(&alloc, "bonds");
    assert!(
        close(&bonds["weight"], 1000.0 / 4500.0) && close(&bonds["drift"], 1000.0 / 4500.0 - 0.2)
    );
    assert!(close(&alloc["max_abs_drift"], 0.6 - 2500.0 / 4500.0));
    let newco = alloc["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["symbol"] == "NEWCO")
        .unwrap();
    assert!(
        newco["price"].is_null() && newco["market_value"].is_null(),
        "{newco}"
    );
    let ira_vti = alloc["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["symbol"] == "VTI" && h["account"] == "ira")
        .unwrap();
    assert_eq!(
        (ira_vti["price"].as_f64(), ira_vti["market_value"].as_f64()),
        (Some(200.0), Some(500.0))
    );

    // A new price moves the numbers at once.
    app.tick("VTI", 220.0).await;
    let alloc = ok_json(app.get("/portfolio/allocations", Some(&user.access)).await).await;
    assert!(
        close(&alloc["total_value"], 4500.0 + 12.5 * 20.0),
        "{alloc}"
    );
}

#[actix_web::test]
async fn deleting_an_account_removes_its_holdings_rules_alerts_and_grants() {
    let app = app_without_feed().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let user = app.new_user().await;
    app.create_holding(&user, "ira", "BND", 3.0, "bonds").await;
    let rule = ok_json(
        app.post(
            "/alerts/rules",
            Some(&user.access),
            &json!({ "kind": "drift_above", "level": 0.1 }),
        )
        .await,
    )
    .await;
    let rule_id = rule["id"].as_str().unwrap().parse().unwrap();
    glidepath::store::alerts::insert(
        &app.db,
        user.id,
        glidepath::store::alerts::NewAlert {
            rule_id: Some(rule_id),
            kind: "drift_above",
            message: "drift 0.12",
            value: 0.12,
            recommendation_id: None,
        },
    )
    .await
    .unwrap();
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&user.access),
            &json!({ "advisor_email": advisor.email }),
        )
        .await,
    )
    .await;
    let counts = app.db.count_owned_rows(user.id).await.unwrap();
    for table in ["holdings", "alert_rules", "alerts", "advisor_grants"] {
        assert!(counts.contains(&(table, 1)), "{table}: {counts:?}");
    }

    let body = json!({ "password": user.password });
    let deleted = app
        .delete("/users/account", Some(&user.access), Some(&body))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    for (table, n) in app.db.count_owned_rows(user.id).await.unwrap() {
        assert_eq!(n, 0, "{table} still holds rows of the deleted user");
    }
    assert!(
        glidepath::store::grants::list_clients(&app.db, advisor.id)
            .await
            .unwrap()
            .is_empty()
    );
}
