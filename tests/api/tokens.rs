//! Access tokens that must not pass: expired, not yet valid, tampered, wrong audience or issuer, `alg: none`,
//! HS256 signed with the public key, not an access token, or no token at all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use glidepath::auth::jwt::Claims;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use protocol::auth::Role;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, problem, spawn_app};

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims(user: Uuid) -> Claims {
    Claims {
        sub: user,
        iat: now(),
        nbf: now(),
        exp: now() + 600,
        iss: "glidepath".into(),
        aud: "web-app".into(),
        scope: Role::User.scopes().to_vec(),
        role: Role::User,
        typ: "access".into(),
        jti: Uuid::new_v4(),
    }
}

/// A header naming `app`'s key, so a refusal below is never only an unknown key id.
fn header(app: &TestApp, alg: Algorithm) -> Header {
    let mut header = Header::new(alg);
    header.kid = Some(app.kid());
    header
}

fn sign(app: &TestApp, claims: &Claims) -> String {
    let key = EncodingKey::from_rsa_pem(app.private_key_pem.as_bytes()).unwrap();
    encode(&header(app, Algorithm::RS256), claims, &key).unwrap()
}

async fn refused(app: &TestApp, token: &str) {
    let body = problem(
        app.get("/users/profile", Some(token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("invalid or expired"),
        "{body}"
    );
}

#[actix_web::test]
async fn a_token_signed_by_the_server_key_with_valid_claims_passes() {
    // The control for the refusals below: the forging helper itself produces good tokens.
    let app = spawn_app().await;
    let user = app.new_user().await;
    let response = app
        .get("/users/profile", Some(&sign(&app, &claims(user.id))))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[actix_web::test]
async fn expired_tampered_and_misaddressed_tokens_are_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;

    let mut expired = claims(user.id);
    expired.iat = now() - 3600;
    expired.exp = now() - 1800;
    refused(&app, &sign(&app, &expired)).await;

    // Not valid yet: minted to start beyond the clock-skew leeway (30 s).
    let mut early = claims(user.id);
    early.nbf = now() + 120;
    refused(&app, &sign(&app, &early)).await;

    // Without `nbf` at all (every token the server issues carries one).
    let mut without_nbf = serde_json::to_value(claims(user.id)).unwrap();
    without_nbf.as_object_mut().unwrap().remove("nbf");
    let key = EncodingKey::from_rsa_pem(app.private_key_pem.as_bytes()).unwrap();
    refused(
        &app,
        &encode(&header(&app, Algorithm::RS256), &without_nbf, &key).unwrap(),
    )
    .await;

    let mut wrong_audience = claims(user.id);
    wrong_audience.aud = "someone-else".into();
    refused(&app, &sign(&app, &wrong_audience)).await;

    let mut wrong_issuer = claims(user.id);
    wrong_issuer.iss = "evil".into();
    refused(&app, &sign(&app, &wrong_issuer)).await;

    let mut not_access = claims(user.id);
    not_access.typ = "refresh".into();
    refused(&app, &sign(&app, &not_access)).await;

    // Tampered: the payload of a genuine token is swapped for one granting admin scopes.
    let mut parts: Vec<String> = user.access.split('.').map(str::to_owned).collect();
    let mut escalated = claims(user.id);
    escalated.role = Role::Admin;
    escalated.scope = Role::Admin.scopes().to_vec();
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&escalated).unwrap());
    refused(&app, &parts.join(".")).await;

    // The refresh token is opaque and can never serve as an access token.
    refused(&app, &user.refresh).await;
    refused(&app, "not.a.jwt").await;
}

#[actix_web::test]
async fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let app = spawn_app().await;
    let user = app.new_user().await;
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(user.id)).unwrap());

    let none_header = URL_SAFE_NO_PAD
        .encode(json!({ "alg": "none", "typ": "JWT", "kid": app.kid() }).to_string());
    refused(&app, &format!("{none_header}.{payload}.")).await;

    // The classic key-confusion attack: HMAC with the RSA public key as the shared secret.
    let public_pem = glidepath::auth::keys::SigningKeys::load_or_generate(
        &app.settings.data_dir.join("keys").join("jwt_private.pem"),
    )
    .unwrap()
    .public_pem;
    let hs = encode(
        &header(&app, Algorithm::HS256),
        &claims(user.id),
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .unwrap();
    refused(&app, &hs).await;
}

#[actix_web::test]
async fn missing_or_malformed_authorization_headers_get_401_with_a_challenge() {
    let app = spawn_app().await;
    let response = app.get("/users/profile", None).await;
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
    problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let basic = app
        .client
        .get(format!("{}/users/profile", app.address))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    problem(basic, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
