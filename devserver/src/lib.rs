//! The local all-in-one server: every function's handler behind one port, reached exactly as API
//! Gateway (HTTP API, payload format 2.0) would reach it.
//!
//! [`ROUTES`] is the one table of what is served; the integration tests dispatch through it too,
//! and a test holds it equal to `template.yaml`, `events/` and `openapi.yaml`.

use base64::Engine;
use futures::future::BoxFuture;
use futures::FutureExt;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use shared::config::SmsConfig;
use shared::error::AppError;
use shared::http::{error_response, Lang};
use shared::sms::Outbox;
use shared::verification::SmsService;
use shared::App;
use std::sync::Arc;

/// What the handlers run against.
#[derive(Clone)]
pub struct Services {
    pub app: App,
    /// The SMS function's state: the same app, and the SMS sender.
    pub sms: fn_sms::SmsState,
    /// Where the dev server's SMS go (`GET /_dev/sms`); `None` when a real sender is wired.
    pub outbox: Option<Arc<Outbox>>,
}

impl Services {
    /// Handlers on `app`, with SMS kept in `outbox`.
    pub fn with_outbox(app: App, outbox: Arc<Outbox>) -> Services {
        let sender: Arc<dyn shared::sms::SmsSender> = outbox.clone();
        Services::with_sender(app, sender, Some(outbox))
    }

    pub fn with_sender(
        app: App,
        sender: Arc<dyn shared::sms::SmsSender>,
        outbox: Option<Arc<Outbox>>,
    ) -> Services {
        let sms = SmsService {
            sender,
            config: SmsConfig::default(),
        };
        Services {
            sms: fn_sms::SmsState {
                app: app.clone(),
                sms,
            },
            app,
            outbox,
        }
    }
}

pub type Handler = fn(Arc<Services>, Request) -> BoxFuture<'static, Response<Body>>;

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    /// The package under `functions/` whose Lambda serves the route ("" for dev-only routes).
    pub function: &'static str,
    pub handler: Handler,
    /// Served only here, never by a Lambda.
    pub dev_only: bool,
}

/// A route served by a function's Lambda handler: `handle(&services.<state>, request)`.
macro_rules! lambda {
    ($function:literal, $method:ident, $path:literal, $handle:path, $state:ident) => {
        Route {
            method: Method::$method,
            path: $path,
            function: $function,
            handler: |s, r| async move { $handle(&s.$state, r).await }.boxed(),
            dev_only: false,
        }
    };
}

/// Every route: one line each.
pub static ROUTES: &[Route] = &[
    Route {
        handler: |s, r| dev_captcha(s, r).boxed(),
        ..lambda!("captcha", GET, "/captcha", fn_captcha::handle, app)
    },
    lambda!("login", POST, "/login", fn_login::handle, app),
    lambda!("login", POST, "/logout", fn_login::handle, app),
    lambda!("sms", POST, "/sms/code", fn_sms::handle, sms),
    lambda!("profile", GET, "/profile", fn_profile::handle, app),
    lambda!("profile", PUT, "/profile", fn_profile::handle, app),
    lambda!("achievements", GET, "/me", fn_achievements::handle, app),
    lambda!(
        "achievements",
        GET,
        "/achievements",
        fn_achievements::handle,
        app
    ),
    lambda!(
        "achievements",
        GET,
        "/achievement-types",
        fn_achievements::handle,
        app
    ),
    dev(Method::GET, "/_dev/sms", |s, r| dev_sms(s, r).boxed()),
    dev(Method::POST, "/_dev/import", |s, r| {
        dev_import(s, r).boxed()
    }),
];

/// `POST /_dev/import`: the import function's event as the body, its result as the answer.
async fn dev_import(s: Arc<Services>, req: Request) -> Response<Body> {
    shared::http::serve(req, |req, _info| async move {
        let body = req.body().as_ref();
        let event: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| AppError::InvalidJson)?;
        match fn_import::handle(&s.app, event).await {
            Ok(result) => Ok(shared::http::Reply::ok(&result)),
            Err(fn_import::ImportError::BadEvent(_)) => Err(AppError::validation(
                "institution",
                shared::error::Problem::Invalid,
            )),
            Err(fn_import::ImportError::Failed(e)) => Err(AppError::internal(e)),
        }
    })
    .await
}

const fn dev(method: Method, path: &'static str, handler: Handler) -> Route {
    Route {
        method,
        path,
        function: "",
        handler,
        dev_only: true,
    }
}

/// `GET /_dev/sms?mobile=13800138000`: the outbox's messages to that number, oldest first.
async fn dev_sms(s: Arc<Services>, req: Request) -> Response<Body> {
    shared::http::serve(req, |req, _info| async move {
        let mobile = shared::http::query_param(&req, "mobile")
            .ok_or_else(|| AppError::validation("mobile", shared::error::Problem::Missing))?;
        let mobile = shared::mobile::Mobile::parse(&mobile)
            .map_err(|_| AppError::validation("mobile", shared::error::Problem::Invalid))?;
        let outbox = s.outbox.as_ref().ok_or(AppError::NotFound)?;
        let messages = outbox.messages_to(&mobile.e164());
        Ok(shared::http::Reply::ok(
            &serde_json::json!({ "messages": messages }),
        ))
    })
    .await
}

/// `GET /captcha` plus `devAnswer`, so scripts can log in. Only this server adds it: the Lambda's
/// handler never returns the answer.
async fn dev_captcha(s: Arc<Services>, req: Request) -> Response<Body> {
    let resp = fn_captcha::handle(&s.app, req).await;
    if resp.status() != StatusCode::OK {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let mut json: serde_json::Value = serde_json::from_slice(body.as_ref()).unwrap_or_default();
    if let Some(id) = json["captchaId"].as_str() {
        if let Ok(Some(answer)) = shared::captcha::peek_answer_for_dev(&s.app, id).await {
            json["devAnswer"] = answer.to_string().into();
        }
    }
    parts
        .headers
        .remove(lambda_http::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::Text(json.to_string()))
}

/// Sends `req` to the handler serving its method and path; unknown routes get 404, known paths
/// with another method 405, both in the API's error format.
pub async fn dispatch(services: &Arc<Services>, req: Request) -> Response<Body> {
    let path = req.uri().path().to_string();
    if let Some(route) = ROUTES
        .iter()
        .find(|r| r.method == req.method() && r.path == path)
    {
        return (route.handler)(services.clone(), req).await;
    }
    let lang = Lang::from_headers(req.headers());
    let err = if ROUTES.iter().any(|r| r.path == path) {
        AppError::MethodNotAllowed
    } else {
        AppError::NotFound
    };
    error_response(&err, lang)
}

/// An HTTP request as the API Gateway HTTP API event (payload format 2.0) it would become.
pub struct HttpRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Without the `?`.
    pub raw_query: &'a str,
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
    pub source_ip: &'a str,
}

/// The event JSON API Gateway would deliver for `r`.
pub fn api_gateway_event(r: &HttpRequest<'_>) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut headers = Map::new();
    for (name, value) in &r.headers {
        let name = name.to_ascii_lowercase();
        let joined = match headers.get(&name).and_then(Value::as_str) {
            Some(prev) => format!("{prev},{value}"),
            None => value.clone(),
        };
        headers.insert(name, Value::String(joined));
    }
    let mut query = Map::new();
    for pair in r.raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        let joined = match query.get(&k).and_then(Value::as_str) {
            Some(prev) => format!("{prev},{v}"),
            None => v,
        };
        query.insert(k, Value::String(joined));
    }
    let user_agent = headers.get("user-agent").cloned().unwrap_or(Value::Null);
    let now = chrono::Utc::now();
    let (body, is_base64) = match std::str::from_utf8(r.body) {
        _ if r.body.is_empty() => (Value::Null, false),
        Ok(text) => (Value::String(text.to_string()), false),
        Err(_) => (
            Value::String(base64::engine::general_purpose::STANDARD.encode(r.body)),
            true,
        ),
    };
    let route_key = format!("{} {}", r.method, r.path);
    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": r.path,
        "rawQueryString": r.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "devserver",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": {
                "method": r.method,
                "path": r.path,
                "protocol": "HTTP/1.1",
                "sourceIp": r.source_ip,
                "userAgent": user_agent,
            },
            "requestId": format!("dev-{}", now.timestamp_nanos_opt().unwrap_or_default()),
            "routeKey": route_key,
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !body.is_null() {
        event["body"] = body;
    }
    event
}

/// Decodes `%XX` escapes and `+` (form encoding of a space) in a query-string part.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Turns `r` into the `lambda_http::Request` a Lambda would receive.
pub fn lambda_request(r: &HttpRequest<'_>) -> Request {
    lambda_http::request::from_str(&api_gateway_event(r).to_string())
        .expect("the event built here is a valid payload 2.0 event")
}

/// The demo learner of the guide (in `events/import-demo.json`).
pub const DEMO_ID_NUMBER: &str = "440883200305125051";
pub const DEMO_NAME: &str = "李嘉民";
/// The demo data the dev server loads at start: the import function's own sample event.
pub const DEMO_IMPORT: &str = include_str!("../../events/import-demo.json");

/// Loads the demo data (idempotent: a second run changes nothing).
pub async fn seed_demo(app: &App) -> Result<shared::import::ImportResult, AppError> {
    let event = serde_json::from_str(DEMO_IMPORT).expect("events/import-demo.json is JSON");
    fn_import::handle(app, event)
        .await
        .map_err(|e| AppError::internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("%E7%94%B5%E6%A2%AF"), "电梯");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn events_carry_method_path_query_headers_and_source_ip() {
        let req = lambda_request(&HttpRequest {
            method: "GET",
            path: "/achievements",
            raw_query: "name=%E7%94%B5&page=2",
            headers: vec![("Accept-Language".into(), "en".into())],
            body: b"",
            source_ip: "203.0.113.9",
        });
        let info = shared::http::RequestInfo::of(&req);
        assert_eq!(info.client_ip, "203.0.113.9");
        assert_eq!(info.lang, Lang::En);
        assert_eq!(req.method(), Method::GET);
        assert_eq!(req.uri().path(), "/achievements");
        assert_eq!(
            shared::http::query_param(&req, "name").as_deref(),
            Some("电")
        );
        assert_eq!(
            shared::http::query_param(&req, "page").as_deref(),
            Some("2")
        );
    }
}
