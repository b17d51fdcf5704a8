//! SMS verification codes: six CSPRNG digits, stored only as a keyed hash, bound to learner,
//! number and purpose, valid five minutes, single use, void after five wrong tries; sends limited
//! per number, learner and client IP, reserved atomically before anything is sent.

use crate::app::App;
use crate::crypto::constant_time_eq;
use crate::error::{DomainError, Problem};
use crate::input::required_secret;
use crate::learner;
use crate::mobile::Mobile;
use crate::quota::{Denied, Limit, Rule, SendLog, Sent};
use crate::retry::Contention;
use crate::schema::{self, QUOTA_SK};
use crate::secret::{ExposeSecret, SecretString};
use crate::store::{read_modify_write, Condition, Decision, Item, StoreError, WriteOp};
use serde::{Deserialize, Serialize};

pub const CODE_TTL_SECONDS: i64 = 5 * 60;
pub const MAX_WRONG_TRIES: u32 = 5;
pub const CODE_DIGITS: usize = 6;

/// Per number: one a minute, five an hour, ten a day.
pub const PER_NUMBER: Rule = Rule {
    cooldown: 60,
    limits: &[
        Limit {
            max: 5,
            window: 3600,
        },
        Limit {
            max: 10,
            window: 86_400,
        },
    ],
};
/// Per learner: ten a day.
pub const PER_LEARNER: Rule = Rule {
    cooldown: 0,
    limits: &[Limit {
        max: 10,
        window: 86_400,
    }],
};
/// Per client IP: twenty a day.
pub const PER_IP: Rule = Rule {
    cooldown: 0,
    limits: &[Limit {
        max: 20,
        window: 86_400,
    }],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Purpose {
    BindMobile,
}

impl Purpose {
    pub fn parse(s: Option<&str>) -> Result<Purpose, DomainError> {
        match s.map(str::trim) {
            None | Some("") | Some("BIND_MOBILE") => Ok(Purpose::BindMobile),
            Some(_) => Err(DomainError::validation("purpose", Problem::Invalid)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::BindMobile => "BIND_MOBILE",
        }
    }
}

/// `POST /sms/code`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCodeRequest {
    pub mobile: Option<String>,
    pub purpose: Option<String>,
}

/// A checked request for a code.
#[derive(Debug)]
pub struct SendCode {
    pub mobile: Mobile,
    pub purpose: Purpose,
}

impl TryFrom<SendCodeRequest> for SendCode {
    type Error = DomainError;

    fn try_from(req: SendCodeRequest) -> Result<Self, DomainError> {
        let mobile = crate::input::required("mobile", req.mobile, 32)?;
        let mobile = Mobile::parse(&mobile)
            .map_err(|_| DomainError::validation("mobile", Problem::Invalid))?;
        Ok(SendCode {
            mobile,
            purpose: Purpose::parse(req.purpose.as_deref())?,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCodeResponse {
    pub expires_in: i64,
    pub resend_after: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CodeRecord {
    mobile_key: String,
    code_hash: String,
    wrong_tries: u32,
    sent_at: i64,
}

fn code_sk(purpose: Purpose) -> String {
    schema::sms_code_sk(purpose.as_str())
}

fn code_hash(
    app: &App,
    learner_key: &str,
    mobile_key: &str,
    purpose: Purpose,
    code: &str,
) -> String {
    app.keys.keyed(
        "sms-code",
        &format!("{learner_key}|{mobile_key}|{}|{code}", purpose.as_str()),
    )
}

fn quota_keys(app: &App, learner_key: &str, mobile: &Mobile, ip: &str) -> [(String, Rule); 3] {
    [
        (
            schema::quota_mobile_pk(&learner::mobile_key(app, mobile)),
            PER_NUMBER,
        ),
        (schema::quota_learner_pk(learner_key), PER_LEARNER),
        (schema::quota_ip_pk(&app.keys.keyed("ip", ip)), PER_IP),
    ]
}

fn denied(d: Denied) -> DomainError {
    match d {
        Denied::Cooldown { retry_after } => DomainError::SmsCooldown { retry_after },
        Denied::Limit { retry_after } => DomainError::SmsLimitExceeded { retry_after },
    }
}

/// Reserves one send in all three logs at once (one transaction, conditional on what was read).
async fn reserve(app: &App, keys: &[(String, Rule); 3], sent: &Sent) -> Result<(), DomainError> {
    let mut contention = Contention::new("SMS quota");
    loop {
        let mut ops = Vec::with_capacity(3);
        for (pk, rule) in keys {
            let current = app.store.get(pk, QUOTA_SK).await?;
            let log: SendLog = match &current {
                Some(item) if item.is_live(sent.at) => item.parse()?,
                _ => SendLog::default(),
            };
            log.check(rule, sent.at).map_err(denied)?;
            let next = log.with(rule, sent.clone());
            let expires = next.expires_at(rule);
            let (item, condition) = match &current {
                Some(old) => (old.next(&next), Condition::Version(old.version)),
                None => (Item::new(pk.clone(), QUOTA_SK, &next), Condition::NotExists),
            };
            ops.push(WriteOp::Put {
                item: item.expiring(expires),
                condition,
            });
        }
        match app.store.transact(ops).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_contention() => contention.lost().await?,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Gives a reservation back (the SMS was not sent).
async fn release(app: &App, keys: &[(String, Rule); 3], id: &str) -> Result<(), DomainError> {
    for (pk, rule) in keys {
        read_modify_write(app.store.as_ref(), pk, QUOTA_SK, |item| {
            let Some(item) = item else {
                return Ok::<_, DomainError>(Decision::Keep(()));
            };
            let log: SendLog = item.parse()?;
            let next = log.without(id);
            Ok(Decision::Write {
                data: serde_json::to_value(&next).expect("serialisable"),
                expires_at: Some(next.expires_at(rule)),
                result: (),
            })
        })
        .await?;
    }
    Ok(())
}

/// Sends a code to the authenticated learner `learner_key`, asked from `client_ip`.
pub async fn send_code(
    app: &App,
    learner_key: &str,
    cmd: SendCode,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    let SendCode { mobile, purpose } = cmd;
    let now = app.now_unix();

    let keys = quota_keys(app, learner_key, &mobile, client_ip);
    let reservation = Sent {
        at: now,
        id: app.rng().hex(8),
    };
    reserve(app, &keys, &reservation).await?;

    let code = app.rng().digits(CODE_DIGITS);
    let text = app.sms_config.code_text(&code, CODE_TTL_SECONDS / 60);
    if let Err(e) = app.sms.send(&mobile.e164(), &text).await {
        tracing::warn!(mobile = %mobile.masked(), error = %e, "SMS provider failed; quota released");
        release(app, &keys, &reservation.id).await?;
        return Err(e.into());
    }
    tracing::info!(mobile = %mobile.masked(), purpose = purpose.as_str(), "verification code sent");

    // A new code replaces the previous one for this learner and purpose.
    store_code(app, learner_key, &mobile, purpose, &code).await?;
    Ok(SendCodeResponse {
        expires_in: CODE_TTL_SECONDS,
        resend_after: PER_NUMBER.cooldown,
    })
}

/// Stores `code` as the live code of the learner for `mobile` and `purpose`, replacing any
/// previous one. [`send_code`] calls it after the SMS went out; fixtures (the sample events carry
/// a fixed code) call it directly.
pub async fn store_code(
    app: &App,
    learner_key: &str,
    mobile: &Mobile,
    purpose: Purpose,
    code: &str,
) -> Result<(), DomainError> {
    let now = app.now_unix();
    let mobile_key = learner::mobile_key(app, mobile);
    let record = CodeRecord {
        code_hash: code_hash(app, learner_key, &mobile_key, purpose, code),
        mobile_key,
        wrong_tries: 0,
        sent_at: now,
    };
    let item = Item::new(learner::pk(learner_key), code_sk(purpose), &record)
        .expiring(now + CODE_TTL_SECONDS);
    app.store.put(item, Condition::None).await?;
    Ok(())
}

/// A code that matched: consume it with [`VerifiedCode::consume`] in the transaction that uses it.
#[derive(Debug)]
pub struct VerifiedCode {
    pk: String,
    sk: String,
    version: u64,
}

impl VerifiedCode {
    /// Whether the code is still there, unchanged (not used or replaced meanwhile).
    pub async fn still_valid(&self, app: &App) -> Result<bool, StoreError> {
        Ok(app
            .store
            .get(&self.pk, &self.sk)
            .await?
            .is_some_and(|i| i.version == self.version))
    }

    /// The transaction op that uses the code up (fails if it changed meanwhile).
    pub fn consume(&self) -> WriteOp {
        WriteOp::Delete {
            pk: self.pk.clone(),
            sk: self.sk.clone(),
            condition: Condition::Version(self.version),
        }
    }
}

/// Checks `code` for the learner, number and purpose. A wrong code counts a try (the fifth voids
/// it); anything wrong is `SMS_CODE_INVALID`.
pub async fn verify_code(
    app: &App,
    learner_key: &str,
    mobile: &Mobile,
    purpose: Purpose,
    code: Option<SecretString>,
) -> Result<VerifiedCode, DomainError> {
    let code = required_secret("smsCode", code, 16)?;
    let code = code.expose_secret().trim();
    let pk = learner::pk(learner_key);
    let sk = code_sk(purpose);
    let mobile_key = learner::mobile_key(app, mobile);
    let now = app.now_unix();
    let well_formed = code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit());
    let expected = code_hash(app, learner_key, &mobile_key, purpose, code);
    read_modify_write(app.store.as_ref(), &pk, &sk, |item| {
        let Some(item) = item.filter(|i| i.is_live(now)) else {
            return Err(DomainError::SmsCodeInvalid);
        };
        let record: CodeRecord = item.parse()?;
        if record.wrong_tries >= MAX_WRONG_TRIES || record.mobile_key != mobile_key {
            return Err(DomainError::SmsCodeInvalid);
        }
        if well_formed && constant_time_eq(record.code_hash.as_bytes(), expected.as_bytes()) {
            return Ok(Decision::Keep(Ok(VerifiedCode {
                pk: pk.clone(),
                sk: sk.clone(),
                version: item.version,
            })));
        }
        let counted = CodeRecord {
            wrong_tries: record.wrong_tries + 1,
            ..record
        };
        Ok(Decision::Write {
            data: serde_json::to_value(&counted).expect("serialisable"),
            expires_at: item.expires_at,
            result: Err(DomainError::SmsCodeInvalid),
        })
    })
    .await?
}
