//! Advisor grants: who may watch a client's plan, and revoking it.

use glidepath::store::grants;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, TestUser, fields, ok_json, problem, spawn_app};

async fn grant(app: &TestApp, client: &TestUser, email: &str) -> reqwest::Response {
    app.post(
        "/advisors/grants",
        Some(&client.access),
        &json!({ "advisor_email": email }),
    )
    .await
}

#[actix_web::test]
async fn a_client_grants_lists_and_revokes_an_advisor() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = app.new_user().await;

    let created = grant(&app, &client, &advisor.email.to_uppercase()).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let view: serde_json::Value = created.json().await.unwrap();
    assert_eq!(view["advisor_id"], advisor.id.to_string());
    assert_eq!(view["advisor_email"], advisor.email);
    // Granting again changes nothing.
    let again = ok_json(grant(&app, &client, &advisor.email).await).await;
    assert_eq!(again, view);

    let list = ok_json(app.get("/advisors/grants", Some(&client.access)).await).await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0], view);
    assert!(
        grants::exists(&app.db, client.id, advisor.id)
            .await
            .unwrap()
    );
    assert!(
        !grants::exists(&app.db, advisor.id, client.id)
            .await
            .unwrap()
    );
    let clients = grants::list_clients(&app.db, advisor.id).await.unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(
        (clients[0].client_id, clients[0].email.as_str()),
        (client.id, client.email.as_str())
    );

    let path = format!("/advisors/grants/{}", advisor.id);
    assert_eq!(
        app.delete(&path, Some(&client.access), None).await.status(),
        StatusCode::NO_CONTENT
    );
    assert!(
        !grants::exists(&app.db, client.id, advisor.id)
            .await
            .unwrap()
    );
    problem(
        app.delete(&path, Some(&client.access), None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let p = problem(
        app.delete("/advisors/grants/not-a-uuid", Some(&client.access), None)
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
    assert_eq!(fields(&p), ["advisor_id"]);
}

#[actix_web::test]
async fn only_an_advisor_can_be_granted_and_unknown_looks_the_same() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let client = app.new_user().await;
    let not_advisor = app.new_user().await;

    let unknown = problem(
        grant(&app, &client, "nobody-here@example.com").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let plain = problem(
        grant(&app, &client, &not_advisor.email).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&unknown), ["advisor_email"]);
    assert_eq!(
        unknown["errors"], plain["errors"],
        "the same answer for both"
    );
    assert_eq!(unknown["detail"], plain["detail"]);
    let malformed = problem(
        grant(&app, &client, "not an address").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&malformed), ["advisor_email"]);

    // An advisor cannot grant themself; they can grant another advisor.
    let advisor_token = ok_json(app.login(&advisor.email, &advisor.password).await).await;
    let advisor_access = advisor_token["access_token"].as_str().unwrap().to_owned();
    let p = problem(
        app.post(
            "/advisors/grants",
            Some(&advisor_access),
            &json!({ "advisor_email": advisor.email }),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(fields(&p), ["advisor_email"]);

    // A grant to an advisor whose role is taken away lies dormant.
    assert_eq!(
        grant(&app, &client, &advisor.email).await.status(),
        StatusCode::CREATED
    );
    app.set_role(&admin, &advisor, "user").await;
    assert!(
        !grants::exists(&app.db, client.id, advisor.id)
            .await
            .unwrap()
    );
    assert!(
        grants::list_clients(&app.db, advisor.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[actix_web::test]
async fn user_b_cannot_see_or_revoke_a_grant_of_a() {
    let app = spawn_app().await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let a = app.new_user().await;
    let b = app.new_user().await;
    assert_eq!(
        grant(&app, &a, &advisor.email).await.status(),
        StatusCode::CREATED
    );

    let theirs = ok_json(app.get("/advisors/grants", Some(&b.access)).await).await;
    assert_eq!(theirs["total"], 0);
    problem(
        app.delete(
            &format!("/advisors/grants/{}", advisor.id),
            Some(&b.access),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(grants::exists(&app.db, a.id, advisor.id).await.unwrap());
}
