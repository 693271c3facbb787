//! Bad input gets a 4xx problem body naming the field, and changes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app};

async fn goal_count(app: &TestApp, user: &TestUser) -> u64 {
    ok_json(app.get("/planning/goals", Some(&user.access)).await).await["total"]
        .as_u64()
        .unwrap()
}

async fn post_raw(
    app: &TestApp,
    user: &TestUser,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    app.client
        .post(format!("{}/planning/goals", app.address))
        .bearer_auth(&user.access)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn goal_validation_names_each_bad_field_and_stores_nothing() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let good = json!({ "name": "House", "target_amount": 1000, "target_date": "2040-01-01" });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };

    // Parse errors: 400 naming the field.
    let parse_cases = [
        (with("target_amount", json!("lots")), "target_amount"),
        (with("target_date", json!("31/12/2040")), "target_date"),
        (with("priority", json!(1.5)), "priority"),
        (with("priority", json!(300)), "priority"),
        (with("status", json!("finished")), "status"),
        (
            json!({ "target_amount": 1000, "target_date": "2040-01-01" }),
            "name",
        ),
        (with("colour", json!("red")), "colour"),
    ];
    for (body, field) in parse_cases {
        let p = problem(
            app.post("/planning/goals", Some(&user.access), &body).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
        assert_eq!(fields(&p), [field], "{body}");
    }

    // Value errors: 422 naming every bad field at once.
    let p = problem(
        app.post("/planning/goals", Some(&user.access), &json!({ "name": " ", "target_amount": -5, "target_date": "2001-01-01", "priority": 9 })).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&p),
        ["name", "target_amount", "target_date", "priority"]
    );
    for (body, field) in [
        (with("target_amount", json!(0)), "target_amount"),
        (with("target_amount", json!(12.345)), "target_amount"),
        (with("target_amount", json!(1e300)), "target_amount"),
        (with("name", json!("x".repeat(201))), "name"),
        (with("target_date", json!("2999-01-01")), "target_date"),
    ] {
        let p = problem(
            app.post("/planning/goals", Some(&user.access), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{body}");
    }

    // Not JSON, not an object, no body, wrong media type, trailing garbage.
    for raw in ["{", "[]", "null", "{\"name\": \"x\"} {}", ""] {
        problem(
            post_raw(&app, &user, "application/json", raw).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
    }
    problem(
        post_raw(&app, &user, "text/plain", good.to_string()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // A 10 MB name never reaches the parser.
    let huge = json!({ "name": "x".repeat(10 * 1024 * 1024), "target_amount": 1, "target_date": "2040-01-01" });
    problem(
        post_raw(&app, &user, "application/json", huge.to_string()).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    )
    .await;

    assert_eq!(
        goal_count(&app, &user).await,
        0,
        "no bad request stored anything"
    );
}

#[actix_web::test]
async fn updates_validate_too_and_change_nothing_when_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let id = app.create_goal(&user, "Car").await;
    let before = ok_json(
        app.get(&format!("/planning/goals/{id}"), Some(&user.access))
            .await,
    )
    .await;
    let p = problem(
        app.put(
            &format!("/planning/goals/{id}"),
            Some(&user.access),
            &json!({ "name": "Boat", "target_amount": -1 }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["target_amount"]);
    let after = ok_json(
        app.get(&format!("/planning/goals/{id}"), Some(&user.access))
            .await,
    )
    .await;
    assert_eq!(
        before, after,
        "a refused update changes nothing, not even the valid fields"
    );
}

#[actix_web::test]
async fn path_and_query_parameters_are_checked() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    for path in [
        "/planning/goals/not-a-uuid",
        "/planning/goals/99999999999999999999",
        "/planning/goals/-1",
    ] {
        let p = problem(
            app.get(path, Some(&user.access)).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
        assert_eq!(fields(&p), ["id"]);
    }
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=x", "limit"),
        ("offset=-1", "offset"),
        ("offset=1e99", "offset"),
    ] {
        let p = problem(
            app.get(&format!("/planning/goals?{query}"), Some(&user.access))
                .await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        )
        .await;
        assert_eq!(fields(&p), [field], "{query}");
    }
}

#[actix_web::test]
async fn profile_and_registration_validation() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let before = ok_json(app.get("/users/profile", Some(&user.access)).await).await;
    for (body, field) in [
        (json!({ "age": 7 }), "age"),
        (json!({ "birth_year": 1800 }), "birth_year"),
        (json!({ "age": 40, "birth_year": 1986 }), "age"),
        (json!({ "annual_income": -1 }), "annual_income"),
        (json!({ "email": "not-an-email" }), "email"),
    ] {
        let p = problem(
            app.put("/users/profile", Some(&user.access), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field], "{body}");
    }
    let p = problem(
        app.put(
            "/users/profile",
            Some(&user.access),
            &json!({ "risk_tolerance": "yolo" }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["risk_tolerance"]);
    let after = ok_json(app.get("/users/profile", Some(&user.access)).await).await;
    assert_eq!(before, after);

    for (body, field) in [
        (
            json!({ "email": "x@example.com", "password": "short" }),
            "password",
        ),
        (
            json!({ "email": "bad", "password": "long enough password" }),
            "email",
        ),
    ] {
        let p = problem(
            app.post("/auth/register", None, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&p), [field]);
    }
    let p = problem(
        app.post("/auth/register", None, &json!({ "email": "x@example.com" }))
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["password"]);
}

#[actix_web::test]
async fn unknown_paths_and_methods_answer_with_problems() {
    let app = spawn_app().await;
    problem(
        app.get("/no/such/path", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let patch = app
        .request(reqwest::Method::PATCH, "/planning/goals", None, None)
        .await;
    assert_eq!(patch.headers().get("allow").unwrap(), "POST, GET");
    problem(patch, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let get_login = app.get("/auth/login", None).await;
    problem(
        get_login,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

#[actix_web::test]
async fn edge_values_found_by_schemathesis_are_handled() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    // A positive amount that rounds to zero cents is refused, not a database error.
    let tiny = json!({ "name": "x", "target_amount": 5e-324, "target_date": "2040-01-01" });
    let p = problem(
        app.post("/planning/goals", Some(&user.access), &tiny).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["target_amount"]);
    // serde would read a struct from an array of its fields; the API does not.
    let p = problem(
        app.put("/users/profile", Some(&user.access), &json!([null, null]))
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["body"]);
    // JSON Schema counts 4.0 as an integer, so the API does too.
    let whole =
        json!({ "name": "x", "target_amount": 10, "target_date": "2040-01-01", "priority": 4.0 });
    let goal = ok_json(
        app.post("/planning/goals", Some(&user.access), &whole)
            .await,
    )
    .await;
    assert_eq!(goal["priority"], 4);
    let p = problem(
        app.put(
            "/users/profile",
            Some(&user.access),
            &json!({ "age": 40.5 }),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["age"]);
    assert_eq!(goal_count(&app, &user).await, 1);
}

#[actix_web::test]
async fn json_in_a_charset_other_than_utf8_is_refused_with_415() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let good = json!({ "name": "House", "target_amount": 1000, "target_date": "2040-01-01" });
    for content_type in [
        "application/json; charset=utf-16",
        "application/json; charset=\"UTF-16LE\"",
        "application/json; charset=iso-8859-1",
        "application/json; charset=utf-8; charset=utf-16",
    ] {
        let p = problem(
            post_raw(&app, &user, content_type, good.to_string()).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
        assert!(
            p["detail"].as_str().unwrap().contains("UTF-8"),
            "{content_type}: {p}"
        );
    }
    assert_eq!(goal_count(&app, &user).await, 0);
    for content_type in [
        "application/json",
        "application/json; charset=utf-8",
        "application/json;charset=UTF-8",
        "application/json; charset=\"utf-8\"",
        "application/json; charset=utf8",
    ] {
        let created = post_raw(&app, &user, content_type, good.to_string()).await;
        assert_eq!(created.status(), StatusCode::CREATED, "{content_type}");
    }
}
