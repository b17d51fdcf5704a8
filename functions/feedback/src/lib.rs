//! 问题反馈: the learner's tickets to their school, the school's inbox (`/institution/…`) and the
//! credit bank's (`/platform/…`), both behind API Gateway's JWT authorizer (the staff member's
//! institution and role come from the verified claims only).
//!
//! A function of its own (docs/layout.md, "Functions"): it is the only one serving the credit
//! bank's own staff (`PLATFORM`), the only writer of the inboxes, and its role reads and keeps
//! attachments in the evidence bucket without the registrations' review routes; it needs no
//! pepper.

use domain::account::session::Gate;
use domain::account::staff::Role;
use domain::feedback::command::{
    CloseCommand, CloseRequest, ListQuery, MessageCommand, MessageRequest, TicketCommand,
    TicketRequest,
};
use domain::feedback::learner;
use domain::feedback::staff::{self as desk, Desk};
use domain::security::crypto::Purposes;
use domain::App;
use http_edge::{
    authenticate, bearer_token, json_body, path_param, query_param, route, staff, ApiError, Reply,
    Request, RequestInfo, Route,
};
use lambda_http::http::StatusCode;
use std::sync::Arc;

/// The keyed hashes this function computes: none, so its process never has the pepper.
pub const KEYS: Purposes = Purposes::NONE;

pub static ROUTES: &[Route] = &[
    route!(POST "/feedback" => submit),
    route!(GET "/feedback" => list),
    route!(GET "/feedback/{id}" => get),
    route!(POST "/feedback/{id}/messages" => follow_up),
    route!(POST "/feedback/{id}/close" => close),
    route!(GET "/institution/feedback" => school_inbox),
    route!(GET "/institution/feedback/{id}" => school_get),
    route!(POST "/institution/feedback/{id}/messages" => school_reply),
    route!(POST "/institution/feedback/{id}/forward" => forward),
    route!(GET "/platform/feedback" => platform_inbox),
    route!(GET "/platform/feedback/{id}" => platform_get),
    route!(POST "/platform/feedback/{id}/messages" => platform_reply),
];

/// The body's command; if the body is refused, the refusal only once the caller is known to be
/// an active learner (an anonymous caller learns nothing about the body's rules, as with
/// [`authenticate`] first). A valid body costs no read of its own: the route reads the session
/// with what it needs.
async fn checked<T>(app: &App, req: &Request, cmd: Result<T, ApiError>) -> Result<T, ApiError> {
    if cmd.is_err() {
        authenticate(app, req, Gate::ActiveLearner).await?;
    }
    cmd
}

pub async fn submit(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let token = bearer_token(&req)?;
    let cmd = json_body::<TicketRequest>(&req).and_then(|r| Ok(TicketCommand::try_from(r)?));
    let cmd = checked(&app, &req, cmd).await?;
    let view = learner::submit(&app, token, cmd, info.lang).await?;
    Ok(Reply::with_status(StatusCode::CREATED, &view))
}

pub async fn list(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let token = bearer_token(&req)?;
    let q = ListQuery::from_query(|k| query_param(&req, k), None).map_err(ApiError::from);
    let q = checked(&app, &req, q).await?;
    Ok(Reply::ok(&learner::list(&app, token, q, info.lang).await?))
}

pub async fn get(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let token = bearer_token(&req)?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(&learner::get(&app, token, &id, info.lang).await?))
}

pub async fn follow_up(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let token = bearer_token(&req)?;
    let id = path_param(&req, "id")?;
    let cmd = json_body::<MessageRequest>(&req).and_then(|r| Ok(MessageCommand::message(r)?));
    let cmd = checked(&app, &req, cmd).await?;
    Ok(Reply::ok(
        &learner::follow_up(&app, token, &id, cmd, info.lang).await?,
    ))
}

pub async fn close(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let token = bearer_token(&req)?;
    let id = path_param(&req, "id")?;
    let cmd = json_body::<CloseRequest>(&req).and_then(|r| Ok(CloseCommand::try_from(r)?));
    let cmd = checked(&app, &req, cmd).await?;
    Ok(Reply::ok(
        &learner::close(&app, token, &id, cmd, info.lang).await?,
    ))
}

/// The staff member at `d`'s desk: a school's reviewer, or the credit bank's staff.
fn at_desk(req: &Request, d: Desk) -> Result<domain::account::staff::Staff, ApiError> {
    let role = match d {
        Desk::School => Role::Reviewer,
        Desk::Platform => Role::Platform,
    };
    Ok(staff(req)?.require(role)?)
}

async fn inbox(app: &App, req: &Request, info: &RequestInfo, d: Desk) -> Result<Reply, ApiError> {
    let staff = at_desk(req, d)?;
    let q = ListQuery::from_query(|k| query_param(req, k), None)?;
    Ok(Reply::ok(&desk::inbox(app, &staff, d, q, info.lang).await?))
}

async fn read(app: &App, req: &Request, info: &RequestInfo, d: Desk) -> Result<Reply, ApiError> {
    let staff = at_desk(req, d)?;
    let id = path_param(req, "id")?;
    Ok(Reply::ok(&desk::get(app, &staff, d, &id, info.lang).await?))
}

async fn reply(app: &App, req: &Request, info: &RequestInfo, d: Desk) -> Result<Reply, ApiError> {
    let staff = at_desk(req, d)?;
    let id = path_param(req, "id")?;
    let cmd = MessageCommand::message(json_body::<MessageRequest>(req)?)?;
    Ok(Reply::ok(
        &desk::reply(app, &staff, d, &id, cmd, info.lang).await?,
    ))
}

pub async fn school_inbox(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    inbox(&app, &req, &info, Desk::School).await
}

pub async fn school_get(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    read(&app, &req, &info, Desk::School).await
}

pub async fn school_reply(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    reply(&app, &req, &info, Desk::School).await
}

pub async fn forward(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = at_desk(&req, Desk::School)?;
    let id = path_param(&req, "id")?;
    let cmd = MessageCommand::note(json_body::<MessageRequest>(&req)?)?;
    Ok(Reply::ok(
        &desk::forward(&app, &staff, &id, cmd, info.lang).await?,
    ))
}

pub async fn platform_inbox(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    inbox(&app, &req, &info, Desk::Platform).await
}

pub async fn platform_get(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    read(&app, &req, &info, Desk::Platform).await
}

pub async fn platform_reply(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    reply(&app, &req, &info, Desk::Platform).await
}
