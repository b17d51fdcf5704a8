//! Test harness shared by the integration tests: stores (in-memory and DynamoDB on the moto
//! emulator), a controllable app, and API Gateway events fed straight to the handlers.

use shared::store::dynamo::DynamoStore;
use shared::store::memory::MemoryStore;
use shared::store::Store;
use std::sync::Arc;

/// Which backend a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Dynamo,
}

/// A fresh in-memory store.
pub fn memory_store() -> Arc<dyn Store> {
    Arc::new(MemoryStore::new())
}

/// A DynamoDB store on a fresh table of the emulator named by `AWS_ENDPOINT_URL` (the test script
/// starts moto and sets it). Without an endpoint the DynamoDB half of a test is skipped with a
/// note, except under `CI=true`, where that is a failure: the emulator run must never be silently
/// skipped.
pub async fn dynamo_store() -> Option<Arc<DynamoStore>> {
    if std::env::var("AWS_ENDPOINT_URL").map_or(true, |v| v.is_empty()) {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but AWS_ENDPOINT_URL is not set: run the suite through scripts/test.sh, which starts moto");
        }
        eprintln!("note: AWS_ENDPOINT_URL not set, skipping the DynamoDB half (scripts/test.sh runs it)");
        return None;
    }
    let table = format!("test-{}", uuid_like());
    let store = DynamoStore::from_env(&table).await;
    store.ensure_table().await.expect("create the test table on the emulator");
    Some(Arc::new(store))
}

/// A store of the given backend, or `None` when the DynamoDB half is skipped.
pub async fn store(backend: Backend) -> Option<Arc<dyn Store>> {
    match backend {
        Backend::Memory => Some(memory_store()),
        Backend::Dynamo => dynamo_store().await.map(|s| s as Arc<dyn Store>),
    }
}

fn uuid_like() -> String {
    let mut b = [0u8; 8];
    getrandom_fill(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn getrandom_fill(buf: &mut [u8]) {
    use shared::random::{OsRandom, Random};
    OsRandom.fill(buf)
}

/// Runs an async test body once per backend (the DynamoDB run only where the emulator is up).
#[macro_export]
macro_rules! both_backends {
    ($(#[$meta:meta])* $name:ident, |$store:ident| $body:block) => {
        mod $name {
            use super::*;
            #[allow(unused_imports)]
            use $crate::Backend;

            async fn run($store: std::sync::Arc<dyn shared::store::Store>) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn memory() {
                run($crate::store(Backend::Memory).await.unwrap()).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn dynamo() {
                if let Some(s) = $crate::store(Backend::Dynamo).await {
                    run(s).await;
                }
            }
        }
    };
}
