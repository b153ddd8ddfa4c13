//! The matrix as CSV, written and read back without loss (`docs/csv.md`).
//!
//! One row per cell (the *cell row*, `owner` empty), followed by one row per task of that cell
//! (the *task rows*, `owner` set). Every cell of the matrix is written, including those a preset
//! fills and those nobody has decided, so the sheet shows the whole matrix; the `origin`
//! column says which is which, and reading keeps preset cells implicit when they are unchanged.
//!
//! The rows ([`rows`]) and the reader ([`read_table`]) work on any table of text, so the
//! matrix workbook (`demarc-office`) writes and reads the same rows; [`write()`] and [`read`] are
//! the CSV around them.

use demarc_core::finding::did_you_mean;
use demarc_core::model::{
    Allocation, Contest, Evidence, Implementation, Ref, ServiceAllocations, Task, Terms,
};
use demarc_core::report::MatrixFilter;
use demarc_core::view::{Origin, RespIx, ServiceIx};
use demarc_core::{Date, Model, Status, TaskKind, View};

/// The columns, in order.
pub const COLUMNS: [&str; 22] = [
    "service",
    "responsibility",
    "status",
    "reason",
    "from",
    "owner",
    "role",
    "kind",
    "description",
    "scope",
    "frequency",
    "sla",
    "evidence",
    "contract",
    "contested_by",
    "contested_comment",
    "review_by",
    "note",
    "origin",
    "responsibility_title",
    "implementation",
    "statement",
];

/// An error in a CSV file: the line, the column and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvError {
    pub line: u64,
    pub column: Option<&'static str>,
    pub message: String,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Evidence as one cell holds it: one piece per line, its dates in brackets at the end
/// (`Summary (collected 2026-05-01; expires 2027-04-30)`).
pub fn evidence_text(list: &[Evidence]) -> String {
    list.iter()
        .map(|e| {
            let mut dates = Vec::new();
            if let Some(d) = e.collected {
                dates.push(format!("collected {d}"));
            }
            if let Some(d) = e.expires {
                dates.push(format!("expires {d}"));
            }
            if dates.is_empty() {
                e.description.clone()
            } else {
                format!("{} ({})", e.description, dates.join("; "))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Evidence from one cell, as [`evidence_text`] writes it; an error for a date in brackets
/// that is not a real date.
pub fn parse_evidence(s: &str) -> Result<Vec<Evidence>, String> {
    let mut out = Vec::new();
    for item in s
        .split('\n')
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
    {
        let mut e = Evidence {
            description: item.to_owned(),
            collected: None,
            expires: None,
        };
        if let Some(body) = item.strip_suffix(')')
            && let Some(open) = body.rfind(" (")
        {
            let inner = &body[open + 2..];
            let mut collected = None;
            let mut expires = None;
            let mut ok = true;
            for part in inner.split("; ") {
                if let Some(d) = part.strip_prefix("collected ") {
                    collected = Some(d.parse::<Date>().map_err(|e| e.to_string())?);
                } else if let Some(d) = part.strip_prefix("expires ") {
                    expires = Some(d.parse::<Date>().map_err(|e| e.to_string())?);
                } else {
                    ok = false;
                }
            }
            if ok {
                e = Evidence {
                    description: body[..open].to_owned(),
                    collected,
                    expires,
                };
            }
        }
        out.push(e);
    }
    Ok(out)
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn terms_cols(t: &Terms) -> [String; 6] {
    [
        opt(&t.description),
        opt(&t.scope),
        opt(&t.frequency),
        opt(&t.sla),
        evidence_text(&t.evidence),
        opt(&t.contract),
    ]
}

/// One row of the matrix as the CSV and the workbook hold it: a cell row, or one task row of
/// the cell row before it. `values` are in the order of [`COLUMNS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixRow {
    pub service: ServiceIx,
    pub responsibility: RespIx,
    /// A task row (`owner` set), not a cell row.
    pub is_task: bool,
    pub values: [String; COLUMNS.len()],
}

/// The rows of the matrix, in the order they are written: services in model order,
/// responsibilities in catalogue order, each cell row followed by its task rows. Optionally
/// one service's, or only the cells a party operates or oversees.
pub fn rows<'v>(view: &'v View<'_>, filter: MatrixFilter) -> impl Iterator<Item = MatrixRow> + 'v {
    let nresp = view.responsibilities().len() as RespIx;
    (0..view.services().len() as ServiceIx)
        .filter(move |&s| filter.service.is_none_or(|f| f == s))
        .flat_map(move |s| (0..nresp).map(move |r| (s, r)))
        .filter(move |&(s, r)| {
            filter.party.is_none_or(|p| {
                let cell = view.cell(s, r);
                cell.operators.contains(&p) || cell.overseers.contains(&p)
            })
        })
        .flat_map(move |(s, r)| cell_rows(view, s, r))
}

/// The cell row and task rows of one cell.
fn cell_rows(view: &View<'_>, s: ServiceIx, r: RespIx) -> Vec<MatrixRow> {
    let service = view.service(s);
    let resp = view.responsibility(r);
    let cell = view.cell(s, r);
    let empty = Allocation::default();
    let a = cell.allocation.unwrap_or(&empty);
    let origin = match cell.origin {
        Origin::Unset => "unset",
        Origin::Preset(_) => "preset",
        Origin::Explicit => "model",
    };
    let mut out = Vec::with_capacity(1 + a.tasks.len());
    let [description, scope, frequency, sla, evidence, contract] = terms_cols(&a.terms);
    out.push(MatrixRow {
        service: s,
        responsibility: r,
        is_task: false,
        values: [
            service.id.clone(),
            resp.id.clone(),
            a.status.as_str().to_owned(),
            opt(&a.reason),
            a.from.as_ref().map(|f| f.id.clone()).unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
            description,
            scope,
            frequency,
            sla,
            evidence,
            contract,
            a.contested
                .as_ref()
                .map(|c| c.by.id.clone())
                .unwrap_or_default(),
            a.contested
                .as_ref()
                .map(|c| c.comment.clone())
                .unwrap_or_default(),
            a.review_by.map(|d| d.to_string()).unwrap_or_default(),
            opt(&a.note),
            origin.to_owned(),
            resp.title.clone(),
            a.implementation
                .map(|i| i.as_str().to_owned())
                .unwrap_or_default(),
            String::new(),
        ],
    });
    for t in &a.tasks {
        let [description, scope, frequency, sla, evidence, contract] = terms_cols(&t.terms);
        out.push(MatrixRow {
            service: s,
            responsibility: r,
            is_task: true,
            values: [
                service.id.clone(),
                resp.id.clone(),
                String::new(),
                String::new(),
                String::new(),
                t.owners
                    .iter()
                    .map(|o| o.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                t.role.as_ref().map(|r| r.id.clone()).unwrap_or_default(),
                t.kind.as_str().to_owned(),
                description,
                scope,
                frequency,
                sla,
                evidence,
                contract,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                origin.to_owned(),
                resp.title.clone(),
                String::new(),
                t.statement.clone().unwrap_or_default(),
            ],
        });
    }
    out
}

/// Write the matrix (optionally one service's, or only the cells a party holds).
pub fn write(view: &View<'_>, filter: MatrixFilter) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for row in rows(view, filter) {
        w.write_record(&row.values)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A problem with one row of a matrix table (a CSV file or a workbook's sheet), or with its
/// header: the row, the column and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowError {
    /// The row's number as the caller numbered it (for the header, the header's number).
    pub row: u64,
    /// The column the problem is in, when it is in one of ours.
    pub column: Option<&'static str>,
    /// The 0-based position of that column in the table's header, when the table has it (an
    /// unknown column has a position but no name of ours).
    pub position: Option<usize>,
    pub message: String,
}

/// Read a matrix CSV into a model: the model's explicit allocations after the CSV's cells
/// replace theirs. Cells the CSV does not hold (a sheet exported for one service or party)
/// stay as they are.
///
/// Every row is checked; any error rejects the whole file. Rows whose origin is `preset` or
/// `unset` and that still match the preset (or say nothing), stay implicit. This is
/// [`read_table`] on the CSV's lines, with line numbers in the errors.
pub fn read(model: &Model, text: &str) -> Result<Vec<ServiceAllocations>, Vec<CsvError>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match rdr.headers() {
        Ok(h) => h
            .iter()
            .map(|s| s.trim().trim_start_matches('\u{feff}').to_owned())
            .collect(),
        Err(e) => {
            return Err(vec![CsvError {
                line: 1,
                column: None,
                message: format!("cannot read the header: {e}"),
            }]);
        }
    };
    // Lines that are not CSV records are reported where they are; the others are read.
    let mut bad_lines = Vec::new();
    let records = rdr.records().filter_map(|rec| match rec {
        Ok(r) => Some((
            r.position().map_or(0, |p| line_at(text, p.byte())),
            r.iter().map(str::to_owned).collect(),
        )),
        Err(e) => {
            bad_lines.push(CsvError {
                line: e.position().map_or(0, |p| line_at(text, p.byte())),
                column: None,
                message: e.to_string(),
            });
            None
        }
    });
    let result = read_table(model, 1, &header, records);
    let mut errors: Vec<CsvError> = match result {
        Ok(allocations) if bad_lines.is_empty() => return Ok(allocations),
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_iter()
            .map(|e| CsvError {
                line: e.row,
                column: e.column,
                message: e.message,
            })
            .collect(),
    };
    errors.extend(bad_lines);
    errors.sort_by_key(|e| e.line);
    Err(errors)
}

/// Read a matrix table — a header and numbered rows of text, from a CSV file or a workbook's
/// sheet — into a model's allocations: the model's explicit allocations after the table's
/// cells replace theirs. Cells the table does not hold stay as they are.
///
/// Columns are found by name in `header` (numbered `header_row` in errors). Rows with nothing
/// in them are skipped. A task row may leave `service` and `responsibility` empty: it belongs
/// to the cell row above it. Every row is checked; any error rejects the whole table, and the
/// errors come in row order.
pub fn read_table<I>(
    model: &Model,
    header_row: u64,
    header: &[String],
    rows: I,
) -> Result<Vec<ServiceAllocations>, Vec<RowError>>
where
    I: IntoIterator<Item = (u64, Vec<String>)>,
{
    let mut errors = Vec::new();
    let header: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    let mut idx = [usize::MAX; COLUMNS.len()];
    for (i, c) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == c) {
            Some(p) => idx[i] = p,
            None if matches!(*c, "service" | "responsibility" | "status" | "owner") => {
                errors.push(RowError {
                    row: header_row,
                    column: Some(c),
                    position: None,
                    message: format!(
                        "the header has no column \"{c}\" (expected the columns {})",
                        COLUMNS.join(", ")
                    ),
                })
            }
            None => {}
        }
    }
    for (p, h) in header.iter().enumerate() {
        if !COLUMNS.contains(h) {
            errors.push(RowError {
                row: header_row,
                column: None,
                position: Some(p),
                message: format!("unknown column \"{h}\"{}", did_you_mean(h, COLUMNS)),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let view = View::new(model);
    // Cells in table order, grouped by service in model order.
    let mut by_service: Vec<Vec<(Allocation, bool)>> = vec![Vec::new(); model.services.len()];
    // The cell of the last cell row read without error, which task rows below it belong to.
    let mut current: Option<(ServiceIx, RespIx)> = None;
    let mut seen = std::collections::HashSet::new();
    for (row, rec) in rows {
        if rec.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let get = |c: usize| -> &str {
            if idx[c] == usize::MAX {
                ""
            } else {
                rec.get(idx[c]).map_or("", String::as_str)
            }
        };
        let mut err = |column: &'static str, message: String| {
            let c = COLUMNS.iter().position(|&x| x == column).unwrap_or(0);
            errors.push(RowError {
                row,
                column: Some(column),
                position: (idx[c] != usize::MAX).then_some(idx[c]),
                message,
            })
        };
        let opt = |c: usize| -> Option<String> {
            let v = get(c);
            (!v.is_empty()).then(|| v.to_owned())
        };

        let owner = get(5).trim();
        let is_task = !owner.is_empty();
        let mut sid = get(0).trim();
        let mut rid = get(1).trim();
        if is_task && (sid.is_empty() || rid.is_empty()) {
            // A task row may leave the ids to the cell row above it.
            let Some((s, r)) = current else {
                err(
                    "owner",
                    "a task row with an empty service or responsibility belongs to the cell row above it (the row with an empty owner), but there is no cell row above it".into(),
                );
                continue;
            };
            if sid.is_empty() {
                sid = &view.service(s).id;
            }
            if rid.is_empty() {
                rid = &view.responsibility(r).id;
            }
        }
        if !is_task {
            current = None;
        }
        let Some(s) = view.service_index(sid) else {
            err(
                "service",
                format!(
                    "there is no service \"{sid}\" in the model{}",
                    did_you_mean(sid, model.services.iter().map(|s| s.id.as_str()))
                ),
            );
            continue;
        };
        let Some(r) = view.responsibility_index(rid) else {
            err(
                "responsibility",
                format!(
                    "there is no responsibility \"{rid}\" in the model's catalogues{}",
                    did_you_mean(
                        rid,
                        view.responsibilities().iter().map(|(_, r)| r.id.as_str())
                    )
                ),
            );
            continue;
        };
        let evidence = match parse_evidence(get(12)) {
            Ok(e) => e,
            Err(m) => {
                err("evidence", m);
                Vec::new()
            }
        };
        let terms = Terms {
            description: opt(8),
            scope: opt(9),
            frequency: opt(10),
            sla: opt(11),
            evidence,
            contract: opt(13),
        };
        if !is_task {
            // A cell row.
            if !seen.insert((s, r)) {
                err(
                    "responsibility",
                    format!("the cell {sid} / {rid} appears twice"),
                );
                continue;
            }
            let Some(status) = Status::parse(get(2)) else {
                err(
                    "status",
                    format!(
                        "unknown status \"{}\", expected one of customer, supplier, shared, inherited, not-applicable, undecided",
                        get(2)
                    ),
                );
                continue;
            };
            let review_by = match get(16).trim() {
                "" => None,
                d => match d.parse::<Date>() {
                    Ok(d) => Some(d),
                    Err(e) => {
                        err("review_by", e.to_string());
                        None
                    }
                },
            };
            let contested = match (opt(14), opt(15)) {
                (None, None) => None,
                (Some(by), comment) => Some(Contest {
                    by: Ref::new(by),
                    comment: comment.unwrap_or_default(),
                }),
                (None, Some(_)) => {
                    err(
                        "contested_by",
                        "a contested comment needs the party that contests (contested_by)".into(),
                    );
                    None
                }
            };
            let origin_preset = match get(18).trim() {
                "" | "model" => false,
                "preset" | "unset" => true,
                o => {
                    err(
                        "origin",
                        format!("unknown origin \"{o}\", expected model, preset or unset"),
                    );
                    false
                }
            };
            let implementation = match get(20).trim() {
                "" => None,
                i => match Implementation::parse(i) {
                    Some(i) => Some(i),
                    None => {
                        err(
                            "implementation",
                            format!(
                                "unknown implementation status \"{i}\", expected implemented, partial, planned or alternative (or nothing)"
                            ),
                        );
                        None
                    }
                },
            };
            if !get(21).trim().is_empty() {
                err(
                    "statement",
                    "a statement belongs on a task row (with an owner), not on the cell row".into(),
                );
            }
            let a = Allocation {
                responsibility: Ref::new(rid),
                status,
                reason: opt(3),
                from: opt(4).map(Ref::new),
                terms,
                tasks: Vec::new(),
                contested,
                review_by,
                implementation,
                note: opt(17),
                loc: None,
            };
            by_service[s as usize].push((a, origin_preset));
            current = Some((s, r));
        } else {
            // A task row: it belongs to the cell row just above.
            if current != Some((s, r)) {
                err(
                    "owner",
                    format!(
                        "a task row for {sid} / {rid} must follow that cell's row (the row with an empty owner)"
                    ),
                );
                continue;
            }
            let status = get(2).trim();
            if !status.is_empty() {
                err(
                    "status",
                    "task rows leave status empty; the cell row above holds it".into(),
                );
            }
            if !get(20).trim().is_empty() {
                err(
                    "implementation",
                    "task rows leave implementation empty; the cell row above holds it".into(),
                );
            }
            let Some(kind) = TaskKind::parse(if get(7).trim().is_empty() {
                "operate"
            } else {
                get(7)
            }) else {
                err(
                    "kind",
                    format!(
                        "unknown task kind \"{}\", expected operate or oversee",
                        get(7)
                    ),
                );
                continue;
            };
            let task = Task {
                owners: owner
                    .split(',')
                    .map(|o| Ref::new(o.trim()))
                    .filter(|o| !o.id.is_empty())
                    .collect(),
                role: opt(6).map(Ref::new),
                kind,
                statement: opt(21),
                terms,
                loc: None,
            };
            if let Some((a, _)) = by_service[s as usize].last_mut() {
                a.tasks.push(task);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Merge: the cells the CSV holds replace the model's (in place where the model wrote
    // them); every other explicit cell is kept.
    let mut out = Vec::new();
    for (s, csv_cells) in by_service.into_iter().enumerate() {
        let service = &model.services[s];
        let mut from_csv: Vec<Option<Allocation>> = Vec::new();
        let mut covered: std::collections::HashMap<String, usize> =
            std::collections::HashMap::new();
        for (a, implicit) in csv_cells {
            let r = view
                .responsibility_index(&a.responsibility.id)
                .unwrap_or_default();
            let preset = view
                .cell(s as ServiceIx, r)
                .preset
                .map(|(_, e)| &e.allocation);
            let stays_implicit = implicit
                && match preset {
                    Some(p) => same(p, &a),
                    None => same(
                        &Allocation {
                            responsibility: a.responsibility.clone(),
                            ..Allocation::default()
                        },
                        &a,
                    ),
                };
            covered.insert(a.responsibility.id.clone(), from_csv.len());
            from_csv.push((!stays_implicit).then_some(a));
        }
        let mut cells = Vec::new();
        for group in model
            .allocations
            .iter()
            .filter(|g| g.service.id == service.id)
        {
            for a in &group.cells {
                match covered.get(&a.responsibility.id) {
                    Some(&i) => cells.extend(from_csv[i].take()),
                    None => cells.push(a.clone()),
                }
            }
        }
        cells.extend(from_csv.into_iter().flatten());
        if !cells.is_empty() {
            out.push(ServiceAllocations {
                service: Ref::new(service.id.clone()),
                cells,
            });
        }
    }
    // Groups for services the model does not define are not the CSV's business.
    out.extend(
        model
            .allocations
            .iter()
            .filter(|g| view.service_index(&g.service.id).is_none())
            .cloned(),
    );
    Ok(out)
}

/// The 1-based line a byte offset falls on (whatever the line endings).
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut end = (byte as usize).min(bytes.len());
    // A record's position can sit on the line ending before it (with CRLF): step over it.
    while end < bytes.len() && matches!(bytes[end], b'\r' | b'\n') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

fn same(preset: &Allocation, a: &Allocation) -> bool {
    preset.without_locations() == a.without_locations()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::yaml;

    fn riverside() -> Model {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/riverside");
        yaml::load(&dir).unwrap_or_else(|e| panic!("{}", e[0]))
    }

    fn cells_of<'a>(groups: &'a [ServiceAllocations], service: &str, resp: &str) -> &'a Allocation {
        groups
            .iter()
            .filter(|g| g.service.id == service)
            .flat_map(|g| &g.cells)
            .find(|a| a.responsibility.id == resp)
            .unwrap_or_else(|| panic!("no cell {service} / {resp}"))
    }

    #[test]
    fn task_rows_may_leave_the_ids_to_the_cell_row_above() {
        let m = riverside();
        let text = "service,responsibility,status,owner,kind,description\n\
                    it-support,identify-new-threats,shared,,,\n\
                    ,,,acme-it,operate,Watch the threat feeds\n\
                    it-support,,,riverside,oversee,Read the monthly summary\n\
                    ,identify-new-threats,,acme-it,,Tell the Trust\n";
        let groups = read(&m, text).unwrap_or_else(|e| panic!("{e:?}"));
        let a = cells_of(&groups, "it-support", "identify-new-threats");
        assert_eq!(a.status, Status::Shared);
        let owners: Vec<(&str, TaskKind)> = a
            .tasks
            .iter()
            .map(|t| (t.owners[0].id.as_str(), t.kind))
            .collect();
        assert_eq!(
            owners,
            [
                ("acme-it", TaskKind::Operate),
                ("riverside", TaskKind::Oversee),
                ("acme-it", TaskKind::Operate)
            ]
        );
        assert_eq!(
            a.tasks[0].terms.description.as_deref(),
            Some("Watch the threat feeds")
        );
    }

    #[test]
    fn a_task_row_with_no_ids_and_no_cell_row_above_is_refused() {
        let m = riverside();
        let text = "service,responsibility,status,owner\n,,,acme-it\n";
        let errors = read(&m, text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (2, Some("owner")));
        assert!(
            errors[0].message.contains("no cell row above"),
            "{errors:?}"
        );

        // A task row naming another cell than the one above is still refused.
        let text = "service,responsibility,status,owner\n\
                    it-support,identify-new-threats,shared,\n\
                    ,mitigate-new-threats,,acme-it\n";
        let errors = read(&m, text).unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (3, Some("owner")));
        assert!(
            errors[0].message.contains("mitigate-new-threats"),
            "{errors:?}"
        );

        // After a cell row with an error, a task row leaving its ids empty has no cell above.
        let text = "service,responsibility,status,owner\n\
                    it-support,identify-new-threats,sometimes,\n\
                    ,,,acme-it\n";
        let errors = read(&m, text).unwrap_err();
        let lines: Vec<(u64, Option<&str>)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(lines, [(2, Some("status")), (3, Some("owner"))]);
    }

    #[test]
    fn blank_rows_are_skipped() {
        let m = riverside();
        let text = "service,responsibility,status,owner\n\
                    it-support,identify-new-threats,customer,\n\
                    ,,,\n\
                    it-support,mitigate-new-threats,supplier,\n";
        let groups = read(&m, text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            cells_of(&groups, "it-support", "mitigate-new-threats").status,
            Status::Supplier
        );
    }

    #[test]
    fn read_table_numbers_rows_and_columns_as_given() {
        let m = riverside();
        let header: Vec<String> = ["owner", "status", "frequncy", "responsibility", "service"]
            .map(String::from)
            .to_vec();
        let errors = read_table(&m, 7, &header, Vec::new()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].row, 7);
        assert_eq!(errors[0].position, Some(2));
        assert!(
            errors[0].message.contains("did you mean \"frequency\""),
            "{errors:?}"
        );

        let header: Vec<String> = ["owner", "status", "responsibility", "service"]
            .map(String::from)
            .to_vec();
        let rows = vec![
            (
                10,
                ["", "customer", "identify-new-threats", "it-support"]
                    .map(String::from)
                    .to_vec(),
            ),
            (
                12,
                ["", "maybe", "mitigate-new-threats", "it-support"]
                    .map(String::from)
                    .to_vec(),
            ),
        ];
        let errors = read_table(&m, 9, &header, rows).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            (errors[0].row, errors[0].column, errors[0].position),
            (12, Some("status"), Some(1))
        );
    }

    #[test]
    fn rows_are_what_write_writes() {
        let m = riverside();
        let view = View::new(&m);
        let text = write(&view, MatrixFilter::default()).unwrap();
        let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        let written: Vec<Vec<String>> = rdr
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        let rows: Vec<MatrixRow> = rows(&view, MatrixFilter::default()).collect();
        assert_eq!(written.len(), rows.len());
        for (w, r) in written.iter().zip(&rows) {
            assert_eq!(w, &r.values.to_vec());
            assert_eq!(r.is_task, !r.values[5].is_empty());
            assert_eq!(view.service(r.service).id, r.values[0]);
            assert_eq!(view.responsibility(r.responsibility).id, r.values[1]);
        }
        // 4 services x 17 responsibilities, each with one cell row.
        assert_eq!(rows.iter().filter(|r| !r.is_task).count(), 4 * 17);
    }
}
