//! The one way requests are read and responses are built, for every function.
//!
//! Handlers parse with [`json_body`], [`bearer_token`] and [`RequestInfo`], call the domain, and
//! turn its `Result<Reply, AppError>` into a response with [`respond`].

use crate::error::{AppError, Problem};
use lambda_http::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::{de::DeserializeOwned, Serialize};

/// Request bodies above this size are refused with 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The language of messages: Simplified Chinese unless the client prefers English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Reads `Accept-Language`: English when the most preferred language it names is English.
    pub fn from_headers(headers: &HeaderMap) -> Lang {
        let Some(value) = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        else {
            return Lang::Zh;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "en" || tag.starts_with("en-") {
                Lang::En
            } else if tag == "zh" || tag.starts_with("zh-") {
                Lang::Zh
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::Zh, |(_, l)| l)
    }
}

/// What every handler wants to know about a request besides its body.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub lang: Lang,
    /// The client's address as API Gateway saw it ("unknown" if absent).
    pub client_ip: String,
    /// API Gateway's request id, else the Lambda request id, else "-".
    pub request_id: String,
}

impl RequestInfo {
    pub fn of(req: &Request) -> Self {
        let (ip, gateway_id) = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => {
                (ctx.http.source_ip.clone(), ctx.request_id.clone())
            }
            _ => (None, None),
        };
        let request_id = gateway_id
            .or_else(|| req.lambda_context_ref().map(|c| c.request_id.clone()))
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| "-".to_string());
        RequestInfo {
            lang: Lang::from_headers(req.headers()),
            client_ip: ip
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            request_id,
        }
    }
}

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

fn json_response(status: StatusCode, body: Option<&serde_json::Value>) -> Response<Body> {
    let mut builder = Response::builder()
        .status(status)
        // Tokens, personal data: nothing here may sit in a shared cache.
        .header(header::CACHE_CONTROL, "no-store");
    let body = match body {
        Some(v) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json; charset=utf-8");
            Body::Text(v.to_string())
        }
        None => Body::Empty,
    };
    builder.body(body).expect("static response parts are valid")
}

/// The error body: `{"error": {"code", "message", "field"?, "reason"?, "retryAfter"?}}`.
pub fn error_response(err: &AppError, lang: Lang) -> Response<Body> {
    let mut detail = serde_json::json!({ "code": err.code(), "message": err.message(lang) });
    if let AppError::Validation { field, .. } = err {
        detail["field"] = field.clone().into();
    }
    if let AppError::PasswordWeak(reason) = err {
        detail["reason"] = reason.code().into();
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
    resp
}

/// Turns a domain result into the HTTP response, logging server-side failures with their detail.
pub fn respond(result: Result<Reply, AppError>, info: &RequestInfo) -> Response<Body> {
    match result {
        Ok(reply) => json_response(reply.status, reply.body.as_ref()),
        Err(err) => {
            match &err {
                AppError::Internal(detail) => {
                    tracing::error!(request_id = %info.request_id, code = err.code(), %detail, "request failed")
                }
                AppError::ServiceUnavailable(detail) => {
                    tracing::warn!(request_id = %info.request_id, code = err.code(), %detail, "storage unavailable")
                }
                _ => {}
            }
            error_response(&err, info.lang)
        }
    }
}

/// Parses a JSON request body into `T`, answering malformed, mistyped, oversized or non-JSON
/// bodies with the matching 4xx error.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, AppError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(AppError::UnsupportedMediaType);
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| AppError::InvalidJson)?;
    if !value.is_object() {
        return Err(AppError::InvalidJson);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." {
            "body".to_string()
        } else {
            field
        };
        AppError::validation(field, Problem::WrongType)
    })
}

/// The token of `Authorization: Bearer <token>` (the only place a token is accepted).
pub fn bearer_token(req: &Request) -> Result<&str, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(AppError::Unauthenticated)?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AppError::Unauthenticated)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 256 {
        return Err(AppError::Unauthenticated);
    }
    Ok(token)
}

/// One query-string parameter, if present and non-empty.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Answers a request for a path the function serves with a method it does not.
pub fn route_miss(req: &Request, paths: &[&str]) -> AppError {
    if paths.contains(&req.uri().path()) {
        AppError::MethodNotAllowed
    } else {
        AppError::NotFound
    }
}

/// Whether the request is `method path`.
pub fn is(req: &Request, method: Method, path: &str) -> bool {
    req.method() == method && req.uri().path() == path
}

/// Runs one request through `f` inside a span carrying the request id, answers with [`respond`]
/// and logs one line per request (status, error code, duration; never bodies or tokens).
pub async fn serve<F, Fut>(req: Request, f: F) -> Response<Body>
where
    F: FnOnce(Request, RequestInfo) -> Fut,
    Fut: std::future::Future<Output = Result<Reply, AppError>>,
{
    use tracing::Instrument;
    let info = RequestInfo::of(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %info.request_id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let started = std::time::Instant::now();
        let result = f(req, info.clone()).await;
        let code = result.as_ref().err().map(AppError::code);
        let resp = respond(result, &info);
        tracing::info!(
            status = resp.status().as_u16(),
            code,
            ms = started.elapsed().as_millis() as u64,
            "handled"
        );
        resp
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(al: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_str(al).unwrap());
        h
    }

    #[test]
    fn language_follows_the_strongest_preference() {
        assert_eq!(Lang::from_headers(&HeaderMap::new()), Lang::Zh);
        assert_eq!(Lang::from_headers(&headers("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_headers(&headers("zh-CN,zh;q=0.9,en;q=0.8")),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_headers(&headers("fr, en;q=0.5, zh;q=0.4")),
            Lang::En
        );
        assert_eq!(
            Lang::from_headers(&headers("en;q=0.2, zh-Hans;q=0.7")),
            Lang::Zh
        );
        assert_eq!(Lang::from_headers(&headers("de")), Lang::Zh);
        assert_eq!(Lang::from_headers(&headers("en;q=0")), Lang::Zh);
    }
}
