//! Sessions: opaque bearer tokens (256 random bits), stored only as their SHA-256, with idle and
//! absolute expiry checked in code.

use crate::account::learner::{self, Learner, Stored};
use crate::app::App;
use crate::error::DomainError;
use crate::store::schema::{session_pk as pk, SESSION_SK as SK};
use crate::store::{Condition, Item, WriteOp};
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

/// A new session of `learner`, and the write that stores it (for the transaction that logs in).
///
/// The token is `<learner key>.<256 random bits, base64url>`: the learner part lets a request
/// read its session and its learner in one round trip ([`authenticate`]); it is the keyed hash
/// of the ID number that keys the learner's partition, never the number. Only the token's
/// SHA-256 is stored, and a token whose learner part does not match its session is refused.
pub fn start(app: &App, learner: &Learner) -> (NewSession, WriteOp) {
    let mut raw = [0u8; TOKEN_BYTES];
    app.rng().fill(&mut raw);
    let token = format!(
        "{}.{}",
        learner.id_key,
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    );
    start_with_token(app, learner, token)
}

fn start_with_token(app: &App, learner: &Learner, token: String) -> (NewSession, WriteOp) {
    let now = app.now_unix();
    let record = SessionRecord {
        learner: learner.id_key.clone(),
        created_at: now,
        last_seen: now,
        cred_version: learner.cred_version,
    };
    let item = Item::new(pk(&token), SK, &record).expiring(now + ABSOLUTE_SECONDS);
    let new = NewSession {
        token,
        expires_in: record.expires_in(now),
    };
    (
        new,
        WriteOp::Put {
            item,
            condition: Condition::NotExists,
        },
    )
}

/// Starts a session under a token the caller chose. Only for fixtures (sample events carry a
/// fixed token); real sessions come from [`start`].
pub async fn create_with_token(
    app: &App,
    learner: &Learner,
    token: String,
) -> Result<NewSession, DomainError> {
    let (new, op) = start_with_token(app, learner, token);
    app.store.transact(vec![op]).await?;
    Ok(new)
}

/// The learner key a token names, if it has the shape [`start`] gives it.
fn learner_part(token: &str) -> Option<&str> {
    let (learner, _) = token.split_once('.')?;
    (learner.len() == 64
        && learner
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
    .then_some(learner)
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
        let pk = self.session_item.pk.clone();
        let none = |_: &str| Vec::new();
        Ok(
            fetch(app, &pk, Some(&self.session.learner), &none, app.now_unix())
                .await?
                .0,
        )
    }
}

/// The learner behind `token`, if the session is live and the learner's credentials have not
/// changed since it began: one read of the session and the learner together (plus, at most once
/// a minute, the write of the session's last use). Any failure is `UNAUTHENTICATED`.
pub async fn authenticate(app: &App, token: &str) -> Result<Authenticated, DomainError> {
    Ok(authenticate_with(app, token, &|_| Vec::new()).await?.0)
}

/// [`authenticate`], reading besides, in the same round trip, the items `extra` names (given the
/// learner's key, which the token carries): a route about one item of the learner's, or of a
/// rule, needs no read of its own. The items come in the order of the keys.
pub async fn authenticate_with(
    app: &App,
    token: &str,
    extra: &(dyn Fn(&str) -> Vec<(String, String)> + Sync),
) -> Result<(Authenticated, Vec<Option<Item>>), DomainError> {
    let now = app.now_unix();
    let (mut authed, found) = fetch(app, &pk(token), learner_part(token), extra, now).await?;
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
    Ok((authed, found))
}

/// Reads the session `session_pk` and its learner: together when the learner is known
/// (`learner_hint`, from the token), else one after the other (tokens from before the learner
/// part). Checks that the session is live at `now`, is the hinted learner's, and began under
/// the learner's current credentials.
async fn fetch(
    app: &App,
    session_pk: &str,
    learner_hint: Option<&str>,
    extra: &(dyn Fn(&str) -> Vec<(String, String)> + Sync),
    now: i64,
) -> Result<(Authenticated, Vec<Option<Item>>), DomainError> {
    let mut found = Vec::new();
    let (session_item, learner_item) = match learner_hint {
        Some(key) => {
            let learner_pk = learner::pk(key);
            let extra_keys = extra(key);
            let mut keys = vec![(session_pk, SK), (&learner_pk, learner::PROFILE_SK)];
            keys.extend(extra_keys.iter().map(|(p, s)| (p.as_str(), s.as_str())));
            let mut got = app.store.get_many(&keys).await?.into_iter();
            let session_item = got.next().flatten();
            let learner_item = got.next().flatten();
            found.extend(got);
            (session_item, learner_item)
        }
        None => match app.store.get(session_pk, SK).await? {
            Some(item) => {
                let record: SessionRecord = item.parse()?;
                let learner = app
                    .store
                    .get(&learner::pk(&record.learner), learner::PROFILE_SK)
                    .await?;
                (Some(item), learner)
            }
            None => (None, None),
        },
    };
    let Some(item) = session_item else {
        return Err(DomainError::Unauthenticated);
    };
    let record: SessionRecord = item.parse()?;
    if !record.is_valid_at(now) || learner_hint.is_some_and(|k| k != record.learner) {
        return Err(DomainError::Unauthenticated);
    }
    let Some(learner) = learner_item.map(Stored::from_item).transpose()? else {
        return Err(DomainError::Unauthenticated);
    };
    if learner.learner.cred_version != record.cred_version {
        return Err(DomainError::Unauthenticated);
    }
    if learner_hint.is_none() {
        // A token from before the learner part: the extra items in a read of their own.
        found = read_extra(app, &extra(&record.learner)).await?;
    }
    let authed = Authenticated {
        learner,
        session: record,
        session_item: item,
    };
    Ok((authed, found))
}

async fn read_extra(
    app: &App,
    keys: &[(String, String)],
) -> Result<Vec<Option<Item>>, DomainError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<(&str, &str)> = keys.iter().map(|(p, s)| (p.as_str(), s.as_str())).collect();
    Ok(app.store.get_many(&keys).await?)
}

/// [`authenticate`], then the gate.
pub async fn require(app: &App, token: &str, gate: Gate) -> Result<Authenticated, DomainError> {
    authenticate(app, token).await?.admit(gate)
}

/// [`authenticate_with`], then the gate.
pub async fn require_with(
    app: &App,
    token: &str,
    gate: Gate,
    extra: &(dyn Fn(&str) -> Vec<(String, String)> + Sync),
) -> Result<(Authenticated, Vec<Option<Item>>), DomainError> {
    let (authed, found) = authenticate_with(app, token, extra).await?;
    Ok((authed.admit(gate)?, found))
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
