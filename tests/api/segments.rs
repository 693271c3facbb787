//! An advisor's clients in segments, from their live plans, profiles and risk questionnaires.

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
    assert_eq!(book["features"].as_array().unwrap().len(), 7);
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

/// The questionnaire answered with each item's option scoring `pick` of its points.
fn answers(pick: fn(&[u8]) -> u8) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = engine::risk::questionnaire::ITEMS
        .iter()
        .map(|item| {
            let points: Vec<u8> = item.options.iter().map(|o| o.points).collect();
            let wanted = pick(&points);
            let position = points.iter().position(|p| *p == wanted).unwrap() + 1;
            (item.id.to_owned(), json!(position))
        })
        .collect();
    serde_json::Value::Object(map)
}

#[actix_web::test]
async fn risk_tolerance_alone_can_set_clients_apart() {
    let app = quiet_app().await;
    app.tick("SPY", 400.0).await;
    let admin = app.new_admin().await;
    let advisor = app.new_advisor(&admin).await;
    // Alike in everything but their answers: three bold, three cautious, one who has not
    // answered (who takes the book's mean and so sets no one apart).
    let mut bold = Vec::new();
    for i in 0..7 {
        let user = client(&app, &advisor, 100.0, 40).await;
        let pick: Option<fn(&[u8]) -> u8> = match i {
            0..3 => Some(|p| *p.iter().max().unwrap()),
            3..6 => Some(|p| *p.iter().min().unwrap()),
            _ => None,
        };
        if let Some(pick) = pick {
            let stored = app
                .put(
                    "/ml/risk-assessment",
                    Some(&user.access),
                    &json!({ "answers": answers(pick) }),
                )
                .await;
            assert_eq!(stored.status(), StatusCode::OK);
        }
        if i < 3 {
            bold.push(user.id);
        }
    }
    let book = ok_json(app.get("/advisor/segments", Some(&advisor.access)).await).await;
    let segments = book["segments"].as_array().unwrap();
    assert!(segments.len() >= 2, "{book:#}");
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
    let theirs = segment_of(bold[0]);
    assert!(bold.iter().all(|id| segment_of(*id) == theirs), "{book:#}");
    let segment = &segments[usize::try_from(theirs).unwrap()];
    assert_eq!(segment["label"], "More risk-tolerant", "{book:#}");
    assert_eq!(
        segment["centre"]["risk_tolerance"],
        f64::from(engine::risk::questionnaire::MAX_SCORE)
    );
}
