//! Login, logout and the per-request authentication gate.

use crate::app::App;
use crate::audit::{self, LoginResult};
use crate::crypto::constant_time_eq;
use crate::error::DomainError;
use crate::id_number::{mask_account, IdNumber};
use crate::input::{required, required_secret, SecretText};
use crate::learner::{self, Stored};
use crate::lockout::{Claim, LockState};
use crate::mobile::Mobile;
use crate::password;
use crate::schema::{lock_pk, LOCK_SK};
use crate::secret::{ExposeSecret, SecretString};
use crate::session;
use crate::store::{read_modify_write, Condition, Decision, WriteOp};
use serde::{Deserialize, Serialize};

/// `POST /login`'s body as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub account: Option<String>,
    pub password: Option<SecretString>,
    pub captcha_id: Option<String>,
    pub captcha_answer: Option<SecretText>,
}

/// A login attempt with every field present and of a sane length.
#[derive(Debug)]
pub struct LoginCommand {
    pub account: String,
    pub password: SecretString,
    pub captcha_id: String,
    pub captcha_answer: SecretString,
}

impl TryFrom<LoginRequest> for LoginCommand {
    type Error = DomainError;

    fn try_from(req: LoginRequest) -> Result<Self, DomainError> {
        Ok(LoginCommand {
            account: required("account", req.account, 64)?,
            password: required_secret("password", req.password, 128)?,
            captcha_id: required("captchaId", req.captcha_id, 64)?,
            captcha_answer: required_secret("captchaAnswer", req.captcha_answer.map(|t| t.0), 16)?,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    pub token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub profile_completed: bool,
    pub password_change_required: bool,
}

/// What a typed account names.
pub(crate) enum Account {
    Id(IdNumber),
    Mobile(Mobile),
    Neither,
}

impl Account {
    pub(crate) fn parse(app: &App, typed: &str) -> Account {
        if let Ok(id) = IdNumber::parse(typed, app.today()) {
            Account::Id(id)
        } else if let Ok(m) = Mobile::parse(typed) {
            Account::Mobile(m)
        } else {
            Account::Neither
        }
    }

    /// The identifier as typed, normalised (an ID number by its key: the lock of an account
    /// can then be found from the learner record alone).
    pub(crate) fn normalised(&self, app: &App, typed: &str) -> String {
        match self {
            Account::Id(id) => format!("id:{}", learner::id_key(app, id)),
            Account::Mobile(m) => format!("mobile:{}", m.digits()),
            Account::Neither => format!("other:{}", typed.trim().to_uppercase()),
        }
    }

    /// The identifier failures are counted against, whether or not an account has it.
    pub(crate) fn throttle_key(&self, app: &App, typed: &str) -> String {
        app.keys.keyed("lock", &self.normalised(app, typed))
    }

    /// The learner the account names, if any.
    pub(crate) async fn find(&self, app: &App) -> Result<Option<Stored>, DomainError> {
        match self {
            Account::Id(id) => learner::load_by_id(app, id).await,
            Account::Mobile(m) => learner::load_by_mobile(app, m).await,
            Account::Neither => Ok(None),
        }
    }
}

/// The lock keys of a learner's identifiers: the ID number, and the bound number where known.
pub(crate) fn lock_keys_of(app: &App, learner: &crate::learner::Learner) -> Vec<String> {
    let mut keys = vec![app.keys.keyed("lock", &format!("id:{}", learner.id_key))];
    if let Some(m) = learner.bound_mobile() {
        keys.push(app.keys.keyed("lock", &format!("mobile:{}", m.digits())));
    }
    keys
}

/// Checks a learner's current password (re-authentication for a credential change): the try
/// counts toward the account's lockout exactly as a login's does, and a success clears it.
pub(crate) async fn check_current_password(
    app: &App,
    learner: &crate::learner::Learner,
    pw: SecretString,
) -> Result<(), DomainError> {
    let lock_key = app.keys.keyed("lock", &format!("id:{}", learner.id_key));
    if let Claim::Locked { retry_after } = claim_attempt(app, &lock_key).await? {
        return Err(DomainError::AccountLocked { retry_after });
    }
    if !password::verify_async(pw, learner.password_hash.clone()).await {
        return Err(DomainError::CredentialsInvalid);
    }
    app.store
        .delete(&lock_pk(&lock_key), LOCK_SK, Condition::None)
        .await?;
    Ok(())
}

/// The ops that clear every lock of the learner's identifiers (in a reset's transaction).
pub(crate) fn clear_locks(app: &App, learner: &crate::learner::Learner) -> Vec<WriteOp> {
    lock_keys_of(app, learner)
        .iter()
        .map(|k| WriteOp::Delete {
            pk: lock_pk(k),
            sk: LOCK_SK.into(),
            condition: Condition::None,
        })
        .collect()
}

/// Claims one try for the identifier (see [`crate::lockout`]).
pub(crate) async fn claim_attempt(app: &App, key: &str) -> Result<Claim, DomainError> {
    let now = app.now_unix();
    read_modify_write(app.store.as_ref(), &lock_pk(key), LOCK_SK, |item| {
        let state: LockState = match item {
            Some(item) => item.parse()?,
            None => LockState::default(),
        };
        Ok::<_, DomainError>(match state.claim(now) {
            Claim::Allowed { next } => Decision::Write {
                data: serde_json::to_value(&next).expect("serialisable"),
                expires_at: Some(next.expires_at()),
                result: Claim::Allowed { next },
            },
            locked => Decision::Keep(locked),
        })
    })
    .await
}

/// Logs in from `client_ip`: a session token, or why not.
pub async fn login(
    app: &App,
    cmd: LoginCommand,
    client_ip: &str,
) -> Result<LoginResponse, DomainError> {
    let LoginCommand {
        account,
        password: pw,
        captcha_id,
        captcha_answer,
    } = cmd;

    // A wrong captcha is not a password failure: checked first, counted nowhere.
    crate::captcha::redeem(app, captcha_id.trim(), captcha_answer.expose_secret()).await?;

    let masked = mask_account(&account);
    let parsed = Account::parse(app, &account);
    let at = app.now();
    let found: Option<Stored> = parsed.find(app).await?;
    let learner_key = found.as_ref().map(|s| s.learner.id_key.clone());
    let note = |result| audit::record(app, learner_key.as_deref(), at, client_ip, &masked, result);

    let lock_key = parsed.throttle_key(app, &account);
    if let Claim::Locked { retry_after } = claim_attempt(app, &lock_key).await? {
        note(LoginResult::Locked).await?;
        return Err(DomainError::AccountLocked { retry_after });
    }

    // Exactly one Argon2 verification per attempt, whatever the account.
    let verified = match (&found, &parsed) {
        (Some(s), Account::Id(id)) if s.learner.password_hash.is_none() => {
            let initial = constant_time_eq(pw.expose_secret().as_bytes(), id.last_six().as_bytes());
            password::verify_async(pw, None).await;
            initial
        }
        (Some(s), _) => password::verify_async(pw, s.learner.password_hash.clone()).await,
        (None, _) => password::verify_async(pw, None).await,
    };

    let Some(stored) = found.filter(|_| verified) else {
        note(LoginResult::Failure).await?;
        return Err(DomainError::CredentialsInvalid);
    };

    app.store
        .delete(&lock_pk(&lock_key), LOCK_SK, Condition::None)
        .await?;
    let new = session::create(app, &stored.learner).await?;
    note(LoginResult::Success).await?;
    Ok(LoginResponse {
        token: new.token,
        token_type: "Bearer",
        expires_in: new.expires_in,
        profile_completed: stored.learner.profile_completed,
        password_change_required: stored.learner.password_change_required(),
    })
}

/// Ends the session of `token` for good.
pub async fn logout(app: &App, token: &str) -> Result<(), DomainError> {
    session::revoke(app, token).await
}
