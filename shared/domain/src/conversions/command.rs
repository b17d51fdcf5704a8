//! What the conversion routes take: rule bodies, applications, decisions and list queries, as
//! sent and as checked. A field's error names it as the body nests it (`source.subtype`).

use super::rules::{Level, Mode, RuleBody, RuleStatus, Source, Target};
use super::Status;
use crate::achievements::catalogue;
use crate::error::{DomainError, Problem};
use crate::values::credits::Credits;
use crate::values::input::{is_institution_code, max, required};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

/// A rule's name, a certificate name in its source, a course name (characters).
pub const MAX_RULE_NAME: usize = 60;
pub const MIN_RULE_NAME: usize = 2;
pub const MAX_COURSE_NAME: usize = 60;
/// A course code: 1 to 20 letters, digits, `-` or `_`.
pub const MAX_COURSE_CODE: usize = 20;
/// A course's credits, in tenths (30.0), and a rule's cap (100.0).
pub const MAX_COURSE_TENTHS: i64 = 300;
pub const MAX_CAP_TENTHS: i64 = 1_000;
/// Cursor-paged lists: at most this many rules a page, and the rules one page reads.
pub const MAX_PUBLIC_PAGE: usize = 50;
pub const DEFAULT_PUBLIC_PAGE: usize = 20;

fn text(field: &str, value: Option<String>, max: usize) -> Result<String, DomainError> {
    let value = required(field, value, max)?;
    let value = value.trim().to_string();
    if value.chars().any(char::is_control) || value.is_empty() {
        return Err(DomainError::validation(field, Problem::Invalid));
    }
    Ok(value)
}

fn optional_text(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, DomainError> {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(v) => text(field, Some(v), max).map(Some),
        None => Ok(None),
    }
}

fn credits(field: &str, n: Option<&serde_json::Number>, max: i64) -> Result<i64, DomainError> {
    let n = n.ok_or_else(|| DomainError::validation(field, Problem::Missing))?;
    match Credits::parse(n) {
        Ok(Credits(t)) if (1..=max).contains(&t) => Ok(t),
        _ => Err(DomainError::validation(field, Problem::OutOfRange)),
    }
}

fn date(field: &str, value: Option<String>) -> Result<NaiveDate, DomainError> {
    let text = required(field, value, 10)?;
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::validation(field, Problem::Invalid))?;
    if !(2000..=2099).contains(&date.year()) {
        return Err(DomainError::validation(field, Problem::OutOfRange));
    }
    Ok(date)
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRequest {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub subtype: Option<String>,
    pub name: Option<String>,
    pub min_level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetRequest {
    pub course_code: Option<String>,
    pub course_name: Option<String>,
    pub credits: Option<serde_json::Number>,
    pub mode: Option<String>,
}

/// `POST /institution/conversion-rules` and `PUT /institution/conversion-rules/{id}` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleRequest {
    pub name: Option<String>,
    pub source: Option<SourceRequest>,
    pub target: Option<TargetRequest>,
    pub max_credits: Option<serde_json::Number>,
    pub effective_from: Option<String>,
    pub effective_to: Option<String>,
}

impl TryFrom<SourceRequest> for Source {
    type Error = DomainError;

    fn try_from(r: SourceRequest) -> Result<Source, DomainError> {
        let kind = text("source.type", r.kind, max::ENUM_CODE)?;
        let entry = catalogue::find_type(&kind)
            .ok_or_else(|| DomainError::validation("source.type", Problem::Invalid))?;
        let subtype = text("source.subtype", r.subtype, max::ENUM_CODE)?;
        if !entry.subtypes.iter().any(|s| s.code == subtype) {
            return Err(DomainError::validation("source.subtype", Problem::Invalid));
        }
        let name = optional_text("source.name", r.name, MAX_RULE_NAME)?;
        if name
            .as_deref()
            .is_some_and(|n| super::rules::base_name(n).chars().count() < MIN_RULE_NAME)
        {
            return Err(DomainError::validation("source.name", Problem::Invalid));
        }
        let min_level = match r.min_level.filter(|l| !l.is_empty()) {
            Some(l) => Some(
                Level::parse(&l)
                    .ok_or_else(|| DomainError::validation("source.minLevel", Problem::Invalid))?,
            ),
            None => None,
        };
        Ok(Source {
            kind,
            subtype,
            name,
            min_level,
        })
    }
}

impl TryFrom<TargetRequest> for Target {
    type Error = DomainError;

    fn try_from(r: TargetRequest) -> Result<Target, DomainError> {
        let course_code = text("target.courseCode", r.course_code, MAX_COURSE_CODE)?;
        if !course_code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(DomainError::validation(
                "target.courseCode",
                Problem::Invalid,
            ));
        }
        let course_name = text("target.courseName", r.course_name, MAX_COURSE_NAME)?;
        let credit_tenths = credits("target.credits", r.credits.as_ref(), MAX_COURSE_TENTHS)?;
        let mode = text("target.mode", r.mode, max::ENUM_CODE)?;
        let mode = Mode::parse(&mode)
            .ok_or_else(|| DomainError::validation("target.mode", Problem::Invalid))?;
        Ok(Target {
            course_code: course_code.to_ascii_uppercase(),
            course_name,
            credit_tenths,
            mode,
        })
    }
}

impl TryFrom<RuleRequest> for RuleBody {
    type Error = DomainError;

    fn try_from(r: RuleRequest) -> Result<RuleBody, DomainError> {
        let name = text("name", r.name, MAX_RULE_NAME)?;
        if name.chars().count() < MIN_RULE_NAME {
            return Err(DomainError::validation("name", Problem::Invalid));
        }
        let source = r
            .source
            .ok_or_else(|| DomainError::validation("source", Problem::Missing))?
            .try_into()?;
        let target = r
            .target
            .ok_or_else(|| DomainError::validation("target", Problem::Missing))?
            .try_into()?;
        let max_credit_tenths = credits("maxCredits", r.max_credits.as_ref(), MAX_CAP_TENTHS)?;
        let effective_from = date("effectiveFrom", r.effective_from)?;
        let effective_to = match r.effective_to.filter(|t| !t.trim().is_empty()) {
            Some(t) => Some(date("effectiveTo", Some(t))?),
            None => None,
        };
        if effective_to.is_some_and(|to| to < effective_from) {
            return Err(DomainError::validation("effectiveTo", Problem::OutOfRange));
        }
        Ok(RuleBody {
            name,
            source,
            target,
            max_credit_tenths,
            effective_from,
            effective_to,
        })
    }
}

/// `POST /conversions` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplyRequest {
    pub achievement_id: Option<String>,
    pub rule_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplyCommand {
    pub achievement_id: String,
    pub rule_id: String,
}

fn record_id(field: &str, value: Option<String>) -> Result<String, DomainError> {
    let id = required(field, value, 64)?;
    if !crate::workflow::is_record_id(&id) {
        return Err(DomainError::validation(field, Problem::Invalid));
    }
    Ok(id)
}

impl TryFrom<ApplyRequest> for ApplyCommand {
    type Error = DomainError;

    fn try_from(r: ApplyRequest) -> Result<ApplyCommand, DomainError> {
        Ok(ApplyCommand {
            achievement_id: record_id("achievementId", r.achievement_id)?,
            rule_id: record_id("ruleId", r.rule_id)?,
        })
    }
}

/// `POST /institution/conversions/{id}/decision` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRequest {
    pub decision: Option<String>,
    pub credits: Option<serde_json::Number>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecisionCommand {
    /// Granted course credits (tenths), at most the application's cap (checked on it).
    Approve {
        credit_tenths: i64,
    },
    Reject {
        reason: String,
    },
}

impl TryFrom<DecisionRequest> for DecisionCommand {
    type Error = DomainError;

    fn try_from(r: DecisionRequest) -> Result<DecisionCommand, DomainError> {
        use crate::registrations::command::{MAX_REASON, MIN_REASON};
        let decision = required("decision", r.decision, max::ENUM_CODE)?;
        match decision.as_str() {
            "APPROVE" => Ok(DecisionCommand::Approve {
                credit_tenths: credits("credits", r.credits.as_ref(), MAX_COURSE_TENTHS)?,
            }),
            "REJECT" => {
                let reason = text("reason", r.reason, MAX_REASON)?;
                if reason.chars().count() < MIN_REASON {
                    return Err(DomainError::validation("reason", Problem::Invalid));
                }
                Ok(DecisionCommand::Reject { reason })
            }
            _ => Err(DomainError::validation("decision", Problem::Invalid)),
        }
    }
}

/// A list of applications: `status` (one of the statuses, or all), `page`, `pageSize`.
pub type ListQuery = crate::workflow::ListQuery<Status>;
/// The school's rules: `status` (or all), `page`, `pageSize`.
pub type RuleListQuery = crate::workflow::ListQuery<RuleStatus>;

impl crate::workflow::ListStatus for Status {
    fn parse(text: &str) -> Option<Status> {
        Status::parse(text)
    }

    fn as_str(self) -> &'static str {
        Status::as_str(self)
    }
}

impl crate::workflow::ListStatus for RuleStatus {
    fn parse(text: &str) -> Option<RuleStatus> {
        RuleStatus::parse(text)
    }

    fn as_str(self) -> &'static str {
        RuleStatus::as_str(self)
    }
}

/// `GET /conversion-rules`: filters (`institution`, `type`, `subtype`, `name` — a part of the
/// rule's or its certificate's name), `pageSize`, and the `cursor` a previous page gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicQuery {
    pub institution: Option<String>,
    pub kind: Option<String>,
    pub subtype: Option<String>,
    pub name: Option<String>,
    pub page_size: usize,
    /// The sort key the previous page ended at (decoded from the opaque cursor).
    pub after: Option<String>,
}

impl PublicQuery {
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Result<PublicQuery, DomainError> {
        let institution = get("institution").filter(|i| !i.is_empty());
        if institution
            .as_deref()
            .is_some_and(|i| i.len() > max::INSTITUTION_CODE || !is_institution_code(i))
        {
            return Err(DomainError::validation("institution", Problem::Invalid));
        }
        let mut kind = get("type").filter(|k| !k.is_empty());
        if let Some(k) = &kind {
            catalogue::find_type(k)
                .ok_or_else(|| DomainError::validation("type", Problem::Invalid))?;
        }
        let subtype = get("subtype").filter(|s| !s.is_empty());
        if let Some(s) = &subtype {
            let owner = catalogue::type_of_subtype(s)
                .ok_or_else(|| DomainError::validation("subtype", Problem::Invalid))?;
            if kind.as_deref().is_some_and(|k| k != owner.entry.code) {
                return Err(DomainError::validation("subtype", Problem::Invalid));
            }
            kind = Some(owner.entry.code.to_string());
        }
        let name = get("name").filter(|n| !n.trim().is_empty());
        if name
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_RULE_NAME)
        {
            return Err(DomainError::validation("name", Problem::TooLong));
        }
        let page_size = match get("pageSize") {
            None => DEFAULT_PUBLIC_PAGE,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=MAX_PUBLIC_PAGE).contains(&n) => n,
                Ok(_) => return Err(DomainError::validation("pageSize", Problem::OutOfRange)),
                Err(_) => return Err(DomainError::validation("pageSize", Problem::Invalid)),
            },
        };
        let after = match get("cursor").filter(|c| !c.is_empty()) {
            Some(c) => Some(decode_cursor(&c)?),
            None => None,
        };
        Ok(PublicQuery {
            institution,
            kind,
            subtype,
            name: name.map(|n| n.trim().to_string()),
            page_size,
            after,
        })
    }
}

/// A page's end as clients hold it: the sort key, base64url.
pub fn encode_cursor(sk: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sk)
}

fn decode_cursor(cursor: &str) -> Result<String, DomainError> {
    use base64::Engine as _;
    let bad = || DomainError::validation("cursor", Problem::Invalid);
    if cursor.len() > 400 {
        return Err(bad());
    }
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad())?;
    let sk = String::from_utf8(bytes).map_err(|_| bad())?;
    if sk.chars().any(char::is_control) {
        return Err(bad());
    }
    Ok(sk)
}
