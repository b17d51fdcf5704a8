//! 登记学习成果: a learner registers an achievement their school has not imported, with evidence;
//! the school reviews it (approve with the credits it recognises, reject, or return it for more
//! information); the learner may withdraw it while it is open and resubmit a returned one. An
//! approved registration becomes a personal achievement (个人获取成果), in the same transaction
//! that records the decision and updates the learner's totals.
//!
//! The record lives in its learner's partition (`REG#<id>`), so the learner's list is one query;
//! a pointer (`REGID#<id>`) names its learner for the school, whose queue is an index partition
//! (`INSTREG#<institution>`, sorted by status then submission). Every change rewrites the record
//! conditionally on its version, with the index entry, the certificate claim, the attached
//! uploads and the learner's counts in one transaction: each change is decided exactly once.
//! States: `PENDING` → `APPROVED` | `REJECTED` | `RETURNED` (school); `PENDING` | `RETURNED` →
//! `WITHDRAWN` (learner); `RETURNED` → `PENDING` (learner resubmits).

pub mod command;
pub mod learner;
pub mod review;

use crate::account::learner::School;
use crate::achievements::{catalogue, Achievement};
use crate::app::App;
use crate::error::DomainError;
use crate::store::schema;
use crate::store::{Item, WriteOp};
use crate::values::credits::Credits;
use crate::values::lang::Lang;
use chrono::NaiveDate;
use command::{DecisionCommand, Details, Verdict};
use serde::{Deserialize, Serialize};

/// Open (pending or returned) registrations one learner may have.
pub const MAX_OPEN: u64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pending,
    Returned,
    Approved,
    Rejected,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pending,
        Status::Returned,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Returned => "RETURNED",
            Status::Approved => "APPROVED",
            Status::Rejected => "REJECTED",
            Status::Withdrawn => "WITHDRAWN",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Awaiting the school or the learner (counts toward [`MAX_OPEN`]).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Returned)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Pending => lang.pick("待审核", "Pending review"),
            Status::Returned => lang.pick("退回补充", "Returned for more information"),
            Status::Approved => lang.pick("已通过", "Approved"),
            Status::Rejected => lang.pick("未通过", "Rejected"),
            Status::Withdrawn => lang.pick("已撤回", "Withdrawn"),
        }
    }
}

/// One step of a registration's history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Submitted,
    Resubmitted,
    Withdrawn,
    Approved,
    Rejected,
    Returned,
}

impl Action {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Action::Submitted => lang.pick("提交登记", "Submitted"),
            Action::Resubmitted => lang.pick("补充后重新提交", "Resubmitted"),
            Action::Withdrawn => lang.pick("学习者撤回", "Withdrawn by the learner"),
            Action::Approved => lang.pick("院校审核通过", "Approved by the school"),
            Action::Rejected => lang.pick("院校审核不通过", "Rejected by the school"),
            Action::Returned => lang.pick("院校退回补充材料", "Returned by the school"),
        }
    }
}

impl crate::workflow::Act for Action {
    fn label(self, lang: Lang) -> &'static str {
        Action::label(self, lang)
    }
}

/// One step of a registration's history.
pub type Step = crate::workflow::Step<Action>;
pub type StepView = crate::workflow::StepView<Action>;
pub use crate::workflow::{time_text, LearnerView, LEARNER};

pub use crate::uploads::{Evidence, EvidenceView};

/// A registration as stored (`LEARNER#<idKey>`, `REG#<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub id: String,
    pub learner: String,
    pub learner_name: String,
    pub learner_id_masked: String,
    pub institution: School,
    pub details: Details,
    pub evidence: Vec<Evidence>,
    pub status: Status,
    /// The reason of the latest rejection or return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_tenths: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub achievement_id: Option<String>,
    /// Milliseconds: the latest submission (the school's queue is ordered by it).
    pub submitted_ms: i64,
    pub updated_at: i64,
    pub history: Vec<Step>,
}

impl Registration {
    fn step(&mut self, at: i64, action: Action, by: &str, reason: Option<String>) {
        self.updated_at = at;
        self.history.push(Step {
            at,
            action,
            by: by.to_string(),
            reason,
        });
    }

    /// The learner withdraws an open registration.
    pub fn withdraw(&mut self, now: i64) -> Result<(), DomainError> {
        if !self.status.is_open() {
            return Err(DomainError::StateConflict);
        }
        self.status = Status::Withdrawn;
        self.step(now, Action::Withdrawn, LEARNER, None);
        Ok(())
    }

    /// The learner resubmits a returned registration with new details and evidence.
    pub fn resubmit(
        &mut self,
        details: Details,
        evidence: Vec<Evidence>,
        now_ms: i64,
    ) -> Result<(), DomainError> {
        if self.status != Status::Returned {
            return Err(DomainError::StateConflict);
        }
        self.details = details;
        self.evidence = evidence;
        self.status = Status::Pending;
        self.submitted_ms = now_ms;
        self.step(now_ms / 1000, Action::Resubmitted, LEARNER, None);
        Ok(())
    }

    /// The school decides a pending registration; an approval gives the achievement to add.
    pub fn decide(
        &mut self,
        decision: &DecisionCommand,
        reviewer: &str,
        now: i64,
    ) -> Result<Option<Achievement>, DomainError> {
        if self.status != Status::Pending {
            return Err(DomainError::StateConflict);
        }
        let (status, action, reason) = match &decision.verdict {
            Verdict::Approve { credits, points } => {
                self.credit_tenths = Some(credits.0);
                self.points = Some(*points);
                (Status::Approved, Action::Approved, None)
            }
            Verdict::Reject { reason } => {
                (Status::Rejected, Action::Rejected, Some(reason.clone()))
            }
            Verdict::Return { reason } => {
                (Status::Returned, Action::Returned, Some(reason.clone()))
            }
        };
        self.status = status;
        self.reason.clone_from(&reason);
        self.step(now, action, reviewer, reason);
        if status != Status::Approved {
            return Ok(None);
        }
        let achievement = self.achievement();
        self.achievement_id = Some(achievement.id.clone());
        Ok(Some(achievement))
    }

    /// The personal achievement an approval records: what the learner registered, the credits
    /// the school recognised, the school as recorder.
    fn achievement(&self) -> Achievement {
        let external_id = format!("REG-{}", self.id);
        let d = &self.details;
        Achievement {
            id: crate::import::achievement_id(&self.institution.code, &external_id),
            institution: self.institution.code.clone(),
            external_id,
            name: d.name.clone(),
            kind: d.kind.clone(),
            subtype: d.subtype.clone(),
            issuer: d.issuer.clone(),
            credit_tenths: self.credit_tenths.unwrap_or(0),
            points: self.points.unwrap_or(0),
            source: "personal".into(),
            obtained_at: d.obtained_at,
            conversion: None,
        }
    }

    pub fn item(&self) -> Item {
        Item::new(
            schema::learner_pk(&self.learner),
            schema::registration_sk(&self.id),
            self,
        )
    }

    fn index_key(&self) -> (String, String) {
        (
            schema::institution_registrations_pk(&self.institution.code),
            schema::institution_registration_sk(self.status.as_str(), self.submitted_ms, &self.id),
        )
    }

    /// The index entry's writes after a change from `before`: the old entry out, the new in.
    pub fn index_ops(&self, before: Option<&Registration>) -> Vec<WriteOp> {
        let before = before.map(Registration::index_key);
        crate::workflow::queue_moves(before, self.index_key(), &IndexEntry::of(self))
    }

    /// The key of the certificate claim this registration holds while open or approved.
    pub fn claim_key(&self) -> Option<(String, String)> {
        self.details
            .claim_sk()
            .map(|sk| (schema::learner_pk(&self.learner), sk))
    }
}

impl crate::workflow::Request for Registration {
    type Status = Status;
    fn status(&self) -> Status {
        self.status
    }
    fn submitted_ms(&self) -> i64 {
        self.submitted_ms
    }
    fn id(&self) -> &str {
        &self.id
    }
}

/// What the school's queue keeps of a registration (its list needs nothing else).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    pub id: String,
    pub learner_name: String,
    pub learner_id_masked: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    pub issuer: String,
    pub status: Status,
    pub submitted_ms: i64,
}

impl IndexEntry {
    fn of(r: &Registration) -> IndexEntry {
        IndexEntry {
            id: r.id.clone(),
            learner_name: r.learner_name.clone(),
            learner_id_masked: r.learner_id_masked.clone(),
            name: r.details.name.clone(),
            kind: r.details.kind.clone(),
            subtype: r.details.subtype.clone(),
            issuer: r.details.issuer.clone(),
            status: r.status,
            submitted_ms: r.submitted_ms,
        }
    }
}

/// Who a registration belongs to, by id (`REGID#<id>`).
pub use crate::workflow::Pointer;

/// The claim item of a certificate (`REGCERT#…`): the registration holding it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateClaim {
    pub registration: String,
}

/// Whether `id` has the shape registration ids have (16 lower-case hex characters).
pub fn is_registration_id(id: &str) -> bool {
    crate::workflow::is_record_id(id)
}

/// A registration as its learner and its school see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationView {
    pub id: String,
    pub institution: School,
    pub name: String,
    #[serde(flatten)]
    pub kind: catalogue::KindView,
    pub issuer: String,
    pub certificate_no: Option<String>,
    pub obtained_at: NaiveDate,
    pub status: Status,
    pub status_label: &'static str,
    pub reason: Option<String>,
    pub credits: Option<Credits>,
    pub points: Option<i64>,
    pub achievement_id: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
    pub evidence: Vec<EvidenceView>,
    /// Absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<StepView>>,
    /// The school's views only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learner: Option<LearnerView>,
}

/// How much of a registration a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Lists: no history, no read URLs.
    Summary,
    /// One registration, for its learner.
    Learner,
    /// One registration, for its school: with the learner's name and masked ID number.
    School,
}

impl RegistrationView {
    /// The view of `r`; read URLs (no I/O with S3: signatures) for the detailed ones.
    pub async fn of(
        app: &App,
        r: &Registration,
        detail: Detail,
        lang: Lang,
    ) -> Result<RegistrationView, DomainError> {
        let evidence = crate::uploads::views(app, &r.evidence, detail != Detail::Summary).await?;
        Ok(Self::with_evidence(r, evidence, detail, lang))
    }

    fn with_evidence(
        r: &Registration,
        evidence: Vec<EvidenceView>,
        detail: Detail,
        lang: Lang,
    ) -> RegistrationView {
        let d = &r.details;
        let history =
            (detail != Detail::Summary).then(|| crate::workflow::history(&r.history, lang));
        RegistrationView {
            id: r.id.clone(),
            institution: r.institution.clone(),
            name: d.name.clone(),
            kind: catalogue::KindView::of(&d.kind, &d.subtype, lang),
            issuer: d.issuer.clone(),
            certificate_no: d.certificate_no.clone(),
            obtained_at: d.obtained_at,
            status: r.status,
            status_label: r.status.label(lang),
            reason: r.reason.clone(),
            credits: r.credit_tenths.map(Credits),
            points: r.points,
            achievement_id: r.achievement_id.clone(),
            submitted_at: time_text(r.submitted_ms / 1000),
            updated_at: time_text(r.updated_at),
            evidence,
            history,
            learner: (detail == Detail::School).then(|| LearnerView {
                name: r.learner_name.clone(),
                id_number_masked: r.learner_id_masked.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
