//! The login audit trail: every attempt, with time, client IP, masked account and result. A
//! learner's own entries live in their partition for 180 days (the personal centre shows them);
//! attempts on unknown accounts go to a per-day partition.

use crate::app::App;
use crate::error::DomainError;
use crate::store::{Condition, Item, QueryOpts};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

pub const RETENTION_SECONDS: i64 = 180 * 24 * 3600;
use crate::store::schema::{self, AUDIT_SK_PREFIX as SK_PREFIX};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LoginResult {
    Success,
    Failure,
    Locked,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginAttempt {
    pub at: String,
    pub ip: String,
    pub account: String,
    pub result: LoginResult,
}

/// The item that records one attempt (written new: `Condition::NotExists`), for the transaction
/// that decides the attempt; logs the attempt. `learner_key` is the learner's id key when the
/// account is known.
pub fn attempt(
    app: &App,
    learner_key: Option<&str>,
    at: DateTime<Utc>,
    ip: &str,
    masked_account: &str,
    result: LoginResult,
) -> Item {
    let pk = match learner_key {
        Some(key) => schema::learner_pk(key),
        None => schema::unmatched_audit_pk(&at.format("%Y-%m-%d").to_string()),
    };
    let sk = schema::audit_sk(at.timestamp_millis(), &app.rng().hex(4));
    let entry = LoginAttempt {
        at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        ip: ip.to_string(),
        account: masked_account.to_string(),
        result,
    };
    tracing::info!(account = %entry.account, ip = %entry.ip, result = ?entry.result, "login attempt");
    Item::new(pk, sk, &entry).expiring(at.timestamp() + RETENTION_SECONDS)
}

/// The learner's most recent attempts, newest first.
pub async fn recent(
    app: &App,
    learner_key: &str,
    n: usize,
) -> Result<Vec<LoginAttempt>, DomainError> {
    let items = app
        .store
        .query(
            &crate::account::learner::pk(learner_key),
            SK_PREFIX,
            QueryOpts::newest(n),
        )
        .await?;
    let now = app.now_unix();
    items
        .iter()
        .filter(|i| i.is_live(now))
        .map(|i| i.parse().map_err(DomainError::from))
        .collect()
}

/// A change to the learner's credentials, kept with the login trail (180 days) under its own
/// sort-key prefix (`EVENT#…`), so the personal centre's list of logins does not show it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccountEvent {
    PasswordReset,
    PasswordChanged,
    MobileChanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountEventEntry {
    pub at: String,
    pub ip: String,
    pub event: AccountEvent,
}

/// The put of one account event, to go in the transaction that makes the change.
pub fn account_event(
    app: &App,
    learner_key: &str,
    ip: &str,
    event: AccountEvent,
) -> crate::store::WriteOp {
    let at = app.now();
    let entry = AccountEventEntry {
        at: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        ip: ip.to_string(),
        event,
    };
    let sk = schema::account_event_sk(at.timestamp_millis(), &app.rng().hex(4));
    crate::store::WriteOp::Put {
        item: Item::new(schema::learner_pk(learner_key), sk, &entry)
            .expiring(at.timestamp() + RETENTION_SECONDS),
        condition: Condition::NotExists,
    }
}

/// The learner's account events, newest first.
pub async fn account_events(
    app: &App,
    learner_key: &str,
) -> Result<Vec<AccountEventEntry>, DomainError> {
    let items = app
        .store
        .query(
            &schema::learner_pk(learner_key),
            schema::EVENT_SK_PREFIX,
            QueryOpts::newest(50),
        )
        .await?;
    items
        .iter()
        .map(|i| i.parse().map_err(DomainError::from))
        .collect()
}
