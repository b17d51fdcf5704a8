//! Everything the learner-account Lambdas share: validated types, domain rules, storage, SMS.
//!
//! Handlers in `functions/` stay thin: they parse the request with [`http`], call the domain
//! modules with an [`app::App`], and answer with [`http::respond`].

pub mod achievements;
pub mod app;
pub mod audit;
pub mod auth;
pub mod captcha;
pub mod captcha_image;
pub mod catalogue;
pub mod clock;
pub mod config;
pub mod credits;
pub mod error;
pub mod http;
pub mod id_number;
pub mod import;
pub mod learner;
pub mod lockout;
pub mod logging;
pub mod mobile;
pub mod password;
pub mod password_policy;
pub mod profile;
pub mod quota;
pub mod random;
pub mod session;
pub mod sms;
pub mod store;
pub mod verification;

pub use app::App;
pub use error::AppError;

/// The `main` of an HTTP function whose handler is `async fn(&App, Request) -> Response<Body>`:
/// logging, configuration and the AWS clients are set up once per cold start and shared by every
/// invocation.
#[macro_export]
macro_rules! http_lambda_main {
    ($handle:path) => {
        #[tokio::main]
        async fn main() -> Result<(), lambda_http::Error> {
            $crate::logging::init();
            let config = $crate::config::Config::from_env()?;
            let sdk = $crate::app::aws_sdk_config().await;
            let app = $crate::App::from_config(&config, &sdk);
            lambda_http::run(lambda_http::service_fn(|req| async {
                Ok::<_, lambda_http::Error>($handle(&app, req).await)
            }))
            .await
        }
    };
}
