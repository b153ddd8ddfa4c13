//! The main table of the schedule, the policy annex and the summary as CSV, with a header row.
//! (The matrix CSV, which reads back in, lives in `crate::matrix_csv`.)

use demarc_core::report::{EvidenceInfo, PolicyAnnex, Schedule, ScheduleTask, Summary};

use super::ExportError;

fn write_rows(
    what: &'static str,
    header: &[&str],
    rows: Vec<Vec<String>>,
) -> Result<String, ExportError> {
    let err = |e: &dyn std::fmt::Display| ExportError::Write {
        what,
        message: e.to_string(),
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(|e| err(&e))?;
    for row in rows {
        w.write_record(&row).map_err(|e| err(&e))?;
    }
    let bytes = w.into_inner().map_err(|e| err(&e))?;
    String::from_utf8(bytes).map_err(|e| err(&e))
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn evidence(e: &[EvidenceInfo]) -> String {
    let items: Vec<String> = e
        .iter()
        .map(|e| match e.expires {
            Some(d) => format!("{} (expires {d})", e.description),
            None => e.description.clone(),
        })
        .collect();
    items.join("; ")
}

const SCHEDULE_HEADER: [&str; 21] = [
    "service_id",
    "service",
    "area_id",
    "area",
    "responsibility_id",
    "responsibility",
    "status",
    "category",
    "side",
    "party_id",
    "party",
    "kind",
    "implied",
    "role",
    "description",
    "scope",
    "frequency",
    "sla",
    "evidence",
    "contract",
    "contested_by",
];

/// One row per task: the supplier's, then the customer's counterpart tasks, row by row.
pub fn schedule(s: &Schedule) -> Result<String, ExportError> {
    let (customer_id, customer_name) = s
        .customer
        .as_ref()
        .map_or((String::new(), String::new()), |c| {
            (c.id.clone(), c.name.clone())
        });
    let mut rows = Vec::new();
    for r in &s.rows {
        let sides: [(&str, &str, &str, &[ScheduleTask]); 2] = [
            (
                "supplier",
                &s.supplier.id,
                &s.supplier.name,
                &r.supplier_tasks,
            ),
            ("customer", &customer_id, &customer_name, &r.customer_tasks),
        ];
        for (side, id, name, tasks) in sides {
            for t in tasks {
                rows.push(vec![
                    r.service.id.clone(),
                    r.service.name.clone(),
                    r.area.id.clone(),
                    r.area.title.clone(),
                    r.responsibility.id.clone(),
                    r.responsibility.title.clone(),
                    r.status.to_owned(),
                    r.category.to_owned(),
                    side.to_owned(),
                    id.to_owned(),
                    name.to_owned(),
                    t.kind.to_owned(),
                    yes_no(t.implied),
                    opt(&t.role),
                    opt(&t.description),
                    opt(&t.scope),
                    opt(&t.frequency),
                    opt(&t.sla),
                    evidence(&t.evidence),
                    opt(&t.contract),
                    r.contested
                        .as_ref()
                        .map_or_else(String::new, |c| c.by.id.clone()),
                ]);
            }
        }
    }
    write_rows("contract schedule", &SCHEDULE_HEADER, rows)
}

const ANNEX_HEADER: [&str; 9] = [
    "area_id",
    "area",
    "responsibility_id",
    "responsibility",
    "layer",
    "cannot_be_outsourced",
    "description",
    "operated_by",
    "who_does_it",
];

/// One row per responsibility, with the plain-English statement of who does it.
pub fn policy_annex(a: &PolicyAnnex) -> Result<String, ExportError> {
    let mut rows = Vec::new();
    for area in &a.areas {
        for r in &area.responsibilities {
            let operated_by: Vec<&str> = r.holders.iter().map(|h| h.party.id.as_str()).collect();
            rows.push(vec![
                area.id.clone(),
                area.title.clone(),
                r.id.clone(),
                r.title.clone(),
                r.layer_label.to_owned(),
                yes_no(r.cannot_be_outsourced),
                opt(&r.description),
                operated_by.join(" "),
                r.statement.clone(),
            ]);
        }
    }
    write_rows("policy annex", &ANNEX_HEADER, rows)
}

/// Every figure of the summary as one row: what it measures, about what, and the value.
pub fn summary(s: &Summary) -> Result<String, ExportError> {
    let row = |measure: &str, id: &str, name: &str, value: usize| {
        vec![
            measure.to_owned(),
            id.to_owned(),
            name.to_owned(),
            value.to_string(),
        ]
    };
    let mut rows = vec![
        row("services", "", "", s.services),
        row("responsibilities", "", "", s.responsibilities),
        row("cells", "", "", s.cells),
    ];
    for c in &s.statuses {
        rows.push(row("status", c.status, c.label, c.count));
    }
    for p in &s.parties {
        rows.push(row("operates", &p.party.id, &p.party.name, p.operates));
        rows.push(row("oversees", &p.party.id, &p.party.name, p.oversees));
    }
    for b in &s.split {
        rows.push(row("operates-alone", &b.party.id, &b.party.name, b.alone));
        rows.push(row("operates-shared", &b.party.id, &b.party.name, b.shared));
    }
    rows.push(row("gaps", "", "", s.gaps));
    rows.push(row("contested", "", "", s.contested.len()));
    rows.push(row("overdue-reviews", "", "", s.overdue_reviews.len()));
    rows.push(row("errors", "", "", s.errors));
    rows.push(row("warnings", "", "", s.warnings));
    rows.push(row("ready-to-sign", "", "", usize::from(s.ready_to_sign)));
    write_rows("board summary", &["measure", "id", "name", "value"], rows)
}
