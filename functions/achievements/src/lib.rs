//! The personal centre (`GET /me`), the achievement list (`GET /achievements`) and the catalogue
//! of achievement types (`GET /achievement-types`, no login needed).

use lambda_http::http::Method;
use lambda_http::{Body, Request, Response};
use shared::http::{is, route_miss, serve, Reply};
use shared::{achievements, catalogue, App};

pub async fn handle(app: &App, req: Request) -> Response<Body> {
    serve(req, |req, info| async move {
        if is(&req, Method::GET, "/me") {
            Ok(Reply::ok(&achievements::me(app, &req).await?))
        } else if is(&req, Method::GET, "/achievements") {
            Ok(Reply::ok(&achievements::list(app, &req, info.lang).await?))
        } else if is(&req, Method::GET, "/achievement-types") {
            Ok(Reply::ok(&catalogue::view(info.lang)))
        } else {
            Err(route_miss(
                &req,
                &["/me", "/achievements", "/achievement-types"],
            ))
        }
    })
    .await
}
