//! Sending SMS: a small trait, so SNS (in the SMS function) or any other provider can be plugged
//! in, and an outbox that keeps messages in memory (dev server, tests).

use async_trait::async_trait;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Why a send did not succeed. The difference matters: a refused message was certainly not
/// delivered (its code can be voided and its quota given back), while after an unknown outcome
/// (a timeout, a dropped connection) the message may have gone out.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The provider answered and did not take the message.
    #[error("SMS refused by the provider: {0}")]
    Refused(String),
    /// No definite answer: the message may or may not have been sent.
    #[error("SMS outcome unknown: {0}")]
    Unknown(String),
}

impl SmsError {
    /// Whether the message was certainly not sent.
    pub fn is_refused(&self) -> bool {
        matches!(self, SmsError::Refused(_))
    }
}

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
/// refuse (`set_failing`), to try what clients see when the provider is down, or to time out
/// after keeping the message (`set_timing_out`: delivered, but the sender never heard back).
#[derive(Debug, Default)]
pub struct Outbox {
    messages: Mutex<Vec<SentSms>>,
    failing: AtomicBool,
    timing_out: AtomicBool,
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

    pub fn set_timing_out(&self, timing_out: bool) {
        self.timing_out.store(timing_out, Ordering::SeqCst);
    }

    pub fn is_timing_out(&self) -> bool {
        self.timing_out.load(Ordering::SeqCst)
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
            return Err(SmsError::Refused("the outbox was told to refuse".into()));
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
        if self.timing_out.load(Ordering::SeqCst) {
            return Err(SmsError::Unknown("the outbox was told to time out".into()));
        }
        Ok(())
    }
}
