//! `POST /sms/code`: sends a verification code to the mobile number a learner is binding.

pub mod sns;

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::auth::{self, Gate};
use shared::http::{is, json_body, route_miss, serve, Reply};
use shared::verification::{self, SendCodeRequest, SmsService};
use shared::App;

/// The SMS function's dependencies.
#[derive(Clone)]
pub struct SmsState {
    pub app: App,
    pub sms: SmsService,
}

pub async fn handle(state: &SmsState, req: Request) -> Response<Body> {
    serve(req, |req, info| async move {
        if is(&req, Method::POST, "/sms/code") {
            let authed = auth::require(&state.app, &req, Gate::AnyLearner).await?;
            let body: SendCodeRequest = json_body(&req)?;
            let learner_key = &authed.learner.learner.id_key;
            let sent =
                verification::send_code(&state.app, &state.sms, learner_key, body, &info).await?;
            Ok(Reply::ok(&sent))
        } else {
            Err(route_miss(&req, &["/sms/code"]))
        }
    })
    .await
}
