//! The school's side: its queue, one registration, and the decision. A reviewer sees only their
//! own institution's registrations (another's reads as `NOT_FOUND`); a decision is one
//! transaction over the registration (conditional on its version: of two decisions at once,
//! exactly one is written, the other is `STATE_CONFLICT`), its index entry, the learner's totals
//! and counts (conditional on the learner's version), the new achievement on approval, and the
//! day's count of decision notices to the learner's number.

use super::command::{DecisionCommand, ListQuery};
use super::{Detail, IndexEntry, Pointer, Registration, RegistrationView, Status};
use crate::account::learner::{self, Learner};
use crate::account::staff::Staff;
use crate::achievements::catalogue;
use crate::app::App;
use crate::error::DomainError;
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Condition, Item, WriteOp};
use crate::values::lang::Lang;
use crate::workflow;
use serde::Serialize;

pub use crate::workflow::NOTICES_PER_DAY;

/// Whose registration `id` is, if it is `staff`'s institution's (else `NOT_FOUND`).
async fn owner(app: &App, staff: &Staff, id: &str) -> Result<Pointer, DomainError> {
    let pk = schema::registration_pointer_pk(id);
    workflow::owner(app, staff, id, &pk, schema::REGISTRATION_POINTER_SK).await
}

/// `GET /institution/achievement-registrations/{id}`: with the learner's name and masked ID
/// number, the evidence's read URLs and the history.
pub async fn get(
    app: &App,
    staff: &Staff,
    id: &str,
    lang: Lang,
) -> Result<RegistrationView, DomainError> {
    let pointer_pk = schema::registration_pointer_pk(id);
    let pointer = (pointer_pk.as_str(), schema::REGISTRATION_POINTER_SK);
    let item =
        workflow::school_record(app, staff, id, pointer, &schema::registration_sk(id)).await?;
    RegistrationView::of(app, &item.parse()?, Detail::School, lang).await
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueItem {
    pub id: String,
    pub learner: super::LearnerView,
    pub name: String,
    #[serde(flatten)]
    pub kind: catalogue::KindView,
    pub issuer: String,
    pub status: Status,
    pub status_label: &'static str,
    pub submitted_at: String,
}

pub type QueueResponse = workflow::QueuePage<Status, QueueItem>;

/// `GET /institution/achievement-registrations?status=…`: the school's registrations in one
/// status (pending by default), oldest submission first; one query, reading no further than
/// the page asked for.
pub async fn list(
    app: &App,
    staff: &Staff,
    q: ListQuery,
    lang: Lang,
) -> Result<QueueResponse, DomainError> {
    let pk = schema::institution_registrations_pk(&staff.institution);
    workflow::queue(app, &pk, q, Status::Pending, |e: IndexEntry| QueueItem {
        kind: catalogue::KindView::of(&e.kind, &e.subtype, lang),
        status_label: e.status.label(lang),
        submitted_at: super::time_text(e.submitted_ms / 1000),
        learner: super::LearnerView {
            name: e.learner_name,
            id_number_masked: e.learner_id_masked,
        },
        id: e.id,
        name: e.name,
        issuer: e.issuer,
        status: e.status,
    })
    .await
}

/// `POST /institution/achievement-registrations/{id}/decision`: approve (the achievement added
/// and the totals updated with it), reject or return a pending registration; then a notice SMS
/// to the learner, unless their number had its decision notices for the day.
pub async fn decide(
    app: &App,
    staff: &Staff,
    id: &str,
    cmd: DecisionCommand,
    lang: Lang,
) -> Result<RegistrationView, DomainError> {
    let pointer = owner(app, staff, id).await?;
    let mut notify = true;
    let (reg, notice) = optimistic!("decide a registration", |_| {
        let (item, before, stored) = read_for_decision(app, &pointer.learner, id).await?;
        let mut reg = before.clone();
        let achievement = reg.decide(&cmd, &staff.subject, app.now_unix())?;
        let next = learner_after(&stored.learner, &reg, achievement.as_ref());
        let mut ops = vec![WriteOp::put_over(Some(&item), reg.item())];
        ops.extend(reg.index_ops(Some(&before)));
        if let Some(a) = &achievement {
            let item = Item::new(learner::pk(&pointer.learner), a.sk(), a);
            ops.push(WriteOp::put_over(None, item));
        }
        if reg.status == Status::Rejected {
            if let Some((pk, sk)) = reg.claim_key() {
                let condition = Condition::None;
                ops.push(WriteOp::Delete { pk, sk, condition });
            }
        }
        if next != stored.learner {
            ops.push(WriteOp::Put {
                item: stored.replaced_by(&next),
                condition: Condition::Version(stored.item.version),
            });
        }
        let to = notify.then(|| workflow::notice_op(app, &next)).flatten();
        workflow::transact_with_notice(app, ops, to, &mut notify, reg).await
    })?;
    tracing::info!(registration = %reg.id, institution = %staff.institution, reviewer = %staff.subject, status = reg.status.as_str(), "registration decided");
    if let Some(mobile) = notice {
        let result = match reg.status {
            Status::Approved => "已通过",
            Status::Rejected => "未通过",
            _ => "需补充材料",
        };
        let template = &app.sms_config.registration_notice;
        workflow::send_notice(app, &mobile, template, result, "registration", &reg.id).await;
    }
    RegistrationView::of(app, &reg, Detail::School, lang).await
}

/// The registration and its learner, in one round trip.
async fn read_for_decision(
    app: &App,
    learner_key: &str,
    id: &str,
) -> Result<(Item, Registration, learner::Stored), DomainError> {
    let pk = learner::pk(learner_key);
    let sk = schema::registration_sk(id);
    let mut got = app
        .store
        .get_many(&[(&pk, &sk), (&pk, learner::PROFILE_SK)])
        .await?
        .into_iter();
    let item = got.next().flatten().ok_or(DomainError::NotFound)?;
    let stored = got
        .next()
        .flatten()
        .ok_or_else(|| DomainError::internal("a registration's learner is missing"))?;
    let reg = item.parse()?;
    Ok((item, reg, learner::Stored::from_item(stored)?))
}

/// The learner after a decision: an approval adds the achievement to the totals and the personal
/// count; an approval or rejection closes an open registration.
fn learner_after(
    learner: &Learner,
    reg: &Registration,
    achievement: Option<&crate::achievements::Achievement>,
) -> Learner {
    let mut next = learner.clone();
    if let Some(a) = achievement {
        next.total_credit_tenths += a.credit_tenths;
        next.total_points += a.points;
        next.personal_count += 1;
    }
    if !reg.status.is_open() {
        next.open_registrations = next.open_registrations.saturating_sub(1);
    }
    next
}
