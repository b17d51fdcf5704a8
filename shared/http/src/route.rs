//! Route tables and dispatch. Each function crate declares its routes once, as a `&[Route]`;
//! its Lambda dispatches on it, the dev server and the tests concatenate the tables, and the
//! contract test holds `template.yaml` and `openapi.yaml` to them.

use crate::error::ApiError;
use crate::request::{lang_of, RequestInfo};
use crate::response::{answer, Reply};
use domain::error::chain;
use domain::App;
use futures::future::BoxFuture;
use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub type Handler =
    fn(Arc<App>, Request, RequestInfo) -> BoxFuture<'static, Result<Reply, ApiError>>;

/// One route: `method path`, served by `handler`. A path segment `{name}` matches any one
/// non-empty segment, which the handler reads with [`crate::request::path_param`] (the same
/// template API Gateway and `openapi.yaml` use).
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub handler: Handler,
}

/// A path's parameters, by name, in template order.
pub type PathParams = Vec<(String, String)>;

/// The path parameters of `path` if it matches `template` (`/a/{id}/b` matches `/a/42/b`).
pub fn matches(template: &str, path: &str) -> Option<PathParams> {
    let mut params = Vec::new();
    let mut want = template.split('/');
    let mut have = path.split('/');
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(h)) if w.starts_with('{') && w.ends_with('}') => {
                if h.is_empty() {
                    return None;
                }
                params.push((w[1..w.len() - 1].to_string(), h.to_string()));
            }
            (Some(w), Some(h)) if w == h => {}
            _ => return None,
        }
    }
}

/// The route of `method path` among `routes` with its path parameters, or the 404/405 (with
/// `Allow`) to answer.
pub fn find<'r>(
    routes: impl IntoIterator<Item = &'r Route> + Clone,
    method: &Method,
    path: &str,
) -> Result<(&'r Route, PathParams), ApiError> {
    if let Some((r, params)) = routes
        .clone()
        .into_iter()
        .filter(|r| r.method == method)
        .find_map(|r| matches(r.path, path).map(|p| (r, p)))
    {
        return Ok((r, params));
    }
    let mut allow: Vec<&str> = routes
        .into_iter()
        .filter(|r| matches(r.path, path).is_some())
        .map(|r| r.method.as_str())
        .collect();
    if allow.is_empty() {
        return Err(ApiError::NotFound);
    }
    allow.sort_unstable();
    allow.dedup();
    Err(ApiError::MethodNotAllowed {
        allow: allow.join(", "),
    })
}

/// Runs a handler's future within `deadline`, catching its panics: past the deadline the answer
/// is 503 `SERVICE_UNAVAILABLE` (the future is dropped: every multi-item change is one
/// transaction, so nothing is left half-applied), and a panic is a 500 `INTERNAL` whose message
/// is logged, never returned. The process keeps serving either way (the release profile unwinds).
pub async fn guarded(
    deadline: std::time::Duration,
    handler: impl std::future::Future<Output = Result<Reply, ApiError>>,
) -> Result<Reply, ApiError> {
    use futures::FutureExt;
    let caught = std::panic::AssertUnwindSafe(handler).catch_unwind();
    match tokio::time::timeout(deadline, caught).await {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            Err(ApiError::Domain(domain::DomainError::internal(format!(
                "handler panicked: {message}"
            ))))
        }
        Err(_) => Err(ApiError::Domain(domain::DomainError::unavailable(format!(
            "request deadline of {} ms exceeded",
            deadline.as_millis()
        )))),
    }
}

/// Runs `req` through the route of `routes` it names (404/405 otherwise), inside a span carrying
/// the request id, within the app's request deadline and catching panics ([`guarded`]), and
/// logs one line per request (status, error code, duration; never bodies or tokens).
/// Server-side failures are logged with their whole cause chain.
pub async fn dispatch<'r>(
    routes: impl IntoIterator<Item = &'r Route> + Clone,
    app: Arc<App>,
    req: Request,
) -> Response<Body> {
    use tracing::Instrument;
    let info = RequestInfo::of(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %info.request_id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    let lang = lang_of(req.headers());
    let found = find(routes, req.method(), req.uri().path());
    async move {
        let started = std::time::Instant::now();
        let result = match found {
            Ok((route, params)) => {
                let handler = route.handler;
                let req = with_path_params(req, params);
                let deadline = app.request_deadline;
                guarded(deadline, handler(app, req, info.clone())).await
            }
            Err(e) => Err(e),
        };
        if let Err(err) = &result {
            log_failure(err, &info);
        }
        let resp = answer(&result, lang);
        tracing::info!(
            status = resp.status().as_u16(),
            code = result.as_ref().err().map(ApiError::code),
            ms = started.elapsed().as_millis() as u64,
            "handled"
        );
        resp
    }
    .instrument(span)
    .await
}

/// `req` with the path parameters its route's template names (replacing any the event carried:
/// the route table is the one truth of what a path means).
fn with_path_params(req: Request, params: PathParams) -> Request {
    use lambda_http::RequestExt;
    let map: std::collections::HashMap<String, String> = params
        .into_iter()
        .map(|(k, v)| {
            let decoded = percent_decode(&v);
            (k, decoded)
        })
        .collect();
    req.with_path_parameters(map)
}

/// `%XX` escapes of a path segment decoded (invalid escapes and non-UTF-8 kept as sent).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_string())
}

/// Logs a server-side failure (500 with its cause, 503 with its cause) under the request id.
pub fn log_failure(err: &ApiError, info: &RequestInfo) {
    match err.domain() {
        Some(e @ domain::DomainError::Internal(_)) => {
            tracing::error!(request_id = %info.request_id, code = err.code(), cause = %chain(e), "request failed")
        }
        Some(e @ domain::DomainError::Unavailable(_)) => {
            tracing::warn!(request_id = %info.request_id, code = err.code(), cause = %chain(e), "dependency unavailable")
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noop(
        _: Arc<App>,
        _: Request,
        _: RequestInfo,
    ) -> BoxFuture<'static, Result<Reply, ApiError>> {
        Box::pin(async { Ok(Reply::no_content()) })
    }

    #[test]
    fn unknown_paths_are_404_and_other_methods_405_with_allow() {
        let routes = [
            Route {
                method: Method::GET,
                path: "/profile",
                handler: noop,
            },
            Route {
                method: Method::PUT,
                path: "/profile",
                handler: noop,
            },
        ];
        assert!(find(&routes, &Method::GET, "/profile").is_ok());
        assert!(matches!(
            find(&routes, &Method::GET, "/profile/x"),
            Err(ApiError::NotFound)
        ));
        assert!(matches!(
            find(&routes, &Method::GET, "/nope"),
            Err(ApiError::NotFound)
        ));
        match find(&routes, &Method::DELETE, "/profile") {
            Err(ApiError::MethodNotAllowed { allow }) => assert_eq!(allow, "GET, PUT"),
            _ => panic!("expected 405"),
        }
    }

    #[test]
    fn templates_match_one_non_empty_segment_per_parameter() {
        let p = |t, p| matches(t, p);
        assert_eq!(
            p("/a/{id}/b", "/a/42/b"),
            Some(vec![("id".to_string(), "42".to_string())])
        );
        assert_eq!(p("/a/{id}", "/a/"), None);
        assert_eq!(p("/a/{id}", "/a/1/2"), None);
        assert_eq!(p("/a/{id}", "/a"), None);
        assert_eq!(p("/a", "/a"), Some(vec![]));
        assert_eq!(p("/a", "/a/"), None);
        assert_eq!(percent_decode("a%20b%zz%"), "a b%zz%");
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_and_a_slow_one_a_503_within_the_deadline() {
        let deadline = std::time::Duration::from_millis(100);
        let panicked = guarded(deadline, async { panic!("boom in a handler") }).await;
        let err = panicked.unwrap_err();
        assert_eq!((err.status().as_u16(), err.code()), (500, "INTERNAL"));
        assert!(domain::error::chain(err.domain().unwrap()).contains("boom in a handler"));

        let started = std::time::Instant::now();
        let slow = guarded(deadline, async {
            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            Ok(Reply::no_content())
        })
        .await;
        let err = slow.unwrap_err();
        assert_eq!((err.status().as_u16(), err.retry_after()), (503, Some(1)));
        assert!(started.elapsed() < std::time::Duration::from_secs(2));

        let fine = guarded(deadline, async { Ok(Reply::no_content()) }).await;
        assert_eq!(fine.unwrap().status.as_u16(), 204);
    }
}
