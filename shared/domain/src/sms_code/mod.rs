//! SMS verification codes: six CSPRNG digits, stored only as a keyed hash, bound to learner,
//! number and purpose, valid five minutes, single use, void after five wrong tries; sends limited
//! per number, learner and client IP, reserved atomically before anything is sent.

pub mod notice;

use crate::account::learner;
use crate::account::session::Authenticated;
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::limits::quota::{Denied, Limit, Rule, SendLog, Sent};
use crate::security::crypto::constant_time_eq;
use crate::store::retry::optimistic;
use crate::store::schema::{self, QUOTA_SK};
use crate::store::{read_modify_write, Condition, Decision, Item, Step, StoreError, WriteOp};
use crate::values::input::max;
use crate::values::input::required_secret;
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
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

/// What a code is for. A code is only good for the purpose it was sent for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Purpose {
    /// The first login's mobile (`POST /sms/code` without a purpose).
    BindMobile,
    /// A new number for an active learner (`PUT /mobile`).
    ChangeMobile,
    /// Forgotten password (`POST /password/reset/code`, never through `POST /sms/code`).
    ResetPassword,
}

impl Purpose {
    /// The purposes `POST /sms/code` takes.
    pub fn parse(s: Option<&str>) -> Result<Purpose, DomainError> {
        match s.map(str::trim) {
            None | Some("") | Some("BIND_MOBILE") => Ok(Purpose::BindMobile),
            Some("CHANGE_MOBILE") => Ok(Purpose::ChangeMobile),
            Some(_) => Err(DomainError::validation("purpose", Problem::Invalid)),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::BindMobile => "BIND_MOBILE",
            Purpose::ChangeMobile => "CHANGE_MOBILE",
            Purpose::ResetPassword => "RESET_PASSWORD",
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
pub struct SendCodeCommand {
    pub mobile: Mobile,
    pub purpose: Purpose,
}

impl TryFrom<SendCodeRequest> for SendCodeCommand {
    type Error = DomainError;

    fn try_from(req: SendCodeRequest) -> Result<Self, DomainError> {
        let mobile = crate::values::input::required("mobile", req.mobile, max::MOBILE)?;
        let mobile = Mobile::parse(&mobile)
            .map_err(|_| DomainError::validation("mobile", Problem::Invalid))?;
        Ok(SendCodeCommand {
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
    app.keys.code(&format!(
        "{learner_key}|{mobile_key}|{}|{code}",
        purpose.as_str()
    ))
}

fn quota_keys(app: &App, learner_key: &str, mobile: &Mobile, ip: &str) -> Vec<(String, Rule)> {
    vec![
        (
            schema::quota_mobile_pk(&learner::mobile_key(app, mobile)),
            PER_NUMBER,
        ),
        (schema::quota_learner_pk(learner_key), PER_LEARNER),
        (schema::quota_ip_pk(&app.keys.address(ip)), PER_IP),
    ]
}

pub(crate) fn denied(d: Denied) -> DomainError {
    match d {
        Denied::Cooldown { retry_after } => DomainError::SmsCooldown { retry_after },
        Denied::Limit { retry_after } => DomainError::SmsLimitExceeded { retry_after },
    }
}

/// Reserves one send in every log of `keys` at once (one transaction, conditional on what was
/// read).
pub(crate) async fn reserve(
    app: &App,
    keys: &[(String, Rule)],
    sent: &Sent,
) -> Result<(), DomainError> {
    optimistic!("SMS quota", |_| {
        let mut ops = Vec::with_capacity(keys.len());
        for (pk, rule) in keys {
            let current = app.store.get(pk, QUOTA_SK).await?;
            let log: SendLog = match &current {
                Some(item) if item.is_live(sent.at) => item.parse()?,
                _ => SendLog::default(),
            };
            log.check(rule, sent.at).map_err(denied)?;
            let next = log.with(rule, sent.clone());
            let item = Item::new(pk.clone(), QUOTA_SK, &next).expiring(next.expires_at(rule));
            ops.push(WriteOp::put_over(current.as_ref(), item));
        }
        Ok(Step::of(app.store.transact(ops).await, ())?)
    })
}

/// Gives a reservation back (the SMS was certainly not sent).
pub(crate) async fn release(
    app: &App,
    keys: &[(String, Rule)],
    id: &str,
) -> Result<(), DomainError> {
    for (pk, rule) in keys {
        read_modify_write(app.store.as_ref(), pk, QUOTA_SK, |item| {
            let Some(item) = item else {
                return Ok::<_, DomainError>(Decision::Keep(()));
            };
            let log: SendLog = item.parse()?;
            let next = log.without(id);
            Ok(Decision::write(&next, Some(next.expires_at(rule)), ()))
        })
        .await?;
    }
    Ok(())
}

/// Sends a code to the authenticated learner, asked from `client_ip`. A new number for an
/// active learner (`CHANGE_MOBILE`) needs an active learner.
pub async fn request_code(
    app: &App,
    authed: &Authenticated,
    cmd: SendCodeCommand,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    if cmd.purpose == Purpose::ChangeMobile && !authed.learner.learner.is_active() {
        return Err(DomainError::ProfileIncomplete);
    }
    send_code(app, &authed.learner.learner.id_key, cmd, client_ip).await
}

/// Sends a code to the learner `learner_key`, asked from `client_ip`: reserves the quota, stores
/// the code's keyed hash, then sends. A refused SMS voids the code and gives the quota back; an
/// SMS whose outcome is unknown keeps both (it may have been delivered). Either is 503.
pub async fn send_code(
    app: &App,
    learner_key: &str,
    cmd: SendCodeCommand,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    let SendCodeCommand { mobile, purpose } = cmd;
    let keys = quota_keys(app, learner_key, &mobile, client_ip);
    deliver(app, learner_key, &mobile, purpose, &keys).await?;
    Ok(SendCodeResponse {
        expires_in: CODE_TTL_SECONDS,
        resend_after: PER_NUMBER.cooldown,
    })
}

/// Reserve quota in `keys` → store the code → send it; see [`send_code`].
pub(crate) async fn deliver(
    app: &App,
    learner_key: &str,
    mobile: &Mobile,
    purpose: Purpose,
    keys: &[(String, Rule)],
) -> Result<(), DomainError> {
    let reservation = Sent {
        at: app.now_unix(),
        id: app.rng().hex(8),
    };
    reserve(app, keys, &reservation).await?;

    let code = app.rng().digits(CODE_DIGITS);
    // A new code replaces the previous one for this learner and purpose.
    if let Err(e) = store_code(app, learner_key, mobile, purpose, &code).await {
        release(app, keys, &reservation.id).await?;
        return Err(e);
    }
    let text = app.sms_config.code_text(&code, CODE_TTL_SECONDS / 60);
    match app.sms.send(&mobile.e164(), &text).await {
        Ok(()) => {
            tracing::info!(mobile = %mobile.masked(), purpose = purpose.as_str(), "verification code sent");
            Ok(())
        }
        Err(e) if e.is_refused() => {
            tracing::warn!(mobile = %mobile.masked(), error = %e, "SMS refused; code voided, quota released");
            void_code(app, learner_key, mobile, purpose, &code).await?;
            release(app, keys, &reservation.id).await?;
            Err(e.into())
        }
        Err(e) => {
            tracing::warn!(mobile = %mobile.masked(), error = %e, "SMS outcome unknown; code kept, quota spent");
            Err(e.into())
        }
    }
}

/// Stores `code` as the live code of the learner for `mobile` and `purpose`, replacing any
/// previous one (the item's version moves on, so a code verified before is no longer consumable).
/// [`send_code`] calls it before the SMS goes out; fixtures (the sample events carry a fixed
/// code) call it directly.
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
    let data = serde_json::to_value(&record).expect("serialisable");
    read_modify_write(
        app.store.as_ref(),
        &learner::pk(learner_key),
        &code_sk(purpose),
        |_| {
            Ok::<_, DomainError>(Decision::Write {
                data: data.clone(),
                expires_at: Some(now + CODE_TTL_SECONDS),
                result: (),
            })
        },
    )
    .await
}

/// Deletes the stored code if it is still `code` (a refused SMS: nobody can have it).
async fn void_code(
    app: &App,
    learner_key: &str,
    mobile: &Mobile,
    purpose: Purpose,
    code: &str,
) -> Result<(), DomainError> {
    let pk = learner::pk(learner_key);
    let sk = code_sk(purpose);
    let expected = code_hash(
        app,
        learner_key,
        &learner::mobile_key(app, mobile),
        purpose,
        code,
    );
    let Some(item) = app.store.get(&pk, &sk).await? else {
        return Ok(());
    };
    let record: CodeRecord = item.parse()?;
    if !constant_time_eq(record.code_hash.as_bytes(), expected.as_bytes()) {
        return Ok(()); // replaced by a newer send meanwhile
    }
    match app
        .store
        .delete(&pk, &sk, Condition::Version(item.version))
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.is_contention() => Ok(()),
        Err(e) => Err(e.into()),
    }
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
    let code = required_secret("smsCode", code, max::SHORT_CODE)?;
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
        Ok(Decision::write(
            &counted,
            item.expires_at,
            Err(DomainError::SmsCodeInvalid),
        ))
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::config::SmsConfig;
    use crate::ports::sms::{Outbox, SmsError, SmsSender};
    use crate::security::crypto::Keys;
    use crate::store::memory::MemoryStore;
    use crate::store::Store;
    use std::sync::Arc;

    const LEARNER: &str = "learner-key";
    const IP: &str = "203.0.113.9";

    fn app_with(sms: Arc<dyn SmsSender>, store: Arc<MemoryStore>) -> App {
        App::new(
            store,
            sms,
            SmsConfig::default(),
            Keys::new(vec![7u8; 32]).unwrap(),
        )
    }

    fn cmd(mobile: &Mobile) -> SendCodeCommand {
        SendCodeCommand {
            mobile: mobile.clone(),
            purpose: Purpose::BindMobile,
        }
    }

    fn code_in(outbox: &Outbox, mobile: &Mobile) -> String {
        let sent = outbox.messages_to(&mobile.e164());
        SmsConfig::default()
            .code_in(&sent.last().unwrap().text)
            .unwrap()
    }

    async fn stored_code(app: &App) -> Option<Item> {
        app.store
            .get(&learner::pk(LEARNER), &code_sk(Purpose::BindMobile))
            .await
            .unwrap()
    }

    async fn sends_logged(app: &App, mobile: &Mobile) -> usize {
        let mut n = 0;
        for (pk, _) in quota_keys(app, LEARNER, mobile, IP) {
            if let Some(item) = app.store.get(&pk, QUOTA_SK).await.unwrap() {
                n += item.parse::<SendLog>().unwrap().sends.len();
            }
        }
        n
    }

    /// Checks, at the moment of sending, that the code is already stored.
    struct Witness {
        store: Arc<MemoryStore>,
        seen_stored: std::sync::atomic::AtomicBool,
    }

    #[async_trait::async_trait]
    impl SmsSender for Witness {
        async fn send(&self, _: &str, _: &str) -> Result<(), SmsError> {
            let item = self
                .store
                .get(&learner::pk(LEARNER), &code_sk(Purpose::BindMobile))
                .await
                .unwrap();
            self.seen_stored
                .store(item.is_some(), std::sync::atomic::Ordering::SeqCst);
            Ok(())
        }
    }

    #[tokio::test]
    async fn the_code_is_stored_before_the_sms_goes_out() {
        let store = Arc::new(MemoryStore::new());
        let witness = Arc::new(Witness {
            store: store.clone(),
            seen_stored: Default::default(),
        });
        let app = app_with(witness.clone(), store);
        let mobile = Mobile::parse("13800138000").unwrap();
        send_code(&app, LEARNER, cmd(&mobile), IP).await.unwrap();
        assert!(witness
            .seen_stored
            .load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_refused_sms_voids_the_code_and_gives_the_quota_back() {
        let store = Arc::new(MemoryStore::new());
        let outbox = Arc::new(Outbox::new(false));
        let app = app_with(outbox.clone(), store);
        let mobile = Mobile::parse("13800138000").unwrap();
        outbox.set_failing(true);
        for _ in 0..12 {
            let e = send_code(&app, LEARNER, cmd(&mobile), IP)
                .await
                .unwrap_err();
            assert!(matches!(e, DomainError::Unavailable(_)), "{e:?}");
        }
        assert!(stored_code(&app).await.is_none(), "no code left behind");
        assert_eq!(sends_logged(&app, &mobile).await, 0, "nothing counted");
        assert_eq!(outbox.count(), 0);
        // No cooldown: the next send goes out at once, and its code works.
        outbox.set_failing(false);
        send_code(&app, LEARNER, cmd(&mobile), IP).await.unwrap();
        let code = code_in(&outbox, &mobile);
        verify_code(
            &app,
            LEARNER,
            &mobile,
            Purpose::BindMobile,
            Some(code.into()),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn an_unknown_outcome_keeps_the_code_valid_and_the_quota_spent() {
        let store = Arc::new(MemoryStore::new());
        let outbox = Arc::new(Outbox::new(false));
        let app = app_with(outbox.clone(), store);
        let mobile = Mobile::parse("13800138000").unwrap();
        outbox.set_timing_out(true);
        let e = send_code(&app, LEARNER, cmd(&mobile), IP)
            .await
            .unwrap_err();
        assert!(matches!(e, DomainError::Unavailable(_)), "{e:?}");
        // The message went out after all: its code is usable.
        let code = code_in(&outbox, &mobile);
        assert_eq!(
            sends_logged(&app, &mobile).await,
            3,
            "spent in all three logs"
        );
        let verified = verify_code(
            &app,
            LEARNER,
            &mobile,
            Purpose::BindMobile,
            Some(code.into()),
        )
        .await
        .unwrap();
        assert!(verified.still_valid(&app).await.unwrap());
        // The reservation counts: the number's cooldown applies.
        outbox.set_timing_out(false);
        let e = send_code(&app, LEARNER, cmd(&mobile), IP)
            .await
            .unwrap_err();
        assert!(matches!(e, DomainError::SmsCooldown { .. }), "{e:?}");
    }

    #[tokio::test]
    async fn a_code_is_only_good_for_its_purpose() {
        let store = Arc::new(MemoryStore::new());
        let outbox = Arc::new(Outbox::new(false));
        let app = app_with(outbox.clone(), store);
        let mobile = Mobile::parse("13800138000").unwrap();
        send_code(&app, LEARNER, cmd(&mobile), IP).await.unwrap();
        let code = code_in(&outbox, &mobile);
        for other in [Purpose::ChangeMobile, Purpose::ResetPassword] {
            let e = verify_code(&app, LEARNER, &mobile, other, Some(code.clone().into()))
                .await
                .unwrap_err();
            assert!(matches!(e, DomainError::SmsCodeInvalid));
        }
        assert!(Purpose::parse(Some("RESET_PASSWORD")).is_err());
        assert_eq!(
            Purpose::parse(Some("CHANGE_MOBILE")).unwrap(),
            Purpose::ChangeMobile
        );
    }
}
