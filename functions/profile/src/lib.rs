//! `GET /profile` and `PUT /profile`: the first-login information and password change.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::http::{is, json_body, route_miss, serve, Reply};
use shared::profile::{self, ProfileUpdate};
use shared::App;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req, _info| async move {
        if is(&req, Method::GET, "/profile") {
            Ok(Reply::ok(&profile::get(app, &req).await?))
        } else if is(&req, Method::PUT, "/profile") {
            let body: ProfileUpdate = json_body(&req)?;
            Ok(Reply::ok(&profile::put(app, &req, body).await?))
        } else {
            Err(route_miss(&req, &["/profile"]))
        }
    })
    .await
}
