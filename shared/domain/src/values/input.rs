//! Reading fields of a request body into checked values: the `TryFrom` steps from wire bodies to
//! commands use these, so every route answers a missing or oversized field the same way.

use crate::error::{DomainError, Problem};
use crate::values::secret::{ExposeSecret, SecretString};
use serde::Deserialize;

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
