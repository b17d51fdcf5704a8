//! Bulk import of learners and achievements, invoked directly (`aws lambda invoke`,
//! `sam remote invoke`, `cargo lambda invoke`): never on the public API.

use shared::import::{self, ImportEvent, ImportResult};
use shared::App;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the event is not an import event: {0}")]
    BadEvent(String),
    #[error("{0}")]
    Failed(String),
}

/// Runs one import event (its JSON as received).
pub async fn handle(app: &App, event: serde_json::Value) -> Result<ImportResult, ImportError> {
    let event: ImportEvent = serde_path_to_error::deserialize(event)
        .map_err(|e| ImportError::BadEvent(format!("{} at {}", e.inner(), e.path())))?;
    import::run(app, event).await.map_err(|e| match e {
        shared::AppError::Validation { field, .. } => {
            ImportError::BadEvent(format!("{field} is invalid"))
        }
        other => {
            tracing::error!(error = %other, "import failed");
            ImportError::Failed(other.code().to_string())
        }
    })
}
