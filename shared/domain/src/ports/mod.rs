//! What the domain needs from the outside world besides storage ([`crate::store`]): time,
//! randomness and an SMS sender, each a small trait with an in-process implementation beside the
//! real one, so tests and the dev server inject them.

pub mod clock;
pub mod files;
pub mod random;
pub mod sms;
