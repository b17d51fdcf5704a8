//! Storage: one DynamoDB table, seen through a small item-level trait.
//!
//! Every record is an [`Item`]: string partition and sort keys (`PK`, `SK`), a version used for
//! optimistic concurrency, an optional expiry (the table's TTL attribute, `ttl`, in Unix seconds)
//! and a JSON object of attributes. Domain repositories are written once against [`Store`]; the
//! DynamoDB ([`dynamo::DynamoStore`]) and in-memory ([`memory::MemoryStore`]) implementations
//! provide the same semantics, conditions, transactions and AWS's request limits included, and
//! are held to it by one conformance suite (`tests/store_conformance.rs`, run on both).
//!
//! Expiry is advisory in both stores, as DynamoDB TTL deletes only eventually: domain code always
//! compares `expires_at` with the injected clock ([`Item::is_live`]).

pub mod memory;
pub mod retry;

pub use retry::{read_modify_write, Decision, Step};
pub mod schema;

use async_trait::async_trait;
use serde::{de::DeserializeOwned, Serialize};

/// DynamoDB's limit on the items in one `TransactWriteItems` call.
pub const MAX_TRANSACTION_ITEMS: usize = 100;
/// DynamoDB's limit on the items in one `BatchWriteItem` call.
pub const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// DynamoDB's limit on the keys in one `BatchGetItem` call.
pub const MAX_BATCH_GET_ITEMS: usize = 100;

/// Attribute names the table reserves; item data must not use them.
pub const RESERVED_ATTRIBUTES: [&str; 4] = ["PK", "SK", "ver", "ttl"];

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    /// 1 when first written; callers replacing an item conditionally write `old.version + 1`.
    pub version: u64,
    /// Unix seconds after which the item is dead (DynamoDB TTL attribute `ttl`).
    pub expires_at: Option<i64>,
    /// The item's own attributes: a JSON object whose values are strings, integers, booleans,
    /// null, arrays or objects (no floating point).
    pub data: serde_json::Value,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>, data: &impl Serialize) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            version: 1,
            expires_at: None,
            data: serde_json::to_value(data).expect("records serialise to JSON"),
        }
    }

    pub fn expiring(mut self, at_unix_seconds: i64) -> Self {
        self.expires_at = Some(at_unix_seconds);
        self
    }

    /// The replacement of `self` with new data: same keys, next version, same expiry.
    pub fn next(&self, data: &impl Serialize) -> Self {
        Self {
            pk: self.pk.clone(),
            sk: self.sk.clone(),
            version: self.version + 1,
            expires_at: self.expires_at,
            data: serde_json::to_value(data).expect("records serialise to JSON"),
        }
    }

    /// Whether the item is still alive at `now_unix` (items without expiry always are).
    pub fn is_live(&self, now_unix: i64) -> bool {
        self.expires_at.is_none_or(|t| t > now_unix)
    }

    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, StoreError> {
        serde_json::from_value(self.data.clone()).map_err(|e| {
            StoreError::Corrupt(format!("item {}/{} does not parse: {e}", self.pk, self.sk))
        })
    }
}

/// A condition on the item a write targets, checked atomically with the write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Write unconditionally.
    None,
    /// The item must not exist (expired but not yet deleted items exist).
    NotExists,
    /// The item must exist.
    Exists,
    /// The item must exist with exactly this version.
    Version(u64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum WriteOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// Only checks `condition`; writes nothing.
    Check {
        pk: String,
        sk: String,
        condition: Condition,
    },
    /// A bounded counter: adds one to the integer attribute `field` (0 when absent) and to the
    /// version (an absent item is created at version 1 with only `field`), and sets the expiry
    /// when given, if the item is absent or `field` is below `max`; otherwise the condition fails.
    /// One conditional update, no read: per-address request windows are counted this way.
    Increment {
        pk: String,
        sk: String,
        field: String,
        max: u64,
        expires_at: Option<i64>,
    },
}

impl WriteOp {
    pub fn keys(&self) -> (&str, &str) {
        match self {
            WriteOp::Put { item, .. } => (&item.pk, &item.sk),
            WriteOp::Delete { pk, sk, .. }
            | WriteOp::Check { pk, sk, .. }
            | WriteOp::Increment { pk, sk, .. } => (pk, sk),
        }
    }
}

/// How to read a partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueryOpts {
    /// At most this many items (`None`: all of them).
    pub limit: Option<usize>,
    /// Descending sort-key order when true.
    pub newest_first: bool,
}

impl QueryOpts {
    pub const ALL: QueryOpts = QueryOpts {
        limit: None,
        newest_first: false,
    };

    pub fn newest(limit: usize) -> Self {
        QueryOpts {
            limit: Some(limit),
            newest_first: true,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write's condition did not hold; for a transaction, `index` names the first failing op.
    #[error("condition failed (op {index:?})")]
    ConditionFailed { index: Option<usize> },
    /// Another transaction touched the same items at the same time; retrying may succeed.
    #[error("transaction conflict")]
    Conflict,
    /// Throttling, a timeout, or the table could not be reached; `source` says which.
    #[error("storage unavailable ({operation})")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: crate::error::BoxError,
    },
    /// A request AWS would reject (too many items, duplicate keys in one transaction, …).
    #[error("invalid storage request: {0}")]
    Invalid(String),
    /// An item that does not have the expected shape.
    #[error("corrupt item: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Other(String),
}

impl StoreError {
    pub fn unavailable(
        operation: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError::Unavailable {
            operation,
            source: Box::new(source),
        }
    }

    /// Whether trying again later may work (the caller answers 503).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. })
    }

    /// Whether an optimistic read-modify-write should re-read and try again.
    pub fn is_contention(&self) -> bool {
        matches!(
            self,
            StoreError::ConditionFailed { .. } | StoreError::Conflict
        )
    }
}

#[async_trait]
pub trait Store: Send + Sync {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError>;

    /// Writes `item` whole if `condition` holds.
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;

    /// Deletes the item if `condition` holds; returns what was deleted (so exactly one of several
    /// concurrent deleters of an item receives it).
    async fn delete(
        &self,
        pk: &str,
        sk: &str,
        condition: Condition,
    ) -> Result<Option<Item>, StoreError>;

    /// Items of partition `pk` whose sort key starts with `sk_prefix`, in sort-key order.
    async fn query(
        &self,
        pk: &str,
        sk_prefix: &str,
        opts: QueryOpts,
    ) -> Result<Vec<Item>, StoreError>;

    /// One page of partition `pk`: at most `limit` items whose sort key starts with `sk_prefix`,
    /// after the sort key `after` (exclusive; it must start with `sk_prefix`), in sort-key order;
    /// and whether the partition may hold more past them. Always one request (lists paged with
    /// a cursor: a page costs one round trip however large the partition).
    async fn query_after(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Item>, bool), StoreError>;

    /// Several items in one round trip, each as [`Store::get`] reads it (strongly consistent),
    /// in the order of `keys`: at most [`MAX_BATCH_GET_ITEMS`] keys, each at most once.
    async fn get_many(&self, keys: &[(&str, &str)]) -> Result<Vec<Option<Item>>, StoreError>;

    /// All ops or none; at most [`MAX_TRANSACTION_ITEMS`], each item at most once.
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;

    /// Unconditional puts of any number of items, sent [`MAX_BATCH_WRITE_ITEMS`] at a time with
    /// unprocessed items retried. Not atomic as a whole.
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError>;
}

/// Checks what AWS checks before running a transaction.
pub fn validate_transaction(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.is_empty() {
        return Err(StoreError::Invalid("empty transaction".into()));
    }
    if ops.len() > MAX_TRANSACTION_ITEMS {
        return Err(StoreError::Invalid(format!(
            "{} items in one transaction (limit {MAX_TRANSACTION_ITEMS})",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        if let WriteOp::Check {
            condition: Condition::None,
            ..
        } = op
        {
            return Err(StoreError::Invalid("a check needs a condition".into()));
        }
        if !seen.insert(op.keys()) {
            let (pk, sk) = op.keys();
            return Err(StoreError::Invalid(format!(
                "item {pk}/{sk} twice in one transaction"
            )));
        }
        match op {
            WriteOp::Put { item, .. } => validate_item(item)?,
            WriteOp::Increment { field, .. } => validate_attribute_name(field)?,
            _ => {}
        }
        let (pk, sk) = op.keys();
        validate_key(pk, sk)?;
    }
    Ok(())
}

/// Checks what AWS checks before a batch read.
pub fn validate_keys(keys: &[(&str, &str)]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Err(StoreError::Invalid("no keys to read".into()));
    }
    if keys.len() > MAX_BATCH_GET_ITEMS {
        return Err(StoreError::Invalid(format!(
            "{} keys in one batch read (limit {MAX_BATCH_GET_ITEMS})",
            keys.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for &(pk, sk) in keys {
        validate_key(pk, sk)?;
        if !seen.insert((pk, sk)) {
            return Err(StoreError::Invalid(format!(
                "item {pk}/{sk} twice in one batch read"
            )));
        }
    }
    Ok(())
}

fn validate_key(pk: &str, sk: &str) -> Result<(), StoreError> {
    if pk.is_empty() || sk.is_empty() {
        return Err(StoreError::Invalid("empty key".into()));
    }
    if pk.len() > MAX_PK_BYTES || sk.len() > MAX_SK_BYTES {
        return Err(StoreError::Invalid("key too long".into()));
    }
    Ok(())
}

fn validate_attribute_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() {
        return Err(StoreError::Invalid("empty attribute name".into()));
    }
    if RESERVED_ATTRIBUTES.contains(&name) {
        return Err(StoreError::Invalid(format!(
            "attribute name {name} is reserved"
        )));
    }
    Ok(())
}

/// DynamoDB's limits on keys and items.
pub const MAX_PK_BYTES: usize = 2048;
pub const MAX_SK_BYTES: usize = 1024;
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

pub fn validate_item(item: &Item) -> Result<(), StoreError> {
    validate_key(&item.pk, &item.sk)?;
    let Some(obj) = item.data.as_object() else {
        return Err(StoreError::Invalid(
            "item data must be a JSON object".into(),
        ));
    };
    if let Some(bad) = RESERVED_ATTRIBUTES.iter().find(|a| obj.contains_key(**a)) {
        return Err(StoreError::Invalid(format!(
            "attribute name {bad} is reserved"
        )));
    }
    if obj.keys().any(String::is_empty) {
        return Err(StoreError::Invalid("empty attribute name".into()));
    }
    // JSON text is a close upper bound of DynamoDB's item size for our attribute types.
    let size = item.pk.len() + item.sk.len() + item.data.to_string().len();
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::Invalid(format!(
            "item of about {size} bytes (limit {MAX_ITEM_BYTES})"
        )));
    }
    Ok(())
}

/// Items for a batch write as DynamoDB takes them: all valid, each key once (the last wins).
pub fn prepare_batch(items: Vec<Item>) -> Result<Vec<Item>, StoreError> {
    for item in &items {
        validate_item(item)?;
    }
    let mut last: std::collections::HashMap<(String, String), usize> = Default::default();
    for (i, item) in items.iter().enumerate() {
        last.insert((item.pk.clone(), item.sk.clone()), i);
    }
    Ok(items
        .into_iter()
        .enumerate()
        .filter(|(i, item)| last[&(item.pk.clone(), item.sk.clone())] == *i)
        .map(|(_, item)| item)
        .collect())
}
