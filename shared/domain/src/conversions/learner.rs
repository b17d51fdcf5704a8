//! The learner's side: the rules one of their achievements meets, the application, their
//! applications, one application, withdrawal. The rules an achievement meets are found with the
//! achievement read in the session's round trip ([`session::require_with`]).

use super::command::{ApplyCommand, ListQuery};
use super::rules::{self, Rule, RuleView};
use super::{
    Action, Application, ApplicationView, Claim, Detail, Pointer, SourceAchievement,
    SourceAchievementView, Status, Step as HistoryStep, MAX_OPEN,
};
use crate::account::learner::{Learner, Stored};
use crate::account::session::{self, Authenticated, Gate};
use crate::achievements::Achievement;
use crate::app::App;
use crate::error::{DomainError, Problem, Subject};
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Condition, Item, QueryOpts, Step, StoreError, WriteOp};
use crate::values::credits::Credits;
use crate::values::lang::Lang;
use crate::workflow::{is_record_id, LEARNER};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchedRule {
    #[serde(flatten)]
    pub rule: RuleView,
    /// The most course credits an application of this achievement under the rule may be granted.
    pub max_grantable: Credits,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RulesForResponse {
    pub achievement: SourceAchievementView,
    pub items: Vec<MatchedRule>,
}

/// The published rules `a` may meet: the range of its subtype and certificate name, and the
/// range of its subtype's rules naming no certificate (two queries at once).
async fn candidates(app: &App, a: &Achievement) -> Result<Vec<Rule>, DomainError> {
    let named = rules::name_key(Some(&a.name));
    let prefix = |key: &str| schema::public_rule_prefix(&a.kind, Some(&a.subtype), Some(key));
    let (named_prefix, any_prefix) = (prefix(&named), prefix(rules::ANY_NAME));
    let (by_name, any) = futures::join!(
        app.store
            .query(schema::PUBLIC_RULES_PK, &named_prefix, QueryOpts::ALL),
        app.store
            .query(schema::PUBLIC_RULES_PK, &any_prefix, QueryOpts::ALL),
    );
    by_name?
        .iter()
        .chain(any?.iter())
        .map(|i| i.parse::<Rule>().map_err(DomainError::from))
        .collect()
}

/// `GET /achievements/{id}/conversion-rules`: the rules in force, of the learner's schools,
/// that the achievement meets (another learner's achievement, or none: `NOT_FOUND`). Three
/// round trips: the session, the learner and the achievement together; the two ranges.
pub async fn rules_for(
    app: &App,
    token: &str,
    id: &str,
    lang: Lang,
) -> Result<RulesForResponse, DomainError> {
    let wanted = is_record_id(id);
    let keys = |learner: &str| match wanted {
        true => vec![(schema::learner_pk(learner), schema::achievement_sk(id))],
        false => Vec::new(),
    };
    let (authed, found) = session::require_with(app, token, Gate::ActiveLearner, &keys).await?;
    let item = found
        .into_iter()
        .next()
        .flatten()
        .ok_or(DomainError::NotFound)?;
    let a: Achievement = item.parse()?;
    let learner = &authed.learner.learner;
    let today = app.today();
    let mut met: Vec<Rule> = candidates(app, &a)
        .await?
        .into_iter()
        .filter(|r| r.in_force(today) && r.accepts(&a) && learner.belongs_to(&r.institution.code))
        .collect();
    met.sort_by(|x, y| {
        (&x.institution.code, &x.body.target.course_code, &x.id).cmp(&(
            &y.institution.code,
            &y.body.target.course_code,
            &y.id,
        ))
    });
    Ok(RulesForResponse {
        achievement: SourceAchievementView::of(&SourceAchievement::of(&a), lang),
        items: met
            .iter()
            .map(|r| MatchedRule {
                rule: RuleView::of(r, today, lang),
                max_grantable: Credits(r.cap(a.credit_tenths)),
            })
            .collect(),
    })
}

/// What an application reads besides the session: the achievement, the rule and its item.
struct Found {
    achievement: Achievement,
    rule: (Item, Rule),
}

/// The achievement (another learner's, or none: `NOT_FOUND`) and the rule (none: 400 `ruleId`),
/// in one round trip.
async fn read(app: &App, learner: &str, cmd: &ApplyCommand) -> Result<Found, DomainError> {
    let learner_pk = schema::learner_pk(learner);
    let achievement_sk = schema::achievement_sk(&cmd.achievement_id);
    let rule_pk = schema::rule_pk(&cmd.rule_id);
    let keys = [
        (learner_pk.as_str(), achievement_sk.as_str()),
        (rule_pk.as_str(), schema::RULE_SK),
    ];
    let mut found = app.store.get_many(&keys).await?.into_iter();
    let achievement = found.next().flatten().ok_or(DomainError::NotFound)?;
    let rule = found
        .next()
        .flatten()
        .ok_or_else(|| DomainError::validation("ruleId", Problem::Invalid))?;
    Ok(Found {
        achievement: achievement.parse()?,
        rule: (rule.clone(), rule.parse()?),
    })
}

/// Whether the learner may apply with `a` under `rule` today: the rule in force, of one of the
/// learner's schools, met by the achievement; fewer than [`MAX_OPEN`] applications pending.
fn check(found: &Found, learner: &Learner, today: chrono::NaiveDate) -> Result<(), DomainError> {
    let (_, rule) = &found.rule;
    if !rule.in_force(today) {
        return Err(DomainError::validation("ruleId", Problem::NotInForce));
    }
    if !learner.belongs_to(&rule.institution.code) {
        return Err(DomainError::validation("ruleId", Problem::OtherSchool));
    }
    if !rule.accepts(&found.achievement) {
        return Err(DomainError::validation("achievementId", Problem::NotMet));
    }
    if learner.open_conversions >= MAX_OPEN {
        return Err(DomainError::TooManyOpen(Subject::Conversion));
    }
    Ok(())
}

/// `POST /conversions`: a pending application, its two claims taken, the learner's open count
/// up by one, on the rule's version read (a rule retired meanwhile is read again): one
/// transaction after one read besides the session's.
pub async fn apply(
    app: &App,
    authed: Authenticated,
    cmd: ApplyCommand,
    lang: Lang,
) -> Result<ApplicationView, DomainError> {
    let id = app.rng().hex(8);
    let mut authed = authed;
    let application = optimistic!("apply for a conversion", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let stored = &authed.learner;
        let found = read(app, &stored.learner.id_key, &cmd).await?;
        check(&found, &stored.learner, app.today())?;
        let application = new_application(app, &id, &stored.learner, &found);
        let (ops, claims) = creation_ops(&application, stored, &found.rule.0);
        match app.store.transact(ops).await {
            Err(StoreError::ConditionFailed { index: Some(i) }) if claims.contains(&i) => {
                Err(DomainError::Duplicate(Subject::Conversion))
            }
            written => Ok(Step::of(written, application)?),
        }
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), conversion = %application.id, institution = %application.institution.code, rule = %application.rule.id, "conversion applied for");
    Ok(ApplicationView::of(
        &application,
        Detail::Learner,
        app.today(),
        lang,
    ))
}

fn new_application(app: &App, id: &str, learner: &Learner, found: &Found) -> Application {
    let rule = &found.rule.1;
    let now_ms = app.now().timestamp_millis();
    Application {
        id: id.to_string(),
        learner: learner.id_key.clone(),
        learner_name: learner.name.clone(),
        learner_id_masked: learner.id_masked.clone(),
        institution: rule.institution.clone(),
        achievement: SourceAchievement::of(&found.achievement),
        rule: rule.clone(),
        status: Status::Pending,
        reason: None,
        granted_tenths: None,
        converted_achievement: None,
        submitted_ms: now_ms,
        updated_at: now_ms / 1000,
        history: vec![HistoryStep {
            at: now_ms / 1000,
            action: Action::Submitted,
            by: LEARNER.into(),
            reason: None,
        }],
    }
}

/// The writes creating `a`: the record and its pointer (both new), the school's index entry,
/// the two claims (their indexes returned: either failing is a duplicate), the learner's open
/// count on the version read, and a check of the rule's version.
fn creation_ops(a: &Application, stored: &Stored, rule: &Item) -> (Vec<WriteOp>, [usize; 2]) {
    let pointer = Pointer {
        learner: a.learner.clone(),
        institution: a.institution.code.clone(),
    };
    let mut ops = vec![
        WriteOp::put_over(None, a.item()),
        WriteOp::put_over(
            None,
            Item::new(
                schema::conversion_pointer_pk(&a.id),
                schema::CONVERSION_POINTER_SK,
                &pointer,
            ),
        ),
    ];
    ops.extend(a.index_ops(None));
    let claim = Claim {
        application: a.id.clone(),
    };
    let first = ops.len();
    for (pk, sk) in a.claim_keys() {
        ops.push(WriteOp::put_over(None, Item::new(pk, sk, &claim)));
    }
    let mut next = stored.learner.clone();
    next.open_conversions += 1;
    ops.push(WriteOp::Put {
        item: stored.replaced_by(&next),
        condition: Condition::Version(stored.item.version),
    });
    ops.push(WriteOp::Check {
        pk: rule.pk.clone(),
        sk: rule.sk.clone(),
        condition: Condition::Version(rule.version),
    });
    (ops, [first, first + 1])
}

/// One of the learner's applications (another learner's, or none: `NOT_FOUND`).
async fn load(app: &App, learner: &str, id: &str) -> Result<(Item, Application), DomainError> {
    if !is_record_id(id) {
        return Err(DomainError::NotFound);
    }
    let item = app
        .store
        .get(&schema::learner_pk(learner), &schema::conversion_sk(id))
        .await?
        .ok_or(DomainError::NotFound)?;
    let a = item.parse()?;
    Ok((item, a))
}

/// `GET /conversions/{id}`: with its history.
pub async fn get(
    app: &App,
    authed: &Authenticated,
    id: &str,
    lang: Lang,
) -> Result<ApplicationView, DomainError> {
    let (_, a) = load(app, &authed.learner.learner.id_key, id).await?;
    Ok(ApplicationView::of(&a, Detail::Learner, app.today(), lang))
}

/// `POST /conversions/{id}/withdraw`: a pending application withdrawn, its claims released, the
/// learner's open count down by one.
pub async fn withdraw(
    app: &App,
    authed: Authenticated,
    id: &str,
    lang: Lang,
) -> Result<ApplicationView, DomainError> {
    let mut authed = authed;
    let application = optimistic!("withdraw a conversion", |stale| {
        if stale {
            authed = authed.reload(app).await?;
        }
        let stored = &authed.learner;
        let (item, before) = load(app, &stored.learner.id_key, id).await?;
        let mut a = before.clone();
        a.withdraw(app.now_unix())?;
        let mut next = stored.learner.clone();
        next.open_conversions = next.open_conversions.saturating_sub(1);
        let mut ops = vec![WriteOp::put_over(Some(&item), a.item())];
        ops.extend(a.index_ops(Some(&before)));
        ops.extend(a.release_ops());
        ops.push(WriteOp::Put {
            item: stored.replaced_by(&next),
            condition: Condition::Version(stored.item.version),
        });
        Ok(Step::of(app.store.transact(ops).await, a)?)
    })?;
    tracing::info!(learner = %authed.learner.learner.log_id(), conversion = %application.id, "conversion withdrawn");
    Ok(ApplicationView::of(
        &application,
        Detail::Learner,
        app.today(),
        lang,
    ))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationsResponse {
    pub items: Vec<ApplicationView>,
    pub page: usize,
    pub page_size: usize,
    pub total: usize,
    pub total_pages: usize,
    /// Pending applications, and how many may be pending at once.
    pub open: u64,
    pub max_open: u64,
}

/// `GET /conversions`: newest first, filtered by status, paged.
pub async fn list(
    app: &App,
    authed: &Authenticated,
    q: ListQuery,
    lang: Lang,
) -> Result<ApplicationsResponse, DomainError> {
    let learner = &authed.learner.learner;
    let prefix = schema::CONVERSION_SK_PREFIX;
    let all: Vec<Application> =
        crate::workflow::learner_requests(app, &learner.id_key, prefix, q.status).await?;
    let (page, total_pages) = q.page_of(&all);
    let today = app.today();
    Ok(ApplicationsResponse {
        items: page
            .iter()
            .map(|a| ApplicationView::of(a, Detail::Summary, today, lang))
            .collect(),
        page: q.page,
        page_size: q.page_size,
        total: all.len(),
        total_pages,
        open: learner.open_conversions,
        max_open: MAX_OPEN,
    })
}
