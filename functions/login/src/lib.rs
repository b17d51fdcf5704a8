//! `POST /login` (account, password, captcha → bearer token) and `POST /logout`.

use domain::auth::{self, LoginCommand, LoginRequest};
use domain::App;
use http_edge::{bearer_token, json_body, route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

pub static ROUTES: &[Route] = &[
    route!(POST "/login" => login),
    route!(POST "/logout" => logout),
];

pub async fn login(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let cmd = LoginCommand::try_from(json_body::<LoginRequest>(&req)?)?;
    Ok(Reply::ok(&auth::login(&app, cmd, &info.client_ip).await?))
}

pub async fn logout(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    auth::logout(&app, bearer_token(&req)?).await?;
    Ok(Reply::no_content())
}
