//! Secrets as they travel through the code: passwords and one-time codes are `SecretString`s,
//! which never show in `Debug` output and are wiped from memory when dropped.

pub use secrecy::{ExposeSecret, SecretString};

/// A secret from a request field.
pub fn secret(value: impl Into<String>) -> SecretString {
    SecretString::from(value.into())
}
