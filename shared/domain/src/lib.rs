//! The learner-account domain: what the service *is*, without HTTP or AWS.
//!
//! Layers, from the inside out (each module may use only those above it in this list):
//! - **values** — [`id_number`], [`mobile`], [`credits`], [`lang`], [`secret`]: validated types,
//!   built with `parse` / `TryFrom`.
//! - **rules** — [`lockout`], [`quota`], [`password_policy`], [`catalogue`], [`captcha_image`],
//!   [`password`]: pure functions and state machines, time and randomness passed in.
//! - **ports** — [`store`] (the one-table item store, with [`store::memory`]), [`sms`] (the sender,
//!   with the in-memory [`sms::Outbox`]), [`clock`], [`random`]; [`schema`] names every item key;
//!   [`retry`] is the one contention policy.
//! - **use cases** — [`captcha`], [`auth`] (login), [`session`], [`verification`] (SMS codes),
//!   [`recovery`] (forgotten password), [`settings`] (password and mobile changes), [`notice`],
//!   [`throttle`] (per-address limits), [`profile`], [`achievements`], [`import`], [`audit`],
//!   [`learner`]: typed commands in, domain
//!   results or a [`DomainError`] out.
//!
//! [`App`] is the dependency bundle every use case runs against; `aws-infra` builds it from
//! [`config::Config`] (DynamoDB or memory, SNS or outbox), `http-edge` maps results to HTTP.

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
pub mod crypto;
pub mod error;
pub mod id_number;
pub mod import;
pub mod input;
pub mod lang;
pub mod learner;
pub mod lockout;
pub mod mobile;
pub mod notice;
pub mod password;
pub mod password_policy;
pub mod profile;
pub mod quota;
pub mod random;
pub mod recovery;
pub mod retry;
pub mod schema;
pub mod secret;
pub mod session;
pub mod settings;
pub mod sms;
pub mod store;
pub mod throttle;
pub mod verification;

pub use app::App;
pub use error::DomainError;
pub use lang::Lang;
