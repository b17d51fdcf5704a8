//! Validated values: each is built once, by `parse` or `TryFrom`, and is valid from then on.
//! They depend on nothing else in the crate but [`crate::error`].

pub mod credits;
pub mod id_number;
pub mod input;
pub mod lang;
pub mod mobile;
pub mod secret;
