//! Evidence files in one S3 bucket: the `FileStore` port on Amazon S3.
//!
//! - **Upload forms** are S3 presigned POSTs ([`presigned_post`]): a SigV4 POST policy written
//!   here (the SDK has no presigned POST), signed with the function's own credentials. The
//!   policy allows exactly one key, exactly one `Content-Type` and a size range, until it
//!   expires; S3 refuses any other post (403). Objects are encrypted by the bucket's default
//!   encryption (SSE-S3 in `template.yaml`): the form asks for nothing, so the bucket alone
//!   decides, and a bucket moved to a KMS key needs no change here.
//! - **inspect** is one ranged `GetObject` (the first bytes, the size from `Content-Range`).
//! - **copy** is one `CopyObject` in the bucket (type and metadata kept; the copy is encrypted
//!   by the bucket's default like the upload).
//! - **download URLs** are SDK-presigned `GetObject`s that save the file under its name.
//!
//! With `AWS_ENDPOINT_URL` set (the moto emulator) every request and form uses path-style
//! addressing (`{endpoint}/{bucket}/{key}`). Every operation keeps within the SDK
//! configuration's operation budget (`BUDGET_OPERATION_MS`): the SDK's own timeouts and
//! retries for its calls, and the same budget around what it does not time (reading the
//! credentials, reading a body).

use async_trait::async_trait;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use chrono::{DateTime, Utc};
use domain::ports::files::{FileError, FileStore, StoredFile, UploadForm, UploadSpec};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

/// The bucket of evidence files (`UPLOAD_BUCKET`).
#[derive(Clone, Debug)]
pub struct S3Files {
    sdk: aws_config::SdkConfig,
    /// Built by the first operation: most requests of the registrations function touch no file.
    client: OnceLock<Client>,
    bucket: String,
    budget: Duration,
}

impl S3Files {
    /// The bucket `bucket` through `sdk` (region, credentials, endpoint, timeouts and retries).
    pub fn new(sdk: &aws_config::SdkConfig, bucket: impl Into<String>) -> S3Files {
        let budget = sdk
            .timeout_config()
            .and_then(|t| t.operation_timeout())
            .unwrap_or(domain::app::config::Budgets::HTTP.operation);
        S3Files {
            sdk: sdk.clone(),
            client: OnceLock::new(),
            bucket: bucket.into(),
            budget,
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The S3 client: the SDK configuration's, path-style when an endpoint URL is set. Response
    /// checksums are validated only when asked for: `inspect` reads a range, and only its first
    /// bytes, which no whole-object checksum describes.
    pub fn client(&self) -> &Client {
        self.client.get_or_init(|| {
            let config = aws_sdk_s3::config::Builder::from(&self.sdk)
                .force_path_style(self.sdk.endpoint_url().is_some())
                .response_checksum_validation(
                    aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
                )
                .build();
            Client::from_conf(config)
        })
    }

    /// Creates the bucket if it is missing (tests and the dev server on an emulator; the stack
    /// creates the real one with its lifecycle, CORS and policy, which this does not set).
    pub async fn ensure_bucket(&self) -> Result<(), FileError> {
        if self
            .client()
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .is_ok()
        {
            return Ok(());
        }
        let mut create = self.client().create_bucket().bucket(&self.bucket);
        let region = self.region()?;
        if region != "us-east-1" {
            let location = aws_sdk_s3::types::BucketLocationConstraint::from(region);
            create = create.create_bucket_configuration(
                aws_sdk_s3::types::CreateBucketConfiguration::builder()
                    .location_constraint(location)
                    .build(),
            );
        }
        match create.send().await {
            Ok(_) => Ok(()),
            Err(e) if service_code(&e) == Some("BucketAlreadyOwnedByYou") => Ok(()),
            Err(e) => Err(unavailable("CreateBucket", e)),
        }
    }

    fn region(&self) -> Result<&str, FileError> {
        self.sdk
            .region()
            .map(|r| r.as_ref())
            .ok_or_else(|| FileError::unavailable("upload form", "no AWS region configured"))
    }

    fn now(&self) -> DateTime<Utc> {
        let now = self
            .sdk
            .time_source()
            .map_or_else(std::time::SystemTime::now, |t| t.now());
        DateTime::<Utc>::from(now)
    }

    /// `work`, unavailable past the operation budget.
    async fn within<T>(
        &self,
        operation: &'static str,
        work: impl Future<Output = Result<T, FileError>>,
    ) -> Result<T, FileError> {
        tokio::time::timeout(self.budget, work)
            .await
            .unwrap_or_else(|_| {
                Err(FileError::unavailable(
                    operation,
                    format!("no answer within {} ms", self.budget.as_millis()),
                ))
            })
    }

    async fn signed_form(&self, spec: &UploadSpec) -> Result<UploadForm, FileError> {
        let provider = self
            .sdk
            .credentials_provider()
            .ok_or_else(|| FileError::unavailable("upload form", "no credentials provider"))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| FileError::unavailable("upload form", DisplayErrorContext(&e)))?;
        let region = self.region()?;
        let signer = PostSigner {
            access_key_id: credentials.access_key_id(),
            secret_access_key: credentials.secret_access_key(),
            session_token: credentials.session_token(),
            region,
        };
        let url = form_url(self.sdk.endpoint_url(), &self.bucket, region);
        Ok(presigned_post(&signer, self.now(), &self.bucket, url, spec))
    }

    async fn ranged_get(&self, key: &str, first: usize) -> Result<Option<StoredFile>, FileError> {
        let answer = self
            .client()
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", first.max(1) - 1))
            .send()
            .await;
        let output = match answer {
            Ok(output) => output,
            Err(e) if is_missing(&e) => return Ok(None),
            // 416: the range starts past the end, which only an empty object does.
            Err(e) if service_code(&e) == Some("InvalidRange") => return self.head(key).await,
            Err(e) => return Err(unavailable("GetObject", e)),
        };
        let size =
            total_size(output.content_range(), output.content_length()).ok_or_else(|| {
                FileError::unavailable("GetObject", "no Content-Range or Content-Length")
            })?;
        let content_type = output.content_type().map(str::to_owned);
        let head = read_prefix(output.body, first).await?;
        Ok(Some(StoredFile {
            size,
            content_type,
            head,
        }))
    }

    /// An object's size and type without its body (an empty object: no range fits it).
    async fn head(&self, key: &str) -> Result<Option<StoredFile>, FileError> {
        match self
            .client()
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => Ok(Some(StoredFile {
                size: output.content_length().unwrap_or(0).max(0) as u64,
                content_type: output.content_type().map(str::to_owned),
                head: Vec::new(),
            })),
            Err(e) if is_missing(&e) => Ok(None),
            Err(e) => Err(unavailable("HeadObject", e)),
        }
    }
}

#[async_trait]
impl FileStore for S3Files {
    async fn upload_form(&self, spec: &UploadSpec) -> Result<UploadForm, FileError> {
        self.within("upload form", self.signed_form(spec)).await
    }

    async fn inspect(&self, key: &str, first: usize) -> Result<Option<StoredFile>, FileError> {
        self.within("GetObject", self.ranged_get(key, first)).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), FileError> {
        let copy = self
            .client()
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{}", self.bucket, encode(from, true)))
            .send();
        self.within("CopyObject", async {
            copy.await
                .map(|_| ())
                .map_err(|e| unavailable("CopyObject", e))
        })
        .await
    }

    async fn download_url(
        &self,
        key: &str,
        file_name: &str,
        expires_in: i64,
    ) -> Result<String, FileError> {
        let presigning =
            PresigningConfig::expires_in(Duration::from_secs(expires_in.max(1) as u64))
                .map_err(|e| FileError::unavailable("presign GetObject", e))?;
        let request = self
            .client()
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(content_disposition(file_name))
            .presigned(presigning);
        self.within("presign GetObject", async {
            request
                .await
                .map(|r| r.uri().to_string())
                .map_err(|e| unavailable("presign GetObject", e))
        })
        .await
    }
}

fn unavailable<E>(operation: &'static str, e: SdkError<E, HttpResponse>) -> FileError
where
    E: std::error::Error + 'static,
{
    FileError::unavailable(operation, DisplayErrorContext(&e))
}

/// The error code S3 answered, if it answered.
fn service_code<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> Option<&str> {
    match e {
        SdkError::ServiceError(s) => s.err().code(),
        _ => None,
    }
}

/// S3 said the key is not there (`NoSuchKey`, or a bare 404 to a HEAD); a missing bucket is a
/// deployment fault, not a missing file.
fn is_missing<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    match e {
        SdkError::ServiceError(s) => {
            s.err().code() == Some("NoSuchKey")
                || (s.raw().status().as_u16() == 404 && s.err().code() != Some("NoSuchBucket"))
        }
        _ => false,
    }
}

/// The object's size: the total of `Content-Range` (`bytes 0-9/1234`), or the length of a whole
/// answer (an object shorter than the range may come back whole, 200).
fn total_size(content_range: Option<&str>, content_length: Option<i64>) -> Option<u64> {
    let total = content_range
        .and_then(|r| r.rsplit_once('/'))
        .and_then(|(_, total)| total.trim().parse().ok());
    total.or_else(|| content_length.and_then(|n| u64::try_from(n).ok()))
}

/// At most the first `first` bytes of `body`; the rest is never read.
async fn read_prefix(mut body: ByteStream, first: usize) -> Result<Vec<u8>, FileError> {
    let mut head = Vec::with_capacity(first.min(64 * 1024));
    while head.len() < first {
        match body.try_next().await {
            Ok(Some(chunk)) => {
                head.extend_from_slice(&chunk[..chunk.len().min(first - head.len())])
            }
            Ok(None) => break,
            Err(e) => return Err(FileError::unavailable("GetObject", e)),
        }
    }
    Ok(head)
}

/// `attachment; filename*=UTF-8''…` (RFC 6266, RFC 8187): saved under its own name, never
/// shown inline, whatever the name's characters.
fn content_disposition(file_name: &str) -> String {
    format!("attachment; filename*=UTF-8''{}", encode(file_name, false))
}

/// Percent-encodes every byte but the unreserved ones (RFC 3986), and `/` when `keep_slash`.
fn encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where a form posts: path-style under the endpoint when one is set (emulators), else the
/// bucket's virtual-hosted regional endpoint (`.amazonaws.com.cn` in the China regions).
fn form_url(endpoint: Option<&str>, bucket: &str, region: &str) -> String {
    match endpoint {
        Some(endpoint) => format!("{}/{bucket}", endpoint.trim_end_matches('/')),
        None if region.starts_with("cn-") => {
            format!("https://{bucket}.s3.{region}.amazonaws.com.cn/")
        }
        None => format!("https://{bucket}.s3.{region}.amazonaws.com/"),
    }
}

/// The credentials and region a POST policy is signed with.
pub struct PostSigner<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    pub region: &'a str,
}

/// The SigV4 signature of a base64 POST policy: HMAC-SHA256 of the policy under the signing
/// key of `date` (`YYYYMMDD`), `region` and `s3`, in lower-case hex.
pub fn sign_policy(secret_access_key: &str, date: &str, region: &str, policy_b64: &str) -> String {
    let hmac = |key: &[u8], data: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(data.as_bytes());
        mac.finalize().into_bytes()
    };
    let mut key = hmac(format!("AWS4{secret_access_key}").as_bytes(), date);
    for part in [region, "s3", "aws4_request"] {
        key = hmac(&key, part);
    }
    hex::encode(hmac(&key, policy_b64))
}

/// The form of one upload as `spec` allows, signed at `now` for `url`: the policy's conditions
/// are the bucket, the exact key, the exact `Content-Type`, the size range and the signing
/// fields (every form field but the file, the policy and the signature, as S3 requires).
pub fn presigned_post(
    signer: &PostSigner<'_>,
    now: DateTime<Utc>,
    bucket: &str,
    url: String,
    spec: &UploadSpec,
) -> UploadForm {
    use base64::Engine;
    let date = now.format("%Y%m%d").to_string();
    let mut fields = BTreeMap::from([
        ("key".to_string(), spec.key.clone()),
        ("Content-Type".to_string(), spec.content_type.clone()),
        (
            "x-amz-algorithm".to_string(),
            "AWS4-HMAC-SHA256".to_string(),
        ),
        (
            "x-amz-credential".to_string(),
            format!(
                "{}/{date}/{}/s3/aws4_request",
                signer.access_key_id, signer.region
            ),
        ),
        (
            "x-amz-date".to_string(),
            now.format("%Y%m%dT%H%M%SZ").to_string(),
        ),
    ]);
    if let Some(token) = signer.session_token {
        fields.insert("x-amz-security-token".to_string(), token.to_string());
    }
    let mut conditions = vec![
        serde_json::json!({ "bucket": bucket }),
        serde_json::json!(["content-length-range", spec.min_bytes, spec.max_bytes]),
    ];
    conditions.extend(fields.iter().map(|(k, v)| serde_json::json!({ k: v })));
    let expiration = now + chrono::Duration::seconds(spec.expires_in);
    let policy = serde_json::json!({
        "expiration": expiration.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "conditions": conditions,
    });
    let policy = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let signature = sign_policy(signer.secret_access_key, &date, signer.region, &policy);
    fields.insert("policy".to_string(), policy);
    fields.insert("x-amz-signature".to_string(), signature);
    UploadForm { url, fields }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's worked example, "Example: Browser-Based Upload using HTTP POST (Using AWS Signature
    /// Version 4)" (Amazon S3 API Reference, sigv4-post-example): its policy (CRLF line ends),
    /// its base64, its credentials and the signature it states.
    const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    const EXAMPLE_POLICY: &str = concat!(
        "{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n",
        "  \"conditions\": [\r\n",
        "    {\"bucket\": \"sigv4examplebucket\"},\r\n",
        "    [\"starts-with\", \"$key\", \"user/user1/\"],\r\n",
        "    {\"acl\": \"public-read\"},\r\n",
        "    {\"success_action_redirect\": \"http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html\"},\r\n",
        "    [\"starts-with\", \"$Content-Type\", \"image/\"],\r\n",
        "    {\"x-amz-meta-uuid\": \"14365123651274\"},\r\n",
        "    {\"x-amz-server-side-encryption\": \"AES256\"},\r\n",
        "    [\"starts-with\", \"$x-amz-meta-tag\", \"\"],\r\n",
        "\r\n",
        "    {\"x-amz-credential\": \"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"},\r\n",
        "    {\"x-amz-algorithm\": \"AWS4-HMAC-SHA256\"},\r\n",
        "    {\"x-amz-date\": \"20151229T000000Z\" }\r\n",
        "  ]\r\n",
        "}"
    );
    const EXAMPLE_POLICY_B64: &str = concat!(
        "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAg",
        "ICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAi",
        "dXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25f",
        "cmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxf",
        "dXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQog",
        "ICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRl",
        "LWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAi",
        "Il0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMt",
        "ZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEy",
        "NTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9",
    );
    const EXAMPLE_SIGNATURE: &str =
        "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

    #[test]
    fn the_signature_of_aws_post_example_is_the_one_aws_states() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(EXAMPLE_POLICY);
        assert_eq!(b64, EXAMPLE_POLICY_B64, "the policy encodes as AWS's does");
        assert_eq!(
            sign_policy(EXAMPLE_SECRET, "20151229", "us-east-1", EXAMPLE_POLICY_B64),
            EXAMPLE_SIGNATURE
        );
        // Any other date, region or policy signs differently.
        assert_ne!(
            sign_policy(EXAMPLE_SECRET, "20151230", "us-east-1", &b64),
            EXAMPLE_SIGNATURE
        );
        assert_ne!(
            sign_policy(EXAMPLE_SECRET, "20151229", "us-west-2", &b64),
            EXAMPLE_SIGNATURE
        );
        assert_ne!(
            sign_policy(EXAMPLE_SECRET, "20151229", "us-east-1", "e30="),
            EXAMPLE_SIGNATURE
        );
    }

    fn spec() -> UploadSpec {
        UploadSpec {
            key: "incoming/u1".into(),
            content_type: "image/png".into(),
            min_bytes: 1,
            max_bytes: 1_048_576,
            expires_in: 600,
        }
    }

    fn example_signer(token: Option<&'static str>) -> PostSigner<'static> {
        PostSigner {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            secret_access_key: EXAMPLE_SECRET,
            session_token: token,
            region: "us-east-1",
        }
    }

    fn decoded_policy(form: &UploadForm) -> serde_json::Value {
        use base64::Engine;
        let json = base64::engine::general_purpose::STANDARD
            .decode(&form.fields["policy"])
            .unwrap();
        serde_json::from_slice(&json).unwrap()
    }

    #[test]
    fn a_form_policy_allows_one_key_one_type_a_size_range_and_expires() {
        let now = "2015-12-29T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let url = form_url(None, "evidence-bucket", "us-east-1");
        let form = presigned_post(&example_signer(None), now, "evidence-bucket", url, &spec());
        assert_eq!(
            form.url,
            "https://evidence-bucket.s3.us-east-1.amazonaws.com/"
        );
        let f = &form.fields;
        assert_eq!(f["key"], "incoming/u1");
        assert_eq!(f["Content-Type"], "image/png");
        assert_eq!(f["x-amz-algorithm"], "AWS4-HMAC-SHA256");
        assert_eq!(
            f["x-amz-credential"],
            "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"
        );
        assert_eq!(f["x-amz-date"], "20151229T000000Z");
        assert!(!f.contains_key("x-amz-security-token"));
        assert_eq!(
            f["x-amz-signature"],
            sign_policy(EXAMPLE_SECRET, "20151229", "us-east-1", &f["policy"])
        );
        let policy = decoded_policy(&form);
        assert_eq!(policy["expiration"], "2015-12-29T00:10:00.000Z");
        let conditions = policy["conditions"].as_array().unwrap();
        for expected in [
            serde_json::json!({"bucket": "evidence-bucket"}),
            serde_json::json!({"key": "incoming/u1"}),
            serde_json::json!({"Content-Type": "image/png"}),
            serde_json::json!(["content-length-range", 1, 1_048_576]),
            serde_json::json!({"x-amz-algorithm": "AWS4-HMAC-SHA256"}),
            serde_json::json!({"x-amz-date": "20151229T000000Z"}),
        ] {
            assert!(
                conditions.contains(&expected),
                "{expected} in {conditions:?}"
            );
        }
        // Every field the client sends, but the policy and the signature, is a condition.
        assert_eq!(conditions.len(), 1 + 1 + (f.len() - 2));
    }

    #[test]
    fn a_session_token_is_a_field_and_a_condition() {
        let now = Utc::now();
        let signer = example_signer(Some("FwoGZXIvYXdzE+/token="));
        let form = presigned_post(&signer, now, "b", "http://x/b".into(), &spec());
        assert_eq!(form.fields["x-amz-security-token"], "FwoGZXIvYXdzE+/token=");
        let policy = decoded_policy(&form);
        let token = serde_json::json!({"x-amz-security-token": "FwoGZXIvYXdzE+/token="});
        assert!(policy["conditions"].as_array().unwrap().contains(&token));
    }

    #[test]
    fn forms_post_path_style_to_an_endpoint_and_virtual_hosted_to_aws() {
        assert_eq!(
            form_url(Some("http://127.0.0.1:5000/"), "bkt", "us-east-1"),
            "http://127.0.0.1:5000/bkt"
        );
        assert_eq!(
            form_url(None, "bkt", "eu-west-1"),
            "https://bkt.s3.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            form_url(None, "bkt", "cn-north-1"),
            "https://bkt.s3.cn-north-1.amazonaws.com.cn/"
        );
    }

    #[test]
    fn file_names_are_saved_as_attachments_whatever_their_characters() {
        assert_eq!(
            content_disposition("成绩单 2024.pdf"),
            "attachment; filename*=UTF-8''%E6%88%90%E7%BB%A9%E5%8D%95%202024.pdf"
        );
        assert_eq!(
            content_disposition("a\";b\r\n.png"),
            "attachment; filename*=UTF-8''a%22%3Bb%0D%0A.png"
        );
        assert_eq!(encode("incoming/a b", true), "incoming/a%20b");
    }

    #[test]
    fn the_size_is_the_ranges_total_or_the_whole_length() {
        assert_eq!(total_size(Some("bytes 0-9/1234"), Some(10)), Some(1234));
        assert_eq!(total_size(None, Some(7)), Some(7));
        assert_eq!(total_size(Some("bytes */0"), Some(0)), Some(0));
        assert_eq!(total_size(None, None), None);
    }

    #[tokio::test]
    async fn the_client_carries_the_budgets_and_goes_path_style_to_an_endpoint() {
        use domain::app::config::Budgets;
        // As `sdk::config_at` makes it (its own test checks that it carries the budgets).
        let sdk = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("AKID", "secret", None, None, "test"),
                ),
            )
            .timeout_config(crate::sdk::timeout_config(&Budgets::HTTP))
            .retry_config(crate::sdk::retry_config(&Budgets::HTTP))
            .endpoint_url("http://127.0.0.1:9")
            .build();
        let files = S3Files::new(&sdk, "bkt");
        assert_eq!(files.budget, Budgets::HTTP.operation);
        let config = files.client().config();
        let t = config.timeout_config().expect("timeouts set");
        assert_eq!(t.operation_timeout(), Some(Budgets::HTTP.operation));
        assert_eq!(t.operation_attempt_timeout(), Some(Budgets::HTTP.attempt));
        assert_eq!(t.connect_timeout(), Some(Budgets::HTTP.connect));
        let r = config.retry_config().expect("retries set");
        assert_eq!(r.max_attempts(), Budgets::HTTP.max_attempts);
        assert_eq!(
            config.response_checksum_validation(),
            Some(&aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired)
        );
        // Path-style under the endpoint, and saved as an attachment for its expiry.
        let url = files
            .download_url("evidence/u1", "a.png", 300)
            .await
            .unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:9/bkt/evidence/u1?"),
            "{url}"
        );
        assert!(url.contains("X-Amz-Expires=300"), "{url}");
        assert!(
            url.contains("response-content-disposition=attachment"),
            "{url}"
        );
    }
}
