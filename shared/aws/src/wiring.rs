//! The one wiring: [`build`] turns a [`Config`] into the [`App`] every use case runs against.
//! Every Lambda `main`, the dev server and the tests call it; nothing else assembles dependencies.

use crate::dynamo::DynamoStore;
use crate::sns::SnsSender;
use domain::app::config::{Config, SenderChoice, StoreChoice};
use domain::ports::sms::{Outbox, SmsSender};
use domain::store::memory::MemoryStore;
use domain::store::Store;
use domain::App;
use std::sync::Arc;

/// What [`build`] made, besides the app: the outbox when SMS go to one (dev server, tests), and
/// the DynamoDB store when records go to a table (to create it on an emulator).
pub struct Built {
    pub app: App,
    pub outbox: Option<Arc<Outbox>>,
    pub dynamo: Option<DynamoStore>,
}

/// The dependencies `config` names. The AWS SDK configuration is loaded only when a DynamoDB
/// table or SNS is named, once, and shared by both clients, with `config.budgets` (timeouts and
/// retries); the app's request deadline is `config.budgets.request`.
pub async fn build(config: &Config) -> Built {
    build_at(config, None).await
}

/// [`build`], with the AWS clients sent to `endpoint_url` (a fault-injection proxy in the tests)
/// instead of the environment's endpoint.
pub async fn build_at(config: &Config, endpoint_url: Option<&str>) -> Built {
    let needs_sdk =
        matches!(config.store, StoreChoice::DynamoDb { .. }) || config.sender == SenderChoice::Sns;
    let sdk = if needs_sdk {
        Some(crate::sdk::config_at(&config.budgets, endpoint_url).await)
    } else {
        None
    };
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
    Built {
        app: App::new(store, sms, config.sms.clone(), config.keys.clone())
            .with_request_deadline(config.budgets.request)
            .with_throttles(config.throttles.clone())
            .with_accounts(config.accounts),
        outbox,
        dynamo,
    }
}
