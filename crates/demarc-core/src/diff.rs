//! What changed between two versions of a model, and whether the change must be signed again.
//!
//! Cells are compared as resolved (presets applied, chains followed), so a change to a preset
//! or an upstream service shows where it takes effect.

use std::collections::BTreeSet;

use crate::Status;
use crate::model::{Allocation, Party, Service, Task, Terms};
use crate::view::{Cell, RespIx, ServiceIx, View};

/// The kind of a change record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    ModelChanged,
    PartyAdded,
    PartyRemoved,
    PartyChanged,
    ServiceAdded,
    ServiceRemoved,
    ServiceChanged,
    ResponsibilityAdded,
    ResponsibilityRemoved,
    StatusChanged,
    OwnerChanged,
    TasksChanged,
    TermsChanged,
    Contested,
    ContestResolved,
    NoteChanged,
    ImplementationChanged,
    NewGap,
    GapClosed,
}

/// One change between two versions.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changed, in plain language.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub responsibility: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Whether this change alone means the parties must sign again.
    pub resign: bool,
}

/// All changes from `old` to `new`.
#[derive(Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub struct Diff {
    pub changes: Vec<Change>,
    pub resign_required: bool,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

fn change(kind: ChangeKind, message: String, resign: bool) -> Change {
    Change {
        kind,
        message,
        party: None,
        service: None,
        responsibility: None,
        before: None,
        after: None,
        resign,
    }
}

/// Compare two resolved models.
pub fn diff(old: &View<'_>, new: &View<'_>) -> Diff {
    let mut out = Vec::new();
    let (om, nm) = (old.model, new.model);

    if om.customer.id != nm.customer.id {
        let mut c = change(
            ChangeKind::ModelChanged,
            format!(
                "the customer changed from {} to {}",
                om.customer.id, nm.customer.id
            ),
            true,
        );
        c.before = Some(om.customer.id.clone());
        c.after = Some(nm.customer.id.clone());
        out.push(c);
    }
    for (what, a, b) in [
        ("name", Some(om.name.clone()), Some(nm.name.clone())),
        ("version", om.version.clone(), nm.version.clone()),
        (
            "next review date",
            om.review.next.map(|d| d.to_string()),
            nm.review.next.map(|d| d.to_string()),
        ),
    ] {
        if a != b {
            let mut c = change(
                ChangeKind::ModelChanged,
                format!("the model's {what} changed"),
                false,
            );
            c.before = a;
            c.after = b;
            out.push(c);
        }
    }

    diff_parties(old, new, &mut out);
    diff_services(old, new, &mut out);

    // Responsibilities by id.
    for (_, r) in old.responsibilities() {
        if new.responsibility_index(&r.id).is_none() {
            let mut c = change(
                ChangeKind::ResponsibilityRemoved,
                format!(
                    "responsibility \"{}\" was removed from the catalogue",
                    r.title
                ),
                true,
            );
            c.responsibility = Some(r.id.clone());
            out.push(c);
        }
    }
    for (i, (_, r)) in new.responsibilities().iter().enumerate() {
        if new.responsibility_index(&r.id) == Some(i as u32)
            && old.responsibility_index(&r.id).is_none()
        {
            let mut c = change(
                ChangeKind::ResponsibilityAdded,
                format!("responsibility \"{}\" was added to the catalogue", r.title),
                true,
            );
            c.responsibility = Some(r.id.clone());
            out.push(c);
        }
    }

    // Cells, in the new model's order; a duplicated id counts once (its first definition,
    // as everywhere else).
    for (s, service) in new.services().iter().enumerate() {
        let s = s as ServiceIx;
        if new.service_index(&service.id) != Some(s) {
            continue;
        }
        let os = old.service_index(&service.id);
        for (r, (_, resp)) in new.responsibilities().iter().enumerate() {
            let r = r as RespIx;
            if new.responsibility_index(&resp.id) != Some(r) {
                continue;
            }
            let ncell = new.cell(s, r);
            let ocell = os.and_then(|os| old.responsibility_index(&resp.id).map(|or| (os, or)));
            match ocell {
                Some((os, or)) => diff_cell(old, new, (os, or), (s, r), &mut out),
                None => {
                    if is_gap(ncell) {
                        out.push(cell_change(
                            new,
                            s,
                            r,
                            ChangeKind::NewGap,
                            format!("nobody does \"{}\" for {}", resp.title, service.name),
                            false,
                        ));
                    }
                }
            }
        }
    }

    let resign_required = out.iter().any(|c| c.resign);
    Diff {
        changes: out,
        resign_required,
    }
}

fn is_gap(cell: &Cell<'_>) -> bool {
    cell.status() != Status::NotApplicable && cell.operators.is_empty()
}

fn cell_change(
    view: &View<'_>,
    s: ServiceIx,
    r: RespIx,
    kind: ChangeKind,
    message: String,
    resign: bool,
) -> Change {
    let mut c = change(kind, message, resign);
    c.service = Some(view.service(s).id.clone());
    c.responsibility = Some(view.responsibility(r).id.clone());
    c
}

fn names(view: &View<'_>, parties: &[u32]) -> String {
    let mut ids: Vec<&str> = parties.iter().map(|&p| view.party(p).id.as_str()).collect();
    ids.sort_unstable();
    if ids.is_empty() {
        "nobody".to_owned()
    } else {
        ids.join(", ")
    }
}

/// A task as compared between versions: owner ids, kind and what it says.
fn task_key(view: &View<'_>, s: ServiceIx, t: &Task) -> String {
    let owners: Vec<String> = t
        .owners
        .iter()
        .map(|o| {
            view.owner_party(s, o)
                .map_or_else(|| o.id.clone(), |p| view.party(p).id.clone())
        })
        .collect();
    let statement = t
        .statement
        .as_deref()
        .map(|st| format!(" [{st}]"))
        .unwrap_or_default();
    format!(
        "{} {}{statement}: {}",
        owners.join("+"),
        t.kind.as_str(),
        t.terms.description.as_deref().unwrap_or("")
    )
}

fn terms_text(t: &Terms) -> String {
    let ev: Vec<String> = t
        .evidence
        .iter()
        .map(|e| match e.expires {
            Some(d) => format!("{} (expires {d})", e.description),
            None => e.description.clone(),
        })
        .collect();
    let parts = [
        ("description", t.description.clone()),
        ("scope", t.scope.clone()),
        ("frequency", t.frequency.clone()),
        ("sla", t.sla.clone()),
        ("evidence", (!ev.is_empty()).then(|| ev.join("; "))),
        ("contract", t.contract.clone()),
    ];
    parts
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect::<Vec<_>>()
        .join("; ")
}

fn all_terms(view: &View<'_>, s: ServiceIx, a: &Allocation) -> Vec<String> {
    let mut v = vec![terms_text(&a.terms)];
    v.extend(
        a.tasks
            .iter()
            .map(|t| format!("{} [{}]", task_key(view, s, t), terms_text(&t.terms))),
    );
    v
}

fn diff_cell(
    old: &View<'_>,
    new: &View<'_>,
    (os, or): (ServiceIx, RespIx),
    (s, r): (ServiceIx, RespIx),
    out: &mut Vec<Change>,
) {
    let (oc, nc) = (old.cell(os, or), new.cell(s, r));
    let what = format!(
        "\"{}\" for {}",
        new.responsibility(r).title,
        new.service(s).name
    );

    if oc.status() != nc.status() {
        let mut c = cell_change(
            new,
            s,
            r,
            ChangeKind::StatusChanged,
            format!(
                "{what} changed from {} to {}",
                oc.status().as_str(),
                nc.status().as_str()
            ),
            true,
        );
        c.before = Some(oc.status().as_str().into());
        c.after = Some(nc.status().as_str().into());
        out.push(c);
    }
    let (ob, nb) = (names(old, &oc.operators), names(new, &nc.operators));
    if ob != nb {
        let mut c = cell_change(
            new,
            s,
            r,
            ChangeKind::OwnerChanged,
            format!("who does {what} changed from {ob} to {nb}"),
            true,
        );
        c.before = Some(ob);
        c.after = Some(nb);
        out.push(c);
    }
    let empty = Allocation::default();
    let (oa, na) = (
        oc.allocation.unwrap_or(&empty),
        nc.allocation.unwrap_or(&empty),
    );
    let otasks: BTreeSet<String> = oa.tasks.iter().map(|t| task_key(old, os, t)).collect();
    let ntasks: BTreeSet<String> = na.tasks.iter().map(|t| task_key(new, s, t)).collect();
    if otasks != ntasks || names(old, &oc.overseers) != names(new, &nc.overseers) {
        let removed: Vec<&String> = otasks.difference(&ntasks).collect();
        let added: Vec<&String> = ntasks.difference(&otasks).collect();
        let mut c = cell_change(
            new,
            s,
            r,
            ChangeKind::TasksChanged,
            format!(
                "the tasks of {what} changed ({} added, {} removed)",
                added.len(),
                removed.len()
            ),
            true,
        );
        c.before = Some(
            removed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
        );
        c.after = Some(
            added
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(" | "),
        );
        out.push(c);
    } else {
        let (ot, nt) = (all_terms(old, os, oa), all_terms(new, s, na));
        if ot != nt
            || oa.reason != na.reason
            || oa.from.as_ref().map(|f| &f.id) != na.from.as_ref().map(|f| &f.id)
        {
            let mut c = cell_change(
                new,
                s,
                r,
                ChangeKind::TermsChanged,
                format!(
                    "the terms of {what} changed (SLA, evidence, contract, reason or description)"
                ),
                true,
            );
            c.before = Some(ot.join(" | "));
            c.after = Some(nt.join(" | "));
            out.push(c);
        }
    }
    match (&oa.contested, &na.contested) {
        (None, Some(ct)) => {
            let mut c = cell_change(
                new,
                s,
                r,
                ChangeKind::Contested,
                format!("{} disputes {what}: {}", ct.by.id, ct.comment),
                false,
            );
            c.party = Some(ct.by.id.clone());
            out.push(c);
        }
        (Some(ct), None) => {
            let mut c = cell_change(
                new,
                s,
                r,
                ChangeKind::ContestResolved,
                format!("the dispute over {what} was resolved"),
                false,
            );
            c.party = Some(ct.by.id.clone());
            out.push(c);
        }
        _ => {}
    }
    if oa.implementation != na.implementation {
        let label = |i: Option<crate::model::Implementation>| {
            i.map_or("not recorded", crate::model::Implementation::label)
        };
        out.push(cell_change(
            new,
            s,
            r,
            ChangeKind::ImplementationChanged,
            format!(
                "{what}: implementation {} → {}",
                label(oa.implementation),
                label(na.implementation)
            ),
            false,
        ));
    }
    if oa.note != na.note || oa.review_by != na.review_by {
        out.push(cell_change(
            new,
            s,
            r,
            ChangeKind::NoteChanged,
            format!("the note or review date of {what} changed"),
            false,
        ));
    }
    match (is_gap(oc), is_gap(nc)) {
        (false, true) => out.push(cell_change(
            new,
            s,
            r,
            ChangeKind::NewGap,
            format!("nobody does {what} any more"),
            true,
        )),
        (true, false) => out.push(cell_change(
            new,
            s,
            r,
            ChangeKind::GapClosed,
            format!("{what} now has an owner"),
            false,
        )),
        _ => {}
    }
}

fn party_key(p: &Party) -> (String, Option<String>) {
    (p.name.clone(), p.kind.clone())
}

fn diff_parties(old: &View<'_>, new: &View<'_>, out: &mut Vec<Change>) {
    for p in old.parties() {
        if new.party_index(&p.id).is_none() {
            let mut c = change(
                ChangeKind::PartyRemoved,
                format!("party {} was removed", p.name),
                true,
            );
            c.party = Some(p.id.clone());
            out.push(c);
        }
    }
    for (i, p) in new.parties().iter().enumerate() {
        if new.party_index(&p.id) != Some(i as u32) {
            continue;
        }
        match old.party_index(&p.id) {
            None => {
                let mut c = change(
                    ChangeKind::PartyAdded,
                    format!("party {} was added", p.name),
                    true,
                );
                c.party = Some(p.id.clone());
                out.push(c);
            }
            Some(o) => {
                let op = old.party(o);
                if party_key(op) != party_key(p) {
                    let mut c = change(
                        ChangeKind::PartyChanged,
                        format!("party {} changed its name or type", p.id),
                        true,
                    );
                    c.party = Some(p.id.clone());
                    c.before = Some(op.name.clone());
                    c.after = Some(p.name.clone());
                    out.push(c);
                } else if op.people != p.people
                    || op.roles != p.roles
                    || op.description != p.description
                {
                    let mut c = change(
                        ChangeKind::PartyChanged,
                        format!("the people, roles or description of {} changed", p.name),
                        false,
                    );
                    c.party = Some(p.id.clone());
                    out.push(c);
                }
            }
        }
    }
}

/// What about a service a signature covers.
fn service_terms(view: &View<'_>, s: &Service) -> String {
    let built: Vec<&str> = s.built_on.iter().map(|b| b.id.as_str()).collect();
    let presets = s.presets.as_ref().map(|ps| {
        ps.iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(",")
    });
    let ev: Vec<String> = s
        .evidence
        .iter()
        .map(|e| format!("{}:{:?}", e.description, e.expires))
        .collect();
    format!(
        "provider={} customer={} model={} built_on={} presets={} contract={} evidence={}",
        s.provider.id,
        s.customer
            .as_ref()
            .map_or(view.model.customer.id.as_str(), |c| c.id.as_str()),
        s.model.map_or("", |m| m.as_str()),
        built.join(","),
        presets.unwrap_or_else(|| "auto".into()),
        s.contract.as_deref().unwrap_or(""),
        ev.join(";")
    )
}

fn diff_services(old: &View<'_>, new: &View<'_>, out: &mut Vec<Change>) {
    for s in old.services() {
        if new.service_index(&s.id).is_none() {
            let mut c = change(
                ChangeKind::ServiceRemoved,
                format!("service {} was removed", s.name),
                true,
            );
            c.service = Some(s.id.clone());
            out.push(c);
        }
    }
    for (i, s) in new.services().iter().enumerate() {
        if new.service_index(&s.id) != Some(i as u32) {
            continue;
        }
        match old.service_index(&s.id) {
            None => {
                let mut c = change(
                    ChangeKind::ServiceAdded,
                    format!("service {} was added", s.name),
                    true,
                );
                c.service = Some(s.id.clone());
                out.push(c);
            }
            Some(o) => {
                let os = old.service(o);
                let (a, b) = (service_terms(old, os), service_terms(new, s));
                if a != b {
                    let mut c = change(
                        ChangeKind::ServiceChanged,
                        format!(
                            "service {} changed (provider, customer, model, built-on chain, presets, contract or evidence)",
                            s.name
                        ),
                        true,
                    );
                    c.service = Some(s.id.clone());
                    c.before = Some(a);
                    c.after = Some(b);
                    out.push(c);
                } else if os.name != s.name
                    || os.description != s.description
                    || os.components != s.components
                {
                    let mut c = change(
                        ChangeKind::ServiceChanged,
                        format!("the name, description or components of {} changed", s.name),
                        false,
                    );
                    c.service = Some(s.id.clone());
                    out.push(c);
                }
            }
        }
    }
}
