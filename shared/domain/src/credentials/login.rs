//! Login, logout and the per-request authentication gate.

use crate::account::audit::{self, LoginResult};
use crate::account::learner::{self, Stored, PROFILE_SK};
use crate::account::session;
use crate::app::App;
use crate::error::DomainError;
use crate::limits::lockout::{Claim, LockState};
use crate::limits::throttle::{Action, Throttle};
use crate::security::crypto::constant_time_eq;
use crate::security::password;
use crate::store::schema::{lock_pk, LOCK_SK};
use crate::store::{read_modify_write, Condition, Decision, Item, StoreError, WriteOp};
use crate::values::id_number::{mask_account, IdNumber};
use crate::values::input::{required, required_secret, SecretText};
use crate::values::mobile::Mobile;
use crate::values::secret::{ExposeSecret, SecretString};
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
pub(crate) fn lock_keys_of(app: &App, learner: &crate::account::learner::Learner) -> Vec<String> {
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
    learner: &crate::account::learner::Learner,
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
pub(crate) fn clear_locks(app: &App, learner: &crate::account::learner::Learner) -> Vec<WriteOp> {
    lock_keys_of(app, learner)
        .iter()
        .map(|k| WriteOp::Delete {
            pk: lock_pk(k),
            sk: LOCK_SK.into(),
            condition: Condition::None,
        })
        .collect()
}

/// Claims one try for the identifier (see [`crate::limits::lockout`]).
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

/// What the attempt's first write decided.
enum Decided {
    CaptchaInvalid,
    Locked {
        retry_after: u64,
    },
    /// A try is claimed: the password may be checked.
    Claimed,
}

/// Logs in from `client_ip`: a session token, or why not.
///
/// Three round trips by ID number (four by mobile): one read of the captcha, the lock and the
/// learner; one transaction that counts the request against the address's windows, uses up the
/// captcha and claims a try on the lock (so at most five passwords are ever checked before the
/// lock); after the one Argon2 verification, one transaction that clears the lock and stores
/// the session and the audit entry (a failure: the audit entry alone). A lost race re-reads
/// the captcha and the lock and decides again.
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

    let masked = mask_account(&account);
    let parsed = Account::parse(app, &account);
    let at = app.now();
    let now = app.now_unix();
    let lock_pk = lock_pk(&parsed.throttle_key(app, &account));
    let captcha_key = crate::captcha::key(&captcha_id);

    // The one read: [lock, captcha?, learner or the number's claim?].
    let mut keys: Vec<(String, &str)> = vec![(lock_pk.clone(), LOCK_SK)];
    keys.extend(captcha_key.clone());
    match &parsed {
        Account::Id(id) => keys.push((learner::pk(&learner::id_key(app, id)), PROFILE_SK)),
        Account::Mobile(m) => keys.push(learner::claim_key(app, m)),
        Account::Neither => {}
    }
    let key_refs: Vec<(&str, &str)> = keys.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut got = app.store.get_many(&key_refs).await?.into_iter();
    let mut lock = got.next().flatten();
    let mut captcha = captcha_key.as_ref().and_then(|_| got.next().flatten());
    let found: Option<Stored> = match &parsed {
        Account::Id(_) => got.next().flatten().map(Stored::from_item).transpose()?,
        Account::Mobile(m) => learner::load_by_claim(app, m, got.next().flatten()).await?,
        Account::Neither => None,
    };
    let learner_key = found.as_ref().map(|s| s.learner.id_key.clone());
    let note = |result| audit::attempt(app, learner_key.as_deref(), at, client_ip, &masked, result);

    // The decision's write: counted, captcha used up (right or wrong), try claimed.
    let mut throttle = Throttle::new(app, Action::Login, client_ip);
    let mut contention = crate::store::retry::Contention::new("login");
    let decided = loop {
        let mut ops = throttle.ops();
        let captcha_at = captcha.as_ref().map(|c| {
            ops.push(crate::captcha::consume(c));
            ops.len() - 1
        });
        let decided =
            if !crate::captcha::answered(captcha.as_ref(), captcha_answer.expose_secret(), now)? {
                // A wrong captcha is not a password failure: counted nowhere but the address's window.
                Decided::CaptchaInvalid
            } else {
                let state: LockState = match &lock {
                    Some(item) => item.parse()?,
                    None => LockState::default(),
                };
                match state.claim(now) {
                    Claim::Allowed { next } => {
                        let (item, condition) = match &lock {
                            Some(old) => (old.next(&next), Condition::Version(old.version)),
                            None => (
                                Item::new(lock_pk.clone(), LOCK_SK, &next),
                                Condition::NotExists,
                            ),
                        };
                        ops.push(WriteOp::Put {
                            item: Item {
                                expires_at: Some(next.expires_at()),
                                ..item
                            },
                            condition,
                        });
                        Decided::Claimed
                    }
                    Claim::Locked { retry_after } => {
                        ops.push(WriteOp::Put {
                            item: note(LoginResult::Locked),
                            condition: Condition::NotExists,
                        });
                        Decided::Locked { retry_after }
                    }
                }
            };
        if ops.is_empty() {
            break decided;
        }
        match app.store.transact(ops).await {
            Ok(()) => break decided,
            Err(e) if throttle.on_failure(&e)? => {}
            // Another attempt used the captcha first.
            Err(StoreError::ConditionFailed { index: Some(i) }) if Some(i) == captcha_at => {
                return Err(DomainError::CaptchaInvalid)
            }
            Err(e) if e.is_contention() => {
                contention.lost().await?;
                let mut again: Vec<(&str, &str)> = vec![(&lock_pk, LOCK_SK)];
                if let Some((pk, sk)) = &captcha_key {
                    again.push((pk, sk));
                }
                let mut got = app.store.get_many(&again).await?.into_iter();
                lock = got.next().flatten();
                captcha = got.next().flatten();
            }
            Err(e) => return Err(e.into()),
        }
    };
    match decided {
        Decided::CaptchaInvalid => return Err(DomainError::CaptchaInvalid),
        Decided::Locked { retry_after } => return Err(DomainError::AccountLocked { retry_after }),
        Decided::Claimed => {}
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
        app.store
            .put(note(LoginResult::Failure), Condition::NotExists)
            .await?;
        return Err(DomainError::CredentialsInvalid);
    };

    let (new, session_op) = session::start(app, &stored.learner);
    app.store
        .transact(vec![
            WriteOp::Delete {
                pk: lock_pk,
                sk: LOCK_SK.into(),
                condition: Condition::None,
            },
            session_op,
            WriteOp::Put {
                item: note(LoginResult::Success),
                condition: Condition::NotExists,
            },
        ])
        .await?;
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
