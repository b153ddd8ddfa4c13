//! Writing one service of a model as a CIS/CRM workbook ([`export`]).

use std::collections::HashSet;

use demarc_core::model::{Allocation, Status, Task, TaskKind};
use demarc_core::view::{PartyIx, RespIx, ServiceIx};
use demarc_core::{Date, View};
use rust_xlsxwriter::{
    DataValidation, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook,
    Worksheet, XlsxError,
};

use super::{
    Answer, Baseline, NOT_INHERITABLE, Origin, StatusMark, control_label, statement_label,
};

/// The longest text a cell holds (Excel's limit).
const MAX_CELL_CHARS: usize = 32_767;

/// The choices of `demarc export --format crm`.
#[derive(Clone, Debug, Default)]
pub struct CrmExport {
    /// The baseline the sheets are named after; default: the one whose catalogue
    /// (`fedramp-<baseline>`) the service's rows come from, else none ("CIS Worksheet").
    pub baseline: Option<Baseline>,
    /// The date the workbook says it was made (also its document date, so the same model
    /// gives the same bytes).
    pub today: Option<Date>,
}

/// Why a workbook cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The request does not fit the model (the party does not provide the service, ...).
    #[error("{0}")]
    Request(String),
    /// The spreadsheet library refused something.
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
}

impl From<XlsxError> for ExportError {
    fn from(e: XlsxError) -> Self {
        ExportError::Xlsx(e.to_string())
    }
}

/// One row of both worksheets.
struct Row {
    id: String,
    status: Option<StatusMark>,
    origins: Vec<Origin>,
    answer: Option<Answer>,
    text: String,
}

/// A service of the model as a FedRAMP CIS/CRM workbook, in the template's layout: an
/// instructions sheet in our own words, a CIS worksheet and a CRM worksheet. `provider` must
/// be the service's provider. Rows are the responsibilities of the catalogues the service's
/// rows come from; parts of a control (statements) get rows of their own (see `docs/crm.md`).
pub fn export(
    view: &View<'_>,
    provider: PartyIx,
    service: ServiceIx,
    opts: &CrmExport,
) -> Result<Vec<u8>, ExportError> {
    let svc = view.service(service);
    if view.provider(service) != Some(provider) {
        return Err(ExportError::Request(format!(
            "{} does not provide {} (its provider is {})",
            view.party(provider).name,
            svc.name,
            svc.provider.id
        )));
    }
    let nresp = view.responsibilities().len() as RespIx;
    let catalogues: HashSet<&str> = (0..nresp)
        .filter(|&r| view.cell(service, r).allocation.is_some())
        .map(|r| view.area_of(r).catalogue.as_str())
        .collect();
    let included: Vec<RespIx> = (0..nresp)
        .filter(|&r| {
            catalogues.is_empty() || catalogues.contains(view.area_of(r).catalogue.as_str())
        })
        .collect();
    let baseline = opts.baseline.or_else(|| {
        Baseline::ALL
            .into_iter()
            .find(|b| catalogues.contains(Baseline::catalogue_id(Some(*b)).as_str()))
    });
    let upstream: Vec<&str> = view
        .built_on(service)
        .iter()
        .map(|&u| view.service(u).name.as_str())
        .collect();

    let mut rows = Vec::new();
    let mut nist = true;
    for &r in &included {
        let resp = view.responsibility(r);
        nist &= control_label(&resp.id).is_some();
        let alloc = view.cell(service, r).allocation;
        for (statement, id) in row_ids(&resp.id, &resp.statements, alloc) {
            let row = row_of(view, service, alloc, statement.as_deref(), id);
            if row.text.chars().count() > MAX_CELL_CHARS {
                return Err(ExportError::Request(format!(
                    "the text of {} for {} is longer than a spreadsheet cell holds ({MAX_CELL_CHARS} characters): shorten it in the model",
                    row.id, svc.name
                )));
            }
            rows.push(row);
        }
    }

    let mut book = Workbook::new();
    if let Some(d) = opts.today {
        let when =
            ExcelDateTime::from_ymd(u16::try_from(d.year()).unwrap_or(2000), d.month(), d.day())?;
        book.set_properties(&DocProperties::new().set_creation_datetime(&when));
    }
    let prefix = baseline
        .map(|b| format!("{} ", b.label()))
        .unwrap_or_default();
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("D9E2F3")
        .set_border(FormatBorder::Thin);
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);
    let mark = Format::new()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin);

    // Instructions, in our own words.
    {
        let ws = book.add_worksheet();
        ws.set_name("Instructions")?;
        ws.set_column_width(0, 2)?;
        ws.set_column_width(1, 30)?;
        ws.set_column_width(2, 40)?;
        ws.set_column_width(3, 16)?;
        ws.write_string_with_format(
            0,
            1,
            format!("{} — FedRAMP CIS and CRM workbook", svc.name),
            &title,
        )?;
        ws.write_string_with_format(2, 1, "CSP", &head)?;
        ws.write_string_with_format(2, 2, "System Name", &head)?;
        ws.write_string_with_format(2, 3, "Impact Level", &head)?;
        ws.write_string_with_format(3, 1, &view.party(provider).name, &wrap)?;
        ws.write_string_with_format(3, 2, &svc.name, &wrap)?;
        ws.write_string_with_format(3, 3, baseline.map_or("", |b| b.label()), &wrap)?;
        let mut lines = vec![
            match opts.today {
                Some(d) => format!("Written by demarc from the shared responsibility model on {d}."),
                None => "Written by demarc from the shared responsibility model.".to_owned(),
            },
            "It follows the layout of the FedRAMP workbook (SSP Appendix J): a CIS worksheet, which says for each control how far it is in place and who does it, and a CRM worksheet, which says what the customer can rely on the provider for and what it must do itself.".to_owned(),
            "CIS worksheet: an X under Implementation Status says how far the work is in place. An X under Control Origination says who does it: the provider (Service Provider System Specific), the customer (Configured by Customer), both (Shared), or the service this one is built on (Inherited from Pre-Existing Authorization), together with the provider's or customer's own part where they have one.".to_owned(),
            "CRM worksheet: Yes means the customer has nothing to do; Partial means the customer does part of the work; No means the customer does it all for its own use. The last column says what the customer must do (for Yes, what the provider does).".to_owned(),
            "A control split into parts, such as AC-2(a) and AC-2(b), has a row per part.".to_owned(),
        ];
        if !nist {
            lines.push("The rows are the model's responsibilities, which are not NIST SP 800-53 controls: the Control ID column holds each responsibility's id, as the model names it. demarc import crm --into the same model reads them back.".to_owned());
        }
        let para = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        for (i, line) in lines.iter().enumerate() {
            let r = 5 + i as u32 * 2;
            ws.merge_range(r, 1, r, 3, line, &para)?;
            ws.set_row_height(r, 60)?;
        }
    }

    // The CIS worksheet.
    {
        let ws = book.add_worksheet();
        ws.set_name(format!("{prefix}CIS Worksheet"))?;
        ws.write_string_with_format(
            0,
            0,
            format!("FedRAMP {prefix}Control Implementation Summary (CIS) Worksheet"),
            &title,
        )?;
        ws.merge_range(1, 0, 2, 0, "Control ID", &head)?;
        ws.merge_range(1, 1, 1, 5, "Implementation Status", &head)?;
        ws.merge_range(1, 6, 1, 12, "Control Origination", &head)?;
        for (i, m) in StatusMark::ALL.iter().enumerate() {
            ws.write_string_with_format(2, 1 + i as u16, m.header(), &head)?;
        }
        for (i, o) in Origin::ALL.iter().enumerate() {
            let text = if *o == Origin::Inherited && !upstream.is_empty() {
                format!("{} ({})", o.header(), upstream.join(", "))
            } else {
                o.header().to_owned()
            };
            ws.write_string_with_format(2, 6 + i as u16, text, &head)?;
        }
        ws.set_row_height(2, 75)?;
        ws.set_column_width(0, 16)?;
        for c in 1..=12 {
            ws.set_column_width(c, 13)?;
        }
        ws.set_freeze_panes(3, 1)?;
        for (i, row) in rows.iter().enumerate() {
            let r = 3 + i as u32;
            ws.write_string_with_format(r, 0, &row.id, &wrap)?;
            for (k, m) in StatusMark::ALL.iter().enumerate() {
                let v = if row.status == Some(*m) { "X" } else { "" };
                ws.write_string_with_format(r, 1 + k as u16, v, &mark)?;
            }
            for (k, o) in Origin::ALL.iter().enumerate() {
                let v = if row.origins.contains(o) { "X" } else { "" };
                ws.write_string_with_format(r, 6 + k as u16, v, &mark)?;
            }
        }
    }

    // The CRM worksheet.
    {
        let ws: &mut Worksheet = book.add_worksheet();
        ws.set_name(format!("{prefix}CRM Worksheet"))?;
        ws.write_string_with_format(
            0,
            0,
            format!("FedRAMP {prefix}Customer Responsibility Matrix (CRM) Worksheet"),
            &title,
        )?;
        ws.merge_range(
            1,
            0,
            1,
            2,
            "For each control: can the customer rely on the provider for it (Yes, Partial or No), and what must the customer do? Read it with the CIS worksheet.",
            &Format::new().set_text_wrap(),
        )?;
        ws.set_row_height(1, 30)?;
        ws.write_string_with_format(2, 0, "Control ID", &head)?;
        ws.write_string_with_format(2, 1, "Can Be Inherited from CSP", &head)?;
        ws.write_string_with_format(
            2,
            2,
            "Specific Inheritance and Customer Agency/CSP Responsibilities",
            &head,
        )?;
        ws.set_column_width(0, 16)?;
        ws.set_column_width(1, 14)?;
        ws.set_column_width(2, 90)?;
        ws.set_freeze_panes(3, 1)?;
        for (i, row) in rows.iter().enumerate() {
            let r = 3 + i as u32;
            ws.write_string_with_format(r, 0, &row.id, &wrap)?;
            ws.write_string_with_format(r, 1, row.answer.map_or("", Answer::as_str), &mark)?;
            ws.write_string_with_format(r, 2, &row.text, &wrap)?;
        }
        if !rows.is_empty() {
            let list = DataValidation::new().allow_list_strings(&["Yes", "Partial", "No"])?;
            ws.add_data_validation(3, 1, 2 + rows.len() as u32, 1, &list)?;
        }
    }
    Ok(book.save_to_buffer()?)
}

/// The rows of one responsibility: `(statement, id as written)`. A row per part where the
/// responsibility has parts (its top-level statements, and any a task names), else one.
fn row_ids(
    resp: &str,
    statements: &[demarc_core::model::Statement],
    alloc: Option<&Allocation>,
) -> Vec<(Option<String>, String)> {
    let ids: Vec<&str> = statements.iter().map(|s| s.id.as_str()).collect();
    // A statement whose parent part is listed too is covered by the parent's row.
    let has_ancestor = |id: &str| {
        let mut cur = id;
        while let Some((head, _)) = cur.rsplit_once('.') {
            if !head.contains("_smt") {
                break;
            }
            if ids.contains(&head) {
                return true;
            }
            cur = head;
        }
        false
    };
    let mut chosen: Vec<String> = ids
        .iter()
        .filter(|id| !has_ancestor(id))
        .map(|s| (*s).to_owned())
        .collect();
    if let Some(a) = alloc {
        for t in &a.tasks {
            if let Some(st) = &t.statement
                && !chosen.contains(st)
            {
                chosen.push(st.clone());
            }
        }
    }
    if chosen.is_empty() {
        let id = control_label(resp).unwrap_or_else(|| resp.to_owned());
        return vec![(None, id)];
    }
    chosen
        .into_iter()
        .map(|s| {
            let id = statement_label(resp, &s).unwrap_or_else(|| s.clone());
            (Some(s), id)
        })
        .collect()
}

fn join_descriptions<'a>(tasks: impl Iterator<Item = &'a Task>) -> String {
    let texts: Vec<&str> = tasks
        .filter_map(|t| t.terms.description.as_deref())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    texts.join("\n\n")
}

/// One row of both worksheets for a part of a responsibility (`statement`, or the whole).
fn row_of(
    view: &View<'_>,
    s: ServiceIx,
    alloc: Option<&Allocation>,
    statement: Option<&str>,
    id: String,
) -> Row {
    let mut row = Row {
        id,
        status: None,
        origins: Vec::new(),
        answer: None,
        text: String::new(),
    };
    let Some(a) = alloc else {
        return row;
    };
    if a.status == Status::NotApplicable {
        row.status = Some(StatusMark::NotApplicable);
        row.text = a.reason.clone().unwrap_or_default().trim().to_owned();
        return row;
    }
    if a.status == Status::Undecided {
        return row;
    }
    row.status = a.implementation.map(StatusMark::of);
    let provider = view.provider(s);
    let consumer = view.consumer(s);
    let applies = |t: &&Task| {
        t.kind == TaskKind::Operate
            && (t.statement.is_none() || t.statement.as_deref() == statement)
    };
    let owned_by = |t: &&Task, who: Option<PartyIx>| {
        who.is_some() && t.owners.first().and_then(|o| view.owner_party(s, o)) == who
    };
    let prov: Vec<&Task> = a
        .tasks
        .iter()
        .filter(applies)
        .filter(|t| owned_by(t, provider))
        .collect();
    let cust: Vec<&Task> = a
        .tasks
        .iter()
        .filter(applies)
        .filter(|t| owned_by(t, consumer))
        .collect();
    let carrier = a
        .terms
        .description
        .as_deref()
        .map(str::trim)
        .unwrap_or("")
        .to_owned();
    let sides = |p: bool, c: bool| -> Vec<Origin> {
        match (p, c) {
            (true, true) => vec![Origin::Shared],
            (true, false) => vec![Origin::ProviderSystem],
            (false, true) => vec![Origin::CustomerConfigured],
            (false, false) => Vec::new(),
        }
    };
    if a.status == Status::Customer {
        row.origins = vec![Origin::CustomerConfigured];
        row.answer = Some(Answer::No);
        let t = join_descriptions(cust.iter().copied());
        row.text = if t.is_empty() { carrier } else { t };
        return row;
    }
    row.origins = match a.status {
        Status::Supplier => vec![Origin::ProviderSystem],
        Status::Shared => sides(!prov.is_empty(), !cust.is_empty()),
        _ => {
            let mut o = sides(!prov.is_empty(), !cust.is_empty());
            o.push(Origin::Inherited);
            o.sort();
            o
        }
    };
    let not_inheritable = cust
        .iter()
        .any(|t| t.terms.scope.as_deref() == Some(NOT_INHERITABLE));
    let cust_text = join_descriptions(cust.iter().copied());
    let prov_text = {
        let t = join_descriptions(prov.iter().copied());
        if t.is_empty() { carrier } else { t }
    };
    (row.answer, row.text) = if a.status == Status::Shared && prov.is_empty() && cust.is_empty() {
        // A part of a shared row nobody has a task for: nothing to say.
        (None, String::new())
    } else if not_inheritable {
        (Some(Answer::No), cust_text)
    } else if !cust_text.is_empty() {
        (Some(Answer::Partial), cust_text)
    } else if !cust.is_empty() {
        if prov_text.is_empty() {
            (Some(Answer::Partial), String::new())
        } else {
            (Some(Answer::Yes), prov_text)
        }
    } else {
        (Some(Answer::Yes), prov_text)
    };
    row
}
