//! The one way responses are built: JSON bodies, the error envelope, and the headers every
//! answer carries.

use crate::error::ApiError;
use domain::Lang;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde::Serialize;

/// A successful answer: status and optional JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Option<serde_json::Value>,
}

impl Reply {
    pub fn ok(body: &impl Serialize) -> Self {
        Reply::with_status(StatusCode::OK, body)
    }

    pub fn with_status(status: StatusCode, body: &impl Serialize) -> Self {
        Reply {
            status,
            body: Some(serde_json::to_value(body).expect("responses serialise")),
        }
    }

    pub fn no_content() -> Self {
        Reply {
            status: StatusCode::NO_CONTENT,
            body: None,
        }
    }
}

/// A response with the headers every answer carries: nothing may be cached (tokens, personal
/// data) or sniffed as another type.
pub fn json_response(status: StatusCode, body: Option<&serde_json::Value>) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, "no-store")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    let body = match body {
        Some(v) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json; charset=utf-8");
            Body::Text(v.to_string())
        }
        None => Body::Empty,
    };
    builder.body(body).expect("static response parts are valid")
}

/// The error body: `{"error": {"code", "message", "field"?, "reason"?, "retryAfter"?}}`, with
/// `Retry-After` and (on 405) `Allow` headers.
pub fn error_response(err: &ApiError, lang: Lang) -> Response<Body> {
    let mut detail = serde_json::json!({ "code": err.code(), "message": err.message(lang) });
    match err.domain() {
        Some(domain::DomainError::Validation { field, .. }) => {
            detail["field"] = field.clone().into();
        }
        Some(domain::DomainError::UploadInvalid { field, index }) => {
            detail["field"] = format!("{field}[{index}]").into();
        }
        Some(domain::DomainError::PasswordWeak(reason)) => {
            detail["reason"] = reason.code().into();
        }
        _ => {}
    }
    let retry = err.retry_after();
    if let Some(secs) = retry {
        detail["retryAfter"] = secs.into();
    }
    let mut resp = json_response(err.status(), Some(&serde_json::json!({ "error": detail })));
    if let Some(secs) = retry {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    if let ApiError::MethodNotAllowed { allow } = err {
        if let Ok(v) = HeaderValue::from_str(allow) {
            resp.headers_mut().insert(header::ALLOW, v);
        }
    }
    resp
}

/// The response to a handler's result.
pub fn answer(result: &Result<Reply, ApiError>, lang: Lang) -> Response<Body> {
    match result {
        Ok(reply) => json_response(reply.status, reply.body.as_ref()),
        Err(err) => error_response(err, lang),
    }
}
