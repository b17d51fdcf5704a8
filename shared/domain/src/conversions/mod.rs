//! 查看转换规则 and 成果转换: schools publish conversion rules ([`rules`]); anyone lists the
//! rules in force ([`public`]); a learner finds the rules one of their achievements meets and
//! applies ([`learner`]); the rule's school approves, granting course credits, or rejects
//! ([`school`]). An approval adds a 转换获取成果 — the course, the school as issuer, the granted
//! credits in a field of their own — in the transaction that decides the application: 总学分 is
//! unchanged, as the learning is counted once, through its source.
//!
//! An application lives in its learner's partition (`CONVAPP#<id>`); a pointer (`CONVID#<id>`)
//! names its learner and school; the school's queue is an index partition (`INSTCONV#<school>`,
//! by status then submission). While an application is pending or approved it holds two claims
//! in the learner's partition, written with it on the condition that they are new: the
//! achievement under the rule, and the school's course (one course is replaced by one
//! achievement). A second application for either is `DUPLICATE`, decided by the store, so two
//! at once cannot both pass. States: `PENDING` → `APPROVED` | `REJECTED` (school), `PENDING` →
//! `WITHDRAWN` (learner); a rejection or withdrawal releases the claims.

pub mod command;
pub mod learner;
pub mod public;
pub mod rules;
pub mod school;

use crate::account::learner::School;
use crate::achievements::{catalogue, Achievement, ConversionLink};
use crate::error::DomainError;
use crate::store::schema;
use crate::store::{Condition, Item, WriteOp};
use crate::values::credits::Credits;
use crate::values::lang::Lang;
use crate::workflow::{self, time_text, LearnerView, LEARNER};
use chrono::NaiveDate;
use command::DecisionCommand;
use rules::{Rule, RuleView};
use serde::{Deserialize, Serialize};

/// Open (pending) applications one learner may have.
pub const MAX_OPEN: u64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Pending,
        Status::Approved,
        Status::Rejected,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Approved => "APPROVED",
            Status::Rejected => "REJECTED",
            Status::Withdrawn => "WITHDRAWN",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the application holds its claims (pending or approved).
    pub fn holds_claims(self) -> bool {
        matches!(self, Status::Pending | Status::Approved)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Pending => lang.pick("待审核", "Pending review"),
            Status::Approved => lang.pick("已通过", "Approved"),
            Status::Rejected => lang.pick("未通过", "Rejected"),
            Status::Withdrawn => lang.pick("已撤回", "Withdrawn"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Submitted,
    Withdrawn,
    Approved,
    Rejected,
}

impl workflow::Act for Action {
    fn label(self, lang: Lang) -> &'static str {
        match self {
            Action::Submitted => lang.pick("提交转换申请", "Submitted"),
            Action::Withdrawn => lang.pick("学习者撤回", "Withdrawn by the learner"),
            Action::Approved => lang.pick("院校审核通过", "Approved by the school"),
            Action::Rejected => lang.pick("院校审核不通过", "Rejected by the school"),
        }
    }
}

pub type Step = workflow::Step<Action>;

/// The achievement applied with, as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAchievement {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    pub issuer: String,
    pub credit_tenths: i64,
    pub obtained_at: NaiveDate,
}

impl SourceAchievement {
    pub fn of(a: &Achievement) -> SourceAchievement {
        SourceAchievement {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: a.kind.clone(),
            subtype: a.subtype.clone(),
            issuer: a.issuer.clone(),
            credit_tenths: a.credit_tenths,
            obtained_at: a.obtained_at,
        }
    }
}

/// An application as stored (`LEARNER#<idKey>`, `CONVAPP#<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub id: String,
    pub learner: String,
    pub learner_name: String,
    pub learner_id_masked: String,
    pub institution: School,
    pub achievement: SourceAchievement,
    /// The rule as it was when the learner applied.
    pub rule: Rule,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granted_tenths: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub converted_achievement: Option<String>,
    /// Milliseconds: the school's queue is ordered by it.
    pub submitted_ms: i64,
    pub updated_at: i64,
    pub history: Vec<Step>,
}

impl Application {
    fn step(&mut self, at: i64, action: Action, by: &str, reason: Option<String>) {
        self.updated_at = at;
        self.history.push(Step {
            at,
            action,
            by: by.to_string(),
            reason,
        });
    }

    /// The most course credits the school may grant.
    pub fn cap(&self) -> i64 {
        self.rule.cap(self.achievement.credit_tenths)
    }

    /// The learner withdraws a pending application.
    pub fn withdraw(&mut self, now: i64) -> Result<(), DomainError> {
        if self.status != Status::Pending {
            return Err(DomainError::StateConflict);
        }
        self.status = Status::Withdrawn;
        self.step(now, Action::Withdrawn, LEARNER, None);
        Ok(())
    }

    /// The school decides a pending application; an approval gives the converted achievement.
    /// Granted credits above [`Application::cap`] are refused (400 `credits`).
    pub fn decide(
        &mut self,
        decision: &DecisionCommand,
        reviewer: &str,
        today: NaiveDate,
        now: i64,
    ) -> Result<Option<Achievement>, DomainError> {
        if self.status != Status::Pending {
            return Err(DomainError::StateConflict);
        }
        match decision {
            DecisionCommand::Approve { credit_tenths } => {
                if *credit_tenths > self.cap() {
                    return Err(DomainError::validation(
                        "credits",
                        crate::error::Problem::OutOfRange,
                    ));
                }
                self.status = Status::Approved;
                self.granted_tenths = Some(*credit_tenths);
                self.step(now, Action::Approved, reviewer, None);
                let converted = self.converted(today);
                self.converted_achievement = Some(converted.id.clone());
                Ok(Some(converted))
            }
            DecisionCommand::Reject { reason } => {
                self.status = Status::Rejected;
                self.reason = Some(reason.clone());
                self.step(now, Action::Rejected, reviewer, Some(reason.clone()));
                Ok(None)
            }
        }
    }

    /// The 转换获取成果 an approval records: the course, issued by the school, the granted
    /// course credits in their own field (0 toward 总学分), linked to its source.
    fn converted(&self, today: NaiveDate) -> Achievement {
        let external_id = format!("CONV-{}", self.id);
        let target = &self.rule.body.target;
        Achievement {
            id: crate::import::achievement_id(&self.institution.code, &external_id),
            institution: self.institution.code.clone(),
            external_id,
            name: target.course_name.clone(),
            kind: "ACADEMIC".into(),
            subtype: "COURSE".into(),
            issuer: self.institution.name.clone(),
            credit_tenths: 0,
            points: 0,
            source: "converted".into(),
            obtained_at: today,
            conversion: Some(ConversionLink {
                application: self.id.clone(),
                source_achievement: self.achievement.id.clone(),
                source_name: self.achievement.name.clone(),
                rule: self.rule.id.clone(),
                course_code: target.course_code.clone(),
                course_credit_tenths: self.granted_tenths.unwrap_or(0),
                mode: target.mode,
            }),
        }
    }

    pub fn item(&self) -> Item {
        Item::new(
            schema::learner_pk(&self.learner),
            schema::conversion_sk(&self.id),
            self,
        )
    }

    fn index_key(&self) -> (String, String) {
        (
            schema::institution_conversions_pk(&self.institution.code),
            schema::institution_registration_sk(self.status.as_str(), self.submitted_ms, &self.id),
        )
    }

    /// The index entry's writes after a change from `before`: the old entry out, the new in.
    pub fn index_ops(&self, before: Option<&Application>) -> Vec<WriteOp> {
        let before = before.map(Application::index_key);
        workflow::queue_moves(before, self.index_key(), &IndexEntry::of(self))
    }

    /// The keys of the two claims: the achievement under the rule, the school's course.
    pub fn claim_keys(&self) -> [(String, String); 2] {
        let pk = schema::learner_pk(&self.learner);
        [
            (
                pk.clone(),
                schema::conversion_rule_claim_sk(&self.rule.id, &self.achievement.id),
            ),
            (
                pk,
                schema::conversion_course_claim_sk(
                    &self.institution.code,
                    &self.rule.body.target.course_code,
                ),
            ),
        ]
    }

    /// The claims' releases (after a rejection or a withdrawal).
    pub fn release_ops(&self) -> Vec<WriteOp> {
        self.claim_keys()
            .into_iter()
            .map(|(pk, sk)| WriteOp::Delete {
                pk,
                sk,
                condition: Condition::None,
            })
            .collect()
    }
}

impl workflow::Request for Application {
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

/// What the school's queue keeps of an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndexEntry {
    pub id: String,
    pub learner_name: String,
    pub learner_id_masked: String,
    pub achievement_name: String,
    pub achievement_credit_tenths: i64,
    pub rule_id: String,
    pub rule_name: String,
    pub course_code: String,
    pub course_name: String,
    pub cap_tenths: i64,
    pub status: Status,
    pub submitted_ms: i64,
}

impl IndexEntry {
    fn of(a: &Application) -> IndexEntry {
        IndexEntry {
            id: a.id.clone(),
            learner_name: a.learner_name.clone(),
            learner_id_masked: a.learner_id_masked.clone(),
            achievement_name: a.achievement.name.clone(),
            achievement_credit_tenths: a.achievement.credit_tenths,
            rule_id: a.rule.id.clone(),
            rule_name: a.rule.body.name.clone(),
            course_code: a.rule.body.target.course_code.clone(),
            course_name: a.rule.body.target.course_name.clone(),
            cap_tenths: a.cap(),
            status: a.status,
            submitted_ms: a.submitted_ms,
        }
    }
}

/// Who an application belongs to, by id (`CONVID#<id>`).
pub use crate::workflow::Pointer;

/// A claim item: the application holding it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub application: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceAchievementView {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub kind: catalogue::KindView,
    pub issuer: String,
    pub credits: Credits,
    pub obtained_at: NaiveDate,
}

impl SourceAchievementView {
    pub fn of(a: &SourceAchievement, lang: Lang) -> SourceAchievementView {
        SourceAchievementView {
            id: a.id.clone(),
            name: a.name.clone(),
            kind: catalogue::KindView::of(&a.kind, &a.subtype, lang),
            issuer: a.issuer.clone(),
            credits: Credits(a.credit_tenths),
            obtained_at: a.obtained_at,
        }
    }
}

/// An application as its learner and its school see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationView {
    pub id: String,
    pub institution: School,
    pub achievement: SourceAchievementView,
    pub rule: RuleView,
    /// The most course credits the school may grant.
    pub max_credits: Credits,
    pub status: Status,
    pub status_label: &'static str,
    pub reason: Option<String>,
    pub granted_credits: Option<Credits>,
    pub converted_achievement_id: Option<String>,
    pub submitted_at: String,
    pub updated_at: String,
    /// Absent from lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<workflow::StepView<Action>>>,
    /// The school's views only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learner: Option<LearnerView>,
}

/// How much of an application a view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    Summary,
    Learner,
    School,
}

impl ApplicationView {
    pub fn of(a: &Application, detail: Detail, today: NaiveDate, lang: Lang) -> ApplicationView {
        ApplicationView {
            id: a.id.clone(),
            institution: a.institution.clone(),
            achievement: SourceAchievementView::of(&a.achievement, lang),
            rule: RuleView::of(&a.rule, today, lang),
            max_credits: Credits(a.cap()),
            status: a.status,
            status_label: a.status.label(lang),
            reason: a.reason.clone(),
            granted_credits: a.granted_tenths.map(Credits),
            converted_achievement_id: a.converted_achievement.clone(),
            submitted_at: time_text(a.submitted_ms / 1000),
            updated_at: time_text(a.updated_at),
            history: (detail != Detail::Summary).then(|| workflow::history(&a.history, lang)),
            learner: (detail == Detail::School).then(|| LearnerView {
                name: a.learner_name.clone(),
                id_number_masked: a.learner_id_masked.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
