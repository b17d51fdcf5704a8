//! The learner's account: the stored record ([`learner`]), sessions and the per-request gate
//! ([`session`]), first-login information ([`profile`]) the audit trail ([`audit`]), and the school staff who sign in through the user pool
//! ([`staff`]).

pub mod audit;
pub mod binding;
pub mod learner;
pub mod profile;
pub mod session;
pub mod staff;
