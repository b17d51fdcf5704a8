//! Configuration from the environment, read once per cold start.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {0} is invalid: {1}")]
    Invalid(&'static str, &'static str),
}

/// The secret pepper for keyed hashes of ID numbers, mobile numbers and account identifiers.
/// `Debug` never shows it.
#[derive(Clone)]
pub struct Keys {
    pepper: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(<redacted>)")
    }
}

/// The smallest pepper accepted: 32 bytes, as many as the HMAC-SHA256 key block uses well.
pub const MIN_PEPPER_BYTES: usize = 32;

impl Keys {
    pub fn new(pepper: impl Into<Vec<u8>>) -> Result<Keys, ConfigError> {
        let pepper = pepper.into();
        if pepper.len() < MIN_PEPPER_BYTES {
            return Err(ConfigError::Invalid(
                "ID_PEPPER",
                "must be at least 32 bytes",
            ));
        }
        Ok(Keys { pepper })
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

/// Plain SHA-256, lower-case hex: for high-entropy secrets (tokens, codes bound to a salt).
pub fn sha256_hex(value: &[u8]) -> String {
    hex::encode(Sha256::digest(value))
}

/// SMS wording and sender, from the environment (used by the SMS function).
#[derive(Clone, Debug)]
pub struct SmsConfig {
    /// The signature shown in 【】 (`SMS_SIGNATURE`, default 学分银行).
    pub signature: String,
    /// The message with `{code}` and `{minutes}` placeholders (`SMS_TEMPLATE`).
    pub template: String,
    /// The SNS sender ID (`SMS_SENDER_ID`), when set.
    pub sender_id: Option<String>,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            signature: "学分银行".into(),
            template: "您的验证码为{code}，{minutes}分钟内有效。如非本人操作，请忽略本短信。"
                .into(),
            sender_id: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// `TABLE_NAME`: the DynamoDB table.
    pub table_name: String,
    /// From `ID_PEPPER`.
    pub keys: Keys,
    pub sms: SmsConfig,
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment in production, a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let non_empty = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let table_name = non_empty("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
        let pepper = non_empty("ID_PEPPER").ok_or(ConfigError::Missing("ID_PEPPER"))?;
        let keys = Keys::new(pepper.into_bytes())?;
        let defaults = SmsConfig::default();
        let sms = SmsConfig {
            signature: non_empty("SMS_SIGNATURE").unwrap_or(defaults.signature),
            template: non_empty("SMS_TEMPLATE").unwrap_or(defaults.template),
            sender_id: non_empty("SMS_SENDER_ID"),
        };
        if !sms.template.contains("{code}") {
            return Err(ConfigError::Invalid("SMS_TEMPLATE", "must contain {code}"));
        }
        Ok(Config {
            table_name,
            keys,
            sms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn requires_table_and_a_long_pepper() {
        assert!(matches!(
            Config::from_lookup(lookup(&[])),
            Err(ConfigError::Missing("TABLE_NAME"))
        ));
        assert!(matches!(
            Config::from_lookup(lookup(&[("TABLE_NAME", "t"), ("ID_PEPPER", "short")])),
            Err(ConfigError::Invalid("ID_PEPPER", _))
        ));
        let c = Config::from_lookup(lookup(&[
            ("TABLE_NAME", "t"),
            ("ID_PEPPER", &"p".repeat(32)),
        ]))
        .unwrap();
        assert_eq!(c.table_name, "t");
        assert_eq!(c.sms.signature, "学分银行");
        assert!(c.sms.sender_id.is_none());
        assert_eq!(format!("{:?}", c.keys), "Keys(<redacted>)");
    }

    #[test]
    fn keyed_hashes_separate_domains_and_peppers() {
        let a = Keys::new(vec![1u8; 32]).unwrap();
        let b = Keys::new(vec![2u8; 32]).unwrap();
        assert_eq!(a.keyed("id", "x"), a.keyed("id", "x"));
        assert_ne!(a.keyed("id", "x"), a.keyed("mobile", "x"));
        assert_ne!(a.keyed("id", "x"), b.keyed("id", "x"));
        assert_eq!(a.keyed("id", "x").len(), 64);
    }
}
