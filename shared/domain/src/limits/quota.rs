//! Sliding-window send limits as pure functions of a small send log (time passed in).

use serde::{Deserialize, Serialize};

/// At most `max` sends in any `window` seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: usize,
    pub window: i64,
}

/// A cooldown between two sends (0: none) and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub cooldown: i64,
    pub limits: &'static [Limit],
}

impl Rule {
    /// The longest window: older sends can be forgotten.
    pub fn horizon(&self) -> i64 {
        self.limits
            .iter()
            .map(|l| l.window)
            .max()
            .unwrap_or(0)
            .max(self.cooldown)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    Cooldown { retry_after: u64 },
    Limit { retry_after: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    pub at: i64,
    /// Identifies one reservation, so a failed send can give its place back.
    pub id: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendLog {
    pub sends: Vec<Sent>,
}

impl SendLog {
    /// Whether one more send at `now` is allowed; if not, when it will be.
    pub fn check(&self, rule: &Rule, now: i64) -> Result<(), Denied> {
        if let Some(last) = self.sends.iter().map(|s| s.at).max() {
            if rule.cooldown > 0 && now < last + rule.cooldown {
                return Err(Denied::Cooldown {
                    retry_after: (last + rule.cooldown - now) as u64,
                });
            }
        }
        let mut retry: Option<i64> = None;
        for limit in rule.limits {
            let mut inside: Vec<i64> = self
                .sends
                .iter()
                .map(|s| s.at)
                .filter(|at| *at > now - limit.window)
                .collect();
            if inside.len() >= limit.max {
                inside.sort_unstable();
                // A place frees when the oldest send that keeps the count at max leaves the window.
                let frees_at = inside[inside.len() - limit.max] + limit.window;
                retry = Some(retry.map_or(frees_at, |r| r.max(frees_at)));
            }
        }
        match retry {
            Some(at) => Err(Denied::Limit {
                retry_after: (at - now).max(1) as u64,
            }),
            None => Ok(()),
        }
    }

    /// The log with `sent` added and everything older than the rule's horizon dropped.
    pub fn with(&self, rule: &Rule, sent: Sent) -> SendLog {
        let horizon = sent.at - rule.horizon();
        let mut sends: Vec<Sent> = self
            .sends
            .iter()
            .filter(|s| s.at > horizon)
            .cloned()
            .collect();
        sends.push(sent);
        SendLog { sends }
    }

    /// The log without the reservation `id`.
    pub fn without(&self, id: &str) -> SendLog {
        SendLog {
            sends: self.sends.iter().filter(|s| s.id != id).cloned().collect(),
        }
    }

    /// When the log can be forgotten.
    pub fn expires_at(&self, rule: &Rule) -> i64 {
        self.sends.iter().map(|s| s.at).max().unwrap_or(0) + rule.horizon()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-number SMS rule: one a minute, five an hour, ten a day.
    const RULE: Rule = crate::sms_code::PER_NUMBER;

    fn log(times: &[i64]) -> SendLog {
        SendLog {
            sends: times
                .iter()
                .map(|t| Sent {
                    at: *t,
                    id: t.to_string(),
                })
                .collect(),
        }
    }

    #[test]
    fn cooldown_between_sends() {
        assert_eq!(log(&[]).check(&RULE, 0), Ok(()));
        assert_eq!(
            log(&[100]).check(&RULE, 130),
            Err(Denied::Cooldown { retry_after: 30 })
        );
        assert_eq!(log(&[100]).check(&RULE, 160), Ok(()));
    }

    #[test]
    fn hourly_limit_frees_when_the_oldest_leaves() {
        let l = log(&[0, 60, 120, 180, 240]);
        assert_eq!(
            l.check(&RULE, 300),
            Err(Denied::Limit { retry_after: 3300 })
        );
        assert_eq!(l.check(&RULE, 3600), Ok(()));
    }

    #[test]
    fn daily_limit() {
        let times: Vec<i64> = (0..10).map(|i| i * 3600).collect();
        let l = log(&times);
        let now = 9 * 3600 + 100;
        assert_eq!(
            l.check(&RULE, now),
            Err(Denied::Limit {
                retry_after: (86400 - now) as u64
            })
        );
        assert_eq!(l.check(&RULE, 86400), Ok(()));
    }

    #[test]
    fn with_prunes_and_without_releases() {
        let l = log(&[0, 100_000]).with(
            &RULE,
            Sent {
                at: 100_100,
                id: "x".into(),
            },
        );
        assert_eq!(l.sends.len(), 2, "the send at 0 is past the horizon");
        assert_eq!(l.without("x"), log(&[100_000]));
        assert_eq!(l.expires_at(&RULE), 100_100 + 86400);
    }
}
