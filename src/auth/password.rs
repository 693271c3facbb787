//! argon2id password hashing on the blocking pool, behind a semaphore.
//!
//! Each hash takes about 70 ms of one core and 19 MiB. Without a cap, a login flood would
//! queue unbounded work on the blocking pool and take every core from the other endpoints;
//! with it, at most `concurrency` hashes run, further requests wait up to a timeout and then
//! get 503.

use std::sync::Arc;
use std::time::Duration;

use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use tokio::sync::Semaphore;

/// OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Iterations.
pub const ITERATIONS: u32 = 2;
/// Lanes.
pub const PARALLELISM: u32 = 1;

/// Why hashing did not produce an answer.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot stayed busy for the whole timeout.
    #[error("password hashing is saturated")]
    Saturated,
    /// The hashing task failed (a bug or an allocation failure).
    #[error("password hashing failed: {0}")]
    Failed(String),
}

/// Hashes and verifies passwords with bounded concurrency.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    wait: Duration,
    /// Verified against when the e-mail is unknown, so that "no such user" and "wrong
    /// password" take the same time and cannot be told apart.
    dummy_hash: Arc<str>,
}

fn argon2() -> Argon2<'static> {
    // The constants are valid argon2 parameters; `Params::new` only rejects out-of-range ones.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).unwrap_or(Params::DEFAULT);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> Result<String, HashError> {
    argon2()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError::Failed(e.to_string()))
}

fn verify_now(password: &str, hash: &str) -> bool {
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

impl PasswordHasher {
    /// A hasher running at most `concurrency` hashes at once.
    ///
    /// # Errors
    /// Computing the dummy hash failed.
    pub fn new(concurrency: usize, wait: Duration) -> Result<Self, HashError> {
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            wait,
            dummy_hash: hash_now("glidepath-dummy-password")?.into(),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Saturated)?
            .map_err(|_| HashError::Saturated)?;
        let result = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))?;
        Ok(result)
    }

    /// The PHC string of a new salted hash.
    ///
    /// # Errors
    /// Saturated, or the hashing task failed.
    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Whether `password` matches `hash`; with `None`, checks against a dummy hash and returns
    /// false, taking as long as a real check.
    ///
    /// # Errors
    /// Saturated, or the hashing task failed.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashError> {
        let dummy = self.dummy_hash.clone();
        self.run(move || match hash {
            Some(h) => verify_now(&password, &h),
            None => {
                verify_now(&password, &dummy);
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::new(2, Duration::from_secs(10)).expect("hasher");
        let hash = hasher
            .hash("correct horse battery".into())
            .await
            .expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            hasher
                .verify("correct horse battery".into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("wrong".into(), Some(hash))
                .await
                .expect("verify")
        );
        assert!(
            !hasher
                .verify("anything".into(), None)
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn a_saturated_hasher_refuses_instead_of_queueing_forever() {
        let hasher = PasswordHasher::new(1, Duration::from_millis(1)).expect("hasher");
        let busy = hasher.clone();
        let slow = tokio::spawn(async move {
            busy.run(|| std::thread::sleep(Duration::from_millis(300)))
                .await
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(matches!(
            hasher.hash("x".repeat(12)).await,
            Err(HashError::Saturated)
        ));
        slow.await.expect("join").expect("slow task ran");
    }
}
