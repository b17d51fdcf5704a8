//! 登记学习成果: evidence uploads (`POST /uploads`), the learner's registrations, and the school's
//! review of them (`/institution/…`, behind API Gateway's JWT authorizer: the staff member's
//! institution and role come from the verified claims only).
//!
//! A function of its own (docs/layout.md, "Functions"): it is the only one that may sign upload
//! forms and read evidence in the bucket (its role alone has the S3 permissions), and the only
//! one behind the user pool's authorizer; it needs no pepper (sessions name their learner's
//! key, and the learner record keeps the number's key).

use domain::account::session::Gate;
use domain::account::staff::Role;
use domain::registrations::command::{
    DecisionCommand, DecisionRequest, ListQuery, RegistrationCommand, RegistrationRequest,
};
use domain::registrations::{learner, review, Status};
use domain::security::crypto::Purposes;
use domain::uploads::{self, UploadCommand, UploadRequest};
use domain::App;
use http_edge::{
    authenticate, json_body, path_param, query_param, route, staff, ApiError, Reply, Request,
    RequestInfo, Route,
};
use lambda_http::http::StatusCode;
use std::sync::Arc;

/// The keyed hashes this function computes: none, so its process never has the pepper.
pub const KEYS: Purposes = Purposes::NONE;

pub static ROUTES: &[Route] = &[
    route!(POST "/uploads" => upload),
    route!(POST "/achievement-registrations" => submit),
    route!(GET "/achievement-registrations" => list),
    route!(GET "/achievement-registrations/{id}" => get),
    route!(PUT "/achievement-registrations/{id}" => resubmit),
    route!(POST "/achievement-registrations/{id}/withdraw" => withdraw),
    route!(GET "/institution/achievement-registrations" => queue),
    route!(GET "/institution/achievement-registrations/{id}" => review_get),
    route!(POST "/institution/achievement-registrations/{id}/decision" => decide),
];

pub async fn upload(app: Arc<App>, req: Request, _: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let cmd = UploadCommand::try_from(json_body::<UploadRequest>(&req)?)?;
    let form = uploads::create(&app, &authed, cmd).await?;
    Ok(Reply::with_status(StatusCode::CREATED, &form))
}

fn command(app: &App, req: &Request) -> Result<RegistrationCommand, ApiError> {
    let body = json_body::<RegistrationRequest>(req)?;
    Ok(RegistrationCommand::parse(body, app.today())?)
}

pub async fn submit(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let cmd = command(&app, &req)?;
    let view = learner::submit(&app, authed, cmd, info.lang).await?;
    Ok(Reply::with_status(StatusCode::CREATED, &view))
}

pub async fn list(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let q = ListQuery::from_query(|k| query_param(&req, k), None)?;
    Ok(Reply::ok(
        &learner::list(&app, &authed, q, info.lang).await?,
    ))
}

pub async fn get(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(
        &learner::get(&app, &authed, &id, info.lang).await?,
    ))
}

pub async fn resubmit(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let id = path_param(&req, "id")?;
    let cmd = command(&app, &req)?;
    Ok(Reply::ok(
        &learner::resubmit(&app, authed, &id, cmd, info.lang).await?,
    ))
}

pub async fn withdraw(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(
        &learner::withdraw(&app, authed, &id, info.lang).await?,
    ))
}

pub async fn queue(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let q = ListQuery::from_query(|k| query_param(&req, k), Some(Status::Pending))?;
    Ok(Reply::ok(&review::list(&app, &staff, q, info.lang).await?))
}

pub async fn review_get(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(&review::get(&app, &staff, &id, info.lang).await?))
}

pub async fn decide(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    let cmd = DecisionCommand::try_from(json_body::<DecisionRequest>(&req)?)?;
    Ok(Reply::ok(
        &review::decide(&app, &staff, &id, cmd, info.lang).await?,
    ))
}
