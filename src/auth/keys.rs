//! The RS256 keys: the one that signs access tokens, and those kept only to verify them.
//!
//! Every node of a deployment must sign and verify with the same key, so the key comes from
//! configuration: a PEM file (`auth.private_key_path`, a mounted secret) or the PEM itself
//! (`auth.private_key_pem`, a secret in the environment). Only a server left with neither
//! generates its own key into the data directory, which suits one node alone.
//!
//! Each key is known by its `kid`, the RFC 7638 thumbprint of its public half, so the id
//! follows from the key and cannot be mistyped. Rotation: the new key signs, and the old one's
//! public half is listed in `auth.previous_public_keys` until the last token it signed has
//! expired.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{DecodingKey, EncodingKey};
use protocol::auth::Jwk;
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::config::AuthSettings;

/// NIST SP 800-57 and the issue both ask for at least 2048-bit RSA.
pub const MIN_RSA_BITS: usize = 2048;

/// The setting that holds the signing key's PEM.
pub const PEM_SETTING: &str = "auth.private_key_pem";
/// The setting that names the signing key's file.
pub const PATH_SETTING: &str = "auth.private_key_path";
/// The setting that lists verify-only public keys.
pub const PREVIOUS_SETTING: &str = "auth.previous_public_keys";

/// The key that signs access tokens (and verifies them).
#[derive(Clone)]
pub struct SigningKeys {
    /// Signs access tokens.
    pub encoding: EncodingKey,
    /// Verifies access tokens.
    pub decoding: DecodingKey,
    /// The public key (SPKI PEM), for publishing or for tests.
    pub public_pem: String,
    /// The key id every token it signs carries (RFC 7638 thumbprint).
    pub kid: String,
    /// The public key as a JWK.
    pub jwk: Jwk,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// A public key that only verifies: the signing key of before a rotation.
#[derive(Clone)]
pub struct VerifyKey {
    /// Verifies access tokens.
    pub decoding: DecodingKey,
    /// Its key id.
    pub kid: String,
    /// The public key as a JWK.
    pub jwk: Jwk,
}

impl std::fmt::Debug for VerifyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Keys that could not be loaded or created. Each names the setting (and file) it came from.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing a key file failed.
    #[error("{origin}: {source}")]
    Io {
        /// The setting and file.
        origin: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a key of the kind the setting takes.
    #[error("{origin}: {detail}")]
    Format {
        /// The setting (and file).
        origin: String,
        /// What is wrong.
        detail: String,
    },
    /// The key is shorter than [`MIN_RSA_BITS`].
    #[error("{origin} holds a {bits}-bit key; at least {MIN_RSA_BITS} bits are required")]
    TooShort {
        /// The setting (and file).
        origin: String,
        /// Its size.
        bits: usize,
    },
    /// Both ways of giving the signing key are set, so which one signs would be a guess.
    #[error("{PEM_SETTING} and {PATH_SETTING} are both set; give the signing key one way")]
    Ambiguous,
}

impl SigningKeys {
    /// Reads the private key at `path`, or generates a 2048-bit key there (mode 0600, in a
    /// directory of mode 0700) when the file does not exist.
    ///
    /// # Errors
    /// The file cannot be read or written, does not hold an RSA key, or holds a short one.
    pub fn load_or_generate(path: &Path) -> Result<Self, KeyError> {
        let origin = format!("the signing key file {}", path.display());
        if path.exists() {
            return Self::load(path, &origin);
        }
        let key = generate()?;
        write_private(path, &key).map_err(|source| KeyError::Io {
            origin: origin.clone(),
            source,
        })?;
        tracing::info!(path = %path.display(), "generated a new RS256 signing key");
        Self::from_private(&key, &origin)
    }

    /// Reads the private key at `path`, which must exist: a configured key is never replaced
    /// by a generated one, which would sign tokens no other node accepts.
    ///
    /// # Errors
    /// The file cannot be read, does not hold an RSA private key, or holds a short one.
    pub fn load(path: &Path, origin: &str) -> Result<Self, KeyError> {
        let pem = fs::read_to_string(path).map_err(|source| KeyError::Io {
            origin: origin.to_owned(),
            source,
        })?;
        Self::from_pem(&pem, origin)
    }

    /// The private key in `pem` (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    ///
    /// # Errors
    /// `pem` is not an RSA private key, or a short one.
    pub fn from_pem(pem: &str, origin: &str) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let private = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|pkcs8| RsaPrivateKey::from_pkcs1_pem(pem).map_err(|_| pkcs8))
            .map_err(|e| KeyError::Format {
                origin: origin.to_owned(),
                detail: format!("not a PEM RSA private key (PKCS#8 or PKCS#1): {e}"),
            })?;
        Self::from_private(&private, origin)
    }

    fn from_private(private: &RsaPrivateKey, origin: &str) -> Result<Self, KeyError> {
        let format = |detail: String| KeyError::Format {
            origin: origin.to_owned(),
            detail,
        };
        check_size(private.size(), origin)?;
        let private_pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| format(e.to_string()))?;
        let public = RsaPublicKey::from(private);
        let public_pem = public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format(e.to_string()))?;
        let jwk = jwk(&public);
        Ok(Self {
            encoding: EncodingKey::from_rsa_pem(private_pem.as_bytes())
                .map_err(|e| format(e.to_string()))?,
            decoding: DecodingKey::from_rsa_components(&jwk.n, &jwk.e)
                .map_err(|e| format(e.to_string()))?,
            public_pem,
            kid: jwk.kid.clone(),
            jwk,
        })
    }

    /// The same key as a verify-only key.
    #[must_use]
    pub fn verify_key(&self) -> VerifyKey {
        VerifyKey {
            decoding: self.decoding.clone(),
            kid: self.kid.clone(),
            jwk: self.jwk.clone(),
        }
    }
}

impl VerifyKey {
    /// The public key in `pem` (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`). A private key
    /// is refused: a verify-only key needs no secret, so none should be handed out for it.
    ///
    /// # Errors
    /// `pem` is a private key, not an RSA public key, or a short one.
    pub fn from_pem(pem: &str, origin: &str) -> Result<Self, KeyError> {
        let format = |detail: String| KeyError::Format {
            origin: origin.to_owned(),
            detail,
        };
        if pem.contains("PRIVATE KEY") {
            return Err(format(
                "holds a private key; list only its public half \
                 (`openssl pkey -in key.pem -pubout`)"
                    .to_owned(),
            ));
        }
        let pem = pem.trim();
        let public = RsaPublicKey::from_public_key_pem(pem)
            .or_else(|spki| RsaPublicKey::from_pkcs1_pem(pem).map_err(|_| spki))
            .map_err(|e| format(format!("not a PEM RSA public key (SPKI or PKCS#1): {e}")))?;
        check_size(public.size(), origin)?;
        let jwk = jwk(&public);
        Ok(Self {
            decoding: DecodingKey::from_rsa_components(&jwk.n, &jwk.e)
                .map_err(|e| format(e.to_string()))?,
            kid: jwk.kid.clone(),
            jwk,
        })
    }
}

/// The signing key and the verify-only keys a server is configured with.
#[derive(Debug, Clone)]
pub struct KeyRing {
    /// Signs new tokens.
    pub signing: SigningKeys,
    /// Verify tokens signed before a rotation; never the signing key.
    pub previous: Vec<VerifyKey>,
}

impl KeyRing {
    /// Loads the keys `auth` configures: the signing key from `auth.private_key_pem`, else
    /// from the file `auth.private_key_path`, else from (or generated into)
    /// `default_path`; then every key of `auth.previous_public_keys`. Blocking (file reads,
    /// perhaps a key generation).
    ///
    /// # Errors
    /// Any key that is missing, unreadable, of the wrong kind or short, naming its setting.
    pub fn load(auth: &AuthSettings, default_path: &Path) -> Result<Self, KeyError> {
        let signing = match (&auth.private_key_pem, &auth.private_key_path) {
            (Some(_), Some(_)) => return Err(KeyError::Ambiguous),
            (Some(pem), None) => SigningKeys::from_pem(pem.expose_secret(), PEM_SETTING)?,
            (None, Some(path)) => {
                SigningKeys::load(path, &format!("{PATH_SETTING} ({})", path.display()))?
            }
            (None, None) => SigningKeys::load_or_generate(default_path)?,
        };
        let mut previous: Vec<VerifyKey> = Vec::new();
        for file in previous_files(&auth.previous_public_keys)? {
            let origin = format!("{PREVIOUS_SETTING} ({})", file.display());
            let pem = fs::read_to_string(&file).map_err(|source| KeyError::Io {
                origin: origin.clone(),
                source,
            })?;
            let key = VerifyKey::from_pem(&pem, &origin)?;
            // The signing key verifies already; a key listed twice is kept once.
            if key.kid != signing.kid && previous.iter().all(|k| k.kid != key.kid) {
                previous.push(key);
            }
        }
        Ok(Self { signing, previous })
    }
}

/// The files `paths` name: each file itself, each directory's `*.pem` files in name order.
fn previous_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, KeyError> {
    let mut files = Vec::new();
    for path in paths {
        let io = |source| KeyError::Io {
            origin: format!("{PREVIOUS_SETTING} ({})", path.display()),
            source,
        };
        if path.is_dir() {
            let mut found = Vec::new();
            for entry in fs::read_dir(path).map_err(io)? {
                let file = entry.map_err(io)?.path();
                if file.is_file() && file.extension().is_some_and(|e| e == "pem") {
                    found.push(file);
                }
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn check_size(bytes: usize, origin: &str) -> Result<(), KeyError> {
    let bits = bytes * 8;
    if bits < MIN_RSA_BITS {
        return Err(KeyError::TooShort {
            origin: origin.to_owned(),
            bits,
        });
    }
    Ok(())
}

/// `public` as a JWK, with its RFC 7638 thumbprint as `kid`.
fn jwk(public: &RsaPublicKey) -> Jwk {
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    // RFC 7638 §3.2: the required members only, in lexicographic order, no whitespace. The
    // base64url alphabet needs no JSON escaping.
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    let kid = URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()));
    Jwk {
        kty: "RSA".to_owned(),
        kid,
        alg: "RS256".to_owned(),
        use_: "sig".to_owned(),
        n,
        e,
    }
}

fn generate() -> Result<RsaPrivateKey, KeyError> {
    RsaPrivateKey::new(&mut rsa::rand_core::OsRng, MIN_RSA_BITS).map_err(|e| KeyError::Format {
        origin: "a generated signing key".into(),
        detail: e.to_string(),
    })
}

fn write_private(path: &Path, key: &RsaPrivateKey) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    // create_new: never overwrite a key another process has just written.
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(pem.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_with_private_mode_then_reloads_the_same_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("k.pem");
        let first = SigningKeys::load_or_generate(&path).expect("generate");
        let mode = fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let second = SigningKeys::load_or_generate(&path).expect("reload");
        assert_eq!(first.public_pem, second.public_pem);
        assert_eq!(first.kid, second.kid);
    }

    #[test]
    fn rejects_garbage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("k.pem");
        fs::write(&path, "not a key").expect("write");
        assert!(matches!(
            SigningKeys::load_or_generate(&path),
            Err(KeyError::Format { .. })
        ));
    }

    /// RFC 7638 §3.1's example key and the thumbprint the RFC gives for it.
    #[test]
    fn the_kid_is_the_rfc_7638_thumbprint() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let modulus = rsa::BigUint::from_bytes_be(&URL_SAFE_NO_PAD.decode(n).expect("n"));
        let public =
            RsaPublicKey::new(modulus, rsa::BigUint::from(65_537_u32)).expect("the RFC's key");
        let jwk = jwk(&public);
        assert_eq!(jwk.n, n);
        assert_eq!(jwk.e, "AQAB");
        assert_eq!(jwk.kid, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}
