//! Access tokens: RS256 JWTs with a 15-minute life.
//!
//! The accepted algorithm is fixed here (RS256), never read from the token, so `alg: none` and
//! HS256 tokens signed with the public key as a shared secret are rejected before any
//! signature check. The `typ` claim must be `access`, so no other kind of token the server
//! might ever sign can stand in for one.
//!
//! Every token names its key in the header's `kid`; verification takes the key of that id
//! among the signing key and the verify-only keys of before a rotation, and refuses a token
//! without a `kid` or with one it does not know before any signature check.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation, decode, decode_header, encode};
use protocol::auth::{Audience, Jwks, Role, Scope};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::keys::{KeyRing, SigningKeys};

/// The `iss` claim of every token.
pub const ISSUER: &str = "glidepath";
/// The `typ` claim of access tokens.
pub const ACCESS_TOKEN_TYPE: &str = "access";
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 30;

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: Uuid,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Not valid before (Unix seconds): the issue time. Checked, so a token minted with a
    /// future start (by a skewed clock or a leaked key) is refused until then.
    pub nbf: u64,
    /// Expires at (Unix seconds).
    pub exp: u64,
    /// Always [`ISSUER`].
    pub iss: String,
    /// The client it was issued for.
    pub aud: String,
    /// Granted scopes, from the role at issue time.
    pub scope: Vec<Scope>,
    /// The role at issue time.
    pub role: Role,
    /// Always [`ACCESS_TOKEN_TYPE`].
    pub typ: String,
    /// Unique token id, for logs and a future deny-list.
    pub jti: Uuid,
}

/// Why a token was refused. Deliberately coarse: callers answer 401 whatever it is.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Signing failed (a broken key).
    #[error("could not sign token: {0}")]
    Sign(jsonwebtoken::errors::Error),
    /// Bad signature, algorithm, audience, issuer, expiry or shape.
    #[error("invalid token: {0}")]
    Invalid(jsonwebtoken::errors::Error),
    /// A token without a `kid`, or with one of no key this server has.
    #[error("the token names no key this server verifies with")]
    UnknownKey,
    /// A well-signed token that is not an access token.
    #[error("not an access token")]
    WrongType,
    /// A token verified earlier whose lifetime has since ended.
    #[error("the token expired")]
    Expired,
}

/// Issues and verifies access tokens.
#[derive(Debug, Clone)]
pub struct TokenIssuer {
    keys: SigningKeys,
    /// Every key that verifies, by `kid`: the signing key and the previous ones.
    verifying: Arc<HashMap<String, DecodingKey>>,
    /// The same keys as published, the signing key first.
    jwks: Arc<Jwks>,
    ttl: Duration,
    validation: Validation,
}

impl TokenIssuer {
    /// An issuer that signs and verifies with `keys` alone, with the given access-token
    /// lifetime.
    #[must_use]
    pub fn new(keys: SigningKeys, ttl: Duration) -> Self {
        Self::from_ring(
            KeyRing {
                signing: keys,
                previous: Vec::new(),
            },
            ttl,
        )
    }

    /// An issuer that signs with `ring`'s signing key and verifies with it and every
    /// previous key.
    #[must_use]
    pub fn from_ring(ring: KeyRing, ttl: Duration) -> Self {
        let published: Vec<_> = std::iter::once(ring.signing.verify_key())
            .chain(ring.previous)
            .collect();
        let jwks = Jwks {
            keys: published.iter().map(|k| k.jwk.clone()).collect(),
        };
        let verifying = published.into_iter().map(|k| (k.kid, k.decoding)).collect();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        validation.set_audience(&Audience::ALL.map(Audience::as_str));
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            keys: ring.signing,
            verifying: Arc::new(verifying),
            jwks: Arc::new(jwks),
            ttl,
            validation,
        }
    }

    /// The keys that verify this server's tokens, as `GET /.well-known/jwks.json` publishes
    /// them.
    #[must_use]
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// The id of the key that signs new tokens.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.keys.kid
    }

    /// The access-token lifetime.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The verification key as SPKI PEM.
    #[must_use]
    pub fn public_pem(&self) -> &str {
        &self.keys.public_pem
    }

    /// Signs an access token for `user` with `role`'s scopes.
    ///
    /// # Errors
    /// Signing failed.
    pub fn issue(
        &self,
        user: Uuid,
        role: Role,
        audience: Audience,
    ) -> Result<(String, Claims), TokenError> {
        let now = jsonwebtoken::get_current_timestamp();
        let claims = Claims {
            sub: user,
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs(),
            iss: ISSUER.to_owned(),
            aud: audience.as_str().to_owned(),
            scope: role.scopes().to_vec(),
            role,
            typ: ACCESS_TOKEN_TYPE.to_owned(),
            jti: Uuid::new_v4(),
        };
        let mut header = Header::new(Algorithm::RS256);
        // RFC 9068's media type for JWT access tokens.
        header.typ = Some("at+jwt".to_owned());
        header.kid = Some(self.keys.kid.clone());
        let token = encode(&header, &claims, &self.keys.encoding).map_err(TokenError::Sign)?;
        Ok((token, claims))
    }

    /// Whether `claims`, verified earlier, are still within their lifetime now (by the rule
    /// [`TokenIssuer::verify`] applies, leeway included): what a cached verification checks.
    #[must_use]
    pub fn unexpired(&self, claims: &Claims) -> bool {
        jsonwebtoken::get_current_timestamp() <= claims.exp.saturating_add(self.validation.leeway)
    }

    /// Verifies key id, signature, algorithm, issuer, audience, lifetime (`nbf`, `exp`) and
    /// type.
    ///
    /// # Errors
    /// Any of those checks failed.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = decode_header(token).map_err(TokenError::Invalid)?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        let data = decode::<Claims>(token, key, &self.validation).map_err(TokenError::Invalid)?;
        if data.claims.typ != ACCESS_TOKEN_TYPE {
            return Err(TokenError::WrongType);
        }
        Ok(data.claims)
    }
}
