//! `GET /captcha`: a new arithmetic image captcha (limited per client address).

use domain::App;
use http_edge::{route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

pub static ROUTES: &[Route] = &[route!(GET "/captcha" => captcha)];

pub async fn captcha(app: Arc<App>, _: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    domain::throttle::admit(&app, domain::throttle::Action::Captcha, &info.client_ip).await?;
    Ok(Reply::ok(&domain::captcha::issue(&app).await?))
}
