//! The learner-account domain: what the service *is*, without HTTP or AWS.
//!
//! One folder per layer or capability; each layer uses only the layers before it in this list:
//! - [`values`] — validated values ([`values::id_number`], [`values::mobile`],
//!   [`values::credits`], …), built with `parse` / `TryFrom`, and [`values::input`], the field
//!   readers and named length limits every wire body goes through; [`error`] —
//!   [`DomainError`], the one error hierarchy every use case answers with.
//! - [`ports`] — time, randomness and the SMS sender, injected; [`security`] — keyed hashes,
//!   Argon2id, the password policy.
//! - [`store`] — the one-table item store with its in-memory adapter, the item keys
//!   ([`store::schema`]) and the one optimistic-write runner ([`store::retry`]).
//! - [`app`] — [`App`], the dependency bundle every use case runs against, and its
//!   [`app::config::Config`].
//! - [`limits`] — lockout, SMS quotas, per-address throttles: rules with time passed in.
//! - Capabilities, one folder each: [`account`] (the learner record, sessions, the first-login
//!   profile, the number binding, the audit trail), [`credentials`] (login, reset, password and
//!   mobile changes), [`sms_code`] (verification codes and notices), [`captcha`],
//!   [`achievements`] (the query and the catalogue), [`import`] (schools' bulk loads),
//!   [`uploads`] (evidence files through the file store), [`registrations`] (登记学习成果: the
//!   learner registers, the school reviews), [`conversions`] (转换规则 and 成果转换: schools
//!   publish rules, learners apply, schools decide), [`feedback`] (问题反馈: learners ask their
//!   school, which answers or forwards to the credit bank), with what the last three share in
//!   [`workflow`]. Typed
//!   commands in, a response or a [`DomainError`] out; a capability may call another's use cases
//!   (all of them read the learner record of [`account`]).
//!
//! Names of what crosses the wire: `XxxRequest` is a body as sent (every field optional),
//! `XxxCommand` the checked command made from it with `TryFrom`, `XxxResponse` the answer.
//! `aws-infra` builds [`App`] (DynamoDB or memory, SNS or outbox); `http-edge` maps results to HTTP.

pub mod account;
pub mod achievements;
pub mod app;
pub mod captcha;
pub mod conversions;
pub mod credentials;
pub mod error;
pub mod feedback;
pub mod import;
pub mod limits;
pub mod ports;
pub mod registrations;
pub mod security;
pub mod sms_code;
pub mod store;
pub mod uploads;
pub mod values;
pub mod workflow;

pub use app::App;
pub use error::DomainError;
pub use values::lang::Lang;
