//! The embedded store: the same semantics as the DynamoDB table, in one process's memory.

use super::{
    prepare_batch, validate_item, validate_keys, validate_transaction, Condition, Item, QueryOpts,
    Store, StoreError, WriteOp,
};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

type Table = BTreeMap<String, BTreeMap<String, Item>>;

#[derive(Debug, Default)]
pub struct MemoryStore {
    table: Mutex<Table>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of items held (tests and the dev server's status line).
    pub fn len(&self) -> usize {
        self.lock().values().map(BTreeMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn holds(table: &Table, pk: &str, sk: &str, condition: Condition) -> bool {
    let current = table.get(pk).and_then(|p| p.get(sk));
    match condition {
        Condition::None => true,
        Condition::NotExists => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::Version(v) => current.is_some_and(|i| i.version == v),
    }
}

/// The counter of an [`WriteOp::Increment`]: the attribute's integer value, 0 when absent.
fn counter(item: &Item, field: &str) -> u64 {
    item.data.get(field).and_then(|v| v.as_u64()).unwrap_or(0)
}

fn increment(table: &mut Table, pk: String, sk: String, field: &str, expires_at: Option<i64>) {
    let item = table
        .entry(pk.clone())
        .or_default()
        .entry(sk.clone())
        .or_insert_with(|| Item {
            pk,
            sk,
            version: 0,
            expires_at: None,
            data: serde_json::json!({}),
        });
    item.version += 1;
    let next = counter(item, field) + 1;
    item.data[field] = next.into();
    if expires_at.is_some() {
        item.expires_at = expires_at;
    }
}

fn remove(table: &mut Table, pk: &str, sk: &str) -> Option<Item> {
    let part = table.get_mut(pk)?;
    let old = part.remove(sk);
    if part.is_empty() {
        table.remove(pk);
    }
    old
}

fn insert(table: &mut Table, item: Item) {
    table
        .entry(item.pk.clone())
        .or_default()
        .insert(item.sk.clone(), item);
}

#[async_trait]
impl Store for MemoryStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        Ok(self.lock().get(pk).and_then(|p| p.get(sk)).cloned())
    }

    async fn get_many(&self, keys: &[(&str, &str)]) -> Result<Vec<Option<Item>>, StoreError> {
        validate_keys(keys)?;
        let table = self.lock();
        Ok(keys
            .iter()
            .map(|(pk, sk)| table.get(*pk).and_then(|p| p.get(*sk)).cloned())
            .collect())
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        validate_item(&item)?;
        let mut table = self.lock();
        if !holds(&table, &item.pk, &item.sk, condition) {
            return Err(StoreError::ConditionFailed { index: None });
        }
        insert(&mut table, item);
        Ok(())
    }

    async fn delete(
        &self,
        pk: &str,
        sk: &str,
        condition: Condition,
    ) -> Result<Option<Item>, StoreError> {
        let mut table = self.lock();
        if !holds(&table, pk, sk, condition) {
            return Err(StoreError::ConditionFailed { index: None });
        }
        Ok(remove(&mut table, pk, sk))
    }

    async fn query(
        &self,
        pk: &str,
        sk_prefix: &str,
        opts: QueryOpts,
    ) -> Result<Vec<Item>, StoreError> {
        if opts.limit == Some(0) {
            return Ok(Vec::new());
        }
        let table = self.lock();
        let Some(part) = table.get(pk) else {
            return Ok(Vec::new());
        };
        let matching = part
            .range(sk_prefix.to_string()..)
            .take_while(|(sk, _)| sk.starts_with(sk_prefix))
            .map(|(_, item)| item.clone());
        let limit = opts.limit.unwrap_or(usize::MAX);
        Ok(if opts.newest_first {
            let mut all: Vec<Item> = matching.collect();
            all.reverse();
            all.truncate(limit);
            all
        } else {
            matching.take(limit).collect()
        })
    }

    async fn query_after(
        &self,
        pk: &str,
        sk_prefix: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Item>, bool), StoreError> {
        if after.is_some_and(|a| !a.starts_with(sk_prefix)) {
            return Err(StoreError::Invalid(
                "the start key is outside the query's range".into(),
            ));
        }
        let table = self.lock();
        let Some(part) = table.get(pk) else {
            return Ok((Vec::new(), false));
        };
        let start = match after {
            Some(a) => std::ops::Bound::Excluded(a.to_string()),
            None => std::ops::Bound::Included(sk_prefix.to_string()),
        };
        let mut matching = part
            .range((start, std::ops::Bound::Unbounded))
            .take_while(|(sk, _)| sk.starts_with(sk_prefix))
            .map(|(_, item)| item.clone());
        let page: Vec<Item> = matching.by_ref().take(limit).collect();
        let more = matching.next().is_some();
        Ok((page, more))
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        let mut table = self.lock();
        for (index, op) in ops.iter().enumerate() {
            let (pk, sk) = op.keys();
            let ok = match op {
                WriteOp::Put { condition, .. }
                | WriteOp::Delete { condition, .. }
                | WriteOp::Check { condition, .. } => holds(&table, pk, sk, *condition),
                WriteOp::Increment { field, max, .. } => table
                    .get(pk)
                    .and_then(|p| p.get(sk))
                    .is_none_or(|item| counter(item, field) < *max),
            };
            if !ok {
                return Err(StoreError::ConditionFailed { index: Some(index) });
            }
        }
        for op in ops {
            match op {
                WriteOp::Put { item, .. } => insert(&mut table, item),
                WriteOp::Delete { pk, sk, .. } => {
                    remove(&mut table, &pk, &sk);
                }
                WriteOp::Check { .. } => {}
                WriteOp::Increment {
                    pk,
                    sk,
                    field,
                    expires_at,
                    ..
                } => increment(&mut table, pk, sk, &field, expires_at),
            }
        }
        Ok(())
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let items = prepare_batch(items)?;
        let mut table = self.lock();
        for item in items {
            insert(&mut table, item);
        }
        Ok(())
    }
}
