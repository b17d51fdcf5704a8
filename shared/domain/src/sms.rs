//! Sending SMS: a small trait, so SNS (in the SMS function) or any other provider can be plugged
//! in, and an outbox that keeps messages in memory (dev server, tests).

use async_trait::async_trait;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
#[error("SMS not sent: {0}")]
pub struct SmsError(pub String);

#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends `text` to `to` (E.164, `+86…`).
    async fn send(&self, to: &str, text: &str) -> Result<(), SmsError>;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SentSms {
    pub mobile: String,
    pub text: String,
    pub sent_at: String,
}

/// Keeps every message; prints each one when `print` is set (the dev server). Can be told to
/// fail, to try what clients see when the provider is down.
#[derive(Debug, Default)]
pub struct Outbox {
    messages: Mutex<Vec<SentSms>>,
    failing: AtomicBool,
    print: bool,
}

impl Outbox {
    pub fn new(print: bool) -> Self {
        Outbox {
            print,
            ..Default::default()
        }
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::SeqCst)
    }

    /// Messages sent to `to` (E.164), oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<SentSms> {
        let all = self.messages.lock().unwrap_or_else(|p| p.into_inner());
        all.iter().filter(|m| m.mobile == to).cloned().collect()
    }

    pub fn count(&self) -> usize {
        self.messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }
}

#[async_trait]
impl SmsSender for Outbox {
    async fn send(&self, to: &str, text: &str) -> Result<(), SmsError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(SmsError("the outbox was told to fail".into()));
        }
        let sms = SentSms {
            mobile: to.to_string(),
            text: text.to_string(),
            sent_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        if self.print {
            println!("[SMS outbox] to {to}: {text}");
        }
        self.messages
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(sms);
        Ok(())
    }
}
