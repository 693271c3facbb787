//! The OpenAPI document covers every served route, with schemas and error responses.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::helpers::{ok_json, spawn_app};

#[actix_web::test]
async fn every_route_is_documented_and_every_documented_route_is_served() {
    let app = spawn_app().await;
    let doc = ok_json(app.get("/openapi.json", None).await).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );

    let served: BTreeSet<(String, String)> = glidepath::http::endpoints()
        .iter()
        .map(|e| (e.method.as_str().to_lowercase(), e.path.to_owned()))
        .collect();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| ["get", "put", "post", "delete", "patch"].contains(&k.as_str()))
        {
            documented.insert((method.clone(), path.clone()));
        }
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not in /openapi.json: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );

    // Every operation documents a success response and its error bodies.
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        let responses = op["responses"].as_object().unwrap();
        // 101 is the WebSocket upgrade's success.
        assert!(
            responses.keys().any(|s| s.starts_with('2') || s == "101"),
            "{method} {path} has no success response"
        );
        assert!(responses.contains_key("500"), "{method} {path}");
        if op.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        if op.get("security").is_some() {
            assert!(
                responses.contains_key("401") && responses.contains_key("403"),
                "{method} {path}"
            );
        }
        let problem: &Value =
            &responses["500"]["content"]["application/problem+json"]["schema"]["$ref"];
        assert_eq!(problem, "#/components/schemas/Problem");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

/// `docs/openapi.json` is what the server serves, pretty-printed: the browser's types are
/// generated from it. Stale, this fails; `BLESS=1` rewrites it instead.
#[actix_web::test]
async fn the_committed_document_is_the_served_one() {
    let app = spawn_app().await;
    let served = ok_json(app.get("/openapi.json", None).await).await;
    let expected = format!("{}\n", serde_json::to_string_pretty(&served).unwrap());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    if std::env::var_os("BLESS").is_some_and(|v| v == "1") {
        std::fs::write(path, &expected).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == expected,
        "docs/openapi.json is not the served document; run \
         `BLESS=1 cargo test -p glidepath --test api the_committed_document` and commit it"
    );
}

/// The WebSocket messages are in the components, as tagged unions on `type`.
#[actix_web::test]
async fn the_websocket_messages_are_components() {
    let app = spawn_app().await;
    let doc = ok_json(app.get("/openapi.json", None).await).await;
    for (name, tag) in [("ClientMessage", "subscribe"), ("ServerMessage", "update")] {
        let schema = &doc["components"]["schemas"][name];
        let branches = schema["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}"));
        assert!(
            branches
                .iter()
                .any(|b| b["properties"]["type"]["enum"] == serde_json::json!([tag])),
            "{name}: {schema:#}"
        );
    }
    assert!(doc["components"]["schemas"]["LiveState"].is_object());
}

/// Every `$ref` in the document names a schema it defines: a type referenced only from a
/// query parameter is not collected by utoipa, and the clients' code generators stop there.
#[actix_web::test]
async fn every_reference_in_the_document_resolves() {
    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(r)) => found.push(r),
                        _ => refs(v, found),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let app = spawn_app().await;
    let doc = ok_json(app.get("/openapi.json", None).await).await;
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    let dangling: BTreeSet<&str> = found
        .into_iter()
        .filter(|r| {
            let pointer = r.strip_prefix('#').unwrap_or(r);
            doc.pointer(pointer).is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "unresolved references: {dangling:?}");
}
