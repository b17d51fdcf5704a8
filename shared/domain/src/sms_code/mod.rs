//! SMS verification codes: six CSPRNG digits, stored only as a keyed hash, bound to learner,
//! number and purpose, valid five minutes, single use, void after five wrong tries; sends limited
//! per learner and number, per learner, per client address (those limits show) and per number
//! and purpose (that one never shows), reserved atomically before anything is sent.

pub mod notice;

use crate::account::binding::Binding;
use crate::account::learner;
use crate::account::session::Authenticated;
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::limits::quota::{Denied, Limit, Rule, SendLog, Sent};
use crate::limits::throttle::{Action, Throttle};
use crate::security::crypto::constant_time_eq;
use crate::store::retry::optimistic;
use crate::store::schema::{self, QUOTA_SK};
use crate::store::{read_modify_write, Condition, Decision, Item, Step, StoreError, WriteOp};
use crate::values::input::max;
use crate::values::input::required_secret;
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

pub const CODE_TTL_SECONDS: i64 = 5 * 60;
pub const MAX_WRONG_TRIES: u32 = 5;
pub const CODE_DIGITS: usize = 6;

/// Per learner, number and purpose: one a minute, five an hour, ten a day. The limits a learner
/// sees (`SMS_COOLDOWN`, `SMS_LIMIT_EXCEEDED`) are their own: another learner's sends to the same
/// number never show.
pub const PER_LEARNER_NUMBER: Rule = Rule {
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
/// Per learner, across numbers and purposes: ten a day.
pub const PER_LEARNER: Rule = Rule {
    cooldown: 0,
    limits: &[Limit {
        max: 10,
        window: 86_400,
    }],
};
/// Per number and purpose, whoever asks: the carriers' usual caps (one a minute, five an hour,
/// ten a day). Never shown: past it the answer is the same and nothing is sent, so nobody learns
/// what others sent to a number. Each purpose has its own log: reset codes cannot spend a
/// number's binding codes, nor the reverse.
pub const PER_NUMBER: Rule = PER_LEARNER_NUMBER;

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

/// The logs whose limits the learner sees.
fn learner_logs(app: &App, learner_key: &str, mobile_key: &str, purpose: Purpose) -> Logs {
    let pair = app
        .keys
        .identity("learner-number", &format!("{learner_key}|{mobile_key}"));
    vec![
        (
            schema::quota_learner_number_pk(purpose.as_str(), &pair),
            PER_LEARNER_NUMBER,
        ),
        (schema::quota_learner_pk(learner_key), PER_LEARNER),
    ]
}

/// The log of a number's sends for `purpose`, whoever asked (never shown).
pub(crate) fn number_log(mobile_key: &str, purpose: Purpose) -> Logs {
    vec![(
        schema::quota_mobile_pk(purpose.as_str(), mobile_key),
        PER_NUMBER,
    )]
}

/// Send logs with the rule each keeps.
pub(crate) type Logs = Vec<(String, Rule)>;

pub(crate) fn denied(d: Denied) -> DomainError {
    match d {
        Denied::Cooldown { retry_after } => DomainError::SmsCooldown { retry_after },
        Denied::Limit { retry_after } => DomainError::SmsLimitExceeded { retry_after },
    }
}

/// Reserves one send in every log of `keys` at once (one transaction, conditional on what was
/// read), counted in the address's windows of `throttle` when given.
pub(crate) async fn reserve(
    app: &App,
    keys: &[(String, Rule)],
    sent: &Sent,
    mut throttle: Option<&mut Throttle>,
) -> Result<(), DomainError> {
    optimistic!("SMS quota", |_| {
        let mut ops = throttle.as_mut().map(|t| t.ops()).unwrap_or_default();
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
        let written = app.store.transact(ops).await;
        if let (Err(e), Some(t)) = (&written, throttle.as_mut()) {
            if t.on_failure(e)? {
                return Ok(Step::Again);
            }
        }
        Ok(Step::of(written, ())?)
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
/// active learner (`CHANGE_MOBILE`) needs an active learner; on the first login, a number the
/// school gave is the only one a code goes to.
pub async fn request_code(
    app: &App,
    authed: &Authenticated,
    cmd: SendCodeCommand,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    let learner = &authed.learner.learner;
    match cmd.purpose {
        Purpose::ChangeMobile if !learner.is_active() => {
            return Err(DomainError::ProfileIncomplete)
        }
        Purpose::BindMobile if !learner.may_bind(&learner::mobile_key(app, &cmd.mobile)) => {
            return Err(DomainError::validation("mobile", Problem::Invalid))
        }
        _ => {}
    }
    send_code(app, &learner.id_key, cmd, client_ip).await
}

/// Sends a code to the learner `learner_key`, asked from `client_ip`, and answers no sooner than
/// [`crate::app::config::Throttles::sms_code_min_ms`] after it began. The learner's own limits
/// and the address's are checked first and are the only ones that show; then, unless the number
/// is bound to another learner or had its sends for the purpose (the same answer, nothing
/// sent), the code is stored as a keyed hash and sent. A refused SMS voids the code and gives
/// the quota back; an SMS whose outcome is unknown keeps both (it may have been delivered).
/// Either is 503.
pub async fn send_code(
    app: &App,
    learner_key: &str,
    cmd: SendCodeCommand,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    let started = tokio::time::Instant::now();
    let SendCodeCommand { mobile, purpose } = cmd;
    let mobile_key = learner::mobile_key(app, &mobile);
    let sent = Sent {
        at: app.now_unix(),
        id: app.rng().hex(8),
    };
    let mut throttle = Throttle::new(app, Action::SmsCode, client_ip);
    let mut logs = learner_logs(app, learner_key, &mobile_key, purpose);
    reserve(app, &logs, &sent, Some(&mut throttle)).await?;
    let held = match Binding::read(app, learner_key, &mobile_key).await {
        Ok(_) => false,
        Err(DomainError::MobileTaken) => true,
        Err(e) => return Err(e),
    };
    let number = number_log(&mobile_key, purpose);
    let quiet = held
        || match reserve(app, &number, &sent, None).await {
            Ok(()) => false,
            Err(DomainError::SmsCooldown { .. } | DomainError::SmsLimitExceeded { .. }) => true,
            Err(e) => return Err(e),
        };
    if quiet {
        // Same store work as a send: a code nobody will ever see.
        let code = app.rng().digits(CODE_DIGITS);
        store_code(app, learner_key, &mobile, purpose, &code).await?;
        tracing::info!(mobile = %mobile.masked(), purpose = purpose.as_str(), held, "code not sent (number held by another learner or at its cap)");
    } else {
        logs.extend(number);
        deliver(app, learner_key, &mobile, purpose, &logs, &sent).await?;
    }
    tokio::time::sleep_until(started + Duration::from_millis(app.throttles.sms_code_min_ms)).await;
    Ok(SendCodeResponse {
        expires_in: CODE_TTL_SECONDS,
        resend_after: PER_LEARNER_NUMBER.cooldown,
    })
}

/// Stores a new code and sends it, the sends already reserved in `reserved` (as `sent`); see
/// [`send_code`].
pub(crate) async fn deliver(
    app: &App,
    learner_key: &str,
    mobile: &Mobile,
    purpose: Purpose,
    reserved: &[(String, Rule)],
    sent: &Sent,
) -> Result<(), DomainError> {
    let code = app.rng().digits(CODE_DIGITS);
    // A new code replaces the previous one for this learner and purpose.
    if let Err(e) = store_code(app, learner_key, mobile, purpose, &code).await {
        release(app, reserved, &sent.id).await?;
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
            release(app, reserved, &sent.id).await?;
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

/// What a code as typed comes to against the code item as read.
pub(crate) enum Verdict {
    /// It matches: use it up in the transaction that acts on it.
    Right(VerifiedCode),
    /// Wrong, for a live code: the write that counts the wrong try (the fifth voids the code).
    Wrong(Item, Condition),
    /// No live code for this learner, number and purpose (or already void).
    Nothing,
}

/// Judges `code` for the learner, number (`mobile_key`) and purpose against `item`, the code
/// item as read at `now`; writes nothing.
pub(crate) fn judge(
    app: &App,
    (learner_key, mobile_key, purpose): (&str, &str, Purpose),
    code: &str,
    item: Option<&Item>,
    now: i64,
) -> Result<Verdict, DomainError> {
    let Some(item) = item.filter(|i| i.is_live(now)) else {
        return Ok(Verdict::Nothing);
    };
    let record: CodeRecord = item.parse()?;
    if record.wrong_tries >= MAX_WRONG_TRIES || record.mobile_key != mobile_key {
        return Ok(Verdict::Nothing);
    }
    let code = code.trim();
    let well_formed = code.len() == CODE_DIGITS && code.bytes().all(|b| b.is_ascii_digit());
    let expected = code_hash(app, learner_key, mobile_key, purpose, code);
    if well_formed && constant_time_eq(record.code_hash.as_bytes(), expected.as_bytes()) {
        return Ok(Verdict::Right(VerifiedCode {
            pk: item.pk.clone(),
            sk: item.sk.clone(),
            version: item.version,
        }));
    }
    let counted = CodeRecord {
        wrong_tries: record.wrong_tries + 1,
        ..record
    };
    let (next, condition) = (item.next(&counted), Condition::Version(item.version));
    Ok(Verdict::Wrong(next, condition))
}

/// The key of a learner's code item for `purpose`.
pub(crate) fn code_key(learner_key: &str, purpose: Purpose) -> (String, String) {
    (learner::pk(learner_key), code_sk(purpose))
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
    let (pk, sk) = code_key(learner_key, purpose);
    let mobile_key = learner::mobile_key(app, mobile);
    let now = app.now_unix();
    let whose = (learner_key, mobile_key.as_str(), purpose);
    optimistic!("SMS code", |_| {
        let item = app.store.get(&pk, &sk).await?;
        match judge(app, whose, code.expose_secret(), item.as_ref(), now)? {
            Verdict::Right(verified) => Ok(Step::Done(verified)),
            Verdict::Nothing => Err(DomainError::SmsCodeInvalid),
            Verdict::Wrong(item, condition) => match app.store.put(item, condition).await {
                Ok(()) => Err(DomainError::SmsCodeInvalid),
                Err(e) if e.is_contention() => Ok(Step::Lost),
                Err(e) => Err(e.into()),
            },
        }
    })
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
        let mobile_key = learner::mobile_key(app, mobile);
        let mut logs = learner_logs(app, LEARNER, &mobile_key, Purpose::BindMobile);
        logs.extend(number_log(&mobile_key, Purpose::BindMobile));
        for (pk, _) in logs {
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
