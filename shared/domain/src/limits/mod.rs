//! How often something may happen: failed logins per account ([`lockout`]), SMS sends per number,
//! learner and address ([`quota`]), requests per client address ([`throttle`]). Pure rules with
//! time passed in, stored through [`crate::store`].

pub mod lockout;
pub mod quota;
pub mod throttle;
