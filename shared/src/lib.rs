//! Everything the learner-account Lambdas share: validated types, domain rules, storage, SMS.
//!
//! Handlers in `functions/` stay thin: they parse the request with [`http`], call the domain
//! modules with an [`app::App`], and answer with [`http::respond`].

pub mod app;
pub mod audit;
pub mod auth;
pub mod captcha;
pub mod captcha_image;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod id_number;
pub mod learner;
pub mod lockout;
pub mod logging;
pub mod mobile;
pub mod password;
pub mod random;
pub mod session;
pub mod store;

pub use app::App;
pub use error::AppError;
