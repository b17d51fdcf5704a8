//! Secrets at rest: keyed hashes of identifiers ([`crypto`]), password hashing ([`password`]) and
//! what a new password may not be ([`password_policy`]).

pub mod crypto;
pub mod password;
pub mod password_policy;
