//! Office files for demarc: workbooks in and out, Word documents out.
//!
//! - [`workbook`] reads an XLSX file (or a CSV file, as a workbook of one sheet) into grids of
//!   text, with limits and plain errors; every importer reads through it.
//! - [`matrix_xlsx`] writes the matrix as a workbook a supplier fills in offline and reads it
//!   back, as `demarc import csv` does for CSV.
//! - [`crm`] reads and writes FedRAMP CIS/CRM workbooks (SSP Appendix J).
//! - [`caiq`] reads a provider's CSA CAIQ v4 answers.
//! - [`baseline`] reads provider security baselines (the Azure per-service baselines) as presets.
//! - [`docx`] writes a document (contract schedule, policy annex, ...) as Word.
//!
//! Like `demarc-formats`, this crate does no file I/O: it works on bytes and models.

pub mod baseline;
pub mod caiq;
pub mod crm;
pub mod docx;
pub mod matrix_xlsx;
pub mod workbook;

pub use workbook::{CellError, Sheet, Workbook, WorkbookError};

use demarc_core::Model;

/// Why a file cannot be imported. Nothing is changed when an import fails.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not a workbook that can be read at all (the caller adds its name).
    #[error("{0}")]
    Workbook(#[from] WorkbookError),
    /// The workbook has the wrong layout, or rows with errors: each with sheet, row and column.
    #[error("{} problem{} in the workbook", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Cells(Vec<CellError>),
    /// Something about the request rather than the file (an unknown service id, say).
    #[error("{0}")]
    Other(String),
}

/// What an import produced: the whole model after it (a new model, or the one it went into,
/// changed), and notes about the source worth a person's attention (warnings, not errors).
#[derive(Clone, Debug)]
pub struct Imported {
    pub model: Model,
    pub notes: Vec<CellError>,
}
