//! A school's conversion rule: which achievements qualify (type, subtype, optionally a
//! certificate name and a minimum level), what they convert into (one of the school's courses,
//! its credits, exemption or replacement), the cap on the credits granted, and the period in
//! force. `DRAFT` → `PUBLISHED` → `RETIRED`; only a draft is edited.
//!
//! Keys: the rule (`RULE#<id>`), a copy in its school's partition (`INSTRULE#<institution>`,
//! every status: the school's list is one query), and, while published, a copy in the one
//! partition of published rules (`PUBRULES`), sorted by type, subtype, certificate-name key
//! (`*` for a rule naming no certificate), school and id. The rules an achievement may meet are
//! then two key ranges of that partition, whatever the number of rules: the range of its
//! subtype and name, and the range of its subtype's rules naming no certificate.

use crate::account::learner::School;
use crate::achievements::{catalogue, Achievement};
use crate::error::{DomainError, Problem};
use crate::security::crypto::sha256_hex;
use crate::store::schema;
use crate::store::{Condition, Item, WriteOp};
use crate::values::credits::Credits;
use crate::values::lang::Lang;
use crate::workflow::time_text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Rules one school may create (every status counts: the school's list stays one page).
pub const MAX_RULES_PER_SCHOOL: u64 = 1_000;

/// The name key of rules that name no certificate.
pub const ANY_NAME: &str = "*";

/// 初级, 中级, 高级: the levels of vocational skill certificates, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    Junior,
    Intermediate,
    Senior,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Junior, Level::Intermediate, Level::Senior];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Junior => "JUNIOR",
            Level::Intermediate => "INTERMEDIATE",
            Level::Senior => "SENIOR",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == text)
    }

    /// How certificate names write the level.
    pub fn marker(self) -> &'static str {
        match self {
            Level::Junior => "初级",
            Level::Intermediate => "中级",
            Level::Senior => "高级",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Level::Junior => lang.pick("初级", "Junior"),
            Level::Intermediate => lang.pick("中级", "Intermediate"),
            Level::Senior => lang.pick("高级", "Senior"),
        }
    }

    /// The level a certificate's name states: the last of 初级, 中级, 高级 in it (names end
    /// with it: `电梯维修保养职业技能等级证书(中级)`); none when it states none.
    pub fn of_name(name: &str) -> Option<Level> {
        Level::ALL
            .into_iter()
            .filter_map(|l| name.rfind(l.marker()).map(|at| (at, l)))
            .max_by_key(|(at, _)| *at)
            .map(|(_, l)| l)
    }
}

/// What a conversion grants: exemption from the course (免修/免考) or its replacement (置换).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Mode {
    Exempt,
    Replace,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "EXEMPT" => Some(Mode::Exempt),
            "REPLACE" => Some(Mode::Replace),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Mode::Exempt => lang.pick("免修/免考", "Exemption"),
            Mode::Replace => lang.pick("置换", "Replacement"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RuleStatus {
    Draft,
    Published,
    Retired,
}

impl RuleStatus {
    pub const ALL: [RuleStatus; 3] = [
        RuleStatus::Draft,
        RuleStatus::Published,
        RuleStatus::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RuleStatus::Draft => "DRAFT",
            RuleStatus::Published => "PUBLISHED",
            RuleStatus::Retired => "RETIRED",
        }
    }

    pub fn parse(text: &str) -> Option<RuleStatus> {
        RuleStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            RuleStatus::Draft => lang.pick("草稿", "Draft"),
            RuleStatus::Published => lang.pick("已发布", "Published"),
            RuleStatus::Retired => lang.pick("已停用", "Retired"),
        }
    }
}

/// A certificate's name as rules compare it: full-width forms folded to ASCII, white space
/// removed, ASCII lower-cased, and the level it states in brackets (or at its end) removed, so
/// that `电梯维修保养职业技能等级证书（中级）` and a rule naming `电梯维修保养职业技能等级证书`
/// meet.
pub fn base_name(name: &str) -> String {
    let mut folded: String = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '【' | '〔' => '[',
            '】' | '〕' => ']',
            _ => c,
        })
        .map(|c| c.to_ascii_lowercase())
        .collect();
    for level in Level::ALL {
        for (open, close) in [("(", ")"), ("[", "]")] {
            folded = folded.replace(&format!("{open}{}{close}", level.marker()), "");
        }
        if let Some(stripped) = folded.strip_suffix(level.marker()) {
            folded = stripped.to_string();
        }
    }
    folded
}

/// The key of a certificate name in the published rules' sort keys (16 hex characters of its
/// base name's SHA-256), or [`ANY_NAME`].
pub fn name_key(name: Option<&str>) -> String {
    match name {
        Some(n) => sha256_hex(base_name(n).as_bytes())[..16].to_string(),
        None => ANY_NAME.to_string(),
    }
}

/// Which achievements a rule accepts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_level: Option<Level>,
}

/// The school's course a rule converts into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    pub course_code: String,
    pub course_name: String,
    pub credit_tenths: i64,
    pub mode: Mode,
}

/// What a school writes of a rule (checked: [`super::command::RuleRequest`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleBody {
    pub name: String,
    pub source: Source,
    pub target: Target,
    /// The most credits one application under the rule may be granted.
    pub max_credit_tenths: i64,
    pub effective_from: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<NaiveDate>,
}

/// A rule as stored (`RULE#<id>`, and its copies).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub institution: School,
    #[serde(flatten)]
    pub body: RuleBody,
    pub status: RuleStatus,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<i64>,
}

impl Rule {
    pub fn new(id: String, institution: School, body: RuleBody, now: i64) -> Rule {
        Rule {
            id,
            institution,
            body,
            status: RuleStatus::Draft,
            created_at: now,
            updated_at: now,
            published_at: None,
            retired_at: None,
        }
    }

    /// Published, and `today` within its period.
    pub fn in_force(&self, today: NaiveDate) -> bool {
        let b = &self.body;
        self.status == RuleStatus::Published
            && b.effective_from <= today
            && b.effective_to.is_none_or(|to| today <= to)
    }

    /// Whether achievement `a` meets the rule's conditions (a converted achievement never does:
    /// it is already the result of a conversion).
    pub fn accepts(&self, a: &Achievement) -> bool {
        let s = &self.body.source;
        a.conversion.is_none()
            && a.is_personal()
            && a.kind == s.kind
            && a.subtype == s.subtype
            && s.name
                .as_deref()
                .is_none_or(|n| base_name(n) == base_name(&a.name))
            && s.min_level
                .is_none_or(|min| Level::of_name(&a.name).is_some_and(|l| l >= min))
    }

    /// The most credits an application of achievement credits `recognised` may be granted: the
    /// course's credits, the rule's cap, and never more than the bank recognised.
    pub fn cap(&self, recognised: i64) -> i64 {
        self.body
            .target
            .credit_tenths
            .min(self.body.max_credit_tenths)
            .min(recognised)
    }

    /// A draft, rewritten.
    pub fn update(&mut self, body: RuleBody, now: i64) -> Result<(), DomainError> {
        if self.status != RuleStatus::Draft {
            return Err(DomainError::StateConflict);
        }
        self.body = body;
        self.updated_at = now;
        Ok(())
    }

    /// A draft, published: its period must not have ended.
    pub fn publish(&mut self, today: NaiveDate, now: i64) -> Result<(), DomainError> {
        if self.status != RuleStatus::Draft {
            return Err(DomainError::StateConflict);
        }
        if self.body.effective_to.is_some_and(|to| to < today) {
            return Err(DomainError::validation("effectiveTo", Problem::OutOfRange));
        }
        self.status = RuleStatus::Published;
        self.published_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// A published rule, retired: it leaves the public list and takes no new applications.
    pub fn retire(&mut self, now: i64) -> Result<(), DomainError> {
        if self.status != RuleStatus::Published {
            return Err(DomainError::StateConflict);
        }
        self.status = RuleStatus::Retired;
        self.retired_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    pub fn item(&self) -> Item {
        Item::new(schema::rule_pk(&self.id), schema::RULE_SK, self)
    }

    fn school_copy(&self) -> Item {
        Item::new(
            schema::institution_rules_pk(&self.institution.code),
            schema::institution_rule_sk(&self.id),
            self,
        )
    }

    fn public_key(&self) -> (String, String) {
        let s = &self.body.source;
        (
            schema::PUBLIC_RULES_PK.to_string(),
            schema::public_rule_sk(
                &s.kind,
                &s.subtype,
                &name_key(s.name.as_deref()),
                &self.institution.code,
                &self.id,
            ),
        )
    }

    /// The writes of a change from `before` (its item; none for a new rule): the rule on the
    /// version read, its school's copy, and its published copy written or removed.
    pub fn writes(&self, before: Option<(&Item, &Rule)>) -> Vec<WriteOp> {
        let mut ops = vec![
            WriteOp::put_over(before.map(|(item, _)| item), self.item()),
            WriteOp::Put {
                item: self.school_copy(),
                condition: Condition::None,
            },
        ];
        let was_published = before.is_some_and(|(_, r)| r.status == RuleStatus::Published);
        if self.status == RuleStatus::Published {
            let (pk, sk) = self.public_key();
            let mut item = Item::new(pk, sk, self);
            // Out of force after its last day: the table's TTL removes the copy (eventually; the
            // lists check the period themselves), so the partition does not keep old rules.
            item.expires_at = self.body.effective_to.map(end_of_day);
            ops.push(WriteOp::Put {
                item,
                condition: Condition::None,
            });
        } else if was_published {
            let (pk, sk) = self.public_key();
            let condition = Condition::None;
            ops.push(WriteOp::Delete { pk, sk, condition });
        }
        ops
    }
}

/// The first second after `day` in China (Unix seconds).
fn end_of_day(day: NaiveDate) -> i64 {
    day.succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(i64::MAX / 2, |t| t.and_utc().timestamp() - 8 * 3600)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceView {
    #[serde(flatten)]
    pub kind: catalogue::KindView,
    pub name: Option<String>,
    pub min_level: Option<Level>,
    pub min_level_label: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    pub course_code: String,
    pub course_name: String,
    pub credits: Credits,
    pub mode: Mode,
    pub mode_label: &'static str,
}

/// A rule as schools, learners and anyone see it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleView {
    pub id: String,
    pub institution: School,
    pub name: String,
    pub source: SourceView,
    pub target: TargetView,
    pub max_credits: Credits,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub status: RuleStatus,
    pub status_label: &'static str,
    /// Published and within its period today.
    pub in_force: bool,
    pub updated_at: String,
    pub published_at: Option<String>,
}

impl RuleView {
    pub fn of(r: &Rule, today: NaiveDate, lang: Lang) -> RuleView {
        let (s, t) = (&r.body.source, &r.body.target);
        RuleView {
            id: r.id.clone(),
            institution: r.institution.clone(),
            name: r.body.name.clone(),
            source: SourceView {
                kind: catalogue::KindView::of(&s.kind, &s.subtype, lang),
                name: s.name.clone(),
                min_level: s.min_level,
                min_level_label: s.min_level.map(|l| l.label(lang)),
            },
            target: TargetView {
                course_code: t.course_code.clone(),
                course_name: t.course_name.clone(),
                credits: Credits(t.credit_tenths),
                mode: t.mode,
                mode_label: t.mode.label(lang),
            },
            max_credits: Credits(r.body.max_credit_tenths),
            effective_from: r.body.effective_from,
            effective_to: r.body.effective_to,
            status: r.status,
            status_label: r.status.label(lang),
            in_force: r.in_force(today),
            updated_at: time_text(r.updated_at),
            published_at: r.published_at.map(time_text),
        }
    }
}
