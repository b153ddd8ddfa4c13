//! NIST OSCAL (1.2.3, JSON; YAML too) for demarc.
//!
//! - [`document`]: read a file into a JSON value and say what kind of OSCAL document it is.
//! - [`schema`]: validate against the embedded OSCAL 1.2.3 JSON Schema, errors as JSON pointers.
//! - [`href`]: follow an `href` (relative file, URI whose last segment names a file, `#uuid`
//!   of a back-matter resource).
//! - [`catalog`] and [`profile`]: catalogs as responsibility catalogues; profile resolution.
//! - [`ssp`], [`chain`], [`import`]: system security plans (and chains of them) as a model.
//! - [`crossref`]: what the JSON Schema cannot check (uuids across documents, unmet
//!   responsibilities, missing controls, statuses without remarks), as demarc findings.
//! - [`export`]: a model as an SSP, a component definition, a customer responsibility
//!   matrix slice, or the NIST prototype shared-responsibility document.
//! - [`validate`]: `demarc oscal validate`: schema plus cross-document checks.
//!
//! This crate reads and writes files; the domain rules stay in `demarc-core`.

pub mod catalog;
mod catalog_json;
pub mod chain;
pub mod crossref;
pub mod document;
pub mod error;
pub mod export;
pub mod href;
pub mod import;
pub mod profile;
pub mod schema;
pub mod ssp;
pub mod stream;
pub mod validate;

pub use error::{OscalError, Problem};
