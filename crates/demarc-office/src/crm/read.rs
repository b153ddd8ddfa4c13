//! Reading a CIS/CRM workbook ([`read`]) and turning it into a model ([`import`]).

use std::collections::{BTreeMap, HashMap, HashSet};

use demarc_core::model::{
    Allocation, Area, CatalogueInfo, Implementation, Layer, Model, Party, Ref, Responsibility,
    Service, ServiceAllocations, Statement, Status, Task, Terms,
};

use super::{
    Answer, Baseline, ControlId, MAPPING, NOT_INHERITABLE, Origin, StatusMark, control_label,
    family_name, natural_key, norm, parse_control_id, statement_label,
};
use demarc_formats::init::slug_or as slug;

use crate::workbook::{CellError, Sheet, Workbook};
use crate::{ImportError, Imported};

/// How many rows from the top a header row is looked for.
const HEADER_SEARCH_ROWS: u32 = 40;

/// Titles of controls, from their OSCAL ids (`ac-2` → "Account Management").
pub type Titles<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The choices of `demarc import crm`.
#[derive(Clone, Debug, Default)]
pub struct CrmImport {
    /// The baseline whose worksheets to read (`high`, `moderate`, `low`, `li-saas`), when the
    /// workbook has more than one filled in.
    pub baseline: Option<String>,
    /// The provider's name (default: from the workbook).
    pub provider: Option<String>,
    /// The service's id (default: from the system's name in the workbook).
    pub service: Option<String>,
}

/// The CIS worksheet as found: where its columns are, and its rows as written.
#[derive(Clone, Debug)]
pub struct CisSheet {
    pub name: String,
    /// 0-based row of the "Control ID" header.
    pub header_row: u32,
    pub id_col: u32,
    pub status_cols: Vec<(StatusMark, u32)>,
    pub origin_cols: Vec<(Origin, u32)>,
    /// Header text of each column found, for messages.
    pub headers: BTreeMap<u32, String>,
    pub rows: Vec<CisRow>,
}

/// One row of the CIS worksheet.
#[derive(Clone, Debug)]
pub struct CisRow {
    /// 0-based row in the sheet.
    pub row: u32,
    /// The control id as written (trimmed).
    pub id: String,
    /// The status columns ticked, in column order.
    pub statuses: Vec<StatusMark>,
    /// The origination columns ticked, in column order.
    pub origins: Vec<Origin>,
}

/// The CRM worksheet as found.
#[derive(Clone, Debug)]
pub struct CrmSheet {
    pub name: String,
    pub header_row: u32,
    pub id_col: u32,
    pub answer_col: u32,
    pub text_col: Option<u32>,
    pub headers: BTreeMap<u32, String>,
    pub rows: Vec<CrmRow>,
}

/// One row of the CRM worksheet.
#[derive(Clone, Debug)]
pub struct CrmRow {
    pub row: u32,
    pub id: String,
    /// "Can Be Inherited from CSP", when it is one of Yes / Partial / No.
    pub answer: Option<Answer>,
    /// The customer-responsibility text, trimmed (line ends as `\n`).
    pub text: String,
}

/// What a workbook says, as written: the worksheets of one baseline and the names in it.
#[derive(Clone, Debug)]
pub struct Read {
    pub baseline: Option<Baseline>,
    pub cis: Option<CisSheet>,
    pub crm: Option<CrmSheet>,
    /// The "CSP" of the Instructions sheet.
    pub provider_name: Option<String>,
    /// The "System Name" of the Instructions sheet.
    pub system_name: Option<String>,
    /// The pre-existing authorization named in the "Inherited from ..." header.
    pub upstream_name: Option<String>,
    /// Things not understood, each with its place.
    pub notes: Vec<CellError>,
}

// ---------------------------------------------------------------------------------------------
// Finding the worksheets

struct CisLayout {
    header_row: u32,
    id_col: u32,
    data_start: u32,
    status_cols: Vec<(StatusMark, u32)>,
    origin_cols: Vec<(Origin, u32)>,
    headers: BTreeMap<u32, String>,
    /// Header cells not understood: (row, col, text).
    unknown: Vec<(u32, u32, String)>,
}

struct CrmLayout {
    header_row: u32,
    id_col: u32,
    answer_col: u32,
    text_col: Option<u32>,
    headers: BTreeMap<u32, String>,
    unknown: Vec<(u32, String)>,
}

fn control_id_cell(row: &[String]) -> Option<u32> {
    row.iter()
        .position(|c| norm(c) == "control id")
        .map(|c| c as u32)
}

/// The CIS layout of a sheet: a "Control ID" header and, on its row or the two below, the
/// status and origination headers (at least three of them).
fn cis_layout(sheet: &Sheet) -> Option<CisLayout> {
    for r in 0..sheet.height().min(HEADER_SEARCH_ROWS) {
        let Some(id_col) = control_id_cell(sheet.row(r)) else {
            continue;
        };
        let mut status_cols = Vec::new();
        let mut origin_cols = Vec::new();
        let mut headers = BTreeMap::new();
        let mut unknown = Vec::new();
        let mut last = r;
        for hr in r..(r + 3).min(sheet.height()) {
            for (c, text) in sheet.row(hr).iter().enumerate() {
                let c = c as u32;
                let n = norm(text);
                if n.is_empty() || c == id_col {
                    continue;
                }
                if let Some(m) = StatusMark::ALL
                    .into_iter()
                    .find(|m| m.matches(&n) && !status_cols.iter().any(|(x, _)| x == m))
                {
                    status_cols.push((m, c));
                } else if let Some(o) = Origin::ALL
                    .into_iter()
                    .find(|o| o.matches(&n) && !origin_cols.iter().any(|(x, _)| x == o))
                {
                    origin_cols.push((o, c));
                } else {
                    if hr > r
                        && !matches!(n.as_str(), "implementation status" | "control origination")
                    {
                        unknown.push((hr, c, text.trim().to_owned()));
                    }
                    continue;
                }
                headers.insert(c, text.trim().to_owned());
                last = last.max(hr);
            }
        }
        if status_cols.len() + origin_cols.len() >= 3 && !origin_cols.is_empty() {
            headers.insert(id_col, "Control ID".to_owned());
            // Header cells of the "Control ID" row that are neither group titles nor columns.
            for (c, text) in sheet.row(r).iter().enumerate() {
                let c = c as u32;
                let n = norm(text);
                if !n.is_empty()
                    && !headers.contains_key(&c)
                    && !matches!(n.as_str(), "implementation status" | "control origination")
                {
                    unknown.push((r, c, text.trim().to_owned()));
                }
            }
            unknown.retain(|(_, c, _)| !headers.contains_key(c));
            return Some(CisLayout {
                header_row: r,
                id_col,
                data_start: last + 1,
                status_cols,
                origin_cols,
                headers,
                unknown,
            });
        }
    }
    None
}

/// The CRM layout of a sheet: "Control ID" and "Can Be Inherited ..." on one row.
fn crm_layout(sheet: &Sheet) -> Option<CrmLayout> {
    for r in 0..sheet.height().min(HEADER_SEARCH_ROWS) {
        let row = sheet.row(r);
        let Some(id_col) = control_id_cell(row) else {
            continue;
        };
        let Some(answer_col) = row
            .iter()
            .position(|c| norm(c).starts_with("can be inherited"))
            .map(|c| c as u32)
        else {
            continue;
        };
        let text_col = row
            .iter()
            .enumerate()
            .find(|(c, t)| {
                let n = norm(t);
                *c as u32 != id_col
                    && *c as u32 != answer_col
                    && n.contains("responsibilit")
                    && !n.contains("internal")
                    && !n.contains("comment")
            })
            .map(|(c, _)| c as u32);
        let mut headers = BTreeMap::new();
        let mut unknown = Vec::new();
        for (c, t) in row.iter().enumerate() {
            let c = c as u32;
            if t.trim().is_empty() {
                continue;
            }
            if c == id_col || c == answer_col || Some(c) == text_col {
                headers.insert(c, t.trim().to_owned());
            } else {
                unknown.push((c, t.trim().to_owned()));
            }
        }
        return Some(CrmLayout {
            header_row: r,
            id_col,
            answer_col,
            text_col,
            headers,
            unknown,
        });
    }
    None
}

fn is_mark(v: &str) -> bool {
    matches!(v, "X" | "x" | "✓" | "✔" | "☑" | "✗" | "×")
}

fn read_cis(sheet: &Sheet, l: CisLayout, notes: &mut Vec<CellError>) -> CisSheet {
    for (r, c, text) in &l.unknown {
        notes.push(sheet.error(
            *r,
            Some(*c),
            Some(text),
            "this column is not one of the CIS worksheet's status or origination columns: it is not read",
        ));
    }
    let header = |c: u32| l.headers.get(&c).map(String::as_str);
    let mut rows = Vec::new();
    for r in l.data_start..sheet.height() {
        let id = sheet.cell(r, l.id_col).trim().to_owned();
        let mut statuses = Vec::new();
        let mut origins = Vec::new();
        let mut any = false;
        let mut mark = |col: u32, notes: &mut Vec<CellError>| -> bool {
            let v = sheet.cell(r, col).trim();
            if v.is_empty() {
                return false;
            }
            any = true;
            if is_mark(v) {
                return true;
            }
            notes.push(sheet.error(
                r,
                Some(col),
                header(col),
                format!("expected X (or nothing) to tick this column, found \"{v}\"; not counted"),
            ));
            false
        };
        for &(m, c) in &l.status_cols {
            if mark(c, notes) {
                statuses.push((c, m));
            }
        }
        for &(o, c) in &l.origin_cols {
            if mark(c, notes) {
                origins.push((c, o));
            }
        }
        if id.is_empty() {
            if any {
                notes.push(sheet.error(
                    r,
                    Some(l.id_col),
                    Some("Control ID"),
                    "this row has marks but no control id: it is left out",
                ));
            }
            continue;
        }
        statuses.sort();
        origins.sort();
        rows.push(CisRow {
            row: r,
            id,
            statuses: statuses.into_iter().map(|(_, m)| m).collect(),
            origins: origins.into_iter().map(|(_, o)| o).collect(),
        });
    }
    CisSheet {
        name: sheet.name.clone(),
        header_row: l.header_row,
        id_col: l.id_col,
        status_cols: l.status_cols,
        origin_cols: l.origin_cols,
        headers: l.headers,
        rows,
    }
}

fn read_crm(sheet: &Sheet, l: CrmLayout, notes: &mut Vec<CellError>) -> CrmSheet {
    for (c, text) in &l.unknown {
        notes.push(sheet.error(
            l.header_row,
            Some(*c),
            Some(text),
            "this column is not read: demarc reads the control id, \"Can Be Inherited from CSP\" and the customer responsibilities",
        ));
    }
    if l.text_col.is_none() {
        notes.push(sheet.error(
            l.header_row,
            None,
            None,
            "no column of customer responsibilities (a header with \"Responsibilities\") was found: customer tasks have no description",
        ));
    }
    let header = |c: u32| l.headers.get(&c).map(String::as_str);
    let mut rows = Vec::new();
    for r in l.header_row + 1..sheet.height() {
        let id = sheet.cell(r, l.id_col).trim().to_owned();
        let raw_answer = sheet.cell(r, l.answer_col).trim();
        let text = l
            .text_col
            .map(|c| clean_text(sheet.cell(r, c)))
            .unwrap_or_default();
        if id.is_empty() {
            if !raw_answer.is_empty() || !text.is_empty() {
                notes.push(sheet.error(
                    r,
                    Some(l.id_col),
                    header(l.id_col),
                    "this row has an answer or text but no control id: it is left out",
                ));
            }
            continue;
        }
        let answer = if raw_answer.is_empty() {
            None
        } else {
            let a = Answer::parse(raw_answer);
            if a.is_none() {
                notes.push(sheet.error(
                    r,
                    Some(l.answer_col),
                    header(l.answer_col),
                    format!(
                        "expected Yes, Partial or No, found \"{raw_answer}\"; read as no answer"
                    ),
                ));
            }
            a
        };
        rows.push(CrmRow {
            row: r,
            id,
            answer,
            text,
        });
    }
    CrmSheet {
        name: sheet.name.clone(),
        header_row: l.header_row,
        id_col: l.id_col,
        answer_col: l.answer_col,
        text_col: l.text_col,
        headers: l.headers,
        rows,
    }
}

/// Text as kept in the model: line ends `\n`, no spaces at the ends of lines or of the whole.
fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_owned()
}

/// The name in parentheses at the end of a header: "... Authorization (AWS GovCloud)" →
/// "AWS GovCloud" (nested parentheses kept).
fn trailing_name(header: &str, after: &str) -> Option<String> {
    let lower = header.to_ascii_lowercase();
    let start = match lower.find(after) {
        Some(i) => i + after.len(),
        None => return None,
    };
    let rest = header.get(start..)?.trim();
    let rest = rest.strip_prefix('(')?.strip_suffix(')')?.trim();
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// A value of the Instructions sheet that is filled in (not the template's `<CSP Name>`).
fn filled(v: &str) -> Option<String> {
    let t = v.trim();
    let placeholder = t.starts_with('<') && t.ends_with('>');
    (!t.is_empty() && !placeholder).then(|| t.to_owned())
}

/// "CSP", "System Name" and "Impact Level" under their headers, from any sheet.
fn instructions(book: &Workbook) -> (Option<String>, Option<String>, Option<String>) {
    for sheet in &book.sheets {
        for r in 0..sheet.height().min(80) {
            let row = sheet.row(r);
            let col = |name: &str| row.iter().position(|c| norm(c) == name);
            let (csp, system) = (col("csp"), col("system name"));
            if csp.is_none() || system.is_none() {
                continue;
            }
            let value = |c: Option<usize>| c.and_then(|c| filled(sheet.cell(r + 1, c as u32)));
            return (value(csp), value(system), value(col("impact level")));
        }
    }
    (None, None, None)
}

/// Find the worksheets of one baseline (see the module documentation).
pub fn read(book: &Workbook, baseline: Option<Baseline>) -> Result<Read, ImportError> {
    let mut notes = Vec::new();
    if book.sheets.is_empty() {
        return Err(ImportError::Other("the workbook has no sheets".to_owned()));
    }
    // Worksheets by baseline (None: a sheet name without one, as in the rev4-era template).
    let mut cis: BTreeMap<Option<Baseline>, Vec<(usize, CisLayout)>> = BTreeMap::new();
    let mut crm: BTreeMap<Option<Baseline>, Vec<(usize, CrmLayout)>> = BTreeMap::new();
    for (i, sheet) in book.sheets.iter().enumerate() {
        if norm(&sheet.name).contains("example") {
            continue;
        }
        let b = Baseline::of_sheet(&sheet.name);
        if let Some(l) = cis_layout(sheet) {
            cis.entry(b).or_default().push((i, l));
        } else if let Some(l) = crm_layout(sheet) {
            crm.entry(b).or_default().push((i, l));
        }
    }
    if cis.is_empty() && crm.is_empty() {
        return Err(ImportError::Cells(
            book.sheets
                .iter()
                .map(|s| {
                    s.error(
                        0,
                        None,
                        None,
                        "not a CIS or CRM worksheet: none of its first 40 rows is a header with \"Control ID\" and the CIS columns (\"Implemented\", ..., \"Inherited from Pre-Existing Authorization\") or the CRM column \"Can Be Inherited from CSP\"",
                    )
                })
                .collect(),
        ));
    }
    let keys: Vec<Option<Baseline>> = cis
        .keys()
        .chain(crm.keys())
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let sheet_filled = |k: &Option<Baseline>| -> bool {
        let cis_filled = cis.get(k).is_some_and(|v| {
            v.iter().any(|(i, l)| {
                let s = &book.sheets[*i];
                (l.data_start..s.height()).any(|r| {
                    l.status_cols
                        .iter()
                        .map(|x| x.1)
                        .chain(l.origin_cols.iter().map(|x| x.1))
                        .any(|c| !s.cell(r, c).trim().is_empty())
                })
            })
        });
        let crm_filled = crm.get(k).is_some_and(|v| {
            v.iter().any(|(i, l)| {
                let s = &book.sheets[*i];
                (l.header_row + 1..s.height()).any(|r| {
                    !s.cell(r, l.answer_col).trim().is_empty()
                        || l.text_col.is_some_and(|c| !s.cell(r, c).trim().is_empty())
                })
            })
        });
        cis_filled || crm_filled
    };
    let names_of = |k: &Option<Baseline>| -> Vec<(usize, u32)> {
        cis.get(k)
            .into_iter()
            .flatten()
            .map(|(i, l)| (*i, l.header_row))
            .chain(
                crm.get(k)
                    .into_iter()
                    .flatten()
                    .map(|(i, l)| (*i, l.header_row)),
            )
            .collect()
    };
    let label = |k: &Option<Baseline>| k.map_or("(no baseline in the name)", |b| b.label());
    let choices = keys
        .iter()
        .filter_map(|k| k.map(Baseline::as_str))
        .collect::<Vec<_>>()
        .join(", ");
    let chosen: Option<Baseline> = match baseline {
        Some(b) if keys.contains(&Some(b)) => Some(b),
        Some(_) if keys.contains(&None) => None,
        Some(b) => {
            return Err(ImportError::Cells(
                keys.iter()
                    .flat_map(&names_of)
                    .map(|(i, r)| {
                        book.sheets[i].error(
                            r,
                            None,
                            None,
                            format!(
                                "this worksheet is for the {} baseline, not {}: the workbook has no {} worksheets (choose --baseline {choices})",
                                label(&Baseline::of_sheet(&book.sheets[i].name)),
                                b.label(),
                                b.label()
                            ),
                        )
                    })
                    .collect(),
            ));
        }
        None => {
            let filled: Vec<Option<Baseline>> =
                keys.iter().copied().filter(|k| sheet_filled(k)).collect();
            match (filled.as_slice(), keys.as_slice()) {
                ([one], _) => *one,
                ([], [one]) => *one,
                (many, _) => {
                    let what = if many.is_empty() {
                        "no worksheet is filled in, and the workbook has worksheets for several baselines".to_owned()
                    } else {
                        format!(
                            "worksheets of several baselines are filled in ({})",
                            many.iter().map(label).collect::<Vec<_>>().join(", ")
                        )
                    };
                    let among: &[Option<Baseline>] = if many.is_empty() { &keys } else { many };
                    return Err(ImportError::Cells(
                        among
                            .iter()
                            .flat_map(&names_of)
                            .map(|(i, r)| {
                                book.sheets[i].error(
                                    r,
                                    None,
                                    None,
                                    format!(
                                        "{what}: say which to read with --baseline ({choices})"
                                    ),
                                )
                            })
                            .collect(),
                    ));
                }
            }
        }
    };

    let (provider_name, system_name, impact) = instructions(book);
    let baseline_label = chosen
        .or(baseline)
        .or_else(|| impact.as_deref().and_then(Baseline::parse));

    let mut take_first = |list: Option<Vec<(usize, CisLayout)>>| -> Option<(usize, CisLayout)> {
        let mut list = list?.into_iter();
        let first = list.next()?;
        for (i, l) in list {
            notes.push(book.sheets[i].error(
                l.header_row,
                None,
                None,
                format!(
                    "another CIS worksheet of the same baseline: only \"{}\" is read",
                    book.sheets[first.0].name
                ),
            ));
        }
        Some(first)
    };
    let cis_sheet = take_first(cis.remove(&chosen));
    let crm_sheet = {
        let mut list = crm.remove(&chosen).unwrap_or_default().into_iter();
        let first = list.next();
        if let Some(f) = &first {
            for (i, l) in list {
                notes.push(book.sheets[i].error(
                    l.header_row,
                    None,
                    None,
                    format!(
                        "another CRM worksheet of the same baseline: only \"{}\" is read",
                        book.sheets[f.0].name
                    ),
                ));
            }
        }
        first
    };

    let cis = cis_sheet.map(|(i, l)| read_cis(&book.sheets[i], l, &mut notes));
    let crm = crm_sheet.map(|(i, l)| read_crm(&book.sheets[i], l, &mut notes));
    let header_of = |o: Origin| -> Option<String> {
        let c = cis.as_ref()?;
        let col = c.origin_cols.iter().find(|x| x.0 == o)?.1;
        c.headers.get(&col).cloned()
    };
    let upstream_name =
        header_of(Origin::Inherited).and_then(|h| trailing_name(&h, "authorization"));
    let provider_name = provider_name.or_else(|| {
        header_of(Origin::ProviderCorporate).and_then(|h| trailing_name(&h, "corporate"))
    });
    let system_name = system_name.or_else(|| {
        header_of(Origin::ProviderSystem).and_then(|h| trailing_name(&h, "system specific"))
    });
    Ok(Read {
        baseline: baseline_label,
        cis,
        crm,
        provider_name,
        system_name,
        upstream_name,
        notes,
    })
}

// ---------------------------------------------------------------------------------------------
// From rows to allocations

/// One part of a control (a statement row, or the control's own row): the CIS row and the CRM
/// row with the same id.
struct Part<'a> {
    statement: Option<String>,
    cis: Option<&'a CisRow>,
    crm: Option<&'a CrmRow>,
}

/// The rows of one control.
struct ControlRows<'a> {
    /// The responsibility id (`ac-2.1`, or a model's own responsibility id).
    id: String,
    /// As the workbook writes it (`AC-2(1)`).
    label: String,
    nist: bool,
    parts: Vec<Part<'a>>,
}

/// What one part says, read.
#[derive(Clone, Debug, Default)]
struct Facts {
    na_only: bool,
    implementation: Option<Implementation>,
    p: bool,
    c: bool,
    s: bool,
    i: bool,
    answer: Option<Answer>,
    text: String,
    empty: bool,
}

impl Facts {
    fn sides(&self) -> bool {
        self.p || self.c || self.s || self.i
    }
}

fn facts(
    part: &Part<'_>,
    cis_sheet: Option<&CisSheet>,
    sheets: &Workbook,
    notes: &mut Vec<CellError>,
) -> Facts {
    let mut f = Facts::default();
    let statuses = part.cis.map(|r| r.statuses.as_slice()).unwrap_or(&[]);
    let origins = part.cis.map(|r| r.origins.as_slice()).unwrap_or(&[]);
    f.answer = part.crm.and_then(|r| r.answer);
    f.text = part.crm.map(|r| r.text.clone()).unwrap_or_default();
    f.empty = statuses.is_empty() && origins.is_empty() && f.answer.is_none() && f.text.is_empty();
    let na = statuses.contains(&StatusMark::NotApplicable);
    let others: Vec<StatusMark> = statuses
        .iter()
        .copied()
        .filter(|m| *m != StatusMark::NotApplicable)
        .collect();
    f.na_only = na && others.is_empty();
    // Several statuses: the least complete one.
    let rank = |m: &StatusMark| match m {
        StatusMark::Planned => 0,
        StatusMark::Partial => 1,
        StatusMark::Alternative => 2,
        _ => 3,
    };
    let chosen = others.iter().min_by_key(|m| rank(m)).copied();
    f.implementation = chosen.and_then(StatusMark::implementation);
    if statuses.len() > 1
        && let (Some(row), Some(sheet), Some(m)) = (part.cis, cis_sheet, chosen)
        && let Some(s) = sheets.sheet(&sheet.name)
    {
        let ticked: Vec<&str> = statuses.iter().map(|m| m.header()).collect();
        notes.push(s.error(
            row.row,
            None,
            None,
            format!(
                "{} ticks several implementation statuses ({}): read as \"{}\"",
                row.id,
                ticked.join(", "),
                m.header()
            ),
        ));
    }
    for o in origins {
        f.p |= o.is_provider();
        f.c |= o.is_customer();
        f.s |= *o == Origin::Shared;
        f.i |= *o == Origin::Inherited;
    }
    if !f.sides() && !f.na_only {
        match f.answer {
            Some(Answer::Yes) => f.p = true,
            Some(Answer::Partial) => f.s = true,
            Some(Answer::No) => f.c = true,
            None => {}
        }
    }
    f
}

/// The status a control takes from what its live parts say together.
fn status_of(live: &[Facts]) -> Status {
    let (mut p, mut c, mut s, mut i) = (false, false, false, false);
    for f in live {
        p |= f.p;
        c |= f.c;
        s |= f.s;
        i |= f.i;
    }
    if i {
        Status::Inherited
    } else if s || (p && c) {
        Status::Shared
    } else if p {
        Status::Supplier
    } else {
        Status::Customer
    }
}

fn owner_task(owner: &str, statement: Option<&str>, description: Option<String>) -> Task {
    Task {
        owners: vec![Ref::new(owner)],
        statement: statement.map(str::to_owned),
        terms: Terms {
            description,
            ..Terms::default()
        },
        ..Task::default()
    }
}

/// The tasks of one part under a control of status `x`, and the text the row itself carries
/// (`carrier_ok`: there is a row-level place for it, which is so when the control is read as
/// a whole).
fn part_tasks(
    x: Status,
    f: &Facts,
    statement: Option<&str>,
    carrier_ok: bool,
) -> (Vec<Task>, Option<String>) {
    let text = (!f.text.is_empty()).then(|| f.text.clone());
    if x == Status::Customer {
        return match text {
            None => (Vec::new(), None),
            Some(t) if carrier_ok => (Vec::new(), Some(t)),
            Some(t) => (vec![owner_task("customer", statement, Some(t))], None),
        };
    }
    let provider_side = f.p || f.s || f.i;
    let provider_task = matches!(x, Status::Shared | Status::Inherited) && (f.p || f.s);
    let customer_task = f.c || f.s || matches!(f.answer, Some(Answer::Partial | Answer::No));
    let to_provider = if f.answer == Some(Answer::Yes) {
        provider_side
    } else {
        !customer_task
    };
    let (mut provider_text, mut customer_text, mut carrier) = (None, None, None);
    let mut make_provider = provider_task;
    if let Some(t) = text {
        if !to_provider {
            customer_text = Some(t);
        } else if provider_task {
            provider_text = Some(t);
        } else if carrier_ok {
            carrier = Some(t);
        } else {
            provider_text = Some(t);
            make_provider = true;
        }
    }
    let mut tasks = Vec::new();
    if make_provider {
        tasks.push(owner_task("provider", statement, provider_text));
    }
    if customer_task {
        let mut t = owner_task("customer", statement, customer_text);
        if f.answer == Some(Answer::No) {
            t.terms.scope = Some(NOT_INHERITABLE.to_owned());
        }
        tasks.push(t);
    }
    (tasks, carrier)
}

/// The allocation of one control, or `None` when the workbook says nothing about it.
fn allocation(
    control: &ControlRows<'_>,
    facts: &[Facts],
    notes: &mut Vec<CellError>,
    place: &dyn Fn(&Part<'_>) -> Option<CellError>,
) -> Option<Allocation> {
    let mut live: Vec<(usize, &Facts)> = Vec::new();
    let mut na: Vec<&Facts> = Vec::new();
    for (k, f) in facts.iter().enumerate() {
        if f.empty {
            continue;
        }
        if f.na_only {
            na.push(f);
        } else if f.sides() {
            live.push((k, f));
        } else if let Some(mut e) = place(&control.parts[k]) {
            e.message = format!(
                "{}: no origination is ticked and the CRM gives no answer, so who does it is not said; left undecided",
                e.message
            );
            notes.push(e);
        }
    }
    if live.is_empty() {
        if na.is_empty() {
            return None;
        }
        let mut texts: Vec<&str> = Vec::new();
        for f in &na {
            if !f.text.is_empty() && !texts.contains(&f.text.as_str()) {
                texts.push(&f.text);
            }
        }
        let reason = if texts.is_empty() {
            "Marked N/A in the provider's CIS worksheet.".to_owned()
        } else {
            texts.join("\n\n")
        };
        return Some(Allocation {
            responsibility: Ref::new(control.id.clone()),
            status: Status::NotApplicable,
            reason: Some(reason),
            ..Allocation::default()
        });
    }
    for (k, f) in facts.iter().enumerate() {
        if f.na_only
            && let Some(mut e) = place(&control.parts[k])
        {
            e.message = format!(
                "{}: marked N/A while other parts of {} apply; demarc keeps N/A for whole controls only, so this part is read with the rest of the control{}",
                e.message,
                control.label,
                if f.text.is_empty() {
                    ""
                } else {
                    " and its text is not kept"
                }
            );
            notes.push(e);
        }
    }
    let live_facts: Vec<Facts> = live.iter().map(|(_, f)| (*f).clone()).collect();
    let x = status_of(&live_facts);
    let impls: HashSet<Implementation> =
        live_facts.iter().filter_map(|f| f.implementation).collect();
    let implementation = match impls.len() {
        0 => None,
        1 => impls.into_iter().next(),
        _ => Some(Implementation::Partial),
    };
    let whole: Vec<(Vec<Task>, Option<String>)> = live
        .iter()
        .map(|(_, f)| part_tasks(x, f, None, true))
        .collect();
    let uniform = whole.windows(2).all(|w| w[0] == w[1]);
    let (tasks, carrier) = if uniform {
        whole.into_iter().next().unwrap_or_default()
    } else {
        let mut tasks = Vec::new();
        let mut carrier = None;
        for (k, f) in &live {
            let st = control.parts[*k].statement.as_deref();
            let (t, c) = part_tasks(x, f, st, st.is_none());
            tasks.extend(t);
            if carrier.is_none() {
                carrier = c;
            }
        }
        (tasks, carrier)
    };
    Some(Allocation {
        responsibility: Ref::new(control.id.clone()),
        status: x,
        terms: Terms {
            description: carrier,
            ..Terms::default()
        },
        tasks,
        implementation,
        ..Allocation::default()
    })
}

// ---------------------------------------------------------------------------------------------
// The model

/// Read a CIS/CRM workbook into a model (see the module documentation and `docs/crm.md`):
/// a new one, or `into` with the provider's service added or updated. `titles` gives a
/// control's title from its OSCAL id (`ac-2` → "Account Management"), from a catalog.
pub fn import(
    book: &Workbook,
    opts: &CrmImport,
    into: Option<&Model>,
    titles: Option<Titles<'_>>,
) -> Result<Imported, ImportError> {
    let baseline = match opts.baseline.as_deref() {
        None => None,
        Some(b) => Some(Baseline::parse(b).ok_or_else(|| {
            ImportError::Other(format!(
                "--baseline {b}: expected high, moderate, low or li-saas"
            ))
        })?),
    };
    if let Some(id) = &opts.service
        && !demarc_formats::yaml::valid_id(id)
    {
        return Err(ImportError::Other(format!(
            "--service {id}: not a valid id (use letters, digits and - _ . :, starting with a letter or digit)"
        )));
    }
    let read = read(book, baseline)?;
    let mut notes = read.notes.clone();

    // Which responsibility and statement each row stands for.
    let mut known: HashMap<String, (String, Option<String>)> = HashMap::new();
    if let Some(m) = into {
        for (_, r) in m.catalogue.responsibilities() {
            known.insert(r.id.clone(), (r.id.clone(), None));
            for s in &r.statements {
                known.insert(s.id.clone(), (r.id.clone(), Some(s.id.clone())));
            }
        }
    }
    let key_of = |text: &str| -> Option<(ControlId, bool)> {
        if let Some(c) = parse_control_id(text) {
            return Some((c, true));
        }
        known.get(text.trim()).map(|(r, s)| {
            (
                ControlId {
                    control: r.clone(),
                    statement: s.clone(),
                },
                false,
            )
        })
    };
    let mut controls: Vec<ControlRows<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut seen: HashMap<(String, Option<String>), (bool, bool, u32)> = HashMap::new();
    let not_an_id = |id: &str| {
        format!(
            "\"{id}\" is not a NIST SP 800-53 control id (like AC-2, AC-2(1) or AC-2(a)) nor a responsibility of the model: this row is left out"
        )
    };
    let mut add = |text: &str,
                   sheet: &Sheet,
                   row: u32,
                   col: u32,
                   is_cis: bool,
                   notes: &mut Vec<CellError>,
                   controls: &mut Vec<ControlRows<'_>>| {
        let Some((id, nist)) = key_of(text) else {
            notes.push(sheet.error(row, Some(col), Some("Control ID"), not_an_id(text)));
            return None;
        };
        let key = (id.control.clone(), id.statement.clone());
        let entry = seen.entry(key).or_insert((false, false, row));
        let dup = if is_cis { entry.0 } else { entry.1 };
        if dup {
            notes.push(sheet.error(
                row,
                Some(col),
                Some("Control ID"),
                format!(
                    "{} appears twice on this sheet (first on row {}): this row is left out",
                    text,
                    entry.2 + 1
                ),
            ));
            return None;
        }
        if is_cis {
            entry.0 = true;
        } else {
            entry.1 = true;
        }
        let ci = *index.entry(id.control.clone()).or_insert_with(|| {
            let label = if nist {
                control_label(&id.control).unwrap_or_else(|| id.control.clone())
            } else {
                id.control.clone()
            };
            controls.push(ControlRows {
                id: id.control.clone(),
                label,
                nist,
                parts: Vec::new(),
            });
            controls.len() - 1
        });
        let parts = &controls[ci].parts;
        let pi = parts.iter().position(|p| p.statement == id.statement);
        Some((ci, pi, id.statement))
    };
    if let Some(cis) = &read.cis
        && let Some(sheet) = book.sheet(&cis.name)
    {
        for row in &cis.rows {
            if let Some((ci, pi, st)) = add(
                &row.id,
                sheet,
                row.row,
                cis.id_col,
                true,
                &mut notes,
                &mut controls,
            ) {
                match pi {
                    Some(pi) => controls[ci].parts[pi].cis = Some(row),
                    None => controls[ci].parts.push(Part {
                        statement: st,
                        cis: Some(row),
                        crm: None,
                    }),
                }
            }
        }
    }
    if let Some(crm) = &read.crm
        && let Some(sheet) = book.sheet(&crm.name)
    {
        for row in &crm.rows {
            if let Some((ci, pi, st)) = add(
                &row.id,
                sheet,
                row.row,
                crm.id_col,
                false,
                &mut notes,
                &mut controls,
            ) {
                match pi {
                    Some(pi) => controls[ci].parts[pi].crm = Some(row),
                    None => controls[ci].parts.push(Part {
                        statement: st,
                        cis: None,
                        crm: Some(row),
                    }),
                }
            }
        }
    }

    // Where a part is, for notes: its CIS row, else its CRM row.
    let cis_sheet = read.cis.as_ref().and_then(|c| book.sheet(&c.name));
    let crm_sheet = read.crm.as_ref().and_then(|c| book.sheet(&c.name));
    let place = |p: &Part<'_>| -> Option<CellError> {
        if let (Some(r), Some(s)) = (p.cis, cis_sheet) {
            return Some(s.error(r.row, None, None, r.id.clone()));
        }
        if let (Some(r), Some(s)) = (p.crm, crm_sheet) {
            return Some(s.error(r.row, None, None, r.id.clone()));
        }
        None
    };

    // The allocations, and the warnings about blank customer text.
    let mut allocations: Vec<(usize, Option<Allocation>)> = Vec::new();
    let mut empty_rows = 0usize;
    let mut empty_controls = 0usize;
    for (ci, control) in controls.iter().enumerate() {
        let fs: Vec<Facts> = control
            .parts
            .iter()
            .map(|p| facts(p, read.cis.as_ref(), book, &mut notes))
            .collect();
        for (p, f) in control.parts.iter().zip(&fs) {
            if f.empty {
                empty_rows += 1;
                continue;
            }
            let shared_origin = p.cis.is_some_and(|r| r.origins.contains(&Origin::Shared));
            if read.crm.is_some()
                && !f.na_only
                && f.text.is_empty()
                && (f.answer == Some(Answer::Partial) || shared_origin)
            {
                let why = if f.answer == Some(Answer::Partial) {
                    "the CRM says Partial"
                } else {
                    "the CIS ticks Shared"
                };
                let e = match (p.crm, crm_sheet, &read.crm) {
                    (Some(r), Some(s), Some(c)) => s.error(
                        r.row,
                        c.text_col,
                        c.text_col.and_then(|t| c.headers.get(&t)).map(String::as_str),
                        format!(
                            "{}: {why}, but the customer's part is not described: the customer task has no description",
                            r.id
                        ),
                    ),
                    _ => match place(p) {
                        Some(mut e) => {
                            e.message = format!(
                                "{}: {why}, but the CRM worksheet has no row for it: the customer task has no description",
                                e.message
                            );
                            e
                        }
                        None => continue,
                    },
                };
                notes.push(e);
            }
        }
        let a = allocation(control, &fs, &mut notes, &place);
        if a.is_none() {
            empty_controls += 1;
        }
        allocations.push((ci, a));
    }
    if empty_rows > 0 {
        let (sheet, row) = match (&read.cis, &read.crm) {
            (Some(c), _) => (c.name.as_str(), c.header_row),
            (None, Some(c)) => (c.name.as_str(), c.header_row),
            (None, None) => ("", 0),
        };
        notes.push(CellError {
            sheet: sheet.to_owned(),
            row: row + 1,
            column: None,
            header: None,
            message: format!(
                "{empty_rows} row{} ha{} nothing filled in (no mark, no answer, no text): {empty_controls} control{} left undecided",
                plural(empty_rows),
                if empty_rows == 1 { "s" } else { "ve" },
                if empty_controls == 1 { " is" } else { "s are" },
            ),
        });
    }

    let mut b = Build {
        model: into.cloned().unwrap_or_default(),
        new: into.is_none(),
        notes: &mut notes,
    };
    let first_sheet = read
        .cis
        .as_ref()
        .map(|c| (c.name.clone(), c.header_row))
        .or_else(|| read.crm.as_ref().map(|c| (c.name.clone(), c.header_row)))
        .unwrap_or_default();
    let provider_name = match (&opts.provider, &read.provider_name) {
        (Some(p), _) => p.trim().to_owned(),
        (None, Some(p)) => p.clone(),
        (None, None) => {
            b.note(
                &first_sheet,
                "the workbook does not name the provider (the \"CSP\" of its Instructions sheet): \"Provider\" stands for it; give its name with --provider",
            );
            "Provider".to_owned()
        }
    };
    let system_name = read
        .system_name
        .clone()
        .unwrap_or_else(|| provider_name.clone());
    let cat_id = Baseline::catalogue_id(read.baseline);

    if b.new {
        b.model.name = format!("{system_name} — FedRAMP CIS/CRM workbook");
        b.model.parties.push(Party {
            id: "agency".to_owned(),
            name: "Customer agency".to_owned(),
            kind: Some("customer".to_owned()),
            description: Some(
                "Stands for the organisation that uses the service; the workbook does not name it. Rename it here.".to_owned(),
            ),
            ..Party::default()
        });
        b.model.customer = Ref::new("agency");
        b.model.catalogues = vec![format!("catalogue-{cat_id}.yaml")];
    }
    let provider = b.party(&provider_name, None);
    let service_id = opts
        .service
        .clone()
        .unwrap_or_else(|| slug(&system_name, "service"));
    let svc = b.service(
        &service_id,
        opts.service.is_none().then_some(system_name.as_str()),
        || Service {
            id: service_id.clone(),
            name: system_name.clone(),
            provider: Ref::new(provider.clone()),
            ..Service::default()
        },
    );
    if b.model.services[svc].provider.id != provider {
        let was = b.model.services[svc].provider.id.clone();
        b.note(
            &first_sheet,
            &format!(
                "the service {} is provided by {was} in the model, but the workbook names {provider_name}: the model's provider is kept",
                b.model.services[svc].id
            ),
        );
    }

    // The upstream service, when anything is inherited.
    let inherits = allocations
        .iter()
        .any(|(_, a)| a.as_ref().is_some_and(|a| a.status == Status::Inherited));
    let mut upstream: Option<usize> = None;
    if inherits {
        let name = match &read.upstream_name {
            Some(n) => n.clone(),
            None => {
                b.note(
                    &first_sheet,
                    "controls are inherited from a pre-existing authorization the workbook does not name (in the \"Inherited from Pre-Existing Authorization\" header): \"Pre-existing authorization\" stands for it; rename it in parties.yaml and services.yaml",
                );
                "Pre-existing authorization".to_owned()
            }
        };
        let id = slug(&name, "upstream");
        let found = b
            .model
            .services
            .iter()
            .position(|s| s.id == id || s.name.trim().eq_ignore_ascii_case(name.trim()));
        let u = match found {
            Some(u) => u,
            None => {
                let party = b.party(&name, Some(&provider));
                let provider_id = provider.clone();
                b.service(&id, None, || Service {
                    id: id.clone(),
                    name: name.clone(),
                    provider: Ref::new(party),
                    customer: Some(Ref::new(provider_id)),
                    ..Service::default()
                })
            }
        };
        let uid = b.model.services[u].id.clone();
        if !b.model.services[svc].built_on.iter().any(|r| r.id == uid) {
            b.model.services[svc].built_on.push(Ref::new(uid));
        }
        upstream = Some(u);
    }
    let from = match (upstream, b.model.services[svc].built_on.len()) {
        (Some(u), n) if n > 1 => Some(Ref::new(b.model.services[u].id.clone())),
        _ => None,
    };

    // The catalogue: a responsibility per control the model lacks.
    let mut info_needed = false;
    for control in &controls {
        let statements: Vec<String> = control
            .parts
            .iter()
            .filter_map(|p| p.statement.clone())
            .collect();
        if b.has_responsibility(&control.id) {
            b.add_statements(&control.id, &statements);
            continue;
        }
        if !control.nist {
            continue;
        }
        info_needed = true;
        let title = titles
            .and_then(|t| t(&control.id))
            .map(|t| format!("{} {}", control.label, t.trim()))
            .unwrap_or_else(|| control.label.clone());
        let family: String = control
            .id
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        let ai = b.area(&family, &cat_id);
        let mut statements_of: Vec<Statement> = statements
            .iter()
            .map(|s| Statement {
                id: s.clone(),
                text: statement_label(&control.id, s).unwrap_or_else(|| s.clone()),
            })
            .collect();
        statements_of.sort_by_key(|s| natural_key(&s.id));
        b.model.catalogue.areas[ai]
            .responsibilities
            .push(Responsibility {
                id: control.id.clone(),
                title,
                layer: Layer::Governance,
                mappings: BTreeMap::from([(MAPPING.to_owned(), vec![control.label.clone()])]),
                statements: statements_of,
                ..Responsibility::default()
            });
    }
    if info_needed && !b.model.catalogue.sources.iter().any(|s| s.id == cat_id) {
        let label = read.baseline.map_or("", |b| b.label());
        b.model.catalogue.sources.push(CatalogueInfo {
            id: cat_id.clone(),
            title: format!("FedRAMP {label} controls").replace("  ", " "),
            version: None,
            licence: Some("Control ids of NIST SP 800-53 (a US Government work, public domain); titles, where present, from the OSCAL catalog given".to_owned()),
            source: Some("The controls listed by a FedRAMP CIS/CRM workbook (SSP Appendix J), read by demarc import crm".to_owned()),
            description: Some("One responsibility per control; the parts of a control (AC-2(a)) are its statements.".to_owned()),
        });
        if !b.new {
            let name = format!("catalogue-{cat_id}.yaml");
            if !b.model.catalogues.contains(&name) {
                b.model.catalogues.push(name);
            }
        }
    }
    if b.new {
        b.model.catalogue.areas.sort_by_key(|a| natural_key(&a.id));
        for a in &mut b.model.catalogue.areas {
            a.responsibilities.sort_by_key(|r| natural_key(&r.id));
        }
    }

    // The service's rows, and the upstream service's.
    let service_ref = b.model.services[svc].id.clone();
    let mut rows: Vec<Allocation> = Vec::new();
    for (_, a) in &allocations {
        if let Some(a) = a {
            let mut a = a.clone();
            if a.status == Status::Inherited {
                a.from.clone_from(&from);
            }
            rows.push(a);
        }
    }
    let sides = Sides {
        provider: b.model.services[svc].provider.id.clone(),
        consumer: b.model.services[svc]
            .customer
            .as_ref()
            .map_or_else(|| b.model.customer.id.clone(), |c| c.id.clone()),
    };
    // Rows a preset of the model fills: a workbook row that says the same leaves them so.
    let mut preset_cells: HashMap<String, Allocation> = HashMap::new();
    if let Some(m) = into {
        let view = demarc_core::View::new(m);
        if let Some(s) = view.service_index(&service_ref) {
            for r in 0..view.responsibilities().len() as u32 {
                let cell = view.cell(s, r);
                if let (demarc_core::Origin::Preset(_), Some(a)) = (cell.origin, cell.allocation) {
                    preset_cells.insert(view.responsibility(r).id.clone(), a.clone());
                }
            }
        }
    }
    b.set_rows(&service_ref, rows, &sides, &preset_cells);
    if let Some(u) = upstream {
        let uid = b.model.services[u].id.clone();
        let existing: HashMap<String, Status> = b
            .model
            .allocations
            .iter()
            .filter(|g| g.service.id == uid)
            .flat_map(|g| g.cells.iter())
            .map(|c| (c.responsibility.id.clone(), c.status))
            .collect();
        let mut up_rows = Vec::new();
        for (ci, a) in &allocations {
            let Some(a) = a else { continue };
            let rid = &controls[*ci].id;
            match existing.get(rid) {
                None => up_rows.push(Allocation {
                    responsibility: Ref::new(rid.clone()),
                    status: if a.status == Status::Inherited {
                        Status::Supplier
                    } else {
                        Status::Customer
                    },
                    ..Allocation::default()
                }),
                Some(Status::Supplier | Status::Shared | Status::Inherited) => {}
                Some(s) if a.status == Status::Inherited => {
                    let msg = format!(
                        "{} is inherited from {uid}, but the model has it as {} there: the upstream row is kept, so demarc check will report it",
                        controls[*ci].label,
                        s.as_str()
                    );
                    b.note(&first_sheet, &msg);
                }
                Some(_) => {}
            }
        }
        b.add_rows(&uid, up_rows);
    }
    if b.new {
        let position: HashMap<String, usize> = b
            .model
            .catalogue
            .responsibilities()
            .enumerate()
            .map(|(i, (_, r))| (r.id.clone(), i))
            .collect();
        for g in &mut b.model.allocations {
            g.cells.sort_by_key(|c| {
                position
                    .get(&c.responsibility.id)
                    .copied()
                    .unwrap_or(usize::MAX)
            });
        }
    }
    let model = b.model;
    Ok(Imported { model, notes })
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The model being built or updated.
struct Build<'n> {
    model: Model,
    new: bool,
    notes: &'n mut Vec<CellError>,
}

impl Build<'_> {
    fn note(&mut self, (sheet, row): &(String, u32), message: &str) {
        self.notes.push(CellError {
            sheet: sheet.clone(),
            row: row + 1,
            column: None,
            header: None,
            message: message.to_owned(),
        });
    }

    /// The id of the party of this name: an existing one (by id or name), else a new one.
    fn party(&mut self, name: &str, avoid: Option<&str>) -> String {
        let id = slug(name, "party");
        if let Some(p) = self.model.parties.iter().find(|p| {
            (p.id == id || p.name.trim().eq_ignore_ascii_case(name.trim()))
                && Some(p.id.as_str()) != avoid
        }) {
            return p.id.clone();
        }
        let mut unique = if id == "provider" || id == "customer" {
            format!("{id}-org")
        } else {
            id
        };
        let base = unique.clone();
        let mut n = 2;
        while self.model.parties.iter().any(|p| p.id == unique) || Some(unique.as_str()) == avoid {
            unique = format!("{base}-{n}");
            n += 1;
        }
        self.model.parties.push(Party {
            id: unique.clone(),
            name: name.trim().to_owned(),
            ..Party::default()
        });
        unique
    }

    /// The index of the service with this id (or, when `name` is given, this name), made
    /// with `make` when there is none.
    fn service(&mut self, id: &str, name: Option<&str>, make: impl FnOnce() -> Service) -> usize {
        if let Some(i) = self.model.services.iter().position(|s| s.id == id) {
            return i;
        }
        if let Some(n) = name
            && let Some(i) = self
                .model
                .services
                .iter()
                .position(|s| s.name.trim().eq_ignore_ascii_case(n.trim()))
        {
            return i;
        }
        self.model.services.push(make());
        self.model.services.len() - 1
    }

    fn has_responsibility(&self, id: &str) -> bool {
        self.model
            .catalogue
            .responsibilities()
            .any(|(_, r)| r.id == id)
    }

    /// Statements the workbook names that an existing responsibility lacks.
    fn add_statements(&mut self, id: &str, statements: &[String]) {
        for area in &mut self.model.catalogue.areas {
            for r in &mut area.responsibilities {
                if r.id != id {
                    continue;
                }
                for s in statements {
                    if !r.statements.iter().any(|x| &x.id == s) {
                        r.statements.push(Statement {
                            id: s.clone(),
                            text: statement_label(id, s).unwrap_or_else(|| s.clone()),
                        });
                    }
                }
            }
        }
    }

    /// The area of a control family in our catalogue.
    fn area(&mut self, family: &str, cat_id: &str) -> usize {
        let mut id = family.to_owned();
        if let Some(i) = self.model.catalogue.areas.iter().position(|a| a.id == id) {
            if self.model.catalogue.areas[i].catalogue == cat_id {
                return i;
            }
            id = format!("{family}-{cat_id}");
            if let Some(i) = self.model.catalogue.areas.iter().position(|a| a.id == id) {
                return i;
            }
        }
        let title = match family_name(family) {
            Some(n) => format!("{n} ({})", family.to_ascii_uppercase()),
            None => family.to_ascii_uppercase(),
        };
        self.model.catalogue.areas.push(Area {
            id,
            title,
            catalogue: cat_id.to_owned(),
            ..Area::default()
        });
        self.model.catalogue.areas.len() - 1
    }

    /// Put these rows on the service. A row the service already has is updated in place
    /// ([`merge`]): what the workbook says replaces what it said, what a workbook cannot say
    /// (evidence, contracts, notes, roles, ...) is kept.
    fn set_rows(
        &mut self,
        service: &str,
        rows: Vec<Allocation>,
        sides: &Sides,
        presets: &HashMap<String, Allocation>,
    ) {
        let mut fresh = Vec::new();
        for row in rows {
            let old = self
                .model
                .allocations
                .iter_mut()
                .filter(|g| g.service.id == service)
                .flat_map(|g| g.cells.iter_mut())
                .find(|c| c.responsibility.id == row.responsibility.id);
            match old {
                Some(old) => *old = merge(old, row, sides),
                None => match presets.get(&row.responsibility.id) {
                    Some(p) => {
                        let mut m = merge(p, row, sides);
                        m.responsibility = Ref::new(m.responsibility.id.clone());
                        if m.without_locations() != p.without_locations() {
                            fresh.push(m);
                        }
                    }
                    None => fresh.push(row),
                },
            }
        }
        self.add_rows(service, fresh);
    }

    fn add_rows(&mut self, service: &str, rows: Vec<Allocation>) {
        if rows.is_empty() {
            return;
        }
        match self
            .model
            .allocations
            .iter_mut()
            .find(|g| g.service.id == service)
        {
            Some(g) => g.cells.extend(rows),
            None => self.model.allocations.push(ServiceAllocations {
                service: Ref::new(service),
                cells: rows,
            }),
        }
    }
}

/// Who `provider` and `customer` are on a service, by party id, to match task owners.
struct Sides {
    provider: String,
    consumer: String,
}

#[derive(PartialEq, Eq)]
enum Side {
    Provider,
    Customer,
    Other,
}

impl Sides {
    fn of(&self, task: &Task) -> Side {
        match task.owners.first().map(|o| o.id.as_str()) {
            Some(id) if id == "provider" || id == self.provider => Side::Provider,
            Some(id) if id == "customer" || id == self.consumer => Side::Customer,
            _ => Side::Other,
        }
    }
}

/// An existing row updated from the workbook: status, implementation, the row's text and the
/// provider's and customer's operate tasks come from the workbook; the row's other terms,
/// `from`, note, review date and dispute stay, and each task that matches an old one (same
/// side, same statement) keeps its owner as written, role, kind and other terms (and its
/// description when the workbook gives none). Oversight tasks and other parties' tasks stay.
fn merge(old: &Allocation, new: Allocation, sides: &Sides) -> Allocation {
    let mut a = new;
    a.note.clone_from(&old.note);
    a.review_by = old.review_by;
    a.contested.clone_from(&old.contested);
    if a.implementation.is_none() {
        a.implementation = old.implementation;
    }
    if a.status == old.status && a.from.is_none() {
        a.from.clone_from(&old.from);
    }
    if a.status == Status::NotApplicable && a.reason.is_none() {
        a.reason.clone_from(&old.reason);
    }
    let description = a.terms.description.take().or_else(|| {
        (a.status == old.status)
            .then(|| old.terms.description.clone())
            .flatten()
    });
    a.terms = Terms {
        description,
        ..old.terms.clone()
    };
    // Each new task takes the place of the old task it matches (same side, same statement),
    // so the order people wrote stays; unmatched new tasks come last.
    let mut new_tasks: Vec<Option<Task>> =
        std::mem::take(&mut a.tasks).into_iter().map(Some).collect();
    let mut out = Vec::new();
    for o in &old.tasks {
        let side = sides.of(o);
        if o.kind != demarc_core::model::TaskKind::Operate || side == Side::Other {
            out.push(o.clone());
            continue;
        }
        let Some(t) = new_tasks.iter_mut().find(|t| {
            t.as_ref()
                .is_some_and(|t| sides.of(t) == side && t.statement == o.statement)
        }) else {
            continue;
        };
        let Some(mut t) = t.take() else { continue };
        t.owners.clone_from(&o.owners);
        t.role.clone_from(&o.role);
        let description = t
            .terms
            .description
            .take()
            .or_else(|| o.terms.description.clone());
        let scope = t
            .terms
            .scope
            .take()
            .or_else(|| o.terms.scope.clone().filter(|s| s != NOT_INHERITABLE));
        t.terms = Terms {
            description,
            scope,
            ..o.terms.clone()
        };
        out.push(t);
    }
    out.extend(new_tasks.into_iter().flatten());
    a.tasks = out;
    a
}
