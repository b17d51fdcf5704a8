//! The dependencies every use case runs against. Built in one place, `aws-infra`'s
//! `wiring::build`, for every Lambda, the dev server and the tests alike.

pub mod config;

use crate::app::config::{AccountPolicy, SmsConfig, Throttles};
use crate::ports::clock::{Clock, SystemClock};
use crate::ports::files::FileStore;
use crate::ports::random::{OsRandom, Random};
use crate::ports::sms::SmsSender;
use crate::security::crypto::Keys;
use crate::store::Store;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub sms: Arc<dyn SmsSender>,
    /// Evidence files (S3, or the embedded store): see [`crate::ports::files`].
    pub files: Arc<dyn FileStore>,
    pub sms_config: SmsConfig,
    /// Per-address limits (see [`crate::limits::throttle`]).
    pub throttles: Throttles,
    /// How imported accounts behave (the initial password's lifetime).
    pub accounts: AccountPolicy,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
    pub keys: Keys,
    /// How long one HTTP request may take, every dependency call included (the dispatch answers
    /// 503 past it); from [`crate::app::config::Budgets::request`].
    pub request_deadline: Duration,
}

/// China Standard Time: the learners' calendar (birth dates, document validity).
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

impl App {
    /// The bundle with the system clock, the OS random source and an embedded file store (the
    /// wiring sets the configured one with [`App::with_files`]).
    pub fn new(
        store: Arc<dyn Store>,
        sms: Arc<dyn SmsSender>,
        sms_config: SmsConfig,
        keys: Keys,
    ) -> App {
        App {
            store,
            sms,
            files: Arc::new(crate::ports::files::MemoryFiles::new(Arc::new(SystemClock))),
            sms_config,
            throttles: Throttles::default(),
            accounts: AccountPolicy::default(),
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            keys,
            request_deadline: crate::app::config::Budgets::HTTP.request,
        }
    }

    pub fn with_request_deadline(mut self, deadline: Duration) -> App {
        self.request_deadline = deadline;
        self
    }

    pub fn with_files(mut self, files: Arc<dyn FileStore>) -> App {
        self.files = files;
        self
    }

    pub fn with_throttles(mut self, throttles: Throttles) -> App {
        self.throttles = throttles;
        self
    }

    pub fn with_accounts(mut self, accounts: AccountPolicy) -> App {
        self.accounts = accounts;
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> App {
        self.clock = clock;
        self
    }

    pub fn with_random(mut self, random: Arc<dyn Random>) -> App {
        self.random = random;
        self
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn now_unix(&self) -> i64 {
        self.clock.now().timestamp()
    }

    /// Today's date in China.
    pub fn today(&self) -> NaiveDate {
        self.clock.now().with_timezone(&china_offset()).date_naive()
    }

    pub fn rng(&self) -> &dyn Random {
        self.random.as_ref()
    }
}
