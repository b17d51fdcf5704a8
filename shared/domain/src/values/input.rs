//! Reading fields of a request body into checked values: the `TryFrom` steps from wire bodies to
//! commands use these, so every route answers a missing or oversized field the same way.

use crate::error::{DomainError, Problem};
use crate::values::secret::{ExposeSecret, SecretString};
use serde::Deserialize;

/// The longest value each kind of field may carry, in characters: generous for what is valid,
/// short enough that nothing oversized reaches a parser, a hash or the store.
pub mod max {
    /// An account as typed: an ID number or a mobile number, with room for spaces.
    pub const ACCOUNT: usize = 64;
    /// A password, current or new (the policy's own limit is lower: its answer says why).
    pub const PASSWORD: usize = 128;
    /// A captcha id (32 hex characters when well-formed).
    pub const CAPTCHA_ID: usize = 64;
    /// A captcha answer or an SMS code (a few digits).
    pub const SHORT_CODE: usize = 16;
    /// A mobile number as typed (11 digits, perhaps with `+86` and separators).
    pub const MOBILE: usize = 32;
    /// A code from a fixed list (`idType`).
    pub const ENUM_CODE: usize = 32;
    /// A learner's name (imports).
    pub const LEARNER_NAME: usize = 50;
    /// An achievement's name, or the body that issued it.
    pub const ACHIEVEMENT_NAME: usize = 200;
    pub const ISSUER: usize = 200;
    /// A school's own id of an achievement, or a school's code (imports).
    pub const EXTERNAL_ID: usize = 64;
    pub const INSTITUTION_CODE: usize = 64;
}

/// Whether `code` is a school's code as imports and tokens carry it: 1 to
/// [`max::INSTITUTION_CODE`] letters, digits, `-`, `_` or `.`.
pub fn is_institution_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= max::INSTITUTION_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// A string field that clients may also send as a JSON number (`"17"` or `17`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Str(String),
    Num(serde_json::Number),
}

impl Text {
    pub fn into_string(self) -> String {
        match self {
            Text::Str(s) => s,
            Text::Num(n) => n.to_string(),
        }
    }
}

/// A one-time code or captcha answer as sent (string or number), kept secret.
#[derive(Clone, Debug, Deserialize)]
#[serde(from = "Text")]
pub struct SecretText(pub SecretString);

impl From<Text> for SecretText {
    fn from(t: Text) -> Self {
        SecretText(SecretString::from(t.into_string()))
    }
}

/// A required, non-empty string field of at most `max` characters.
pub fn required(field: &str, value: Option<String>, max: usize) -> Result<String, DomainError> {
    let value = value.unwrap_or_default();
    if value.trim().is_empty() {
        return Err(DomainError::validation(field, Problem::Missing));
    }
    if value.chars().count() > max {
        return Err(DomainError::validation(field, Problem::TooLong));
    }
    Ok(value)
}

/// [`required`] for a secret field.
pub fn required_secret(
    field: &str,
    value: Option<SecretString>,
    max: usize,
) -> Result<SecretString, DomainError> {
    let Some(value) = value else {
        return Err(DomainError::validation(field, Problem::Missing));
    };
    let text = value.expose_secret();
    if text.trim().is_empty() {
        return Err(DomainError::validation(field, Problem::Missing));
    }
    if text.chars().count() > max {
        return Err(DomainError::validation(field, Problem::TooLong));
    }
    Ok(value)
}

/// A field this request may not carry.
pub fn absent<T>(field: &str, value: &Option<T>) -> Result<(), DomainError> {
    match value {
        Some(_) => Err(DomainError::validation(field, Problem::NotAllowed)),
        None => Ok(()),
    }
}
