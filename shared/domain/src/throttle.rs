//! Per-client-address limits of the routes anyone may call (`GET /captcha`, `POST /login`,
//! `POST /password/reset/code`): counters per (address, route, fixed window), raised with
//! compare-and-swap writes ([`read_modify_write`]). Past the limit: `RATE_LIMITED` with the
//! seconds until the window ends. The limits are configuration ([`crate::config::Throttles`]).
//!
//! A window's count is split over [`SHARDS`] items, each with its share of the limit: a request
//! starts at a random shard and takes the first with room, so a class logging in at once from
//! one school address contends on four items instead of one, and the total never exceeds the
//! limit.

use crate::app::App;
use crate::config::Window;
use crate::error::DomainError;
use crate::schema;
use crate::store::{read_modify_write, Decision};
use serde::{Deserialize, Serialize};

/// A throttled route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Captcha,
    Login,
    ResetCode,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Captcha => "CAPTCHA",
            Action::Login => "LOGIN",
            Action::ResetCode => "RESETCODE",
        }
    }

    fn windows(self, app: &App) -> &[Window] {
        match self {
            Action::Captcha => &app.throttles.captcha,
            Action::Login => &app.throttles.login,
            Action::ResetCode => &app.throttles.reset_code,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Counter {
    count: u32,
}

/// Items a window's count is split over.
pub const SHARDS: u32 = 4;

/// Shard `i`'s share of `max` (the shares add up to `max`).
fn share(max: u32, i: u32) -> u32 {
    max / SHARDS + u32::from(i < max % SHARDS)
}

/// Counts one request of `action` from `client_ip` in each window, or refuses it.
pub async fn admit(app: &App, action: Action, client_ip: &str) -> Result<(), DomainError> {
    let ip_key = app.keys.keyed("ip", client_ip);
    let pk = schema::rate_pk(action.as_str(), &ip_key);
    let now = app.now_unix();
    for window in action.windows(app) {
        let start = now - now.rem_euclid(window.seconds);
        let end = start + window.seconds;
        let first = app.rng().below(SHARDS);
        let mut admitted = false;
        for k in 0..SHARDS {
            let shard = (first + k) % SHARDS;
            let cap = share(window.max, shard);
            if cap == 0 {
                continue;
            }
            let sk = schema::rate_sk(window.seconds, start, shard);
            admitted = read_modify_write(app.store.as_ref(), &pk, &sk, |item| {
                let count = match item {
                    Some(i) if i.is_live(now) => i.parse::<Counter>()?.count,
                    _ => 0,
                };
                if count >= cap {
                    return Ok::<_, DomainError>(Decision::Keep(false));
                }
                Ok(Decision::Write {
                    data: serde_json::to_value(Counter { count: count + 1 }).expect("serialisable"),
                    expires_at: Some(end),
                    result: true,
                })
            })
            .await?;
            if admitted {
                break;
            }
        }
        if !admitted {
            return Err(DomainError::RateLimited {
                retry_after: (end - now).max(1) as u64,
            });
        }
    }
    Ok(())
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
    use crate::clock::ManualClock;
    use crate::config::{SmsConfig, Throttles};
    use crate::crypto::Keys;
    use crate::sms::Outbox;
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
        .with_random(Arc::new(crate::random::SeededRandom::new(5)));
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
