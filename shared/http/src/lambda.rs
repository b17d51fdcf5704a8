//! The Lambda side of the edge. The runtime hands us the raw event (JSON); we check what
//! `lambda_http` would otherwise panic on (a `Host`, `X-Forwarded-Proto`, path or query no URL can
//! be built from; a body flagged base64 that is not) and answer those with 400 ourselves, as an
//! API Gateway (HTTP API, payload 2.0) response. Everything else is converted with `lambda_http`'s
//! own [`LambdaRequest`] conversion and dispatched like any request.

use crate::error::ApiError;
use crate::request::{check_url_parts, lang_of};
use crate::response::error_response;
use crate::route::{dispatch, Route};
use domain::app::config::{Config, ConfigError};
use domain::error::Problem;
use domain::security::crypto::Purposes;
use domain::App;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_http::http::header;
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Request, RequestExt, Response};
use std::sync::Arc;

/// Runs an HTTP function serving `routes` with the keys of `keys`: logging, configuration and the
/// dependencies once per cold start, then every event through [`handle_event`]. The body of
/// [`crate::lambda_main!`]. A configuration or pepper secret that cannot be had fails the init,
/// logged (the secret named, its value never).
pub async fn run(routes: &'static [Route], keys: Purposes) -> Result<(), lambda_runtime::Error> {
    crate::logging::init();
    let config = domain::app::config::Config::function_from_env(keys);
    let app = Arc::new(init_app(config).await?);
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<serde_json::Value>| {
            let app = app.clone();
            async move { Ok::<_, std::convert::Infallible>(handle_event(routes, app, event).await) }
        },
    ))
    .await
}

/// A Lambda's app, once per cold start, from its configuration: a configuration or a pepper
/// secret that cannot be had is logged (the secret named, its value never) and fails the init.
pub async fn init_app(config: Result<Config, ConfigError>) -> Result<App, lambda_runtime::Error> {
    let config = config.inspect_err(|e| {
        tracing::error!(error = %e, "init failed: configuration");
    })?;
    let built = aws_infra::wiring::build(&config).await.inspect_err(|e| {
        tracing::error!(error = %e, "init failed: the pepper secret");
    })?;
    Ok(built.app)
}

/// One invocation: the raw event in, the API Gateway response out. Never panics on any event:
/// what cannot become a request is a 400; a panicking handler is a 500 (see [`dispatch`]).
pub async fn handle_event(
    routes: &'static [Route],
    app: Arc<App>,
    event: LambdaEvent<serde_json::Value>,
) -> ApiGatewayV2httpResponse {
    let LambdaEvent { payload, context } = event;
    let request = match to_request(payload) {
        Ok(req) => req.with_lambda_context(context),
        Err((err, lang)) => {
            tracing::warn!(
                request_id = %context.request_id,
                code = err.code(),
                field = ?err.domain().map(|e| e.to_string()),
                "event refused before routing"
            );
            return to_gateway(error_response(&err, lang));
        }
    };
    to_gateway(dispatch(routes, app, request).await)
}

/// The request `lambda_http` makes of `payload`, or the 400 to answer instead.
fn to_request(payload: serde_json::Value) -> Result<Request, (ApiError, domain::Lang)> {
    let event: ApiGatewayV2httpRequest = serde_json::from_value(payload).map_err(|_| {
        (
            ApiError::validation("event", Problem::Invalid),
            domain::Lang::Zh,
        )
    })?;
    let lang = lang_of(&event.headers);
    check_event(&event).map_err(|e| (e, lang))?;
    // Belt and braces: whatever else the conversion might panic on is a 400, not a dead process
    // (the release profile unwinds: see Cargo.toml).
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        Request::from(LambdaRequest::ApiGatewayV2(event))
    }))
    .map_err(|_| (ApiError::validation("event", Problem::Invalid), lang))
}

/// What `lambda_http`'s conversion of `event` unwraps: the URL it builds from `Host` (or the
/// domain name), `X-Forwarded-Proto`, the stage and raw path, and the raw query; and the body,
/// when it is flagged base64.
pub fn check_event(event: &ApiGatewayV2httpRequest) -> Result<(), ApiError> {
    let header = |name: header::HeaderName| {
        event
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let host = header(header::HOST).or_else(|| event.request_context.domain_name.clone());
    let proto = header(header::HeaderName::from_static("x-forwarded-proto"));
    let raw_path = event.raw_path.clone().unwrap_or_default();
    let path = match event.request_context.stage.as_deref() {
        None | Some("$default") => raw_path,
        _ if std::env::var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_ok() => raw_path,
        Some(stage) if raw_path.starts_with(&format!("/{stage}/")) => raw_path,
        Some(stage) => format!("/{stage}{raw_path}"),
    };
    check_url_parts(
        host.as_deref(),
        proto.as_deref(),
        &path,
        event.raw_query_string.as_deref(),
    )?;
    if event.is_base64_encoded {
        use base64::Engine;
        if let Some(body) = &event.body {
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|_| ApiError::validation("body", Problem::Invalid))?;
        }
    }
    Ok(())
}

/// The API Gateway (payload 2.0) form of `resp`.
pub fn to_gateway(resp: Response<Body>) -> ApiGatewayV2httpResponse {
    let (parts, body) = resp.into_parts();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(parts.status.as_u16());
    out.headers = parts.headers;
    match body {
        Body::Empty => {}
        Body::Text(text) => out.body = Some(Body::Text(text)),
        Body::Binary(bytes) => {
            out.is_base64_encoded = true;
            out.body = Some(Body::Binary(bytes));
        }
        _ => {}
    }
    out
}
