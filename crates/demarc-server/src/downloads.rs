//! Every export of the core, as a download from the pages and the API: the documents (matrix,
//! contract schedule, policy annex, summary) as Markdown, HTML, CSV, JSON, Word and PDF; the
//! matrix as an Excel workbook; the FedRAMP CRM workbook of a provider's service; and the
//! OSCAL documents. The same code as `demarc export`, so a download and the CLI's file agree.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use demarc_core::View;
use demarc_core::report::MatrixFilter;
use demarc_formats::export::{self, ExportOptions, Format, What};
use demarc_oscal::export::OscalExport;

use crate::authz::{Action, Role};
use crate::ui::Access;
use crate::workshop::Loaded;
use crate::{AppState, Error};

/// A file format a document can be downloaded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentFormat {
    Text(Format),
    Docx,
    Pdf,
    /// The matrix only: the workbook `demarc import xlsx` reads back.
    Xlsx,
}

impl DocumentFormat {
    /// Every format, in the order the downloads page lists them.
    pub const ALL: [DocumentFormat; 7] = [
        DocumentFormat::Pdf,
        DocumentFormat::Docx,
        DocumentFormat::Xlsx,
        DocumentFormat::Text(Format::Html),
        DocumentFormat::Text(Format::Csv),
        DocumentFormat::Text(Format::Markdown),
        DocumentFormat::Text(Format::Json),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Text(f) => f.as_str(),
            DocumentFormat::Docx => "docx",
            DocumentFormat::Pdf => "pdf",
            DocumentFormat::Xlsx => "xlsx",
        }
    }

    fn parse(s: &str) -> Option<DocumentFormat> {
        match s {
            "docx" => Some(DocumentFormat::Docx),
            "pdf" => Some(DocumentFormat::Pdf),
            "xlsx" => Some(DocumentFormat::Xlsx),
            _ => Format::parse(s).map(DocumentFormat::Text),
        }
    }

    /// What the downloads page calls it.
    pub fn label(self) -> &'static str {
        match self {
            DocumentFormat::Text(Format::Markdown) => "Markdown",
            DocumentFormat::Text(Format::Html) => "Web page (HTML)",
            DocumentFormat::Text(Format::Csv) => "Spreadsheet (CSV)",
            DocumentFormat::Text(Format::Json) => "Data (JSON)",
            DocumentFormat::Docx => "Word (DOCX)",
            DocumentFormat::Pdf => "PDF",
            DocumentFormat::Xlsx => "Excel workbook (XLSX)",
        }
    }

    /// Whether `what` comes in this format (the workbook is the matrix only).
    pub fn fits(self, what: What) -> bool {
        self != DocumentFormat::Xlsx || what == What::Matrix
    }

    /// Whether this server can make it (PDF needs the "pdf" feature).
    pub fn available(self) -> bool {
        self != DocumentFormat::Pdf || cfg!(feature = "pdf")
    }
}

/// The OSCAL documents, by the name in their download address.
pub const OSCAL: [(&str, OscalExport, &str); 4] = [
    (
        "ssp",
        OscalExport::Ssp,
        "System security plan of the organisation's system",
    ),
    (
        "crm",
        OscalExport::Crm,
        "Customer responsibility matrix: what the organisation inherits and must do",
    ),
    (
        "component-definition",
        OscalExport::ComponentDefinition,
        "Component definition",
    ),
    (
        "srm",
        OscalExport::Srm,
        "Shared responsibility (NIST prototype, experimental)",
    ),
];

/// A file to download.
#[derive(Debug)]
pub struct Download {
    pub content_type: &'static str,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

impl IntoResponse for Download {
    fn into_response(self) -> Response {
        (
            [
                (header::CONTENT_TYPE, self.content_type.to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", self.file_name),
                ),
            ],
            self.bytes,
        )
            .into_response()
    }
}

/// What was asked for, read from the address: `/export/{what}/{format}?party=&service=`.
#[derive(Clone, Debug)]
enum Request {
    Document(What, DocumentFormat),
    Oscal(OscalExport, &'static str),
    CrmWorkbook,
}

fn request(what: &str, format: &str) -> Result<Request, Error> {
    match what {
        "oscal" => OSCAL
            .iter()
            .find(|(name, _, _)| *name == format)
            .map(|(name, e, _)| Request::Oscal(*e, name))
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "no OSCAL document {format:?} (ssp, crm, component-definition or srm)"
                ))
            }),
        "crm" if format == "xlsx" => Ok(Request::CrmWorkbook),
        "crm" => Err(Error::NotFound(
            "the FedRAMP CRM workbook comes as xlsx only".into(),
        )),
        _ => {
            let what = What::parse(what).ok_or_else(|| {
                Error::NotFound(format!(
                    "no document {what:?} (matrix, schedule, policy-annex, summary, oscal or crm)"
                ))
            })?;
            let format = DocumentFormat::parse(format)
                .filter(|f| f.fits(what))
                .ok_or_else(|| {
                    Error::NotFound(format!(
                        "no format {format:?} for the {} (pdf, docx, html, csv, markdown, json{})",
                        what.label(),
                        if what == What::Matrix { ", xlsx" } else { "" }
                    ))
                })?;
            Ok(Request::Document(what, format))
        }
    }
}

/// A download, if the caller may have it: a supplier representative gets only its own
/// party's contract schedule; everyone else who may export gets every document. Typesetting
/// runs off the request threads.
pub async fn download(
    state: &AppState,
    who: &Access,
    what: &str,
    format: &str,
    party: Option<&str>,
    service: Option<&str>,
) -> Result<Download, Error> {
    let req = request(what, format)?;
    let party = party.map(str::trim).filter(|p| !p.is_empty());
    let service = service.map(str::trim).filter(|s| !s.is_empty());
    let own = match (&who.role, &who.party, &req) {
        (Role::Supplier, Some(p), Request::Document(What::Schedule, _)) => {
            party == Some(p.as_str())
        }
        (Role::Supplier, _, _) => false,
        _ => true,
    };
    who.require(Action::Export, own)?;
    let loaded = crate::ui::loaded(state, &who.ws).await?;
    let today = state.today();
    let (party, service) = (party.map(str::to_owned), service.map(str::to_owned));
    tokio::task::spawn_blocking(move || {
        render(&loaded, &req, party.as_deref(), service.as_deref(), today)
    })
    .await
    .map_err(|e| Error::Internal(format!("the export stopped: {e}")))?
}

fn render(
    loaded: &Loaded,
    req: &Request,
    party: Option<&str>,
    service: Option<&str>,
    today: demarc_core::Date,
) -> Result<Download, Error> {
    let view = loaded.view();
    let suffix = party.map(|p| format!("-{p}")).unwrap_or_default();
    let bad = |e: &dyn std::fmt::Display| Error::BadRequest(e.to_string());
    match *req {
        Request::Document(what, format) => {
            let name = format!("{}{suffix}.", what.as_str());
            let opts = |format| ExportOptions {
                what,
                format,
                party,
                service,
                today,
            };
            match format {
                DocumentFormat::Text(f) => {
                    let text =
                        export::export(&view, &loaded.findings, &opts(f)).map_err(|e| bad(&e))?;
                    Ok(Download {
                        content_type: match f {
                            Format::Markdown => "text/markdown; charset=utf-8",
                            Format::Html => "text/html; charset=utf-8",
                            Format::Csv => "text/csv; charset=utf-8",
                            Format::Json => "application/json",
                        },
                        file_name: name + f.extension(),
                        bytes: text.into_bytes(),
                    })
                }
                DocumentFormat::Docx | DocumentFormat::Pdf => {
                    let doc = export::report(&view, &loaded.findings, &opts(Format::Html))
                        .map_err(|e| bad(&e))?
                        .document();
                    if format == DocumentFormat::Docx {
                        Ok(Download {
                            content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                            file_name: name + "docx",
                            bytes: demarc_office::docx::render(&doc).map_err(|e| bad(&e))?,
                        })
                    } else {
                        Ok(Download {
                            content_type: "application/pdf",
                            file_name: name + "pdf",
                            bytes: pdf(&doc)?,
                        })
                    }
                }
                DocumentFormat::Xlsx => {
                    let filter = MatrixFilter {
                        party: index(&view, party, View::party_index, "party")?,
                        service: index(&view, service, View::service_index, "service")?,
                    };
                    let info = demarc_office::matrix_xlsx::WorkbookInfo {
                        date: today,
                        model_dir: None,
                        read_back: Some(
                            "They upload it to the workspace in demarc's workshop (Parties and services, Upload), which reads its rows into the model.".into(),
                        ),
                    };
                    Ok(Download {
                        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        file_name: name + "xlsx",
                        bytes: demarc_office::matrix_xlsx::write(&view, filter, &info)
                            .map_err(|e| bad(&e))?,
                    })
                }
            }
        }
        Request::Oscal(what, name) => {
            let value =
                demarc_oscal::export::export_with(&loaded.model, what, party, service, today)
                    .map_err(|problems| {
                        Error::BadRequest(format!(
                            "this model cannot be exported as OSCAL yet: {}",
                            problems
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join("; ")
                        ))
                    })?;
            let text = serde_json::to_string_pretty(&value)
                .map_err(|e| Error::Internal(e.to_string()))?
                + "\n";
            Ok(Download {
                content_type: "application/json",
                file_name: format!("oscal-{name}{suffix}.json"),
                bytes: text.into_bytes(),
            })
        }
        Request::CrmWorkbook => {
            let provider = index(&view, party, View::party_index, "party")?.ok_or_else(|| {
                Error::BadRequest("party: the provider whose service the workbook describes".into())
            })?;
            let own = services_of(&view, provider);
            let s = match index(&view, service, View::service_index, "service")? {
                Some(s) => s,
                None => match own.as_slice() {
                    [one] => *one,
                    _ => {
                        return Err(Error::BadRequest(
                            "service: the party provides several services; choose one".into(),
                        ));
                    }
                },
            };
            let bytes = demarc_office::crm::export(
                &view,
                provider,
                s,
                &demarc_office::crm::CrmExport {
                    baseline: None,
                    today: Some(today),
                },
            )
            .map_err(|e| bad(&e))?;
            Ok(Download {
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                file_name: format!("crm-{}.xlsx", view.service(s).id),
                bytes,
            })
        }
    }
}

/// The services a party provides.
pub fn services_of(
    view: &View<'_>,
    party: demarc_core::view::PartyIx,
) -> Vec<demarc_core::view::ServiceIx> {
    (0..view.services().len() as demarc_core::view::ServiceIx)
        .filter(|&s| view.provider(s) == Some(party))
        .collect()
}

/// A party or service named in the address, by its index; an unknown one is an error.
fn index<'v, T>(
    view: &View<'v>,
    id: Option<&str>,
    find: impl Fn(&View<'v>, &str) -> Option<T>,
    what: &str,
) -> Result<Option<T>, Error> {
    match id {
        None => Ok(None),
        Some(id) => find(view, id)
            .map(Some)
            .ok_or_else(|| Error::BadRequest(format!("{what}: there is no {what} {id:?}"))),
    }
}

#[cfg(feature = "pdf")]
fn pdf(doc: &export::Document) -> Result<Vec<u8>, Error> {
    demarc_pdf::render(doc).map_err(|e| Error::Internal(format!("typesetting the PDF: {e}")))
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &export::Document) -> Result<Vec<u8>, Error> {
    Err(Error::NotFound(
        "this server was built without PDF support (the \"pdf\" feature); download the Word or HTML version".into(),
    ))
}
