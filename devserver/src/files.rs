//! The embedded file store's two doors (`domain::ports::files::MemoryFiles`), where S3 would
//! be: `POST /_dev/files` takes an upload form (`multipart/form-data`, the form's fields then
//! the file) and answers as S3 answers a presigned POST, 204 when stored, 403 when the form is
//! refused; `GET /_dev/files?key&expires&signature` serves what a signed read URL names, as an
//! attachment, 403 when its signature is wrong or it has expired. With files in S3
//! (`UPLOAD_BUCKET`) both answer 404.

use crate::multipart::{self, FormError};
use crate::{DevReply, DevServer};
use domain::ports::files::FormRefusal;
use http_edge::{ApiError, Body, Reply, Request, Response};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::RequestExt;
use std::sync::Arc;

/// The dev routes' own error answer, in the API's shape: `{"error": {"code", "message",
/// "reason"?}}` (these codes are the dev server's only: S3 answers in XML).
fn refused(status: StatusCode, code: &str, reason: Option<&str>, message: String) -> Reply {
    let mut detail = serde_json::json!({ "code": code, "message": message });
    if let Some(reason) = reason {
        detail["reason"] = reason.into();
    }
    Reply::with_status(status, &serde_json::json!({ "error": detail }))
}

fn reason_code(refusal: FormRefusal) -> &'static str {
    match refusal {
        FormRefusal::BadSignature => "BAD_SIGNATURE",
        FormRefusal::Expired => "EXPIRED",
        FormRefusal::PolicyMismatch => "POLICY_MISMATCH",
        FormRefusal::SizeOutOfRange => "SIZE_OUT_OF_RANGE",
    }
}

/// `POST /_dev/files`: 204 stored; 403 `FORM_REFUSED` with `reason` (`BAD_SIGNATURE`,
/// `EXPIRED`, `POLICY_MISMATCH`, `SIZE_OUT_OF_RANGE`); 400 `FORM_MALFORMED` for a body that is
/// no form; 415 for another media type; 413 past 6 MiB.
pub async fn post_form(s: Arc<DevServer>, req: Request) -> Result<Reply, ApiError> {
    let files = s.files.as_ref().ok_or(ApiError::NotFound)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let form = match multipart::parse(content_type, req.body().as_ref()) {
        Ok(form) => form,
        Err(FormError::NotMultipart) => return Err(ApiError::UnsupportedMediaType),
        Err(FormError::TooLarge) => return Err(ApiError::PayloadTooLarge),
        Err(e) => {
            return Ok(refused(
                StatusCode::BAD_REQUEST,
                "FORM_MALFORMED",
                None,
                e.to_string(),
            ))
        }
    };
    match files.accept_form(&form.fields, form.file.bytes) {
        Ok(()) => Ok(Reply::no_content()),
        Err(refusal) => Ok(refused(
            StatusCode::FORBIDDEN,
            "FORM_REFUSED",
            Some(reason_code(refusal)),
            refusal.to_string(),
        )),
    }
}

/// `GET /_dev/files?key=…&expires=…&signature=…`: the object with its stored `Content-Type`,
/// as an attachment; 403 `READ_REFUSED` when the signature is wrong, the URL has expired or
/// nothing is stored under the key.
pub async fn read(s: Arc<DevServer>, req: Request) -> Result<DevReply, ApiError> {
    let files = s.files.as_ref().ok_or(ApiError::NotFound)?;
    let query = req.query_string_parameters();
    let param = |name: &str| query.first(name).map(str::to_owned);
    let expires = param("expires").and_then(|e| e.parse::<i64>().ok());
    let found = match (param("key"), expires, param("signature")) {
        (Some(key), Some(expires), Some(signature)) => files.read_signed(&key, expires, &signature),
        _ => None,
    };
    let Some((content_type, bytes)) = found else {
        return Ok(DevReply::Json(refused(
            StatusCode::FORBIDDEN,
            "READ_REFUSED",
            None,
            "the read URL's signature is wrong, it has expired, or nothing is stored there".into(),
        )));
    };
    Ok(DevReply::Raw(attachment(&content_type, bytes)))
}

/// `bytes` served as a download: never sniffed, framed or run as a page of this origin.
fn attachment(content_type: &str, bytes: Vec<u8>) -> Response<Body> {
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_DISPOSITION, "attachment")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "private, no-store")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        .body(Body::Binary(bytes))
        .expect("static response parts are valid")
}
