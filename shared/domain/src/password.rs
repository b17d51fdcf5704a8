//! Password hashing (Argon2id, OWASP parameters, PHC strings), verified off the async executor.

use crate::random::Random;
use crate::secret::{ExposeSecret, SecretString};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// OWASP Password Storage Cheat Sheet: m = 19456 KiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// A hash of a random password nobody knows, with the same parameters as real hashes: verified
/// when the account is unknown or still on its initial password, so every login attempt costs
/// one Argon2 verification and timing does not tell accounts apart.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VzYW1lLWR1bW15LXNhbHQ$Bl0lgH2bPCvTNEC8c0Zt0lHGOQ03kDz4w4d8F4dk5c0";

fn hasher() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes `password` into a PHC string (blocking: call from `spawn_blocking` in handlers, or use
/// [`hash_async`]).
pub fn hash(password: &str, rng: &dyn Random) -> String {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("hashing with valid parameters cannot fail")
        .to_string()
}

/// Verifies `password` against a PHC string (blocking). A malformed hash never verifies.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// [`hash`] on the blocking pool.
pub async fn hash_async(password: SecretString, salt_source: &dyn Random) -> String {
    let mut seed = [0u8; 16];
    salt_source.fill(&mut seed);
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&seed).expect("16 bytes is a valid salt");
        hasher()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .expect("hashing with valid parameters cannot fail")
            .to_string()
    })
    .await
    .expect("hashing does not panic")
}

/// Verifies on the blocking pool. With `phc` = `None`, verifies [`DUMMY_HASH`] and returns false.
pub async fn verify_async(password: SecretString, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(phc) => verify(password.expose_secret(), &phc),
        None => {
            verify(password.expose_secret(), DUMMY_HASH);
            false
        }
    })
    .await
    .expect("verification does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededRandom;

    #[test]
    fn hashes_verify_and_use_the_owasp_parameters() {
        let rng = SeededRandom::new(1);
        let phc = hash("correct horse battery staple", &rng);
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn the_dummy_hash_is_a_real_hash_with_the_same_cost() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (MEMORY_KIB, ITERATIONS, PARALLELISM)
        );
        assert_eq!(parsed.hash.unwrap().len(), 32);
        assert!(!verify("", DUMMY_HASH));
    }

    #[tokio::test]
    async fn async_variants_agree() {
        let s = |t: &str| SecretString::from(t.to_string());
        let phc = hash_async(s("s3cret-passphrase"), &SeededRandom::new(2)).await;
        assert!(verify_async(s("s3cret-passphrase"), Some(phc.clone())).await);
        assert!(!verify_async(s("other"), Some(phc)).await);
        assert!(!verify_async(s("s3cret-passphrase"), None).await);
    }
}
