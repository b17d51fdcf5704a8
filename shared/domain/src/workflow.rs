//! What every reviewed request has in common — a learner's registration (登记学习成果) and a
//! learner's conversion application (成果转换): ids, a history of steps with who took them, the
//! school's queue read one page at a time, and the notice SMS a decision sends. Each capability
//! keeps its own states and rules; this is the shape they share.

use crate::account::learner::Learner;
use crate::app::App;
use crate::error::DomainError;
use crate::store::schema;
use crate::store::{Item, QueryOpts, WriteOp};
use crate::values::lang::Lang;
use crate::values::mobile::Mobile;
use serde::{Deserialize, Serialize};

/// Who took a step, when it was the learner (otherwise the staff member's user pool subject).
pub const LEARNER: &str = "LEARNER";

/// Decision notices one number receives a day at most (registrations and conversions together).
pub const NOTICES_PER_DAY: u64 = 10;

/// A step's kind: a closed set of actions with a label in each language.
pub trait Act: Copy + Serialize {
    fn label(self, lang: Lang) -> &'static str;
}

/// One step of a request's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Step<A> {
    pub at: i64,
    pub action: A,
    /// [`LEARNER`], or the reviewer's user pool subject.
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepView<A> {
    pub at: String,
    pub action: A,
    pub action_label: &'static str,
    /// `LEARNER` or `SCHOOL` (a reviewer's identity stays with the school).
    pub by: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A history as clients see it.
pub fn history<A: Act>(steps: &[Step<A>], lang: Lang) -> Vec<StepView<A>> {
    steps
        .iter()
        .map(|s| StepView {
            at: time_text(s.at),
            action: s.action,
            action_label: s.action.label(lang),
            by: if s.by == LEARNER { "LEARNER" } else { "SCHOOL" },
            reason: s.reason.clone(),
        })
        .collect()
}

/// The learner as their school sees them on a request.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LearnerView {
    pub name: String,
    pub id_number_masked: String,
}

/// Whether `id` has the shape record ids have (16 lower-case hex characters): anything else is
/// `NOT_FOUND` before a read.
pub fn is_record_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A time as clients see it: RFC 3339 in China Standard Time.
pub fn time_text(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .with_timezone(&crate::app::china_offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A status a list may be filtered by, read from its wire code.
pub trait ListStatus: Copy {
    fn parse(text: &str) -> Option<Self>;
    fn as_str(self) -> &'static str;
}

/// A list's filter and page: `status` (one of the statuses, or all), `page`, `pageSize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListQuery<S> {
    pub status: Option<S>,
    pub page: usize,
    pub page_size: usize,
}

impl<S: ListStatus> ListQuery<S> {
    /// Reads the query; `default_status` applies when none is given.
    pub fn from_query(
        get: impl Fn(&str) -> Option<String>,
        default_status: Option<S>,
    ) -> Result<ListQuery<S>, DomainError> {
        let status = match get("status") {
            None => default_status,
            Some(s) => Some(S::parse(&s).ok_or_else(|| {
                DomainError::validation("status", crate::error::Problem::Invalid)
            })?),
        };
        let paging = crate::achievements::AchievementsQuery::from_query(|k| match k {
            "page" | "pageSize" => get(k),
            _ => None,
        })?;
        Ok(ListQuery {
            status,
            page: paging.page,
            page_size: paging.page_size,
        })
    }

    /// The records of `all` on the page asked for, and the page count.
    pub fn page_of<'a, T>(&self, all: &'a [T]) -> (&'a [T], usize) {
        let start = (self.page - 1)
            .saturating_mul(self.page_size)
            .min(all.len());
        let end = start.saturating_add(self.page_size).min(all.len());
        (&all[start..end], all.len().div_ceil(self.page_size))
    }
}

/// Who a request belongs to, by id (`REGID#<id>`, `CONVID#<id>`): written once, never changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    pub learner: String,
    pub institution: String,
}

/// Whose request `id` is, if it is `staff`'s institution's (another's, or none: `NOT_FOUND`),
/// read from the pointer at `pk`, `sk`.
pub async fn owner(
    app: &App,
    staff: &crate::account::staff::Staff,
    id: &str,
    pk: &str,
    sk: &str,
) -> Result<Pointer, DomainError> {
    if !is_record_id(id) {
        return Err(DomainError::NotFound);
    }
    let item = app.store.get(pk, sk).await?.ok_or(DomainError::NotFound)?;
    let pointer: Pointer = item.parse()?;
    if pointer.institution != staff.institution {
        return Err(DomainError::NotFound);
    }
    Ok(pointer)
}

/// `staff`'s institution's request `id` itself (`record_sk` in its learner's partition), found
/// through its pointer; another institution's, or none, is `NOT_FOUND`.
pub async fn school_record(
    app: &App,
    staff: &crate::account::staff::Staff,
    id: &str,
    (pointer_pk, pointer_sk): (&str, &str),
    record_sk: &str,
) -> Result<Item, DomainError> {
    let pointer = owner(app, staff, id, pointer_pk, pointer_sk).await?;
    app.store
        .get(
            &crate::store::schema::learner_pk(&pointer.learner),
            record_sk,
        )
        .await?
        .ok_or_else(|| DomainError::internal("a request's pointer without it"))
}

/// A learner's request as their lists read it.
pub trait Request: serde::de::DeserializeOwned {
    type Status: ListStatus + PartialEq;
    fn status(&self) -> Self::Status;
    fn submitted_ms(&self) -> i64;
    fn id(&self) -> &str;
}

/// A learner's requests of one kind (sort keys starting with `prefix` in their partition), in
/// `status` (or all), newest submission first: one query.
pub async fn learner_requests<R: Request>(
    app: &App,
    learner_key: &str,
    prefix: &str,
    status: Option<R::Status>,
) -> Result<Vec<R>, DomainError> {
    let items = app
        .store
        .query(
            &crate::store::schema::learner_pk(learner_key),
            prefix,
            QueryOpts::ALL,
        )
        .await?;
    let mut all: Vec<R> = items
        .iter()
        .map(|i| i.parse::<R>())
        .collect::<Result<_, _>>()?;
    all.retain(|r| status.is_none_or(|s| s == r.status()));
    all.sort_by(|a, b| {
        b.submitted_ms()
            .cmp(&a.submitted_ms())
            .then(a.id().cmp(b.id()))
    });
    Ok(all)
}

/// The writes moving a request's entry in its school's queue from `before` (its old key; none
/// for a new request) to `after`: the old entry out when the key changed, the new one in.
pub fn queue_moves(
    before: Option<(String, String)>,
    after: (String, String),
    entry: &impl Serialize,
) -> Vec<WriteOp> {
    let mut ops = Vec::with_capacity(2);
    if let Some((pk, sk)) = before.filter(|old| *old != after) {
        let condition = crate::store::Condition::None;
        ops.push(WriteOp::Delete { pk, sk, condition });
    }
    let (pk, sk) = after;
    ops.push(WriteOp::Put {
        item: Item::new(pk, sk, entry),
        condition: crate::store::Condition::None,
    });
    ops
}

/// A page of a school's queue: the requests in one status, oldest first.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuePage<S, I> {
    pub status: S,
    pub items: Vec<I>,
    pub page: usize,
    pub page_size: usize,
    /// Whether a next page exists (a queue is read only as far as the page asked for).
    pub has_more: bool,
}

/// The page `q` asks for of the school's queue partition `pk` (status `default` when the query
/// names none), each index entry `E` shown as `view` shows it: one query.
pub async fn queue<S, E, I>(
    app: &App,
    pk: &str,
    q: ListQuery<S>,
    default: S,
    view: impl Fn(E) -> I,
) -> Result<QueuePage<S, I>, DomainError>
where
    S: ListStatus,
    E: serde::de::DeserializeOwned,
{
    let status = q.status.unwrap_or(default);
    let prefix = format!("{}#", status.as_str());
    let (items, has_more) = queue_page(app, pk, &prefix, q.page, q.page_size).await?;
    let items = items
        .iter()
        .map(|i| i.parse::<E>().map(&view))
        .collect::<Result<_, _>>()?;
    Ok(QueuePage {
        status,
        items,
        page: q.page,
        page_size: q.page_size,
        has_more,
    })
}

/// A page of a school's queue partition (`pk`, sort keys starting with `prefix`), oldest first:
/// one query reading no further than the page asked for, and whether a next page exists.
async fn queue_page(
    app: &App,
    pk: &str,
    prefix: &str,
    page: usize,
    page_size: usize,
) -> Result<(Vec<Item>, bool), DomainError> {
    let skip = (page - 1).saturating_mul(page_size);
    let opts = QueryOpts {
        limit: Some(skip + page_size + 1),
        newest_first: false,
    };
    let items = app.store.query(pk, prefix, opts).await?;
    let has_more = items.len() > skip + page_size;
    Ok((
        items.into_iter().skip(skip).take(page_size).collect(),
        has_more,
    ))
}

/// The count of today's decision notices to the learner's number (one conditional increment in
/// the decision's transaction: no read), and the number; none without a bound number.
pub fn notice_op(app: &App, learner: &Learner) -> Option<(WriteOp, Mobile)> {
    let mobile = learner.bound_mobile()?;
    let mobile_key = learner.mobile_key.as_ref()?;
    let (day, next_day) = crate::uploads::china_day(app);
    let op = WriteOp::Increment {
        pk: schema::quota_notice_pk(mobile_key),
        sk: schema::decision_notice_sk(&day),
        field: "count".into(),
        max: NOTICES_PER_DAY,
        expires_at: Some(next_day + 86_400),
    };
    Some((op, mobile))
}

/// Writes `ops` and, at their end, the notice count `to` (if any): the value and the number to
/// notify once written. The count failing (the number had its notices for the day) is another
/// try without a notice (`notify` turned off); anything else is as [`Step::of`].
pub async fn transact_with_notice<T>(
    app: &App,
    mut ops: Vec<WriteOp>,
    to: Option<(WriteOp, Mobile)>,
    notify: &mut bool,
    value: T,
) -> Result<crate::store::Step<(T, Option<Mobile>)>, DomainError> {
    use crate::store::{Step, StoreError};
    let notice_index = to.as_ref().map(|(op, _)| {
        ops.push(op.clone());
        ops.len() - 1
    });
    match app.store.transact(ops).await {
        Err(StoreError::ConditionFailed { index: Some(i) }) if Some(i) == notice_index => {
            *notify = false;
            Ok(Step::Again)
        }
        written => Ok(Step::of(written, (value, to.map(|(_, m)| m)))?),
    }
}

/// A decision's notice: `template` with its `{result}` filled in; best effort (logged, never an
/// error of the decision). `what` names the record in the log (`registration`, `conversion`).
pub async fn send_notice(
    app: &App,
    mobile: &Mobile,
    template: &str,
    result: &str,
    what: &'static str,
    id: &str,
) {
    let text = app
        .sms_config
        .notice_text(&template.replace("{result}", result));
    match app.sms.send(&mobile.e164(), &text).await {
        Ok(()) => {
            tracing::info!(mobile = %mobile.masked(), kind = what, id = %id, "decision notice sent")
        }
        Err(e) => {
            tracing::warn!(mobile = %mobile.masked(), kind = what, id = %id, error = %e, "decision notice not sent")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_ids_are_sixteen_lower_hex() {
        assert!(is_record_id("0123456789abcdef"));
        assert!(!is_record_id("0123456789ABCDEF"));
        assert!(!is_record_id("0123456789abcde"));
        assert!(!is_record_id("../../etc/passwd"));
    }

    #[test]
    fn times_are_china_standard_time() {
        assert_eq!(time_text(0), "1970-01-01T08:00:00+08:00");
    }
}
