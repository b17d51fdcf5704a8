//! `POST /login` (account, password, captcha → bearer token) and `POST /logout`.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::auth::{self, LoginRequest};
use shared::http::{is, json_body, route_miss, serve, Reply};
use shared::App;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req, info| async move {
        if is(&req, Method::POST, "/login") {
            let body: LoginRequest = json_body(&req)?;
            Ok(Reply::ok(&auth::login(app, body, &info).await?))
        } else if is(&req, Method::POST, "/logout") {
            auth::logout(app, &req).await?;
            Ok(Reply::no_content())
        } else {
            Err(route_miss(&req, &["/login", "/logout"]))
        }
    })
    .await
}
