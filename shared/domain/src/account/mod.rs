//! The learner's account: the stored record ([`learner`]), sessions and the per-request gate
//! ([`session`]), first-login information ([`profile`]) and the audit trail ([`audit`]).

pub mod audit;
pub mod binding;
pub mod learner;
pub mod profile;
pub mod session;
