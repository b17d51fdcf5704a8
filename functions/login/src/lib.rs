//! `POST /login` (account, password, captcha → bearer token), `POST /logout`, and the password
//! routes: `POST /password/reset/code`, `POST /password/reset` (forgotten password) and
//! `PUT /password` (change). They live here because they are the login's business: they take
//! an account and a captcha like the login, verify or hash Argon2 passwords (this function has
//! the memory, hence the CPU, for it) and share its lockout.

use domain::account::session::Gate;
use domain::credentials::change::{self, PasswordChangeCommand, PasswordChangeRequest};
use domain::credentials::login::{self, LoginCommand, LoginRequest};
use domain::credentials::reset::{
    self, ResetCodeCommand, ResetCodeRequest, ResetCommand, ResetRequest,
};
use domain::security::crypto::Purposes;
use domain::App;
use http_edge::{
    authenticate, bearer_token, json_body, route, ApiError, Reply, Request, RequestInfo, Route,
};
use lambda_http::http::StatusCode;
use std::sync::Arc;

/// The keyed hashes this function computes: identities (ID number, mobile, lockout and reset
/// identifiers), reset codes, client addresses (per-address limits).
pub const KEYS: Purposes = Purposes::ALL;

pub static ROUTES: &[Route] = &[
    route!(POST "/login" => login),
    route!(POST "/logout" => logout),
    route!(POST "/password/reset/code" => reset_code),
    route!(POST "/password/reset" => reset),
    route!(PUT "/password" => change_password),
];

pub async fn login(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let cmd = LoginCommand::try_from(json_body::<LoginRequest>(&req)?)?;
    Ok(Reply::ok(&login::login(&app, cmd, &info.client_ip).await?))
}

pub async fn logout(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    login::logout(&app, bearer_token(&req)?).await?;
    Ok(Reply::no_content())
}

pub async fn reset_code(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let cmd = ResetCodeCommand::try_from(json_body::<ResetCodeRequest>(&req)?)?;
    let sent = reset::request_code(&app, cmd, &info.client_ip).await?;
    Ok(Reply::with_status(StatusCode::ACCEPTED, &sent))
}

pub async fn reset(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let cmd = ResetCommand::try_from(json_body::<ResetRequest>(&req)?)?;
    reset::reset(&app, cmd, &info.client_ip).await?;
    Ok(Reply::no_content())
}

pub async fn change_password(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let cmd = PasswordChangeCommand::try_from(json_body::<PasswordChangeRequest>(&req)?)?;
    change::change_password(&app, authed, cmd, &info.client_ip).await?;
    Ok(Reply::no_content())
}
