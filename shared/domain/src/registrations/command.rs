//! What the registration routes take: the bodies as sent, checked into commands, and the list
//! queries.

use super::Status;
use crate::achievements::catalogue;
use crate::error::{DomainError, Problem};
use crate::values::credits::Credits;
use crate::values::input::{is_institution_code, max, required};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// At most this many evidence files per registration.
pub const MAX_EVIDENCE: usize = 5;
/// A certificate number (characters).
pub const MAX_CERTIFICATE_NO: usize = 64;
/// A school's reason for a rejection or return (characters).
pub const MAX_REASON: usize = 200;
pub const MIN_REASON: usize = 2;
/// The most points a school may recognise for one achievement.
pub const MAX_POINTS: i64 = 1_000_000;

/// What the learner registers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub subtype: String,
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_no: Option<String>,
    pub obtained_at: NaiveDate,
}

impl Details {
    /// The claim key of the certificate, when it has a number: the issuer with its spaces
    /// collapsed, the number upper-cased without spaces, so spellings of one certificate meet.
    pub fn claim_sk(&self) -> Option<String> {
        let number = self.certificate_no.as_deref()?;
        let number: String = number
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        let issuer = self.issuer.split_whitespace().collect::<Vec<_>>().join(" ");
        Some(crate::store::schema::certificate_claim_sk(&issuer, &number))
    }
}

/// `POST /achievement-registrations` and `PUT /achievement-registrations/{id}` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationRequest {
    pub institution: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub subtype: Option<String>,
    pub issuer: Option<String>,
    pub certificate_no: Option<String>,
    pub obtained_at: Option<String>,
    pub evidence: Option<Vec<String>>,
}

/// A checked registration (today's date in China bounds `obtainedAt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrationCommand {
    pub institution: String,
    pub details: Details,
    /// Upload ids, each once, 1 to [`MAX_EVIDENCE`].
    pub evidence: Vec<String>,
}

fn text(field: &str, value: Option<String>, max: usize) -> Result<String, DomainError> {
    let value = required(field, value, max)?;
    if value.chars().any(char::is_control) {
        return Err(DomainError::validation(field, Problem::Invalid));
    }
    Ok(value.trim().to_string())
}

impl RegistrationCommand {
    pub fn parse(r: RegistrationRequest, today: NaiveDate) -> Result<Self, DomainError> {
        let institution = text("institution", r.institution, max::INSTITUTION_CODE)?;
        if !is_institution_code(&institution) {
            return Err(DomainError::validation("institution", Problem::Invalid));
        }
        let name = text("name", r.name, max::ACHIEVEMENT_NAME)?;
        let kind = text("type", r.kind, max::ENUM_CODE)?;
        let entry = catalogue::find_type(&kind)
            .ok_or_else(|| DomainError::validation("type", Problem::Invalid))?;
        let subtype = text("subtype", r.subtype, max::ENUM_CODE)?;
        if !entry.subtypes.iter().any(|s| s.code == subtype) {
            return Err(DomainError::validation("subtype", Problem::Invalid));
        }
        let issuer = text("issuer", r.issuer, max::ISSUER)?;
        let certificate_no = match r.certificate_no.filter(|c| !c.trim().is_empty()) {
            Some(c) => Some(text("certificateNo", Some(c), MAX_CERTIFICATE_NO)?),
            None => None,
        };
        let obtained_at = obtained_at(r.obtained_at, today)?;
        let evidence = evidence(r.evidence)?;
        Ok(RegistrationCommand {
            institution,
            details: Details {
                name,
                kind,
                subtype,
                issuer,
                certificate_no,
                obtained_at,
            },
            evidence,
        })
    }
}

fn obtained_at(value: Option<String>, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let text = required("obtainedAt", value, 10)?;
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| DomainError::validation("obtainedAt", Problem::Invalid))?;
    if date > today || date.year_ce().1 < 1949 {
        return Err(DomainError::validation("obtainedAt", Problem::OutOfRange));
    }
    Ok(date)
}

fn evidence(ids: Option<Vec<String>>) -> Result<Vec<String>, DomainError> {
    let ids = ids.ok_or_else(|| DomainError::validation("evidence", Problem::Missing))?;
    if ids.is_empty() || ids.len() > MAX_EVIDENCE {
        return Err(DomainError::validation("evidence", Problem::OutOfRange));
    }
    let mut seen = std::collections::HashSet::new();
    for id in &ids {
        if !crate::uploads::is_upload_id(id) || !seen.insert(id.as_str()) {
            return Err(DomainError::validation("evidence", Problem::Invalid));
        }
    }
    Ok(ids)
}

/// `POST /institution/achievement-registrations/{id}/decision` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionRequest {
    pub decision: Option<String>,
    pub credits: Option<serde_json::Number>,
    pub points: Option<serde_json::Number>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Approve { credits: Credits, points: i64 },
    Reject { reason: String },
    Return { reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionCommand {
    pub verdict: Verdict,
}

impl TryFrom<DecisionRequest> for DecisionCommand {
    type Error = DomainError;

    fn try_from(r: DecisionRequest) -> Result<Self, DomainError> {
        let decision = required("decision", r.decision, max::ENUM_CODE)?;
        let reason = || -> Result<String, DomainError> {
            let reason = text("reason", r.reason.clone(), MAX_REASON)?;
            if reason.chars().count() < MIN_REASON {
                return Err(DomainError::validation("reason", Problem::Invalid));
            }
            Ok(reason)
        };
        let verdict = match decision.as_str() {
            "APPROVE" => {
                let credits = r
                    .credits
                    .as_ref()
                    .ok_or_else(|| DomainError::validation("credits", Problem::Missing))?;
                let credits = Credits::parse(credits)
                    .map_err(|_| DomainError::validation("credits", Problem::OutOfRange))?;
                let points = match &r.points {
                    None => 0,
                    Some(n) => n
                        .as_i64()
                        .filter(|p| (0..=MAX_POINTS).contains(p))
                        .ok_or_else(|| DomainError::validation("points", Problem::OutOfRange))?,
                };
                Verdict::Approve { credits, points }
            }
            "REJECT" => Verdict::Reject { reason: reason()? },
            "RETURN" => Verdict::Return { reason: reason()? },
            _ => return Err(DomainError::validation("decision", Problem::Invalid)),
        };
        Ok(DecisionCommand { verdict })
    }
}

/// A list's filter and page.
pub type ListQuery = crate::workflow::ListQuery<Status>;

impl crate::workflow::ListStatus for Status {
    fn parse(text: &str) -> Option<Status> {
        Status::parse(text)
    }

    fn as_str(self) -> &'static str {
        Status::as_str(self)
    }
}
