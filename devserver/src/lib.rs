//! The local all-in-one server: every function's route table behind one port, each request
//! handed to the handlers as the `lambda_http::Request` API Gateway (HTTP API, payload 2.0)
//! would make of it, the staff routes behind the JWT authorizer API Gateway runs
//! ([`authorizer`]).

pub mod authorizer;
mod files;
pub mod fixtures;
pub mod multipart;

use authorizer::Authorizer;
use domain::error::Problem;
use domain::ports::files::MemoryFiles;
use domain::ports::sms::Outbox;
use domain::App;
use futures::future::BoxFuture;
use http_edge::request::{check_url_parts, lang_of};
use http_edge::response::answer;
use http_edge::{ApiError, Body, Method, Reply, Request, Response, Route};
use lambda_http::aws_lambda_events::apigw::{
    ApiGatewayV2httpRequestContext, ApiGatewayV2httpRequestContextHttpDescription,
};
use lambda_http::request::RequestContext;
use lambda_http::RequestExt;
use std::collections::HashMap;
use std::sync::Arc;

/// Every function and its route table: the Lambdas' own tables, concatenated.
pub static FUNCTIONS: &[(&str, &[Route])] = &[
    ("captcha", fn_captcha::ROUTES),
    ("login", fn_login::ROUTES),
    ("sms", fn_sms::ROUTES),
    ("profile", fn_profile::ROUTES),
    ("achievements", fn_achievements::ROUTES),
    ("registrations", fn_registrations::ROUTES),
    ("conversions", fn_conversions::ROUTES),
    ("feedback", fn_feedback::ROUTES),
];

/// Every API route, as the functions declare them.
pub fn api_routes() -> impl Iterator<Item = &'static Route> + Clone {
    FUNCTIONS.iter().flat_map(|(_, routes)| routes.iter())
}

/// The function serving `method path`.
pub fn function_of(method: &Method, path: &str) -> Option<&'static str> {
    FUNCTIONS
        .iter()
        .find(|(_, routes)| {
            routes
                .iter()
                .any(|r| r.method == method && http_edge::route::matches(r.path, path).is_some())
        })
        .map(|(f, _)| *f)
}

/// What the dev server runs: the app, the outbox its SMS go to and the embedded store its files
/// go to (when they go to those), and the JWT authorizer of the staff routes.
pub struct DevServer {
    pub app: Arc<App>,
    pub outbox: Option<Arc<Outbox>>,
    /// `aws_infra::wiring::Built::files`: `None` when files go to S3.
    pub files: Option<Arc<MemoryFiles>>,
    pub authorizer: Arc<Authorizer>,
}

/// What a dev route answers: JSON like the API, or raw bytes (a stored file).
pub enum DevReply {
    Json(Reply),
    Raw(Response<Body>),
}

pub type DevHandler = fn(Arc<DevServer>, Request) -> BoxFuture<'static, Result<DevReply, ApiError>>;

/// A route only the dev server has.
pub struct DevRoute {
    pub method: Method,
    pub path: &'static str,
    pub handler: DevHandler,
}

/// A JSON dev route's future as a [`DevHandler`]'s.
fn json(
    f: impl std::future::Future<Output = Result<Reply, ApiError>> + Send + 'static,
) -> BoxFuture<'static, Result<DevReply, ApiError>> {
    Box::pin(async move { f.await.map(DevReply::Json) })
}

/// The dev server's own routes, tried before the API's.
pub static DEV_ROUTES: &[DevRoute] = &[
    DevRoute {
        method: Method::GET,
        path: "/captcha",
        handler: |s, r| json(dev_captcha(s, r)),
    },
    DevRoute {
        method: Method::GET,
        path: "/_dev/sms",
        handler: |s, r| json(dev_sms(s, r)),
    },
    DevRoute {
        method: Method::POST,
        path: "/_dev/import",
        handler: |s, r| json(dev_import(s, r)),
    },
    DevRoute {
        method: Method::POST,
        path: "/_dev/institution-token",
        handler: |s, r| json(dev_institution_token(s, r)),
    },
    DevRoute {
        method: Method::POST,
        path: domain::ports::files::MEMORY_UPLOAD_PATH,
        handler: |s, r| json(files::post_form(s, r)),
    },
    DevRoute {
        method: Method::GET,
        path: domain::ports::files::MEMORY_UPLOAD_PATH,
        handler: |s, r| Box::pin(files::read(s, r)),
    },
];

/// `GET /captcha` plus `devAnswer`, so scripts can log in. Only this server adds it: the Lambda's
/// handler (called here, per-address limit included) never returns the answer.
async fn dev_captcha(s: Arc<DevServer>, req: Request) -> Result<Reply, ApiError> {
    let info = http_edge::RequestInfo::of(&req);
    let mut reply = fn_captcha::captcha(s.app.clone(), req, info).await?;
    if let Some(json) = reply.body.as_mut() {
        let id = json["captchaId"].as_str().unwrap_or_default().to_string();
        if let Some(answer) = domain::captcha::peek_answer_for_dev(&s.app, &id).await? {
            json["devAnswer"] = answer.to_string().into();
        }
    }
    Ok(reply)
}

/// `GET /_dev/sms?mobile=13800138000`: the outbox's messages to that number, oldest first.
async fn dev_sms(s: Arc<DevServer>, req: Request) -> Result<Reply, ApiError> {
    let mobile = http_edge::query_param(&req, "mobile")
        .ok_or_else(|| ApiError::validation("mobile", Problem::Missing))?;
    let mobile = domain::values::mobile::Mobile::parse(&mobile)
        .map_err(|_| ApiError::validation("mobile", Problem::Invalid))?;
    let outbox = s.outbox.as_ref().ok_or(ApiError::NotFound)?;
    let messages = outbox.messages_to(&mobile.e164());
    Ok(Reply::ok(&serde_json::json!({ "messages": messages })))
}

/// `POST /_dev/import`: the import function's event as the body, its result as the answer.
async fn dev_import(s: Arc<DevServer>, req: Request) -> Result<Reply, ApiError> {
    let event: serde_json::Value =
        serde_json::from_slice(req.body().as_ref()).map_err(|_| ApiError::InvalidJson)?;
    match fn_import::handle(&s.app, event).await {
        Ok(result) => Ok(Reply::ok(&result)),
        Err(fn_import::ImportError::BadEvent(_)) => {
            Err(ApiError::validation("institution", Problem::Invalid))
        }
        Err(fn_import::ImportError::Failed(e)) => Err(e.into()),
    }
}

/// The body of `POST /_dev/institution-token`.
#[derive(serde::Deserialize)]
struct StaffTokenRequest {
    institution: Option<String>,
    role: Option<String>,
}

/// `POST /_dev/institution-token` `{"institution": "DEMO-SCHOOL", "role": "REVIEWER"}`: an ID
/// token of a staff member, as the user pool would issue one at sign-in → `{"token"}`.
async fn dev_institution_token(s: Arc<DevServer>, req: Request) -> Result<Reply, ApiError> {
    use domain::account::staff::Role;
    let body: StaffTokenRequest = http_edge::request::json_body(&req)?;
    let institution = body
        .institution
        .ok_or_else(|| ApiError::validation("institution", Problem::Missing))?;
    if !domain::values::input::is_institution_code(&institution) {
        return Err(ApiError::validation("institution", Problem::Invalid));
    }
    let role = body
        .role
        .ok_or_else(|| ApiError::validation("role", Problem::Missing))?;
    let role = Role::parse(&role).ok_or_else(|| ApiError::validation("role", Problem::Invalid))?;
    let token = s.authorizer.issue(&institution, role).await?;
    Ok(Reply::ok(&serde_json::json!({ "token": token })))
}

/// Answers `req`: a dev route, else the API route it names (404/405 in the API's envelope),
/// a staff route's only once the JWT authorizer admits it ([`Authorizer::authorize`]).
pub async fn dispatch(dev: &Arc<DevServer>, req: Request) -> Response<Body> {
    let lang = lang_of(req.headers());
    if let Some(route) = DEV_ROUTES
        .iter()
        .find(|r| r.method == req.method() && r.path == req.uri().path())
    {
        return dev_route(dev, route, req).await;
    }
    let info = http_edge::RequestInfo::of(&req);
    match dev.authorizer.authorize(req).await {
        Ok(req) => http_edge::dispatch(api_routes(), dev.app.clone(), req).await,
        Err(e) => {
            http_edge::route::log_failure(&e, &info);
            http_edge::error_response(&e, lang)
        }
    }
}

/// Runs a dev route as the API's are run (deadline, panics caught, failures logged).
async fn dev_route(dev: &Arc<DevServer>, route: &DevRoute, req: Request) -> Response<Body> {
    let lang = lang_of(req.headers());
    let info = http_edge::RequestInfo::of(&req);
    let deadline = dev.app.request_deadline;
    let mut raw = None;
    let result = http_edge::route::guarded(deadline, async {
        match (route.handler)(dev.clone(), req).await? {
            DevReply::Json(reply) => Ok(reply),
            DevReply::Raw(response) => {
                raw = Some(response);
                Ok(Reply::no_content())
            }
        }
    })
    .await;
    if let Err(e) = &result {
        http_edge::route::log_failure(e, &info);
    }
    match (raw, &result) {
        (Some(response), Ok(_)) => response,
        _ => answer(&result, lang),
    }
}

/// An HTTP request as it reaches the dev server.
pub struct HttpRequest {
    pub method: Method,
    /// Path and query as received (`/achievements?page=2`).
    pub uri: lambda_http::http::Uri,
    pub headers: lambda_http::http::HeaderMap,
    pub body: Vec<u8>,
    pub source_ip: String,
}

/// The `lambda_http::Request` API Gateway would hand a function for `r`, built from typed
/// values; a `Host` or `X-Forwarded-Proto` no URL can be made of is refused with 400.
pub fn lambda_request(r: HttpRequest) -> Result<Request, ApiError> {
    let header = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok());
    check_url_parts(
        header("host"),
        header("x-forwarded-proto"),
        r.uri.path(),
        r.uri.query(),
    )?;
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(r.uri.query().unwrap_or("").as_bytes()) {
        query
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    let path = r.uri.path().to_string();
    let now = chrono::Utc::now();
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = r.method.clone();
    http.path = Some(path.clone());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some(r.source_ip.clone());
    http.user_agent = header("user-agent").map(str::to_owned);
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.route_key = Some(format!("{} {path}", r.method));
    ctx.stage = Some("$default".into());
    ctx.request_id = Some(format!(
        "dev-{}",
        now.timestamp_nanos_opt().unwrap_or_default()
    ));
    ctx.time_epoch = now.timestamp_millis();
    ctx.http = http;
    let body = match String::from_utf8(r.body) {
        Ok(text) if text.is_empty() => Body::Empty,
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    };
    let uri = lambda_http::http::Uri::builder()
        .path_and_query(r.uri.path_and_query().map_or("/", |pq| pq.as_str()))
        .build()
        .map_err(|_| ApiError::NotFound)?;
    let mut builder = lambda_http::http::Request::builder()
        .method(r.method)
        .uri(uri);
    if let Some(h) = builder.headers_mut() {
        *h = r.headers;
    }
    let req = builder
        .body(body)
        .map_err(|_| ApiError::NotFound)?
        .with_request_context(RequestContext::ApiGatewayV2(ctx))
        .with_query_string_parameters(query);
    Ok(req)
}

/// The demo learner of the guide (in `events/import-demo.json`).
pub const DEMO_ID_NUMBER: &str = "440883200305125051";
pub const DEMO_NAME: &str = "李嘉民";
/// The demo data the dev server loads at start: the import function's own sample event.
pub const DEMO_IMPORT: &str = include_str!("../../events/import-demo.json");

/// Loads the demo data (idempotent: a second run changes nothing): the demo roll, and the demo
/// school's published conversion rule its learner's certificate meets
/// ([`fixtures::DEMO_RULE`]).
pub async fn seed_demo(app: &App) -> Result<fn_import::ImportResponse, fn_import::ImportError> {
    let event = serde_json::from_str(DEMO_IMPORT).expect("events/import-demo.json is JSON");
    let imported = fn_import::handle(app, event).await?;
    fixtures::seed_demo_rule(app)
        .await
        .map_err(fn_import::ImportError::Failed)?;
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_edge::RequestInfo;

    fn request(uri: &str, headers: &[(&str, &str)]) -> Result<Request, ApiError> {
        let mut map = lambda_http::http::HeaderMap::new();
        for (k, v) in headers {
            map.append(
                lambda_http::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        lambda_request(HttpRequest {
            method: Method::GET,
            uri: uri.parse().unwrap(),
            headers: map,
            body: Vec::new(),
            source_ip: "203.0.113.9".into(),
        })
    }

    #[test]
    fn requests_carry_method_path_query_headers_and_source_ip() {
        let req = request(
            "/achievements?name=%E7%94%B5+x&page=2",
            &[("accept-language", "en"), ("host", "localhost:3000")],
        )
        .unwrap();
        let info = RequestInfo::of(&req);
        assert_eq!(info.client_ip, "203.0.113.9");
        assert_eq!(info.lang, domain::Lang::En);
        assert_eq!(req.method(), Method::GET);
        assert_eq!(req.uri().path(), "/achievements");
        assert_eq!(
            http_edge::query_param(&req, "name").as_deref(),
            Some("电 x")
        );
        assert_eq!(http_edge::query_param(&req, "page").as_deref(), Some("2"));
    }

    #[test]
    fn hostile_host_and_scheme_headers_are_400_not_a_panic() {
        for (name, value) in [
            ("host", "a:b"),
            ("host", "localhost:99999"),
            ("host", "[::1"),
            ("x-forwarded-proto", "a b"),
        ] {
            let mut headers = vec![(name, value)];
            if name != "host" {
                headers.push(("host", "localhost"));
            }
            let e = request("/me", &headers).unwrap_err();
            assert_eq!(e.status().as_u16(), 400, "{name}: {value}");
        }
    }

    #[test]
    fn every_route_belongs_to_one_function() {
        for r in api_routes() {
            assert!(function_of(&r.method, r.path).is_some());
        }
        assert_eq!(function_of(&Method::GET, "/nope"), None);
    }
}
