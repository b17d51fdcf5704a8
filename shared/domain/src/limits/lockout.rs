//! Login throttling as a pure state machine (time passed in), stored once per learner (typed as
//! ID number or mobile number alike; an account nobody has is counted per identifier as typed)
//! and updated with compare-and-swap writes.
//!
//! Every attempt first *claims* a try: the claim counts as a failure until the password verifies,
//! and the claim that makes the fifth failure also sets the lock. So however many attempts arrive
//! at once, at most [`MAX_FAILURES`] passwords are checked before the account is locked. Locks
//! escalate: 15 minutes, then 1 hour, 4 hours and 24 hours ([`LOCK_PERIODS`]); a day with no
//! failure and no lock forgets everything, and a successful login clears it. So at most 20 wrong
//! passwords are checked in any 24 hours (5 before each of the first four locks), and after that
//! at most 5 a day.

use serde::{Deserialize, Serialize};

/// Consecutive failures that lock an account.
pub const MAX_FAILURES: u32 = 5;
/// How long the first, second, third and every later lock lasts.
pub const LOCK_PERIODS: [i64; 4] = [15 * 60, 3600, 4 * 3600, 24 * 3600];
/// How long the first lock lasts.
pub const LOCK_SECONDS: i64 = LOCK_PERIODS[0];
/// Failures and locks are forgotten this long after the last failure or the end of the last lock.
pub const FORGET_AFTER_SECONDS: i64 = 24 * 3600;
/// The most wrong passwords checked in any 24 hours.
pub const MAX_FAILURES_PER_DAY: u32 = MAX_FAILURES * LOCK_PERIODS.len() as u32;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockState {
    pub failures: u32,
    pub locked_until: Option<i64>,
    pub last_failure: Option<i64>,
    /// Locks so far in this run (it picks the next lock's period).
    #[serde(default)]
    pub locks: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The attempt may check the password; `next` is the state to store before it does.
    Allowed { next: LockState },
    /// Locked: refuse without checking the password.
    Locked { retry_after: u64 },
}

impl LockState {
    /// The state as it stands at `now`: after a day of quiet everything is forgotten; once a lock
    /// is over the failures start again from none, but the locks so far are remembered.
    pub fn current(&self, now: i64) -> LockState {
        let quiet_since = self.last_failure.max(self.locked_until);
        if quiet_since.is_none_or(|t| now - t >= FORGET_AFTER_SECONDS) {
            return LockState::default();
        }
        if self.locked_until.is_some_and(|t| t <= now) {
            return LockState {
                failures: 0,
                locked_until: None,
                ..self.clone()
            };
        }
        self.clone()
    }

    pub fn claim(&self, now: i64) -> Claim {
        if let Some(until) = self.locked_until.filter(|t| *t > now) {
            return Claim::Locked {
                retry_after: (until - now) as u64,
            };
        }
        let base = self.current(now);
        let failures = base.failures + 1;
        let locks_now = failures >= MAX_FAILURES;
        let period = LOCK_PERIODS[(base.locks as usize).min(LOCK_PERIODS.len() - 1)];
        Claim::Allowed {
            next: LockState {
                failures,
                locked_until: locks_now.then_some(now + period),
                last_failure: Some(now),
                locks: base.locks + u32::from(locks_now),
            },
        }
    }

    /// When the stored state can be forgotten (the item's expiry).
    pub fn expires_at(&self) -> i64 {
        self.last_failure.max(self.locked_until).unwrap_or(0) + FORGET_AFTER_SECONDS
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
            locks: 1,
        };
        let next = allowed(s.claim(1000));
        assert_eq!(
            next,
            LockState {
                failures: 1,
                locked_until: None,
                last_failure: Some(1000),
                locks: 1,
            }
        );
    }

    #[test]
    fn failures_are_forgotten_after_a_day() {
        let s = LockState {
            failures: 4,
            locked_until: None,
            last_failure: Some(0),
            locks: 0,
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
            locks: 1,
        };
        assert_eq!(s.expires_at(), 2000 + FORGET_AFTER_SECONDS);
    }

    /// Fails `MAX_FAILURES` times as soon as the account allows it, from `now`; returns the state
    /// and when the lock ends.
    fn fail_until_locked(mut s: LockState, mut now: i64) -> (LockState, i64) {
        loop {
            match s.claim(now) {
                Claim::Allowed { next } => {
                    s = next;
                    if let Some(until) = s.locked_until {
                        return (s, until);
                    }
                }
                Claim::Locked { retry_after } => now += retry_after as i64,
            }
        }
    }

    #[test]
    fn locks_escalate_and_a_quiet_day_forgets_them() {
        let (mut s, mut now) = (LockState::default(), 0);
        for period in LOCK_PERIODS {
            let start = now;
            (s, now) = fail_until_locked(s, now);
            assert_eq!(now - start, period, "lock {} lasts {period} s", s.locks);
        }
        // Every later lock lasts a day.
        let start = now;
        (s, now) = fail_until_locked(s, now);
        assert_eq!(now - start, LOCK_PERIODS[3]);
        // A day of quiet after the lock ends: a fresh start.
        assert_eq!(s.current(now + FORGET_AFTER_SECONDS), LockState::default());
    }

    #[test]
    fn at_most_twenty_wrong_passwords_in_any_day() {
        // An attacker who tries whenever allowed, for a week: count the failures in every
        // 24-hour window (they happen at lock boundaries, so windows starting at each failure
        // are the worst ones).
        let (mut s, mut now, mut failures) = (LockState::default(), 0i64, Vec::new());
        while now < 7 * 86_400 {
            match s.claim(now) {
                Claim::Allowed { next } => {
                    failures.push(now);
                    s = next;
                }
                Claim::Locked { retry_after } => now += retry_after as i64,
            }
        }
        let worst = failures
            .iter()
            .map(|t| {
                failures
                    .iter()
                    .filter(|u| **u >= *t && **u < t + 86_400)
                    .count()
            })
            .max()
            .unwrap();
        assert_eq!(worst as u32, MAX_FAILURES_PER_DAY);
    }
}
