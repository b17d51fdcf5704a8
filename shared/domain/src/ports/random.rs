//! Randomness, injected so tests control it.
//!
//! Production code uses [`OsRandom`] (the operating system's CSPRNG). Tests use [`SeededRandom`],
//! which is deterministic for a given seed. Everything that needs randomness (tokens, captcha ids,
//! SMS codes, salts, captcha images) takes a `&dyn Random`.

use rand::{RngCore, SeedableRng};
use std::sync::Mutex;

pub trait Random: Send + Sync {
    /// Fills `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

impl dyn Random + '_ {
    /// A uniformly distributed integer in `0..n` (rejection sampling, no modulo bias). `n > 0`.
    pub fn below(&self, n: u32) -> u32 {
        assert!(n > 0, "below(0)");
        let zone = u32::MAX - (u32::MAX % n);
        loop {
            let mut b = [0u8; 4];
            self.fill(&mut b);
            let v = u32::from_le_bytes(b);
            if v < zone {
                return v % n;
            }
        }
    }

    /// `len` random bytes, lower-case hex encoded (`2 * len` characters).
    pub fn hex(&self, len: usize) -> String {
        let mut b = vec![0u8; len];
        self.fill(&mut b);
        hex::encode(b)
    }

    /// `n` random decimal digits, each uniformly distributed.
    pub fn digits(&self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// The operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("the operating system's random source failed");
    }
}

/// Deterministic randomness for tests.
#[derive(Debug)]
pub struct SeededRandom(Mutex<rand::rngs::StdRng>);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        Self(Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }
}

impl Random for SeededRandom {
    fn fill(&self, buf: &mut [u8]) {
        self.0.lock().expect("rng poisoned").fill_bytes(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let r: &dyn Random = &SeededRandom::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let v = r.below(10);
            assert!(v < 10);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }

    #[test]
    fn digits_and_hex_have_the_asked_length() {
        let r: &dyn Random = &OsRandom;
        let d = r.digits(6);
        assert_eq!(d.len(), 6);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        let h = r.hex(6);
        assert_eq!(h.len(), 12);
        assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
