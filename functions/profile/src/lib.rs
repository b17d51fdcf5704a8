//! `GET /profile` and `PUT /profile`: the first-login information and password change.

use domain::profile::{self, ProfileSubmission, ProfileUpdate};
use domain::session::Gate;
use domain::App;
use http_edge::{authenticate, json_body, route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

pub static ROUTES: &[Route] = &[route!(GET "/profile" => get), route!(PUT "/profile" => put)];

pub async fn get(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::AnyLearner).await?;
    Ok(Reply::ok(&profile::get(&authed)))
}

pub async fn put(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::AnyLearner).await?;
    let submission = ProfileSubmission::try_from(json_body::<ProfileUpdate>(&req)?)?;
    Ok(Reply::ok(&profile::put(&app, authed, submission).await?))
}
