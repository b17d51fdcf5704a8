//! Forgotten password (忘记密码): a code by SMS to the bound number, then a new password.
//!
//! The account is named by its ID number, or by its bound mobile number together with the ID
//! number (a recycled or swapped SIM alone is not enough). Both routes answer the same whatever
//! the account: known, unknown, not yet active.
//!
//! `POST /password/reset/code` answers the same (status, body, `Retry-After`, and time: every
//! answer waits until [`crate::app::config::Throttles::reset_code_min_ms`] after the request began)
//! whether the account exists, has a bound number, or not: its limits are kept per account
//! (known or not) and per client address; the per-number limits of a real account are applied
//! silently (nothing sent, same answer); unknown accounts do the same store work on decoy keys; a
//! provider failure is logged, never shown.
//!
//! `POST /password/reset` is limited per client address and per account: at most
//! [`MAX_FAILURES`] failed resets a day, counted across codes (then `RATE_LIMITED`, even with the
//! right code, and a notice to the bound number). Every attempt does the same store work: one
//! read of the account's failures, the learner and the code, then one transaction. Nothing
//! changes until a valid code is presented; then, in one transaction: the new password, every
//! session ended (the credential version moves on), the lockout and the failures cleared, an
//! account event.

use crate::account::audit::{self, AccountEvent};
use crate::account::learner::{self, Stored};
use crate::app::App;
use crate::captcha::Solved;
use crate::credentials::login::{clear_lock, Account};
use crate::error::{DomainError, Problem};
use crate::limits::quota::{Denied, Limit, Rule, SendLog, Sent};
use crate::limits::throttle::{self, Action};
use crate::sms_code::notice::{self, Notice};
use crate::sms_code::{
    code_key, deliver, judge, number_log, reserve, Purpose, SendCodeResponse, Verdict,
    CODE_TTL_SECONDS, PER_LEARNER_NUMBER,
};
use crate::store::retry::optimistic;
use crate::store::schema::{self, PROFILE_SK, QUOTA_SK};
use crate::store::{Condition, Item, Step, WriteOp};
use crate::values::id_number::{mask_account, IdNumber};
use crate::values::input::{max, required, required_secret, SecretText};
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// Reset codes per account (known or not): what a learner gets for a number (one a minute, five
/// an hour, ten a day), so that the limit anyone can see is the one a real account would show.
pub const PER_IDENTIFIER: Rule = PER_LEARNER_NUMBER;

/// Failed resets per account (known or not) in 24 hours before the account's resets stop.
pub const MAX_FAILURES: usize = 10;
const FAILURES: Rule = Rule {
    cooldown: 0,
    limits: &[Limit {
        max: MAX_FAILURES,
        window: 86_400,
    }],
};

/// `POST /password/reset/code`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetCodeRequest {
    pub account: Option<String>,
    /// Required when `account` is a mobile number.
    pub id_number: Option<String>,
    pub captcha_id: Option<String>,
    pub captcha_answer: Option<SecretText>,
}

#[derive(Debug)]
pub struct ResetCodeCommand {
    pub account: String,
    pub id_number: Option<String>,
    pub captcha: Solved,
}

impl TryFrom<ResetCodeRequest> for ResetCodeCommand {
    type Error = DomainError;

    fn try_from(req: ResetCodeRequest) -> Result<Self, DomainError> {
        Ok(ResetCodeCommand {
            account: required("account", req.account, max::ACCOUNT)?,
            id_number: optional_id_number(req.id_number)?,
            captcha: Solved::from_fields(req.captcha_id, req.captcha_answer)?,
        })
    }
}

/// `POST /password/reset`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub account: Option<String>,
    /// Required when `account` is a mobile number.
    pub id_number: Option<String>,
    pub sms_code: Option<SecretText>,
    pub new_password: Option<SecretString>,
}

#[derive(Debug)]
pub struct ResetCommand {
    pub account: String,
    pub id_number: Option<String>,
    pub sms_code: SecretString,
    pub new_password: SecretString,
}

impl TryFrom<ResetRequest> for ResetCommand {
    type Error = DomainError;

    fn try_from(req: ResetRequest) -> Result<Self, DomainError> {
        Ok(ResetCommand {
            account: required("account", req.account, max::ACCOUNT)?,
            id_number: optional_id_number(req.id_number)?,
            sms_code: required_secret("smsCode", req.sms_code.map(|c| c.0), max::SHORT_CODE)?,
            new_password: required_secret("newPassword", req.new_password, max::PASSWORD)?,
        })
    }
}

fn optional_id_number(value: Option<String>) -> Result<Option<String>, DomainError> {
    match value.filter(|v| !v.trim().is_empty()) {
        None => Ok(None),
        some => required("idNumber", some, max::ACCOUNT).map(Some),
    }
}

/// Whom a reset names: its limits' key (per account, known or not), the learner's key when an
/// ID number names one, and the mobile number typed as the account.
struct Claimant {
    identifier: String,
    learner_key: String,
    mobile: Option<Mobile>,
}

impl Claimant {
    /// An ID number as the account, or a mobile number with the ID number beside it (400
    /// `VALIDATION_FAILED` naming `idNumber` without it). Anything else names nobody: its keys
    /// are decoys derived from what was typed.
    fn of(app: &App, account: &str, id_number: Option<&str>) -> Result<Claimant, DomainError> {
        let id = |typed: &str, field| {
            IdNumber::parse(typed, app.today())
                .map_err(|_| DomainError::validation(field, Problem::Invalid))
        };
        let (id, mobile) = match Account::parse(app, account) {
            Account::Id(id) => (Some(id), None),
            Account::Mobile(m) => {
                let typed = id_number
                    .ok_or_else(|| DomainError::validation("idNumber", Problem::Missing))?;
                (Some(id(typed, "idNumber")?), Some(m))
            }
            Account::Neither => (None, None),
        };
        let (identifier, learner_key) = match id {
            Some(id) => {
                let key = learner::id_key(app, &id);
                (app.keys.identity("reset", &format!("id:{key}")), key)
            }
            None => {
                let typed = format!("other:{}", account.trim().to_uppercase());
                let identifier = app.keys.identity("reset", &typed);
                let decoy = app.keys.identity("reset-decoy", &identifier);
                (identifier, decoy)
            }
        };
        Ok(Claimant {
            identifier,
            learner_key,
            mobile,
        })
    }

    /// The learner a reset can go to, and the number it goes to: an active learner with a known
    /// bound number, the number typed (if one was) being that one.
    fn target(&self, app: &App, found: Option<Stored>) -> Option<(Stored, Mobile)> {
        let stored = found.filter(|s| s.learner.is_active())?;
        let bound = stored.learner.mobile_key.clone()?;
        let mobile = match &self.mobile {
            Some(m) => Some(m.clone()).filter(|m| learner::mobile_key(app, m) == bound),
            None => stored
                .learner
                .bound_mobile()
                .filter(|m| learner::mobile_key(app, m) == bound),
        }?;
        Some((stored, mobile))
    }
}

/// Sends a reset code to the bound number of the account, if there is one (see the module).
pub async fn request_code(
    app: &App,
    cmd: ResetCodeCommand,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    let started = tokio::time::Instant::now();
    throttle::admit(app, Action::ResetCode, client_ip).await?;
    let answer = cmd.captcha.answer.expose_secret();
    crate::captcha::redeem(app, cmd.captcha.id.trim(), answer).await?;
    let claimant = Claimant::of(app, &cmd.account, cmd.id_number.as_deref())?;
    // The one limit anyone can see: per account, the same for every account.
    let sent = Sent {
        at: app.now_unix(),
        id: app.rng().hex(8),
    };
    let visible = [(schema::quota_reset_pk(&claimant.identifier), PER_IDENTIFIER)];
    reserve(app, &visible, &sent, None).await?;

    let found = learner::load_by_key(app, &claimant.learner_key).await?;
    let outcome = match claimant.target(app, found) {
        Some((stored, mobile)) => send(app, &stored.learner.id_key, &mobile, &sent).await,
        None => decoy(app, &claimant.learner_key, &sent).await,
    };
    if let Err(e) = outcome {
        // Never shown: the answer would tell a real account from an unknown one.
        tracing::warn!(account = %mask_account(&cmd.account), error = %crate::error::chain(&e), "reset code not sent");
    }
    let floor = Duration::from_millis(app.throttles.reset_code_min_ms);
    tokio::time::sleep_until(started + floor).await;
    Ok(SendCodeResponse {
        expires_in: CODE_TTL_SECONDS,
        resend_after: PER_IDENTIFIER.cooldown,
    })
}

/// A real send: the number's own reset-code log (never shown), the code, the SMS.
async fn send(
    app: &App,
    learner_key: &str,
    mobile: &Mobile,
    sent: &Sent,
) -> Result<(), DomainError> {
    let purpose = Purpose::ResetPassword;
    let logs = number_log(&learner::mobile_key(app, mobile), purpose);
    reserve(app, &logs, sent, None).await?;
    deliver(app, learner_key, mobile, purpose, &logs, sent).await
}

/// The store work of a real send (a quota log and a code, both expiring) on keys that no learner
/// or number has; no SMS.
async fn decoy(app: &App, decoy_key: &str, sent: &Sent) -> Result<(), DomainError> {
    let purpose = Purpose::ResetPassword;
    reserve(app, &number_log(decoy_key, purpose), sent, None).await?;
    let nobody = Mobile::parse("19900000000").expect("a well-formed number");
    let code = app.rng().digits(crate::sms_code::CODE_DIGITS);
    crate::sms_code::store_code(app, decoy_key, &nobody, purpose, &code).await
}

/// What one reset attempt read: the account's failures, the learner and the reset code.
struct Read {
    failures: Option<Item>,
    found: Option<Stored>,
    code: Option<Item>,
}

impl Read {
    async fn of(app: &App, claimant: &Claimant) -> Result<Read, DomainError> {
        let failures_pk = schema::reset_failures_pk(&claimant.identifier);
        let learner_pk = learner::pk(&claimant.learner_key);
        let (code_pk, code_sk) = code_key(&claimant.learner_key, Purpose::ResetPassword);
        let keys = [
            (failures_pk.as_str(), QUOTA_SK),
            (learner_pk.as_str(), PROFILE_SK),
            (code_pk.as_str(), code_sk.as_str()),
        ];
        let mut got = app.store.get_many(&keys).await?.into_iter();
        Ok(Read {
            failures: got.next().flatten(),
            found: got.next().flatten().map(Stored::from_item).transpose()?,
            code: got.next().flatten(),
        })
    }

    /// The account's failures in the last day, refused (`RATE_LIMITED`) once they are at most.
    fn failure_log(&self, now: i64) -> Result<SendLog, DomainError> {
        let log: SendLog = match &self.failures {
            Some(item) if item.is_live(now) => item.parse()?,
            _ => SendLog::default(),
        };
        log.check(&FAILURES, now).map_err(|d| match d {
            Denied::Cooldown { retry_after } | Denied::Limit { retry_after } => {
                DomainError::RateLimited { retry_after }
            }
        })?;
        Ok(log)
    }
}

/// Sets a new password with a reset code. Wrong, expired, used or unknown (account or code):
/// `SMS_CODE_INVALID`, counted as one of the account's failures; the code is checked before the
/// password policy, so a weak password says nothing about an account the caller cannot prove.
pub async fn reset(app: &App, cmd: ResetCommand, client_ip: &str) -> Result<(), DomainError> {
    throttle::admit(app, Action::Reset, client_ip).await?;
    let claimant = Claimant::of(app, &cmd.account, cmd.id_number.as_deref())?;
    let now = app.now_unix();
    let mut read = Read::of(app, &claimant).await?;
    let code = optimistic!("password reset failures", |stale| {
        if stale {
            read = Read::of(app, &claimant).await?;
        }
        let log = read.failure_log(now)?;
        let target = claimant.target(app, read.found.clone());
        let mobile_key = target.as_ref().map(|(_, m)| learner::mobile_key(app, m));
        let whose = (
            claimant.learner_key.as_str(),
            mobile_key.as_deref().unwrap_or(""),
            Purpose::ResetPassword,
        );
        let verdict = match &mobile_key {
            Some(_) => judge(
                app,
                whose,
                cmd.sms_code.expose_secret(),
                read.code.as_ref(),
                now,
            )?,
            None => Verdict::Nothing,
        };
        let counted = match verdict {
            Verdict::Right(code) => return Ok(Step::Done((code, target))),
            Verdict::Wrong(item, condition) => Some(WriteOp::Put { item, condition }),
            Verdict::Nothing => None,
        };
        fail(app, &claimant, &read, log, counted, target.map(|(_, m)| m)).await
    })?;
    let (code, Some((stored, mobile))) = code else {
        unreachable!("a right code has a target")
    };
    let hash = stored
        .learner
        .hash_new_password(app, cmd.new_password, Some(mobile.digits()))
        .await?;
    save(app, &claimant, stored, &mobile, &code, &hash, client_ip).await
}

/// Counts a failed reset (with the code's wrong try, if there was a live code) in one
/// transaction; the failure that reaches the limit sends the account's number a notice.
/// `SMS_CODE_INVALID` once counted.
async fn fail<T>(
    app: &App,
    claimant: &Claimant,
    read: &Read,
    log: SendLog,
    counted: Option<WriteOp>,
    notify: Option<Mobile>,
) -> Result<Step<T>, DomainError> {
    let now = app.now_unix();
    let failure = Sent {
        at: now,
        id: app.rng().hex(8),
    };
    let next = log.with(&FAILURES, failure);
    let pk = schema::reset_failures_pk(&claimant.identifier);
    let item = Item::new(pk, QUOTA_SK, &next).expiring(next.expires_at(&FAILURES));
    let mut ops = vec![WriteOp::put_over(read.failures.as_ref(), item)];
    ops.extend(counted);
    match Step::of(app.store.transact(ops).await, ())? {
        Step::Done(()) => {}
        _ => return Ok(Step::Lost),
    }
    if next.check(&FAILURES, now).is_err() {
        tracing::warn!("an account's password resets stopped for a day (too many failures)");
        if let Some(mobile) = notify {
            notice::send(app, &mobile, Notice::ResetsStopped).await;
        }
    }
    Err(DomainError::SmsCodeInvalid)
}

/// The new password, in one transaction with the code used up, every session ended, the lockout
/// and the failures cleared and an account event; then the notice.
async fn save(
    app: &App,
    claimant: &Claimant,
    stored: Stored,
    mobile: &Mobile,
    code: &crate::sms_code::VerifiedCode,
    hash: &str,
    client_ip: &str,
) -> Result<(), DomainError> {
    let learner_key = stored.learner.id_key.clone();
    let mut stored = stored;
    let done = optimistic!("password reset", |stale| {
        if stale {
            stored = learner::load_by_key(app, &learner_key)
                .await?
                .ok_or(DomainError::SmsCodeInvalid)?;
        }
        let mut next = stored.learner.clone();
        next.password_hash = Some(hash.to_string());
        next.cred_version += 1;
        // A record from before numbers were kept learns it here (for the next notice).
        next.mobile
            .get_or_insert_with(|| mobile.digits().to_string());
        let ops = vec![
            WriteOp::Put {
                item: stored.replaced_by(&next),
                condition: Condition::Version(stored.item.version),
            },
            code.consume(),
            audit::account_event(app, &learner_key, client_ip, AccountEvent::PasswordReset),
            clear_lock(app, &next),
            WriteOp::Delete {
                pk: schema::reset_failures_pk(&claimant.identifier),
                sk: QUOTA_SK.into(),
                condition: Condition::None,
            },
        ];
        let step = Step::of(app.store.transact(ops).await, next)?;
        if matches!(step, Step::Lost) && !code.still_valid(app).await? {
            return Err(DomainError::SmsCodeInvalid);
        }
        Ok(step)
    })?;
    tracing::info!(learner = %done.log_id(), "password reset");
    notice::send(app, mobile, Notice::PasswordChanged).await;
    Ok(())
}
