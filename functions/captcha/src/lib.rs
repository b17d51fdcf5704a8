//! `GET /captcha`: a new arithmetic image captcha (limited per client address).

use domain::security::crypto::Purposes;
use domain::App;
use http_edge::{route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

/// The keyed hashes this function computes: client addresses only (the per-address counter of
/// `GET /captcha`).
pub const KEYS: Purposes = Purposes::ADDRESS;

pub static ROUTES: &[Route] = &[route!(GET "/captcha" => captcha)];

pub async fn captcha(app: Arc<App>, _: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    Ok(Reply::ok(
        &domain::captcha::issue_to(&app, &info.client_ip).await?,
    ))
}
