//! The RS256 signing key pair.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};

/// NIST SP 800-57 and the issue both ask for at least 2048-bit RSA.
pub const MIN_RSA_BITS: usize = 2048;

/// Keys for signing and verifying access tokens.
#[derive(Clone)]
pub struct SigningKeys {
    /// Signs access tokens.
    pub encoding: EncodingKey,
    /// Verifies access tokens.
    pub decoding: DecodingKey,
    /// The public key (SPKI PEM), for publishing or for tests.
    pub public_pem: String,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeys").finish_non_exhaustive()
    }
}

/// Keys that could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing the key file failed.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a PKCS#8 RSA private key.
    #[error("key file {path} is not a PKCS#8 RSA private key: {detail}")]
    Format {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// The key is shorter than [`MIN_RSA_BITS`].
    #[error("key file {path} holds a {bits}-bit key; at least {MIN_RSA_BITS} bits are required")]
    TooShort {
        /// The file.
        path: String,
        /// Its size.
        bits: usize,
    },
}

impl SigningKeys {
    /// Reads the private key at `path`, or generates a 2048-bit key there (mode 0600, in a
    /// directory of mode 0700) when the file does not exist.
    ///
    /// # Errors
    /// The file cannot be read or written, does not hold an RSA key, or holds a short one.
    pub fn load_or_generate(path: &Path) -> Result<Self, KeyError> {
        let shown = path.display().to_string();
        let io = |source| KeyError::Io {
            path: shown.clone(),
            source,
        };
        let private = if path.exists() {
            let pem = fs::read_to_string(path).map_err(io)?;
            RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| KeyError::Format {
                path: shown.clone(),
                detail: e.to_string(),
            })?
        } else {
            let key = generate()?;
            write_private(path, &key).map_err(io)?;
            tracing::info!(path = %shown, "generated a new RS256 signing key");
            key
        };
        let bits = private.size() * 8;
        if bits < MIN_RSA_BITS {
            return Err(KeyError::TooShort { path: shown, bits });
        }
        Self::from_private(&private).map_err(|detail| KeyError::Format {
            path: shown,
            detail,
        })
    }

    fn from_private(private: &RsaPrivateKey) -> Result<Self, String> {
        let private_pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        let public_pem = RsaPublicKey::from(private)
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            encoding: EncodingKey::from_rsa_pem(private_pem.as_bytes())
                .map_err(|e| e.to_string())?,
            decoding: DecodingKey::from_rsa_pem(public_pem.as_bytes())
                .map_err(|e| e.to_string())?,
            public_pem,
        })
    }
}

fn generate() -> Result<RsaPrivateKey, KeyError> {
    RsaPrivateKey::new(&mut rsa::rand_core::OsRng, MIN_RSA_BITS).map_err(|e| KeyError::Format {
        path: "<generated>".into(),
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
}
