//! Per-client-address limits (`GET /captcha`, `POST /login`, `POST /password/reset/code`,
//! `POST /password/reset`, `POST /sms/code`): counters per (address, route, fixed window), each raised by one
//! bounded increment ([`WriteOp::Increment`]: no read first). Past the limit: `RATE_LIMITED`
//! with the seconds until the window ends. The limits are configuration
//! ([`crate::app::config::Throttles`]).
//!
//! A window's count is split over [`SHARDS`] items, each with its share of the limit: a request
//! starts at a random shard and moves on to the next when one is full, so a class logging in at
//! once from one school address contends on four items instead of one, and the total never
//! exceeds the limit. The increments are write ops, so a route puts them in the same transaction
//! as its own first write ([`Throttle::ops`]): the captcha is stored, and the login attempt
//! claimed, in the round trip that counts it.

use crate::app::config::Window;
use crate::app::App;
use crate::error::DomainError;
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Step, StoreError, WriteOp};

/// A throttled route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Captcha,
    Login,
    ResetCode,
    Reset,
    /// SMS codes asked by logged-in learners (`POST /sms/code`).
    SmsCode,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Captcha => "CAPTCHA",
            Action::Login => "LOGIN",
            Action::ResetCode => "RESETCODE",
            Action::Reset => "RESET",
            Action::SmsCode => "SMSCODE",
        }
    }

    fn windows(self, app: &App) -> &[Window] {
        match self {
            Action::Captcha => &app.throttles.captcha,
            Action::Login => &app.throttles.login,
            Action::ResetCode => &app.throttles.reset_code,
            Action::Reset => &app.throttles.reset,
            Action::SmsCode => &app.throttles.sms_code,
        }
    }
}

/// Items a window's count is split over.
pub const SHARDS: u32 = 4;

/// The counter attribute of a window's shard.
const COUNT: &str = "count";

/// Shard `i`'s share of `max` (the shares add up to `max`).
fn share(max: u32, i: u32) -> u32 {
    max / SHARDS + u32::from(i < max % SHARDS)
}

/// One window of one request: where it is being counted.
#[derive(Debug)]
struct Slot {
    seconds: i64,
    max: u32,
    start: i64,
    /// The shards with a share, starting at a random one; the request is counted in the first.
    shards: Vec<u32>,
}

/// The counting of one request of `action` from one address, in each of its windows.
#[derive(Debug)]
pub struct Throttle {
    pk: String,
    now: i64,
    slots: Vec<Slot>,
}

impl Throttle {
    pub fn new(app: &App, action: Action, client_ip: &str) -> Throttle {
        let now = app.now_unix();
        let slots = action
            .windows(app)
            .iter()
            .map(|w| {
                let first = app.rng().below(SHARDS);
                Slot {
                    seconds: w.seconds,
                    max: w.max,
                    start: now - now.rem_euclid(w.seconds),
                    shards: (0..SHARDS)
                        .map(|k| (first + k) % SHARDS)
                        .filter(|&i| share(w.max, i) > 0)
                        .collect(),
                }
            })
            .collect();
        Throttle {
            pk: schema::rate_pk(action.as_str(), &app.keys.address(client_ip)),
            now,
            slots,
        }
    }

    /// Counting nothing (for callers that are not a client request).
    pub fn none() -> Throttle {
        Throttle {
            pk: String::new(),
            now: 0,
            slots: Vec::new(),
        }
    }

    /// The increments that count this request, one per window: put them first in the
    /// transaction of the route's own write.
    pub fn ops(&self) -> Vec<WriteOp> {
        self.slots
            .iter()
            .map(|slot| {
                let shard = slot.shards[0];
                WriteOp::Increment {
                    pk: self.pk.clone(),
                    sk: schema::rate_sk(slot.seconds, slot.start, shard),
                    field: COUNT.into(),
                    max: share(slot.max, shard).into(),
                    expires_at: Some(slot.start + slot.seconds),
                }
            })
            .collect()
    }

    /// How many ops [`Throttle::ops`] gives.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// After a transaction failed: whether it failed on one of this throttle's increments (the
    /// first [`Throttle::len`] ops), in which case the window moves on to its next shard, or
    /// refuses the request (`RATE_LIMITED`) when every shard is full. `Ok(false)`: the failure
    /// was not the throttle's.
    pub fn on_failure(&mut self, error: &StoreError) -> Result<bool, DomainError> {
        let StoreError::ConditionFailed { index: Some(i) } = error else {
            return Ok(false);
        };
        let Some(slot) = self.slots.get_mut(*i) else {
            return Ok(false);
        };
        slot.shards.remove(0);
        if slot.shards.is_empty() {
            let end = slot.start + slot.seconds;
            return Err(DomainError::RateLimited {
                retry_after: (end - self.now).max(1) as u64,
            });
        }
        Ok(true)
    }
}

/// Counts one request of `action` from `client_ip` in each window (one round trip), or refuses
/// it. For routes whose own writes cannot join the count's transaction.
pub async fn admit(app: &App, action: Action, client_ip: &str) -> Result<(), DomainError> {
    let mut throttle = Throttle::new(app, action, client_ip);
    if throttle.is_empty() {
        return Ok(());
    }
    optimistic!("throttle", |_| {
        match app.store.transact(throttle.ops()).await {
            Ok(()) => Ok(Step::Done(())),
            Err(e) if throttle.on_failure(&e)? => Ok(Step::Again),
            Err(e) if e.is_contention() => Ok(Step::Lost),
            Err(e) => Err(e.into()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_limit() {
        for max in [1, 3, 4, 6, 150, 1001] {
            assert_eq!((0..SHARDS).map(|i| share(max, i)).sum::<u32>(), max);
        }
    }
    use crate::app::config::{SmsConfig, Throttles};
    use crate::ports::clock::ManualClock;
    use crate::ports::sms::Outbox;
    use crate::security::crypto::Keys;
    use crate::store::memory::MemoryStore;
    use std::sync::Arc;

    #[tokio::test]
    async fn a_window_fills_refuses_and_frees() {
        let clock = Arc::new(ManualClock::fixed());
        let throttles = Throttles {
            login: vec![Window {
                max: 6,
                seconds: 60,
            }],
            ..Throttles::default()
        };
        let app = App::new(
            Arc::new(MemoryStore::new()),
            Arc::new(Outbox::new(false)),
            SmsConfig::default(),
            Keys::new(vec![1u8; 32]).unwrap(),
        )
        .with_throttles(throttles)
        .with_clock(clock.clone())
        .with_random(Arc::new(crate::ports::random::SeededRandom::new(5)));
        let start = app.now_unix() - app.now_unix().rem_euclid(60);
        for _ in 0..6 {
            admit(&app, Action::Login, "192.0.2.1").await.unwrap();
        }
        let e = admit(&app, Action::Login, "192.0.2.1").await.unwrap_err();
        let expected = (start + 60 - app.now_unix()).max(1) as u64;
        assert!(
            matches!(e, DomainError::RateLimited { retry_after } if retry_after == expected),
            "{e:?}"
        );
        // Another address and another route have their own counters.
        admit(&app, Action::Login, "192.0.2.2").await.unwrap();
        admit(&app, Action::Captcha, "192.0.2.1").await.unwrap();
        clock.advance(chrono::Duration::seconds(60));
        admit(&app, Action::Login, "192.0.2.1").await.unwrap();
    }
}
