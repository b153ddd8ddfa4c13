//! Writing the matrix workbook.

use demarc_core::report::MatrixFilter;
use demarc_core::view::{PartyIx, ServiceIx};
use demarc_core::{Implementation, Status, TaskKind, View};
use demarc_formats::matrix_csv::{self, MatrixRow};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format,
    FormatAlign, FormatBorder, Formula, Note, ProtectionOptions, Workbook, Worksheet,
};

use super::{
    Column, LABEL_EXPORTED, LABEL_MODEL, LABEL_ORGANISATION, LABEL_SHOWING, LABEL_VERSION,
    LISTS_SHEET, MATRIX_COLUMNS, MATRIX_SHEET, MAX_CELL_CHARS, MAX_SHEET_ROWS, On, PARTIES_SHEET,
    PARTY_COLUMNS, README_SHEET, RESPONSIBILITIES_SHEET, RESPONSIBILITY_COLUMNS, SERVICE_COLUMNS,
    SERVICES_SHEET, WorkbookInfo, WriteError, csv_index, model_title,
};

/// The last row index of a sheet (0-based), for validations that cover a whole column.
const LAST_ROW: u32 = (MAX_SHEET_ROWS - 1) as u32;

/// Write the matrix workbook of a model: all of it, one service's rows, or the rows of the
/// cells one party operates or oversees (`filter`). The same view, filter and info give the
/// same bytes.
pub fn write(
    view: &View<'_>,
    filter: MatrixFilter,
    info: &WorkbookInfo,
) -> Result<Vec<u8>, WriteError> {
    let rows: Vec<MatrixRow> = matrix_csv::rows(view, filter).collect();
    if rows.len() + 1 > MAX_SHEET_ROWS {
        return Err(WriteError::TooManyRows { rows: rows.len() });
    }
    let scope = Scope::of(view, filter, &rows);
    let styles = Styles::new();

    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(
        u16::try_from(info.date.year()).unwrap_or(1900),
        info.date.month(),
        info.date.day(),
    )?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("Responsibility matrix: {}", view.model.name))
            .set_subject("Who does each security responsibility, for each service")
            .set_comment("Written by demarc; read it back with demarc import xlsx")
            .set_creation_datetime(&created),
    );
    book.push_worksheet(readme(view, filter, info, &rows, &styles)?);
    book.push_worksheet(matrix(view, &rows, &scope, &styles)?);
    book.push_worksheet(responsibilities(view, &scope, &styles)?);
    book.push_worksheet(parties(view, &scope, &styles)?);
    book.push_worksheet(services(view, &scope, &styles)?);
    book.push_worksheet(lists(view, &scope, &styles)?);
    Ok(book.save_to_buffer()?)
}

/// The services, parties and responsibilities a workbook shows: everything for a whole
/// matrix; for one service's or one party's rows, only what those rows name (with the
/// services they are built on, so inherited rows still make sense), so a supplier is not sent
/// the details of every other supplier.
struct Scope {
    services: Vec<bool>,
    parties: Vec<bool>,
    responsibilities: Vec<bool>,
}

impl Scope {
    fn of(view: &View<'_>, filter: MatrixFilter, rows: &[MatrixRow]) -> Scope {
        let (ns, np, nr) = (
            view.services().len(),
            view.parties().len(),
            view.responsibilities().len(),
        );
        if filter.service.is_none() && filter.party.is_none() {
            return Scope {
                services: vec![true; ns],
                parties: vec![true; np],
                responsibilities: vec![true; nr],
            };
        }
        let mut scope = Scope {
            services: vec![false; ns],
            parties: vec![false; np],
            responsibilities: vec![false; nr],
        };
        let party = |p: Option<PartyIx>, parties: &mut Vec<bool>| {
            if let Some(slot) = p.and_then(|p| parties.get_mut(p as usize)) {
                *slot = true;
            }
        };
        let mut stack: Vec<ServiceIx> = Vec::new();
        for row in rows {
            if let Some(s) = scope.services.get_mut(row.service as usize)
                && !*s
            {
                *s = true;
                stack.push(row.service);
            }
            if let Some(r) = scope.responsibilities.get_mut(row.responsibility as usize) {
                *r = true;
            }
            for id in row.values[csv_index("owner")].split(',') {
                party(view.party_index(id.trim()), &mut scope.parties);
            }
            party(
                view.party_index(row.values[csv_index("contested_by")].trim()),
                &mut scope.parties,
            );
        }
        while let Some(s) = stack.pop() {
            for &b in view.built_on(s) {
                if let Some(slot) = scope.services.get_mut(b as usize)
                    && !*slot
                {
                    *slot = true;
                    stack.push(b);
                }
            }
        }
        party(view.customer, &mut scope.parties);
        party(filter.party, &mut scope.parties);
        for (s, _) in view.services().iter().enumerate() {
            if scope.services[s] {
                party(view.provider(s as ServiceIx), &mut scope.parties);
                party(view.consumer(s as ServiceIx), &mut scope.parties);
            }
        }
        scope
    }

    fn party_ids<'v>(&self, view: &'v View<'_>) -> Vec<&'v str> {
        view.parties()
            .iter()
            .enumerate()
            .filter(|(p, _)| self.parties[*p])
            .map(|(_, p)| p.id.as_str())
            .collect()
    }
}

/// The cell formats, made once.
struct Styles {
    title: Format,
    header: Format,
    label: Format,
    text: Format,
    /// Cell rows: shaded, locked id columns and open ones.
    cell_locked: Format,
    cell_open: Format,
    /// Task rows: plain, and every cell open so the row can be deleted.
    task_open: Format,
    /// The default of an editable column (rows a person inserts or adds).
    column_open: Format,
}

impl Styles {
    fn new() -> Styles {
        let base = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let cell_fill = Color::RGB(0x00DD_EBF7);
        Styles {
            title: Format::new().set_bold().set_font_size(16),
            header: Format::new()
                .set_bold()
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0x001F_4E79))
                .set_border_bottom(FormatBorder::Thin),
            label: Format::new().set_bold().set_align(FormatAlign::Top),
            text: base.clone(),
            cell_locked: base
                .clone()
                .set_background_color(cell_fill)
                .set_font_color(Color::RGB(0x0040_4040))
                .set_border_top(FormatBorder::Hair),
            cell_open: base
                .clone()
                .set_background_color(cell_fill)
                .set_border_top(FormatBorder::Hair)
                .set_unlocked(),
            task_open: base.clone().set_unlocked(),
            column_open: base.set_unlocked(),
        }
    }
}

/// Write text into a cell (a blank cell with the format when empty), refusing text longer
/// than Excel keeps.
fn put(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: &Format,
    what: impl FnOnce() -> String,
) -> Result<(), WriteError> {
    if text.is_empty() {
        ws.write_blank(row, col, format)?;
        return Ok(());
    }
    if text.len() > MAX_CELL_CHARS {
        let chars = text.encode_utf16().count();
        if chars > MAX_CELL_CHARS {
            return Err(WriteError::TextTooLong {
                what: what(),
                chars,
            });
        }
    }
    ws.write_string_with_format(row, col, text, format)?;
    Ok(())
}

/// A header row of column names, frozen, with a filter over the rows below.
fn header_row(
    ws: &mut Worksheet,
    names: &[&str],
    widths: &[f64],
    last_row: u32,
    styles: &Styles,
) -> Result<(), WriteError> {
    for (c, (name, width)) in names.iter().zip(widths).enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *name, &styles.header)?;
        ws.set_column_width(c, *width)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last_row.max(1), names.len().saturating_sub(1) as u16)?;
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Protection without a password (it prevents accidents, not people): rows may be inserted,
/// deleted and formatted, the filter used; sorting is off (it would move task rows away from
/// their cell rows), as are new columns.
fn protection(rows_editable: bool) -> ProtectionOptions {
    ProtectionOptions {
        format_cells: rows_editable,
        format_columns: rows_editable,
        format_rows: rows_editable,
        insert_rows: rows_editable,
        delete_rows: rows_editable,
        use_autofilter: true,
        sort: false,
        ..ProtectionOptions::default()
    }
}

/// The "Matrix" sheet.
fn matrix(
    view: &View<'_>,
    rows: &[MatrixRow],
    scope: &Scope,
    styles: &Styles,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(MATRIX_SHEET)?;
    let names: Vec<&str> = MATRIX_COLUMNS.iter().map(|c| c.name).collect();
    let widths: Vec<f64> = MATRIX_COLUMNS.iter().map(|c| c.width).collect();
    let last_row = rows.len() as u32;
    header_row(&mut ws, &names, &widths, last_row, styles)?;
    // The ids and the title stay in view when scrolling right.
    ws.set_freeze_panes(1, 3)?;
    for (c, col) in MATRIX_COLUMNS.iter().enumerate() {
        let c = c as u16;
        ws.insert_note(
            0,
            c,
            &Note::new(format!("{}: {}", col.name, col.meaning))
                .add_author_prefix(false)
                .set_width(320)
                .set_height(140),
        )?;
        if !col.locked {
            ws.set_column_format(c, &styles.column_open)?;
        }
    }
    let index: Vec<usize> = MATRIX_COLUMNS.iter().map(|c| csv_index(c.name)).collect();
    for (i, row) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (c, col) in MATRIX_COLUMNS.iter().enumerate() {
            let format = match (row.is_task, col.locked) {
                (true, _) => &styles.task_open,
                (false, true) => &styles.cell_locked,
                (false, false) => &styles.cell_open,
            };
            put(&mut ws, r, c as u16, &row.values[index[c]], format, || {
                format!(
                    "the {} of {} / {}",
                    col.name,
                    view.service(row.service).id,
                    view.responsibility(row.responsibility).id
                )
            })?;
        }
    }
    validations(&mut ws, scope, view)?;
    ws.protect_with_options(&protection(true));
    ws.set_landscape();
    ws.set_zoom(90);
    Ok(ws)
}

/// The position of a column of the "Matrix" sheet.
fn column_of(name: &str) -> u16 {
    MATRIX_COLUMNS
        .iter()
        .position(|c| c.name == name)
        .unwrap_or(0) as u16
}

/// Drop-down lists on the columns that take one of a few words, from the hidden "Lists"
/// sheet (lists there have no length limit, unlike lists written into the validation).
fn validations(ws: &mut Worksheet, scope: &Scope, view: &View<'_>) -> Result<(), WriteError> {
    let parties = scope.party_ids(view).len() as u32;
    let lists: [(&str, char, u32, &str, &str); 5] = [
        (
            "status",
            'A',
            Status::ALL.len() as u32,
            "Who does this work: pick from the list (the Read me sheet explains each). Leave it empty on task rows.",
            "The status is one of customer, supplier, shared, inherited, not-applicable or undecided: pick it from the list.",
        ),
        (
            "kind",
            'B',
            TaskKind::ALL.len() as u32,
            "operate (does the work) or oversee (decides, approves or checks it). Task rows only.",
            "The kind is operate or oversee.",
        ),
        (
            "owner",
            'C',
            parties + 2,
            "Who does this task: a party from the list, or provider / customer. Leave it empty on the cell row.",
            "The owner is a party id from the Parties sheet, or provider or customer: pick it from the list.",
        ),
        (
            "contested_by",
            'D',
            parties,
            "The party that disagrees with this row, if any.",
            "This is a party id from the Parties sheet: pick it from the list.",
        ),
        (
            "implementation",
            'E',
            Implementation::ALL.len() as u32,
            "How far the work is in place, if known.",
            "This is one of implemented, partial, planned or alternative, or empty.",
        ),
    ];
    for (name, letter, len, input, error) in lists {
        if len == 0 {
            continue;
        }
        let col = column_of(name);
        let range = format!("={LISTS_SHEET}!${letter}$2:${letter}${}", len + 1);
        let v = DataValidation::new()
            .allow_list_formula(Formula::new(range))
            .ignore_blank(true)
            .set_input_message(input)?
            .set_error_title("Not in the list")?
            .set_error_message(error)?
            .set_error_style(DataValidationErrorStyle::Stop);
        ws.add_data_validation(1, col, LAST_ROW, col, &v)?;
    }
    Ok(())
}

/// The hidden "Lists" sheet the drop-down lists read.
fn lists(view: &View<'_>, scope: &Scope, styles: &Styles) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(LISTS_SHEET)?;
    let statuses = [
        Status::Customer,
        Status::Supplier,
        Status::Shared,
        Status::Inherited,
        Status::NotApplicable,
        Status::Undecided,
    ]
    .map(Status::as_str);
    let kinds = TaskKind::ALL.map(TaskKind::as_str);
    let parties = scope.party_ids(view);
    let mut owners = parties.clone();
    owners.extend(["provider", "customer"]);
    let implementations = Implementation::ALL.map(Implementation::as_str);
    let columns: [(&str, &[&str]); 5] = [
        ("status", &statuses),
        ("kind", &kinds),
        ("owner", &owners),
        ("party", &parties),
        ("implementation", &implementations),
    ];
    for (c, (name, values)) in columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *name, &styles.label)?;
        ws.set_column_width(c, 20)?;
        for (r, v) in values.iter().enumerate() {
            put(&mut ws, r as u32 + 1, c, v, &styles.text, || {
                format!("the party id \"{v}\"")
            })?;
        }
    }
    ws.set_hidden(true);
    ws.protect();
    Ok(ws)
}

/// The "Read me" sheet: what the workbook is, for whom, how to fill it in and send it back.
fn readme(
    view: &View<'_>,
    filter: MatrixFilter,
    info: &WorkbookInfo,
    rows: &[MatrixRow],
    styles: &Styles,
) -> Result<Worksheet, WriteError> {
    let model = view.model;
    let org = view
        .customer
        .map(|p| view.party(p))
        .map_or_else(|| model.customer.id.clone(), |p| p.name.clone());
    let org_id = model.customer.id.as_str();
    let cells = rows.iter().filter(|r| !r.is_task).count();
    let tasks = rows.len() - cells;
    let showing = match (filter.service, filter.party) {
        (Some(s), _) => {
            let s = view.service(s);
            format!(
                "only the rows of the service {} ({}): {cells} rows of the matrix, {tasks} tasks",
                s.name, s.id
            )
        }
        (None, Some(p)) => {
            let p = view.party(p);
            format!(
                "only the rows where {} ({}) does or oversees the work: {cells} rows of the matrix, {tasks} tasks",
                p.name, p.id
            )
        }
        (None, None) => format!(
            "every service and every responsibility: {cells} rows of the matrix, {tasks} tasks"
        ),
    };
    let dir = info
        .model_dir
        .clone()
        .unwrap_or_else(|| "MODEL-FOLDER".to_owned());
    let mut ws = Worksheet::new();
    ws.set_name(README_SHEET)?;
    ws.set_column_width(0, 26)?;
    ws.set_column_width(1, 100)?;
    ws.set_column_width(2, 60)?;
    let title = format!("Responsibility matrix: {}", model_title(model));
    ws.write_string_with_format(0, 0, &title, &styles.title)?;

    let mut r = 2u32;
    let mut line = |ws: &mut Worksheet, label: &str, text: &str| -> Result<(), WriteError> {
        if !label.is_empty() {
            put(ws, r, 0, label, &styles.label, || {
                format!("the label {label}")
            })?;
        }
        put(ws, r, 1, text, &styles.text, || {
            "the model's name".to_owned()
        })?;
        r += 1;
        Ok(())
    };
    line(&mut ws, LABEL_MODEL, &model.name)?;
    line(
        &mut ws,
        LABEL_VERSION,
        model.version.as_deref().unwrap_or(""),
    )?;
    line(&mut ws, LABEL_ORGANISATION, &format!("{org} ({org_id})"))?;
    line(&mut ws, LABEL_EXPORTED, &info.date.to_string())?;
    line(&mut ws, LABEL_SHOWING, &showing)?;
    line(&mut ws, "", "")?;

    let sections: Vec<(String, Vec<String>)> = vec![
        (
            "What this is".into(),
            vec![
                format!(
                    "This workbook says who does each security and IT job (a responsibility) for each service {org} uses: {org} itself, or the supplier that provides the service, or both, each doing its part."
                ),
                "Each row of the Matrix sheet is one responsibility for one service. Please check the rows that concern you, correct or complete them, and send the file back.".into(),
            ],
        ),
        (
            "Who it is for".into(),
            vec![format!(
                "{org} and its suppliers. This workbook holds {showing}."
            )],
        ),
        (
            "How to fill it in".into(),
            vec![
                "Cell rows (shaded, owner empty): one per service and responsibility. Set the status, and say what is done, how often, how fast and what shows it is done.".into(),
                "Task rows (white, owner filled): the parts of a shared row, one per party, directly under their cell row. To split a row, set its status to shared, insert a row under it for each party, leave service, responsibility and status empty, and fill in owner, kind and description (and sla, evidence and contract for a supplier's task).".into(),
                "A task row can also be added under a customer or supplier row, for example the organisation checking the supplier's work (kind: oversee).".into(),
                "To remove a task, delete its row, or clear every cell of it (empty rows are skipped). Do not delete cell rows: a cell row that is missing keeps what the model says.".into(),
                "Keep each task row under its cell row. Sorting is turned off because it would separate them; filtering is fine.".into(),
                "status, kind, owner, contested_by and implementation have drop-down lists. Write dates as YYYY-MM-DD. Several pieces of evidence go on separate lines of one cell (Alt+Enter in Excel, Ctrl+Enter in LibreOffice).".into(),
                "Do not add columns: put anything else in note. The note on each column's name says what goes there; the table at the end of this sheet says the same.".into(),
            ],
        ),
        (
            "What each status means".into(),
            vec![
                format!("customer: whoever uses the service ({org}, for its own services) does all of it."),
                "supplier: the service's provider does all of it.".into(),
                "shared: the work is split into tasks, one task row for each party's part.".into(),
                "inherited: the provider has it done by a service its own service runs on (name that service in from).".into(),
                "not-applicable: it does not apply to this service (say why in reason).".into(),
                "undecided: nobody has decided yet. Until someone does, nobody is doing it.".into(),
            ],
        ),
        (
            "Locked columns".into(),
            vec![
                "service, responsibility, responsibility_title and origin are locked on cell rows: they tie each row to the model, and if they changed demarc could not tell which row was meant. Task rows are not locked, so that they can be deleted.".into(),
                "The sheet is protected without a password, only to prevent accidents (Review > Unprotect Sheet lifts it). Please leave the locked columns as they are.".into(),
            ],
        ),
        (
            "Sending it back".into(),
            vec![
                "Save the workbook as an Excel workbook (.xlsx) and send it back to whoever sent it to you.".into(),
                info.read_back.clone().unwrap_or_else(|| format!(
                    "They read it into the model with: demarc import xlsx FILE --into {dir} --dry-run (to see what would change), then the same without --dry-run."
                )),
                "If any row has a problem, nothing is changed, and each problem is listed with its sheet, row and column, so it can be fixed and the file sent again.".into(),
            ],
        ),
        (
            "Other sheets".into(),
            vec![
                "Responsibilities: what each responsibility means. Parties: the organisation and its suppliers, with their ids and roles. Services: each service, who provides it and what it runs on.".into(),
                "These sheets are there to read; changes to them are not read back into an existing model.".into(),
            ],
        ),
    ];
    for (heading, paragraphs) in &sections {
        for (i, p) in paragraphs.iter().enumerate() {
            line(&mut ws, if i == 0 { heading } else { "" }, p)?;
        }
        line(&mut ws, "", "")?;
    }
    put(&mut ws, r, 0, "The columns", &styles.label, String::new)?;
    r += 1;
    ws.write_string_with_format(r, 0, "column", &styles.header)?;
    ws.write_string_with_format(r, 1, "what it holds", &styles.header)?;
    ws.write_string_with_format(r, 2, "filled on", &styles.header)?;
    r += 1;
    for Column {
        name, meaning, on, ..
    } in MATRIX_COLUMNS
    {
        ws.write_string_with_format(r, 0, name, &styles.label)?;
        ws.write_string_with_format(r, 1, meaning, &styles.text)?;
        ws.write_string_with_format(
            r,
            2,
            match on {
                On::Both => "cell rows and task rows",
                other => other.label(),
            },
            &styles.text,
        )?;
        r += 1;
    }
    ws.protect_with_options(&protection(false));
    Ok(ws)
}

/// A read-only sheet of rows of text under a header.
fn info_sheet(
    name: &str,
    columns: &[&str],
    widths: &[f64],
    rows: Vec<Vec<String>>,
    styles: &Styles,
) -> Result<Worksheet, WriteError> {
    let mut ws = Worksheet::new();
    ws.set_name(name)?;
    header_row(&mut ws, columns, widths, rows.len() as u32, styles)?;
    for (i, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            put(&mut ws, i as u32 + 1, c as u16, text, &styles.text, || {
                format!("the {} of {} (the {name} sheet)", columns[c], row[0])
            })?;
        }
    }
    ws.protect_with_options(&protection(false));
    Ok(ws)
}

fn responsibilities(
    view: &View<'_>,
    scope: &Scope,
    styles: &Styles,
) -> Result<Worksheet, WriteError> {
    let rows = view
        .responsibilities()
        .iter()
        .enumerate()
        .filter(|(r, _)| scope.responsibilities[*r])
        .map(|(_, (area, resp))| {
            vec![
                resp.id.clone(),
                area.id.clone(),
                area.title.clone(),
                resp.title.clone(),
                resp.layer.as_str().to_owned(),
                if resp.retained { "yes" } else { "no" }.to_owned(),
                resp.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    info_sheet(
        RESPONSIBILITIES_SHEET,
        &RESPONSIBILITY_COLUMNS,
        &[28.0, 18.0, 24.0, 32.0, 16.0, 10.0, 80.0],
        rows,
        styles,
    )
}

fn parties(view: &View<'_>, scope: &Scope, styles: &Styles) -> Result<Worksheet, WriteError> {
    let rows = view
        .parties()
        .iter()
        .enumerate()
        .filter(|(p, _)| scope.parties[*p])
        .map(|(p, party)| {
            vec![
                party.id.clone(),
                party.name.clone(),
                party.kind.clone().unwrap_or_default(),
                if view.customer == Some(p as PartyIx) {
                    "yes".to_owned()
                } else {
                    String::new()
                },
                party
                    .roles
                    .iter()
                    .map(|r| format!("{}: {}", r.id, r.name))
                    .collect::<Vec<_>>()
                    .join("\n"),
                party.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    info_sheet(
        PARTIES_SHEET,
        &PARTY_COLUMNS,
        &[16.0, 30.0, 12.0, 13.0, 36.0, 70.0],
        rows,
        styles,
    )
}

fn services(view: &View<'_>, scope: &Scope, styles: &Styles) -> Result<Worksheet, WriteError> {
    let rows = view
        .services()
        .iter()
        .enumerate()
        .filter(|(s, _)| scope.services[*s])
        .map(|(_, s)| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.provider.id.clone(),
                s.customer
                    .as_ref()
                    .map(|c| c.id.clone())
                    .unwrap_or_default(),
                s.model.map(|m| m.as_str().to_owned()).unwrap_or_default(),
                s.built_on
                    .iter()
                    .map(|b| b.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                s.contract.clone().unwrap_or_default(),
                matrix_csv::evidence_text(&s.evidence),
                s.description.clone().unwrap_or_default(),
            ]
        })
        .collect();
    info_sheet(
        SERVICES_SHEET,
        &SERVICE_COLUMNS,
        &[18.0, 30.0, 14.0, 14.0, 16.0, 20.0, 36.0, 40.0, 60.0],
        rows,
        styles,
    )
}
