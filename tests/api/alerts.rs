//! Alert rules and alerts: CRUD, validation naming the field, isolation, newest first.

use std::time::Duration;

use glidepath::store::{alert_rules, alerts};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app};

async fn create_rule(app: &TestApp, user: &TestUser, body: &Value) -> Value {
    let created = app.post("/alerts/rules", Some(&user.access), body).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    created.json().await.unwrap()
}

#[actix_web::test]
async fn rules_crud_and_validation() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let success = create_rule(
        &app,
        &user,
        &json!({ "kind": "success_below", "level": 0.8 }),
    )
    .await;
    assert_eq!(
        (success["kind"].as_str(), success["hysteresis"].as_f64()),
        (Some("success_below"), Some(0.02))
    );
    assert!(success["symbol"].is_null() && success["direction"].is_null());
    create_rule(
        &app,
        &user,
        &json!({ "kind": "drift_above", "level": 0.05, "hysteresis": 0.01 }),
    )
    .await;
    let price = create_rule(
        &app,
        &user,
        &json!({ "kind": "price_cross", "symbol": "vti", "direction": "above", "level": 250 }),
    )
    .await;
    assert_eq!(
        (price["symbol"].as_str(), price["direction"].as_str()),
        (Some("VTI"), Some("above"))
    );
    assert_eq!(price["hysteresis"], 1.25);

    let list = ok_json(app.get("/alerts/rules", Some(&user.access)).await).await;
    assert_eq!(list["total"], 3);
    assert_eq!(list["items"][0], success, "oldest first");
    assert_eq!(
        alert_rules::list_for_user(&app.db, user.id)
            .await
            .unwrap()
            .len(),
        3
    );

    for (body, field) in [
        (json!({ "kind": "success_below", "level": 1.5 }), "level"),
        (
            json!({ "kind": "price_cross", "direction": "below", "level": 10 }),
            "symbol",
        ),
        (
            json!({ "kind": "price_cross", "symbol": "X", "level": 10 }),
            "direction",
        ),
        (
            json!({ "kind": "success_below", "level": 0.5, "symbol": "X" }),
            "symbol",
        ),
        (
            json!({ "kind": "drift_above", "level": 0.05, "hysteresis": 0.05 }),
            "hysteresis",
        ),
        (
            json!({ "kind": "price_cross", "symbol": "A B", "direction": "below", "level": 10 }),
            "symbol",
        ),
        (
            json!({ "kind": "price_cross", "symbol": "X", "direction": "below", "level": 0 }),
            "level",
        ),
    ] {
        let p = problem(
            app.post("/alerts/rules", Some(&user.access), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{body}");
    }
    for body in [
        json!({ "kind": "sometimes", "level": 0.5 }),
        json!({ "kind": "drift_above", "level": 0.5, "extra": 1 }),
        json!({ "level": 0.5 }),
    ] {
        problem(
            app.post("/alerts/rules", Some(&user.access), &body).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
    }

    let path = format!("/alerts/rules/{}", price["id"].as_str().unwrap());
    assert_eq!(
        app.delete(&path, Some(&user.access), None).await.status(),
        StatusCode::NO_CONTENT
    );
    problem(
        app.delete(&path, Some(&user.access), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = ok_json(app.get("/alerts/rules", Some(&user.access)).await).await;
    assert_eq!(list["total"], 2);
}

#[actix_web::test]
async fn alerts_are_listed_newest_first_and_outlive_their_rule() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let rule = create_rule(
        &app,
        &user,
        &json!({ "kind": "price_cross", "symbol": "VTI", "direction": "below", "level": 200 }),
    )
    .await;
    let rule_id = rule["id"].as_str().unwrap().parse().unwrap();
    let first = alerts::insert(
        &app.db,
        user.id,
        alerts::NewAlert {
            rule_id: Some(rule_id),
            kind: "price_cross",
            message: "VTI fell to 199",
            value: 199.0,
            recommendation_id: None,
        },
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = alerts::insert(
        &app.db,
        user.id,
        alerts::NewAlert {
            rule_id: None,
            kind: "success_below",
            message: "success 0.79",
            value: 0.79,
            recommendation_id: None,
        },
    )
    .await
    .unwrap();
    assert!(
        alerts::insert(
            &app.db,
            user.id,
            alerts::NewAlert {
                rule_id: None,
                kind: "whatever",
                message: "x",
                value: 1.0,
                recommendation_id: None,
            },
        )
        .await
        .is_err()
    );

    let page = ok_json(app.get("/alerts", Some(&user.access)).await).await;
    assert_eq!(page["total"], 2);
    assert_eq!(
        page["items"][0]["id"],
        second.id.to_string(),
        "newest first: {page}"
    );
    assert_eq!(page["items"][1]["rule_id"], rule_id.to_string());
    assert_eq!(page["items"][1]["value"], 199.0);
    assert_eq!(page["items"][1]["message"], first.message);
    let one = ok_json(
        app.get("/alerts?limit=1&offset=1", Some(&user.access))
            .await,
    )
    .await;
    assert_eq!(one["items"][0]["id"], first.id.to_string());

    let deleted = app
        .delete(
            &format!("/alerts/rules/{rule_id}"),
            Some(&user.access),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let page = ok_json(app.get("/alerts", Some(&user.access)).await).await;
    assert_eq!(page["total"], 2);
    assert!(page["items"][1]["rule_id"].is_null(), "{page}");
}

#[actix_web::test]
async fn user_b_cannot_see_or_delete_rules_and_alerts_of_a() {
    let app = spawn_app().await;
    let a = app.new_user().await;
    let b = app.new_user().await;
    let rule = create_rule(&app, &a, &json!({ "kind": "drift_above", "level": 0.1 })).await;
    alerts::insert(
        &app.db,
        a.id,
        alerts::NewAlert {
            rule_id: None,
            kind: "drift_above",
            message: "drift 0.11",
            value: 0.11,
            recommendation_id: None,
        },
    )
    .await
    .unwrap();
    problem(
        app.delete(
            &format!("/alerts/rules/{}", rule["id"].as_str().unwrap()),
            Some(&b.access),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    for path in ["/alerts/rules", "/alerts"] {
        let theirs = ok_json(app.get(path, Some(&b.access)).await).await;
        assert_eq!(theirs["total"], 0, "{path}");
        let mine = ok_json(app.get(path, Some(&a.access)).await).await;
        assert_eq!(mine["total"], 1, "{path}");
    }
}

#[actix_web::test]
async fn pruning_keeps_the_newest_alerts_of_one_user_only() {
    let app = spawn_app().await;
    let (user, other) = (app.new_user().await, app.new_user().await);
    let mut ids = Vec::new();
    for i in 0..5 {
        let row = alerts::insert(
            &app.db,
            user.id,
            alerts::NewAlert {
                rule_id: None,
                kind: "success_below",
                message: "s",
                value: f64::from(i),
                recommendation_id: None,
            },
        )
        .await
        .unwrap();
        ids.push(row.id.to_string());
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    alerts::insert(
        &app.db,
        other.id,
        alerts::NewAlert {
            rule_id: None,
            kind: "drift_above",
            message: "d",
            value: 0.2,
            recommendation_id: None,
        },
    )
    .await
    .unwrap();

    assert_eq!(alerts::prune(&app.db, user.id, 3).await.unwrap(), 2);
    assert_eq!(alerts::prune(&app.db, user.id, 3).await.unwrap(), 0);
    let page = ok_json(app.get("/alerts", Some(&user.access)).await).await;
    assert_eq!(page["total"], 3);
    let kept: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, [&ids[4], &ids[3], &ids[2]], "the newest three");
    let theirs = ok_json(app.get("/alerts", Some(&other.access)).await).await;
    assert_eq!(theirs["total"], 1, "another user's alerts are untouched");
}
