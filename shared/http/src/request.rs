//! What a request says: its language, client address and id, its JSON body, its bearer token
//! and its query parameters.

use crate::error::ApiError;
use domain::account::session::{self, Authenticated, Gate};
use domain::error::Problem;
use domain::{App, Lang};
use lambda_http::http::{header, HeaderMap};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde::de::DeserializeOwned;

/// Request bodies above this size are refused with 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// What every handler wants to know about a request besides its body.
#[derive(Clone, Debug)]
pub struct RequestInfo {
    pub lang: Lang,
    /// The client's address as API Gateway saw it ("unknown" if absent).
    pub client_ip: String,
    /// API Gateway's request id, else the Lambda request id, else "-".
    pub request_id: String,
}

/// The language `Accept-Language` prefers.
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map_or(Lang::Zh, Lang::from_accept_language)
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
            lang: lang_of(req.headers()),
            client_ip: ip
                .filter(|ip| !ip.is_empty())
                .unwrap_or_else(|| "unknown".into()),
            request_id,
        }
    }
}

/// Parses a JSON request body into `T`, answering malformed, mistyped, oversized or non-JSON
/// bodies with the matching 4xx error.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge);
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::InvalidJson)?;
    if !value.is_object() {
        return Err(ApiError::InvalidJson);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." {
            "body".to_string()
        } else {
            field
        };
        ApiError::validation(field, Problem::WrongType)
    })
}

/// The token of `Authorization: Bearer <token>` (the only place a token is accepted).
pub fn bearer_token(req: &Request) -> Result<&str, ApiError> {
    let unauthenticated = || ApiError::Domain(domain::DomainError::Unauthenticated);
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthenticated)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(unauthenticated)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || token.len() > 256 {
        return Err(unauthenticated());
    }
    Ok(token)
}

/// The learner behind the request's bearer token, if the gate admits them. Handlers call this
/// before they read the body: an anonymous caller learns nothing about the body's rules.
pub async fn authenticate(app: &App, req: &Request, gate: Gate) -> Result<Authenticated, ApiError> {
    Ok(session::require(app, bearer_token(req)?, gate).await?)
}

/// The school staff member the API Gateway JWT authorizer verified: the claims of
/// `requestContext.authorizer.jwt.claims` (the only place they are trusted; a header or body
/// saying otherwise is never read). No claims, or incomplete ones: `UNAUTHENTICATED`.
pub fn staff(req: &Request) -> Result<domain::account::staff::Staff, ApiError> {
    let claims = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx
            .authorizer
            .as_ref()
            .and_then(|a| a.jwt.as_ref())
            .map(|jwt| &jwt.claims),
        _ => None,
    };
    let claims = claims.ok_or(ApiError::Domain(domain::DomainError::Unauthenticated))?;
    Ok(domain::account::staff::Staff::from_claims(|name| {
        claims.get(name).cloned()
    })?)
}

/// The path parameter `name` of the route's template (`{id}`), decoded.
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
        .ok_or_else(|| ApiError::validation(name, Problem::Missing))
}

/// One query-string parameter, if present and non-empty (an empty value, `type=`, means the
/// same as no parameter: no filter).
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref()
        .and_then(|q| q.first(name))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Refuses (400, naming the header or part) a `Host`, `X-Forwarded-Proto`, path or query from
/// which no URL can be built, before anything tries: `lambda_http` builds the request URL from
/// exactly these parts (`{proto}://{host}{path}`, or `http://localhost{path}` without a host,
/// then `?{query}`) and panics on the ones refused here.
pub fn check_url_parts(
    host: Option<&str>,
    proto: Option<&str>,
    path: &str,
    query: Option<&str>,
) -> Result<(), ApiError> {
    let url = match host {
        None => url::Url::parse(&format!("http://localhost{path}"))
            .map(|u| u.path().to_string())
            .map_err(|_| ApiError::validation("path", Problem::Invalid))?,
        Some(host) => {
            let scheme = proto.unwrap_or("https");
            if url::Url::parse(&format!("{scheme}://localhost/")).is_err() {
                return Err(ApiError::validation("X-Forwarded-Proto", Problem::Invalid));
            }
            if host.is_empty() {
                return Err(ApiError::validation("Host", Problem::Invalid));
            }
            url::Url::parse(&format!("{scheme}://{host}{path}"))
                .map(|u| u.to_string())
                .map_err(|_| ApiError::validation("Host", Problem::Invalid))?
        }
    };
    let full = match query {
        Some(q) if !q.is_empty() => format!("{url}?{q}"),
        _ => url,
    };
    if lambda_http::http::Uri::try_from(full.as_str()).is_err() {
        return Err(ApiError::validation("path", Problem::Invalid));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_hosts_and_schemes_are_refused() {
        assert!(check_url_parts(None, None, "/me", None).is_ok());
        assert!(check_url_parts(Some("localhost:3000"), Some("http"), "/me", None).is_ok());
        assert!(check_url_parts(Some("api.example.cn"), None, "/me", Some("page=2")).is_ok());
        for host in ["a:b", "localhost:99999", "[::1", "", "a b"] {
            let e = check_url_parts(Some(host), None, "/me", None).unwrap_err();
            assert_eq!(e.code(), "VALIDATION_FAILED", "{host}");
        }
        assert!(check_url_parts(Some("localhost"), Some("a b"), "/me", None).is_err());
        // Without a host lambda_http parses `http://localhost{path}`: a path can break that.
        assert!(check_url_parts(None, None, ":99999", None).is_err());
        assert!(check_url_parts(None, None, "@", None).is_err());
        // The raw query is appended as is: one an URI cannot hold is refused.
        assert!(check_url_parts(Some("localhost"), None, "/me", Some("a b")).is_err());
        assert!(check_url_parts(Some("localhost"), None, "/me", Some("type=")).is_ok());
    }
}
