//! `GET /profile` and `PUT /profile` (the first-login information, then the document validity),
//! and `PUT /mobile` (a new bound number): the profile is where the number lives, and this
//! function already takes and releases number claims and verifies Argon2 passwords.

use domain::account::profile::{self, ProfileCommand, ProfileRequest};
use domain::account::session::Gate;
use domain::credentials::change::{self, MobileChangeCommand, MobileChangeRequest};
use domain::security::crypto::Purposes;
use domain::App;
use http_edge::{authenticate, json_body, route, ApiError, Reply, Request, RequestInfo, Route};
use std::sync::Arc;

/// The keyed hashes this function computes: identities (the number, the ID's last six, the
/// lockout of re-authentication) and codes (binding and change); no client address.
pub const KEYS: Purposes = Purposes::IDENTITY.and(Purposes::CODE);

pub static ROUTES: &[Route] = &[
    route!(GET "/profile" => get),
    route!(PUT "/profile" => put),
    route!(PUT "/mobile" => change_mobile),
];

pub async fn get(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::AnyLearner).await?;
    Ok(Reply::ok(&profile::get(&authed)))
}

pub async fn put(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::AnyLearner).await?;
    let submission = ProfileCommand::try_from(json_body::<ProfileRequest>(&req)?)?;
    Ok(Reply::ok(&profile::put(&app, authed, submission).await?))
}

pub async fn change_mobile(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let cmd = MobileChangeCommand::try_from(json_body::<MobileChangeRequest>(&req)?)?;
    Ok(Reply::ok(
        &change::change_mobile(&app, authed, cmd, &info.client_ip).await?,
    ))
}
