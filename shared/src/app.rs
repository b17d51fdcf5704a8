//! The dependencies every function's domain code runs against, built once per cold start.

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Keys};
use crate::random::{OsRandom, Random};
use crate::store::memory::MemoryStore;
use crate::store::Store;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use std::sync::Arc;

#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn Random>,
    pub keys: Keys,
}

/// China Standard Time: the learners' calendar (birth dates, document validity).
pub fn china_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

impl App {
    pub fn new(store: Arc<dyn Store>, keys: Keys) -> App {
        App {
            store,
            clock: Arc::new(SystemClock),
            random: Arc::new(OsRandom),
            keys,
        }
    }

    /// The production wiring: the DynamoDB table named in the configuration, system clock, OS
    /// randomness. `sdk` comes from [`aws_sdk_config`].
    pub fn from_config(config: &Config, sdk: &aws_config::SdkConfig) -> App {
        let client = aws_sdk_dynamodb::Client::new(sdk);
        let store = crate::store::dynamo::DynamoStore::new(client, &config.table_name);
        App::new(Arc::new(store), config.keys.clone())
    }

    /// An in-memory app (dev server, tests).
    pub fn in_memory(keys: Keys) -> App {
        App::new(Arc::new(MemoryStore::new()), keys)
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

/// The AWS SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`),
/// loaded once per cold start and shared by every client a function builds.
pub async fn aws_sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}
