//! An advisor's clients in segments, from their live plans and profiles.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{TestApp, TestUser, ok_json, problem};
use crate::live::quiet_app;

/// A client of `advisor` holding `spy` SPY shares, of `age`.
async fn client(app: &TestApp, advisor: &TestUser, spy: f64, age: u8) -> TestUser {
    let user = app.new_user().await;
    app.create_holding(&user, "brokerage", "SPY", spy, "us_equity")
        .await;
    ok_json(
        app.put("/users/profile", Some(&user.access), &json!({"age": age}))
            .await,
    )
    .await;
    ok_json(
        app.post(
            "/advisors/grants",
            Some(&user.access),
            &json!({"advisor_email": advisor.email}),
        )
        .await,
    )
    .await;
    user
}

#[actix_web::test]
async fn an_advisors_book_falls_into_the_segments_its_clients_form() {
    let app = quiet_app().await;
    app.tick("SPY", 400.0).await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    // Three older, wealthy clients and three young ones with little, each a little apart.
    let mut wealthy = Vec::new();
    let mut starting = Vec::new();
    for i in 0..3 {
        let k = f64::from(i);
        wealthy.push(
            client(&app, &advisor, 5000.0 + 100.0 * k, 66 + i as u8)
                .await
                .id,
        );
        starting.push(client(&app, &advisor, 2.0 + k, 24 + i as u8).await.id);
    }

    let book = ok_json(app.get("/advisor/segments", Some(&advisor.access)).await).await;
    let segments = book["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 2, "{book:#}");
    assert!(book["silhouette"].as_f64().unwrap() > 0.5, "{book:#}");
    let segment_of = |id: uuid::Uuid| {
        book["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["user_id"] == id.to_string())
            .unwrap()["segment"]
            .as_u64()
            .unwrap()
    };
    let rich = segment_of(wealthy[0]);
    let young = segment_of(starting[0]);
    assert_ne!(rich, young);
    assert!(wealthy.iter().all(|id| segment_of(*id) == rich));
    assert!(starting.iter().all(|id| segment_of(*id) == young));
    let rich = &segments[usize::try_from(rich).unwrap()];
    assert_eq!(rich["size"], 3);
    // Its centre is its clients' means, and its name says what sets it apart.
    assert_eq!(rich["centre"]["age"], 67.0);
    let wealth = rich["centre"]["wealth"].as_f64().unwrap();
    assert!((wealth - 400.0 * 5100.0).abs() < 1e-6, "{wealth}");
    let label = rich["label"].as_str().unwrap().to_lowercase();
    assert!(
        label.contains("older") || label.contains("wealthier"),
        "{label}"
    );
    // Every client has the default plan's weights and one holding: neither sets anyone apart.
    assert!(
        !label.contains("equities") && !label.contains("target"),
        "{label}"
    );
    assert!(
        rich["description"]
            .as_str()
            .unwrap()
            .contains("against the book's")
    );
    assert_eq!(book["features"].as_array().unwrap().len(), 6);
}

#[actix_web::test]
async fn a_small_book_is_one_segment_and_only_advisors_have_one() {
    let app = quiet_app().await;
    app.tick("SPY", 400.0).await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    let empty = ok_json(app.get("/advisor/segments", Some(&advisor.access)).await).await;
    assert_eq!(empty["segments"], json!([]));
    assert_eq!(empty["clients"], json!([]));
    let only = client(&app, &advisor, 10.0, 40).await;
    let book = ok_json(app.get("/advisor/segments", Some(&advisor.access)).await).await;
    assert_eq!(book["segments"][0]["label"], "The whole book");
    assert_eq!(book["clients"][0]["user_id"], only.id.to_string());
    assert_eq!(book["clients"][0]["segment"], 0);
    assert!(book.get("silhouette").is_none());
    problem(
        app.get("/advisor/segments", Some(&only.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
