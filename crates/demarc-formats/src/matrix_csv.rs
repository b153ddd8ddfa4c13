//! The matrix as CSV, written and read back without loss (`docs/csv.md`).
//!
//! One row per cell (the *cell row*, `owner` empty), followed by one row per task of that cell
//! (the *task rows*, `owner` set). Every cell of the matrix is written, including those a preset
//! fills and those nobody has decided, so the sheet shows the whole matrix; the `origin`
//! column says which is which, and reading keeps preset cells implicit when they are unchanged.

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

fn evidence_text(list: &[Evidence]) -> String {
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

fn parse_evidence(s: &str) -> Result<Vec<Evidence>, String> {
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

/// Write the matrix (optionally one service's, or only the cells a party holds).
pub fn write(view: &View<'_>, filter: MatrixFilter) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(COLUMNS)?;
    for (s, service) in view.services().iter().enumerate() {
        let s = s as ServiceIx;
        if filter.service.is_some_and(|f| f != s) {
            continue;
        }
        for (r, (_, resp)) in view.responsibilities().iter().enumerate() {
            let r = r as RespIx;
            let cell = view.cell(s, r);
            if let Some(p) = filter.party
                && !cell.operators.contains(&p)
                && !cell.overseers.contains(&p)
            {
                continue;
            }
            let empty = Allocation::default();
            let a = cell.allocation.unwrap_or(&empty);
            let origin = match cell.origin {
                Origin::Unset => "unset",
                Origin::Preset(_) => "preset",
                Origin::Explicit => "model",
            };
            let [description, scope, frequency, sla, evidence, contract] = terms_cols(&a.terms);
            w.write_record([
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
            ])?;
            for t in &a.tasks {
                let [description, scope, frequency, sla, evidence, contract] = terms_cols(&t.terms);
                w.write_record([
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
                ])?;
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Read a matrix CSV into a model: the model's explicit allocations after the CSV's cells
/// replace theirs. Cells the CSV does not hold (a sheet exported for one service or party)
/// stay as they are.
///
/// Every row is checked; any error rejects the whole file. Rows whose origin is `preset` or
/// `unset` and that still match the preset (or say nothing), stay implicit.
pub fn read(model: &Model, text: &str) -> Result<Vec<ServiceAllocations>, Vec<CsvError>> {
    let view = View::new(model);
    let mut errors = Vec::new();
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
    let mut idx = [usize::MAX; COLUMNS.len()];
    for (i, c) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == c) {
            Some(p) => idx[i] = p,
            None if matches!(*c, "service" | "responsibility" | "status" | "owner") => {
                errors.push(CsvError {
                    line: 1,
                    column: Some(c),
                    message: format!(
                        "the header has no column \"{c}\" (expected the columns {})",
                        COLUMNS.join(", ")
                    ),
                })
            }
            None => {}
        }
    }
    for h in &header {
        if !COLUMNS.contains(&h.as_str()) {
            errors.push(CsvError {
                line: 1,
                column: None,
                message: format!("unknown column \"{h}\"{}", did_you_mean(h, COLUMNS)),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // Cells in file order, grouped by service in model order.
    let mut by_service: Vec<Vec<(Allocation, bool)>> = vec![Vec::new(); model.services.len()];
    let mut current: Option<(ServiceIx, RespIx)> = None;
    let mut seen = std::collections::HashSet::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                errors.push(CsvError {
                    line,
                    column: None,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| line_at(text, p.byte()));
        let get = |c: usize| -> &str {
            if idx[c] == usize::MAX {
                ""
            } else {
                rec.get(idx[c]).unwrap_or("")
            }
        };
        let mut err = |column: &'static str, message: String| {
            errors.push(CsvError {
                line,
                column: Some(column),
                message,
            })
        };
        let opt = |c: usize| -> Option<String> {
            let v = get(c);
            (!v.is_empty()).then(|| v.to_owned())
        };

        let sid = get(0).trim();
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
        let rid = get(1).trim();
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
        let owner = get(5).trim();
        if owner.is_empty() {
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
