//! What the feedback routes take: the bodies as sent, checked into commands.

use super::Category;
use crate::error::{DomainError, Problem};
use crate::values::input::{is_institution_code, max, required};
use serde::Deserialize;

/// A ticket's title (characters).
pub const TITLE: (usize, usize) = (4, 30);
/// A question's text (characters).
pub const CONTENT: (usize, usize) = (10, 600);
/// A follow-up, a reply or a forwarding note (characters).
pub const MESSAGE: (usize, usize) = (1, 600);
/// At most this many attachments per ticket.
pub const MAX_ATTACHMENTS: usize = 3;

/// Text as written (kept, and shown as text), trimmed: within `len` characters, no control
/// characters but line breaks and tabs.
fn text(
    field: &str,
    value: Option<String>,
    (min, most): (usize, usize),
) -> Result<String, DomainError> {
    let value = required(field, value, most)?;
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::validation(field, Problem::Invalid));
    }
    let value = value.trim().replace("\r\n", "\n");
    if value.chars().count() < min {
        return Err(DomainError::validation(field, Problem::OutOfRange));
    }
    Ok(value)
}

/// `POST /feedback` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketRequest {
    pub institution: Option<String>,
    pub category: Option<String>,
    pub title: Option<String>,
    pub content: Option<String>,
    pub related_id: Option<String>,
    pub attachments: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TicketCommand {
    pub institution: String,
    pub category: Category,
    pub title: String,
    pub content: String,
    pub related_id: Option<String>,
    /// Upload ids, each once, at most [`MAX_ATTACHMENTS`].
    pub attachments: Vec<String>,
}

impl TryFrom<TicketRequest> for TicketCommand {
    type Error = DomainError;

    fn try_from(r: TicketRequest) -> Result<Self, DomainError> {
        let institution = required("institution", r.institution, max::INSTITUTION_CODE)?;
        let institution = institution.trim().to_string();
        if !is_institution_code(&institution) {
            return Err(DomainError::validation("institution", Problem::Invalid));
        }
        let category = required("category", r.category, max::ENUM_CODE)?;
        let category = Category::parse(category.trim())
            .ok_or_else(|| DomainError::validation("category", Problem::Invalid))?;
        let title = text("title", r.title, TITLE)?;
        if title.contains('\n') {
            return Err(DomainError::validation("title", Problem::Invalid));
        }
        let content = text("content", r.content, CONTENT)?;
        let related_id = match r.related_id.filter(|s| !s.trim().is_empty()) {
            Some(id) if crate::workflow::is_record_id(id.trim()) => Some(id.trim().to_string()),
            Some(_) => return Err(DomainError::validation("relatedId", Problem::Invalid)),
            None => None,
        };
        let attachments = r.attachments.unwrap_or_default();
        if attachments.len() > MAX_ATTACHMENTS {
            return Err(DomainError::validation("attachments", Problem::OutOfRange));
        }
        let mut seen = std::collections::HashSet::new();
        for id in &attachments {
            if !crate::uploads::is_upload_id(id) || !seen.insert(id.as_str()) {
                return Err(DomainError::validation("attachments", Problem::Invalid));
            }
        }
        Ok(TicketCommand {
            institution,
            category,
            title,
            content,
            related_id,
            attachments,
        })
    }
}

/// `POST …/messages` as sent (`content`), and `POST /institution/feedback/{id}/forward`
/// (`note`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageRequest {
    pub content: Option<String>,
    pub note: Option<String>,
}

/// A message's checked text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageCommand {
    pub content: String,
}

impl MessageCommand {
    /// A follow-up or a reply: `content`.
    pub fn message(r: MessageRequest) -> Result<MessageCommand, DomainError> {
        crate::values::input::absent("note", &r.note)?;
        Ok(MessageCommand {
            content: text("content", r.content, MESSAGE)?,
        })
    }

    /// A forwarding note: `note`.
    pub fn note(r: MessageRequest) -> Result<MessageCommand, DomainError> {
        crate::values::input::absent("content", &r.content)?;
        Ok(MessageCommand {
            content: text("note", r.note, MESSAGE)?,
        })
    }
}

/// `POST /feedback/{id}/close` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloseRequest {
    pub rating: Option<serde_json::Number>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CloseCommand {
    pub rating: Option<u8>,
}

impl TryFrom<CloseRequest> for CloseCommand {
    type Error = DomainError;

    fn try_from(r: CloseRequest) -> Result<Self, DomainError> {
        let rating = match r.rating {
            None => None,
            Some(n) => Some(
                n.as_u64()
                    .filter(|v| (1..=5).contains(v))
                    .map(|v| v as u8)
                    .ok_or_else(|| DomainError::validation("rating", Problem::OutOfRange))?,
            ),
        };
        Ok(CloseCommand { rating })
    }
}

pub type ListQuery = crate::workflow::ListQuery<super::Status>;
