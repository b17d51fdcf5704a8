//! Evidence files: a small trait over an object store (S3 in the stack, `aws-infra`'s `s3`), and
//! [`MemoryFiles`], the embedded stand-in of the dev server and the tests. Clients never send a
//! file through the API: they get an upload form (an S3 presigned POST: the URL and the fields to
//! send with the file) and post the file straight to the store; the service checks the object
//! when the upload is attached, and hands out short-lived read URLs.

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// What an upload form allows: one object, one content type, a size range, for a while.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadSpec {
    /// The object's key (the form posts exactly this key).
    pub key: String,
    /// The only `Content-Type` the form accepts.
    pub content_type: String,
    /// The smallest and largest size accepted, in bytes.
    pub min_bytes: u64,
    pub max_bytes: u64,
    /// Seconds the form stays usable.
    pub expires_in: i64,
}

/// A form a client posts a file with (`multipart/form-data`: every field of `fields`, then the
/// file as the field `file`, last). `url` is absolute for S3; the embedded store's is a path on
/// the API's own origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadForm {
    pub url: String,
    pub fields: BTreeMap<String, String>,
}

/// What the store holds under a key: its size, its stored `Content-Type`, and its first bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub size: u64,
    pub content_type: Option<String>,
    pub head: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The store could not be reached in time, or refused to work; trying again may succeed.
    #[error("file store unavailable ({operation}): {detail}")]
    Unavailable {
        operation: &'static str,
        detail: String,
    },
}

impl FileError {
    pub fn unavailable(operation: &'static str, detail: impl std::fmt::Display) -> Self {
        FileError::Unavailable {
            operation,
            detail: detail.to_string(),
        }
    }
}

#[async_trait]
pub trait FileStore: Send + Sync {
    /// A form that uploads one object as `spec` allows (the store enforces key, type and
    /// size range; the service checks again when the upload is attached).
    async fn upload_form(&self, spec: &UploadSpec) -> Result<UploadForm, FileError>;

    /// The object under `key`: its size, type and first `first` bytes; `None` if absent.
    async fn inspect(&self, key: &str, first: usize) -> Result<Option<StoredFile>, FileError>;

    /// Copies the object `from` to `to` (an attached upload's lasting place: uploads never
    /// attached are removed by the store's lifecycle rule).
    async fn copy(&self, from: &str, to: &str) -> Result<(), FileError>;

    /// A URL that reads `key` for `expires_in` seconds, saved as `file_name`.
    async fn download_url(
        &self,
        key: &str,
        file_name: &str,
        expires_in: i64,
    ) -> Result<String, FileError>;
}

/// The file store of a process configured without one: every operation is unavailable, and
/// says why (a function deployed without `UPLOAD_BUCKET`).
pub struct Unconfigured;

#[async_trait]
impl FileStore for Unconfigured {
    async fn upload_form(&self, _: &UploadSpec) -> Result<UploadForm, FileError> {
        Err(FileError::unavailable(
            "upload form",
            "UPLOAD_BUCKET is not set",
        ))
    }

    async fn inspect(&self, _: &str, _: usize) -> Result<Option<StoredFile>, FileError> {
        Err(FileError::unavailable(
            "inspect",
            "UPLOAD_BUCKET is not set",
        ))
    }

    async fn copy(&self, _: &str, _: &str) -> Result<(), FileError> {
        Err(FileError::unavailable("copy", "UPLOAD_BUCKET is not set"))
    }

    async fn download_url(&self, _: &str, _: &str, _: i64) -> Result<String, FileError> {
        Err(FileError::unavailable(
            "download URL",
            "UPLOAD_BUCKET is not set",
        ))
    }
}

/// Where the embedded store takes upload forms and serves reads (dev server routes).
pub const MEMORY_UPLOAD_PATH: &str = "/_dev/files";

/// The policy of an embedded-store form, as its `policy` field carries it (base64 JSON), signed
/// by the `signature` field (HMAC-SHA256 under the store's own key, new each process).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Policy {
    key: String,
    content_type: String,
    min_bytes: u64,
    max_bytes: u64,
    /// Unix seconds.
    expires_at: i64,
}

/// Why the embedded store refused a posted form (S3 answers these 403 or 400; so does the dev
/// server).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormRefusal {
    #[error("the form's policy or signature is missing or wrong")]
    BadSignature,
    #[error("the form has expired")]
    Expired,
    #[error("the key or content type is not the one the policy allows")]
    PolicyMismatch,
    #[error("the file is smaller or larger than the policy allows")]
    SizeOutOfRange,
}

/// The embedded object store: objects in memory, upload forms signed with a per-process key and
/// checked as S3 checks a presigned POST's policy (key, content type, size range, expiry).
pub struct MemoryFiles {
    objects: Mutex<HashMap<String, (String, Vec<u8>)>>,
    key: [u8; 32],
    clock: std::sync::Arc<dyn crate::ports::clock::Clock>,
}

impl MemoryFiles {
    pub fn new(clock: std::sync::Arc<dyn crate::ports::clock::Clock>) -> MemoryFiles {
        let mut key = [0u8; 32];
        crate::ports::random::Random::fill(&crate::ports::random::OsRandom, &mut key);
        MemoryFiles {
            objects: Mutex::default(),
            key,
            clock,
        }
    }

    fn sign(&self, text: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn verify(&self, text: &str, signature: &str) -> bool {
        crate::security::crypto::constant_time_eq(self.sign(text).as_bytes(), signature.as_bytes())
    }

    /// Takes a posted form: its text fields, then the file's bytes. The object is stored under
    /// the policy's key with the form's `Content-Type` when everything the policy says holds.
    pub fn accept_form(
        &self,
        fields: &HashMap<String, String>,
        file: Vec<u8>,
    ) -> Result<(), FormRefusal> {
        use base64::Engine;
        let field = |name: &str| fields.get(name).map(String::as_str).unwrap_or("");
        let encoded = field("policy");
        if encoded.is_empty() || !self.verify(encoded, field("x-signature")) {
            return Err(FormRefusal::BadSignature);
        }
        let policy: Policy = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or(FormRefusal::BadSignature)?;
        if self.clock.now().timestamp() > policy.expires_at {
            return Err(FormRefusal::Expired);
        }
        if field("key") != policy.key || field("Content-Type") != policy.content_type {
            return Err(FormRefusal::PolicyMismatch);
        }
        let size = file.len() as u64;
        if size < policy.min_bytes || size > policy.max_bytes {
            return Err(FormRefusal::SizeOutOfRange);
        }
        self.put(&policy.key, &policy.content_type, file);
        Ok(())
    }

    /// Stores an object directly (tests: what a client could put with a form, or could not).
    pub fn put(&self, key: &str, content_type: &str, bytes: Vec<u8>) {
        self.objects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_string(), (content_type.to_string(), bytes));
    }

    /// The object a read URL of [`FileStore::download_url`] names, if its signature holds and it
    /// has not expired: `(content type, bytes)`.
    pub fn read_signed(
        &self,
        key: &str,
        expires_at: i64,
        signature: &str,
    ) -> Option<(String, Vec<u8>)> {
        if self.clock.now().timestamp() > expires_at
            || !self.verify(&format!("GET\n{key}\n{expires_at}"), signature)
        {
            return None;
        }
        self.objects
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned()
    }
}

#[async_trait]
impl FileStore for MemoryFiles {
    async fn upload_form(&self, spec: &UploadSpec) -> Result<UploadForm, FileError> {
        use base64::Engine;
        let policy = Policy {
            key: spec.key.clone(),
            content_type: spec.content_type.clone(),
            min_bytes: spec.min_bytes,
            max_bytes: spec.max_bytes,
            expires_at: self.clock.now().timestamp() + spec.expires_in,
        };
        let encoded = base64::engine::general_purpose::STANDARD
            .encode(serde_json::to_vec(&policy).expect("policies serialise"));
        let mut fields = BTreeMap::new();
        fields.insert("key".to_string(), spec.key.clone());
        fields.insert("Content-Type".to_string(), spec.content_type.clone());
        fields.insert("x-signature".to_string(), self.sign(&encoded));
        fields.insert("policy".to_string(), encoded);
        Ok(UploadForm {
            url: MEMORY_UPLOAD_PATH.to_string(),
            fields,
        })
    }

    async fn inspect(&self, key: &str, first: usize) -> Result<Option<StoredFile>, FileError> {
        let objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        Ok(objects.get(key).map(|(content_type, bytes)| StoredFile {
            size: bytes.len() as u64,
            content_type: Some(content_type.clone()),
            head: bytes[..first.min(bytes.len())].to_vec(),
        }))
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), FileError> {
        let mut objects = self.objects.lock().unwrap_or_else(|p| p.into_inner());
        let object = objects
            .get(from)
            .cloned()
            .ok_or_else(|| FileError::unavailable("CopyObject", "no such key"))?;
        objects.insert(to.to_string(), object);
        Ok(())
    }

    async fn download_url(
        &self,
        key: &str,
        _file_name: &str,
        expires_in: i64,
    ) -> Result<String, FileError> {
        let expires_at = self.clock.now().timestamp() + expires_in;
        let signature = self.sign(&format!("GET\n{key}\n{expires_at}"));
        let query: String = form_urlencoded_pairs(&[
            ("key", key),
            ("expires", &expires_at.to_string()),
            ("signature", &signature),
        ]);
        Ok(format!("{MEMORY_UPLOAD_PATH}?{query}"))
    }
}

/// `a=b&c=d`, percent-encoding what a query may not carry.
fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::clock::ManualClock;
    use std::sync::Arc;

    fn spec() -> UploadSpec {
        UploadSpec {
            key: "incoming/abc".into(),
            content_type: "image/png".into(),
            min_bytes: 1,
            max_bytes: 10,
            expires_in: 600,
        }
    }

    fn fields(form: &UploadForm) -> HashMap<String, String> {
        form.fields.clone().into_iter().collect()
    }

    #[tokio::test]
    async fn a_form_stores_what_its_policy_allows_and_nothing_else() {
        let clock = Arc::new(ManualClock::fixed());
        let files = MemoryFiles::new(clock.clone());
        let form = files.upload_form(&spec()).await.unwrap();
        assert_eq!(form.url, MEMORY_UPLOAD_PATH);
        let mut f = fields(&form);
        assert_eq!(
            files.accept_form(&f, vec![0; 11]),
            Err(FormRefusal::SizeOutOfRange)
        );
        assert_eq!(
            files.accept_form(&f, vec![]),
            Err(FormRefusal::SizeOutOfRange)
        );
        f.insert("Content-Type".into(), "text/html".into());
        assert_eq!(
            files.accept_form(&f, vec![1]),
            Err(FormRefusal::PolicyMismatch)
        );
        let mut f = fields(&form);
        f.insert("key".into(), "incoming/other".into());
        assert_eq!(
            files.accept_form(&f, vec![1]),
            Err(FormRefusal::PolicyMismatch)
        );
        let mut f = fields(&form);
        f.insert("x-signature".into(), "0".repeat(64));
        assert_eq!(
            files.accept_form(&f, vec![1]),
            Err(FormRefusal::BadSignature)
        );
        assert!(files.inspect("incoming/abc", 4).await.unwrap().is_none());
        files.accept_form(&fields(&form), vec![1, 2, 3]).unwrap();
        let stored = files.inspect("incoming/abc", 2).await.unwrap().unwrap();
        assert_eq!(
            (stored.size, stored.content_type.as_deref(), stored.head),
            (3, Some("image/png"), vec![1, 2])
        );
        clock.advance(chrono::Duration::seconds(601));
        assert_eq!(
            files.accept_form(&fields(&form), vec![1]),
            Err(FormRefusal::Expired)
        );
    }

    #[tokio::test]
    async fn read_urls_are_signed_and_expire() {
        let clock = Arc::new(ManualClock::fixed());
        let files = MemoryFiles::new(clock.clone());
        files.put("evidence/a", "application/pdf", b"%PDF-1.7".to_vec());
        let url = files.download_url("evidence/a", "a.pdf", 60).await.unwrap();
        let query = url.split_once('?').unwrap().1;
        let get = |name: &str| {
            query
                .split('&')
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap()
                .replace("%2F", "/")
        };
        let expires: i64 = get("expires").parse().unwrap();
        let sig = get("signature");
        assert!(files.read_signed("evidence/a", expires, &sig).is_some());
        assert!(files.read_signed("evidence/b", expires, &sig).is_none());
        assert!(files.read_signed("evidence/a", expires + 1, &sig).is_none());
        clock.advance(chrono::Duration::seconds(61));
        assert!(files.read_signed("evidence/a", expires, &sig).is_none());
    }
}
