//! Password hashing (Argon2id, OWASP parameters, PHC strings), verified off the async executor.
//!
//! Every hash and verification needs 19 MiB of Argon2 working memory. Allocating it afresh each
//! time made glibc keep one such block per arena (a Lambda process grew to ~217 MB after ~11
//! logins), so the working memory comes from a small process-wide pool instead: a computation
//! takes a block (or allocates one when all are busy) and gives it back afterwards. A process that
//! hashes one password at a time (a Lambda) keeps exactly one block; concurrent hashes (the dev
//! server, tests) each get their own. The PHC strings are the standard ones: hashes made here
//! verify with any Argon2 library, and hashes made elsewhere verify here.

use crate::ports::random::Random;
use crate::values::secret::{ExposeSecret, SecretString};
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::Mutex;
use subtle::ConstantTimeEq;

/// OWASP Password Storage Cheat Sheet: m = 19456 KiB, t = 2, p = 1.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// Length of the Argon2 output in new hashes (the PHC default).
const OUTPUT_LEN: usize = 32;

/// At most this many idle memory blocks (19 MiB each) stay in the pool; more concurrent hashes
/// than that still work, their extra blocks are freed afterwards.
const POOL_KEEP: usize = 4;

/// A hash of a random password nobody knows, with the same parameters as real hashes: verified
/// when the account is unknown or still on its initial password, so every login attempt costs
/// one Argon2 verification and timing does not tell accounts apart.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2VzYW1lLWR1bW15LXNhbHQ$Bl0lgH2bPCvTNEC8c0Zt0lHGOQ03kDz4w4d8F4dk5c0";

fn params() -> Params {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_LEN)).expect("valid parameters")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// Idle Argon2 working memory, each entry exactly `params().block_count()` blocks long.
static POOL: Mutex<Vec<Box<[Block]>>> = Mutex::new(Vec::new());

/// Runs `f` with at least `block_count` blocks of working memory: a pooled block when the
/// parameters are the standard ones, otherwise (an old hash with other parameters) a one-off one.
fn with_memory<R>(block_count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    let fresh = |n: usize| vec![Block::new(); n].into_boxed_slice();
    let standard = params().block_count();
    if block_count != standard {
        return f(&mut fresh(block_count));
    }
    // A panic while the lock is held cannot leave the Vec inconsistent: ignore poisoning.
    let taken = POOL.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut memory = taken.unwrap_or_else(|| fresh(standard));
    let result = f(&mut memory);
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < POOL_KEEP {
        pool.push(memory);
    }
    result
}

/// The standard PHC string of `password` under `salt` with the OWASP parameters, computed in
/// pooled memory.
fn hash_with_salt(password: &[u8], salt: &[u8; 16]) -> String {
    let argon2 = hasher();
    let mut out = [0u8; OUTPUT_LEN];
    with_memory(params().block_count(), |memory| {
        argon2.hash_password_into_with_memory(password, salt, &mut out, memory)
    })
    .expect("hashing with valid parameters cannot fail");
    let salt = SaltString::encode_b64(salt).expect("16 bytes is a valid salt");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params()).try_into().expect("valid parameters"),
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).expect("32 bytes is a valid output")),
    }
    .to_string()
}

/// Hashes `password` into a PHC string (blocking: call from `spawn_blocking` in handlers, or use
/// [`hash_async`]).
pub fn hash(password: &str, rng: &dyn Random) -> String {
    let mut salt = [0u8; 16];
    rng.fill(&mut salt);
    hash_with_salt(password.as_bytes(), &salt)
}

/// Verifies `password` against a PHC string (blocking). A malformed hash never verifies.
///
/// Does what the `argon2` crate's `PasswordVerifier` does (algorithm, version, parameters and salt
/// from the string; outputs compared in constant time), but in pooled memory.
pub fn verify(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .ok()
        .and_then(|parsed| matches(password.as_bytes(), &parsed))
        .unwrap_or(false)
}

/// `Some(true)` when `password` hashes to `parsed`'s output; `None` when `parsed` is not a usable
/// Argon2 hash.
fn matches(password: &[u8], parsed: &PasswordHash<'_>) -> Option<bool> {
    let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
    let version = match parsed.version {
        Some(v) => Version::try_from(v).ok()?,
        None => Version::default(),
    };
    // Takes m, t, p (and any keyid/data) from the string, and the output length from its hash.
    let params = Params::try_from(parsed).ok()?;
    let expected = parsed.hash?;
    let mut salt_buf = [0u8; 64];
    let salt = parsed.salt?.decode_b64(&mut salt_buf).ok()?;
    let block_count = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    with_memory(block_count, |memory| {
        argon2.hash_password_into_with_memory(password, salt, &mut out, memory)
    })
    .ok()?;
    Some(out.ct_eq(expected.as_bytes()).into())
}

/// [`hash`] on the blocking pool.
pub async fn hash_async(password: SecretString, salt_source: &dyn Random) -> String {
    let mut salt = [0u8; 16];
    salt_source.fill(&mut salt);
    tokio::task::spawn_blocking(move || hash_with_salt(password.expose_secret().as_bytes(), &salt))
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
    use crate::ports::random::SeededRandom;

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

    /// The `argon2` crate's own API, as the code hashed and verified before the pool.
    fn plain_hash(password: &str, salt: &[u8; 16]) -> String {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(salt).unwrap();
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .unwrap()
            .to_string()
    }

    fn plain_verify(password: &str, phc: &str) -> bool {
        use argon2::password_hash::PasswordVerifier;
        Argon2::default()
            .verify_password(password.as_bytes(), &PasswordHash::new(phc).unwrap())
            .is_ok()
    }

    #[test]
    fn pooled_hashes_are_standard_phc_strings() {
        let salt = [7u8; 16];
        let pooled = hash_with_salt(b"Lantern-river-2718", &salt);
        assert_eq!(pooled, plain_hash("Lantern-river-2718", &salt));
        assert!(plain_verify("Lantern-river-2718", &pooled));
        assert!(!plain_verify("Lantern-river-2719", &pooled));
    }

    #[test]
    fn hashes_from_the_plain_api_verify_in_pooled_memory() {
        let phc = plain_hash("125051", &[9u8; 16]);
        assert!(verify("125051", &phc));
        assert!(!verify("125052", &phc));
        assert!(!verify("", &phc));
        // The dummy hash was made by the plain API too: it is a valid hash that nothing matches.
        assert!(!plain_verify("", DUMMY_HASH));
    }

    #[test]
    fn hashes_with_other_parameters_still_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::encode_b64(&[3u8; 16]).unwrap();
        for (algorithm, m, t, len) in [
            (Algorithm::Argon2id, 4096, 1, 32),
            (Algorithm::Argon2i, 8192, 3, 16),
            (Algorithm::Argon2d, 19_456, 2, 64),
            (Algorithm::Argon2id, 19_456, 2, 24),
        ] {
            let params = Params::new(m, t, 1, Some(len)).unwrap();
            let phc = Argon2::new(algorithm, Version::V0x13, params)
                .hash_password(b"old-hash", &salt)
                .unwrap()
                .to_string();
            assert!(verify("old-hash", &phc), "{phc}");
            assert!(!verify("old-hasH", &phc), "{phc}");
        }
        let v10 = Argon2::new(Algorithm::Argon2id, Version::V0x10, params())
            .hash_password(b"old-hash", &salt)
            .unwrap()
            .to_string();
        assert!(v10.starts_with("$argon2id$v=16$"), "{v10}");
        assert!(verify("old-hash", &v10));
        assert!(!verify("old-hash", &v10.replace("$v=16$", "$v=19$")));
    }

    #[test]
    fn concurrent_hashes_each_get_memory_and_the_pool_stays_small() {
        let threads: Vec<_> = (0..3u8)
            .map(|i| {
                std::thread::spawn(move || {
                    let password = format!("password-{i}");
                    let phc = hash_with_salt(password.as_bytes(), &[i; 16]);
                    (verify(&password, &phc), verify("wrong", &phc))
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), (true, false));
        }
        // Other tests may be holding blocks right now: only the upper bound is certain.
        let pool = POOL.lock().unwrap();
        assert!(pool.len() <= POOL_KEEP, "{}", pool.len());
        assert!(pool.iter().all(|m| m.len() == params().block_count()));
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
