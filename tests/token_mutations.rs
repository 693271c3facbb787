//! No mutation of a valid access token is accepted.
//!
//! At least 10,000 tokens derived from genuine ones (several users, roles and audiences) go
//! through `TokenIssuer::verify`, the check every request and WebSocket `auth` runs, and none
//! may pass: algorithm swaps (including real RS384/RS512/PS256 signatures by the server's own
//! key, HS256 signed with the public key as the secret, and tokens signed by another key that
//! carry it in the header), bit flips anywhere, claims changed without re-signing, claims the
//! server must refuse even when it signed them, truncations, segment reorders and
//! duplications, and base64 tricks (padding, the standard alphabet, non-canonical last
//! characters, white space). The generator is seeded, so a failure is reproducible; set
//! `GLIDEPATH_MUTATION_SEED` to explore other seeds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

use std::collections::HashSet;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use glidepath::auth::jwt::TokenIssuer;
use glidepath::auth::keys::SigningKeys;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use protocol::auth::{Audience, Role};
use serde_json::{Value, json};
use uuid::Uuid;

/// The least number of distinct mutations checked.
const MUTATIONS: usize = 10_000;
/// Of which random byte-level ones (bit flips, byte changes, insertions, deletions).
const RANDOM_MUTATIONS: usize = 8_000;

/// SplitMix64: small, seeded and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("fits")
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A key pair in PEM, made by the server's own generator.
struct KeyPair {
    keys: SigningKeys,
    private_pem: String,
}

fn key_pair() -> KeyPair {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k.pem");
    let keys = SigningKeys::load_or_generate(&path).unwrap();
    let private_pem = std::fs::read_to_string(&path).unwrap();
    KeyPair { keys, private_pem }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(segment: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(segment).unwrap()
}

/// The three segments of a compact JWT.
fn segments(token: &str) -> [String; 3] {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    [parts[0].into(), parts[1].into(), parts[2].into()]
}

fn header_json(token: &str) -> Value {
    serde_json::from_slice(&unb64(&segments(token)[0])).unwrap()
}

fn claims_json(token: &str) -> Value {
    serde_json::from_slice(&unb64(&segments(token)[1])).unwrap()
}

/// Signs `header.claims` (both JSON) with HMAC-SHA-256, whatever the header says.
fn hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = hmac_sha256(secret, input.as_bytes());
    format!("{input}.{}", b64(&signature))
}

/// HMAC-SHA-256 (RFC 2104) over sha2, which the server already depends on.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// Signs `claims` with `alg` and the RSA key in `private_pem` (a genuine signature), naming
/// the key `kid` in the header (the server's key id, so that a refusal is never only the id).
fn rsa_sign(
    alg: Algorithm,
    claims: &Value,
    private_pem: &str,
    kid: &str,
    extra: Option<(&str, Value)>,
) -> String {
    let mut header = Header::new(alg);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.to_owned());
    if let Some((name, value)) = extra {
        match name {
            "jwk" => header.jwk = Some(serde_json::from_value(value).unwrap()),
            "kid" => header.kid = value.as_str().map(str::to_owned),
            "jku" => header.jku = value.as_str().map(str::to_owned),
            "x5u" => header.x5u = value.as_str().map(str::to_owned),
            other => panic!("no header field {other}"),
        }
    }
    let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

/// `token` with its payload replaced, the signature kept.
fn with_claims(token: &str, claims: &Value) -> String {
    let [header, _, signature] = segments(token);
    format!(
        "{header}.{}.{signature}",
        b64(claims.to_string().as_bytes())
    )
}

/// `token` with its header replaced, the signature kept.
fn with_header(token: &str, header: &Value) -> String {
    let [_, payload, signature] = segments(token);
    format!(
        "{}.{payload}.{signature}",
        b64(header.to_string().as_bytes())
    )
}

/// Claim changes: each is a new payload the attacker would like the server to believe.
fn changed_claims(claims: &Value, rng: &mut Rng) -> Vec<Value> {
    let now = jsonwebtoken::get_current_timestamp();
    let mut out = Vec::new();
    let mut change = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        out.push(c);
    };
    change("sub", json!(Uuid::new_v4()));
    change("sub", json!(Uuid::nil()));
    change("sub", json!(claims["sub"].as_str().unwrap().to_uppercase()));
    change("exp", json!(now + 365 * 24 * 3600));
    change("exp", json!(claims["exp"].as_u64().unwrap() + 1));
    change("exp", json!(u64::MAX));
    change("exp", json!(now - 3600));
    change("exp", json!(claims["exp"].to_string()));
    change("iat", json!(now - 1));
    change("aud", json!("admin-console"));
    change("aud", json!(["web-app", "api"]));
    change("aud", json!(["evil"]));
    change("iss", json!("glidepath-evil"));
    change("iss", json!("Glidepath"));
    change("typ", json!("refresh"));
    change("typ", json!("Access"));
    change("typ", json!(null));
    change("role", json!("admin"));
    change("role", json!("premium"));
    change(
        "scope",
        json!(["admin:users", "admin:system", "read:profile", "write:goals"]),
    );
    change("scope", json!([]));
    change("jti", json!(Uuid::new_v4()));
    change("extra", json!(rng.next()));
    for key in [
        "sub", "exp", "iat", "iss", "aud", "typ", "scope", "role", "jti",
    ] {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(key);
        out.push(c);
    }
    out
}

/// Claims the server must refuse even under its own signature.
fn invalid_claims(claims: &Value) -> Vec<Value> {
    let now = jsonwebtoken::get_current_timestamp();
    let mut out = Vec::new();
    let mut change = |key: &str, value: Value| {
        let mut c = claims.clone();
        c[key] = value;
        out.push(c);
    };
    // Past the 30 s leeway.
    change("exp", json!(now - 120));
    change("exp", json!(0));
    change("exp", json!(format!("{}", now + 600)));
    change("exp", json!(-1));
    change("iss", json!("someone-else"));
    change("iss", json!(""));
    change("aud", json!("admin-console"));
    change("aud", json!([]));
    change("aud", json!(""));
    change("typ", json!("refresh"));
    change("typ", json!("id"));
    change("typ", json!(""));
    change("sub", json!("not-a-uuid"));
    change("sub", json!(42));
    change("role", json!("root"));
    change("scope", json!(["root:everything"]));
    change("scope", json!("admin:users"));
    for key in [
        "sub", "exp", "iat", "iss", "aud", "typ", "scope", "role", "jti",
    ] {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(key);
        out.push(c);
    }
    out
}

/// Tokens with another algorithm in the header, each with a signature that would pass were
/// the algorithm read from the token.
fn algorithm_swaps(token: &str, server: &KeyPair, attacker: &KeyPair) -> Vec<String> {
    let header = header_json(token);
    let claims = claims_json(token);
    let [h, p, s] = segments(token);
    let public = server.keys.public_pem.as_bytes();
    let mut out = Vec::new();
    // alg: none, with an empty signature, with the original one, and in other spellings.
    for alg in ["none", "None", "NONE", "nOnE", ""] {
        let mut none = header.clone();
        none["alg"] = json!(alg);
        let signed = with_header(token, &none);
        let [nh, np, _] = segments(&signed);
        out.push(format!("{nh}.{np}."));
        out.push(format!("{nh}.{np}"));
        out.push(signed);
    }
    let mut no_alg = header.clone();
    no_alg.as_object_mut().unwrap().remove("alg");
    out.push(with_header(token, &no_alg));
    // Key confusion: HMAC with the public key (as published, trimmed, as DER-ish bytes).
    let trimmed = server.keys.public_pem.trim_end().as_bytes().to_vec();
    let body: String = server
        .keys
        .public_pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let der = STANDARD.decode(&body).unwrap();
    for alg in ["HS256", "HS384", "HS512", "hs256", "RS256"] {
        let mut hs = header.clone();
        hs["alg"] = json!(alg);
        for secret in [public, &trimmed[..], &der[..], body.as_bytes()] {
            out.push(hs256(&hs, &claims, secret));
        }
    }
    // Genuine signatures by the server's own key under other RSA algorithms.
    for alg in [
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ] {
        out.push(rsa_sign(
            alg,
            &claims,
            &server.private_pem,
            &server.keys.kid,
            None,
        ));
    }
    // The server's own signature, under a key id the server does not have, or none.
    for kid in [json!(null), json!("attacker"), json!("")] {
        out.push(rsa_sign(
            Algorithm::RS256,
            &claims,
            &server.private_pem,
            &server.keys.kid,
            Some(("kid", kid)),
        ));
    }
    // Other algorithm names over the original signature.
    for alg in [
        "ES256", "ES384", "ES512", "EdDSA", "PS256", "RS384", "RS512", "rs256", "RS256 ", "RSA",
        "HS256",
    ] {
        let mut other = header.clone();
        other["alg"] = json!(alg);
        out.push(with_header(token, &other));
        // And an ECDSA-sized signature.
        let forged = format!(
            "{}.{p}.{}",
            b64(other.to_string().as_bytes()),
            b64(&[7u8; 64])
        );
        out.push(forged);
    }
    // Signed by another key, which the header offers in every way it can.
    let attacker_jwk = {
        use rsa::pkcs8::DecodePublicKey;
        use rsa::traits::PublicKeyParts;
        let public = rsa::RsaPublicKey::from_public_key_pem(&attacker.keys.public_pem).unwrap();
        json!({
            "kty": "RSA", "alg": "RS256", "use": "sig",
            "n": b64(&public.n().to_bytes_be()), "e": b64(&public.e().to_bytes_be()),
        })
    };
    out.push(rsa_sign(
        Algorithm::RS256,
        &claims,
        &attacker.private_pem,
        &server.keys.kid,
        None,
    ));
    for (name, value) in [
        ("jwk", attacker_jwk),
        ("kid", json!("attacker")),
        ("jku", json!("https://evil.example/jwks.json")),
        ("x5u", json!("https://evil.example/cert.pem")),
    ] {
        out.push(rsa_sign(
            Algorithm::RS256,
            &claims,
            &attacker.private_pem,
            &server.keys.kid,
            Some((name, value)),
        ));
    }
    // Header and algorithm of one, the rest of another.
    let attacker_token = rsa_sign(
        Algorithm::RS256,
        &claims,
        &attacker.private_pem,
        &server.keys.kid,
        None,
    );
    let [ah, ap, asig] = segments(&attacker_token);
    out.push(format!("{h}.{p}.{asig}"));
    out.push(format!("{ah}.{ap}.{s}"));
    out
}

/// Structural changes: truncations, segment reorders and duplications, base64 tricks.
fn structural(token: &str, every_truncation: bool, rng: &mut Rng) -> Vec<String> {
    let [h, p, s] = segments(token);
    let mut out = vec![
        format!("{p}.{h}.{s}"),
        format!("{h}.{s}.{p}"),
        format!("{s}.{p}.{h}"),
        format!("{h}.{h}.{s}"),
        format!("{h}.{p}.{p}"),
        format!("{h}.{p}.{h}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{h}.{h}.{p}.{s}"),
        format!("{h}.{p}.{s}."),
        format!(".{h}.{p}.{s}"),
        format!("{h}..{p}.{s}"),
        format!("{h}.{p}..{s}"),
        format!("{h}.{p}.{s}.{h}.{p}"),
        format!("{h}.{p}"),
        format!("{p}.{s}"),
        format!("{h}.{p}."),
        format!("{h}..{s}"),
        format!(".{p}.{s}"),
        format!("{h}{p}{s}"),
        format!("{h}.{p}.{s}{s}"),
        format!("{h}.{p}{p}.{s}"),
        token.replace('.', ".."),
        token.replace('.', ","),
        format!(" {token}"),
        format!("{token} "),
        format!("{token}\n"),
        format!("\t{token}"),
        format!("Bearer {token}"),
        format!("{token}\0"),
        token.to_uppercase(),
        token.to_lowercase(),
        token.replace('-', "+").replace('_', "/"),
        String::new(),
        ".".into(),
        "..".into(),
    ];
    // Padding and the standard alphabet on each segment.
    for i in 0..3 {
        let mut parts = [h.clone(), p.clone(), s.clone()];
        let bytes = unb64(&parts[i]);
        for encoded in [
            URL_SAFE.encode(&bytes),
            STANDARD.encode(&bytes),
            STANDARD_NO_PAD.encode(&bytes),
            format!("{}=", parts[i]),
            format!("{}==", parts[i]),
            format!("{}A", parts[i]),
            format!("A{}", parts[i]),
            format!("{} ", parts[i]),
            format!("{}\n", parts[i]),
        ] {
            parts[i] = encoded;
            out.push(parts.join("."));
        }
        // A segment's last character replaced by every other base64 character: the ones that
        // only change unused trailing bits must be refused too (non-canonical encodings).
        let base = [h.clone(), p.clone(), s.clone()];
        let segment = &base[i];
        let stem = &segment[..segment.len() - 1];
        for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=".chars() {
            let mut parts = base.clone();
            parts[i] = format!("{stem}{c}");
            out.push(parts.join("."));
        }
        // Whitespace in the middle of the segment.
        let mut parts = base.clone();
        let at = rng.below(segment.len());
        parts[i] = format!("{} {}", &segment[..at], &segment[at..]);
        out.push(parts.join("."));
    }
    // Every truncation from either end (for one token; a sample for the others).
    for len in 0..token.len() {
        if every_truncation || rng.below(16) == 0 {
            out.push(token[..len].to_owned());
            out.push(token[token.len() - len..].to_owned());
        }
    }
    // Truncations of each segment.
    for i in 0..3 {
        let base = [h.clone(), p.clone(), s.clone()];
        for _ in 0..8 {
            let mut parts = base.clone();
            let keep = rng.below(parts[i].len());
            parts[i].truncate(keep);
            out.push(parts.join("."));
        }
    }
    out
}

/// One random byte-level mutation: bit flips, byte changes, insertions, deletions, splices.
fn random_mutation(token: &str, rng: &mut Rng) -> String {
    let mut bytes = token.as_bytes().to_vec();
    match rng.below(6) {
        0 => {
            // One bit anywhere.
            let i = rng.below(bytes.len());
            bytes[i] ^= 1 << rng.below(8);
        }
        1 => {
            // Several bits.
            for _ in 0..2 + rng.below(6) {
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
            }
        }
        2 => {
            // A byte replaced by a base64url character (stays a plausible token).
            let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
            let i = rng.below(bytes.len());
            bytes[i] = *rng.pick(alphabet);
        }
        3 => {
            // A run deleted.
            let i = rng.below(bytes.len());
            let n = 1 + rng.below(8).min(bytes.len() - i - 1);
            bytes.drain(i..i + n);
        }
        4 => {
            // Bytes inserted.
            let i = rng.below(bytes.len() + 1);
            for _ in 0..1 + rng.below(4) {
                bytes.insert(i, *rng.pick(b"A_-.=+/ \x00\xff"));
            }
        }
        _ => {
            // A run copied over another place.
            let from = rng.below(bytes.len());
            let to = rng.below(bytes.len());
            let n = (1 + rng.below(16))
                .min(bytes.len() - from)
                .min(bytes.len() - to);
            let run = bytes[from..from + n].to_vec();
            bytes[to..to + n].copy_from_slice(&run);
        }
    }
    // `verify` takes text (a header that is not visible ASCII never reaches it at all).
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn no_mutation_of_a_valid_token_is_accepted() {
    let seed = std::env::var("GLIDEPATH_MUTATION_SEED")
        .ok()
        .map_or(0x676c_6964_6570_6174, |s| s.parse().expect("a u64 seed"));
    let mut rng = Rng(seed);
    let server = key_pair();
    let attacker = key_pair();
    let issuer = TokenIssuer::new(server.keys.clone(), Duration::from_secs(900));

    // Genuine tokens for several users, roles and audiences; all verify.
    let mut originals = Vec::new();
    for role in [Role::User, Role::Premium, Role::Advisor, Role::Admin] {
        for audience in [Audience::WebApp, Audience::MobileApp, Audience::Api] {
            let (token, claims) = issuer.issue(Uuid::new_v4(), role, audience).unwrap();
            assert_eq!(issuer.verify(&token).unwrap(), claims);
            originals.push(token);
        }
    }

    // The forging tools work: re-signing unchanged claims with the server's key under RS256
    // is accepted, and the other algorithms' signatures are genuine, so their refusal below
    // is the algorithm being fixed, not a broken signature.
    let claims = claims_json(&originals[0]);
    let resigned = rsa_sign(
        Algorithm::RS256,
        &claims,
        &server.private_pem,
        &server.keys.kid,
        None,
    );
    issuer
        .verify(&resigned)
        .expect("re-signed unchanged claims verify");
    let genuine = |alg: Algorithm, key: &DecodingKey, token: &str| {
        let mut v = Validation::new(alg);
        v.set_audience(&["web-app", "mobile-app", "api"]);
        jsonwebtoken::decode::<Value>(token, key, &v).is_ok()
    };
    let rsa_key = &server.keys.decoding;
    for alg in [Algorithm::RS512, Algorithm::PS256] {
        assert!(genuine(
            alg,
            rsa_key,
            &rsa_sign(alg, &claims, &server.private_pem, &server.keys.kid, None)
        ));
    }
    let confused = hs256(
        &json!({"alg": "HS256", "typ": "at+jwt"}),
        &claims,
        server.keys.public_pem.as_bytes(),
    );
    assert!(genuine(
        Algorithm::HS256,
        &DecodingKey::from_secret(server.keys.public_pem.as_bytes()),
        &confused
    ));

    let mut checker = Checker {
        issuer: &issuer,
        seed,
        seen: originals.iter().cloned().collect(),
        checked: 0,
        classes: [0; 5],
    };
    for (n, token) in originals.iter().enumerate() {
        let claims = claims_json(token);
        for swapped in algorithm_swaps(token, &server, &attacker) {
            checker.check(swapped, 0);
        }
        for changed in changed_claims(&claims, &mut rng) {
            checker.check(with_claims(token, &changed), 1);
        }
        // Signed by the server itself, but not a valid access token: a few originals suffice
        // (each costs an RSA signature).
        if n % 4 == 0 {
            for invalid in invalid_claims(&claims) {
                checker.check(
                    rsa_sign(
                        Algorithm::RS256,
                        &invalid,
                        &server.private_pem,
                        &server.keys.kid,
                        None,
                    ),
                    2,
                );
            }
        }
        for shaped in structural(token, n == 0, &mut rng) {
            checker.check(shaped, 3);
        }
    }
    while checker.classes[4] < RANDOM_MUTATIONS {
        let token = rng.pick(&originals).clone();
        let mutated = random_mutation(&token, &mut rng);
        // Sometimes mutate twice.
        let mutated = if rng.below(4) == 0 {
            random_mutation(&mutated, &mut rng)
        } else {
            mutated
        };
        checker.check(mutated, 4);
    }

    let Checker {
        checked, classes, ..
    } = checker;
    eprintln!(
        "{checked} mutations refused (seed {seed}): algorithm swaps {}, claim changes {}, \
         server-signed invalid claims {}, structural {}, random byte-level {}",
        classes[0], classes[1], classes[2], classes[3], classes[4]
    );
    assert!(checked >= MUTATIONS, "{checked}");
    assert!(classes.iter().all(|&n| n > 0), "{classes:?}");
}

/// Verifies candidates, skipping repeats and genuine tokens, and counts them by class.
struct Checker<'a> {
    issuer: &'a TokenIssuer,
    seed: u64,
    seen: HashSet<String>,
    checked: usize,
    classes: [usize; 5],
}

impl Checker<'_> {
    fn check(&mut self, candidate: String, class: usize) {
        // A mutation that gives back a genuine token (or one already tried) is skipped.
        if !self.seen.insert(candidate.clone()) {
            return;
        }
        if let Ok(claims) = self.issuer.verify(&candidate) {
            panic!(
                "a mutated token was accepted (seed {}):\n{candidate}\nclaims: {claims:?}",
                self.seed
            );
        }
        self.checked += 1;
        self.classes[class] += 1;
    }
}
