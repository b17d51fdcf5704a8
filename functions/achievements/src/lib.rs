//! The personal centre (`GET /me`), the achievement list (`GET /achievements`) and the catalogue
//! of achievement types (`GET /achievement-types`, no login needed).

use domain::account::session::Gate;
use domain::achievements::catalogue;
use domain::achievements::{self, AchievementsQuery};
use domain::security::crypto::Purposes;
use domain::App;
use http_edge::{authenticate, query_param, route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

/// The keyed hashes this function computes: none (a session names its learner's key), so its
/// process never has the pepper: no secret to read, no permission to read it.
pub const KEYS: Purposes = Purposes::NONE;

pub static ROUTES: &[Route] = &[
    route!(GET "/me" => me),
    route!(GET "/achievements" => list),
    route!(GET "/achievement-types" => types),
];

pub async fn me(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    Ok(Reply::ok(&achievements::me(&app, &authed).await?))
}

pub async fn list(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let filter = AchievementsQuery::from_query(|k| query_param(&req, k))?;
    Ok(Reply::ok(
        &achievements::list(&app, &authed, &filter, info.lang).await?,
    ))
}

pub async fn types(_: Arc<App>, _: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    Ok(Reply::ok(&catalogue::view(info.lang)))
}
