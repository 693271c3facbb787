//! A user never sees or changes another user's data: every such request gets 404, exactly
//! like a missing id.

use reqwest::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{ok_json, problem, spawn_app};

#[actix_web::test]
async fn user_b_gets_404_on_every_resource_of_user_a() {
    let app = spawn_app().await;
    let a = app.new_user().await;
    let b = app.new_user().await;
    let goal = app.create_goal(&a, "A's house").await;
    let missing = Uuid::new_v4();

    let update = json!({ "name": "hijacked" });
    let matrix = [
        (Method::GET, format!("/planning/goals/{goal}"), None),
        (
            Method::PUT,
            format!("/planning/goals/{goal}"),
            Some(update.clone()),
        ),
        (Method::DELETE, format!("/planning/goals/{goal}"), None),
    ];
    for (method, path, body) in &matrix {
        let theirs = problem(
            app.request(method.clone(), path, Some(&b.access), body.as_ref())
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        let nobodys_path = path.replace(&goal, &missing.to_string());
        let nobodys = problem(
            app.request(
                method.clone(),
                &nobodys_path,
                Some(&b.access),
                body.as_ref(),
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        assert_eq!(
            theirs, nobodys,
            "{method} {path}: another user's goal must look exactly like a missing one"
        );
    }

    // B's lists and profile show only B; A's goal is untouched.
    let b_goals = ok_json(app.get("/planning/goals", Some(&b.access)).await).await;
    assert_eq!(b_goals["total"], 0);
    let b_profile = ok_json(app.get("/users/profile", Some(&b.access)).await).await;
    assert_eq!(b_profile["account"]["email"], b.email);
    let a_goal = ok_json(
        app.get(&format!("/planning/goals/{goal}"), Some(&a.access))
            .await,
    )
    .await;
    assert_eq!(a_goal["name"], "A's house");

    // Administration is closed to ordinary users.
    problem(
        app.get("/admin/users", Some(&b.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.put(
            &format!("/admin/users/{}/role", a.id),
            Some(&b.access),
            &json!({ "role": "admin" }),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        app.get("/health/detailed", Some(&b.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
