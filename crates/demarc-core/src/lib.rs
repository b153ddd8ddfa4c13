//! The demarc domain: who does each security and operational responsibility, for each service.
//!
//! This crate is pure: no I/O, no clock, no environment, no async runtime. Readers and writers
//! live in `demarc-formats`; the command line in `demarc-cli`.
//!
//! - [`model`]: the model as people write it.
//! - [`view`]: the model resolved: presets applied, built-on chains followed, owners found.
//! - [`check`]: the checks, each finding with a stable [`Code`].
//! - [`diff`]: what changed between two versions, and whether it must be signed again.
//! - [`report`]: the content of the documents people read and sign.

pub mod check;
pub mod date;
pub mod diff;
pub mod finding;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod model;
pub mod report;
pub mod view;

pub use date::Date;
pub use finding::{Code, Finding, Severity};
pub use model::*;
pub use view::{Category, Cell, Origin, View};
