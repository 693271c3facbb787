//! Access-token verification, as every request and WebSocket `auth` runs it.
//!
//! The first input byte picks the mode. Even: the rest is the token text (a bearer header's
//! worth of anything). Odd: a genuine token, freshly issued, gets the rest spliced in (at a
//! position and with a length the input chooses), and anything but the genuine token itself
//! must be refused. The key is a fixed test key (`fuzz/keys/`), so the seed corpus's tokens
//! carry valid signatures and the fuzzer starts past the signature check.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use glidepath::auth::jwt::TokenIssuer;
use glidepath::auth::keys::SigningKeys;
use libfuzzer_sys::fuzz_target;
use protocol::auth::{Audience, Role};

struct Fixture {
    issuer: TokenIssuer,
    token: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = std::env::temp_dir().join(format!("glidepath-fuzz-{}.pem", std::process::id()));
        std::fs::write(&path, include_str!("../keys/fuzz_only_private.pem")).expect("key written");
        let keys = SigningKeys::load_or_generate(&path).expect("the fuzz key loads");
        let _ = std::fs::remove_file(&path);
        let issuer = TokenIssuer::new(keys, Duration::from_secs(900));
        let (token, _) = issuer
            .issue(uuid::Uuid::nil(), Role::User, Audience::WebApp)
            .expect("issued");
        Fixture { issuer, token }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            let _ = f.issuer.verify(text);
        }
        return;
    }
    // Odd: splice `rest[3..]` over `len` bytes of the genuine token at `at`.
    let [a, b, len, patch @ ..] = rest else {
        return;
    };
    let original = f.token.as_bytes();
    let at = usize::from(u16::from_le_bytes([*a, *b])) % (original.len() + 1);
    let end = (at + usize::from(*len)).min(original.len());
    let mut bytes = original[..at].to_vec();
    bytes.extend_from_slice(patch);
    bytes.extend_from_slice(&original[end..]);
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return;
    };
    if text != f.token {
        assert!(
            f.issuer.verify(text).is_err(),
            "a changed token was accepted: {text}"
        );
    }
});
