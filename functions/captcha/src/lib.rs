//! `GET /captcha`: a new arithmetic image captcha (limited per client address).

use domain::App;
use http_edge::{route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

pub static ROUTES: &[Route] = &[route!(GET "/captcha" => captcha)];

pub async fn captcha(app: Arc<App>, _: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    Ok(Reply::ok(
        &domain::captcha::issue_to(&app, &info.client_ip).await?,
    ))
}
