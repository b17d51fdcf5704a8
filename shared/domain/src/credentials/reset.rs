//! Forgotten password (忘记密码): a code by SMS to the bound number, then a new password.
//!
//! `POST /password/reset/code` answers the same (status, body, `Retry-After`, and time: every
//! answer waits until [`crate::app::config::Throttles::reset_code_min_ms`] after the request began)
//! whether the account exists, has a bound number, or not: its limits are kept per typed
//! identifier (known or not) and per client address; the per-number limits of a real account
//! are applied silently (nothing sent, same answer); unknown accounts do the same store work on
//! decoy keys; a provider failure is logged, never shown. `POST /password/reset` changes nothing
//! until a valid code is presented, then, in one transaction: the new password, every session
//! ended (the credential version moves on), the account's lockout cleared, an account event.

use crate::account::audit::{self, AccountEvent};
use crate::account::learner::{self, Stored};
use crate::app::App;
use crate::credentials::login::{clear_locks, Account};
use crate::error::DomainError;
use crate::limits::quota::{Rule, Sent};
use crate::limits::throttle::{self, Action};
use crate::sms_code::notice::{self, Notice};
use crate::sms_code::{
    reserve, verify_code, Purpose, SendCodeResponse, CODE_TTL_SECONDS, PER_NUMBER,
};
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Condition, Step, WriteOp};
use crate::values::input::{max, required, required_secret, SecretText};
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::time::Duration;

/// Per typed identifier (known or not): what a number gets (one a minute, five an hour, ten a
/// day), so that the limit anyone can see is the one a real account would show.
pub const PER_IDENTIFIER: Rule = PER_NUMBER;

/// `POST /password/reset/code`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetCodeRequest {
    pub account: Option<String>,
    pub captcha_id: Option<String>,
    pub captcha_answer: Option<SecretText>,
}

#[derive(Debug)]
pub struct ResetCodeCommand {
    pub account: String,
    pub captcha_id: String,
    pub captcha_answer: SecretString,
}

impl TryFrom<ResetCodeRequest> for ResetCodeCommand {
    type Error = DomainError;

    fn try_from(req: ResetCodeRequest) -> Result<Self, DomainError> {
        Ok(ResetCodeCommand {
            account: required("account", req.account, max::ACCOUNT)?,
            captcha_id: required("captchaId", req.captcha_id, max::CAPTCHA_ID)?,
            captcha_answer: required_secret(
                "captchaAnswer",
                req.captcha_answer.map(|t| t.0),
                max::SHORT_CODE,
            )?,
        })
    }
}

/// The learner a reset can go to, and the number it goes to: an active learner with a known
/// bound number (typed as the account, or kept on the record).
fn target(found: Option<Stored>, account: &Account, app: &App) -> Option<(Stored, Mobile)> {
    let stored = found.filter(|s| s.learner.is_active())?;
    let bound = stored.learner.mobile_key.clone()?;
    let mobile = match account {
        Account::Mobile(m) if learner::mobile_key(app, m) == bound => Some(m.clone()),
        _ => stored
            .learner
            .bound_mobile()
            .filter(|m| learner::mobile_key(app, m) == bound),
    }?;
    Some((stored, mobile))
}

/// Sends a reset code to the bound number of the account, if there is one (see the module).
pub async fn request_code(
    app: &App,
    cmd: ResetCodeCommand,
    client_ip: &str,
) -> Result<SendCodeResponse, DomainError> {
    let started = tokio::time::Instant::now();
    throttle::admit(app, Action::ResetCode, client_ip).await?;
    crate::captcha::redeem(
        app,
        cmd.captcha_id.trim(),
        cmd.captcha_answer.expose_secret(),
    )
    .await?;

    let account = Account::parse(app, &cmd.account);
    let identifier = app
        .keys
        .identity("reset", &account.normalised(app, &cmd.account));
    // The one limit anyone can see: per identifier, the same for every account.
    let sent = Sent {
        at: app.now_unix(),
        id: app.rng().hex(8),
    };
    reserve(
        app,
        &[(schema::quota_reset_pk(&identifier), PER_IDENTIFIER)],
        &sent,
    )
    .await?;

    let found = account.find(app).await?;
    let outcome = match target(found, &account, app) {
        Some((stored, mobile)) => {
            let keys = [(
                schema::quota_mobile_pk(&learner::mobile_key(app, &mobile)),
                PER_NUMBER,
            )];
            crate::sms_code::deliver(
                app,
                &stored.learner.id_key,
                &mobile,
                Purpose::ResetPassword,
                &keys,
            )
            .await
        }
        None => decoy(app, &identifier).await,
    };
    if let Err(e) = outcome {
        // Never shown: the answer would tell a real account from an unknown one.
        tracing::warn!(account = %crate::values::id_number::mask_account(&cmd.account), error = %crate::error::chain(&e), "reset code not sent");
    }
    tokio::time::sleep_until(started + Duration::from_millis(app.throttles.reset_code_min_ms))
        .await;
    Ok(SendCodeResponse {
        expires_in: CODE_TTL_SECONDS,
        resend_after: PER_IDENTIFIER.cooldown,
    })
}

/// The store work of a real send (a quota log and a code, both expiring) on keys derived from
/// the identifier that no learner or number has; no SMS.
async fn decoy(app: &App, identifier: &str) -> Result<(), DomainError> {
    let decoy_key = app.keys.identity("reset-decoy", identifier);
    let keys = [(schema::quota_mobile_pk(&decoy_key), PER_NUMBER)];
    let sent = Sent {
        at: app.now_unix(),
        id: app.rng().hex(8),
    };
    reserve(app, &keys, &sent).await?;
    let nobody = Mobile::parse("19900000000").expect("a well-formed number");
    let code = app.rng().digits(crate::sms_code::CODE_DIGITS);
    crate::sms_code::store_code(app, &decoy_key, &nobody, Purpose::ResetPassword, &code).await
}

/// `POST /password/reset`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResetRequest {
    pub account: Option<String>,
    pub sms_code: Option<SecretText>,
    pub new_password: Option<SecretString>,
}

#[derive(Debug)]
pub struct ResetCommand {
    pub account: String,
    pub sms_code: SecretString,
    pub new_password: SecretString,
}

impl TryFrom<ResetRequest> for ResetCommand {
    type Error = DomainError;

    fn try_from(req: ResetRequest) -> Result<Self, DomainError> {
        Ok(ResetCommand {
            account: required("account", req.account, max::ACCOUNT)?,
            sms_code: required_secret("smsCode", req.sms_code.map(|c| c.0), max::SHORT_CODE)?,
            new_password: required_secret("newPassword", req.new_password, max::PASSWORD)?,
        })
    }
}

/// Sets a new password with a reset code. Wrong, expired, used or unknown (account or code):
/// `SMS_CODE_INVALID`; the code is checked before the password policy, so a weak password says
/// nothing about an account the caller cannot prove.
pub async fn reset(app: &App, cmd: ResetCommand, client_ip: &str) -> Result<(), DomainError> {
    let account = Account::parse(app, &cmd.account);
    let found = account.find(app).await?;
    let Some((stored, mobile)) = target(found, &account, app) else {
        return Err(DomainError::SmsCodeInvalid);
    };
    let learner_key = stored.learner.id_key.clone();
    let purpose = Purpose::ResetPassword;
    let code = verify_code(app, &learner_key, &mobile, purpose, Some(cmd.sms_code)).await?;
    let hash = stored
        .learner
        .hash_new_password(app, cmd.new_password, Some(mobile.digits()))
        .await?;
    let mut stored = stored;
    let done = optimistic!("password reset", |stale| {
        if stale {
            stored = learner::load_by_key(app, &learner_key)
                .await?
                .ok_or(DomainError::SmsCodeInvalid)?;
        }
        let mut next = stored.learner.clone();
        next.password_hash = Some(hash.clone());
        next.cred_version += 1;
        // A record from before numbers were kept learns it here (for the next notice).
        next.mobile
            .get_or_insert_with(|| mobile.digits().to_string());
        let mut ops = vec![
            WriteOp::Put {
                item: stored.replaced_by(&next),
                condition: Condition::Version(stored.item.version),
            },
            code.consume(),
            audit::account_event(app, &learner_key, client_ip, AccountEvent::PasswordReset),
        ];
        ops.extend(clear_locks(app, &next));
        let step = Step::of(app.store.transact(ops).await, next)?;
        if matches!(step, Step::Lost) && !code.still_valid(app).await? {
            return Err(DomainError::SmsCodeInvalid);
        }
        Ok(step)
    })?;
    tracing::info!(learner = %done.id_masked, "password reset");
    notice::send(app, &mobile, Notice::PasswordChanged).await;
    Ok(())
}
