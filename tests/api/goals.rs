//! Goals per user are limited (`limits.goals_per_user`), also under concurrent creation.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, TestUser, ok_json, problem, spawn_app_with};

async fn goal_total(app: &TestApp, user: &TestUser) -> u64 {
    ok_json(app.get("/planning/goals", Some(&user.access)).await).await["total"]
        .as_u64()
        .unwrap()
}

fn goal(name: &str) -> serde_json::Value {
    json!({ "name": name, "target_amount": 1000, "target_date": "2045-06-30" })
}

#[actix_web::test]
async fn a_user_may_have_at_most_the_configured_number_of_goals() {
    let app = spawn_app_with(|s| s.limits.goals_per_user = 3).await;
    let user = app.new_user().await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(app.create_goal(&user, &format!("Goal {i}")).await);
    }
    let refused = problem(
        app.post("/planning/goals", Some(&user.access), &goal("One too many"))
            .await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("maximum of 3 goals"),
        "{refused}"
    );
    assert_eq!(goal_total(&app, &user).await, 3);

    // The limit is per user, and deleting a goal makes room again.
    let other = app.new_user().await;
    app.create_goal(&other, "Theirs").await;
    let deleted = app
        .delete(
            &format!("/planning/goals/{}", ids[0]),
            Some(&user.access),
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    app.create_goal(&user, "Room again").await;
    assert_eq!(goal_total(&app, &user).await, 3);
}

#[actix_web::test]
async fn concurrent_creations_do_not_exceed_the_limit() {
    let app = spawn_app_with(|s| s.limits.goals_per_user = 3).await;
    let user = app.new_user().await;
    let body = goal("Race");
    let statuses = futures_util::future::join_all(
        (0..12).map(|_| app.post("/planning/goals", Some(&user.access), &body)),
    )
    .await
    .into_iter()
    .map(|r| r.status())
    .collect::<Vec<_>>();
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((created, refused), (3, 9), "{statuses:?}");
    assert_eq!(goal_total(&app, &user).await, 3);
}
