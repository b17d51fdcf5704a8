//! 查看转换规则 and 成果转换: the published rules for anyone, the rules an achievement meets and
//! the learner's applications, and the school's rules and decisions (`/institution/…`, behind
//! API Gateway's JWT authorizer: the staff member's institution and role come from the verified
//! claims only).
//!
//! A function of its own (docs/layout.md, "Functions"): it serves the only anonymous list that
//! reads the table (`GET /conversion-rules`, so its concurrency can be capped apart from the
//! learner's account), it needs neither the pepper nor the evidence bucket, and its rule and
//! decision writes are the only ones that touch the published-rules partition.

use domain::account::session::Gate;
use domain::account::staff::Role;
use domain::conversions::command::{
    ApplyCommand, ApplyRequest, DecisionCommand, DecisionRequest, ListQuery, PublicQuery,
    RuleListQuery, RuleRequest,
};
use domain::conversions::rules::RuleBody;
use domain::conversions::{learner, public, school, Status};
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
    route!(GET "/conversion-rules" => public_rules),
    route!(GET "/achievements/{id}/conversion-rules" => rules_for),
    route!(POST "/conversions" => apply),
    route!(GET "/conversions" => list),
    route!(GET "/conversions/{id}" => get),
    route!(POST "/conversions/{id}/withdraw" => withdraw),
    route!(POST "/institution/conversion-rules" => create_rule),
    route!(GET "/institution/conversion-rules" => school_rules),
    route!(PUT "/institution/conversion-rules/{id}" => update_rule),
    route!(POST "/institution/conversion-rules/{id}/publish" => publish_rule),
    route!(POST "/institution/conversion-rules/{id}/retire" => retire_rule),
    route!(GET "/institution/conversions" => queue),
    route!(GET "/institution/conversions/{id}" => review_get),
    route!(POST "/institution/conversions/{id}/decision" => decide),
];

pub async fn public_rules(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let q = PublicQuery::from_query(|k| query_param(&req, k))?;
    Ok(Reply::ok(&public::list(&app, q, info.lang).await?))
}

pub async fn rules_for(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let token = bearer_token(&req)?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(
        &learner::rules_for(&app, token, &id, info.lang).await?,
    ))
}

pub async fn apply(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let cmd = ApplyCommand::try_from(json_body::<ApplyRequest>(&req)?)?;
    let view = learner::apply(&app, authed, cmd, info.lang).await?;
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

pub async fn withdraw(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let authed = authenticate(&app, &req, Gate::ActiveLearner).await?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(
        &learner::withdraw(&app, authed, &id, info.lang).await?,
    ))
}

fn rule_body(req: &Request) -> Result<RuleBody, ApiError> {
    Ok(RuleBody::try_from(json_body::<RuleRequest>(req)?)?)
}

pub async fn create_rule(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let body = rule_body(&req)?;
    let view = school::create_rule(&app, &staff, body, info.lang).await?;
    Ok(Reply::with_status(StatusCode::CREATED, &view))
}

pub async fn school_rules(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let q = RuleListQuery::from_query(|k| query_param(&req, k), None)?;
    Ok(Reply::ok(
        &school::list_rules(&app, &staff, q, info.lang).await?,
    ))
}

pub async fn update_rule(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    let body = rule_body(&req)?;
    Ok(Reply::ok(
        &school::update_rule(&app, &staff, &id, body, info.lang).await?,
    ))
}

pub async fn publish_rule(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(
        &school::publish_rule(&app, &staff, &id, info.lang).await?,
    ))
}

pub async fn retire_rule(
    app: Arc<App>,
    req: Request,
    info: RequestInfo,
) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(
        &school::retire_rule(&app, &staff, &id, info.lang).await?,
    ))
}

pub async fn queue(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let q = ListQuery::from_query(|k| query_param(&req, k), Some(Status::Pending))?;
    Ok(Reply::ok(&school::list(&app, &staff, q, info.lang).await?))
}

pub async fn review_get(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    Ok(Reply::ok(&school::get(&app, &staff, &id, info.lang).await?))
}

pub async fn decide(app: Arc<App>, req: Request, info: RequestInfo) -> Result<Reply, ApiError> {
    let staff = staff(&req)?.require(Role::Reviewer)?;
    let id = path_param(&req, "id")?;
    let cmd = DecisionCommand::try_from(json_body::<DecisionRequest>(&req)?)?;
    Ok(Reply::ok(
        &school::decide(&app, &staff, &id, cmd, info.lang).await?,
    ))
}
