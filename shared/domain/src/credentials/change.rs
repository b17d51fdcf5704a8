//! Account settings (账户设置) of an active learner: changing the password (`PUT /password`)
//! and the bound mobile (`PUT /mobile`). Both re-authenticate with the current password, which
//! counts toward the account's lockout like a login; both leave an account event and send a
//! notice.

use crate::account::audit::{self, AccountEvent};
use crate::account::learner::{self, Learner, MobileClaim};
use crate::account::session::Authenticated;
use crate::app::App;
use crate::credentials::login::check_current_password;
use crate::error::{DomainError, Problem};
use crate::sms_code::notice::{self, Notice};
use crate::sms_code::{Purpose, VerifiedCode};
use crate::store::retry::Contention;
use crate::store::{Condition, Item, WriteOp};
use crate::values::input::{required, required_secret, SecretText};
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Checks a new password against the policy (for this learner and number) and hashes it.
pub(crate) async fn new_password_hash(
    app: &App,
    learner: &Learner,
    pw: SecretString,
    mobile_digits: Option<&str>,
) -> Result<String, DomainError> {
    let digest = learner.last_six_digest.clone();
    crate::security::password_policy::check(
        pw.expose_secret(),
        |six| learner::last_six_digest(app, six) == digest,
        mobile_digits,
    )
    .map_err(DomainError::PasswordWeak)?;
    Ok(crate::security::password::hash_async(pw, app.rng()).await)
}

/// `PUT /password`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordChangeRequest {
    pub current_password: Option<SecretString>,
    pub new_password: Option<SecretString>,
}

#[derive(Debug)]
pub struct PasswordChange {
    pub current_password: SecretString,
    pub new_password: SecretString,
}

impl TryFrom<PasswordChangeRequest> for PasswordChange {
    type Error = DomainError;

    fn try_from(req: PasswordChangeRequest) -> Result<Self, DomainError> {
        Ok(PasswordChange {
            current_password: required_secret("currentPassword", req.current_password, 128)?,
            new_password: required_secret("newPassword", req.new_password, 128)?,
        })
    }
}

/// Changes the password of the learner of `authed`: every other session ends, this one goes on.
pub async fn change_password(
    app: &App,
    authed: Authenticated,
    cmd: PasswordChange,
    client_ip: &str,
) -> Result<(), DomainError> {
    let learner = &authed.learner.learner;
    check_current_password(app, learner, cmd.current_password).await?;
    let bound = learner.bound_mobile();
    let hash = new_password_hash(
        app,
        learner,
        cmd.new_password,
        bound.as_ref().map(Mobile::digits),
    )
    .await?;
    let mut authed = authed;
    let mut contention = Contention::new("password change");
    loop {
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
        match app.store.transact(ops).await {
            Ok(()) => {
                tracing::info!(learner = %next.id_masked, "password changed");
                if let Some(m) = next.bound_mobile() {
                    notice::send(app, &m, Notice::PasswordChanged).await;
                }
                return Ok(());
            }
            Err(e) if e.is_contention() => {
                contention.lost().await?;
                authed = authed.reload(app).await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
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
pub struct MobileChange {
    pub current_password: SecretString,
    pub mobile: Mobile,
    pub sms_code: SecretString,
}

impl TryFrom<MobileChangeRequest> for MobileChange {
    type Error = DomainError;

    fn try_from(req: MobileChangeRequest) -> Result<Self, DomainError> {
        let current_password = required_secret("currentPassword", req.current_password, 128)?;
        let mobile = required("mobile", req.mobile, 32)?;
        let mobile = Mobile::parse(&mobile)
            .map_err(|_| DomainError::validation("mobile", Problem::Invalid))?;
        let sms_code = required_secret("smsCode", req.sms_code.map(|c| c.0), 16)?;
        Ok(MobileChange {
            current_password,
            mobile,
            sms_code,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MobileChanged {
    pub mobile_masked: String,
}

/// Binds a new number (proven by a `CHANGE_MOBILE` code) to the learner of `authed`: the new
/// number's claim is taken and the old one's released in one transaction.
pub async fn change_mobile(
    app: &App,
    authed: Authenticated,
    cmd: MobileChange,
    client_ip: &str,
) -> Result<MobileChanged, DomainError> {
    let MobileChange {
        current_password,
        mobile,
        sms_code,
    } = cmd;
    check_current_password(app, &authed.learner.learner, current_password).await?;
    let mobile_key = learner::mobile_key(app, &mobile);
    if authed.learner.learner.mobile_key.as_deref() == Some(mobile_key.as_str()) {
        return Err(DomainError::validation("mobile", Problem::Invalid));
    }
    let code = crate::sms_code::verify_code(
        app,
        &authed.learner.learner.id_key,
        &mobile,
        Purpose::ChangeMobile,
        Some(sms_code),
    )
    .await?;
    let mut authed = authed;
    let mut contention = Contention::new("mobile change");
    loop {
        match try_change_mobile(app, &authed, &mobile, &mobile_key, &code, client_ip).await? {
            Some(old) => {
                if let Some(old) = old {
                    notice::send(app, &old, Notice::MobileChanged).await;
                }
                return Ok(MobileChanged {
                    mobile_masked: mobile.masked(),
                });
            }
            None => {
                contention.lost().await?;
                authed = authed.reload(app).await?;
            }
        }
    }
}

/// One try: `Some(old number)` when saved, `None` when a race was lost and nothing decided it.
async fn try_change_mobile(
    app: &App,
    authed: &Authenticated,
    mobile: &Mobile,
    mobile_key: &str,
    code: &VerifiedCode,
    client_ip: &str,
) -> Result<Option<Option<Mobile>>, DomainError> {
    let stored = &authed.learner;
    let current = &stored.learner;
    let claim_pk = learner::mobile_pk(mobile_key);
    let held_by_other = |item: &Item| -> Result<bool, DomainError> {
        let holder: MobileClaim = item.parse()?;
        Ok(holder.learner != current.id_key)
    };
    let claim = app.store.get(&claim_pk, learner::MOBILE_SK).await?;
    if let Some(c) = &claim {
        if held_by_other(c)? {
            return Err(DomainError::MobileTaken);
        }
    }
    let mut next = current.clone();
    next.mobile_key = Some(mobile_key.to_string());
    next.mobile_masked = Some(mobile.masked());
    next.mobile = Some(mobile.digits().to_string());
    let mut ops = vec![WriteOp::Put {
        item: stored.replaced_by(&next),
        condition: Condition::Version(stored.item.version),
    }];
    if claim.is_none() {
        ops.push(WriteOp::Put {
            item: Item::new(
                claim_pk.clone(),
                learner::MOBILE_SK,
                &MobileClaim {
                    learner: current.id_key.clone(),
                },
            ),
            condition: Condition::NotExists,
        });
    }
    if let Some(old) = current.mobile_key.as_deref() {
        ops.push(WriteOp::Delete {
            pk: learner::mobile_pk(old),
            sk: learner::MOBILE_SK.into(),
            condition: Condition::None,
        });
    }
    ops.push(code.consume());
    ops.push(audit::account_event(
        app,
        &current.id_key,
        client_ip,
        AccountEvent::MobileChanged,
    ));
    match app.store.transact(ops).await {
        Ok(()) => {
            tracing::info!(learner = %current.id_masked, mobile = %mobile.masked(), "mobile changed");
            Ok(Some(current.bound_mobile()))
        }
        Err(e) if e.is_contention() => {
            if let Some(c) = app.store.get(&claim_pk, learner::MOBILE_SK).await? {
                if held_by_other(&c)? {
                    return Err(DomainError::MobileTaken);
                }
            }
            if !code.still_valid(app).await? {
                return Err(DomainError::SmsCodeInvalid);
            }
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}
