//! `GET /captcha`: a new arithmetic image captcha.

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::http::{is, route_miss, serve, Reply};
use shared::App;

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req, _info| async move {
        if is(&req, Method::GET, "/captcha") {
            Ok(Reply::ok(&shared::captcha::issue(app).await?))
        } else {
            Err(route_miss(&req, &["/captcha"]))
        }
    })
    .await
}
