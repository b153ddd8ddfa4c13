//! The documents people read and sign — the responsibility matrix, a contract schedule for one
//! supplier, the information security policy annex and the board summary — as Markdown, HTML,
//! CSV and JSON.
//!
//! The content comes from [`demarc_core::report`]; [`build`] turns each report into a
//! format-neutral [`Document`], which [`markdown`] and [`html`] render. CSV and JSON come from
//! the reports directly. [`export`] is what `demarc export` calls.
//!
//! Output is deterministic: the date is passed in and every list follows the model's order.

pub mod build;
mod csv_tables;
pub mod document;
pub mod html;
pub mod markdown;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

use std::fmt;

use demarc_core::finding::nearest;
use demarc_core::report::{self, MatrixFilter, MatrixReport, PolicyAnnex, Schedule, Summary};
use demarc_core::view::{PartyIx, ServiceIx};
use demarc_core::{Date, Finding, View};

pub use document::Document;

/// Which document to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum What {
    Matrix,
    Schedule,
    PolicyAnnex,
    Summary,
}

impl What {
    pub const ALL: [What; 4] = [
        What::Matrix,
        What::Schedule,
        What::PolicyAnnex,
        What::Summary,
    ];

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            What::Matrix => "matrix",
            What::Schedule => "schedule",
            What::PolicyAnnex => "policy-annex",
            What::Summary => "summary",
        }
    }

    /// The document's name in messages.
    pub fn label(self) -> &'static str {
        match self {
            What::Matrix => "responsibility matrix",
            What::Schedule => "contract schedule",
            What::PolicyAnnex => "policy annex",
            What::Summary => "board summary",
        }
    }

    pub fn parse(s: &str) -> Option<What> {
        What::ALL.into_iter().find(|w| w.as_str() == s)
    }
}

impl fmt::Display for What {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Markdown,
    Html,
    Csv,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Markdown, Format::Html, Format::Csv, Format::Json];

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Markdown => "markdown",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    /// A format by name or extension (`markdown`, `md`, `html`, `htm`, `csv`, `json`).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "markdown" | "md" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `demarc export` was asked for.
#[derive(Clone, Copy, Debug)]
pub struct ExportOptions<'a> {
    pub what: What,
    pub format: Format,
    /// A party id: the supplier of a schedule, or the party a matrix is limited to.
    pub party: Option<&'a str>,
    /// A service id: the one column of a matrix, or the one service of a schedule.
    pub service: Option<&'a str>,
    /// The date the documents carry and reviews are judged against.
    pub today: Date,
}

/// Why a document cannot be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("the contract schedule is for one supplier: name it with --party; {}", list_or_none("suppliers in this model", .suppliers))]
    PartyRequired { suppliers: Vec<String> },

    #[error("there is no party \"{id}\" in this model{}", hint(.suggestion, "parties", .known))]
    UnknownParty {
        id: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },

    #[error("there is no service \"{id}\" in this model{}", hint(.suggestion, "services", .known))]
    UnknownService {
        id: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },

    #[error("\"{id}\" is the organisation itself ({name}), not a supplier: the contract schedule is for one of its suppliers; {}", list_or_none("suppliers in this model", .suppliers))]
    CustomerAsSupplier {
        id: String,
        name: String,
        suppliers: Vec<String>,
    },

    #[error("{0}")]
    Unsupported(String),

    #[error("could not write the {what}: {message}")]
    Write { what: &'static str, message: String },
}

fn list_or_none(label: &str, items: &[String]) -> String {
    if items.is_empty() {
        "this model has no suppliers yet".to_owned()
    } else {
        format!("{label}: {}", items.join(", "))
    }
}

fn hint(suggestion: &Option<String>, what: &str, known: &[String]) -> String {
    match suggestion {
        Some(s) => format!("; did you mean \"{s}\"?"),
        None if known.is_empty() => format!("; this model has no {what}"),
        None => format!("; {what} in this model: {}", known.join(", ")),
    }
}

/// A report, ready to be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    Matrix(MatrixReport),
    Schedule(Schedule),
    PolicyAnnex(PolicyAnnex),
    Summary(Summary),
}

impl Report {
    /// The report as a format-neutral document (for Markdown, HTML, and later PDF and DOCX).
    pub fn document(&self) -> Document {
        match self {
            Report::Matrix(m) => build::matrix(m),
            Report::Schedule(s) => build::schedule(s),
            Report::PolicyAnnex(a) => build::policy_annex(a),
            Report::Summary(s) => build::summary(s),
        }
    }

    /// The report as pretty-printed JSON, ending with a newline.
    pub fn to_json(&self) -> Result<String, ExportError> {
        let json = match self {
            Report::Matrix(m) => serde_json::to_string_pretty(m),
            Report::Schedule(s) => serde_json::to_string_pretty(s),
            Report::PolicyAnnex(a) => serde_json::to_string_pretty(a),
            Report::Summary(s) => serde_json::to_string_pretty(s),
        };
        json.map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| ExportError::Write {
            what: "JSON",
            message: e.to_string(),
        })
    }
}

fn suppliers(view: &View<'_>) -> Vec<String> {
    view.parties()
        .iter()
        .enumerate()
        .filter(|(p, _)| view.customer != Some(*p as PartyIx))
        .map(|(_, party)| party.id.clone())
        .collect()
}

fn find_party(view: &View<'_>, id: &str) -> Result<PartyIx, ExportError> {
    view.party_index(id).ok_or_else(|| {
        let ids = view.parties().iter().map(|p| p.id.as_str());
        ExportError::UnknownParty {
            id: id.to_owned(),
            suggestion: nearest(id, ids).map(str::to_owned),
            known: view.parties().iter().map(|p| p.id.clone()).collect(),
        }
    })
}

fn find_service(view: &View<'_>, id: &str) -> Result<ServiceIx, ExportError> {
    view.service_index(id).ok_or_else(|| {
        let ids = view.services().iter().map(|s| s.id.as_str());
        ExportError::UnknownService {
            id: id.to_owned(),
            suggestion: nearest(id, ids).map(str::to_owned),
            known: view.services().iter().map(|s| s.id.clone()).collect(),
        }
    })
}

fn not_for(flag: &str, what: What, why: &str) -> ExportError {
    ExportError::Unsupported(format!(
        "{flag} does not apply to the {}: {why}",
        what.label()
    ))
}

/// Resolve the options into a report: ids checked, filters applied.
pub fn report(
    view: &View<'_>,
    findings: &[Finding],
    opts: &ExportOptions<'_>,
) -> Result<Report, ExportError> {
    let party = opts.party.map(str::trim).filter(|s| !s.is_empty());
    let service = opts.service.map(str::trim).filter(|s| !s.is_empty());
    match opts.what {
        What::Matrix => Ok(Report::Matrix(report::matrix(
            view,
            matrix_filter(view, opts)?,
        ))),
        What::Schedule => {
            let Some(id) = party else {
                return Err(ExportError::PartyRequired {
                    suppliers: suppliers(view),
                });
            };
            let p = find_party(view, id)?;
            if view.customer == Some(p) {
                return Err(ExportError::CustomerAsSupplier {
                    id: id.to_owned(),
                    name: view.party(p).name.clone(),
                    suppliers: suppliers(view),
                });
            }
            let only = service.map(|s| find_service(view, s)).transpose()?;
            let mut schedule = report::schedule(view, p, opts.today);
            if let Some(s) = only {
                let id = &view.service(s).id;
                schedule.rows.retain(|r| &r.service.id == id);
                schedule.services.retain(|x| &x.id == id);
            }
            Ok(Report::Schedule(schedule))
        }
        What::PolicyAnnex => {
            if party.is_some() {
                return Err(not_for(
                    "--party",
                    What::PolicyAnnex,
                    "it covers every party",
                ));
            }
            if service.is_some() {
                return Err(not_for(
                    "--service",
                    What::PolicyAnnex,
                    "it covers every service",
                ));
            }
            Ok(Report::PolicyAnnex(report::policy_annex(view)))
        }
        What::Summary => {
            if party.is_some() {
                return Err(not_for(
                    "--party",
                    What::Summary,
                    "it covers the whole model",
                ));
            }
            if service.is_some() {
                return Err(not_for(
                    "--service",
                    What::Summary,
                    "it covers the whole model",
                ));
            }
            Ok(Report::Summary(report::summary(view, findings, opts.today)))
        }
    }
}

/// The document as text in the chosen format.
///
/// `findings` are those of [`demarc_core::check::check`] for the same view and date (the
/// summary counts them).
pub fn export(
    view: &View<'_>,
    findings: &[Finding],
    opts: &ExportOptions<'_>,
) -> Result<String, ExportError> {
    let report = report(view, findings, opts)?;
    match opts.format {
        Format::Markdown => Ok(markdown::render(&report.document())),
        Format::Html => Ok(html::render(&report.document())),
        Format::Json => report.to_json(),
        Format::Csv => match &report {
            Report::Matrix(_) => matrix_csv(view, opts),
            Report::Schedule(s) => csv_tables::schedule(s),
            Report::PolicyAnnex(a) => csv_tables::policy_annex(a),
            Report::Summary(s) => csv_tables::summary(s),
        },
    }
}

/// The parties and services a matrix is limited to.
fn matrix_filter(view: &View<'_>, opts: &ExportOptions<'_>) -> Result<MatrixFilter, ExportError> {
    let party = opts.party.map(str::trim).filter(|s| !s.is_empty());
    let service = opts.service.map(str::trim).filter(|s| !s.is_empty());
    Ok(MatrixFilter {
        service: service.map(|s| find_service(view, s)).transpose()?,
        party: party.map(|p| find_party(view, p)).transpose()?,
    })
}

/// The matrix as CSV is the round-trippable format of [`crate::matrix_csv`].
fn matrix_csv(view: &View<'_>, opts: &ExportOptions<'_>) -> Result<String, ExportError> {
    crate::matrix_csv::write(view, matrix_filter(view, opts)?).map_err(|e| ExportError::Write {
        what: "matrix as CSV",
        message: e.to_string(),
    })
}
