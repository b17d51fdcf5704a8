//! The DynamoDB table: string `PK`/`SK`, a numeric version `ver`, the TTL attribute `ttl`, and each
//! record's own attributes at the top level of the item (readable in the console).

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, KeySchemaElement,
    KeyType, KeysAndAttributes, Put, PutRequest, ReturnValue, ScalarAttributeType,
    TimeToLiveSpecification, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use domain::error::Cause;
use domain::store::{
    prepare_batch, validate_item, validate_keys, validate_transaction, Condition, Item, QueryOpts,
    Store, StoreError, WriteOp, MAX_BATCH_WRITE_ITEMS,
};
use std::collections::HashMap;
use std::time::Duration;

type Attrs = HashMap<String, AttributeValue>;

/// The TTL attribute the table's time-to-live setting names.
pub const TTL_ATTRIBUTE: &str = "ttl";

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// A client configured from the environment (region, credentials, `AWS_ENDPOINT_URL`), with
    /// `budgets`' timeouts and retries.
    pub async fn from_env(table: &str, budgets: &domain::app::config::Budgets) -> Self {
        Self::new(Client::new(&crate::sdk::config(budgets).await), table)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table as `template.yaml` declares it (on-demand, TTL on `ttl`), for tests and
    /// the dev server against an emulator. Does nothing if it exists.
    pub async fn ensure_table(&self) -> Result<(), StoreError> {
        let exists = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await;
        if exists.is_ok() {
            return Ok(());
        }
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("complete definition")
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .expect("complete key")
        };
        self.client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("PK"))
            .attribute_definitions(attr("SK"))
            .key_schema(key("PK", KeyType::Hash))
            .key_schema(key("SK", KeyType::Range))
            .send()
            .await
            .map_err(map_err)?;
        self.client
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTRIBUTE)
                    .build()
                    .expect("complete specification"),
            )
            .send()
            .await
            .map_err(map_err)?;
        Ok(())
    }
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: &str, sk: &str) -> Attrs {
    HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))])
}

fn to_attrs(item: &Item) -> Result<Attrs, StoreError> {
    let mut attrs: Attrs = serde_dynamo::to_item(&item.data)
        .map_err(|e| StoreError::Invalid(format!("item data: {e}")))?;
    attrs.extend(key(&item.pk, &item.sk));
    attrs.insert("ver".into(), n(item.version));
    if let Some(t) = item.expires_at {
        attrs.insert(TTL_ATTRIBUTE.into(), n(t));
    }
    Ok(attrs)
}

fn from_attrs(mut attrs: Attrs) -> Result<Item, StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("item without a valid {what}"));
    let take_s = |attrs: &mut Attrs, name: &str| match attrs.remove(name) {
        Some(AttributeValue::S(v)) => Ok(v),
        _ => Err(corrupt(name)),
    };
    let pk = take_s(&mut attrs, "PK")?;
    let sk = take_s(&mut attrs, "SK")?;
    let version = match attrs.remove("ver") {
        Some(AttributeValue::N(v)) => v.parse().map_err(|_| corrupt("ver"))?,
        _ => return Err(corrupt("ver")),
    };
    let expires_at = match attrs.remove(TTL_ATTRIBUTE) {
        Some(AttributeValue::N(v)) => Some(v.parse().map_err(|_| corrupt(TTL_ATTRIBUTE))?),
        None => None,
        _ => return Err(corrupt(TTL_ATTRIBUTE)),
    };
    let data: serde_json::Value =
        serde_dynamo::from_item(attrs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Item {
        pk,
        sk,
        version,
        expires_at,
        data,
    })
}

/// Applies `condition` to a request or transaction-item builder (they share the method names).
macro_rules! conditioned {
    ($builder:expr, $condition:expr) => {
        match expr($condition) {
            Some(e) => $builder
                .condition_expression(e.expression)
                .set_expression_attribute_names(e.names)
                .set_expression_attribute_values(e.values),
            None => $builder,
        }
    };
}

/// A condition as DynamoDB expression parts.
struct Expr {
    expression: String,
    names: Option<HashMap<String, String>>,
    values: Option<Attrs>,
}

fn expr(condition: Condition) -> Option<Expr> {
    match condition {
        Condition::None => None,
        Condition::NotExists => Some(Expr {
            expression: "attribute_not_exists(PK)".into(),
            names: None,
            values: None,
        }),
        Condition::Exists => Some(Expr {
            expression: "attribute_exists(PK)".into(),
            names: None,
            values: None,
        }),
        Condition::Version(v) => Some(Expr {
            expression: "#ver = :ver".into(),
            names: Some(HashMap::from([("#ver".to_string(), "ver".to_string())])),
            values: Some(HashMap::from([(":ver".to_string(), n(v))])),
        }),
    }
}

/// A failure worth retrying later, with the SDK's whole error context as its cause.
fn unavailable<E, R>(e: &SdkError<E, R>) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::unavailable("DynamoDB", Cause(DisplayErrorContext(e).to_string()))
}

fn map_err<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    if matches!(
        e,
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)
    ) {
        return unavailable(&e);
    }
    match e.code() {
        Some("ConditionalCheckFailedException") => StoreError::ConditionFailed { index: None },
        Some("TransactionConflictException") => StoreError::Conflict,
        Some(
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "ResourceNotFoundException",
        ) => unavailable(&e),
        Some("ValidationException") => StoreError::Invalid(DisplayErrorContext(&e).to_string()),
        _ => StoreError::Other(DisplayErrorContext(&e).to_string()),
    }
}

fn map_transaction_err<R: std::fmt::Debug>(e: SdkError<TransactWriteItemsError, R>) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        e.as_service_error()
    {
        let codes: Vec<&str> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().unwrap_or("None"))
            .collect();
        if let Some(index) = codes.iter().position(|c| *c == "ConditionalCheckFailed") {
            return StoreError::ConditionFailed { index: Some(index) };
        }
        if codes.contains(&"TransactionConflict") {
            return StoreError::Conflict;
        }
        if codes
            .iter()
            .any(|c| c.contains("Throttl") || *c == "ProvisionedThroughputExceeded")
        {
            return StoreError::unavailable(
                "DynamoDB TransactWriteItems",
                Cause(format!("transaction throttled: {codes:?}")),
            );
        }
        // Cancelled without reasons (some emulators): a condition failed somewhere.
        if codes.is_empty() {
            return StoreError::ConditionFailed { index: None };
        }
        return StoreError::Other(format!("transaction cancelled: {codes:?}"));
    }
    map_err(e)
}

/// The pauses before sending again what a batch call left unprocessed (throttling, size):
/// exponential back-off, as AWS advises for unprocessed items (not contention, which
/// `domain::store::retry::Contention` handles), at most eight times.
struct Resend {
    operation: &'static str,
    attempt: u32,
    delay: Duration,
}

impl Resend {
    fn new(operation: &'static str) -> Self {
        Resend {
            operation,
            attempt: 0,
            delay: Duration::from_millis(25),
        }
    }

    async fn wait(&mut self) -> Result<(), StoreError> {
        if self.attempt >= 8 {
            return Err(StoreError::unavailable(
                self.operation,
                Cause("still unprocessed after eight resends".into()),
            ));
        }
        self.attempt += 1;
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 2).min(Duration::from_secs(3));
        Ok(())
    }
}

impl DynamoStore {
    /// One op of a `TransactWriteItems` request.
    fn transact_item(&self, op: WriteOp) -> Result<TransactWriteItem, StoreError> {
        let invalid = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Invalid(e.to_string());
        Ok(match op {
            WriteOp::Put { item, condition } => {
                let b = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(to_attrs(&item)?));
                let put = conditioned!(b, condition).build().map_err(invalid)?;
                TransactWriteItem::builder().put(put).build()
            }
            WriteOp::Delete { pk, sk, condition } => {
                let b = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(&pk, &sk)));
                let delete = conditioned!(b, condition).build().map_err(invalid)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            WriteOp::Check { pk, sk, condition } => {
                let e = expr(condition)
                    .ok_or_else(|| StoreError::Invalid("a check needs a condition".into()))?;
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(&pk, &sk)))
                    .condition_expression(e.expression)
                    .set_expression_attribute_names(e.names)
                    .set_expression_attribute_values(e.values)
                    .build()
                    .map_err(invalid)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
            WriteOp::Increment {
                pk,
                sk,
                field,
                max,
                expires_at,
            } => {
                let update = self.increment(&pk, &sk, field, max, expires_at)?;
                TransactWriteItem::builder().update(update).build()
            }
        })
    }

    /// The bounded counter of [`WriteOp::Increment`] as one conditional update.
    fn increment(
        &self,
        pk: &str,
        sk: &str,
        field: String,
        max: u64,
        expires_at: Option<i64>,
    ) -> Result<Update, StoreError> {
        let mut set = "#f = if_not_exists(#f, :zero) + :one, \
                       #ver = if_not_exists(#ver, :zero) + :one"
            .to_string();
        let mut names = HashMap::from([
            ("#f".to_string(), field),
            ("#ver".to_string(), "ver".to_string()),
        ]);
        let mut values = HashMap::from([
            (":zero".to_string(), n(0)),
            (":one".to_string(), n(1)),
            (":max".to_string(), n(max)),
        ]);
        if let Some(t) = expires_at {
            set.push_str(", #ttl = :ttl");
            names.insert("#ttl".into(), TTL_ATTRIBUTE.into());
            values.insert(":ttl".into(), n(t));
        }
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .update_expression(format!("SET {set}"))
            .condition_expression(
                "attribute_not_exists(PK) OR attribute_not_exists(#f) OR #f < :max",
            )
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| StoreError::Invalid(e.to_string()))
    }
}

#[async_trait]
impl Store for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(map_err)?;
        out.item.map(from_attrs).transpose()
    }

    async fn get_many(&self, keys: &[(&str, &str)]) -> Result<Vec<Option<Item>>, StoreError> {
        validate_keys(keys)?;
        let request = |keys: Vec<Attrs>| {
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Invalid(e.to_string()))
        };
        let mut pending = HashMap::from([(
            self.table.clone(),
            request(keys.iter().map(|(pk, sk)| key(pk, sk)).collect())?,
        )]);
        let mut found: HashMap<(String, String), Item> = HashMap::with_capacity(keys.len());
        let mut resend = Resend::new("DynamoDB BatchGetItem");
        loop {
            let out = self
                .client
                .batch_get_item()
                .set_request_items(Some(pending))
                .send()
                .await
                .map_err(map_err)?;
            for attrs in out
                .responses
                .and_then(|mut r| r.remove(&self.table))
                .unwrap_or_default()
            {
                let item = from_attrs(attrs)?;
                found.insert((item.pk.clone(), item.sk.clone()), item);
            }
            // Keys DynamoDB did not get to (throttling, size): asked again, as AWS advises.
            pending = out.unprocessed_keys.unwrap_or_default();
            pending.retain(|_, k| !k.keys().is_empty());
            if pending.is_empty() {
                break;
            }
            resend.wait().await?;
        }
        Ok(keys
            .iter()
            .map(|(pk, sk)| found.remove(&(pk.to_string(), sk.to_string())))
            .collect())
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        validate_item(&item)?;
        let mut req = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_attrs(&item)?));
        req = conditioned!(req, condition);
        req.send().await.map_err(map_err)?;
        Ok(())
    }

    async fn delete(
        &self,
        pk: &str,
        sk: &str,
        condition: Condition,
    ) -> Result<Option<Item>, StoreError> {
        let mut req = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .return_values(ReturnValue::AllOld);
        req = conditioned!(req, condition);
        let out = req.send().await.map_err(map_err)?;
        out.attributes
            .filter(|a| !a.is_empty())
            .map(from_attrs)
            .transpose()
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
        let mut found = Vec::new();
        let mut start: Option<Attrs> = None;
        let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
        let key_condition = if sk_prefix.is_empty() {
            "PK = :pk"
        } else {
            values.insert(":prefix".into(), s(sk_prefix));
            "PK = :pk AND begins_with(SK, :prefix)"
        };
        loop {
            let remaining = opts.limit.map(|l| l - found.len());
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(key_condition)
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(!opts.newest_first)
                .consistent_read(true)
                .set_limit(remaining.map(|r| r.min(1000) as i32))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(map_err)?;
            for attrs in out.items.unwrap_or_default() {
                found.push(from_attrs(attrs)?);
            }
            let done = opts.limit.is_some_and(|l| found.len() >= l);
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() && !done => start = Some(k),
                _ => break,
            }
        }
        Ok(found)
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
        if limit == 0 {
            return Ok((Vec::new(), true));
        }
        let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
        let key_condition = if sk_prefix.is_empty() {
            "PK = :pk"
        } else {
            values.insert(":prefix".into(), s(sk_prefix));
            "PK = :pk AND begins_with(SK, :prefix)"
        };
        let start =
            after.map(|a| HashMap::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(a))]));
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression(key_condition)
            .set_expression_attribute_values(Some(values))
            .consistent_read(true)
            .limit(limit.min(1000) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(map_err)?;
        let more = out.last_evaluated_key.is_some_and(|k| !k.is_empty());
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_attrs)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((items, more))
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        let items = ops
            .into_iter()
            .map(|op| self.transact_item(op))
            .collect::<Result<Vec<_>, _>>()?;
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(map_transaction_err)?;
        Ok(())
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        // Everything is checked before the first chunk goes out.
        let items = prepare_batch(items)?;
        for chunk in items.chunks(MAX_BATCH_WRITE_ITEMS) {
            let mut requests = Vec::with_capacity(chunk.len());
            for item in chunk {
                let put = PutRequest::builder()
                    .set_item(Some(to_attrs(item)?))
                    .build()
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
            let mut pending = HashMap::from([(self.table.clone(), requests)]);
            let mut resend = Resend::new("DynamoDB BatchWriteItem");
            loop {
                let out = self
                    .client
                    .batch_write_item()
                    .set_request_items(Some(pending))
                    .send()
                    .await
                    .map_err(map_err)?;
                pending = out.unprocessed_items.unwrap_or_default();
                pending.retain(|_, reqs| !reqs.is_empty());
                if pending.is_empty() {
                    break;
                }
                resend.wait().await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_round_trip_through_attributes() {
        let item = Item {
            pk: "LEARNER#k".into(),
            sk: "PROFILE".into(),
            version: 7,
            expires_at: Some(1_900_000_000),
            data: serde_json::json!({
                "name": "李嘉民", "n": 12, "neg": -3, "flag": true, "none": null,
                "list": ["a", 1], "obj": {"x": "y"}, "empty": ""
            }),
        };
        let back = from_attrs(to_attrs(&item).unwrap()).unwrap();
        assert_eq!(back, item);
    }
}
