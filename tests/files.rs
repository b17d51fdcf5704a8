//! Evidence files on S3 (moto only): an upload form posted as a browser posts it, then what the
//! service does with the object (inspect, copy, a read URL), through the production wiring.
//!
//! What moto 5.2.1 checks of a presigned POST: nothing of its policy. Its `_bucket_response_post`
//! stores the file under the form's `key` with the form's `Content-Type`, whatever the policy
//! says, without checking the signature, the expiry, the key, the type or the
//! `content-length-range`. Those are S3's to refuse (403 `AccessDenied` for a field the policy
//! does not allow, 400 `EntityTooLarge`/`EntityTooSmall` for the size), and the service checks
//! the object again when it is attached (type, size, first bytes): on moto that second check is
//! the only one, so the tests below assert what `inspect` shows it, never that moto refused.

use aws_infra::s3::S3Files;
use domain::app::config::FileChoice;
use domain::ports::files::{FileError, FileStore, UploadSpec};
use integration_tests::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A fresh bucket on the emulator through the production wiring (`UPLOAD_BUCKET` as the stack
/// sets it); `None` when the emulator half is skipped (never under `CI=true`).
async fn bucket() -> Option<Arc<S3Files>> {
    if !emulator_up() {
        return None;
    }
    let mut config = test_config(Backend::Memory);
    config.files = FileChoice::S3 {
        bucket: fresh_table_name(),
    };
    let built = aws_infra::wiring::build(&config).await.expect("wiring");
    assert!(built.files.is_none(), "no embedded store beside a bucket");
    let s3 = built.s3.expect("the bucket");
    s3.ensure_bucket().await.expect("create the bucket");
    s3.ensure_bucket()
        .await
        .expect("an existing bucket is fine");
    Some(s3)
}

/// A small PNG: the signature, an IHDR chunk, and padding up to `len` bytes.
fn png(len: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
    bytes.extend((0..len.saturating_sub(bytes.len())).map(|i| (i % 251) as u8));
    bytes
}

fn spec(key: &str) -> UploadSpec {
    UploadSpec {
        key: key.to_string(),
        content_type: "image/png".into(),
        min_bytes: 1,
        max_bytes: 1024 * 1024,
        expires_in: 600,
    }
}

/// Posts `bytes` with `fields` to `url` off the runtime: `(status, body)`.
async fn post(
    url: &str,
    fields: BTreeMap<String, String>,
    content_type: &str,
    bytes: Vec<u8>,
) -> (u16, String) {
    let (url, content_type) = (url.to_string(), content_type.to_string());
    tokio::task::spawn_blocking(move || post_form(&url, &fields, "证书.png", &content_type, &bytes))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_posted_form_is_inspected_copied_and_read_back() {
    let Some(files) = bucket().await else { return };
    let key = format!("incoming/{}", fresh_table_name());
    let bytes = png(3000);
    let form = files.upload_form(&spec(&key)).await.unwrap();
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap();
    assert_eq!(
        form.url,
        format!("{endpoint}/{}", files.bucket()),
        "path-style"
    );
    let (status, body) = post(&form.url, form.fields.clone(), "image/png", bytes.clone()).await;
    assert!((200..300).contains(&status), "{status} {body}");

    let stored = files.inspect(&key, 8).await.unwrap().expect("uploaded");
    assert_eq!(stored.size, 3000);
    assert_eq!(stored.content_type.as_deref(), Some("image/png"));
    assert_eq!(stored.head, bytes[..8]);
    // A range longer than the object: the whole object, its size.
    let whole = files.inspect(&key, 10_000).await.unwrap().unwrap();
    assert_eq!((whole.size, whole.head), (3000, bytes.clone()));

    let evidence = key.replace("incoming/", "evidence/");
    files.copy(&key, &evidence).await.unwrap();
    let copied = files.inspect(&evidence, 16).await.unwrap().expect("copied");
    assert_eq!(copied.size, 3000);
    assert_eq!(copied.content_type.as_deref(), Some("image/png"));
    assert_eq!(copied.head, bytes[..16]);

    let url = files
        .download_url(&evidence, "证书 2024.png", 300)
        .await
        .unwrap();
    assert!(
        url.contains("response-content-disposition=attachment"),
        "{url}"
    );
    let (status, read) = tokio::task::spawn_blocking(move || http_get(&url))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(read, bytes);
}

#[tokio::test]
async fn missing_and_empty_objects_and_a_missing_bucket() {
    let Some(files) = bucket().await else { return };
    assert!(files
        .inspect("incoming/never-uploaded", 8)
        .await
        .unwrap()
        .is_none());
    // An empty object: no byte range fits it (S3 answers 416); its size is 0.
    files
        .client()
        .put_object()
        .bucket(files.bucket())
        .key("incoming/empty")
        .content_type("image/png")
        .body(Vec::new().into())
        .send()
        .await
        .unwrap();
    let empty = files.inspect("incoming/empty", 8).await.unwrap().unwrap();
    assert_eq!((empty.size, empty.head.len()), (0, 0));
    assert_eq!(empty.content_type.as_deref(), Some("image/png"));
    // A bucket that is not there is a fault of the deployment, not a missing file.
    let sdk = aws_infra::sdk::config(&EMULATOR_BUDGETS).await;
    let nowhere = S3Files::new(&sdk, format!("missing-{}", fresh_table_name()));
    let err = nowhere.inspect("incoming/x", 8).await.unwrap_err();
    assert!(
        matches!(
            err,
            FileError::Unavailable {
                operation: "GetObject",
                ..
            }
        ),
        "{err}"
    );
    assert!(nowhere.copy("incoming/x", "evidence/x").await.is_err());
}

/// A form whose `Content-Type` (or size) is not the policy's: S3 refuses it; moto stores it
/// (it checks no policy), and then `inspect` shows the service the type and size that were
/// really posted, which its check on attaching refuses.
#[tokio::test]
async fn a_form_posted_against_its_policy_is_refused_or_shows_what_was_posted() {
    let Some(files) = bucket().await else { return };
    let key = format!("incoming/{}", fresh_table_name());
    let form = files.upload_form(&spec(&key)).await.unwrap();
    let mut fields = form.fields.clone();
    fields.insert("Content-Type".into(), "text/html".into());
    let (status, body) = post(&form.url, fields, "text/html", png(100)).await;
    let stored = files.inspect(&key, 8).await.unwrap();
    match status {
        403 => assert!(stored.is_none(), "refused, nothing stored: {body}"),
        _ => {
            assert!((200..300).contains(&status), "{status} {body}");
            let stored = stored.expect("moto stored it");
            assert_eq!(stored.content_type.as_deref(), Some("text/html"));
        }
    }

    let key = format!("incoming/{}", fresh_table_name());
    let form = files.upload_form(&spec(&key)).await.unwrap();
    let too_big = png(1024 * 1024 + 1);
    let (status, body) = post(&form.url, form.fields.clone(), "image/png", too_big).await;
    let stored = files.inspect(&key, 8).await.unwrap();
    match status {
        400 => assert!(stored.is_none(), "refused, nothing stored: {body}"),
        _ => {
            assert!((200..300).contains(&status), "{status} {body}");
            assert_eq!(stored.expect("moto stored it").size, 1024 * 1024 + 1);
        }
    }
}
