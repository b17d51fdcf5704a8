//! Every integration test, in one binary: built and linked once. Each module is one area; the
//! shared harness is the `integration_tests` library (`harness.rs`).

mod account;
mod achievements;
mod contract;
mod conversions;
mod cost;
mod edge;
mod events;
mod faults;
mod feedback;
mod files;
mod first_login;
mod login;
mod pepper;
mod registrations;
mod staff_auth;
mod store_conformance;
