//! The OSCAL crate's tests: one binary, a module per topic. Tests that read the real files
//! in `../shared/data` skip, saying so, where that directory is absent.

mod catalog;
mod common;
mod conformance;
mod export;
mod profile;
mod schema;
mod ssp;
