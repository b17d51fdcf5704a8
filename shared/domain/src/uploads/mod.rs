//! Evidence uploads: an active learner asks for an upload form (`POST /uploads`), posts the file
//! straight to the file store (S3 in the stack), then attaches the upload to what it proves (a
//! registration). The form fixes the key, the type and the size range; attaching checks the
//! stored object again (it exists, has the declared size and type, and its first bytes are what
//! the type says) before copying it to its lasting place. Uploads never attached expire: the
//! record after a day (TTL), the object by the bucket's lifecycle rule on `incoming/`.

use crate::account::session::Authenticated;
use crate::app::App;
use crate::error::{DomainError, Problem};
use crate::ports::files::{UploadForm, UploadSpec};
use crate::store::retry::optimistic;
use crate::store::schema;
use crate::store::{Condition, Item, Step, StoreError, WriteOp};
use crate::values::input::required;
use serde::{Deserialize, Serialize};

/// The largest evidence file: 5 MiB.
pub const MAX_BYTES: u64 = 5 * 1024 * 1024;
/// How long an upload form can be used.
pub const FORM_SECONDS: i64 = 600;
/// How long an unattached upload is kept (its record's TTL; the bucket's lifecycle rule removes
/// the object after the same day).
pub const KEEP_SECONDS: i64 = 86_400;
/// How long a read URL of an attached file works.
pub const READ_SECONDS: i64 = 300;
/// Upload forms per learner per day (China Standard Time calendar day).
pub const DAILY_UPLOADS: u64 = 60;
/// The longest file name kept (characters).
pub const MAX_FILE_NAME: usize = 100;

/// The types evidence may have, with the first bytes each must start with.
pub const TYPES: [(&str, &[u8]); 3] = [
    ("image/jpeg", &[0xFF, 0xD8, 0xFF]),
    (
        "image/png",
        &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A],
    ),
    ("application/pdf", b"%PDF-"),
];

/// How many first bytes attaching reads (the longest signature).
pub const HEAD_BYTES: usize = 8;

/// `POST /uploads` as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadRequest {
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
}

/// A checked upload request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadCommand {
    pub file_name: String,
    pub content_type: &'static str,
    pub size: u64,
}

impl TryFrom<UploadRequest> for UploadCommand {
    type Error = DomainError;

    fn try_from(r: UploadRequest) -> Result<Self, DomainError> {
        let file_name = required("fileName", r.file_name, MAX_FILE_NAME)?;
        if file_name.chars().any(char::is_control) {
            return Err(DomainError::validation("fileName", Problem::Invalid));
        }
        let asked = r
            .content_type
            .ok_or_else(|| DomainError::validation("contentType", Problem::Missing))?;
        let content_type = TYPES
            .iter()
            .map(|(t, _)| *t)
            .find(|t| t.eq_ignore_ascii_case(asked.trim()))
            .ok_or_else(|| DomainError::validation("contentType", Problem::Invalid))?;
        let size = r
            .size
            .ok_or_else(|| DomainError::validation("size", Problem::Missing))?;
        if size == 0 || size > MAX_BYTES {
            return Err(DomainError::validation("size", Problem::OutOfRange));
        }
        Ok(UploadCommand {
            file_name: file_name.trim().to_string(),
            content_type,
            size,
        })
    }
}

/// An upload as stored in its learner's partition (`SK = UPLOAD#<id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    pub created_at: i64,
    /// The record it was attached to (a registration or a feedback ticket; once attached it
    /// never expires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<String>,
}

impl Upload {
    /// Where the client posts the file.
    pub fn incoming_key(&self) -> String {
        format!("incoming/{}", self.id)
    }

    /// Where an attached file lives.
    pub fn evidence_key(&self) -> String {
        format!("evidence/{}", self.id)
    }
}

/// `POST /uploads`'s answer: the form to post the file with.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadResponse {
    pub upload_id: String,
    pub url: String,
    pub method: &'static str,
    pub fields: std::collections::BTreeMap<String, String>,
    pub expires_in: i64,
    pub max_bytes: u64,
}

/// Whether `id` has the shape upload ids have (32 lower-case hex characters).
pub fn is_upload_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An upload form for an active learner: the record (expiring after a day) and the day's count
/// in one transaction; the form from the file store (no I/O for S3: a signature).
pub async fn create(
    app: &App,
    authed: &Authenticated,
    cmd: UploadCommand,
) -> Result<UploadResponse, DomainError> {
    let learner = &authed.learner.learner;
    let upload = Upload {
        id: app.rng().hex(16),
        file_name: cmd.file_name,
        content_type: cmd.content_type.to_string(),
        size: cmd.size,
        created_at: app.now_unix(),
        attached_to: None,
    };
    let form: UploadForm = app
        .files
        .upload_form(&UploadSpec {
            key: upload.incoming_key(),
            content_type: upload.content_type.clone(),
            min_bytes: 1,
            max_bytes: cmd.size,
            expires_in: FORM_SECONDS,
        })
        .await?;
    let (ops, next_day) = creation_ops(app, &learner.id_key, &upload);
    optimistic!("issue an upload form", |_| {
        match app.store.transact(ops.clone()).await {
            // The day's count is full.
            Err(StoreError::ConditionFailed { index: Some(1) }) => Err(DomainError::DailyLimit {
                what: crate::error::Daily::Uploads,
                retry_after: (next_day - app.now_unix()).max(1) as u64,
            }),
            // The record exists: an earlier attempt of this very transaction was written (an
            // answer lost on the way back, the SDK's retry refused): done.
            Err(StoreError::ConditionFailed { index: Some(0) }) => Ok(Step::Done(())),
            // Another upload of the learner's counted at the same time: try again.
            written => Ok(Step::of(written, ())?),
        }
    })?;
    tracing::info!(learner = %learner.log_id(), upload = %upload.id, size = upload.size, "upload form issued");
    Ok(UploadResponse {
        upload_id: upload.id,
        url: form.url,
        method: "POST",
        fields: form.fields,
        expires_in: FORM_SECONDS,
        max_bytes: cmd.size,
    })
}

/// The upload's record (expiring after a day) and the day's count, which fails past
/// [`DAILY_UPLOADS`] (its op is the second); and when the next day begins.
fn creation_ops(app: &App, learner: &str, upload: &Upload) -> (Vec<WriteOp>, i64) {
    let (day, next_day) = china_day(app);
    let record = Item::new(
        schema::learner_pk(learner),
        schema::upload_sk(&upload.id),
        upload,
    );
    let ops = vec![
        WriteOp::Put {
            item: record.expiring(upload.created_at + KEEP_SECONDS),
            condition: Condition::NotExists,
        },
        WriteOp::Increment {
            pk: schema::upload_quota_pk(learner),
            sk: schema::day_sk(&day),
            field: "count".into(),
            max: DAILY_UPLOADS,
            expires_at: Some(next_day + 86_400),
        },
    ];
    (ops, next_day)
}

/// Today in China (`yyyy-mm-dd`) and the Unix second the next day begins.
pub fn china_day(app: &App) -> (String, i64) {
    let today = app.today();
    let next = today
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp() - 8 * 3600)
        .unwrap_or(i64::MAX / 2);
    (today.format("%Y-%m-%d").to_string(), next)
}

/// Whether the stored object is what `upload` declared: the size, the type, and the first bytes
/// of that type.
pub fn stored_matches(upload: &Upload, stored: &crate::ports::files::StoredFile) -> bool {
    let signature = TYPES
        .iter()
        .find(|(t, _)| *t == upload.content_type)
        .map(|(_, sig)| *sig);
    stored.size == upload.size
        && stored.size <= MAX_BYTES
        && stored
            .content_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(&upload.content_type))
        && signature.is_some_and(|sig| stored.head.starts_with(sig))
}

/// Checks the stored object of each upload (with its place in the body's list `field`) and
/// copies it to its lasting place, all at once: a missing or mismatched file is
/// `UPLOAD_INVALID` naming it.
pub async fn verify_and_keep(
    app: &App,
    field: &'static str,
    uploads: &[(usize, Upload)],
) -> Result<(), DomainError> {
    let checks = uploads.iter().map(|(index, u)| async move {
        let stored = app.files.inspect(&u.incoming_key(), HEAD_BYTES).await?;
        if !stored.is_some_and(|s| stored_matches(u, &s)) {
            tracing::info!(upload = %u.id, "upload refused: missing, or not what it was declared");
            return Err(DomainError::UploadInvalid {
                field,
                index: *index,
            });
        }
        app.files.copy(&u.incoming_key(), &u.evidence_key()).await?;
        Ok(())
    });
    futures::future::try_join_all(checks).await?;
    Ok(())
}

/// A kept file, as the record it is attached to (a registration, a feedback ticket) lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Evidence {
    pub upload_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
}

impl Evidence {
    pub fn key(&self) -> String {
        format!("evidence/{}", self.upload_id)
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceView {
    pub upload_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
    /// A short-lived read URL (absent from lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The views of `files`, with read URLs (signatures: no I/O with S3) when `with_urls`.
pub async fn views(
    app: &App,
    files: &[Evidence],
    with_urls: bool,
) -> Result<Vec<EvidenceView>, DomainError> {
    let mut views = Vec::with_capacity(files.len());
    for e in files {
        let url = match with_urls {
            true => Some(
                app.files
                    .download_url(&e.key(), &e.file_name, READ_SECONDS)
                    .await?,
            ),
            false => None,
        };
        views.push(EvidenceView {
            upload_id: e.upload_id.clone(),
            file_name: e.file_name.clone(),
            content_type: e.content_type.clone(),
            size: e.size,
            url,
        });
    }
    Ok(views)
}

/// The next `count` items of a batch read, as the uploads of the body's list `field`: each must
/// be live and attached to nothing, or to `record` (a record changed again); anything else is
/// `UPLOAD_INVALID` naming it.
pub fn from_batch(
    app: &App,
    got: &mut impl Iterator<Item = Option<Item>>,
    field: &'static str,
    count: usize,
    record: Option<&str>,
) -> Result<Vec<(Item, Upload)>, DomainError> {
    let mut uploads = Vec::with_capacity(count);
    for index in 0..count {
        let invalid = DomainError::UploadInvalid { field, index };
        let item = got.next().flatten().filter(|i| i.is_live(app.now_unix()));
        let item = item.ok_or(invalid)?;
        let upload: Upload = item.parse()?;
        if upload
            .attached_to
            .as_deref()
            .is_some_and(|r| Some(r) != record)
        {
            return Err(DomainError::UploadInvalid { field, index });
        }
        uploads.push((item, upload));
    }
    Ok(uploads)
}

/// Checks and keeps (copies to `evidence/`) the uploads not attached yet and not kept by an
/// earlier try (`kept`); returns them as the record lists them, in the body's order.
pub async fn keep(
    app: &App,
    field: &'static str,
    uploads: &[(Item, Upload)],
    kept: &mut std::collections::HashSet<String>,
) -> Result<Vec<Evidence>, DomainError> {
    let fresh: Vec<(usize, Upload)> = uploads
        .iter()
        .map(|(_, u)| u)
        .enumerate()
        .filter(|(_, u)| u.attached_to.is_none() && !kept.contains(&u.id))
        .map(|(i, u)| (i, u.clone()))
        .collect();
    verify_and_keep(app, field, &fresh).await?;
    kept.extend(fresh.into_iter().map(|(_, u)| u.id));
    Ok(uploads
        .iter()
        .map(|(_, u)| Evidence {
            upload_id: u.id.clone(),
            file_name: u.file_name.clone(),
            content_type: u.content_type.clone(),
            size: u.size,
        })
        .collect())
}

/// The writes attaching `uploads` to record `id` (kept for good: no expiry), each conditional
/// on the version read.
pub fn attach_ops(uploads: &[(Item, Upload)], id: &str) -> Vec<WriteOp> {
    uploads
        .iter()
        .filter(|(_, u)| u.attached_to.is_none())
        .map(|(item, u)| {
            let attached = Upload {
                attached_to: Some(id.to_string()),
                ..u.clone()
            };
            let mut next = item.next(&attached);
            next.expires_at = None;
            WriteOp::Put {
                item: next,
                condition: Condition::Version(item.version),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::files::StoredFile;

    fn cmd(
        name: Option<&str>,
        t: Option<&str>,
        size: Option<u64>,
    ) -> Result<UploadCommand, String> {
        UploadCommand::try_from(UploadRequest {
            file_name: name.map(Into::into),
            content_type: t.map(Into::into),
            size,
        })
        .map_err(|e| match e {
            DomainError::Validation { field, .. } => field,
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn only_jpeg_png_and_pdf_up_to_five_mebibytes() {
        let ok = cmd(Some("证书.png"), Some("IMAGE/PNG"), Some(MAX_BYTES)).unwrap();
        assert_eq!(ok.content_type, "image/png");
        assert_eq!(
            cmd(Some("a.gif"), Some("image/gif"), Some(1)).unwrap_err(),
            "contentType"
        );
        assert_eq!(
            cmd(Some("a.pdf"), None, Some(1)).unwrap_err(),
            "contentType"
        );
        assert_eq!(
            cmd(Some("a.pdf"), Some("application/pdf"), Some(MAX_BYTES + 1)).unwrap_err(),
            "size"
        );
        assert_eq!(
            cmd(Some("a.pdf"), Some("application/pdf"), Some(0)).unwrap_err(),
            "size"
        );
        assert_eq!(
            cmd(Some("a.pdf"), Some("application/pdf"), None).unwrap_err(),
            "size"
        );
        assert_eq!(
            cmd(Some(" "), Some("application/pdf"), Some(1)).unwrap_err(),
            "fileName"
        );
        assert_eq!(
            cmd(Some("a\nb"), Some("application/pdf"), Some(1)).unwrap_err(),
            "fileName"
        );
        let long = "a".repeat(MAX_FILE_NAME + 1);
        assert_eq!(
            cmd(Some(&long), Some("application/pdf"), Some(1)).unwrap_err(),
            "fileName"
        );
    }

    #[test]
    fn a_stored_file_must_have_the_declared_size_type_and_signature() {
        let upload = Upload {
            id: "a".repeat(32),
            file_name: "a.png".into(),
            content_type: "image/png".into(),
            size: 10,
            created_at: 0,
            attached_to: None,
        };
        let png = StoredFile {
            size: 10,
            content_type: Some("image/png".into()),
            head: TYPES[1].1.to_vec(),
        };
        assert!(stored_matches(&upload, &png));
        assert!(!stored_matches(
            &upload,
            &StoredFile {
                size: 11,
                ..png.clone()
            }
        ));
        assert!(!stored_matches(
            &upload,
            &StoredFile {
                content_type: Some("text/html".into()),
                ..png.clone()
            }
        ));
        assert!(!stored_matches(
            &upload,
            &StoredFile {
                head: b"<script>".to_vec(),
                ..png.clone()
            }
        ));
        assert!(!stored_matches(
            &upload,
            &StoredFile {
                content_type: None,
                ..png
            }
        ));
    }
}
