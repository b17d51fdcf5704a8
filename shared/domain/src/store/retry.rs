//! The one policy for optimistic concurrency: a write conditional on what was read loses a race,
//! the caller re-reads, decides again and writes again, after a short, growing pause. Every
//! compare-and-swap loop in the service uses [`Contention`]; none has a policy of its own.

use crate::store::StoreError;
use std::time::Duration;

/// Tries before a contended write gives up (and answers "unavailable, try again").
pub const MAX_TRIES: u32 = 32;
/// The pause after the n-th lost race is `n × STEP`, at most [`MAX_PAUSE`]: about 0.8 s of
/// pauses in all before giving up, far inside every route's time budget.
pub const STEP: Duration = Duration::from_millis(3);
pub const MAX_PAUSE: Duration = Duration::from_millis(30);

/// The retry state of one read-modify-write loop.
#[derive(Debug)]
pub struct Contention {
    what: &'static str,
    lost: u32,
}

impl Contention {
    pub fn new(what: &'static str) -> Self {
        Contention { what, lost: 0 }
    }

    /// Races lost so far.
    pub fn lost_races(&self) -> u32 {
        self.lost
    }

    /// Records a lost race and pauses before the next try; after [`MAX_TRIES`] an error
    /// ([`StoreError::Unavailable`]: the caller answers "try again").
    pub async fn lost(&mut self) -> Result<(), StoreError> {
        self.lost += 1;
        if self.lost >= MAX_TRIES {
            return Err(StoreError::unavailable(
                self.what,
                crate::error::Cause("too much contention".into()),
            ));
        }
        tokio::time::sleep((STEP * self.lost.min(10)).min(MAX_PAUSE)).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_last_try() {
        let mut c = Contention::new("test");
        for _ in 1..MAX_TRIES {
            c.lost().await.unwrap();
        }
        let e = c.lost().await.unwrap_err();
        assert!(e.is_unavailable());
        assert_eq!(c.lost_races(), MAX_TRIES);
    }
}
