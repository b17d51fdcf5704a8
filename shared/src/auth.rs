//! Login, logout and the per-request authentication gate.

use crate::app::App;
use crate::audit::{self, LoginResult};
use crate::error::{AppError, Problem};
use crate::http::{bearer_token, RequestInfo};
use crate::id_number::{mask_account, IdNumber};
use crate::learner::{self, Stored};
use crate::lockout::{Claim, LockState};
use crate::mobile::Mobile;
use crate::password;
use crate::session::{self, Authenticated};
use crate::store::{read_modify_write, Condition, Decision};
use lambda_http::Request;
use serde::{Deserialize, Serialize};

/// A string field that clients may also send as a JSON number (`"17"` or `17`).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Str(String),
    Num(serde_json::Number),
}

impl Text {
    pub fn into_string(self) -> String {
        match self {
            Text::Str(s) => s,
            Text::Num(n) => n.to_string(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub account: Option<String>,
    pub password: Option<String>,
    pub captcha_id: Option<String>,
    pub captcha_answer: Option<Text>,
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

/// A required, non-empty string field of at most `max` characters.
pub fn required(field: &str, value: Option<String>, max: usize) -> Result<String, AppError> {
    let value = value.unwrap_or_default();
    if value.trim().is_empty() {
        return Err(AppError::validation(field, Problem::Missing));
    }
    if value.chars().count() > max {
        return Err(AppError::validation(field, Problem::TooLong));
    }
    Ok(value)
}

/// What a typed account names.
enum Account {
    Id(IdNumber),
    Mobile(Mobile),
    Neither,
}

impl Account {
    fn parse(app: &App, typed: &str) -> Account {
        if let Ok(id) = IdNumber::parse(typed, app.today()) {
            Account::Id(id)
        } else if let Ok(m) = Mobile::parse(typed) {
            Account::Mobile(m)
        } else {
            Account::Neither
        }
    }

    /// The identifier failures are counted against, whether or not an account has it.
    fn throttle_key(&self, app: &App, typed: &str) -> String {
        let normalised = match self {
            Account::Id(id) => format!("id:{}", id.expose()),
            Account::Mobile(m) => format!("mobile:{}", m.digits()),
            Account::Neither => format!("other:{}", typed.trim().to_uppercase()),
        };
        app.keys.keyed("lock", &normalised)
    }
}

const LOCK_SK: &str = "LOCK";

fn lock_pk(key: &str) -> String {
    format!("LOCK#{key}")
}

/// Claims one try for the identifier (see [`crate::lockout`]).
async fn claim_attempt(app: &App, key: &str) -> Result<Claim, AppError> {
    let now = app.now_unix();
    read_modify_write(app.store.as_ref(), &lock_pk(key), LOCK_SK, |item| {
        let state: LockState = match item {
            Some(item) => item.parse()?,
            None => LockState::default(),
        };
        Ok::<_, AppError>(match state.claim(now) {
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

/// Compares without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub async fn login(
    app: &App,
    req: LoginRequest,
    info: &RequestInfo,
) -> Result<LoginResponse, AppError> {
    let account = required("account", req.account, 64)?;
    let pw = required("password", req.password, 128)?;
    let captcha_id = required("captchaId", req.captcha_id, 64)?;
    let answer = required(
        "captchaAnswer",
        req.captcha_answer.map(Text::into_string),
        16,
    )?;

    // A wrong captcha is not a password failure: checked first, counted nowhere.
    crate::captcha::redeem(app, captcha_id.trim(), &answer).await?;

    let masked = mask_account(&account);
    let parsed = Account::parse(app, &account);
    let at = app.now();
    let found: Option<Stored> = match &parsed {
        Account::Id(id) => learner::load_by_id(app, id).await?,
        Account::Mobile(m) => learner::load_by_mobile(app, m).await?,
        Account::Neither => None,
    };
    let learner_key = found.as_ref().map(|s| s.learner.id_key.clone());
    let note = |result| {
        audit::record(
            app,
            learner_key.as_deref(),
            at,
            &info.client_ip,
            &masked,
            result,
        )
    };

    let lock_key = parsed.throttle_key(app, &account);
    if let Claim::Locked { retry_after } = claim_attempt(app, &lock_key).await? {
        note(LoginResult::Locked).await?;
        return Err(AppError::AccountLocked { retry_after });
    }

    // Exactly one Argon2 verification per attempt, whatever the account.
    let verified = match (&found, &parsed) {
        (Some(s), Account::Id(id)) if s.learner.password_hash.is_none() => {
            password::verify_async(pw.clone(), None).await;
            constant_time_eq(pw.as_bytes(), id.last_six().as_bytes())
        }
        (Some(s), _) => password::verify_async(pw, s.learner.password_hash.clone()).await,
        (None, _) => password::verify_async(pw, None).await,
    };

    let Some(stored) = found.filter(|_| verified) else {
        note(LoginResult::Failure).await?;
        return Err(AppError::CredentialsInvalid);
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

/// Which learners a route admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Any logged-in learner (profile completion, SMS codes, logout).
    AnyLearner,
    /// Only learners who completed their profile and changed the initial password.
    ActiveLearner,
}

/// Authenticates the request's bearer token and applies the gate.
pub async fn require(app: &App, req: &Request, gate: Gate) -> Result<Authenticated, AppError> {
    let token = bearer_token(req)?;
    let authed = session::authenticate(app, token).await?;
    if gate == Gate::ActiveLearner && !authed.learner.learner.is_active() {
        return Err(AppError::ProfileIncomplete);
    }
    Ok(authed)
}

pub async fn logout(app: &App, req: &Request) -> Result<(), AppError> {
    session::revoke(app, bearer_token(req)?).await
}
