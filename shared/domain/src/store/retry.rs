//! The one way to write a read-decide-write: [`optimistic`] runs tries of "read, decide, write
//! conditioned on what was read" until one is written or the race is given up; a lost race pauses
//! briefly (a short, growing pause), then the next try re-reads and decides again.
//! [`read_modify_write`] is the common case of one item. No use case writes that loop by hand.

use super::{Condition, Item, Store, StoreError, WriteOp};
use serde::Serialize;
use std::time::Duration;

/// Tries before a contended write gives up (and answers "unavailable, try again").
pub const MAX_TRIES: u32 = 32;
/// The pause after the n-th lost race is `n × STEP`, at most [`MAX_PAUSE`]: about 0.8 s of
/// pauses in all before giving up, far inside every route's time budget.
pub const STEP: Duration = Duration::from_millis(3);
pub const MAX_PAUSE: Duration = Duration::from_millis(30);

/// What one try of an optimistic write came to.
#[derive(Debug)]
pub enum Step<T> {
    /// Written (or nothing to write): the answer.
    Done(T),
    /// A conditional write lost a race: pause, then try again on fresh reads.
    Lost,
    /// Try again at once, no race lost (the try moved to another item, e.g. a full counter shard).
    Again,
}

impl<T> Step<T> {
    /// A conditional write's result: `Done(value)` when written, `Lost` when a condition failed or
    /// a transaction conflicted; any other error passes on.
    pub fn of(written: Result<(), StoreError>, value: T) -> Result<Step<T>, StoreError> {
        match written {
            Ok(()) => Ok(Step::Done(value)),
            Err(e) if e.is_contention() => Ok(Step::Lost),
            Err(e) => Err(e),
        }
    }
}

/// Runs tries of a read-decide-write until one is [`Step::Done`]:
/// `optimistic!("what", |stale| { … Ok(Step::…) })` evaluates to `Result<T, DomainError>`.
/// The body is one try (an async block: `?` ends the try with that error); `stale` tells it
/// whether the try before lost a race (what was read before is out of date: read again); the
/// first try may use what the caller already read. After [`MAX_TRIES`] lost races: unavailable
/// (the caller answers "try again"). A macro rather than a function taking an async closure, so
/// that the try borrows the caller's state mutably and the handler's future stays `Send`.
macro_rules! optimistic {
    ($what:expr, |$stale:pat_param| $body:expr) => {{
        let mut runner = $crate::store::retry::Runner::new($what);
        loop {
            let $stale = runner.stale();
            let step: ::core::result::Result<
                $crate::store::retry::Step<_>,
                $crate::error::DomainError,
            > = async { $body }.await;
            match step.map(|step| runner.settle(step)) {
                ::core::result::Result::Err(e) => break ::core::result::Result::Err(e),
                ::core::result::Result::Ok(settled) => match settled.await {
                    ::core::result::Result::Ok(::core::option::Option::Some(done)) => {
                        break ::core::result::Result::Ok(done)
                    }
                    ::core::result::Result::Ok(::core::option::Option::None) => {}
                    ::core::result::Result::Err(e) => {
                        break ::core::result::Result::Err($crate::error::DomainError::from(e))
                    }
                },
            }
        }
    }};
}
pub(crate) use optimistic;

/// The state of one [`optimistic!`] run: races lost so far, and whether the last try lost one.
#[derive(Debug)]
pub struct Runner {
    what: &'static str,
    lost: u32,
    stale: bool,
}

impl Runner {
    pub fn new(what: &'static str) -> Self {
        Runner {
            what,
            lost: 0,
            stale: false,
        }
    }

    /// Whether the try before lost a race (read again).
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// What a try came to: `Some(answer)` when done; `None` to try again, after a pause when a
    /// race was lost; an error once [`MAX_TRIES`] races were lost.
    pub async fn settle<T>(&mut self, step: Step<T>) -> Result<Option<T>, StoreError> {
        match step {
            Step::Done(result) => return Ok(Some(result)),
            Step::Again => self.stale = false,
            Step::Lost => {
                self.lost += 1;
                pause(self.what, self.lost).await?;
                self.stale = true;
            }
        }
        Ok(None)
    }
}

/// The pause after the `lost`-th lost race, or the error that gives up.
async fn pause(what: &'static str, lost: u32) -> Result<(), StoreError> {
    if lost >= MAX_TRIES {
        return Err(StoreError::unavailable(
            what,
            crate::error::Cause("too much contention".into()),
        ));
    }
    tokio::time::sleep((STEP * lost.min(10)).min(MAX_PAUSE)).await;
    Ok(())
}

impl Item {
    /// This item written over `current` as it was read ("create if absent, else replace"): the
    /// next version, conditional on the version read, or version 1, conditional on absence.
    pub fn over(self, current: Option<&Item>) -> (Item, Condition) {
        let (version, condition) = match current {
            Some(old) => (old.version + 1, Condition::Version(old.version)),
            None => (1, Condition::NotExists),
        };
        (Item { version, ..self }, condition)
    }
}

impl WriteOp {
    /// The transaction op of [`Item::over`].
    pub fn put_over(current: Option<&Item>, item: Item) -> WriteOp {
        let (item, condition) = item.over(current);
        WriteOp::Put { item, condition }
    }
}

/// What a read-modify-write decided after seeing the current item.
pub enum Decision<R> {
    /// Write this data (same keys; next version) and answer `R`.
    Write {
        data: serde_json::Value,
        expires_at: Option<i64>,
        result: R,
    },
    /// Write nothing and answer `R`.
    Keep(R),
}

impl<R> Decision<R> {
    /// Write `record` (expiring at `expires_at`) and answer `result`.
    pub fn write(record: &impl Serialize, expires_at: Option<i64>, result: R) -> Self {
        Decision::Write {
            data: serde_json::to_value(record).expect("records serialise to JSON"),
            expires_at,
            result,
        }
    }
}

/// Read-modify-write of one item: `decide` sees the current item (`None` if absent) and says what
/// to write; the write is conditional on the version read ([`Item::over`]).
pub async fn read_modify_write<R, E>(
    store: &dyn Store,
    pk: &str,
    sk: &str,
    mut decide: impl FnMut(Option<&Item>) -> Result<Decision<R>, E>,
) -> Result<R, E>
where
    E: From<StoreError>,
{
    // The runner's loop written out once more, here beside it, for callers whose errors are not
    // the domain's (the store's conformance suite runs it with `StoreError`).
    let mut runner = Runner::new("read-modify-write");
    loop {
        let current = store.get(pk, sk).await?;
        let step = match decide(current.as_ref())? {
            Decision::Keep(result) => Step::Done(result),
            Decision::Write {
                data,
                expires_at,
                result,
            } => {
                let item = Item {
                    pk: pk.into(),
                    sk: sk.into(),
                    version: 1,
                    expires_at,
                    data,
                };
                let (item, condition) = item.over(current.as_ref());
                Step::of(store.put(item, condition).await, result)?
            }
        };
        if let Some(done) = runner.settle(step).await? {
            return Ok(done);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DomainError;
    use crate::store::memory::MemoryStore;

    #[tokio::test(start_paused = true)]
    async fn gives_up_after_the_last_try() {
        let mut tries = 0;
        let e = optimistic!("test", |stale| {
            assert_eq!(stale, tries > 0, "every try after a lost race re-reads");
            tries += 1;
            Ok(Step::<()>::Lost)
        })
        .unwrap_err();
        assert!(matches!(e, DomainError::Unavailable(_)), "{e:?}");
        assert_eq!(tries, MAX_TRIES);
    }

    #[tokio::test(start_paused = true)]
    async fn again_costs_no_try_and_no_pause() {
        let started = tokio::time::Instant::now();
        let mut tries = 0u32;
        let mut stale_tries = 0;
        optimistic!("test", |stale| {
            tries += 1;
            stale_tries += u32::from(stale);
            Ok(match tries {
                1..=40 => Step::Again,
                41 => Step::Lost,
                _ => Step::Done(()),
            })
        })
        .unwrap();
        assert_eq!(stale_tries, 1, "only the try after the lost race re-reads");
        assert_eq!(
            started.elapsed(),
            STEP,
            "one pause, after the one lost race"
        );
    }

    #[tokio::test]
    async fn put_over_creates_then_replaces_and_loses_to_a_stale_read() {
        let store = MemoryStore::new();
        let first = Item::new("P", "S", &serde_json::json!({"n": 1}));
        store
            .transact(vec![WriteOp::put_over(None, first.clone())])
            .await
            .unwrap();
        let read = store.get("P", "S").await.unwrap();
        assert_eq!(read.as_ref().map(|i| i.version), Some(1));
        let second = Item::new("P", "S", &serde_json::json!({"n": 2}));
        store
            .transact(vec![WriteOp::put_over(read.as_ref(), second.clone())])
            .await
            .unwrap();
        assert_eq!(store.get("P", "S").await.unwrap().unwrap().version, 2);
        // The same read again: its version is gone, so the write loses.
        let stale = store
            .transact(vec![WriteOp::put_over(read.as_ref(), second)])
            .await;
        assert!(stale.unwrap_err().is_contention());
        let again = store.transact(vec![WriteOp::put_over(None, first)]).await;
        assert!(again.unwrap_err().is_contention());
    }
}
