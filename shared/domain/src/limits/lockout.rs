//! Login throttling as a pure state machine (time passed in), stored per normalised account
//! identifier and updated with compare-and-swap writes.
//!
//! Every attempt first *claims* a try: the claim counts as a failure until the password verifies,
//! and the claim that makes the fifth failure also sets the lock. So however many attempts arrive
//! at once, at most [`MAX_FAILURES`] passwords are checked before the identifier is locked.

use serde::{Deserialize, Serialize};

/// Consecutive failures that lock an identifier.
pub const MAX_FAILURES: u32 = 5;
/// How long a lock lasts.
pub const LOCK_SECONDS: i64 = 15 * 60;
/// Failures older than this are forgotten (the count restarts).
pub const FORGET_AFTER_SECONDS: i64 = 24 * 3600;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockState {
    pub failures: u32,
    pub locked_until: Option<i64>,
    pub last_failure: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The attempt may check the password; `next` is the state to store before it does.
    Allowed { next: LockState },
    /// Locked: refuse without checking the password.
    Locked { retry_after: u64 },
}

impl LockState {
    /// The state as it stands at `now`: an expired lock or stale failures count as nothing.
    pub fn current(&self, now: i64) -> LockState {
        let lock_over = self.locked_until.is_some_and(|t| t <= now);
        let stale = self
            .last_failure
            .is_none_or(|t| now - t >= FORGET_AFTER_SECONDS);
        if lock_over || stale {
            LockState::default()
        } else {
            self.clone()
        }
    }

    pub fn claim(&self, now: i64) -> Claim {
        if let Some(until) = self.locked_until.filter(|t| *t > now) {
            return Claim::Locked {
                retry_after: (until - now) as u64,
            };
        }
        let base = self.current(now);
        let failures = base.failures + 1;
        Claim::Allowed {
            next: LockState {
                failures,
                locked_until: (failures >= MAX_FAILURES).then_some(now + LOCK_SECONDS),
                last_failure: Some(now),
            },
        }
    }

    /// When the stored state can be forgotten (the item's expiry).
    pub fn expires_at(&self) -> i64 {
        let forget = self.last_failure.unwrap_or(0) + FORGET_AFTER_SECONDS;
        self.locked_until.map_or(forget, |t| t.max(forget))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(c: Claim) -> LockState {
        match c {
            Claim::Allowed { next } => next,
            Claim::Locked { .. } => panic!("unexpectedly locked"),
        }
    }

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let mut s = LockState::default();
        for i in 1..=4 {
            s = allowed(s.claim(100));
            assert_eq!(s.failures, i);
            assert_eq!(s.locked_until, None);
        }
        s = allowed(s.claim(100));
        assert_eq!(s.locked_until, Some(100 + LOCK_SECONDS));
        assert_eq!(
            s.claim(101),
            Claim::Locked {
                retry_after: (LOCK_SECONDS - 1) as u64
            }
        );
        assert_eq!(
            s.claim(100 + LOCK_SECONDS - 1),
            Claim::Locked { retry_after: 1 }
        );
    }

    #[test]
    fn an_expired_lock_starts_a_fresh_count() {
        let s = LockState {
            failures: 5,
            locked_until: Some(1000),
            last_failure: Some(100),
        };
        let next = allowed(s.claim(1000));
        assert_eq!(
            next,
            LockState {
                failures: 1,
                locked_until: None,
                last_failure: Some(1000)
            }
        );
    }

    #[test]
    fn failures_are_forgotten_after_a_day() {
        let s = LockState {
            failures: 4,
            locked_until: None,
            last_failure: Some(0),
        };
        assert_eq!(allowed(s.claim(FORGET_AFTER_SECONDS - 1)).failures, 5);
        assert_eq!(allowed(s.claim(FORGET_AFTER_SECONDS)).failures, 1);
    }

    #[test]
    fn expiry_covers_lock_and_memory() {
        let s = LockState {
            failures: 5,
            locked_until: Some(2000),
            last_failure: Some(100),
        };
        assert_eq!(s.expires_at(), 100 + FORGET_AFTER_SECONDS);
    }
}
