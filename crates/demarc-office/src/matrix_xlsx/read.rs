//! Reading a matrix workbook back: into an existing model, or as a new one.

use std::collections::HashMap;

use demarc_core::finding::did_you_mean;
use demarc_core::model::{
    Area, Catalogue, CatalogueInfo, Party, Ref, Responsibility, Role, Service, ServiceAllocations,
};
use demarc_core::{Layer, Model, ServiceModel};
use demarc_formats::matrix_csv::{self, RowError};
use demarc_formats::yaml::valid_id;

use super::{
    LABEL_MODEL, LABEL_VERSION, MATRIX_SHEET, NEW_CATALOGUE_ID, PARTIES_SHEET, PARTY_COLUMNS,
    README_SHEET, RESPONSIBILITIES_SHEET, RESPONSIBILITY_COLUMNS, SERVICE_COLUMNS, SERVICES_SHEET,
};
use crate::{CellError, ImportError, Imported, Sheet, Workbook};

/// How far down a sheet its header row is looked for (a title row or two above it is fine).
const HEADER_WITHIN: u32 = 20;

/// Read a filled-in matrix workbook into a model: the model's explicit allocations after the
/// workbook's cells replace theirs, as `demarc import csv` does. Cells the workbook does not
/// hold (one exported for one service or party) keep what the model says. Only the "Matrix"
/// sheet is read; any problem rejects the whole workbook.
pub fn read(model: &Model, bytes: &[u8]) -> Result<Vec<ServiceAllocations>, ImportError> {
    read_book(model, &Workbook::from_xlsx(bytes)?)
}

/// [`read`] on a workbook already read.
pub fn read_book(model: &Model, book: &Workbook) -> Result<Vec<ServiceAllocations>, ImportError> {
    matrix(model, sheet(book, MATRIX_SHEET)?)
}

/// Read a matrix workbook as a new model: its parties, services and responsibilities (as a
/// catalogue of its own) from the sheets of those names, and its cells from "Matrix". People,
/// presets, review dates and framework mappings are not in a workbook; the notes say so.
pub fn read_new(bytes: &[u8]) -> Result<Imported, ImportError> {
    read_new_book(&Workbook::from_xlsx(bytes)?)
}

/// [`read_new`] on a workbook already read.
pub fn read_new_book(book: &Workbook) -> Result<Imported, ImportError> {
    let wanted = [
        PARTIES_SHEET,
        SERVICES_SHEET,
        RESPONSIBILITIES_SHEET,
        MATRIX_SHEET,
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|n| book.sheet(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::Other(format!(
            "a new model is read from the sheets {}, but the workbook has no sheet {} (its sheets are: {}); is it a workbook written by demarc export --format xlsx?",
            wanted.join(", "),
            missing
                .iter()
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", "),
            sheet_list(book)
        )));
    }
    let mut errors = Vec::new();
    let sheet_of = |name| book.sheet(name).ok_or_else(|| no_sheet(book, name));
    let (parties, customer) = parties(sheet_of(PARTIES_SHEET)?, &mut errors);
    let services = services(sheet_of(SERVICES_SHEET)?, &mut errors);
    let areas = areas(sheet_of(RESPONSIBILITIES_SHEET)?, &mut errors);
    if !errors.is_empty() {
        return Err(ImportError::Cells(errors));
    }
    let mut notes = Vec::new();
    let (name, version) = match book.sheet(README_SHEET) {
        Some(readme) => (label(readme, LABEL_MODEL), label(readme, LABEL_VERSION)),
        None => (None, None),
    };
    let name = name.unwrap_or_else(|| {
        notes.push(CellError {
            sheet: README_SHEET.to_owned(),
            row: 1,
            column: None,
            header: None,
            message: format!(
                "the workbook does not give the model's name (a row \"{LABEL_MODEL}\"), so the new model is called \"Imported workbook\": change it in demarc.yaml"
            ),
        });
        "Imported workbook".to_owned()
    });
    let mut model = Model {
        name: name.clone(),
        customer: Ref::new(customer),
        version,
        catalogue: Catalogue {
            sources: vec![CatalogueInfo {
                id: NEW_CATALOGUE_ID.to_owned(),
                title: format!("Responsibilities of {name}"),
                description: Some(
                    "Read from the Responsibilities sheet of a matrix workbook by demarc import xlsx."
                        .to_owned(),
                ),
                ..CatalogueInfo::default()
            }],
            areas,
            presets: Vec::new(),
        },
        parties,
        services,
        ..Model::default()
    };
    model.allocations = matrix(&model, sheet_of(MATRIX_SHEET)?)?;
    notes.push(CellError {
        sheet: PARTIES_SHEET.to_owned(),
        row: 1,
        column: None,
        header: None,
        message: "people (contacts and who signs) are not in the workbook, so the new model has none: add them to parties.yaml".to_owned(),
    });
    notes.push(CellError {
        sheet: RESPONSIBILITIES_SHEET.to_owned(),
        row: 1,
        column: None,
        header: None,
        message: format!(
            "the responsibilities become the new model's own catalogue (catalogue-{NEW_CATALOGUE_ID}.yaml), without presets, framework mappings or statement parts; rows a preset filled are written into the allocation files, and review dates are not carried over"
        ),
    });
    Ok(Imported { model, notes })
}

fn sheet<'b>(book: &'b Workbook, name: &str) -> Result<&'b Sheet, ImportError> {
    book.sheet(name).ok_or_else(|| no_sheet(book, name))
}

fn no_sheet(book: &Workbook, name: &str) -> ImportError {
    ImportError::Other(format!(
        "the workbook has no sheet \"{name}\" (its sheets are: {}); is it a workbook written by demarc export --format xlsx?",
        sheet_list(book)
    ))
}

fn sheet_list(book: &Workbook) -> String {
    let names = book.sheet_names();
    if names.is_empty() {
        "none".to_owned()
    } else {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The value beside a label in column A (the "Read me" sheet's first rows), if any.
fn label(sheet: &Sheet, name: &str) -> Option<String> {
    let row = sheet.find_row(HEADER_WITHIN, |r| {
        r.first()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case(name))
    })?;
    let value = sheet.cell(row, 1).trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// The "Matrix" sheet through the reader the CSV uses, with errors by sheet, row and column.
fn matrix(model: &Model, sheet: &Sheet) -> Result<Vec<ServiceAllocations>, ImportError> {
    let is_header = |r: &[String]| {
        let has = |n: &str| r.iter().any(|c| c.trim() == n);
        has("service") && has("responsibility")
    };
    let Some(h) = sheet.find_row(HEADER_WITHIN, is_header) else {
        return Err(ImportError::Cells(vec![sheet.error(
            0,
            None,
            None,
            format!(
                "no header row: one of the first {HEADER_WITHIN} rows must hold the column names (service, responsibility, status, owner, ...), as the first row of an exported workbook does"
            ),
        )]));
    };
    // The named columns, by their position in the sheet; a column with no name must be empty.
    let header = sheet.row(h);
    let columns: Vec<(u32, String)> = header
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(c, n)| (c as u32, n.trim().to_owned()))
        .collect();
    let mut errors = Vec::new();
    let mut unnamed_reported = std::collections::HashSet::new();
    for (r, row) in sheet.rows().skip(h as usize + 1) {
        for (c, value) in row.iter().enumerate() {
            let named = header.get(c).is_some_and(|n| !n.trim().is_empty());
            if !named && !value.trim().is_empty() && unnamed_reported.insert(c) {
                errors.push(sheet.error(
                    r,
                    Some(c as u32),
                    None,
                    format!(
                        "this column has no name in the header (row {}), so demarc cannot tell what it holds; put the text in the note column instead",
                        h + 1
                    ),
                ));
            }
        }
    }
    let names: Vec<String> = columns.iter().map(|(_, n)| n.clone()).collect();
    let rows = (h + 1..sheet.height()).map(|r| {
        (
            u64::from(r) + 1,
            columns
                .iter()
                .map(|(c, _)| sheet.cell(r, *c).to_owned())
                .collect(),
        )
    });
    let result = matrix_csv::read_table(model, u64::from(h) + 1, &names, rows);
    let to_cell = |e: RowError| CellError {
        sheet: sheet.name.clone(),
        row: u32::try_from(e.row).unwrap_or(u32::MAX),
        column: e.position.and_then(|p| columns.get(p)).map(|(c, _)| *c),
        header: e
            .position
            .and_then(|p| columns.get(p))
            .map(|(_, n)| n.clone())
            .or_else(|| e.column.map(str::to_owned)),
        message: e.message,
    };
    match result {
        Ok(allocations) if errors.is_empty() => Ok(allocations),
        Ok(_) => Err(ImportError::Cells(errors)),
        Err(row_errors) => {
            errors.extend(row_errors.into_iter().map(to_cell));
            errors.sort_by_key(|e| (e.row, e.column));
            Err(ImportError::Cells(errors))
        }
    }
}

/// One of the information sheets (Parties, Services, Responsibilities): its header found by
/// name, each data row's cells by column name.
struct Table<'s> {
    sheet: &'s Sheet,
    header: u32,
    /// Column name to position in the sheet.
    columns: HashMap<&'static str, u32>,
}

impl<'s> Table<'s> {
    fn new(
        sheet: &'s Sheet,
        expected: &[&'static str],
        required: &[&'static str],
        errors: &mut Vec<CellError>,
    ) -> Option<Table<'s>> {
        let Some(header) = sheet.find_row(HEADER_WITHIN, |r| r.iter().any(|c| c.trim() == "id"))
        else {
            errors.push(sheet.error(
                0,
                None,
                None,
                format!(
                    "no header row: one of the first {HEADER_WITHIN} rows must hold the column names ({})",
                    expected.join(", ")
                ),
            ));
            return None;
        };
        let mut columns = HashMap::new();
        let before = errors.len();
        for (c, name) in sheet.row(header).iter().enumerate() {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            match expected.iter().find(|e| **e == name) {
                Some(e) => {
                    columns.entry(*e).or_insert(c as u32);
                }
                None => errors.push(sheet.error(
                    header,
                    Some(c as u32),
                    Some(name),
                    format!(
                        "unknown column \"{name}\"{} (expected the columns {})",
                        did_you_mean(name, expected.iter().copied()),
                        expected.join(", ")
                    ),
                )),
            }
        }
        for r in required {
            if !columns.contains_key(r) {
                errors.push(sheet.error(
                    header,
                    None,
                    Some(r),
                    format!("the header has no column \"{r}\""),
                ));
            }
        }
        (errors.len() == before).then_some(Table {
            sheet,
            header,
            columns,
        })
    }

    /// The data rows (0-based numbers), blank ones skipped.
    fn rows(&self) -> impl Iterator<Item = u32> + '_ {
        (self.header + 1..self.sheet.height()).filter(|r| !self.sheet.row_is_blank(*r))
    }

    /// The text of a column in a row, trimmed ("" when the column is absent).
    fn get(&self, row: u32, column: &str) -> &'s str {
        self.columns
            .get(column)
            .map_or("", |c| self.sheet.cell(row, *c).trim())
    }

    fn opt(&self, row: u32, column: &str) -> Option<String> {
        let v = self.get(row, column);
        (!v.is_empty()).then(|| v.to_owned())
    }

    fn error(&self, row: u32, column: &'static str, message: String) -> CellError {
        self.sheet.error(
            row,
            self.columns.get(column).copied(),
            Some(column),
            message,
        )
    }

    /// An id: present, usable in file names and references, and not used on an earlier row.
    fn id(
        &self,
        row: u32,
        column: &'static str,
        seen: &mut HashMap<String, u32>,
        errors: &mut Vec<CellError>,
    ) -> Option<String> {
        let id = self.get(row, column);
        if id.is_empty() {
            errors.push(self.error(row, column, "an id is needed here".to_owned()));
            return None;
        }
        if !valid_id(id) {
            errors.push(self.error(
                row,
                column,
                format!(
                    "\"{id}\" cannot be an id: use letters, digits and - _ . : only, starting with a letter or digit (for example \"{}\")",
                    demarc_formats::init::slug(id)
                ),
            ));
            return None;
        }
        if let Some(first) = seen.insert(id.to_owned(), row) {
            errors.push(self.error(
                row,
                column,
                format!("the id \"{id}\" is already used on row {}", first + 1),
            ));
            return None;
        }
        Some(id.to_owned())
    }

    /// A required text (a name, a title).
    fn required(
        &self,
        row: u32,
        column: &'static str,
        errors: &mut Vec<CellError>,
    ) -> Option<String> {
        let v = self.opt(row, column);
        if v.is_none() {
            errors.push(self.error(row, column, format!("the {column} is needed here")));
        }
        v
    }

    /// A yes/no cell: empty is no.
    fn yes_no(&self, row: u32, column: &'static str, errors: &mut Vec<CellError>) -> bool {
        match self.get(row, column).to_ascii_lowercase().as_str() {
            "" | "no" | "n" | "false" | "0" => false,
            "yes" | "y" | "true" | "1" | "x" => true,
            other => {
                errors.push(self.error(
                    row,
                    column,
                    format!("expected yes or no (or nothing), found \"{other}\""),
                ));
                false
            }
        }
    }
}

/// The parties, and the id of the one marked as the organisation.
fn parties(sheet: &Sheet, errors: &mut Vec<CellError>) -> (Vec<Party>, String) {
    let Some(t) = Table::new(
        sheet,
        &PARTY_COLUMNS,
        &["id", "name", "organisation"],
        errors,
    ) else {
        return (Vec::new(), String::new());
    };
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    let mut organisation: Option<(String, u32)> = None;
    for r in t.rows() {
        let id = t.id(r, "id", &mut seen, errors);
        let name = t.required(r, "name", errors);
        let is_org = t.yes_no(r, "organisation", errors);
        let mut roles = Vec::new();
        let mut role_ids = HashMap::new();
        for line in t.get(r, "roles").lines() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (rid, rname) = match line.split_once(':') {
                Some((i, n)) => (i.trim(), n.trim()),
                None => (line, line),
            };
            if !valid_id(rid) {
                errors.push(t.error(
                    r,
                    "roles",
                    format!(
                        "\"{rid}\" cannot be a role id: write one role per line as id: name, for example \"dpo: Data protection officer\""
                    ),
                ));
                continue;
            }
            if role_ids.insert(rid.to_owned(), ()).is_some() {
                errors.push(t.error(r, "roles", format!("the role \"{rid}\" is listed twice")));
                continue;
            }
            roles.push(Role {
                id: rid.to_owned(),
                name: if rname.is_empty() { rid } else { rname }.to_owned(),
                loc: None,
            });
        }
        let (Some(id), Some(name)) = (id, name) else {
            continue;
        };
        if is_org {
            if let Some((first, row)) = &organisation {
                errors.push(t.error(
                    r,
                    "organisation",
                    format!(
                        "only one party is the organisation the model is for, and row {} already says {first} is",
                        row + 1
                    ),
                ));
            } else {
                organisation = Some((id.clone(), r));
            }
        }
        out.push(Party {
            id,
            name,
            kind: t.opt(r, "kind"),
            description: t.opt(r, "description"),
            roles,
            people: Vec::new(),
            loc: None,
        });
    }
    let customer = match organisation {
        Some((id, _)) => id,
        None => {
            if errors.is_empty() {
                errors.push(t.error(
                    t.header,
                    "organisation",
                    "no party is marked as the organisation the model is for: write yes in the organisation column of its row".to_owned(),
                ));
            }
            String::new()
        }
    };
    (out, customer)
}

fn services(sheet: &Sheet, errors: &mut Vec<CellError>) -> Vec<Service> {
    let Some(t) = Table::new(sheet, &SERVICE_COLUMNS, &["id", "name", "provider"], errors) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = HashMap::new();
    for r in t.rows() {
        let id = t.id(r, "id", &mut seen, errors);
        let name = t.required(r, "name", errors);
        let provider = t.required(r, "provider", errors);
        let model = match t.get(r, "service_model").to_ascii_lowercase().as_str() {
            "" => None,
            m => {
                let parsed = ServiceModel::parse(m);
                if parsed.is_none() {
                    errors.push(t.error(
                        r,
                        "service_model",
                        format!(
                            "unknown service model \"{m}\", expected one of {} (or nothing)",
                            ServiceModel::ALL.map(ServiceModel::as_str).join(", ")
                        ),
                    ));
                }
                parsed
            }
        };
        let evidence = match matrix_csv::parse_evidence(t.get(r, "evidence")) {
            Ok(e) => e,
            Err(m) => {
                errors.push(t.error(r, "evidence", m));
                Vec::new()
            }
        };
        let (Some(id), Some(name), Some(provider)) = (id, name, provider) else {
            continue;
        };
        out.push(Service {
            id,
            name,
            description: t.opt(r, "description"),
            provider: Ref::new(provider),
            customer: t.opt(r, "customer").map(Ref::new),
            model,
            built_on: t
                .get(r, "built_on")
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(Ref::new)
                .collect(),
            presets: None,
            contract: t.opt(r, "contract"),
            evidence,
            components: Vec::new(),
            loc: None,
        });
    }
    out
}

/// The responsibilities, grouped into their areas in the order the areas first appear.
fn areas(sheet: &Sheet, errors: &mut Vec<CellError>) -> Vec<Area> {
    let Some(t) = Table::new(
        sheet,
        &RESPONSIBILITY_COLUMNS,
        &["id", "area", "title"],
        errors,
    ) else {
        return Vec::new();
    };
    let mut areas: Vec<Area> = Vec::new();
    let mut seen = HashMap::new();
    for r in t.rows() {
        let id = t.id(r, "id", &mut seen, errors);
        let area = t.get(r, "area");
        if area.is_empty() || !valid_id(area) {
            errors.push(t.error(
                r,
                "area",
                format!(
                    "expected the id of the responsibility's area (letters, digits and - _ . :), found \"{area}\""
                ),
            ));
        }
        let title = t.required(r, "title", errors);
        let layer = match t.get(r, "layer") {
            "" => Layer::default(),
            l => Layer::parse(&l.to_ascii_lowercase()).unwrap_or_else(|| {
                errors.push(t.error(
                    r,
                    "layer",
                    format!(
                        "unknown layer \"{l}\", expected one of {}",
                        Layer::ALL.map(Layer::as_str).join(", ")
                    ),
                ));
                Layer::default()
            }),
        };
        let retained = t.yes_no(r, "retained", errors);
        let (Some(id), Some(title)) = (id, title) else {
            continue;
        };
        let resp = Responsibility {
            id,
            title,
            description: t.opt(r, "description"),
            layer,
            retained,
            ..Responsibility::default()
        };
        match areas.iter_mut().find(|a| a.id == area) {
            Some(a) => a.responsibilities.push(resp),
            None => areas.push(Area {
                id: area.to_owned(),
                title: t.opt(r, "area_title").unwrap_or_else(|| area.to_owned()),
                description: None,
                catalogue: NEW_CATALOGUE_ID.to_owned(),
                responsibilities: vec![resp],
                loc: None,
            }),
        }
    }
    areas
}
