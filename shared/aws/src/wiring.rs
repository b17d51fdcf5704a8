//! The one wiring: [`build`] turns a [`Config`] into the [`App`] every use case runs against.
//! Every Lambda `main`, the dev server and the tests call it; nothing else assembles dependencies.

use crate::dynamo::DynamoStore;
use crate::s3::S3Files;
use crate::secret::PepperError;
use crate::sns::SnsSender;
use domain::app::config::{Config, FileChoice, KeySource, SenderChoice, StoreChoice};
use domain::ports::files::{FileStore, MemoryFiles, Unconfigured};
use domain::ports::sms::{Outbox, SmsSender};
use domain::security::crypto::Keys;
use domain::store::memory::MemoryStore;
use domain::store::Store;
use domain::App;
use std::sync::Arc;

/// What [`build`] made, besides the app: the outbox when SMS go to one (dev server, tests), the
/// DynamoDB store when records go to a table and the bucket when files go to S3 (to create them
/// on an emulator).
pub struct Built {
    pub app: App,
    pub outbox: Option<Arc<Outbox>>,
    /// The embedded file store, when files go to one (dev server, tests).
    pub files: Option<Arc<MemoryFiles>>,
    pub dynamo: Option<DynamoStore>,
    /// The bucket, when files go to S3 (to create it on an emulator: `ensure_bucket`).
    pub s3: Option<Arc<S3Files>>,
}

/// The dependencies `config` names. The AWS SDK configuration is loaded only when a DynamoDB
/// table, SNS, an S3 bucket or the pepper secret is named, once, and shared by every client, with
/// `config.budgets` (timeouts and retries); the app's request deadline is
/// `config.budgets.request`. The pepper secret is read here, once, within
/// `config.budgets.operation` (one SDK call's budget): past it, or when the secret cannot be
/// read, the error names the secret and the process should fail its init.
pub async fn build(config: &Config) -> Result<Built, PepperError> {
    build_at(config, None).await
}

/// [`build`], with the AWS clients sent to `endpoint_url` (a fault-injection proxy in the tests)
/// instead of the environment's endpoint.
pub async fn build_at(config: &Config, endpoint_url: Option<&str>) -> Result<Built, PepperError> {
    let needs_sdk = matches!(config.store, StoreChoice::DynamoDb { .. })
        || config.sender == SenderChoice::Sns
        || matches!(config.files, FileChoice::S3 { .. })
        || matches!(config.keys, KeySource::Secret(_));
    let sdk = if needs_sdk {
        Some(crate::sdk::config_at(&config.budgets, endpoint_url).await)
    } else {
        None
    };
    let keys = keys(config, sdk.as_ref()).await?;
    let (store, dynamo): (Arc<dyn Store>, _) = match (&config.store, &sdk) {
        (StoreChoice::DynamoDb { table }, Some(sdk)) => {
            let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table);
            (Arc::new(store.clone()), Some(store))
        }
        _ => (Arc::new(MemoryStore::new()), None),
    };
    let (sms, outbox): (Arc<dyn SmsSender>, _) = match (config.sender, &sdk) {
        (SenderChoice::Sns, Some(sdk)) => (
            Arc::new(SnsSender::new(sdk, config.sms.sender_id.clone())),
            None,
        ),
        (choice, _) => {
            let print = matches!(choice, SenderChoice::Outbox { print: true });
            let outbox = Arc::new(Outbox::new(print));
            (outbox.clone() as Arc<dyn SmsSender>, Some(outbox))
        }
    };
    let files = files(&config.files, sdk.as_ref());
    Ok(Built {
        app: App::new(store, sms, config.sms.clone(), keys)
            .with_files(files.store)
            .with_request_deadline(config.budgets.request)
            .with_throttles(config.throttles.clone())
            .with_accounts(config.accounts),
        outbox,
        files: files.memory,
        dynamo,
        s3: files.s3,
    })
}

/// The file store a [`Config`] names, with the concrete store behind it where the caller needs
/// it: the embedded one (the dev server serves its forms) or the bucket (to create it on an
/// emulator).
struct Files {
    store: Arc<dyn FileStore>,
    memory: Option<Arc<MemoryFiles>>,
    s3: Option<Arc<S3Files>>,
}

fn files(choice: &FileChoice, sdk: Option<&aws_config::SdkConfig>) -> Files {
    let only = |store: Arc<dyn FileStore>| Files {
        store,
        memory: None,
        s3: None,
    };
    match (choice, sdk) {
        (FileChoice::S3 { bucket }, Some(sdk)) => {
            let s3 = Arc::new(S3Files::new(sdk, bucket));
            Files {
                s3: Some(s3.clone()),
                ..only(s3)
            }
        }
        (FileChoice::S3 { .. }, None) => unreachable!("build_at configures the SDK for a bucket"),
        (FileChoice::Unconfigured, _) => only(Arc::new(Unconfigured)),
        (FileChoice::Memory, _) => {
            let memory = Arc::new(MemoryFiles::new(Arc::new(
                domain::ports::clock::SystemClock,
            )));
            Files {
                memory: Some(memory.clone()),
                ..only(memory)
            }
        }
    }
}

/// The keys `config` names: made already, or read from the pepper secret (logged with the
/// call's time, never the value).
async fn keys(config: &Config, sdk: Option<&aws_config::SdkConfig>) -> Result<Keys, PepperError> {
    let (secret, sdk) = match (&config.keys, sdk) {
        (KeySource::Ready(keys), _) => return Ok(keys.clone()),
        (KeySource::Secret(secret), Some(sdk)) => (secret, sdk),
        (KeySource::Secret(_), None) => unreachable!("build_at configures the SDK for a secret"),
    };
    let (keys, took) = crate::secret::read_keys(sdk, secret, config.budgets.operation).await?;
    tracing::info!(
        secret = %secret.arn,
        keys = %secret.purposes.names(),
        epoch = secret.epoch,
        fetch_ms = took.as_secs_f64() * 1000.0,
        function = %std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default(),
        "keys derived from the pepper secret"
    );
    Ok(keys)
}
