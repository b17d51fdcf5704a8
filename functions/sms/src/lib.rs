//! `POST /sms/code`: sends a verification code to the mobile number a learner is binding.

use domain::account::session::Gate;
use domain::security::crypto::Purposes;
use domain::sms_code::{self, SendCodeCommand, SendCodeRequest};
use domain::App;
use http_edge::{authenticate, json_body, route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

/// The keyed hashes this function computes: identities (the number's and learner's send logs),
/// codes, client addresses (the per-address send log).
pub const KEYS: Purposes = Purposes::ALL;

pub static ROUTES: &[Route] = &[route!(POST "/sms/code" => send_code)];

pub async fn send_code(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::AnyLearner).await?;
    let cmd = SendCodeCommand::try_from(json_body::<SendCodeRequest>(&req)?)?;
    let sent = sms_code::request_code(&app, &authed, cmd, &info.client_ip).await?;
    Ok(Reply::ok(&sent))
}
