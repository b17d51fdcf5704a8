//! The HTTP edge of every function: what a request means ([`request`]), how an outcome answers
//! ([`response`], [`error`]), which handler a route runs ([`route`]), logs ([`logging`]) and the
//! Lambda `main` ([`lambda_main!`]). Handlers written against it parse, authenticate, call one
//! domain use case and return a [`Reply`]; everything about HTTP happens here, once.

pub mod error;
pub mod lambda;
pub mod logging;
pub mod request;
pub mod response;
pub mod route;

pub use error::ApiError;
pub use lambda_http::http::Method;
pub use lambda_http::{Body, Request, Response};
pub use request::{
    authenticate, bearer_token, json_body, path_param, query_param, staff, RequestInfo,
};
pub use response::{error_response, Reply};
pub use route::{dispatch, Handler, Route};

/// The `main` of an HTTP function serving `$routes` (a `&'static [Route]`) with the keyed hashes
/// of `$keys` (a `Purposes`: the pepper is read, and kept, only for those): logging,
/// configuration and the dependencies are set up once per cold start and shared by every
/// invocation; each raw event goes through [`lambda::handle_event`] (hostile URL parts are a 400
/// before `lambda_http` sees them).
#[macro_export]
macro_rules! lambda_main {
    ($routes:expr, $keys:expr) => {
        // One invocation at a time: a current-thread runtime starts no worker threads at cold
        // start (Argon2 still runs on the blocking pool).
        #[tokio::main(flavor = "current_thread")]
        async fn main() -> Result<(), $crate::lambda_http::Error> {
            $crate::lambda::run($routes, $keys).await
        }
    };
}

/// A [`Route`] of `$method $path` served by `async fn $handler(Arc<App>, Request, RequestInfo)
/// -> Result<Reply, ApiError>`.
#[macro_export]
macro_rules! route {
    ($method:ident $path:literal => $handler:path) => {
        $crate::Route {
            method: $crate::Method::$method,
            path: $path,
            handler: |app, req, info| Box::pin($handler(app, req, info)),
        }
    };
}

#[doc(hidden)]
pub use lambda_http;
