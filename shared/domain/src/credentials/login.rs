//! Login and logout (the per-request gate that checks the token is `account::session`).

use crate::account::audit::{self, LoginResult};
use crate::account::learner::{self, Stored, PROFILE_SK};
use crate::account::session;
use crate::app::App;
use crate::captcha::Solved;
use crate::error::DomainError;
use crate::limits::lockout::{Claim, LockState};
use crate::limits::throttle::{Action, Throttle};
use crate::security::crypto::constant_time_eq;
use crate::security::password;
use crate::store::retry::optimistic;
use crate::store::schema::{lock_pk, LOCK_SK};
use crate::store::{Condition, Item, Step, StoreError, WriteOp};
use crate::values::id_number::{mask_account, IdNumber};
use crate::values::input::{max, required, required_secret, SecretText};
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
    pub captcha: Solved,
}

impl TryFrom<LoginRequest> for LoginCommand {
    type Error = DomainError;

    fn try_from(req: LoginRequest) -> Result<Self, DomainError> {
        Ok(LoginCommand {
            account: required("account", req.account, max::ACCOUNT)?,
            password: required_secret("password", req.password, max::PASSWORD)?,
            captcha: Solved::from_fields(req.captcha_id, req.captcha_answer)?,
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
        app.keys.identity("lock", &self.normalised(app, typed))
    }
}

/// The lock of a learner: one per learner, whether the account was typed as ID number or mobile.
pub(crate) fn learner_lock_pk(app: &App, learner_key: &str) -> String {
    lock_pk(&app.keys.identity("lock", &format!("id:{learner_key}")))
}

/// Checks a learner's current password (re-authentication for a credential change): the try
/// counts toward the account's lockout exactly as a login's does, and a success clears it.
pub(crate) async fn check_current_password(
    app: &App,
    learner: &crate::account::learner::Learner,
    pw: SecretString,
) -> Result<(), DomainError> {
    let pk = learner_lock_pk(app, &learner.id_key);
    claim_attempt(app, &pk).await?;
    if !password::verify_async(pw, learner.password_hash.clone()).await {
        return Err(DomainError::CredentialsInvalid);
    }
    app.store.delete(&pk, LOCK_SK, Condition::None).await?;
    Ok(())
}

/// The op that clears the learner's lock (in a reset's transaction).
pub(crate) fn clear_lock(app: &App, learner: &crate::account::learner::Learner) -> WriteOp {
    WriteOp::Delete {
        pk: learner_lock_pk(app, &learner.id_key),
        sk: LOCK_SK.into(),
        condition: Condition::None,
    }
}

/// The write that claims one try on the lock `pk` as read (see [`crate::limits::lockout`]), or
/// how long the lock still lasts (seconds). Login and re-authentication both claim this way.
fn claim_write(
    lock: Option<&Item>,
    pk: &str,
    now: i64,
) -> Result<Result<(Item, Condition), u64>, DomainError> {
    let state: LockState = match lock {
        Some(item) => item.parse()?,
        None => LockState::default(),
    };
    Ok(match state.claim(now) {
        Claim::Allowed { next } => {
            let item = Item::new(pk, LOCK_SK, &next).expiring(next.expires_at());
            Ok(item.over(lock))
        }
        Claim::Locked { retry_after } => Err(retry_after),
    })
}

/// Claims one try on the lock `pk` on its own (re-authentication): `ACCOUNT_LOCKED` while it
/// is locked.
async fn claim_attempt(app: &App, pk: &str) -> Result<(), DomainError> {
    let now = app.now_unix();
    optimistic!("lockout", |_| {
        let lock = app.store.get(pk, LOCK_SK).await?;
        match claim_write(lock.as_ref(), pk, now)? {
            Ok((item, condition)) => Ok(Step::of(app.store.put(item, condition).await, ())?),
            Err(retry_after) => Err(DomainError::AccountLocked { retry_after }),
        }
    })
}

/// What a login read in its first round trip.
struct Attempt {
    parsed: Account,
    lock_pk: String,
    lock: Option<Item>,
    captcha_key: Option<(String, &'static str)>,
    captcha: Option<Item>,
    found: Option<Stored>,
    /// The lock as the claim wrote it (to give the try back if the login then fails on storage).
    claimed: Option<Item>,
}

/// The learner a mobile number's claim (as read) names and its lock, read together; with no
/// such learner, the lock of the number as typed (`unknown_lock_key`): unknown accounts are
/// locked like known ones.
async fn by_claim(
    app: &App,
    mobile: &Mobile,
    claim: Option<Item>,
    unknown_lock_key: String,
) -> Result<(Option<Stored>, String, Option<Item>), DomainError> {
    let holder = claim
        .map(|c| c.parse::<learner::MobileClaim>())
        .transpose()?;
    let Some(holder) = holder else {
        let pk = lock_pk(&unknown_lock_key);
        let lock = app.store.get(&pk, LOCK_SK).await?;
        return Ok((None, pk, lock));
    };
    let pk = learner_lock_pk(app, &holder.learner);
    let learner_pk = learner::pk(&holder.learner);
    let keys = [(learner_pk.as_str(), PROFILE_SK), (pk.as_str(), LOCK_SK)];
    let mut got = app.store.get_many(&keys).await?.into_iter();
    let found = got.next().flatten().map(Stored::from_item).transpose()?;
    // A claim is only trusted while the learner still points back at it.
    let mobile_key = learner::mobile_key(app, mobile);
    let found = found.filter(|s| s.learner.mobile_key.as_deref() == Some(&mobile_key));
    Ok((found, pk, got.next().flatten()))
}

impl Attempt {
    /// The first read: the captcha with the learner and its lock (by ID number), or with the
    /// number's claim (by mobile number: then the learner and its lock in a second read, as the
    /// lock is the learner's, whichever way the account was typed).
    async fn read(app: &App, account: &str, captcha_id: &str) -> Result<Attempt, DomainError> {
        let parsed = Account::parse(app, account);
        let captcha_key = crate::captcha::key(captcha_id);
        let early_lock = match &parsed {
            Account::Id(id) => Some(learner_lock_pk(app, &learner::id_key(app, id))),
            Account::Mobile(_) => None,
            Account::Neither => Some(lock_pk(&parsed.throttle_key(app, account))),
        };
        let mut keys: Vec<(String, &str)> = Vec::with_capacity(3);
        keys.extend(early_lock.clone().map(|pk| (pk, LOCK_SK)));
        keys.extend(captcha_key.clone());
        match &parsed {
            Account::Id(id) => keys.push((learner::pk(&learner::id_key(app, id)), PROFILE_SK)),
            Account::Mobile(m) => keys.push(learner::claim_key(app, m)),
            Account::Neither => {}
        }
        let key_refs: Vec<(&str, &str)> = keys.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        let mut got = app.store.get_many(&key_refs).await?.into_iter();
        let lock = early_lock.as_ref().and_then(|_| got.next().flatten());
        let captcha = captcha_key.as_ref().and_then(|_| got.next().flatten());
        let (found, lock_pk, lock) = match (&parsed, early_lock) {
            (Account::Mobile(m), _) => {
                let claim = got.next().flatten();
                by_claim(app, m, claim, parsed.throttle_key(app, account)).await?
            }
            (Account::Id(_), Some(pk)) => {
                let found = got.next().flatten().map(Stored::from_item).transpose()?;
                (found, pk, lock)
            }
            (_, pk) => (None, pk.expect("read first"), lock),
        };
        Ok(Attempt {
            parsed,
            lock_pk,
            lock,
            captcha_key,
            captcha,
            found,
            claimed: None,
        })
    }

    /// After a lost race: the lock and the captcha again.
    async fn reread(&mut self, app: &App) -> Result<(), DomainError> {
        let mut keys: Vec<(&str, &str)> = vec![(&self.lock_pk, LOCK_SK)];
        if let Some((pk, sk)) = &self.captcha_key {
            keys.push((pk, sk));
        }
        let mut got = app.store.get_many(&keys).await?.into_iter();
        self.lock = got.next().flatten();
        self.captcha = got.next().flatten();
        Ok(())
    }

    /// The decision's one transaction: the request counted against the address's windows, the
    /// captcha used up (right or wrong), a try claimed on the lock, or the locked attempt
    /// recorded. `Ok` once a try is claimed: the password may be checked.
    async fn claim(
        &mut self,
        app: &App,
        answer: &str,
        client_ip: &str,
        locked_note: impl Fn() -> Item,
    ) -> Result<(), DomainError> {
        let now = app.now_unix();
        let mut throttle = Throttle::new(app, Action::Login, client_ip);
        let outcome = optimistic!("login", |stale| {
            if stale {
                self.reread(app).await?;
            }
            let mut ops = throttle.ops();
            let captcha_at = self.captcha.as_ref().map(|c| {
                ops.push(crate::captcha::consume(c));
                ops.len() - 1
            });
            let outcome = if !crate::captcha::answered(self.captcha.as_ref(), answer, now)? {
                // A wrong captcha is not a password failure: counted nowhere but the address's window.
                Err(DomainError::CaptchaInvalid)
            } else {
                match claim_write(self.lock.as_ref(), &self.lock_pk, now)? {
                    Ok((item, condition)) => {
                        self.claimed = Some(item.clone());
                        ops.push(WriteOp::Put { item, condition });
                        Ok(())
                    }
                    Err(retry_after) => {
                        let (item, condition) = (locked_note(), Condition::NotExists);
                        ops.push(WriteOp::Put { item, condition });
                        Err(DomainError::AccountLocked { retry_after })
                    }
                }
            };
            if ops.is_empty() {
                return Ok(Step::Done(outcome));
            }
            match app.store.transact(ops).await {
                Err(e) if throttle.on_failure(&e)? => Ok(Step::Again),
                // Another attempt used the captcha first.
                Err(StoreError::ConditionFailed { index: Some(i) }) if Some(i) == captcha_at => {
                    Err(DomainError::CaptchaInvalid)
                }
                written => Ok(Step::of(written, outcome)?),
            }
        })?;
        outcome
    }
}

impl Attempt {
    /// Puts the lock back as it was before this attempt's claim, unless another attempt changed
    /// it since (best effort: storage has just failed; a failure here is logged).
    async fn give_back(&self, app: &App) {
        let Some(claimed) = &self.claimed else {
            return;
        };
        let since = Condition::Version(claimed.version);
        let restored = match &self.lock {
            None => app
                .store
                .delete(&claimed.pk, &claimed.sk, since)
                .await
                .map(drop),
            Some(before) => {
                let before = Item {
                    version: claimed.version + 1,
                    ..before.clone()
                };
                app.store.put(before, since).await
            }
        };
        if let Err(e) = restored {
            tracing::warn!(error = %e, "login: the claimed try was not given back");
        }
    }
}

/// Exactly one Argon2 verification per attempt, whatever the account: whether `pw` is the
/// learner's password (the ID number's last six while the initial password is in use).
async fn verify(found: Option<&Stored>, parsed: &Account, pw: SecretString) -> bool {
    match (found, parsed) {
        (Some(s), Account::Id(id)) if s.learner.password_hash.is_none() => {
            let initial = constant_time_eq(pw.expose_secret().as_bytes(), id.last_six().as_bytes());
            password::verify_async(pw, None).await;
            initial
        }
        (Some(s), _) => password::verify_async(pw, s.learner.password_hash.clone()).await,
        (None, _) => password::verify_async(pw, None).await,
    }
}

/// Logs in from `client_ip`: a session token, or why not.
///
/// Three round trips by ID number (four by mobile): one read of the captcha, the lock and the
/// learner ([`Attempt::read`]); one transaction that counts the request against the address's
/// windows, uses up the captcha and claims a try on the lock, so that at most five passwords are
/// ever checked before the lock ([`Attempt::claim`]); after the one Argon2 verification, one
/// transaction that clears the lock and stores the session and the audit entry (a failure: the
/// audit entry alone). A lost race re-reads the captcha and the lock and decides again.
pub async fn login(
    app: &App,
    cmd: LoginCommand,
    client_ip: &str,
) -> Result<LoginResponse, DomainError> {
    let at = app.now();
    let masked = mask_account(&cmd.account);
    let mut attempt = Attempt::read(app, &cmd.account, &cmd.captcha.id).await?;
    let learner_key = attempt.found.as_ref().map(|s| s.learner.id_key.clone());
    let note = |result| audit::attempt(app, learner_key.as_deref(), at, client_ip, &masked, result);

    let answer = cmd.captcha.answer.expose_secret();
    attempt
        .claim(app, answer, client_ip, || note(LoginResult::Locked))
        .await?;
    let verified = verify(attempt.found.as_ref(), &attempt.parsed, cmd.password).await;
    let Some(stored) = attempt.found.take().filter(|_| verified) else {
        let failure = note(LoginResult::Failure);
        app.store.put(failure, Condition::NotExists).await?;
        return Err(DomainError::CredentialsInvalid);
    };
    if stored.learner.initial_password_expired(app) {
        // The right initial password, too late: said only now, so the answer tells nothing to
        // whoever does not know it; the try stays counted.
        let expired = note(LoginResult::Failure);
        app.store.put(expired, Condition::NotExists).await?;
        return Err(DomainError::ActivationExpired);
    }

    let (new, session_op) = session::start(app, &stored.learner);
    let done = app
        .store
        .transact(vec![
            WriteOp::Delete {
                pk: attempt.lock_pk.clone(),
                sk: LOCK_SK.into(),
                condition: Condition::None,
            },
            session_op,
            WriteOp::Put {
                item: note(LoginResult::Success),
                condition: Condition::NotExists,
            },
        ])
        .await;
    if let Err(e) = done {
        // The right password, and storage failed: the try claimed is not the learner's fault.
        attempt.give_back(app).await;
        return Err(e.into());
    }
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
