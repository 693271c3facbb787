//! One identity across nodes: servers configured with the same signing key accept each
//! other's tokens over REST and WebSocket, a server with another key refuses them, rotation
//! keeps the old key's tokens valid where it is listed as previous, `/.well-known/jwks.json`
//! publishes the keys the tokens name, and a bad key stops start-up naming its setting.

use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use glidepath::auth::keys::SigningKeys;
use glidepath::startup::Application;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use protocol::ws::{ClientMessage, Encoding, ServerMessage};
use reqwest::StatusCode;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use secrecy::SecretString;
use serde_json::Value;

use crate::helpers::{TestApp, ok_json, problem, spawn_app_with, test_settings};
use crate::websocket::{connect, receive, send};

/// Two 2048-bit keys, made once for the binary (generation is the slow part).
fn key(n: usize) -> &'static str {
    static KEYS: OnceLock<[String; 2]> = OnceLock::new();
    &KEYS.get_or_init(|| [generate(2048), generate(2048)])[n]
}

fn generate(bits: usize) -> String {
    rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits)
        .unwrap()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap()
        .to_string()
}

fn keys_of(private_pem: &str) -> SigningKeys {
    SigningKeys::from_pem(private_pem, "test key").unwrap()
}

/// A node signing with `private_pem`, verifying also with the public keys at `previous`, on
/// the database (and Redis prefix) of `peer` when given.
async fn node(private_pem: &str, previous: Vec<PathBuf>, peer: Option<&TestApp>) -> TestApp {
    let pem = private_pem.to_owned();
    let shared = peer.map(|p| {
        (
            p.settings.effective_database_url(),
            p.settings.redis_prefix.clone(),
        )
    });
    spawn_app_with(move |s| {
        s.auth.private_key_pem = Some(SecretString::from(pem));
        s.auth.previous_public_keys = previous;
        if let Some((url, prefix)) = shared {
            s.database_url = Some(SecretString::from(url));
            s.redis_prefix = prefix;
        }
    })
    .await
}

/// The `kid` in `token`'s header.
fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// Whether `/ws` of `app` welcomes `token` (`Ok`) or closes with a code (`Err`).
async fn ws_auth(app: &TestApp, token: &str) -> Result<(), u16> {
    let mut socket = connect(app, None, None).await.unwrap();
    send(
        &mut socket,
        Encoding::Json,
        &ClientMessage::Auth {
            token: token.to_owned(),
        },
    )
    .await;
    match receive(&mut socket, Encoding::Json).await {
        Ok(ServerMessage::Welcome { .. }) => Ok(()),
        Ok(other) => panic!("expected a welcome or a close, got {other:?}"),
        Err(code) => Err(code),
    }
}

async fn profile_status(app: &TestApp, token: &str) -> StatusCode {
    app.get("/users/profile", Some(token)).await.status()
}

#[actix_web::test]
async fn nodes_with_the_same_key_accept_each_others_tokens_and_refresh_tokens() {
    let a = node(key(0), Vec::new(), None).await;
    let b = node(key(0), Vec::new(), Some(&a)).await;
    let from_a = a.new_user().await;
    let from_b = b.new_user().await;
    assert_eq!(kid_of(&from_a.access), keys_of(key(0)).kid);
    for (app, user) in [(&a, &from_b), (&b, &from_a)] {
        assert_eq!(profile_status(app, &user.access).await, StatusCode::OK);
        assert_eq!(ws_auth(app, &user.access).await, Ok(()));
    }

    // A refresh token issued by A rotates on B (it is a database row, not a signature), and
    // the access token B issues for it works on A.
    let rotated = ok_json(b.refresh(&from_a.refresh).await).await;
    let access = rotated["access_token"].as_str().unwrap();
    assert_eq!(profile_status(&a, access).await, StatusCode::OK);
    // The rotated one rotates again on A...
    let again = ok_json(a.refresh(rotated["refresh_token"].as_str().unwrap()).await).await;
    assert!(again["access_token"].is_string());
    // ...while the original was spent on B for every node.
    problem(
        a.refresh(&from_a.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_refresh_token",
    )
    .await;
}

#[actix_web::test]
async fn a_node_with_another_key_refuses_them() {
    let a = node(key(0), Vec::new(), None).await;
    let other = node(key(1), Vec::new(), Some(&a)).await;
    let user = a.new_user().await;
    problem(
        other.get("/users/profile", Some(&user.access)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(ws_auth(&other, &user.access).await, Err(4401));
    // The account exists there: the key is what is refused.
    let own = ok_json(other.login(&user.email, &user.password).await).await;
    let own = own["access_token"].as_str().unwrap();
    assert_eq!(profile_status(&other, own).await, StatusCode::OK);
    assert_eq!(profile_status(&a, own).await, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn after_a_rotation_old_tokens_verify_where_the_old_key_is_listed() {
    let old_node = node(key(0), Vec::new(), None).await;
    let user = old_node.new_user().await;
    let old_token = user.access.clone();

    // The former key's public half, in a directory of previous keys.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key-0.pem"), keys_of(key(0)).public_pem).unwrap();
    let rotated = node(key(1), vec![dir.path().to_path_buf()], Some(&old_node)).await;
    assert_eq!(profile_status(&rotated, &old_token).await, StatusCode::OK);
    assert_eq!(ws_auth(&rotated, &old_token).await, Ok(()));
    let fresh = ok_json(rotated.login(&user.email, &user.password).await).await;
    let fresh = fresh["access_token"].as_str().unwrap();
    assert_eq!(kid_of(fresh), keys_of(key(1)).kid);
    assert_eq!(kid_of(&old_token), keys_of(key(0)).kid);
    assert_eq!(profile_status(&rotated, fresh).await, StatusCode::OK);

    // A node with the new key alone refuses the old tokens.
    let forgetful = node(key(1), Vec::new(), Some(&old_node)).await;
    assert_eq!(
        profile_status(&forgetful, &old_token).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(ws_auth(&forgetful, &old_token).await, Err(4401));
    assert_eq!(profile_status(&forgetful, fresh).await, StatusCode::OK);
}

/// The public key of `jwk`, rebuilt from its modulus and exponent alone.
fn rebuilt(jwk: &Value) -> DecodingKey {
    let part = |name: &str| {
        rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap())
    };
    let public = rsa::RsaPublicKey::new(part("n"), part("e")).unwrap();
    let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap()
}

fn verifies(token: &str, key: &DecodingKey) -> bool {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["web-app"]);
    jsonwebtoken::decode::<Value>(token, key, &validation).is_ok()
}

#[actix_web::test]
async fn the_jwks_lists_the_keys_the_tokens_name_and_they_verify_them() {
    let old_node = node(key(0), Vec::new(), None).await;
    let user = old_node.new_user().await;
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("previous.pem");
    std::fs::write(&previous, keys_of(key(0)).public_pem).unwrap();
    let app = node(key(1), vec![previous], Some(&old_node)).await;
    let fresh = ok_json(app.login(&user.email, &user.password).await).await;
    let fresh = fresh["access_token"].as_str().unwrap().to_owned();

    let response = app.get("/.well-known/jwks.json", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"].to_str().unwrap(),
        "public, max-age=300"
    );
    let jwks = ok_json(response).await;
    let keys = jwks["keys"].as_array().unwrap();
    let kids: Vec<&str> = keys.iter().map(|k| k["kid"].as_str().unwrap()).collect();
    // The signing key first, then the verify-only one.
    assert_eq!(kids, [kid_of(&fresh), kid_of(&user.access)]);
    for jwk in keys {
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
    }
    let by_kid = |token: &str| {
        let kid = kid_of(token);
        rebuilt(keys.iter().find(|k| k["kid"] == kid.as_str()).unwrap())
    };
    assert!(verifies(&fresh, &by_kid(&fresh)));
    assert!(verifies(&user.access, &by_kid(&user.access)));
    // And each only its own: the keys differ.
    assert!(!verifies(&fresh, &by_kid(&user.access)));
    assert!(!verifies(&user.access, &by_kid(&fresh)));
    // Public and unauthenticated: the old node serves its own key alone.
    let alone = ok_json(old_node.get("/.well-known/jwks.json", None).await).await;
    assert_eq!(alone["keys"].as_array().unwrap().len(), 1);
    assert_eq!(alone["keys"][0]["kid"], kid_of(&user.access).as_str());
}

/// A change to the test settings.
type Adjust = Box<dyn Fn(&mut glidepath::config::Settings)>;

#[actix_web::test]
async fn a_bad_key_stops_start_up_naming_its_setting() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let garbage = write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nnot base64\n");
    let private = write("private.pem", key(0));
    let short = generate(1024);
    let short_public = write("short.pem", &keys_public_of_short(&short));
    let cases: Vec<(&str, Adjust, &str)> = vec![
        (
            "an unparsable PEM in the environment",
            Box::new(|s| s.auth.private_key_pem = Some(SecretString::from("not a key"))),
            "auth.private_key_pem",
        ),
        (
            "a short signing key",
            Box::new(move |s| s.auth.private_key_pem = Some(SecretString::from(short.clone()))),
            "auth.private_key_pem holds a 1024-bit key",
        ),
        (
            "a missing key file",
            Box::new(|s| s.auth.private_key_path = Some("/nonexistent/key.pem".into())),
            "auth.private_key_path",
        ),
        (
            "both ways at once",
            Box::new(|s| {
                s.auth.private_key_pem = Some(SecretString::from(key(0)));
                s.auth.private_key_path = Some("/nonexistent/key.pem".into());
            }),
            "auth.private_key_pem and auth.private_key_path",
        ),
        (
            "a private key among the previous keys",
            Box::new(move |s| s.auth.previous_public_keys = vec![private.clone()]),
            "auth.previous_public_keys",
        ),
        (
            "garbage among the previous keys",
            Box::new(move |s| s.auth.previous_public_keys = vec![garbage.clone()]),
            "auth.previous_public_keys",
        ),
        (
            "a short previous key",
            Box::new(move |s| s.auth.previous_public_keys = vec![short_public.clone()]),
            "auth.previous_public_keys",
        ),
        (
            "a missing previous key",
            Box::new(|s| s.auth.previous_public_keys = vec!["/nonexistent/old.pem".into()]),
            "auth.previous_public_keys",
        ),
    ];
    for (case, adjust, named) in cases {
        let data = tempfile::tempdir().unwrap();
        let mut settings = test_settings(data.path().to_path_buf());
        adjust(&mut settings);
        let error = match Application::build(settings).await {
            Ok(_) => panic!("{case}: the server started"),
            Err(e) => format!("{e:#}"),
        };
        assert!(error.contains(named), "{case}: {error}");
    }
}

fn keys_public_of_short(private_pem: &str) -> String {
    use rsa::pkcs8::DecodePrivateKey;
    rsa::RsaPublicKey::from(rsa::RsaPrivateKey::from_pkcs8_pem(private_pem).unwrap())
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}
