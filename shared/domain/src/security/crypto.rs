//! Keyed hashes, one key per purpose, all from the secret pepper; plain digests; constant-time
//! equality.
//!
//! - **Identity** ([`Keys::identity`]): ID numbers, mobile numbers, lockout and reset
//!   identifiers, the ID's last six. These hashes are inside stored item keys and records, so the
//!   key is the pepper itself, exactly as before per-purpose keys existed (HMAC-SHA256 of
//!   `domain ‖ 0 ‖ value` under the pepper): existing tables keep working, and it never changes.
//! - **Codes** ([`Keys::code`]) and **client addresses** ([`Keys::address`]): hashes that only
//!   short-lived items hold (SMS codes live 5 minutes; address counters and send logs expire with
//!   their window). Their keys are derived from the pepper with HKDF-SHA256 (RFC 5869; no salt,
//!   info `xuefen-learner/<purpose>/epoch-<n>`), and the epoch (`KEY_EPOCH`) rotates them without
//!   touching stored data.
//!
//! A process holds only the keys of the [`Purposes`] it was built for: a function that hashes
//! only client addresses (captcha) keeps no identity key in memory.

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Which keyed hashes a process may compute. A function declares its own (`KEYS` beside its
/// `ROUTES`); the wiring keeps only those keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Purposes {
    identity: bool,
    code: bool,
    address: bool,
}

impl Purposes {
    /// No keyed hash at all: the process never needs the pepper.
    pub const NONE: Purposes = Purposes {
        identity: false,
        code: false,
        address: false,
    };
    pub const ALL: Purposes = Purposes {
        identity: true,
        code: true,
        address: true,
    };
    /// ID numbers, mobiles, lockout and reset identifiers (inside stored keys).
    pub const IDENTITY: Purposes = Purposes {
        identity: true,
        ..Self::NONE
    };
    /// SMS code hashes.
    pub const CODE: Purposes = Purposes {
        code: true,
        ..Self::NONE
    };
    /// Client addresses (per-address counters and send logs).
    pub const ADDRESS: Purposes = Purposes {
        address: true,
        ..Self::NONE
    };

    /// Both sets.
    pub const fn and(self, other: Purposes) -> Purposes {
        Purposes {
            identity: self.identity || other.identity,
            code: self.code || other.code,
            address: self.address || other.address,
        }
    }

    pub const fn is_empty(self) -> bool {
        !(self.identity || self.code || self.address)
    }

    /// The names of the purposes, for logs ("identity+code").
    pub fn names(self) -> String {
        let names: Vec<&str> = [
            (self.identity, "identity"),
            (self.code, "code"),
            (self.address, "address"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if names.is_empty() {
            "none".into()
        } else {
            names.join("+")
        }
    }
}

/// The keys of one process, each as keyed HMAC state. `Debug` never shows them; clones share
/// them.
#[derive(Clone)]
pub struct Keys {
    identity: Option<Arc<HmacSha256>>,
    code: Option<Arc<HmacSha256>>,
    address: Option<Arc<HmacSha256>>,
    epoch: u32,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

/// The smallest pepper accepted: 32 bytes, as many as the HMAC-SHA256 key block uses well.
pub const MIN_PEPPER_BYTES: usize = 32;

/// The epoch of the rotatable keys when `KEY_EPOCH` is not set.
pub const FIRST_EPOCH: u32 = 1;

#[derive(Debug, thiserror::Error)]
#[error("the pepper must be at least {MIN_PEPPER_BYTES} bytes")]
pub struct PepperTooShort;

/// The HKDF info of a rotatable key: what it is for, and its epoch.
fn info(purpose: &str, epoch: u32) -> String {
    format!("xuefen-learner/{purpose}/epoch-{epoch}")
}

impl Keys {
    /// Every key, at the first epoch (tests, tools).
    pub fn new(pepper: impl Into<Vec<u8>>) -> Result<Keys, PepperTooShort> {
        Keys::derive(&pepper.into(), Purposes::ALL, FIRST_EPOCH)
    }

    /// The keys of `purposes` from `pepper`, the rotatable ones at `epoch`. The pepper is not
    /// kept: only the keys the purposes name (the identity key is the pepper as HMAC state).
    pub fn derive(pepper: &[u8], purposes: Purposes, epoch: u32) -> Result<Keys, PepperTooShort> {
        if pepper.len() < MIN_PEPPER_BYTES {
            return Err(PepperTooShort);
        }
        let hkdf = Hkdf::<Sha256>::new(None, pepper);
        let derived = |on: bool, purpose: &str| {
            on.then(|| {
                let mut okm = [0u8; 32];
                hkdf.expand(info(purpose, epoch).as_bytes(), &mut okm)
                    .expect("32 bytes is a valid HKDF-SHA256 length");
                Arc::new(HmacSha256::new_from_slice(&okm).expect("HMAC takes any key"))
            })
        };
        Ok(Keys {
            identity: purposes
                .identity
                .then(|| Arc::new(HmacSha256::new_from_slice(pepper).expect("HMAC takes any key"))),
            code: derived(purposes.code, "sms-code"),
            address: derived(purposes.address, "client-address"),
            epoch,
        })
    }

    /// No key at all (a function that hashes nothing).
    pub fn none() -> Keys {
        Keys {
            identity: None,
            code: None,
            address: None,
            epoch: FIRST_EPOCH,
        }
    }

    /// These keys without those `purposes` does not name.
    pub fn only(mut self, purposes: Purposes) -> Keys {
        if !purposes.identity {
            self.identity = None;
        }
        if !purposes.code {
            self.code = None;
        }
        if !purposes.address {
            self.address = None;
        }
        self
    }

    /// The purposes these keys serve.
    pub fn purposes(&self) -> Purposes {
        Purposes {
            identity: self.identity.is_some(),
            code: self.code.is_some(),
            address: self.address.is_some(),
        }
    }

    /// The epoch of the rotatable keys.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The keyed hash of an identifier that stored keys or records hold (`domain`: `id`,
    /// `mobile`, `lock`, `reset`, …, so that hashes of different kinds never collide):
    /// HMAC-SHA256 of `domain ‖ 0 ‖ value` under the pepper, lower-case hex. Never changes.
    pub fn identity(&self, domain: &str, value: &str) -> String {
        hex_mac(
            self.identity.as_ref(),
            "identity",
            &[domain.as_bytes(), &[0], value.as_bytes()],
        )
    }

    /// The keyed hash of an SMS code (with what binds it: learner, number, purpose), under the
    /// code key of the current epoch; lower-case hex.
    pub fn code(&self, value: &str) -> String {
        hex_mac(self.code.as_ref(), "code", &[value.as_bytes()])
    }

    /// The keyed hash of a client address, under the address key of the current epoch;
    /// lower-case hex.
    pub fn address(&self, address: &str) -> String {
        hex_mac(self.address.as_ref(), "address", &[address.as_bytes()])
    }
}

/// HMAC of the parts under `key`, lower-case hex. A key the process was not built with is a
/// wiring mistake, the same on every request of the route: it panics (answered 500 and logged
/// by the dispatch), and the sample events through each function's binary find it.
fn hex_mac(key: Option<&Arc<HmacSha256>>, purpose: &str, parts: &[&[u8]]) -> String {
    let Some(key) = key else {
        panic!("this process holds no {purpose} key: add it to its function's KEYS");
    };
    let mut mac = HmacSha256::clone(key);
    for part in parts {
        mac.update(part);
    }
    hex::encode(mac.finalize().into_bytes())
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

    const PINNED: &[u8] = b"pinned-pepper-0123456789abcdef-0123456789";

    #[test]
    fn identity_hashes_are_those_every_stored_key_was_made_with() {
        // Computed before per-purpose keys existed (HMAC-SHA256 under the pepper of
        // `domain ‖ 0 ‖ value`; Python's hmac gives the same): stored items keep being found.
        let k = Keys::new(PINNED).unwrap();
        for (domain, value, pinned) in [
            (
                "id",
                "440883200305125051",
                "02c37c5e99c9d0fd02a081cc36a9fa8c189545157657c55b4aa3a8e403b47117",
            ),
            (
                "mobile",
                "13800138000",
                "5cebf5124bb56e03e015acf3410e0131db532bb8fa3d7c4d54bd67c3ff330f46",
            ),
            (
                "lock",
                "id:abc",
                "fe0e4f8dc4f8ff4dbc42ffc9960b799fd73b00f5b3a85cf83af9d30f04ac4720",
            ),
            (
                "reset",
                "mobile:13800138000",
                "1e604f7153058b3b94a1975c1ee5c7af5d1f2f3a2429ece7e386107d58a7e2fb",
            ),
            (
                "id-last-six",
                "125051",
                "942e0f15ac52993a95bbe136dfe6016a3afde327bfd1c63e61976a49f0c20e90",
            ),
        ] {
            assert_eq!(k.identity(domain, value), pinned, "{domain}");
        }
        // The epoch rotates the other keys, never this one.
        let later = Keys::derive(PINNED, Purposes::ALL, 7).unwrap();
        assert_eq!(
            later.identity("id", "440883200305125051"),
            k.identity("id", "440883200305125051")
        );
    }

    #[test]
    fn the_rotatable_keys_are_hkdf_of_the_pepper_pinned_per_epoch() {
        let k = Keys::new(PINNED).unwrap();
        // Pinned too (Python's hmac and an RFC 5869 HKDF give the same): a change here is a
        // rotation (codes in flight void, address counters restart).
        assert_eq!(
            k.code("learner|mobile|BIND_MOBILE|123456"),
            "9c5dfe40150d2f45e9d37c6a53fda3cfa87498b62f6a32d2560a3fd9248b278d"
        );
        assert_eq!(
            k.address("203.0.113.7"),
            "d87e22d94b609b55a8073bab217dfe3d50bfcd72674c08672a118508716c3071"
        );
        let next = Keys::derive(PINNED, Purposes::ALL, 2).unwrap();
        assert_ne!(next.code("x"), k.code("x"));
        assert_ne!(next.address("203.0.113.7"), k.address("203.0.113.7"));
        assert_eq!(next.epoch(), 2);
    }

    #[test]
    fn every_purpose_has_its_own_key() {
        let k = Keys::new(vec![1u8; 32]).unwrap();
        let other = Keys::new(vec![2u8; 32]).unwrap();
        let v = "203.0.113.7";
        let all = [k.identity("ip", v), k.code(v), k.address(v)];
        assert!(all.iter().all(|h| h.len() == 64));
        assert_ne!(all[0], all[1]);
        assert_ne!(all[1], all[2]);
        assert_ne!(all[0], all[2]);
        assert_ne!(k.identity("id", "x"), k.identity("mobile", "x"));
        assert_ne!(k.identity("id", "x"), other.identity("id", "x"));
        assert_ne!(k.address(v), other.address(v));
        assert!(Keys::new(vec![0u8; 31]).is_err());
        assert_eq!(format!("{k:?}"), "Keys(<redacted>)");
    }

    #[test]
    fn a_process_holds_only_the_keys_of_its_purposes() {
        let k = Keys::derive(PINNED, Purposes::ADDRESS, FIRST_EPOCH).unwrap();
        assert_eq!(k.purposes(), Purposes::ADDRESS);
        assert_eq!(
            k.address("203.0.113.7"),
            Keys::new(PINNED).unwrap().address("203.0.113.7")
        );
        let identity = std::panic::catch_unwind(|| k.identity("id", "x"));
        assert!(
            identity.is_err(),
            "no identity key in an address-only process"
        );
        let narrowed = Keys::new(PINNED)
            .unwrap()
            .only(Purposes::IDENTITY.and(Purposes::CODE));
        assert_eq!(narrowed.purposes(), Purposes::IDENTITY.and(Purposes::CODE));
        assert!(std::panic::catch_unwind(|| narrowed.address("x")).is_err());
        assert_eq!(Keys::none().purposes(), Purposes::NONE);
        assert!(Purposes::NONE.is_empty() && !Purposes::CODE.is_empty());
        assert_eq!(
            Purposes::IDENTITY.and(Purposes::CODE).names(),
            "identity+code"
        );
        assert_eq!(Purposes::NONE.names(), "none");
    }

    #[test]
    fn constant_time_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
