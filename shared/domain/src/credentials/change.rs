//! Account settings (账户设置) of an active learner: changing the password (`PUT /password`)
//! and the bound mobile (`PUT /mobile`). Both re-authenticate with the current password, which
//! counts toward the account's lockout like a login; both leave an account event and send a
//! notice.

use crate::account::audit::{self, AccountEvent};
use crate::account::binding::Binding;
use crate::account::learner;
use crate::account::session::Authenticated;
use crate::app::App;
use crate::credentials::login::check_current_password;
use crate::error::{DomainError, Problem};
use crate::sms_code::notice::{self, Notice};
use crate::sms_code::{verify_code, Purpose};
use crate::store::retry::optimistic;
use crate::store::{Condition, Step, WriteOp};
use crate::values::input::{max, required, required_secret, SecretText};
use crate::values::mobile::Mobile;
use crate::values::secret::SecretString;
use serde::{Deserialize, Serialize};

/// `PUT /password`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChangeRequest {
    pub current_password: Option<SecretString>,
    pub new_password: Option<SecretString>,
}

#[derive(Debug)]
pub struct PasswordChangeCommand {
    pub current_password: SecretString,
    pub new_password: SecretString,
}

impl TryFrom<PasswordChangeRequest> for PasswordChangeCommand {
    type Error = DomainError;

    fn try_from(req: PasswordChangeRequest) -> Result<Self, DomainError> {
        Ok(PasswordChangeCommand {
            current_password: required_secret(
                "currentPassword",
                req.current_password,
                max::PASSWORD,
            )?,
            new_password: required_secret("newPassword", req.new_password, max::PASSWORD)?,
        })
    }
}

/// Changes the password of the learner of `authed`: every other session ends, this one goes on.
pub async fn change_password(
    app: &App,
    authed: Authenticated,
    cmd: PasswordChangeCommand,
    client_ip: &str,
) -> Result<(), DomainError> {
    let learner = &authed.learner.learner;
    check_current_password(app, learner, cmd.current_password).await?;
    let bound = learner.bound_mobile();
    let digits = bound.as_ref().map(Mobile::digits);
    let hash = learner
        .hash_new_password(app, cmd.new_password, digits)
        .await?;
    let mut authed = authed;
    let changed = optimistic!("password change", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let stored = &authed.learner;
        let mut next = stored.learner.clone();
        next.password_hash = Some(hash.clone());
        next.cred_version += 1;
        let ops = vec![
            WriteOp::Put {
                item: stored.replaced_by(&next),
                condition: Condition::Version(stored.item.version),
            },
            // This session lives on under the new credentials; every other one ends.
            WriteOp::Put {
                item: authed.session_after_password_change(next.cred_version),
                condition: authed.session_condition(),
            },
            audit::account_event(app, &next.id_key, client_ip, AccountEvent::PasswordChanged),
        ];
        Ok(Step::of(app.store.transact(ops).await, next)?)
    })?;
    tracing::info!(learner = %changed.log_id(), "password changed");
    if let Some(m) = changed.bound_mobile() {
        notice::send(app, &m, Notice::PasswordChanged).await;
    }
    Ok(())
}

/// `PUT /mobile`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileChangeRequest {
    pub current_password: Option<SecretString>,
    pub mobile: Option<String>,
    pub sms_code: Option<SecretText>,
}

#[derive(Debug)]
pub struct MobileChangeCommand {
    pub current_password: SecretString,
    pub mobile: Mobile,
    pub sms_code: SecretString,
}

impl TryFrom<MobileChangeRequest> for MobileChangeCommand {
    type Error = DomainError;

    fn try_from(req: MobileChangeRequest) -> Result<Self, DomainError> {
        let current_password =
            required_secret("currentPassword", req.current_password, max::PASSWORD)?;
        let mobile = required("mobile", req.mobile, max::MOBILE)?;
        let mobile = Mobile::parse(&mobile)
            .map_err(|_| DomainError::validation("mobile", Problem::Invalid))?;
        let sms_code = required_secret("smsCode", req.sms_code.map(|c| c.0), max::SHORT_CODE)?;
        Ok(MobileChangeCommand {
            current_password,
            mobile,
            sms_code,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileChangeResponse {
    pub mobile_masked: String,
}

/// Binds a new number (proven by a `CHANGE_MOBILE` code) to the learner of `authed`: the new
/// number's claim is taken and the old one's released in one transaction; every other session
/// ends (the number is a credential: it receives reset codes), this one goes on.
pub async fn change_mobile(
    app: &App,
    authed: Authenticated,
    cmd: MobileChangeCommand,
    client_ip: &str,
) -> Result<MobileChangeResponse, DomainError> {
    let MobileChangeCommand {
        current_password,
        mobile,
        sms_code,
    } = cmd;
    let learner_key = authed.learner.learner.id_key.clone();
    check_current_password(app, &authed.learner.learner, current_password).await?;
    let mobile_key = learner::mobile_key(app, &mobile);
    if authed.learner.learner.mobile_key.as_deref() == Some(mobile_key.as_str()) {
        return Err(DomainError::validation("mobile", Problem::Invalid));
    }
    let purpose = Purpose::ChangeMobile;
    let code = verify_code(app, &learner_key, &mobile, purpose, Some(sms_code)).await?;
    let mut authed = authed;
    let old = optimistic!("mobile change", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let current = &authed.learner.learner;
        let binding = Binding::read(app, &current.id_key, &mobile_key).await?;
        let mut next = binding.bind(current, &mobile);
        next.cred_version += 1;
        let mut ops = vec![
            WriteOp::Put {
                item: authed.learner.replaced_by(&next),
                condition: Condition::Version(authed.learner.item.version),
            },
            // This session lives on; every other one ends, as after a password change.
            WriteOp::Put {
                item: authed.session_after_password_change(next.cred_version),
                condition: authed.session_condition(),
            },
        ];
        ops.extend(binding.ops(current));
        ops.push(code.consume());
        let event = AccountEvent::MobileChanged;
        ops.push(audit::account_event(app, &learner_key, client_ip, event));
        let step = Step::of(app.store.transact(ops).await, current.bound_mobile())?;
        if let Step::Lost = step {
            binding.after_lost_race(app, Some(&code)).await?;
        }
        Ok(step)
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), mobile = %mobile.masked(), "mobile changed");
    if let Some(old) = old {
        notice::send(app, &old, Notice::MobileChanged).await;
    }
    Ok(MobileChangeResponse {
        mobile_masked: mobile.masked(),
    })
}
