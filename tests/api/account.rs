//! Account deletion removes every row the user owns, in one transaction, audit-logged.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{ok_json, problem, spawn_app};

#[actix_web::test]
async fn deleting_an_account_leaves_no_row_behind() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let other = app.new_user().await;
    app.create_goal(&user, "one").await;
    app.create_goal(&user, "two").await;
    app.create_goal(&other, "not mine").await;
    ok_json(
        app.put(
            "/users/profile",
            Some(&user.access),
            &json!({ "annual_income": 50000 }),
        )
        .await,
    )
    .await;
    ok_json(app.refresh(&user.refresh).await).await;

    let counts = app.db.count_owned_rows(user.id).await.unwrap();
    assert!(
        counts.iter().any(|(t, n)| *t == "goals" && *n == 2),
        "{counts:?}"
    );

    // The wrong password deletes nothing.
    let body = json!({ "password": "definitely not it" });
    problem(
        app.delete("/users/account", Some(&user.access), Some(&body))
            .await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    assert_eq!(app.db.count_owned_rows(user.id).await.unwrap(), counts);

    let body = json!({ "password": user.password });
    let deleted = app
        .delete("/users/account", Some(&user.access), Some(&body))
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    for (table, n) in app.db.count_owned_rows(user.id).await.unwrap() {
        assert_eq!(n, 0, "{table} still holds rows of the deleted user");
    }
    let actions = app.db.audit_actions_for(user.id).await.unwrap();
    assert_eq!(
        actions.last().map(String::as_str),
        Some("account.deleted"),
        "{actions:?}"
    );

    // Nothing of the account works any more (its unexpired token included); other users are
    // untouched.
    problem(
        app.get("/users/profile", Some(&user.access)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    problem(
        app.refresh(&user.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
    problem(
        app.login(&user.email, &user.password).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let theirs = ok_json(app.get("/planning/goals", Some(&other.access)).await).await;
    assert_eq!(theirs["total"], 1);
}

#[actix_web::test]
async fn the_audit_log_is_append_only() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let refused = match &app.db {
        glidepath::store::Db::Sqlite(pool) => sqlx::query("delete from audit_log")
            .execute(pool)
            .await
            .is_err(),
        glidepath::store::Db::Postgres(pool) => sqlx::query("delete from audit_log")
            .execute(pool)
            .await
            .is_err(),
    };
    assert!(refused, "deleting audit rows must fail");
    assert!(!app.db.audit_actions_for(user.id).await.unwrap().is_empty());
}
