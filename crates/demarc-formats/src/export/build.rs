//! Reports as documents: the wording and layout of each document, independent of format.

use demarc_core::report::{
    EvidenceInfo, MatrixCell, MatrixReport, ModelInfo, PolicyAnnex, Schedule, ScheduleRow,
    ScheduleTask, Summary, join_names,
};

use super::document::{
    Bar, Block, Chart, Document, Inline, Meta, Section, SignLine, SignOff, SignOffParty, Table,
    TableCell, Tone,
};

fn subtitle(model: &ModelInfo) -> Option<String> {
    let name = model.name.trim();
    match (&model.version, name.is_empty()) {
        (Some(v), false) => Some(format!("{name}, version {v}")),
        (Some(v), true) => Some(format!("Version {v}")),
        (None, false) => Some(name.to_owned()),
        (None, true) => None,
    }
}

fn customer_name(model: &ModelInfo) -> String {
    model
        .customer
        .as_ref()
        .map_or_else(|| "The organisation".to_owned(), |c| c.name.clone())
}

/// Prose written in a catalogue or model as paragraphs: lines wrapped within a paragraph are
/// joined with spaces; blank lines separate paragraphs.
pub fn prose(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            if !current.is_empty() {
                out.push(current.join(" "));
                current.clear();
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        out.push(current.join(" "));
    }
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

// ---------------------------------------------------------------------------------------------
// Matrix
// ---------------------------------------------------------------------------------------------

/// The responsibility matrix as a document.
pub fn matrix(m: &MatrixReport) -> Document {
    let mut meta = Vec::new();
    if let Some(c) = &m.model.customer {
        meta.push(Meta::new("Organisation", &c.name));
    }
    if let Some(s) = &m.service {
        meta.push(Meta::new("Service", &s.name));
    }
    if let Some(p) = &m.party {
        meta.push(Meta::new("Only cells of", &p.name));
    }
    if let Some(next) = m.model.review_next {
        meta.push(Meta::new("Next review", next.to_string()));
    }

    let mut sections = Vec::new();
    let mut intro = Section::new("How to read this matrix");
    intro.push(Block::text(
        "Each row is a security or operational responsibility; each column is a service. \
         A cell says who does the work (the status and the parties that operate it), who \
         oversees it, and how the Cloud Security Alliance's CAIQ would classify it.",
    ));
    if let Some(p) = &m.party {
        intro.push(Block::text(format!(
            "Only the cells where {} does or oversees the work are shown.",
            p.name
        )));
    }
    sections.push(intro);

    if m.areas.is_empty() {
        let mut empty = Section::new("Responsibilities");
        empty.push(Block::text(match &m.party {
            Some(p) => format!("{} has no part in any cell shown.", p.name),
            None => {
                "There is nothing to show: the model has no services or no responsibilities yet."
                    .to_owned()
            }
        }));
        sections.push(empty);
    }

    if let (Some(p), false) = (&m.party, m.duties.is_empty()) {
        let mut section = Section::new(format!("What {} must do", p.name));
        section.push(Block::text(
            "Each piece of work in the words of the row or task that asks it; \"asked by\" is the \
             provider whose service asks it of its customer, and the chain is who does the rest \
             of the row, upstream last.",
        ));
        section.push(Block::Table(duties_table(&m.duties)));
        sections.push(section);
    }

    let detailed = m.services.len() == 1;
    for area in &m.areas {
        let mut section = Section::new(&area.title).on_new_page();
        let table = if detailed {
            detailed_table(area)
        } else {
            grid_table(m, area)
        };
        section.push(Block::Table(table));
        sections.push(section);
    }

    Document {
        title: match &m.service {
            Some(s) => format!("Responsibility matrix: {}", s.name),
            None => "Responsibility matrix".to_owned(),
        },
        subtitle: subtitle(&m.model),
        meta,
        sections,
        notes: vec![
            "Statuses: Customer — the organisation using the service does it all; Supplier — the \
             service's provider does it all; Shared — split into tasks, each with one owner; \
             Inherited — the provider meets it through a service it is built on; Not applicable \
             — with a reason; Undecided — nobody has been given it yet."
                .to_owned(),
            "CAIQ: the \"SSRM control ownership\" category of the CSA Consensus Assessments \
             Initiative Questionnaire v4, seen from the service's customer."
                .to_owned(),
            "Only parties that operate a responsibility do it; overseeing (deciding, approving, \
             reviewing) someone else's work is not doing it."
                .to_owned(),
        ],
        landscape: m.services.len() > 2,
    }
}

fn grid_table(m: &MatrixReport, area: &demarc_core::report::MatrixArea) -> Table {
    let mut header = vec!["Responsibility".to_owned()];
    header.extend(m.services.iter().map(|s| match &s.provider {
        Some(p) => format!("{}\n({})", s.name, p.name),
        None => s.name.clone(),
    }));
    let rows = area
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![responsibility_cell(&row.responsibility)];
            cells.extend(row.cells.iter().map(|c| match c {
                Some(c) => grid_cell(c),
                None => TableCell::new("—", Tone::Muted),
            }));
            cells
        })
        .collect();
    Table {
        caption: Some(format!(
            "{}: who does each responsibility, by service",
            area.title
        )),
        header,
        rows,
        row_header: true,
    }
}

fn responsibility_cell(r: &demarc_core::report::ResponsibilityRef) -> TableCell {
    if r.retained {
        TableCell::from(format!("{}\n(cannot be outsourced)", r.title))
    } else {
        TableCell::from(r.title.clone())
    }
}

fn names(list: &[demarc_core::report::PartyRef]) -> String {
    join_names(&list.iter().map(|p| p.name.clone()).collect::<Vec<_>>())
}

fn who_does_it(c: &MatrixCell) -> String {
    if c.status == "not-applicable" {
        return c
            .reason
            .clone()
            .unwrap_or_else(|| "No reason given".to_owned());
    }
    if c.operators.is_empty() {
        return if c.broken {
            "Nobody: the chain it is inherited through reaches nobody".to_owned()
        } else {
            "Nobody does this yet".to_owned()
        };
    }
    let who = names(&c.operators);
    if c.via.is_empty() {
        who
    } else {
        let via: Vec<String> = c.via.iter().map(|s| s.name.clone()).collect();
        format!("{who} (via {})", join_names(&via))
    }
}

fn cell_flags(c: &MatrixCell) -> Vec<String> {
    let mut flags = Vec::new();
    if c.is_override {
        flags.push("Overrides the preset".to_owned());
    } else if c.origin == "preset" {
        flags.push("From the preset".to_owned());
    }
    if let Some(k) = &c.contested {
        flags.push(format!("Disputed by {}: {}", k.by.name, k.comment));
    }
    flags
}

fn cell_tone(c: &MatrixCell) -> Tone {
    if c.gap {
        Tone::Problem
    } else if c.contested.is_some() {
        Tone::Attention
    } else if c.status == "not-applicable" {
        Tone::Muted
    } else {
        Tone::Plain
    }
}

fn grid_cell(c: &MatrixCell) -> TableCell {
    let mut lines = vec![c.status_label.to_owned(), who_does_it(c)];
    if !c.overseers.is_empty() {
        lines.push(format!("Overseen by {}", names(&c.overseers)));
    }
    if c.status != "not-applicable" && !c.gap {
        lines.push(format!("CAIQ: {}", c.category));
    }
    if c.tasks > 0 {
        lines.push(plural(c.tasks, "task", "tasks"));
    }
    lines.extend(cell_flags(c));
    TableCell::new(lines.join("\n"), cell_tone(c))
}

fn duties_table(duties: &[demarc_core::report::Duty]) -> Table {
    let header = [
        "Service",
        "Responsibility",
        "Part",
        "What",
        "Asked by",
        "Chain",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = duties
        .iter()
        .map(|d| {
            let title = match &d.statement {
                Some(st) => format!("{} ({st})", d.responsibility.title),
                None => d.responsibility.title.clone(),
            };
            vec![
                TableCell::from(d.service.name.clone()),
                TableCell::from(title),
                TableCell::from(if d.kind == "oversee" {
                    "oversees"
                } else {
                    "does it"
                }),
                TableCell::from(d.description.clone().unwrap_or_default()),
                TableCell::from(
                    d.asked_by
                        .as_ref()
                        .map(|a| a.name.clone())
                        .unwrap_or_default(),
                ),
                TableCell::from(
                    d.chain
                        .iter()
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" → "),
                ),
            ]
        })
        .collect();
    Table {
        caption: Some("What this party must do".to_owned()),
        header,
        rows,
        row_header: false,
    }
}

fn detailed_table(area: &demarc_core::report::MatrixArea) -> Table {
    let header = [
        "Responsibility",
        "Status",
        "Who does it",
        "Who oversees it",
        "CAIQ category",
        "Tasks",
        "Remarks",
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = area
        .rows
        .iter()
        .filter_map(|row| {
            let c = row.cells.first()?.as_ref()?;
            let mut remarks = cell_flags(c);
            if let Some(n) = &c.note {
                remarks.push(n.clone());
            }
            let tone = cell_tone(c);
            Some(vec![
                responsibility_cell(&row.responsibility),
                TableCell::new(c.status_label, tone),
                TableCell::new(who_does_it(c), tone),
                TableCell::from(names(&c.overseers)),
                TableCell::from(c.category),
                TableCell::from(c.tasks.to_string()),
                TableCell::from(remarks.join("\n")),
            ])
        })
        .collect();
    Table {
        caption: Some(format!("{}: who does each responsibility", area.title)),
        header,
        rows,
        row_header: true,
    }
}

// ---------------------------------------------------------------------------------------------
// Schedule
// ---------------------------------------------------------------------------------------------

fn evidence_text(e: &[EvidenceInfo]) -> Option<String> {
    if e.is_empty() {
        return None;
    }
    let items: Vec<String> = e
        .iter()
        .map(|e| match e.expires {
            Some(d) => format!("{} (valid until {d})", e.description),
            None => e.description.clone(),
        })
        .collect();
    Some(items.join("; "))
}

/// One task as lines of text: what, then its terms.
pub(super) fn task_text(t: &ScheduleTask) -> String {
    let kind = match t.kind {
        "oversee" => "Oversees",
        _ => "Does",
    };
    let head = match (&t.role, t.implied) {
        (Some(role), _) => format!("{kind} (as {role})"),
        (None, true) => "All of it".to_owned(),
        (None, false) => kind.to_owned(),
    };
    let mut lines = vec![match &t.description {
        Some(d) if !t.implied || t.role.is_some() => format!("{head}: {d}"),
        Some(d) => d.clone(),
        None => head,
    }];
    for (label, value) in [
        ("Scope", t.scope.clone()),
        ("Frequency", t.frequency.clone()),
        ("Service level", t.sla.clone()),
        ("Evidence", evidence_text(&t.evidence)),
        ("Contract", t.contract.clone()),
    ] {
        if let Some(v) = value {
            lines.push(format!("{label}: {v}"));
        }
    }
    lines.join("\n")
}

fn tasks_text(tasks: &[ScheduleTask]) -> String {
    let parts: Vec<String> = tasks.iter().map(task_text).collect();
    parts.join("\n\n")
}

fn schedule_row(row: &ScheduleRow, customer: &str) -> Vec<TableCell> {
    let mut status = vec![row.status_label.to_owned()];
    let mut tone = Tone::Plain;
    if let Some(c) = &row.contested {
        status.push(format!("Disputed by {}: {}", c.by.name, c.comment));
        tone = Tone::Attention;
    }
    if let Some(d) = row.review_by {
        status.push(format!("Review by {d}"));
    }
    if let Some(n) = &row.note {
        status.push(format!("Note: {n}"));
    }
    let customer_part = if row.customer_tasks.is_empty() {
        format!("No task for {customer}")
    } else {
        tasks_text(&row.customer_tasks)
    };
    let mut resp = row.responsibility.title.clone();
    if row.responsibility.retained {
        resp.push_str("\n(cannot be outsourced)");
    }
    vec![
        TableCell::from(resp),
        TableCell::from(row.area.title.clone()),
        TableCell::new(status.join("\n"), tone),
        TableCell::from(tasks_text(&row.supplier_tasks)),
        TableCell::from(customer_part),
    ]
}

/// The contract schedule as a document.
pub fn schedule(s: &Schedule) -> Document {
    let supplier = &s.supplier.name;
    let customer = s
        .customer
        .as_ref()
        .map_or_else(|| "the customer".to_owned(), |c| c.name.clone());

    let mut meta = vec![Meta::new("Date", s.date.to_string())];
    meta.push(Meta::new(
        "Supplier",
        match &s.supplier_kind {
            Some(k) => format!("{supplier} ({k})"),
            None => supplier.clone(),
        },
    ));
    meta.push(Meta::new("Customer", &customer));

    let mut about = Section::new("About this schedule");
    about.push(Block::text(format!(
        "This schedule forms part of the agreement between {customer} (the customer) and \
         {supplier} (the supplier). For each service, it lists every security responsibility \
         in which {supplier} has a part: what {supplier} does, and what {customer} does \
         alongside it. {customer} remains accountable for the security of its information \
         throughout, including where {supplier} does the work."
    )));
    let disputed = s.rows.iter().filter(|r| r.contested.is_some()).count();
    if disputed > 0 {
        about.push(Block::Note(vec![
            Inline::Strong(format!(
                "{} disputed.",
                plural(disputed, "row is", "rows are")
            )),
            Inline::Text(" Resolve them before this schedule is signed.".to_owned()),
        ]));
    }
    if !s.services.is_empty() {
        about.push(Block::Heading("Services covered".to_owned()));
        about.push(Block::Table(Table {
            caption: None,
            header: ["Service", "Provider", "Contract", "Evidence"]
                .map(str::to_owned)
                .to_vec(),
            rows: s
                .services
                .iter()
                .map(|svc| {
                    vec![
                        TableCell::from(svc.name.clone()),
                        TableCell::from(
                            svc.provider
                                .as_ref()
                                .map_or_else(String::new, |p| p.name.clone()),
                        ),
                        TableCell::from(svc.contract.clone().unwrap_or_default()),
                        TableCell::from(evidence_text(&svc.evidence).unwrap_or_default()),
                    ]
                })
                .collect(),
            row_header: true,
        }));
    }
    let mut sections = vec![about];

    if s.rows.is_empty() {
        let mut none = Section::new("Responsibilities");
        none.push(Block::text(format!(
            "{supplier} has no tasks in this model for the services {customer} uses."
        )));
        sections.push(none);
    }
    let mut i = 0;
    while i < s.rows.len() {
        let service = &s.rows[i].service;
        let end = s.rows[i..]
            .iter()
            .position(|r| r.service.id != service.id)
            .map_or(s.rows.len(), |n| i + n);
        let mut section = Section::new(&service.name).on_new_page();
        section.push(Block::Table(Table {
            caption: Some(format!("{}: who does what", service.name)),
            header: vec![
                "Responsibility".to_owned(),
                "Area".to_owned(),
                "Status".to_owned(),
                format!("{supplier} does"),
                format!("{customer} does"),
            ],
            rows: s.rows[i..end]
                .iter()
                .map(|r| schedule_row(r, &customer))
                .collect(),
            row_header: true,
        }));
        sections.push(section);
        i = end;
    }

    let mut sign = Section::new("Sign-off").on_new_page();
    sign.push(Block::text(format!(
        "Signed on behalf of each party to confirm that {customer} and {supplier} agree this \
         schedule. Any later change to it must be agreed and signed again."
    )));
    sign.push(Block::SignOff(SignOff {
        parties: s
            .sign_off
            .iter()
            .map(|p| SignOffParty {
                heading: format!("For {} ({})", p.party.name, p.side),
                signatories: p
                    .signatories
                    .iter()
                    .map(|x| SignLine {
                        name: x.name.clone(),
                        title: match (&x.title, &x.role) {
                            (Some(t), _) => Some(t.clone()),
                            (None, Some(r)) => Some(r.clone()),
                            (None, None) => None,
                        },
                    })
                    .collect(),
            })
            .collect(),
    }));
    sections.push(sign);

    Document {
        title: format!("Contract schedule: shared security responsibilities with {supplier}"),
        subtitle: subtitle(&s.model),
        meta,
        sections,
        notes: vec![
            "Where a row's status is Supplier, the supplier does all of that responsibility; \
             where it is Inherited, the supplier provides it through the provider of a service \
             it builds on, and stays answerable for it."
                .to_owned(),
            "Where a task names no evidence or contract of its own, the service's contract and \
             evidence apply to the service's provider."
                .to_owned(),
        ],
        landscape: true,
    }
}

// ---------------------------------------------------------------------------------------------
// Policy annex
// ---------------------------------------------------------------------------------------------

/// The information security policy annex as a document.
pub fn policy_annex(a: &PolicyAnnex) -> Document {
    let customer = customer_name(&a.model);
    let mut meta = vec![Meta::new("Organisation", &customer)];
    if !a.services.is_empty() {
        let names: Vec<String> = a.services.iter().map(|s| s.name.clone()).collect();
        meta.push(Meta::new("Services covered", join_names(&names)));
    }
    if let Some(next) = a.model.review_next {
        meta.push(Meta::new("Next review", next.to_string()));
    }

    let mut about = Section::new("About this annex");
    about.push(Block::text(format!(
        "This annex forms part of the information security policy of {customer}. For each \
         security responsibility, it says who carries it out for each IT service {customer} \
         uses. {customer} stays accountable for all of them, even where a supplier does the \
         work."
    )));
    about.push(Block::Paragraph(vec![
        Inline::Text("Responsibilities marked ".to_owned()),
        Inline::Strong("cannot be outsourced".to_owned()),
        Inline::Text(format!(
            " always stay with {customer}, whatever the service."
        )),
    ]));
    let mut sections = vec![about];

    for area in &a.areas {
        let mut section = Section::new(&area.title);
        if let Some(d) = &area.description {
            section.blocks.extend(prose(d).into_iter().map(Block::text));
        }
        for r in &area.responsibilities {
            // The statement says it cannot be outsourced; the heading marks it too.
            section.push(Block::Heading(if r.cannot_be_outsourced {
                format!("{} (cannot be outsourced)", r.title)
            } else {
                r.title.clone()
            }));
            if let Some(d) = &r.description {
                section.blocks.extend(
                    prose(d)
                        .into_iter()
                        .map(|p| Block::Paragraph(vec![Inline::Emphasis(p)])),
                );
            }
            if !r.statement.is_empty() {
                section.push(Block::text(r.statement.clone()));
            }
        }
        sections.push(section);
    }

    Document {
        title: "Information security policy annex: who does what".to_owned(),
        subtitle: subtitle(&a.model),
        meta,
        sections,
        notes: Vec::new(),
        landscape: false,
    }
}

// ---------------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------------

/// The board summary as a document.
pub fn summary(s: &Summary) -> Document {
    let customer = customer_name(&s.model);
    let mut meta = vec![
        Meta::new("Organisation", &customer),
        Meta::new("Date", s.date.to_string()),
    ];
    if let Some(next) = s.model.review_next {
        let overdue = if next < s.date { " (overdue)" } else { "" };
        meta.push(Meta::new("Next review", format!("{next}{overdue}")));
    }

    let mut glance = Section::new("At a glance");
    glance.push(Block::text(format!(
        "{} × {} = {} to allocate.",
        plural(s.services, "service", "services"),
        plural(s.responsibilities, "responsibility", "responsibilities"),
        plural(s.cells, "cell", "cells"),
    )));
    glance.push(Block::Paragraph(vec![
        Inline::Strong(if s.ready_to_sign {
            "Ready to sign.".to_owned()
        } else {
            "Not ready to sign.".to_owned()
        }),
        Inline::Text(format!(
            " The checks found {} and {}: {} (work nobody does) and {}.",
            plural(s.errors, "error", "errors"),
            plural(s.warnings, "warning", "warnings"),
            plural(s.gaps, "gap", "gaps"),
            plural(s.contested.len(), "disputed row", "disputed rows"),
        )),
    ]));
    glance.push(Block::Table(Table {
        caption: Some("Cells by status".to_owned()),
        header: vec!["Status".to_owned(), "Cells".to_owned()],
        rows: s
            .statuses
            .iter()
            .map(|c| {
                let tone = if c.status == "undecided" && c.count > 0 {
                    Tone::Problem
                } else {
                    Tone::Plain
                };
                vec![
                    TableCell::from(c.label),
                    TableCell::new(c.count.to_string(), tone),
                ]
            })
            .collect(),
        row_header: true,
    }));

    let mut who = Section::new("Who does the work");
    who.push(Block::Chart(Chart {
        title: "Cells each party does the work of".to_owned(),
        series: vec!["alone".to_owned(), "shared with another party".to_owned()],
        bars: s
            .split
            .iter()
            .map(|b| Bar {
                label: b.party.name.clone(),
                values: vec![b.alone as u64, b.shared as u64],
            })
            .collect(),
        unit: "cells".to_owned(),
    }));
    who.push(Block::Table(Table {
        caption: Some("Cells each party operates and oversees".to_owned()),
        header: ["Party", "Kind", "Operates", "Oversees"]
            .map(str::to_owned)
            .to_vec(),
        rows: s
            .parties
            .iter()
            .map(|p| {
                vec![
                    TableCell::from(p.party.name.clone()),
                    TableCell::from(p.kind.clone().unwrap_or_default()),
                    TableCell::from(p.operates.to_string()),
                    TableCell::from(p.oversees.to_string()),
                ]
            })
            .collect(),
        row_header: true,
    }));

    let mut gaps = Section::new(format!("Gaps ({})", s.gaps));
    if s.gap_list.is_empty() {
        gaps.push(Block::text(
            "No gaps: every responsibility that applies has someone doing it.",
        ));
    } else {
        gaps.push(Block::Table(Table {
            caption: Some("Responsibilities nobody does".to_owned()),
            header: ["Service", "Responsibility", "What is wrong"]
                .map(str::to_owned)
                .to_vec(),
            rows: s
                .gap_list
                .iter()
                .map(|g| {
                    vec![
                        TableCell::from(
                            g.service
                                .as_ref()
                                .map_or_else(String::new, |x| x.name.clone()),
                        ),
                        TableCell::new(
                            g.responsibility
                                .as_ref()
                                .map_or_else(|| g.message.clone(), |x| x.title.clone()),
                            Tone::Problem,
                        ),
                        TableCell::from(capitalise(&g.message)),
                    ]
                })
                .collect(),
            row_header: false,
        }));
        if s.gaps_not_listed > 0 {
            gaps.push(Block::note(format!(
                "And {} more. Run `demarc check` for the full list.",
                s.gaps_not_listed
            )));
        }
    }

    let mut disputed = Section::new(format!("Disputed rows ({})", s.contested.len()));
    if s.contested.is_empty() {
        disputed.push(Block::text("No row is disputed."));
    } else {
        disputed.push(Block::Table(Table {
            caption: Some("Rows a party disputes; they block sign-off".to_owned()),
            header: ["Service", "Responsibility", "Disputed by", "Why"]
                .map(str::to_owned)
                .to_vec(),
            rows: s
                .contested
                .iter()
                .map(|c| {
                    vec![
                        TableCell::from(c.service.name.clone()),
                        TableCell::new(c.responsibility.title.clone(), Tone::Attention),
                        TableCell::from(c.by.name.clone()),
                        TableCell::from(c.comment.clone()),
                    ]
                })
                .collect(),
            row_header: false,
        }));
    }

    let mut reviews = Section::new(format!("Overdue reviews ({})", s.overdue_reviews.len()));
    if s.overdue_reviews.is_empty() {
        reviews.push(Block::text("No review is overdue."));
    } else {
        reviews.push(Block::List(
            s.overdue_reviews
                .iter()
                .map(|f| vec![Inline::Text(capitalise(&f.message))])
                .collect(),
        ));
    }

    Document {
        title: "Board summary: who does what in IT security".to_owned(),
        subtitle: subtitle(&s.model),
        meta,
        sections: vec![glance, who, gaps, disputed, reviews],
        notes: vec![
            "A cell is one responsibility for one service. Operating a cell means doing the \
             work; overseeing means deciding, approving or reviewing it."
                .to_owned(),
        ],
        landscape: false,
    }
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
