//! Sessions: opaque bearer tokens (256 random bits), stored only as their SHA-256, with idle and
//! absolute expiry checked in code.

use crate::app::App;
use crate::error::DomainError;
use crate::learner::{self, Learner, Stored};
use crate::schema::{session_pk as pk, SESSION_SK as SK};
use crate::store::{Condition, Item};
use base64::Engine;
use serde::{Deserialize, Serialize};

/// A session unused this long is over.
pub const IDLE_SECONDS: i64 = 30 * 60;
/// No session lives longer than this.
pub const ABSOLUTE_SECONDS: i64 = 8 * 3600;
/// Last-seen is written at most this often (one write per request would be wasteful).
pub const TOUCH_AFTER_SECONDS: i64 = 60;
const TOKEN_BYTES: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionRecord {
    pub learner: String,
    pub created_at: i64,
    pub last_seen: i64,
    pub cred_version: u64,
}

impl SessionRecord {
    pub fn is_valid_at(&self, now: i64) -> bool {
        now - self.last_seen < IDLE_SECONDS && now - self.created_at < ABSOLUTE_SECONDS
    }

    /// Seconds until the session ends if it is not used again.
    pub fn expires_in(&self, now: i64) -> i64 {
        (self.last_seen + IDLE_SECONDS).min(self.created_at + ABSOLUTE_SECONDS) - now
    }
}

pub struct NewSession {
    pub token: String,
    pub expires_in: i64,
}

pub async fn create(app: &App, learner: &Learner) -> Result<NewSession, DomainError> {
    let mut raw = [0u8; TOKEN_BYTES];
    app.rng().fill(&mut raw);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    create_with_token(app, learner, token).await
}

/// Starts a session under a token the caller chose. Only for fixtures (sample events carry a
/// fixed token); real sessions come from [`create`].
pub async fn create_with_token(
    app: &App,
    learner: &Learner,
    token: String,
) -> Result<NewSession, DomainError> {
    let now = app.now_unix();
    let record = SessionRecord {
        learner: learner.id_key.clone(),
        created_at: now,
        last_seen: now,
        cred_version: learner.cred_version,
    };
    let item = Item::new(pk(&token), SK, &record).expiring(now + ABSOLUTE_SECONDS);
    app.store.put(item, Condition::NotExists).await?;
    Ok(NewSession {
        token,
        expires_in: record.expires_in(now),
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

/// A request's authenticated learner.
#[derive(Clone, Debug)]
pub struct Authenticated {
    pub learner: Stored,
    pub session: SessionRecord,
    session_item: Item,
}

impl Authenticated {
    /// Re-issues this session for the learner's new credential version (after a password change,
    /// which ends every other session).
    pub fn session_after_password_change(&self, new_cred_version: u64) -> Item {
        let mut record = self.session.clone();
        record.cred_version = new_cred_version;
        self.session_item.next(&record)
    }

    pub fn session_condition(&self) -> Condition {
        Condition::Version(self.session_item.version)
    }

    /// Refuses learners the gate does not admit.
    pub fn admit(self, gate: Gate) -> Result<Authenticated, DomainError> {
        if gate == Gate::ActiveLearner && !self.learner.learner.is_active() {
            return Err(DomainError::ProfileIncomplete);
        }
        Ok(self)
    }

    /// The same session and learner read again (after losing a race with another write): still
    /// `UNAUTHENTICATED` if the session ended meanwhile.
    pub async fn reload(&self, app: &App) -> Result<Authenticated, DomainError> {
        let Some(item) = app
            .store
            .get(&self.session_item.pk, &self.session_item.sk)
            .await?
        else {
            return Err(DomainError::Unauthenticated);
        };
        check(app, item, app.now_unix()).await
    }
}

/// The learner behind `token`, if the session is live and the learner's credentials have not
/// changed since it began. Any failure is `UNAUTHENTICATED`.
pub async fn authenticate(app: &App, token: &str) -> Result<Authenticated, DomainError> {
    let Some(item) = app.store.get(&pk(token), SK).await? else {
        return Err(DomainError::Unauthenticated);
    };
    let now = app.now_unix();
    let mut authed = check(app, item, now).await?;
    if now - authed.session.last_seen >= TOUCH_AFTER_SECONDS {
        let mut touched = authed.session.clone();
        touched.last_seen = now;
        let next = authed.session_item.next(&touched);
        match app
            .store
            .put(
                next.clone(),
                Condition::Version(authed.session_item.version),
            )
            .await
        {
            Ok(()) => {
                authed.session = touched;
                authed.session_item = next;
            }
            // A concurrent request touched it (or logged out): the session was valid when read.
            Err(e) if e.is_contention() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(authed)
}

/// [`authenticate`], then the gate.
pub async fn require(app: &App, token: &str, gate: Gate) -> Result<Authenticated, DomainError> {
    authenticate(app, token).await?.admit(gate)
}

/// The session of `item` and its learner, if the session is live at `now` and the learner's
/// credentials have not changed since it began.
async fn check(app: &App, item: Item, now: i64) -> Result<Authenticated, DomainError> {
    let record: SessionRecord = item.parse()?;
    if !record.is_valid_at(now) {
        return Err(DomainError::Unauthenticated);
    }
    let Some(learner) = learner::load_by_key(app, &record.learner).await? else {
        return Err(DomainError::Unauthenticated);
    };
    if learner.learner.cred_version != record.cred_version {
        return Err(DomainError::Unauthenticated);
    }
    Ok(Authenticated {
        learner,
        session: record,
        session_item: item,
    })
}

/// Ends the session of `token` for good. Unknown tokens are `UNAUTHENTICATED`.
pub async fn revoke(app: &App, token: &str) -> Result<(), DomainError> {
    authenticate(app, token).await?;
    match app.store.delete(&pk(token), SK, Condition::Exists).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_contention() => Err(DomainError::Unauthenticated),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_and_absolute_limits() {
        let r = SessionRecord {
            learner: "x".into(),
            created_at: 0,
            last_seen: 0,
            cred_version: 1,
        };
        assert!(r.is_valid_at(IDLE_SECONDS - 1));
        assert!(!r.is_valid_at(IDLE_SECONDS));
        let busy = SessionRecord {
            last_seen: ABSOLUTE_SECONDS - 10,
            ..r.clone()
        };
        assert!(busy.is_valid_at(ABSOLUTE_SECONDS - 1));
        assert!(!busy.is_valid_at(ABSOLUTE_SECONDS));
        assert_eq!(r.expires_in(0), IDLE_SECONDS);
        assert_eq!(busy.expires_in(ABSOLUTE_SECONDS - 10), 10);
    }
}
