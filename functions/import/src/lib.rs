//! Bulk import of learners and achievements, invoked directly (`aws lambda invoke`,
//! `sam remote invoke`, `cargo lambda invoke`): never on the public API.

use domain::error::{chain, DomainError};
use domain::import::{self, ImportEvent, ImportResult, RecordError};
use domain::security::crypto::Purposes;
use domain::{App, Lang};
use http_edge::error::record_text;
use serde::Serialize;

/// The keyed hashes this function computes: identities only (the learners' ID numbers).
pub const KEYS: Purposes = Purposes::IDENTITY;

/// Why a whole event failed. Lambda reports it with an error type: `ImportEventInvalid` (the
/// event is not an import event: fix it, do not resend as is) or `ImportFailed` (storage
/// failed midway: send the same event again; it creates nothing twice).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the event is not an import event: {0}")]
    BadEvent(String),
    #[error("import failed: {}", chain(.0))]
    Failed(#[source] DomainError),
}

impl ImportError {
    pub fn error_type(&self) -> &'static str {
        match self {
            ImportError::BadEvent(_) => "ImportEventInvalid",
            ImportError::Failed(_) => "ImportFailed",
        }
    }
}

impl From<ImportError> for lambda_http::lambda_runtime::Diagnostic {
    fn from(e: ImportError) -> Self {
        lambda_http::lambda_runtime::Diagnostic {
            error_type: e.error_type().into(),
            error_message: e.to_string(),
        }
    }
}

/// A refused record as the answer shows it, worded in both languages.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordErrorView {
    pub index: usize,
    pub kind: &'static str,
    pub code: &'static str,
    pub message: &'static str,
    pub message_en: &'static str,
}

impl From<&RecordError> for RecordErrorView {
    fn from(e: &RecordError) -> Self {
        RecordErrorView {
            index: e.index,
            kind: e.kind,
            code: e.problem.code(),
            message: record_text(e.problem, Lang::Zh),
            message_en: record_text(e.problem, Lang::En),
        }
    }
}

/// The import function's answer.
#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResponse {
    pub learners_created: usize,
    pub learners_existing: usize,
    pub achievements_created: usize,
    pub achievements_existing: usize,
    pub errors: Vec<RecordErrorView>,
}

impl From<ImportResult> for ImportResponse {
    fn from(r: ImportResult) -> Self {
        ImportResponse {
            learners_created: r.learners_created,
            learners_existing: r.learners_existing,
            achievements_created: r.achievements_created,
            achievements_existing: r.achievements_existing,
            errors: r.errors.iter().map(RecordErrorView::from).collect(),
        }
    }
}

/// Runs one import event (its JSON as received).
pub async fn handle(app: &App, event: serde_json::Value) -> Result<ImportResponse, ImportError> {
    let event: ImportEvent = serde_path_to_error::deserialize(event)
        .map_err(|e| ImportError::BadEvent(format!("{} at {}", e.inner(), e.path())))?;
    match import::run(app, event).await {
        Ok(result) => Ok(result.into()),
        Err(DomainError::Validation { field, .. }) => {
            Err(ImportError::BadEvent(format!("{field} is invalid")))
        }
        Err(other) => {
            tracing::error!(cause = %chain(&other), "import failed");
            Err(ImportError::Failed(other))
        }
    }
}
