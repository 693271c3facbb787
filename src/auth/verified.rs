//! Access tokens already verified, remembered until they expire.
//!
//! The RS256 signature check is the single largest cost of an authenticated request
//! (BENCHMARKS.md, REST throughput), and a client sends the same token with every request for
//! its 15 minutes. A verified token is kept, keyed by its full text, so a later request with
//! byte-for-byte the same token skips the signature check; any other string, a mutation of a
//! cached token included, is verified in full. Only tokens that passed verification enter,
//! so the cache cannot be filled by an attacker without valid tokens, and it is bounded
//! (`auth.token_cache_entries`). Lifetime is checked on every hit; revocation is not a
//! token's business here: the account's state is checked per request after this.

use std::sync::Arc;

use quick_cache::sync::Cache;

use super::jwt::{Claims, TokenError, TokenIssuer};

/// A bounded cache of verified access tokens in front of a [`TokenIssuer`].
pub struct VerifiedTokens {
    issuer: TokenIssuer,
    cache: Option<Cache<Box<str>, Arc<Claims>>>,
}

impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("cached", &self.cache.as_ref().map_or(0, Cache::len))
            .finish_non_exhaustive()
    }
}

impl VerifiedTokens {
    /// Remembers up to `entries` tokens (0: none, every token is verified in full).
    #[must_use]
    pub fn new(issuer: TokenIssuer, entries: usize) -> Self {
        Self {
            issuer,
            cache: (entries > 0).then(|| Cache::new(entries)),
        }
    }

    /// The issuer behind the cache.
    #[must_use]
    pub fn issuer(&self) -> &TokenIssuer {
        &self.issuer
    }

    /// The claims of `token` if it is a valid access token now.
    ///
    /// # Errors
    /// What [`TokenIssuer::verify`] refuses, and a remembered token that has since expired.
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        let Some(cache) = &self.cache else {
            return self.issuer.verify(token).map(Arc::new);
        };
        if let Some(claims) = cache.get(token) {
            if self.issuer.unexpired(&claims) {
                return Ok(claims);
            }
            cache.remove(token);
            return Err(TokenError::Expired);
        }
        let claims = Arc::new(self.issuer.verify(token)?);
        cache.insert(token.into(), Arc::clone(&claims));
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use jsonwebtoken::{Algorithm, Header, encode, get_current_timestamp};
    use protocol::auth::{Audience, Role};
    use uuid::Uuid;

    use super::*;
    use crate::auth::keys::SigningKeys;

    fn issuer() -> (TokenIssuer, SigningKeys, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let keys = SigningKeys::load_or_generate(&dir.path().join("key.pem")).unwrap();
        (
            TokenIssuer::new(keys.clone(), Duration::from_secs(900)),
            keys,
            dir,
        )
    }

    #[test]
    fn a_repeated_token_is_served_from_the_cache_and_a_mutation_of_it_is_verified_in_full() {
        let (issuer, _, _dir) = issuer();
        let verified = VerifiedTokens::new(issuer.clone(), 10);
        let (token, claims) = issuer
            .issue(Uuid::new_v4(), Role::User, Audience::WebApp)
            .unwrap();
        let first = verified.verify(&token).unwrap();
        let second = verified.verify(&token).unwrap();
        assert!(
            Arc::ptr_eq(&first, &second),
            "the second came from the cache"
        );
        assert_eq!(*first, claims);
        // Every single-byte change of a cached token misses the cache and fails in full.
        for at in [0, token.len() / 2, token.len() - 1] {
            let mut bytes = token.clone().into_bytes();
            bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
            let mutated = String::from_utf8(bytes).unwrap();
            assert!(verified.verify(&mutated).is_err(), "byte {at}");
        }
        assert!(verified.verify(&token[..token.len() - 1]).is_err());
    }

    #[test]
    fn a_cached_token_is_refused_once_it_expires() {
        let (issuer, keys, _dir) = issuer();
        let verified = VerifiedTokens::new(issuer, 10);
        let now = get_current_timestamp();
        // Expired 29 s ago: still inside the 30 s leeway for about a second.
        let claims = Claims {
            sub: Uuid::new_v4(),
            iat: now - 900,
            nbf: now - 900,
            exp: now - 29,
            iss: super::super::jwt::ISSUER.into(),
            aud: Audience::Api.as_str().into(),
            scope: Role::User.scopes().to_vec(),
            role: Role::User,
            typ: super::super::jwt::ACCESS_TOKEN_TYPE.into(),
            jti: Uuid::new_v4(),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(keys.kid.clone());
        let token = encode(&header, &claims, &keys.encoding).unwrap();
        verified.verify(&token).unwrap();
        std::thread::sleep(Duration::from_millis(2_100));
        assert!(matches!(verified.verify(&token), Err(TokenError::Expired)));
    }
}
