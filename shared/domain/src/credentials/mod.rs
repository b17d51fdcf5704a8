//! Proving and changing who a learner is: [`login`] (and logout), [`reset`] of a forgotten
//! password by SMS, and [`change`] of the password or the bound mobile number.

pub mod change;
pub mod login;
pub mod reset;
