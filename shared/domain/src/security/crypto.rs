//! Keyed hashes (HMAC-SHA256 under the secret pepper), plain digests and constant-time equality.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// The secret pepper for keyed hashes of ID numbers, mobile numbers and account identifiers.
/// `Debug` never shows it; clones share one copy.
#[derive(Clone)]
pub struct Keys {
    pepper: Arc<[u8]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

/// The smallest pepper accepted: 32 bytes, as many as the HMAC-SHA256 key block uses well.
pub const MIN_PEPPER_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
#[error("the pepper must be at least {MIN_PEPPER_BYTES} bytes")]
pub struct PepperTooShort;

impl Keys {
    pub fn new(pepper: impl Into<Vec<u8>>) -> Result<Keys, PepperTooShort> {
        let pepper = pepper.into();
        if pepper.len() < MIN_PEPPER_BYTES {
            return Err(PepperTooShort);
        }
        Ok(Keys {
            pepper: pepper.into(),
        })
    }

    /// HMAC-SHA256 of `value` under the pepper, in a named domain so that keys of different kinds
    /// never collide; lower-case hex.
    pub fn keyed(&self, domain: &str, value: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.pepper).expect("HMAC takes any key");
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Plain SHA-256, lower-case hex: for high-entropy secrets (tokens) and stable ids.
pub fn sha256_hex(value: &[u8]) -> String {
    hex::encode(Sha256::digest(value))
}

/// Compares without stopping at the first difference (`subtle`).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_separate_domains_and_peppers() {
        let a = Keys::new(vec![1u8; 32]).unwrap();
        let b = Keys::new(vec![2u8; 32]).unwrap();
        assert_eq!(a.keyed("id", "x"), a.keyed("id", "x"));
        assert_ne!(a.keyed("id", "x"), a.keyed("mobile", "x"));
        assert_ne!(a.keyed("id", "x"), b.keyed("id", "x"));
        assert_eq!(a.keyed("id", "x").len(), 64);
        assert!(Keys::new(vec![0u8; 31]).is_err());
        assert_eq!(format!("{a:?}"), "Keys(<redacted>)");
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
