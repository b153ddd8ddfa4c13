//! The matrix as an XLSX workbook a supplier fills in offline, and read back (`docs/xlsx.md`).
//!
//! The "Matrix" sheet holds the same rows and columns as the matrix CSV
//! ([`demarc_formats::matrix_csv`]), so one reader
//! ([`demarc_formats::matrix_csv::read_table`]) serves both:
//! one *cell row* per (service, responsibility), followed by its *task rows*. Around it the
//! workbook adds what makes it pleasant and safe to fill in: a "Read me" sheet, a note on each
//! column's header, drop-down lists (from a hidden "Lists" sheet), locked id columns, and
//! read-only sheets of the responsibilities, parties and services the rows name.
//!
//! - [`write()`]: the workbook of a model's matrix (all of it, one service's, or one party's rows).
//! - [`read`]: a filled-in workbook into an existing model (`import xlsx --into`).
//! - [`read_new`]: a workbook into a new model (`import xlsx -o`).

mod read;
mod write;

pub use read::{read, read_book, read_new, read_new_book};
pub use write::write;

use demarc_core::{Date, Model};
use demarc_formats::matrix_csv::COLUMNS;

/// The sheets of the workbook, as they are named (and found, ignoring case, when read).
pub const README_SHEET: &str = "Read me";
pub const MATRIX_SHEET: &str = "Matrix";
pub const RESPONSIBILITIES_SHEET: &str = "Responsibilities";
pub const PARTIES_SHEET: &str = "Parties";
pub const SERVICES_SHEET: &str = "Services";
pub const LISTS_SHEET: &str = "Lists";

/// The labels of the "Read me" sheet's first rows (column A), with their values in column B.
const LABEL_MODEL: &str = "Model";
const LABEL_VERSION: &str = "Version";
const LABEL_ORGANISATION: &str = "Organisation";
const LABEL_EXPORTED: &str = "Exported on";
const LABEL_SHOWING: &str = "Rows in this workbook";

/// What the workbook says about itself besides the model: the date it is written (also its
/// "created" date, so the same model and date give the same bytes) and the model directory to
/// name in the import command it suggests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkbookInfo {
    pub date: Date,
    /// The model directory as the person exporting named it (`examples/riverside`), for the
    /// "send it back" instructions; `None` says "the model's folder".
    pub model_dir: Option<String>,
    /// How whoever sent the workbook reads it back, in a sentence, when not with
    /// `demarc import xlsx` (the workshop server takes it as an upload).
    pub read_back: Option<String>,
}

/// Why a workbook cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "{what} holds {chars} characters, more than the {limit} Excel allows in one cell; shorten it in the model (or export as CSV)",
        limit = MAX_CELL_CHARS
    )]
    TextTooLong { what: String, chars: usize },
    #[error(
        "the matrix has {rows} rows, more than the {limit} one Excel sheet can hold; export one service or one party at a time (--service, --party)",
        limit = MAX_SHEET_ROWS - 1
    )]
    TooManyRows { rows: usize },
    #[error("the workbook cannot be written: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The most characters (UTF-16 units) Excel keeps in one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// The rows of one Excel sheet.
pub const MAX_SHEET_ROWS: usize = 1_048_576;

/// Which rows a column is filled on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum On {
    /// Cell rows only.
    Cell,
    /// Task rows only.
    Task,
    Both,
}

impl On {
    fn label(self) -> &'static str {
        match self {
            On::Cell => "cell rows",
            On::Task => "task rows",
            On::Both => "both",
        }
    }
}

/// One column of the "Matrix" sheet: its name (the CSV's), width, whether it is locked, the
/// rows it is filled on and what it means (the header's note and the "Read me" table).
#[derive(Clone, Copy, Debug)]
struct Column {
    name: &'static str,
    width: f64,
    locked: bool,
    on: On,
    meaning: &'static str,
}

/// The columns of the "Matrix" sheet in the order they are shown: ids first, then what a
/// supplier fills in most, then the rest. The reader finds them by name.
const MATRIX_COLUMNS: [Column; COLUMNS.len()] = [
    Column {
        name: "service",
        width: 18.0,
        locked: true,
        on: On::Both,
        meaning: "The service the row is about (its id; see the Services sheet). Locked on cell rows: it ties the row to the model. A task row may leave it empty: it belongs to the cell row above.",
    },
    Column {
        name: "responsibility",
        width: 26.0,
        locked: true,
        on: On::Both,
        meaning: "The responsibility the row is about (its id; the Responsibilities sheet says what each one means). Locked on cell rows. A task row may leave it empty: it belongs to the cell row above.",
    },
    Column {
        name: "responsibility_title",
        width: 30.0,
        locked: true,
        on: On::Both,
        meaning: "The responsibility's name, to make the sheet easier to read. Locked; not read back.",
    },
    Column {
        name: "status",
        width: 15.0,
        locked: false,
        on: On::Cell,
        meaning: "Who does this work for this service: customer, supplier, shared, inherited, not-applicable or undecided (the Read me sheet explains each). Pick from the list. Cell rows only: leave it empty on task rows.",
    },
    Column {
        name: "owner",
        width: 16.0,
        locked: false,
        on: On::Task,
        meaning: "Who does the task: a party id from the Parties sheet, or provider (whoever provides the service) or customer (whoever uses it). Empty on a cell row, filled on every task row: this is how the two are told apart.",
    },
    Column {
        name: "role",
        width: 16.0,
        locked: false,
        on: On::Task,
        meaning: "Optional: which of the owner's roles does the task (the Parties sheet lists each party's roles).",
    },
    Column {
        name: "kind",
        width: 11.0,
        locked: false,
        on: On::Task,
        meaning: "operate (does the work) or oversee (decides, approves or checks it). Empty means operate. Task rows only.",
    },
    Column {
        name: "description",
        width: 50.0,
        locked: false,
        on: On::Both,
        meaning: "What the owner does, in a sentence or two. On a cell row: what the customer or the supplier does when it does all of it.",
    },
    Column {
        name: "scope",
        width: 24.0,
        locked: false,
        on: On::Both,
        meaning: "What the work covers: which systems, sites or people.",
    },
    Column {
        name: "frequency",
        width: 16.0,
        locked: false,
        on: On::Both,
        meaning: "How often it is done: monthly, yearly, after every change, ...",
    },
    Column {
        name: "sla",
        width: 22.0,
        locked: false,
        on: On::Both,
        meaning: "How fast it must be done, for example: critical fixes within 14 days.",
    },
    Column {
        name: "evidence",
        width: 40.0,
        locked: false,
        on: On::Both,
        meaning: "What shows the work is done: one piece per line (Alt+Enter starts a new line in Excel). Dates go in brackets at the end of a line: Penetration test summary (collected 2026-05-01; expires 2027-04-30).",
    },
    Column {
        name: "contract",
        width: 28.0,
        locked: false,
        on: On::Both,
        meaning: "The contract clause that commits the owner to this work, for example: Schedule 2, clause 5.2.",
    },
    Column {
        name: "implementation",
        width: 15.0,
        locked: false,
        on: On::Cell,
        meaning: "How far the work is in place: implemented, partial, planned or alternative (met another way). Leave it empty if nobody has recorded it. Cell rows only.",
    },
    Column {
        name: "statement",
        width: 14.0,
        locked: false,
        on: On::Task,
        meaning: "Optional, task rows only: the part of the responsibility's wording the task covers (for example ac-2_smt.a). Empty means all of it.",
    },
    Column {
        name: "reason",
        width: 30.0,
        locked: false,
        on: On::Cell,
        meaning: "Why the responsibility does not apply to this service (needed for not-applicable). Cell rows only.",
    },
    Column {
        name: "from",
        width: 16.0,
        locked: false,
        on: On::Cell,
        meaning: "For inherited: the service this one is built on that does the work (its id; see the Services sheet). Cell rows only.",
    },
    Column {
        name: "contested_by",
        width: 15.0,
        locked: false,
        on: On::Cell,
        meaning: "If a party disagrees with this row: its id. The row then counts as unresolved until the disagreement is settled. Cell rows only.",
    },
    Column {
        name: "contested_comment",
        width: 30.0,
        locked: false,
        on: On::Cell,
        meaning: "What the party disagrees with and why. Needs contested_by. Cell rows only.",
    },
    Column {
        name: "review_by",
        width: 12.0,
        locked: false,
        on: On::Cell,
        meaning: "When this row must next be looked at again, as a date (YYYY-MM-DD). Cell rows only.",
    },
    Column {
        name: "note",
        width: 40.0,
        locked: false,
        on: On::Cell,
        meaning: "Anything a reader should know about this row. Cell rows only.",
    },
    Column {
        name: "origin",
        width: 10.0,
        locked: true,
        on: On::Both,
        meaning: "Where the row came from: model (written in the model), preset (filled in from a standard starting point nobody had changed) or unset (nobody had decided). Locked: demarc uses it to keep the model's files short.",
    },
];

/// For each column of the sheet (in [`MATRIX_COLUMNS`] order), its index in [`COLUMNS`].
fn csv_index(name: &str) -> usize {
    COLUMNS.iter().position(|c| *c == name).unwrap_or(0)
}

/// The header columns of the "Parties" sheet.
const PARTY_COLUMNS: [&str; 6] = ["id", "name", "kind", "organisation", "roles", "description"];
/// The header columns of the "Services" sheet.
const SERVICE_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "provider",
    "customer",
    "service_model",
    "built_on",
    "contract",
    "evidence",
    "description",
];
/// The header columns of the "Responsibilities" sheet.
const RESPONSIBILITY_COLUMNS: [&str; 7] = [
    "id",
    "area",
    "area_title",
    "title",
    "layer",
    "retained",
    "description",
];

/// The catalogue a new model read from a workbook gets: its responsibilities, as a catalogue
/// of its own (written as `catalogue-workbook.yaml`).
pub const NEW_CATALOGUE_ID: &str = "workbook";

/// The model name and version, for the "Read me" sheet.
fn model_title(model: &Model) -> String {
    match &model.version {
        Some(v) => format!("{} (version {v})", model.name),
        None => model.name.clone(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_sheet_has_every_csv_column_once() {
        let mut names: Vec<&str> = MATRIX_COLUMNS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        let mut csv: Vec<&str> = COLUMNS.to_vec();
        csv.sort_unstable();
        assert_eq!(names, csv);
        for c in MATRIX_COLUMNS {
            assert_eq!(COLUMNS[csv_index(c.name)], c.name);
        }
        // The locked columns are the ids, the title and the origin.
        let locked: Vec<&str> = MATRIX_COLUMNS
            .iter()
            .filter(|c| c.locked)
            .map(|c| c.name)
            .collect();
        assert_eq!(
            locked,
            [
                "service",
                "responsibility",
                "responsibility_title",
                "origin"
            ]
        );
        assert!(demarc_formats::builtin::get(NEW_CATALOGUE_ID).is_none());
    }
}
