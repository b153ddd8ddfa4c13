//! A provider's answers to the CSA Consensus Assessments Initiative Questionnaire (CAIQ v4),
//! read into a model: one responsibility per Cloud Controls Matrix (CCM) control, and the
//! provider's service with each control's owner as the provider answered it.
//!
//! The CAIQ's own content (questions, control titles) belongs to the Cloud Security Alliance and
//! is not shipped with demarc: everything here comes from the file the user brings.
//!
//! How each "SSRM Control Ownership" answer becomes a cell (see `docs/caiq.md`):
//!
//! | CAIQ ownership             | demarc cell                                                      |
//! |----------------------------|------------------------------------------------------------------|
//! | `CSP-owned`                | `supplier`                                                       |
//! | `CSC-owned`                | `customer`                                                       |
//! | `3rd-party outsourced`     | `inherited` from the third party's service the service is built on |
//! | `Shared CSP and CSC`       | `shared`: a provider task and a customer task                    |
//! | `Shared CSP and 3rd-party` | `inherited` from the third party's service, with a provider task |
//! | answer `NA`                | `not-applicable`                                                 |
//! | anything else              | `undecided`, with a note                                         |

use std::collections::{BTreeMap, BTreeSet};

use demarc_core::model::{
    Allocation, Area, CatalogueInfo, Layer, Model, Party, Ref, Responsibility, Service,
    ServiceAllocations, Statement, Status, Task, TaskKind, Terms,
};
use demarc_formats::init::slug;
use demarc_formats::yaml::valid_id;

use crate::{CellError, ImportError, Imported, Sheet, Workbook, WorkbookError};

/// The id of the catalogue the CCM controls go into.
pub const CATALOGUE_ID: &str = "ccm";
/// The mapping key that names each responsibility's CCM control.
pub const MAPPING: &str = "ccm";
/// How far down each sheet the header row is looked for.
pub const HEADER_ROWS: u32 = 20;
/// The id of the organisation in a new model.
pub const ORGANISATION: &str = "organisation";

/// Read a file as a workbook: a CSV file (by its name) as a workbook of one sheet, anything
/// else as XLSX.
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Workbook, WorkbookError> {
    if name.to_ascii_lowercase().ends_with(".csv") {
        let sheet_name = std::path::Path::new(name)
            .file_name()
            .map_or_else(|| name.to_owned(), |n| n.to_string_lossy().into_owned());
        Ok(Workbook {
            sheets: vec![Sheet::from_csv(sheet_name, bytes)?],
        })
    } else {
        Workbook::from_xlsx(bytes)
    }
}

/// Who owns a control, as the CAIQ's "SSRM Control Ownership" column says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ownership {
    CspOwned,
    CscOwned,
    ThirdPartyOutsourced,
    SharedCspAndCsc,
    SharedCspAndThirdParty,
}

impl Ownership {
    pub const ALL: [Ownership; 5] = [
        Ownership::CspOwned,
        Ownership::CscOwned,
        Ownership::ThirdPartyOutsourced,
        Ownership::SharedCspAndCsc,
        Ownership::SharedCspAndThirdParty,
    ];

    /// As the CAIQ writes it (and as `demarc matrix` shows a cell's category).
    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::CspOwned => "CSP-owned",
            Ownership::CscOwned => "CSC-owned",
            Ownership::ThirdPartyOutsourced => "3rd-party outsourced",
            Ownership::SharedCspAndCsc => "Shared CSP and CSC",
            Ownership::SharedCspAndThirdParty => "Shared CSP and 3rd-party",
        }
    }

    /// Read an ownership as people spell it: any case, spaces or hyphens, "&" for "and",
    /// "third" for "3rd".
    pub fn parse(s: &str) -> Option<Ownership> {
        Some(match words(s).as_str() {
            "csp owned" | "csp" | "provider owned" => Ownership::CspOwned,
            "csc owned" | "csc" | "customer owned" => Ownership::CscOwned,
            "third party outsourced" | "third party" | "outsourced" => {
                Ownership::ThirdPartyOutsourced
            }
            "shared csp and csc" | "shared csc and csp" => Ownership::SharedCspAndCsc,
            "shared csp and third party" | "shared third party and csp" => {
                Ownership::SharedCspAndThirdParty
            }
            _ => return None,
        })
    }

    /// The parties involved: provider, customer, third party.
    fn parties(self) -> (bool, bool, bool) {
        match self {
            Ownership::CspOwned => (true, false, false),
            Ownership::CscOwned => (false, true, false),
            Ownership::ThirdPartyOutsourced => (false, false, true),
            Ownership::SharedCspAndCsc => (true, true, false),
            Ownership::SharedCspAndThirdParty => (true, false, true),
        }
    }

    /// The ownership that covers every party any of `list` involves: the "most shared".
    pub fn most_shared(list: impl IntoIterator<Item = Ownership>) -> Option<Ownership> {
        let (mut csp, mut csc, mut third, mut any) = (false, false, false, false);
        for o in list {
            let (p, c, t) = o.parties();
            csp |= p;
            csc |= c;
            third |= t;
            any = true;
        }
        if !any {
            return None;
        }
        Some(match (csp, csc, third) {
            (false, true, false) => Ownership::CscOwned,
            (_, true, _) => Ownership::SharedCspAndCsc,
            (true, false, true) => Ownership::SharedCspAndThirdParty,
            (true, false, false) => Ownership::CspOwned,
            (false, false, _) => Ownership::ThirdPartyOutsourced,
        })
    }
}

/// The provider's answer to one question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    NotApplicable,
    /// Left empty (or something other than Yes, No or NA, with a note).
    Blank,
}

/// One question of the CAIQ with the provider's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    /// As written: `A&A-01.1`.
    pub id: String,
    pub text: Option<String>,
    pub answer: Answer,
    /// `None` when empty or not one of the five CAIQ values (a note says which).
    pub ownership: Option<Ownership>,
    /// The ownership cell said N/A.
    pub ownership_na: bool,
    /// "CSP Implementation Description": what the provider does.
    pub provider_text: Option<String>,
    /// "CSC Responsibilities": what the customer must do.
    pub customer_text: Option<String>,
    /// 0-based row in the sheet.
    pub row: u32,
}

impl Question {
    fn not_applicable(&self) -> bool {
        self.answer == Answer::NotApplicable
            || (self.answer == Answer::Blank && self.ownership_na && self.ownership.is_none())
    }
}

/// One CCM control and the questions that ask about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Control {
    /// As written: `A&A-01`.
    pub id: String,
    pub title: Option<String>,
    /// The CCM domain's title ("Audit & Assurance"), when the file gives it.
    pub domain: Option<String>,
    pub questions: Vec<Question>,
}

impl Control {
    /// The responsibility id: `A&A-01` → `a-a-01`.
    pub fn responsibility_id(&self) -> String {
        slug(&self.id)
    }

    /// The domain part of the id: `A&A-01` → `A&A`.
    pub fn domain_code(&self) -> &str {
        domain_code(&self.id)
    }
}

/// What a CAIQ file holds, read but not yet put into a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answers {
    /// The sheet the answers are on.
    pub sheet: String,
    /// The provider's name, when the workbook gives one.
    pub provider: Option<String>,
    /// The service's name, when the workbook gives one.
    pub service: Option<String>,
    /// In the order of the file.
    pub controls: Vec<Control>,
    /// Things worth a look that did not stop the reading.
    pub notes: Vec<CellError>,
}

/// The columns of the answers sheet, 0-based.
#[derive(Clone, Copy, Debug, Default)]
struct Columns {
    question_id: u32,
    answer: u32,
    ownership: u32,
    provider_text: Option<u32>,
    customer_text: Option<u32>,
    control_id: Option<u32>,
    control_title: Option<u32>,
    domain_title: Option<u32>,
    question: Option<u32>,
}

/// Read the answers from a workbook (or a CSV file read as one).
pub fn read(book: &Workbook) -> Result<Answers, ImportError> {
    let (sheet, header, cols) = find_answers_sheet(book)?;
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let mut controls: Vec<Control> = Vec::new();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut seen_questions: BTreeMap<String, u32> = BTreeMap::new();
    let mut domain_titles: BTreeMap<String, String> = BTreeMap::new();
    let header_text = |c: u32| sheet.cell(header, c).trim().to_owned();

    for row in header + 1..sheet.height() {
        let qid = clean(sheet.cell(row, cols.question_id));
        if qid.is_empty() {
            continue;
        }
        let given_control = cols
            .control_id
            .map(|c| clean(sheet.cell(row, c)))
            .filter(|s| !s.is_empty() && !is_none(s));
        let control_id = given_control.unwrap_or_else(|| control_of(&qid).to_owned());
        if !control_id.chars().any(char::is_alphanumeric) || !valid_id(&slug(&control_id)) {
            errors.push(sheet.error(
                row,
                Some(cols.question_id),
                Some(&header_text(cols.question_id)),
                format!("\"{qid}\" is not a question id: expected one such as A&A-01.1"),
            ));
            continue;
        }
        if let Some(first) = seen_questions.get(&qid) {
            notes.push(sheet.error(
                row,
                Some(cols.question_id),
                Some(&header_text(cols.question_id)),
                format!(
                    "question {qid} appears again (first on row {}); this row is left out",
                    first + 1
                ),
            ));
            continue;
        }
        seen_questions.insert(qid.clone(), row);

        let answer_raw = clean(sheet.cell(row, cols.answer));
        let answer = match words(&answer_raw).as_str() {
            "yes" | "y" => Answer::Yes,
            "no" | "n" => Answer::No,
            "na" | "n a" | "not applicable" => Answer::NotApplicable,
            "" => Answer::Blank,
            _ => {
                notes.push(sheet.error(
                    row,
                    Some(cols.answer),
                    Some(&header_text(cols.answer)),
                    format!("\"{answer_raw}\" is not an answer: expected Yes, No or NA; read as no answer"),
                ));
                Answer::Blank
            }
        };
        let own_raw = clean(sheet.cell(row, cols.ownership));
        let own_words = words(&own_raw);
        let ownership_na = matches!(own_words.as_str(), "na" | "n a" | "not applicable");
        let ownership = Ownership::parse(&own_raw);
        if ownership.is_none() && !own_words.is_empty() && !ownership_na {
            let all: Vec<&str> = Ownership::ALL.iter().map(|o| o.as_str()).collect();
            notes.push(sheet.error(
                row,
                Some(cols.ownership),
                Some(&header_text(cols.ownership)),
                format!(
                    "\"{own_raw}\" is not a CAIQ ownership (expected one of: {}); question {qid} is left undecided",
                    all.join(", ")
                ),
            ));
        }
        let text_at = |c: Option<u32>| {
            c.map(|c| clean(sheet.cell(row, c)))
                .filter(|s| !s.is_empty() && !is_none(s))
        };
        let question = Question {
            id: qid.clone(),
            text: text_at(cols.question),
            answer,
            ownership,
            ownership_na,
            provider_text: text_at(cols.provider_text),
            customer_text: text_at(cols.customer_text),
            row,
        };
        let title = text_at(cols.control_title);
        let domain = text_at(cols.domain_title);
        let code = domain_code(&control_id).to_owned();
        if let Some(d) = &domain {
            domain_titles
                .entry(code.clone())
                .or_insert_with(|| d.clone());
        }
        let ix = *by_id.entry(control_id.clone()).or_insert_with(|| {
            controls.push(Control {
                id: control_id.clone(),
                title: None,
                domain: None,
                questions: Vec::new(),
            });
            controls.len() - 1
        });
        let control = &mut controls[ix];
        if control.title.is_none() {
            control.title = title;
        }
        control.questions.push(question);
    }
    for c in &mut controls {
        c.domain = domain_titles.get(domain_code(&c.id)).cloned();
    }
    if !errors.is_empty() {
        return Err(ImportError::Cells(errors));
    }
    if controls.is_empty() {
        return Err(ImportError::Cells(vec![sheet.error(
            header,
            Some(cols.question_id),
            Some(&header_text(cols.question_id)),
            "there are no questions below this header row: expected question ids such as A&A-01.1",
        )]));
    }
    let (provider, service) = names_in(book, &sheet.name, header);
    Ok(Answers {
        sheet: sheet.name.clone(),
        provider,
        service,
        controls,
        notes,
    })
}

/// The sheet with the answers, its header row and its columns; or an error saying what was
/// looked for and what was found.
fn find_answers_sheet(book: &Workbook) -> Result<(&Sheet, u32, Columns), ImportError> {
    // Visible sheets first: a hidden sheet is usually lists for drop-downs.
    let mut sheets: Vec<&Sheet> = book.sheets.iter().filter(|s| !s.hidden).collect();
    sheets.extend(book.sheets.iter().filter(|s| s.hidden));
    let mut partial: Option<CellError> = None;
    for sheet in sheets {
        let Some(header) = sheet.find_row(HEADER_ROWS, |r| {
            r.iter().any(|c| header_key(c) == "question id")
        }) else {
            continue;
        };
        let find =
            |pred: &dyn Fn(&str) -> bool| sheet.find_column(header, |c| pred(&header_key(c)));
        let question_id = find(&|k| k == "question id");
        let answer = find(&|k| k == "csp caiq answer" || k == "caiq answer" || k == "answer");
        let ownership = find(&|k| k.starts_with("ssrm control ownership") || k == "ownership");
        match (question_id, answer, ownership) {
            (Some(question_id), Some(answer), Some(ownership)) => {
                let cols = Columns {
                    question_id,
                    answer,
                    ownership,
                    provider_text: find(&|k| k.starts_with("csp implementation description")),
                    customer_text: find(&|k| k.starts_with("csc responsibilities")),
                    control_id: find(&|k| k == "ccm control id"),
                    control_title: find(&|k| k == "ccm control title"),
                    domain_title: find(&|k| k == "ccm domain title"),
                    question: find(&|k| k == "question" || k == "question text"),
                };
                return Ok((sheet, header, cols));
            }
            _ => {
                if partial.is_none() {
                    let mut missing = Vec::new();
                    if answer.is_none() {
                        missing.push("\"CSP CAIQ Answer\"");
                    }
                    if ownership.is_none() {
                        missing.push("\"SSRM Control Ownership\"");
                    }
                    let found: Vec<String> = sheet
                        .row(header)
                        .iter()
                        .map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "))
                        .filter(|c| !c.is_empty())
                        .map(|c| format!("\"{c}\""))
                        .collect();
                    partial = Some(sheet.error(
                        header,
                        None,
                        None,
                        format!(
                            "this header row has no {} column (it has {}); a CAIQ v4 answers sheet has the columns \"Question ID\", \"CSP CAIQ Answer\" and \"SSRM Control Ownership\"",
                            missing.join(" or "),
                            found.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if let Some(e) = partial {
        return Err(ImportError::Cells(vec![e]));
    }
    let names: Vec<String> = book
        .sheets
        .iter()
        .map(|s| format!("\"{}\"", s.name))
        .collect();
    let first = book.sheets.first().map_or("", |s| s.name.as_str());
    Err(ImportError::Cells(vec![CellError {
        sheet: first.to_owned(),
        row: 1,
        column: None,
        header: None,
        message: format!(
            "this is not a CAIQ v4 answers file: no sheet ({}) has a \"Question ID\" column in its first {HEADER_ROWS} rows; a CAIQ v4 answers sheet has the columns \"Question ID\", \"CSP CAIQ Answer\" and \"SSRM Control Ownership\"",
            if names.is_empty() {
                "there are none".to_owned()
            } else {
                names.join(", ")
            }
        ),
    }]))
}

/// The provider's and the service's names, where the workbook labels them (a cell such as
/// "CSP Name" with the name in a cell to its right), above the header row or on another sheet.
fn names_in(book: &Workbook, answers: &str, header: u32) -> (Option<String>, Option<String>) {
    let mut provider = None;
    let mut service = None;
    for sheet in &book.sheets {
        let rows = if sheet.name == answers {
            header
        } else {
            HEADER_ROWS
        };
        for (_, row) in sheet.rows().take(rows as usize) {
            for (i, cell) in row.iter().enumerate() {
                let key = header_key(cell);
                let value = || {
                    row[i + 1..]
                        .iter()
                        .map(|c| clean(c))
                        .find(|c| !c.is_empty())
                };
                if provider.is_none()
                    && matches!(
                        key.as_str(),
                        "csp name"
                            | "cloud service provider"
                            | "cloud service provider name"
                            | "provider"
                            | "provider name"
                            | "organisation name"
                            | "organization name"
                            | "company name"
                    )
                {
                    provider = value();
                }
                if service.is_none()
                    && matches!(
                        key.as_str(),
                        "service name"
                            | "cloud service name"
                            | "cloud service"
                            | "product name"
                            | "offering name"
                            | "service"
                    )
                {
                    service = value();
                }
            }
        }
    }
    (provider, service)
}

/// What to import, and as what.
#[derive(Clone, Debug, Default)]
pub struct Options<'a> {
    /// The file's name, for the catalogue's source and messages.
    pub source: &'a str,
    /// The provider's name (else the workbook's, else "Provider").
    pub provider: Option<&'a str>,
    /// The service's id (else from the provider's name).
    pub service: Option<&'a str>,
}

/// Read CAIQ answers into a model: a new one (`into` = `None`) or `into`, with the provider's
/// service added or updated (its CCM cells replaced; other cells kept).
pub fn import(
    book: &Workbook,
    into: Option<&Model>,
    opts: &Options<'_>,
) -> Result<Imported, ImportError> {
    let answers = read(book)?;
    let mut notes = answers.notes.clone();
    let mut model = into.cloned().unwrap_or_default();
    model.files.clear();
    if into.is_none() {
        model.customer = Ref::new(ORGANISATION);
        model.parties.push(Party {
            id: ORGANISATION.to_owned(),
            name: "Your organisation".to_owned(),
            kind: Some("customer".to_owned()),
            ..Party::default()
        });
    }

    // The service, and its provider.
    if let Some(id) = opts.service
        && !valid_id(id)
    {
        return Err(ImportError::Other(format!(
            "--service \"{id}\" may use only letters, digits and - _ . : and must start with a letter or digit (for example \"{}\")",
            slug(id)
        )));
    }
    let find_service = |id: &str| model.services.iter().find(|s| s.id == id).cloned();
    let named = opts.service.and_then(find_service);
    let provider_name = opts
        .provider
        .map(str::to_owned)
        .or_else(|| {
            named.as_ref().and_then(|s| {
                model
                    .parties
                    .iter()
                    .find(|p| p.id == s.provider.id)
                    .map(|p| p.name.clone())
            })
        })
        .or_else(|| answers.provider.clone())
        .unwrap_or_else(|| "Provider".to_owned());
    let service_id = opts
        .service
        .map_or_else(|| slug(&provider_name), str::to_owned);
    let new_provider_id = party_id(&provider_name, &model);
    let existing_service = match named {
        Some(s) => Some(s),
        None => match find_service(&service_id) {
            Some(s) if s.provider.id == new_provider_id => Some(s),
            Some(s) => {
                return Err(ImportError::Other(format!(
                    "the model already has a service \"{service_id}\" from another provider ({}); choose another id with --service",
                    s.provider.id
                )));
            }
            None => None,
        },
    };
    let provider_id = existing_service
        .as_ref()
        .map_or(new_provider_id, |s| s.provider.id.clone());
    if into.is_none() {
        model.name = format!("{provider_name} — CAIQ answers");
    }
    if !model.parties.iter().any(|p| p.id == provider_id) {
        model.parties.push(Party {
            id: provider_id.clone(),
            name: provider_name.clone(),
            kind: Some("cloud".to_owned()),
            description: Some(format!(
                "Added from its CAIQ answers ({}).",
                file_label(opts.source)
            )),
            ..Party::default()
        });
    }
    let service_name = existing_service
        .as_ref()
        .map(|s| s.name.clone())
        .or_else(|| answers.service.clone())
        .unwrap_or_else(|| provider_name.clone());
    if existing_service.is_none() {
        model.services.push(Service {
            id: service_id.clone(),
            name: service_name.clone(),
            description: Some(format!(
                "What {provider_name} answered in its CSA CAIQ ({}).",
                file_label(opts.source)
            )),
            provider: Ref::new(provider_id.clone()),
            ..Service::default()
        });
    }

    // The catalogue: one responsibility per CCM control, areas per domain.
    add_controls(&mut model, &answers, opts.source)?;

    // The cells.
    let third_party = format!("{provider_id}-third-party");
    let upstream_id = format!("{service_id}-third-party");
    let mut cells = Vec::new();
    let mut upstream_cells = Vec::new();
    for control in &answers.controls {
        let d = decide(control, &answers.sheet, &upstream_id, &mut notes);
        cells.push(d.cell);
        if let Some(u) = d.upstream {
            upstream_cells.push(u);
        }
    }
    if !upstream_cells.is_empty() {
        if !model.parties.iter().any(|p| p.id == third_party) {
            model.parties.push(Party {
                id: third_party.clone(),
                name: format!("Third parties of {provider_name}"),
                kind: Some("third-party".to_owned()),
                description: Some(format!(
                    "Whoever {provider_name} outsources work to, as its CAIQ answers say (\"3rd-party\"). Rename it when you know who."
                )),
                ..Party::default()
            });
        }
        if !model.services.iter().any(|s| s.id == upstream_id) {
            model.services.push(Service {
                id: upstream_id.clone(),
                name: format!("Third-party services under {service_name}"),
                description: Some(format!(
                    "What {provider_name} gets from third parties to run {service_name}, as its CAIQ answers say."
                )),
                provider: Ref::new(third_party.clone()),
                customer: Some(Ref::new(provider_id.clone())),
                ..Service::default()
            });
        }
        if let Some(s) = model.services.iter_mut().find(|s| s.id == service_id)
            && !s.built_on.iter().any(|b| b.id == upstream_id)
        {
            s.built_on.push(Ref::new(upstream_id.clone()));
        }
        // The third parties do only what the provider outsources: every other responsibility
        // of theirs does not apply (a cell written there before, for another catalogue, stays).
        let written: BTreeSet<String> = model
            .allocations
            .iter()
            .filter(|g| g.service.id == upstream_id)
            .flat_map(|g| g.cells.iter().map(|c| c.responsibility.id.clone()))
            .collect();
        let ours: BTreeSet<String> = answers
            .controls
            .iter()
            .map(Control::responsibility_id)
            .collect();
        let done: BTreeSet<String> = upstream_cells
            .iter()
            .map(|c| c.responsibility.id.clone())
            .collect();
        let rest: Vec<Allocation> = model
            .catalogue
            .responsibilities()
            .map(|(_, r)| r.id.clone())
            .filter(|id| !done.contains(id) && (ours.contains(id) || !written.contains(id)))
            .map(|id| Allocation {
                responsibility: Ref::new(id),
                status: Status::NotApplicable,
                reason: Some(format!(
                    "{provider_name}'s CAIQ answers do not say that its third parties do this."
                )),
                ..Allocation::default()
            })
            .collect();
        upstream_cells.extend(rest);
        put_cells(&mut model, &upstream_id, upstream_cells);
    }
    put_cells(&mut model, &service_id, cells);
    Ok(Imported { model, notes })
}

/// A party id for a provider's name that is not a placeholder (`provider`, `customer`) and
/// not the organisation's.
fn party_id(name: &str, model: &Model) -> String {
    let id = slug(name);
    if matches!(id.as_str(), "provider" | "customer") || id == model.customer.id {
        format!("{id}-csp")
    } else {
        id
    }
}

fn file_label(source: &str) -> String {
    std::path::Path::new(source)
        .file_name()
        .map_or_else(|| source.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// Add the CCM catalogue (when missing) and every control of `answers` to it.
fn add_controls(model: &mut Model, answers: &Answers, source: &str) -> Result<(), ImportError> {
    if !model.catalogue.sources.iter().any(|s| s.id == CATALOGUE_ID) {
        model.catalogue.sources.push(CatalogueInfo {
            id: CATALOGUE_ID.to_owned(),
            title: "CSA Cloud Controls Matrix (CCM) v4, from a provider's CAIQ answers".to_owned(),
            version: Some("4".to_owned()),
            licence: Some(
                "The control and question texts are the Cloud Security Alliance's: keep them for your own use and do not publish them".to_owned(),
            ),
            source: Some(format!(
                "Copied by demarc import caiq from {}",
                file_label(source)
            )),
            description: Some(
                "One responsibility per Cloud Controls Matrix control, with the CAIQ questions about it as its statements.".to_owned(),
            ),
        });
    }
    for control in &answers.controls {
        let rid = control.responsibility_id();
        let statements: Vec<Statement> = control
            .questions
            .iter()
            .filter_map(|q| {
                q.text.as_ref().map(|t| Statement {
                    id: q.id.clone(),
                    text: t.clone(),
                })
            })
            .collect();
        if let Some(existing) = model
            .catalogue
            .areas
            .iter_mut()
            .flat_map(|a| a.responsibilities.iter_mut())
            .find(|r| r.id == rid)
        {
            let same = existing
                .mappings
                .get(MAPPING)
                .is_some_and(|ids| ids.iter().any(|i| i == &control.id));
            if !same {
                return Err(ImportError::Other(format!(
                    "the model already has a responsibility \"{rid}\" that is not CCM control {}; rename it before importing CAIQ answers",
                    control.id
                )));
            }
            for s in statements {
                if !existing.statements.iter().any(|e| e.id == s.id) {
                    existing.statements.push(s);
                }
            }
            continue;
        }
        let code = control.domain_code();
        let area_id = format!("ccm-{}", slug(code));
        let area = match model.catalogue.areas.iter().position(|a| a.id == area_id) {
            Some(i) if model.catalogue.areas[i].catalogue == CATALOGUE_ID => i,
            Some(_) => {
                return Err(ImportError::Other(format!(
                    "the model already has an area \"{area_id}\" in another catalogue; rename it before importing CAIQ answers"
                )));
            }
            None => {
                model.catalogue.areas.push(Area {
                    id: area_id.clone(),
                    title: control
                        .domain
                        .clone()
                        .unwrap_or_else(|| format!("CCM domain {code}")),
                    description: None,
                    catalogue: CATALOGUE_ID.to_owned(),
                    responsibilities: Vec::new(),
                    loc: None,
                });
                model.catalogue.areas.len() - 1
            }
        };
        model.catalogue.areas[area]
            .responsibilities
            .push(Responsibility {
                id: rid,
                title: control
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("CCM control {}", control.id)),
                description: None,
                layer: layer_of(code),
                retained: false,
                mappings: BTreeMap::from([(MAPPING.to_owned(), vec![control.id.clone()])]),
                suggested_tasks: Vec::new(),
                statements,
                loc: None,
            });
    }
    Ok(())
}

/// Replace the cells of `service` for the responsibilities of `cells` (others kept).
fn put_cells(model: &mut Model, service: &str, cells: Vec<Allocation>) {
    let ids: BTreeSet<String> = cells.iter().map(|c| c.responsibility.id.clone()).collect();
    for g in model
        .allocations
        .iter_mut()
        .filter(|g| g.service.id == service)
    {
        g.cells.retain(|c| !ids.contains(&c.responsibility.id));
    }
    match model
        .allocations
        .iter_mut()
        .find(|g| g.service.id == service)
    {
        Some(g) => g.cells.extend(cells),
        None => model.allocations.push(ServiceAllocations {
            service: Ref::new(service),
            cells,
        }),
    }
}

/// A control's cell on the provider's service, and the third party's cell when it takes part.
struct Decision {
    cell: Allocation,
    upstream: Option<Allocation>,
}

fn decide(control: &Control, sheet: &str, upstream: &str, notes: &mut Vec<CellError>) -> Decision {
    let rid = Ref::new(control.responsibility_id());
    let first_row = control.questions.first().map_or(0, |q| q.row);
    let note_at = |row: u32, message: String| CellError {
        sheet: sheet.to_owned(),
        row: row + 1,
        column: None,
        header: None,
        message,
    };
    let base = Allocation {
        responsibility: rid.clone(),
        ..Allocation::default()
    };
    let all_na = control.questions.iter().all(Question::not_applicable);
    if all_na {
        let texts = joined(control, |q| q.provider_text.as_deref(), true);
        let ids: Vec<&str> = control.questions.iter().map(|q| q.id.as_str()).collect();
        return Decision {
            cell: Allocation {
                status: Status::NotApplicable,
                reason: Some(texts.unwrap_or_else(|| {
                    format!(
                        "The provider answered NA (not applicable) to {} in its CAIQ.",
                        list_words(&ids)
                    )
                })),
                ..base
            },
            upstream: None,
        };
    }
    let live: Vec<&Question> = control
        .questions
        .iter()
        .filter(|q| !q.not_applicable())
        .collect();
    let known: Vec<(&Question, Ownership)> = live
        .iter()
        .filter_map(|q| q.ownership.map(|o| (*q, o)))
        .collect();
    let mut note_parts: Vec<String> = Vec::new();
    let said_no: Vec<&str> = live
        .iter()
        .filter(|q| q.answer == Answer::No)
        .map(|q| q.id.as_str())
        .collect();
    if !said_no.is_empty() {
        let msg = format!(
            "answered No to {}: it says it does not do this (yet). Agree who does.",
            list_words(&said_no)
        );
        notes.push(note_at(
            first_row,
            format!("control {}: the provider {msg}", control.id),
        ));
        note_parts.push(format!("The provider {msg}"));
    }
    let Some(ownership) = Ownership::most_shared(known.iter().map(|(_, o)| *o)) else {
        let msg = format!(
            "The provider's CAIQ gives no owner for control {} that demarc knows, so it is left undecided.",
            control.id
        );
        notes.push(note_at(first_row, msg.clone()));
        note_parts.insert(0, msg);
        return Decision {
            cell: Allocation {
                status: Status::Undecided,
                note: Some(note_parts.join(" ")),
                ..base
            },
            upstream: None,
        };
    };
    let distinct: BTreeSet<Ownership> = known.iter().map(|(_, o)| *o).collect();
    if distinct.len() > 1 {
        let each: Vec<String> = known
            .iter()
            .map(|(q, o)| format!("{} {}", q.id, o.as_str()))
            .collect();
        let msg = format!(
            "The questions of control {} disagree on who owns it ({}); taken as the most shared, {}.",
            control.id,
            each.join(", "),
            ownership.as_str()
        );
        notes.push(note_at(first_row, msg.clone()));
        note_parts.push(msg);
    }
    let provider_text = joined(control, |q| q.provider_text.as_deref(), false);
    let customer_text = joined(control, |q| q.customer_text.as_deref(), false);
    let operate = |owner: &str, text: Option<String>, default: &str| Task {
        owners: vec![Ref::new(owner)],
        kind: TaskKind::Operate,
        terms: Terms {
            description: Some(text.unwrap_or_else(|| default.to_owned())),
            ..Terms::default()
        },
        ..Task::default()
    };
    let mut upstream_cell = None;
    let mut cell = match ownership {
        Ownership::CspOwned => {
            if let Some(t) = &customer_text {
                note_parts.push(format!("What the provider says the customer does: {t}"));
            }
            Allocation {
                status: Status::Supplier,
                terms: Terms {
                    description: provider_text,
                    ..Terms::default()
                },
                ..base
            }
        }
        Ownership::CscOwned => {
            if let Some(t) = &provider_text {
                note_parts.push(format!("What the provider says it does: {t}"));
            }
            Allocation {
                status: Status::Customer,
                terms: Terms {
                    description: customer_text,
                    ..Terms::default()
                },
                ..base
            }
        }
        Ownership::SharedCspAndCsc => Allocation {
            status: Status::Shared,
            tasks: vec![
                operate(
                    "provider",
                    provider_text,
                    "The provider's part (its CAIQ answer does not describe it).",
                ),
                operate(
                    "customer",
                    customer_text,
                    "Your part (the provider's CAIQ answer does not describe it).",
                ),
            ],
            ..base
        },
        Ownership::ThirdPartyOutsourced => {
            if let Some(t) = &customer_text {
                note_parts.push(format!("What the provider says the customer does: {t}"));
            }
            upstream_cell = Some(Allocation {
                responsibility: rid.clone(),
                status: Status::Supplier,
                terms: Terms {
                    description: provider_text,
                    ..Terms::default()
                },
                ..Allocation::default()
            });
            Allocation {
                status: Status::Inherited,
                from: Some(Ref::new(upstream)),
                ..base
            }
        }
        Ownership::SharedCspAndThirdParty => {
            if let Some(t) = &customer_text {
                note_parts.push(format!("What the provider says the customer does: {t}"));
            }
            upstream_cell = Some(Allocation {
                responsibility: rid.clone(),
                status: Status::Supplier,
                terms: Terms {
                    description: Some(
                        "The third party's part of the work the provider shares with it (its CAIQ answer says \"Shared CSP and 3rd-party\").".to_owned(),
                    ),
                    ..Terms::default()
                },
                ..Allocation::default()
            });
            Allocation {
                status: Status::Inherited,
                from: Some(Ref::new(upstream)),
                tasks: vec![operate(
                    "provider",
                    provider_text,
                    "The provider's own part (its CAIQ answer does not describe it).",
                )],
                ..base
            }
        }
    };
    if !note_parts.is_empty() {
        cell.note = Some(note_parts.join(" "));
    }
    Decision {
        cell,
        upstream: upstream_cell,
    }
}

/// The distinct texts of a control's questions (the applicable ones, or all), one per line
/// with its question id when they differ.
fn joined(
    control: &Control,
    text: impl Fn(&Question) -> Option<&str>,
    include_na: bool,
) -> Option<String> {
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for q in &control.questions {
        if !include_na && q.not_applicable() {
            continue;
        }
        if let Some(t) = text(q)
            && !seen.iter().any(|(_, s)| *s == t)
        {
            seen.push((q.id.as_str(), t));
        }
    }
    match seen.as_slice() {
        [] => None,
        [(_, one)] => Some((*one).to_owned()),
        many => Some(
            many.iter()
                .map(|(id, t)| format!("{id}: {t}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    }
}

/// "a", "a and b", "a, b and c".
fn list_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The control a question id belongs to: `A&A-01.2` → `A&A-01`.
fn control_of(question: &str) -> &str {
    match question.rsplit_once('.') {
        Some((c, n)) if !c.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            c
        }
        _ => question,
    }
}

/// The domain part of a control id: `A&A-01` → `A&A`.
fn domain_code(control: &str) -> &str {
    match control.rsplit_once('-') {
        Some((d, _)) if !d.is_empty() => d,
        _ => control,
    }
}

/// The technology layer of a CCM domain (governance unless it is clearly about one layer).
fn layer_of(domain: &str) -> Layer {
    match domain.to_ascii_uppercase().as_str() {
        "IAM" => Layer::IdentityAccess,
        "DSP" | "CEK" => Layer::Data,
        "DCS" => Layer::Physical,
        "IVS" => Layer::Infrastructure,
        "AIS" => Layer::Application,
        "UEM" => Layer::OperatingSystem,
        _ => Layer::Governance,
    }
}

/// A header cell as a key: lower case, one space between words (line breaks included), without
/// a note in brackets ("(Optional/Recommended)") or a trailing colon.
pub(crate) fn header_key(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == '_' => {
                if !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            c => out.extend(c.to_lowercase()),
        }
    }
    out.trim().trim_end_matches(':').trim().to_owned()
}

/// A value as words: lower case, "&" as "and", "3rd" as "third", anything else that is not a
/// letter or digit as a space.
fn words(s: &str) -> String {
    let mut spaced = String::new();
    for c in s.chars() {
        if c == '&' {
            spaced.push_str(" and ");
        } else if c.is_alphanumeric() {
            spaced.extend(c.to_lowercase());
        } else {
            spaced.push(' ');
        }
    }
    spaced
        .split_whitespace()
        .map(|w| if w == "3rd" { "third" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text from a cell as it can go into a model file: line breaks as `\n`, no other control
/// characters, no spaces at the ends of lines, no runs of blank lines.
pub(crate) fn clean(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = Vec::new();
    for line in s.split('\n') {
        let line: String = line
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .filter(|c| !c.is_control())
            .collect();
        let line = line.trim().to_owned();
        if line.is_empty() && lines.last().is_some_and(String::is_empty) {
            continue;
        }
        lines.push(line);
    }
    lines.join("\n").trim().to_owned()
}

/// A cell that says there is nothing: "N/A", "None", "-".
fn is_none(s: &str) -> bool {
    matches!(
        words(s).as_str(),
        "" | "na" | "n a" | "none" | "not applicable"
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn ownership_spellings() {
        for o in Ownership::ALL {
            assert_eq!(Ownership::parse(o.as_str()), Some(o));
            assert_eq!(Ownership::parse(&o.as_str().to_uppercase()), Some(o));
        }
        assert_eq!(
            Ownership::parse("Shared CSP & 3rd party"),
            Some(Ownership::SharedCspAndThirdParty)
        );
        assert_eq!(
            Ownership::parse("third-party  outsourced"),
            Some(Ownership::ThirdPartyOutsourced)
        );
        assert_eq!(Ownership::parse("CSP owned\n"), Some(Ownership::CspOwned));
        assert_eq!(Ownership::parse("Both"), None);
    }

    #[test]
    fn most_shared_covers_every_party() {
        use Ownership::*;
        assert_eq!(Ownership::most_shared([]), None);
        assert_eq!(Ownership::most_shared([CspOwned, CspOwned]), Some(CspOwned));
        assert_eq!(
            Ownership::most_shared([CspOwned, CscOwned]),
            Some(SharedCspAndCsc)
        );
        assert_eq!(
            Ownership::most_shared([CspOwned, ThirdPartyOutsourced]),
            Some(SharedCspAndThirdParty)
        );
        assert_eq!(
            Ownership::most_shared([SharedCspAndThirdParty, CscOwned]),
            Some(SharedCspAndCsc)
        );
        assert_eq!(
            Ownership::most_shared([ThirdPartyOutsourced]),
            Some(ThirdPartyOutsourced)
        );
    }

    #[test]
    fn headers_and_ids() {
        assert_eq!(
            header_key("CSP Implementation Description\n(Optional/Recommended)"),
            "csp implementation description"
        );
        assert_eq!(header_key("  Question\u{a0}ID: "), "question id");
        assert_eq!(control_of("A&A-01.2"), "A&A-01");
        assert_eq!(control_of("IAM-14"), "IAM-14");
        assert_eq!(domain_code("A&A-01"), "A&A");
        assert_eq!(slug("A&A-01"), "a-a-01");
        assert_eq!(clean(" a \r\n\r\n\r\n b\u{7}\t"), "a\n\nb");
    }
}
