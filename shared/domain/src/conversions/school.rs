//! The school's side: its rules (draft, edit, publish, retire, list) and the decisions on the
//! applications under them. Staff see and change only their own institution's rules and
//! applications (another's reads as `NOT_FOUND`). Each change is one transaction, conditional on
//! the version read: of two changes at once exactly one is written, the other is
//! `STATE_CONFLICT` when it no longer applies.

use super::command::{DecisionCommand, ListQuery, RuleListQuery};
use super::rules::{Rule, RuleBody, RuleView, MAX_RULES_PER_SCHOOL};
use super::{Application, ApplicationView, Detail, IndexEntry, Pointer, Status};
use crate::account::learner::{self, Learner, School};
use crate::account::staff::Staff;
use crate::app::App;
use crate::error::DomainError;
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Item, QueryOpts, Step, StoreError, WriteOp};
use crate::values::credits::Credits;
use crate::values::lang::Lang;
use crate::workflow::{self, is_record_id, time_text, LearnerView};
use serde::Serialize;

/// The school's name, as its latest import gave it (its code when it never imported).
async fn school(app: &App, code: &str) -> Result<School, DomainError> {
    let item = app
        .store
        .get(&schema::school_pk(code), schema::PROFILE_SK)
        .await?;
    Ok(match item {
        Some(i) => i.parse()?,
        None => School {
            code: code.to_string(),
            name: code.to_string(),
        },
    })
}

/// `POST /institution/conversion-rules`: a draft. Two round trips: the school's name, then the
/// rule, its school's copy and the school's rule count (at most [`MAX_RULES_PER_SCHOOL`]). Staff
/// of one school drafting at once conflict on the count: the transaction is tried again.
pub async fn create_rule(
    app: &App,
    staff: &Staff,
    body: RuleBody,
    lang: Lang,
) -> Result<RuleView, DomainError> {
    let institution = school(app, &staff.institution).await?;
    let rule = Rule::new(app.rng().hex(8), institution, body, app.now_unix());
    let mut ops = rule.writes(None);
    ops.push(WriteOp::Increment {
        pk: schema::institution_rules_pk(&staff.institution),
        sk: schema::RULE_COUNT_SK.into(),
        field: "count".into(),
        max: MAX_RULES_PER_SCHOOL,
        expires_at: None,
    });
    let count_index = ops.len() - 1;
    optimistic!("draft a conversion rule", |_| {
        match app.store.transact(ops.clone()).await {
            Err(StoreError::ConditionFailed { index: Some(i) }) if i == count_index => {
                Err(DomainError::TooManyRules)
            }
            // The rule exists: an earlier attempt of this very transaction was written (an
            // answer lost on the way back, the SDK's retry refused): done.
            Err(StoreError::ConditionFailed { index: Some(0) }) => Ok(Step::Done(())),
            // Another draft of the school's counted at the same time: try again.
            written => Ok(Step::of(written, ())?),
        }
    })?;
    tracing::info!(rule = %rule.id, institution = %staff.institution, by = %staff.subject, "conversion rule drafted");
    Ok(RuleView::of(&rule, app.today(), lang))
}

/// One of the school's rules and its item.
async fn own_rule(app: &App, staff: &Staff, id: &str) -> Result<(Item, Rule), DomainError> {
    if !is_record_id(id) {
        return Err(DomainError::NotFound);
    }
    let item = app
        .store
        .get(&schema::rule_pk(id), schema::RULE_SK)
        .await?
        .ok_or(DomainError::NotFound)?;
    let rule: Rule = item.parse()?;
    if rule.institution.code != staff.institution {
        return Err(DomainError::NotFound);
    }
    Ok((item, rule))
}

/// A change to one of the school's rules, decided once on the version read.
async fn change_rule(
    app: &App,
    staff: &Staff,
    id: &str,
    what: &'static str,
    change: impl Fn(&mut Rule) -> Result<(), DomainError>,
    lang: Lang,
) -> Result<RuleView, DomainError> {
    let rule = optimistic!("change a conversion rule", |_| {
        let (item, before) = own_rule(app, staff, id).await?;
        let mut rule = before.clone();
        change(&mut rule)?;
        let ops = rule.writes(Some((&item, &before)));
        Ok(Step::of(app.store.transact(ops).await, rule)?)
    })?;
    tracing::info!(rule = %rule.id, institution = %staff.institution, by = %staff.subject, change = what, "conversion rule changed");
    Ok(RuleView::of(&rule, app.today(), lang))
}

/// `PUT /institution/conversion-rules/{id}`: a draft rewritten (otherwise `STATE_CONFLICT`).
pub async fn update_rule(
    app: &App,
    staff: &Staff,
    id: &str,
    body: RuleBody,
    lang: Lang,
) -> Result<RuleView, DomainError> {
    let now = app.now_unix();
    let change = |r: &mut Rule| r.update(body.clone(), now);
    change_rule(app, staff, id, "updated", change, lang).await
}

/// `POST /institution/conversion-rules/{id}/publish`.
pub async fn publish_rule(
    app: &App,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<RuleView, DomainError> {
    let (today, now) = (app.today(), app.now_unix());
    let change = |r: &mut Rule| r.publish(today, now);
    change_rule(app, staff, id, "published", change, lang).await
}

/// `POST /institution/conversion-rules/{id}/retire`.
pub async fn retire_rule(
    app: &App,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<RuleView, DomainError> {
    let now = app.now_unix();
    let change = |r: &mut Rule| r.retire(now);
    change_rule(app, staff, id, "retired", change, lang).await
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchoolRulesResponse {
    pub items: Vec<RuleView>,
    pub page: usize,
    pub page_size: usize,
    pub total: usize,
    pub total_pages: usize,
}

/// `GET /institution/conversion-rules`: the school's rules, newest change first, by status.
/// One query (a school has at most [`MAX_RULES_PER_SCHOOL`]: one page of the store).
pub async fn list_rules(
    app: &App,
    staff: &Staff,
    q: RuleListQuery,
    lang: Lang,
) -> Result<SchoolRulesResponse, DomainError> {
    let items = app
        .store
        .query(
            &schema::institution_rules_pk(&staff.institution),
            schema::RULE_SK_PREFIX,
            QueryOpts::ALL,
        )
        .await?;
    let mut all: Vec<Rule> = items
        .iter()
        .map(|i| i.parse::<Rule>())
        .collect::<Result<_, _>>()?;
    all.retain(|r| q.status.is_none_or(|s| s == r.status));
    all.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)));
    let (page, total_pages) = q.page_of(&all);
    let today = app.today();
    Ok(SchoolRulesResponse {
        items: page.iter().map(|r| RuleView::of(r, today, lang)).collect(),
        page: q.page,
        page_size: q.page_size,
        total: all.len(),
        total_pages,
    })
}

/// Whose application `id` is, if it is `staff`'s institution's (else `NOT_FOUND`).
async fn owner(app: &App, staff: &Staff, id: &str) -> Result<Pointer, DomainError> {
    let pk = schema::conversion_pointer_pk(id);
    workflow::owner(app, staff, id, &pk, schema::CONVERSION_POINTER_SK).await
}

/// `GET /institution/conversions/{id}`: with the learner's name and masked ID number and the
/// history.
pub async fn get(
    app: &App,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<ApplicationView, DomainError> {
    let pointer_pk = schema::conversion_pointer_pk(id);
    let pointer = (pointer_pk.as_str(), schema::CONVERSION_POINTER_SK);
    let item = workflow::school_record(app, staff, id, pointer, &schema::conversion_sk(id)).await?;
    Ok(ApplicationView::of(
        &item.parse()?,
        Detail::School,
        app.today(),
        lang,
    ))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    pub id: String,
    pub learner: LearnerView,
    pub achievement_name: String,
    pub achievement_credits: Credits,
    pub rule_id: String,
    pub rule_name: String,
    pub course_code: String,
    pub course_name: String,
    pub max_credits: Credits,
    pub status: Status,
    pub status_label: &'static str,
    pub submitted_at: String,
}

pub type QueueResponse = workflow::QueuePage<Status, QueueItem>;

/// `GET /institution/conversions?status=…`: the school's applications in one status (pending
/// by default), oldest first; one query, reading no further than the page asked for.
pub async fn list(
    app: &App,
    staff: &Staff,
    q: ListQuery,
    lang: Lang,
) -> Result<QueueResponse, DomainError> {
    let pk = schema::institution_conversions_pk(&staff.institution);
    workflow::queue(app, &pk, q, Status::Pending, |e: IndexEntry| QueueItem {
        learner: LearnerView {
            name: e.learner_name,
            id_number_masked: e.learner_id_masked,
        },
        achievement_name: e.achievement_name,
        achievement_credits: Credits(e.achievement_credit_tenths),
        rule_id: e.rule_id,
        rule_name: e.rule_name,
        course_code: e.course_code,
        course_name: e.course_name,
        max_credits: Credits(e.cap_tenths),
        status_label: e.status.label(lang),
        status: e.status,
        submitted_at: time_text(e.submitted_ms / 1000),
        id: e.id,
    })
    .await
}

/// `POST /institution/conversions/{id}/decision`: approve (the converted achievement added and
/// the learner's converted count up, 总学分 unchanged) or reject (the claims released); then a
/// notice SMS to the learner, unless their number had its decision notices for the day.
pub async fn decide(
    app: &App,
    staff: &Staff,
    id: &str,
    cmd: DecisionCommand,
    lang: Lang,
) -> Result<ApplicationView, DomainError> {
    let pointer = owner(app, staff, id).await?;
    let mut notify = true;
    let (application, notice) = optimistic!("decide a conversion", |_| {
        let (item, before, stored) = read_for_decision(app, &pointer.learner, id).await?;
        let mut a = before.clone();
        let converted = a.decide(&cmd, &staff.subject, app.today(), app.now_unix())?;
        let next = learner_after(&stored.learner, converted.is_some());
        let ops = decision_ops(&item, &before, &a, converted.as_ref(), &stored, &next);
        let to = notify.then(|| workflow::notice_op(app, &next)).flatten();
        workflow::transact_with_notice(app, ops, to, &mut notify, a).await
    })?;
    tracing::info!(conversion = %application.id, institution = %staff.institution, reviewer = %staff.subject, status = application.status.as_str(), "conversion decided");
    if let Some(mobile) = notice {
        let result = match application.status {
            Status::Approved => "已通过",
            _ => "未通过",
        };
        let template = &app.sms_config.conversion_notice;
        workflow::send_notice(
            app,
            &mobile,
            template,
            result,
            "conversion",
            &application.id,
        )
        .await;
    }
    Ok(ApplicationView::of(
        &application,
        Detail::School,
        app.today(),
        lang,
    ))
}

/// The writes of a decision: the application on its version, its index entry, the converted
/// achievement (new) or the claims released, the learner on its version.
fn decision_ops(
    item: &Item,
    before: &Application,
    a: &Application,
    converted: Option<&crate::achievements::Achievement>,
    stored: &learner::Stored,
    next: &Learner,
) -> Vec<WriteOp> {
    let mut ops = vec![WriteOp::put_over(Some(item), a.item())];
    ops.extend(a.index_ops(Some(before)));
    match converted {
        Some(c) => ops.push(WriteOp::put_over(
            None,
            Item::new(learner::pk(&a.learner), c.sk(), c),
        )),
        None => ops.extend(a.release_ops()),
    }
    ops.push(WriteOp::Put {
        item: stored.replaced_by(next),
        condition: crate::store::Condition::Version(stored.item.version),
    });
    ops
}

/// The application and its learner, in one round trip.
async fn read_for_decision(
    app: &App,
    learner_key: &str,
    id: &str,
) -> Result<(Item, Application, learner::Stored), DomainError> {
    let pk = learner::pk(learner_key);
    let sk = schema::conversion_sk(id);
    let mut got = app
        .store
        .get_many(&[(&pk, &sk), (&pk, learner::PROFILE_SK)])
        .await?
        .into_iter();
    let item = got.next().flatten().ok_or(DomainError::NotFound)?;
    let stored = got
        .next()
        .flatten()
        .ok_or_else(|| DomainError::internal("an application's learner is missing"))?;
    let a = item.parse()?;
    Ok((item, a, learner::Stored::from_item(stored)?))
}

/// The learner after a decision: one application fewer pending; an approval adds one converted
/// achievement and nothing to the totals.
fn learner_after(learner: &Learner, approved: bool) -> Learner {
    let mut next = learner.clone();
    next.open_conversions = next.open_conversions.saturating_sub(1);
    if approved {
        next.converted_count += 1;
    }
    next
}
