//! The embedded dashboard: client routes answer `index.html`, files their bytes with the
//! right type and caching, and the API around them is unchanged.
//!
//! File names come from the embedded list, never from this file: `web/dist` is whatever the
//! last `npm run build` wrote.

use std::io::Read;

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::helpers::{TestApp, ok_json, problem, spawn_app};

fn dist(file: &str) -> Vec<u8> {
    std::fs::read(format!("{}/web/dist/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {headers:?}"))
        .to_str()
        .unwrap()
}

/// The largest JavaScript file under `assets/`.
fn script_asset() -> String {
    glidepath::http::dashboard::files()
        .into_iter()
        .filter(|f| f.starts_with("assets/") && f.ends_with(".js"))
        .max_by_key(|f| dist(f).len())
        .expect("web/dist/assets holds a script")
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = app.client.request(method, format!("{}{path}", app.address));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

#[actix_web::test]
async fn client_routes_answer_the_index_page_with_a_strict_policy() {
    let app = spawn_app().await;
    let index = dist("index.html");
    for path in [
        "/",
        "/app",
        "/app/",
        "/app/plan",
        "/app/advisor/clients/5b1f0c9e-8f0e-4c1e-9a51-0c6d2b3f4a10",
        "/app/admin?tab=users",
    ] {
        let response = send(&app, Method::GET, path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert_eq!(header(&headers, "content-type"), "text/html; charset=utf-8");
        assert_eq!(header(&headers, "cache-control"), "no-cache", "{path}");
        assert_eq!(
            header(&headers, "content-security-policy"),
            glidepath::http::middleware::CONTENT_SECURITY_POLICY
        );
        let csp = header(&headers, "content-security-policy");
        assert!(!csp.contains("unsafe-inline") && csp.contains("script-src 'self'"));
        assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
        assert!(headers.contains_key("referrer-policy"));
        assert!(header(&headers, "etag").starts_with("W/\""));
        assert_eq!(response.bytes().await.unwrap(), index, "{path}");
    }
}

#[actix_web::test]
async fn hashed_assets_are_immutable_and_typed_and_other_files_revalidated() {
    let app = spawn_app().await;
    let script = script_asset();
    let response = send(&app, Method::GET, &format!("/{script}"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(
        header(&headers, "content-type"),
        "text/javascript; charset=utf-8"
    );
    assert_eq!(
        header(&headers, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(!headers.contains_key("content-encoding"), "not asked for");
    assert_eq!(response.bytes().await.unwrap(), dist(&script));

    for file in glidepath::http::dashboard::files() {
        let response = send(&app, Method::GET, &format!("/{file}"), &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        let expected_cache = if file.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        assert_eq!(
            header(response.headers(), "cache-control"),
            expected_cache,
            "{file}"
        );
        let content_type = header(response.headers(), "content-type").to_owned();
        assert!(
            !content_type.is_empty() && content_type != "application/octet-stream",
            "{file}: {content_type}"
        );
        assert_eq!(response.bytes().await.unwrap(), dist(&file), "{file}");
    }
}

#[actix_web::test]
async fn text_is_gzipped_when_accepted_and_revalidation_answers_304() {
    let app = spawn_app().await;
    let script = script_asset();
    let original = dist(&script);
    assert!(original.len() >= 1024, "the script is worth compressing");
    let path = format!("/{script}");
    let response = send(&app, Method::GET, &path, &[("accept-encoding", "br, gzip")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(response.headers(), "content-encoding"), "gzip");
    assert_eq!(header(response.headers(), "vary"), "Accept-Encoding");
    let etag = header(response.headers(), "etag").to_owned();
    let compressed = response.bytes().await.unwrap();
    assert!(compressed.len() < original.len());
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, original);

    let again = send(&app, Method::GET, &path, &[("accept-encoding", "gzip")]).await;
    assert_eq!(again.bytes().await.unwrap(), compressed, "kept, not redone");

    let refused = send(&app, Method::GET, &path, &[("accept-encoding", "gzip;q=0")]).await;
    assert!(!refused.headers().contains_key("content-encoding"));
    assert_eq!(refused.bytes().await.unwrap(), original);

    for (path, etag) in [(path.as_str(), etag.as_str()), ("/app/plan", "")] {
        let etag = if etag.is_empty() {
            let first = send(&app, Method::GET, path, &[]).await;
            header(first.headers(), "etag").to_owned()
        } else {
            etag.to_owned()
        };
        let unchanged = send(&app, Method::GET, path, &[("if-none-match", &etag)]).await;
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(header(unchanged.headers(), "etag"), etag);
        assert!(unchanged.bytes().await.unwrap().is_empty());
        let changed = send(&app, Method::GET, path, &[("if-none-match", "\"other\"")]).await;
        assert_eq!(changed.status(), StatusCode::OK, "{path}");
    }
}

#[actix_web::test]
async fn head_answers_the_headers_without_the_body() {
    let app = spawn_app().await;
    let script = script_asset();
    for (path, file) in [
        ("/".to_owned(), "index.html".to_owned()),
        ("/app/plan".to_owned(), "index.html".to_owned()),
        (format!("/{script}"), script.clone()),
    ] {
        let response = send(&app, Method::HEAD, &path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert_eq!(
            header(&headers, "content-length"),
            dist(&file).len().to_string(),
            "{path}"
        );
        assert!(
            header(&headers, "content-type").contains(if file.ends_with(".html") {
                "text/html"
            } else {
                "javascript"
            })
        );
        assert!(response.bytes().await.unwrap().is_empty(), "{path}");
    }
}

#[actix_web::test]
async fn the_api_and_unknown_paths_are_unchanged() {
    let app = spawn_app().await;
    for path in [
        "/nope",
        "/assets/nope.js",
        "/assets/",
        "/application",
        "/index.htm",
        "/auth",
    ] {
        let response = send(&app, Method::GET, path, &[]).await;
        problem(response, StatusCode::NOT_FOUND, "not_found").await;
    }
    let health = ok_json(app.get("/health", None).await).await;
    assert_eq!(health["status"], "ok");
    let doc = ok_json(app.get("/openapi.json", None).await).await;
    assert!(doc["paths"]["/health"].is_object());
    problem(
        app.get("/users/profile", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let posted = send(&app, Method::POST, "/app/plan", &[]).await;
    assert_eq!(header(posted.headers(), "allow"), "GET, HEAD");
    problem(posted, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    // /ws is still the API's: a GET that is no handshake is refused as such.
    let plain = send(&app, Method::GET, "/ws", &[]).await;
    assert_eq!(
        header(plain.headers(), "content-security-policy"),
        glidepath::http::middleware::CONTENT_SECURITY_POLICY,
        "harmless on JSON, and there"
    );
    problem(plain, StatusCode::BAD_REQUEST, "malformed_request").await;
}
