//! The content of the documents people read and sign: the responsibility matrix, a contract
//! schedule for one supplier, the information security policy annex and the board summary.
//!
//! Each report is plain data built from a resolved [`View`] (and the findings of
//! [`crate::check::check`] where it needs them). The structs serialise to JSON as they are
//! (`demarc export --format json`); `demarc-formats` turns them into Markdown, HTML and CSV.
//!
//! Everything here is pure and deterministic: no clock (the date is passed in), and every list
//! follows the order of the model (parties, services, catalogue).
//!
//! People read names; machines read ids: every party, service and responsibility appears with
//! both.

use serde::Serialize;

use crate::date::Date;
use crate::finding::{Code, Finding, Severity};
use crate::model::{Area, Evidence, Service, Status, Task, TaskKind, Terms};
use crate::view::{Cell, Origin, PartyIx, RespIx, ServiceIx, View};

/// How many gaps the board summary lists before saying "and N more".
pub const SUMMARY_GAP_LIMIT: usize = 10;

// ---------------------------------------------------------------------------------------------
// What one party must do
// ---------------------------------------------------------------------------------------------

/// One piece of work a party must do (or oversee), with the words of whoever asked for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Duty {
    /// The service whose row holds the work: the party's own service, or one it uses (its
    /// provider then asks it of its customer).
    pub service: ServiceRef,
    pub responsibility: ResponsibilityRef,
    /// The part of the responsibility's statement, when the task covers only one.
    pub statement: Option<String>,
    /// `operate` or `oversee`.
    pub kind: &'static str,
    /// The row's status (`shared`, `customer`, ...).
    pub status: &'static str,
    /// What to do, as the row or task says it.
    pub description: Option<String>,
    /// Who asks it: the provider of [`Duty::service`] when the party is that service's
    /// customer; `None` for the party's own service.
    pub asked_by: Option<PartyRef>,
    /// Who does the rest of the row, the service's provider first and then each upstream
    /// provider the row is inherited from.
    pub chain: Vec<PartyRef>,
}

/// Everything `p` must do or oversee, row by row in catalogue order, service by service: the
/// answer to "what is still my responsibility?".
pub fn duties(view: &View<'_>, p: PartyIx) -> Vec<Duty> {
    let mut out = Vec::new();
    for s in 0..service_count(view) {
        let asked_by = view
            .provider(s)
            .filter(|&prov| prov != p)
            .map(|prov| party_ref(view, prov));
        for r in 0..resp_count(view) {
            let cell = view.cell(s, r);
            if !cell.operators.contains(&p) && !cell.overseers.contains(&p) {
                continue;
            }
            let Some(a) = cell.allocation else { continue };
            let chain: Vec<PartyRef> = view
                .provenance(s, r)
                .into_iter()
                .map(|x| party_ref(view, x))
                .collect();
            let duty =
                |statement: Option<String>, kind: TaskKind, description: Option<String>| Duty {
                    service: service_ref(view, s),
                    responsibility: resp_ref(view, r),
                    statement,
                    kind: kind.as_str(),
                    status: a.status.as_str(),
                    description,
                    asked_by: asked_by.clone(),
                    chain: chain.clone(),
                };
            let whole = match a.status {
                Status::Customer => view.consumer(s) == Some(p),
                Status::Supplier => view.provider(s) == Some(p),
                _ => false,
            };
            if whole {
                out.push(duty(None, TaskKind::Operate, a.terms.description.clone()));
            }
            for t in &a.tasks {
                let owner = t.owners.first().and_then(|o| view.owner_party(s, o));
                if owner == Some(p) {
                    out.push(duty(
                        t.statement.clone(),
                        t.kind,
                        t.terms.description.clone(),
                    ));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------

/// A party, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartyRef {
    pub id: String,
    pub name: String,
}

/// A service, by id and name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceRef {
    pub id: String,
    pub name: String,
}

/// An area of the catalogue, by id and title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AreaRef {
    pub id: String,
    pub title: String,
}

/// A responsibility, by id and title, with what a reader needs to place it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResponsibilityRef {
    pub id: String,
    pub title: String,
    /// The layer as written in model files (`identity-access`).
    pub layer: &'static str,
    /// The layer for people ("Identity and access").
    pub layer_label: &'static str,
    /// Can never be outsourced.
    pub retained: bool,
}

/// What every document says about the model it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: Option<String>,
    /// The organisation the model is for.
    pub customer: Option<PartyRef>,
    pub review_last: Option<Date>,
    pub review_next: Option<Date>,
}

/// A party's open disagreement with a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContestInfo {
    pub by: PartyRef,
    pub comment: String,
}

/// A piece of evidence that proves a task is done.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EvidenceInfo {
    pub description: String,
    pub collected: Option<Date>,
    pub expires: Option<Date>,
}

fn party_ref(view: &View<'_>, p: PartyIx) -> PartyRef {
    match view.parties().get(p as usize) {
        Some(party) => PartyRef {
            id: party.id.clone(),
            name: display_name(&party.name, &party.id),
        },
        None => PartyRef {
            id: String::new(),
            name: String::new(),
        },
    }
}

/// A party named by id, resolved to its name when the id is known.
fn party_ref_by_id(view: &View<'_>, id: &str) -> PartyRef {
    match view.party_index(id) {
        Some(p) => party_ref(view, p),
        None => PartyRef {
            id: id.to_owned(),
            name: id.to_owned(),
        },
    }
}

fn service_ref(view: &View<'_>, s: ServiceIx) -> ServiceRef {
    match view.services().get(s as usize) {
        Some(svc) => ServiceRef {
            id: svc.id.clone(),
            name: display_name(&svc.name, &svc.id),
        },
        None => ServiceRef {
            id: String::new(),
            name: String::new(),
        },
    }
}

fn service_ref_by_id(view: &View<'_>, id: &str) -> ServiceRef {
    match view.service_index(id) {
        Some(s) => service_ref(view, s),
        None => ServiceRef {
            id: id.to_owned(),
            name: id.to_owned(),
        },
    }
}

fn resp_ref(view: &View<'_>, r: RespIx) -> ResponsibilityRef {
    match view.responsibilities().get(r as usize) {
        Some((_, resp)) => ResponsibilityRef {
            id: resp.id.clone(),
            title: display_name(&resp.title, &resp.id),
            layer: resp.layer.as_str(),
            layer_label: resp.layer.label(),
            retained: resp.retained,
        },
        None => ResponsibilityRef {
            id: String::new(),
            title: String::new(),
            layer: "",
            layer_label: "",
            retained: false,
        },
    }
}

fn resp_ref_by_id(view: &View<'_>, id: &str) -> ResponsibilityRef {
    match view.responsibility_index(id) {
        Some(r) => resp_ref(view, r),
        None => ResponsibilityRef {
            id: id.to_owned(),
            title: id.to_owned(),
            layer: "",
            layer_label: "",
            retained: false,
        },
    }
}

fn area_ref(view: &View<'_>, r: RespIx) -> AreaRef {
    match view.responsibilities().get(r as usize) {
        Some((area, _)) => AreaRef {
            id: area.id.clone(),
            title: display_name(&area.title, &area.id),
        },
        None => AreaRef {
            id: String::new(),
            title: String::new(),
        },
    }
}

/// A name for people: the name as written, or the id when the name is blank.
fn display_name(name: &str, id: &str) -> String {
    if name.trim().is_empty() {
        id.to_owned()
    } else {
        name.to_owned()
    }
}

/// The model's customer: the party when its id is known, else the id as written.
fn customer_ref(view: &View<'_>) -> Option<PartyRef> {
    match view.customer {
        Some(p) => Some(party_ref(view, p)),
        None => {
            let id = view.model.customer.id.trim();
            (!id.is_empty()).then(|| PartyRef {
                id: id.to_owned(),
                name: id.to_owned(),
            })
        }
    }
}

fn model_info(view: &View<'_>) -> ModelInfo {
    let model = view.model;
    ModelInfo {
        name: model.name.clone(),
        version: model.version.clone(),
        customer: customer_ref(view),
        review_last: model.review.last,
        review_next: model.review.next,
    }
}

fn contest_info(view: &View<'_>, cell: &Cell<'_>) -> Option<ContestInfo> {
    let c = cell.allocation?.contested.as_ref()?;
    Some(ContestInfo {
        by: party_ref_by_id(view, &c.by.id),
        comment: c.comment.clone(),
    })
}

fn evidence_info(e: &[Evidence]) -> Vec<EvidenceInfo> {
    e.iter()
        .map(|e| EvidenceInfo {
            description: e.description.clone(),
            collected: e.collected,
            expires: e.expires,
        })
        .collect()
}

/// Services the model's customer uses itself (not those a supplier builds its product on).
fn is_direct(view: &View<'_>, s: ServiceIx) -> bool {
    view.consumer(s) == view.customer
}

/// Groups of consecutive responsibilities of the same area, in catalogue order.
fn area_groups(view: &View<'_>) -> Vec<(AreaRef, Option<String>, Vec<RespIx>)> {
    let mut out: Vec<(AreaRef, Option<String>, Vec<RespIx>)> = Vec::new();
    let mut last: Option<&Area> = None;
    for (r, (area, _)) in view.responsibilities().iter().enumerate() {
        let area: &Area = area;
        match out.last_mut() {
            Some((_, _, list)) if last.is_some_and(|l| std::ptr::eq(l, area)) => {
                list.push(r as RespIx);
            }
            _ => {
                out.push((
                    AreaRef {
                        id: area.id.clone(),
                        title: display_name(&area.title, &area.id),
                    },
                    area.description.clone(),
                    vec![r as RespIx],
                ));
                last = Some(area);
            }
        }
    }
    out
}

fn service_count(view: &View<'_>) -> ServiceIx {
    view.services().len() as ServiceIx
}

fn resp_count(view: &View<'_>) -> RespIx {
    view.responsibilities().len() as RespIx
}

// ---------------------------------------------------------------------------------------------
// Matrix
// ---------------------------------------------------------------------------------------------

/// Which part of the matrix to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MatrixFilter {
    /// Only this service's column.
    pub service: Option<ServiceIx>,
    /// Only the cells where this party operates or oversees.
    pub party: Option<PartyIx>,
}

/// The responsibility matrix: responsibilities (grouped by area) down, services across.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatrixReport {
    pub model: ModelInfo,
    /// The service the matrix is limited to, if any.
    pub service: Option<ServiceRef>,
    /// The party the matrix is limited to, if any.
    pub party: Option<PartyRef>,
    /// The columns, in model order.
    pub services: Vec<ServiceColumn>,
    pub areas: Vec<MatrixArea>,
    /// With a party: what it must do, with each row's or task's words (see [`duties`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duties: Vec<Duty>,
}

/// One column of the matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceColumn {
    pub id: String,
    pub name: String,
    pub provider: Option<PartyRef>,
    /// The service model as written (`saas`).
    pub model: Option<&'static str>,
    /// The service model for people ("Software as a service").
    pub model_label: Option<&'static str>,
    /// Who uses the service, when it is not the model's customer.
    pub used_by: Option<PartyRef>,
    pub built_on: Vec<ServiceRef>,
}

/// An area of the catalogue and its rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatrixArea {
    pub id: String,
    pub title: String,
    pub rows: Vec<MatrixRow>,
}

/// One responsibility across the columns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub responsibility: ResponsibilityRef,
    /// One entry per column of [`MatrixReport::services`]; `None` where a party filter leaves
    /// the cell out.
    pub cells: Vec<Option<MatrixCell>>,
}

/// One (service, responsibility) cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MatrixCell {
    /// The service id (the column).
    pub service: String,
    /// As written in model files (`shared`).
    pub status: &'static str,
    /// For people ("Shared").
    pub status_label: &'static str,
    /// Who does the work, following inheritance to upstream parties.
    pub operators: Vec<PartyRef>,
    /// Who decides, approves or reviews.
    pub overseers: Vec<PartyRef>,
    /// For inherited cells: the services followed, nearest first.
    pub via: Vec<ServiceRef>,
    /// For inherited cells: the providers along the chain, this service's provider first.
    pub provenance: Vec<PartyRef>,
    /// The CSA CAIQ "SSRM control ownership" category.
    pub category: &'static str,
    /// `explicit` (written in the model), `preset` (pre-filled) or `unset`.
    pub origin: &'static str,
    /// The id of the preset that fills this cell or that it overrides.
    pub preset: Option<String>,
    /// Written in the model and different from what the preset says.
    pub is_override: bool,
    pub contested: Option<ContestInfo>,
    /// How many tasks the allocation lists.
    pub tasks: usize,
    /// Why it does not apply (for not applicable).
    pub reason: Option<String>,
    pub note: Option<String>,
    /// Nobody operates it although it applies.
    pub gap: bool,
    /// Inherited, but the chain reaches nobody who does the work.
    pub broken: bool,
}

/// The matrix, limited by `filter`.
///
/// With a service: that column only. With a party: only the cells where the party operates or
/// oversees; rows and columns left with no cell are dropped.
pub fn matrix(view: &View<'_>, filter: MatrixFilter) -> MatrixReport {
    let nsvc = service_count(view);
    let nresp = resp_count(view);
    let party = filter
        .party
        .filter(|&p| (p as usize) < view.parties().len());
    let wanted = |s: ServiceIx, r: RespIx| -> bool {
        match party {
            None => true,
            Some(p) => {
                let cell = view.cell(s, r);
                cell.operators.contains(&p) || cell.overseers.contains(&p)
            }
        }
    };
    let candidates: Vec<ServiceIx> = match filter.service {
        Some(s) if s < nsvc => vec![s],
        Some(_) => Vec::new(),
        None => (0..nsvc).collect(),
    };
    let columns: Vec<ServiceIx> = candidates
        .into_iter()
        .filter(|&s| party.is_none() || (0..nresp).any(|r| wanted(s, r)))
        .collect();

    let mut areas = Vec::new();
    for (area, _, resps) in area_groups(view) {
        let rows: Vec<MatrixRow> = resps
            .into_iter()
            .filter_map(|r| {
                let cells: Vec<Option<MatrixCell>> = columns
                    .iter()
                    .map(|&s| wanted(s, r).then(|| matrix_cell(view, s, r)))
                    .collect();
                (party.is_none() || cells.iter().any(Option::is_some)).then(|| MatrixRow {
                    responsibility: resp_ref(view, r),
                    cells,
                })
            })
            .collect();
        if !rows.is_empty() {
            areas.push(MatrixArea {
                id: area.id,
                title: area.title,
                rows,
            });
        }
    }

    MatrixReport {
        model: model_info(view),
        service: filter
            .service
            .filter(|&s| s < nsvc)
            .map(|s| service_ref(view, s)),
        party: party.map(|p| party_ref(view, p)),
        services: columns.iter().map(|&s| service_column(view, s)).collect(),
        areas,
        duties: party.map_or_else(Vec::new, |p| {
            let mut d = duties(view, p);
            if let Some(only) = filter.service.filter(|&s| s < nsvc) {
                let id = &view.service(only).id;
                d.retain(|x| &x.service.id == id);
            }
            d
        }),
    }
}

fn service_column(view: &View<'_>, s: ServiceIx) -> ServiceColumn {
    let svc = view.service(s);
    let consumer = view.consumer(s);
    ServiceColumn {
        id: svc.id.clone(),
        name: display_name(&svc.name, &svc.id),
        provider: view.provider(s).map(|p| party_ref(view, p)),
        model: svc.model.map(|m| m.as_str()),
        model_label: svc.model.map(|m| m.label()),
        used_by: match consumer {
            Some(c) if consumer != view.customer => Some(party_ref(view, c)),
            _ => None,
        },
        built_on: view
            .built_on(s)
            .iter()
            .map(|&u| service_ref(view, u))
            .collect(),
    }
}

fn matrix_cell(view: &View<'_>, s: ServiceIx, r: RespIx) -> MatrixCell {
    let cell = view.cell(s, r);
    let status = cell.status();
    let alloc = cell.allocation;
    let inherited = !cell.via.is_empty();
    MatrixCell {
        service: view.service(s).id.clone(),
        status: status.as_str(),
        status_label: status.label(),
        operators: cell.operators.iter().map(|&p| party_ref(view, p)).collect(),
        overseers: cell.overseers.iter().map(|&p| party_ref(view, p)).collect(),
        via: cell.via.iter().map(|&u| service_ref(view, u)).collect(),
        provenance: if inherited {
            view.provenance(s, r)
                .into_iter()
                .map(|p| party_ref(view, p))
                .collect()
        } else {
            Vec::new()
        },
        category: view.category(s, r).as_str(),
        origin: match cell.origin {
            Origin::Unset => "unset",
            Origin::Preset(_) => "preset",
            Origin::Explicit => "explicit",
        },
        preset: cell.preset.and_then(|(p, _)| {
            view.model
                .catalogue
                .presets
                .get(p as usize)
                .map(|p| p.id.clone())
        }),
        is_override: cell.is_override(),
        contested: contest_info(view, cell),
        tasks: alloc.map_or(0, |a| a.tasks.len()),
        reason: alloc.and_then(|a| a.reason.clone()),
        note: alloc.and_then(|a| a.note.clone()),
        gap: status != Status::NotApplicable && cell.operators.is_empty(),
        broken: cell.broken.is_some(),
    }
}

// ---------------------------------------------------------------------------------------------
// Contract schedule
// ---------------------------------------------------------------------------------------------

/// A contract schedule for one supplier: what it commits to, service by service, what the
/// customer does alongside, and a sign-off block for both.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub model: ModelInfo,
    /// The date of the schedule.
    pub date: Date,
    pub supplier: PartyRef,
    /// The supplier's kind (`msp`, `saas`, ...).
    pub supplier_kind: Option<String>,
    pub customer: Option<PartyRef>,
    /// The services the rows are about, in model order, with what commits their provider.
    pub services: Vec<ScheduleService>,
    pub rows: Vec<ScheduleRow>,
    /// Customer first, then the supplier.
    pub sign_off: Vec<SignOffParty>,
}

/// A service named in a schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleService {
    pub id: String,
    pub name: String,
    pub provider: Option<PartyRef>,
    /// The agreement that commits the provider.
    pub contract: Option<String>,
    pub evidence: Vec<EvidenceInfo>,
}

/// One (service, responsibility) row where the supplier has a task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleRow {
    pub service: ServiceRef,
    pub area: AreaRef,
    pub responsibility: ResponsibilityRef,
    /// The responsibility's plain-language description.
    pub description: Option<String>,
    pub status: &'static str,
    pub status_label: &'static str,
    /// The CSA CAIQ category.
    pub category: &'static str,
    /// What the supplier does.
    pub supplier_tasks: Vec<ScheduleTask>,
    /// What the customer does in the same cell.
    pub customer_tasks: Vec<ScheduleTask>,
    pub review_by: Option<Date>,
    pub note: Option<String>,
    pub contested: Option<ContestInfo>,
}

/// One task in a schedule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScheduleTask {
    /// `operate` or `oversee`.
    pub kind: &'static str,
    /// Not written as a task, but implied by the status (the supplier or customer does it
    /// all, or the supplier provides it through its own upstream provider).
    pub implied: bool,
    /// The owner's role, by name.
    pub role: Option<String>,
    pub description: Option<String>,
    pub scope: Option<String>,
    pub frequency: Option<String>,
    pub sla: Option<String>,
    /// What proves it; for the service's provider, the service's evidence when the task names
    /// none.
    pub evidence: Vec<EvidenceInfo>,
    /// The contract clause; for the service's provider, the service's contract when the task
    /// names none.
    pub contract: Option<String>,
}

/// One party's part of a sign-off block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SignOffParty {
    pub party: PartyRef,
    /// `customer` or `supplier`.
    pub side: &'static str,
    /// Its people with `signatory: true`; when it has none, one entry with no name (a blank
    /// line to fill in).
    pub signatories: Vec<Signatory>,
}

/// Someone who signs, with blank signature and date lines in the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signatory {
    pub name: Option<String>,
    pub title: Option<String>,
    /// The person's role in its party, by name.
    pub role: Option<String>,
}

/// The contract schedule for `party`.
///
/// Rows are the cells of services the model's customer uses itself (not services a supplier
/// builds on, which are between that supplier and its own provider) where the party has a
/// task: a task it owns (by id or as the placeholder `provider`), the whole cell when it is the
/// provider and the status is `supplier`, or the provider's commitment to an `inherited` cell.
pub fn schedule(view: &View<'_>, party: PartyIx, today: Date) -> Schedule {
    let supplier = party_ref(view, party);
    let supplier_kind = view
        .parties()
        .get(party as usize)
        .and_then(|p| p.kind.clone());
    let customer = customer_ref(view);
    let mut rows = Vec::new();
    let mut services: Vec<ServiceIx> = Vec::new();

    for s in 0..service_count(view) {
        if !is_direct(view, s) {
            continue;
        }
        for r in 0..resp_count(view) {
            let cell = view.cell(s, r);
            let Some(alloc) = cell.allocation else {
                continue;
            };
            let supplier_tasks = party_tasks(view, s, r, party);
            if supplier_tasks.is_empty() {
                continue;
            }
            let customer_tasks = match view.consumer(s) {
                Some(c) if c != party => party_tasks(view, s, r, c),
                _ => Vec::new(),
            };
            if !services.contains(&s) {
                services.push(s);
            }
            let status = cell.status();
            rows.push(ScheduleRow {
                service: service_ref(view, s),
                area: area_ref(view, r),
                responsibility: resp_ref(view, r),
                description: view.responsibility(r).description.clone(),
                status: status.as_str(),
                status_label: status.label(),
                category: view.category(s, r).as_str(),
                supplier_tasks,
                customer_tasks,
                review_by: alloc.review_by,
                note: alloc.note.clone(),
                contested: contest_info(view, cell),
            });
        }
    }

    let mut sign_off = Vec::new();
    if let Some(c) = &customer {
        sign_off.push(sign_off_party(view, view.customer, c.clone(), "customer"));
    }
    sign_off.push(sign_off_party(
        view,
        view.parties().get(party as usize).map(|_| party),
        supplier.clone(),
        "supplier",
    ));

    Schedule {
        model: model_info(view),
        date: today,
        supplier,
        supplier_kind,
        customer,
        services: services
            .into_iter()
            .map(|s| {
                let svc = view.service(s);
                ScheduleService {
                    id: svc.id.clone(),
                    name: display_name(&svc.name, &svc.id),
                    provider: view.provider(s).map(|p| party_ref(view, p)),
                    contract: svc.contract.clone(),
                    evidence: evidence_info(&svc.evidence),
                }
            })
            .collect(),
        rows,
        sign_off,
    }
}

/// The tasks `party` has in one cell, stated or implied by the status.
fn party_tasks(view: &View<'_>, s: ServiceIx, r: RespIx, party: PartyIx) -> Vec<ScheduleTask> {
    let cell = view.cell(s, r);
    let Some(alloc) = cell.allocation else {
        return Vec::new();
    };
    let service = view.service(s);
    let is_provider = view.provider(s) == Some(party);
    let mut out = Vec::new();

    let implied = match alloc.status {
        Status::Supplier if is_provider => Some(None),
        Status::Customer if view.consumer(s) == Some(party) => Some(None),
        Status::Inherited if is_provider => Some(Some(inherited_description(view, s, r))),
        _ => None,
    };
    if let Some(description) = implied {
        let description = alloc
            .terms
            .description
            .clone()
            .or(description)
            .or_else(|| Some("Does all of this.".to_owned()));
        out.push(task_of(
            &alloc.terms,
            None,
            TaskKind::Operate,
            true,
            description,
            is_provider.then_some(service),
            None,
        ));
    }

    for task in &alloc.tasks {
        if task
            .owners
            .iter()
            .any(|o| view.owner_party(s, o) == Some(party))
        {
            // Terms written on the cell itself belong to the party its status names; in a
            // shared or inherited cell they describe the provider's part. Oversight borrows
            // nothing.
            let cell_terms = (is_provider
                && task.kind == TaskKind::Operate
                && !matches!(alloc.status, Status::Customer | Status::Supplier))
            .then_some(&alloc.terms);
            out.push(stated_task(view, s, party, task, cell_terms, is_provider));
        }
    }
    out
}

fn inherited_description(view: &View<'_>, s: ServiceIx, r: RespIx) -> String {
    let cell = view.cell(s, r);
    let Some(&u) = cell.via.first() else {
        return "Provides this through the service it is built on.".to_owned();
    };
    let upstream = view.service(u);
    let operators: Vec<String> = cell
        .operators
        .iter()
        .map(|&p| party_ref(view, p).name)
        .collect();
    if operators.is_empty() {
        format!(
            "Provides this through {}.",
            display_name(&upstream.name, &upstream.id)
        )
    } else {
        format!(
            "Provides this through {}, run by {}.",
            display_name(&upstream.name, &upstream.id),
            join_names(&operators)
        )
    }
}

fn stated_task(
    view: &View<'_>,
    s: ServiceIx,
    party: PartyIx,
    task: &Task,
    cell_terms: Option<&Terms>,
    is_provider: bool,
) -> ScheduleTask {
    let role = task.role.as_ref().map(|role| {
        view.parties()
            .get(party as usize)
            .and_then(|p| p.roles.iter().find(|x| x.id == role.id))
            .map_or_else(|| role.id.clone(), |x| display_name(&x.name, &x.id))
    });
    task_of(
        &task.terms,
        cell_terms,
        task.kind,
        false,
        task.terms.description.clone(),
        (is_provider && task.kind == TaskKind::Operate).then(|| view.service(s)),
        role,
    )
}

/// A schedule task from terms, with evidence and contract falling back to the cell's terms
/// and then (for the service's provider) to the service's own.
fn task_of(
    terms: &Terms,
    cell_terms: Option<&Terms>,
    kind: TaskKind,
    implied: bool,
    description: Option<String>,
    provider_of: Option<&Service>,
    role: Option<String>,
) -> ScheduleTask {
    let evidence = if !terms.evidence.is_empty() {
        evidence_info(&terms.evidence)
    } else if let Some(ct) = cell_terms.filter(|t| !t.evidence.is_empty()) {
        evidence_info(&ct.evidence)
    } else {
        provider_of.map_or_else(Vec::new, |svc| evidence_info(&svc.evidence))
    };
    let contract = terms
        .contract
        .clone()
        .or_else(|| cell_terms.and_then(|t| t.contract.clone()))
        .or_else(|| provider_of.and_then(|svc| svc.contract.clone()));
    ScheduleTask {
        kind: kind.as_str(),
        implied,
        role,
        description,
        scope: terms.scope.clone(),
        frequency: terms.frequency.clone(),
        sla: terms.sla.clone(),
        evidence,
        contract,
    }
}

fn sign_off_party(
    view: &View<'_>,
    p: Option<PartyIx>,
    party: PartyRef,
    side: &'static str,
) -> SignOffParty {
    let mut signatories: Vec<Signatory> = p
        .and_then(|p| view.parties().get(p as usize))
        .map(|party| {
            party
                .people
                .iter()
                .filter(|person| person.signatory)
                .map(|person| Signatory {
                    name: Some(person.name.clone()),
                    title: person.title.clone(),
                    role: person.role.as_ref().map(|role| {
                        party
                            .roles
                            .iter()
                            .find(|x| x.id == role.id)
                            .map_or_else(|| role.id.clone(), |x| display_name(&x.name, &x.id))
                    }),
                })
                .collect()
        })
        .unwrap_or_default();
    if signatories.is_empty() {
        signatories.push(Signatory {
            name: None,
            title: None,
            role: None,
        });
    }
    SignOffParty {
        party,
        side,
        signatories,
    }
}

// ---------------------------------------------------------------------------------------------
// Policy annex
// ---------------------------------------------------------------------------------------------

/// An annex to the information security policy: for each responsibility, in plain English,
/// who does it for each service the organisation uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyAnnex {
    pub model: ModelInfo,
    /// The services covered (those the customer uses itself), in model order.
    pub services: Vec<ServiceRef>,
    pub areas: Vec<AnnexArea>,
}

/// An area of the catalogue in the annex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnnexArea {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub responsibilities: Vec<AnnexResponsibility>,
}

/// One responsibility in the annex.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnnexResponsibility {
    pub id: String,
    pub title: String,
    /// What it means, in plain language.
    pub description: Option<String>,
    pub layer_label: &'static str,
    /// A retained responsibility: it cannot be outsourced.
    pub cannot_be_outsourced: bool,
    /// Who does the work, party by party.
    pub holders: Vec<AnnexHolder>,
    /// Who decides, approves or reviews it, party by party (`part` is always empty).
    pub overseers: Vec<AnnexHolder>,
    /// Services it does not apply to.
    pub not_applicable: Vec<ServiceRef>,
    /// Services where nobody has been given it yet.
    pub unallocated: Vec<ServiceRef>,
    /// All of the above as sentences.
    pub statement: String,
}

/// The services for which one party does a responsibility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AnnexHolder {
    pub party: PartyRef,
    /// Services where it does all of it (or, for overseers, oversees it).
    pub all: Vec<ServiceRef>,
    /// Services where it does part of it alongside another party.
    pub part: Vec<ServiceRef>,
}

/// The policy annex for the services the customer uses itself.
pub fn policy_annex(view: &View<'_>) -> PolicyAnnex {
    let direct: Vec<ServiceIx> = (0..service_count(view))
        .filter(|&s| is_direct(view, s))
        .collect();
    // Customer first, then the other parties in model order.
    let mut party_order: Vec<PartyIx> = view.customer.into_iter().collect();
    party_order.extend((0..view.parties().len() as PartyIx).filter(|&p| Some(p) != view.customer));
    let customer_name = customer_ref(view).map(|c| c.name);

    let mut areas = Vec::new();
    for (area, description, resps) in area_groups(view) {
        let responsibilities = resps
            .into_iter()
            .map(|r| annex_responsibility(view, &direct, &party_order, customer_name.as_deref(), r))
            .collect();
        areas.push(AnnexArea {
            id: area.id,
            title: area.title,
            description,
            responsibilities,
        });
    }
    PolicyAnnex {
        model: model_info(view),
        services: direct.iter().map(|&s| service_ref(view, s)).collect(),
        areas,
    }
}

fn annex_responsibility(
    view: &View<'_>,
    direct: &[ServiceIx],
    party_order: &[PartyIx],
    customer_name: Option<&str>,
    r: RespIx,
) -> AnnexResponsibility {
    let resp = view.responsibility(r);
    let mut not_applicable = Vec::new();
    let mut unallocated = Vec::new();
    let mut holders: Vec<AnnexHolder> = Vec::new();
    let mut overseers: Vec<AnnexHolder> = Vec::new();
    for &p in party_order {
        let mut all = Vec::new();
        let mut part = Vec::new();
        let mut oversees = Vec::new();
        for &s in direct {
            let cell = view.cell(s, r);
            if cell.status() == Status::NotApplicable {
                continue;
            }
            if cell.operators.contains(&p) {
                if cell.operators.len() == 1 {
                    all.push(service_ref(view, s));
                } else {
                    part.push(service_ref(view, s));
                }
            }
            if cell.overseers.contains(&p) {
                oversees.push(service_ref(view, s));
            }
        }
        if !all.is_empty() || !part.is_empty() {
            holders.push(AnnexHolder {
                party: party_ref(view, p),
                all,
                part,
            });
        }
        if !oversees.is_empty() {
            overseers.push(AnnexHolder {
                party: party_ref(view, p),
                all: oversees,
                part: Vec::new(),
            });
        }
    }
    for &s in direct {
        let cell = view.cell(s, r);
        if cell.status() == Status::NotApplicable {
            not_applicable.push(service_ref(view, s));
        } else if cell.operators.is_empty() {
            unallocated.push(service_ref(view, s));
        }
    }
    let statement = annex_statement(
        resp.retained,
        customer_name,
        direct.is_empty(),
        &holders,
        &overseers,
        &not_applicable,
        &unallocated,
    );
    AnnexResponsibility {
        id: resp.id.clone(),
        title: display_name(&resp.title, &resp.id),
        description: resp.description.clone(),
        layer_label: resp.layer.label(),
        cannot_be_outsourced: resp.retained,
        holders,
        overseers,
        not_applicable,
        unallocated,
        statement,
    }
}

fn annex_statement(
    retained: bool,
    customer_name: Option<&str>,
    no_services: bool,
    holders: &[AnnexHolder],
    overseers: &[AnnexHolder],
    not_applicable: &[ServiceRef],
    unallocated: &[ServiceRef],
) -> String {
    let names = |list: &[ServiceRef]| -> String {
        join_names(&list.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
    };
    let mut sentences: Vec<String> = Vec::new();
    if retained {
        sentences.push(match customer_name {
            Some(c) => format!(
                "This responsibility cannot be outsourced: {c} stays responsible for it whatever the service."
            ),
            None => "This responsibility cannot be outsourced: the organisation stays responsible for it whatever the service.".to_owned(),
        });
    }
    if no_services {
        sentences.push("No service in this model covers it yet.".to_owned());
    }
    if !holders.is_empty() {
        let clauses: Vec<String> = holders
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let pronoun = if i == 0 { "this" } else { "it" };
                match (h.all.is_empty(), h.part.is_empty()) {
                    (false, true) => {
                        format!("{} does {pronoun} for {}", h.party.name, names(&h.all))
                    }
                    (true, _) => format!(
                        "{} does part of {pronoun} for {}",
                        h.party.name,
                        names(&h.part)
                    ),
                    (false, false) => format!(
                        "{} does {pronoun} for {} and part of it for {}",
                        h.party.name,
                        names(&h.all),
                        names(&h.part)
                    ),
                }
            })
            .collect();
        sentences.push(format!("{}.", clauses.join("; ")));
    }
    if !overseers.is_empty() {
        let pronoun = if holders.is_empty() { "this" } else { "it" };
        let clauses: Vec<String> = overseers
            .iter()
            .map(|h| format!("{} oversees {pronoun} for {}", h.party.name, names(&h.all)))
            .collect();
        sentences.push(format!("{}.", clauses.join("; ")));
    }
    if !not_applicable.is_empty() {
        sentences.push(format!("It does not apply to {}.", names(not_applicable)));
    }
    if !unallocated.is_empty() {
        sentences.push(format!(
            "Nobody has been given it yet for {}.",
            names(unallocated)
        ));
    }
    sentences.join(" ")
}

/// "A", "A and B", "A, B and C".
pub fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------------
// Board summary
// ---------------------------------------------------------------------------------------------

/// A one-page summary for the board: who holds what, what is missing, what is disputed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub model: ModelInfo,
    pub date: Date,
    pub services: usize,
    pub responsibilities: usize,
    /// Services × responsibilities.
    pub cells: usize,
    /// Every party, in model order, with the cells it operates and oversees.
    pub parties: Vec<PartyCount>,
    /// Cells by status, in a fixed order (every status, zero counts included).
    pub statuses: Vec<StatusCount>,
    /// Findings with code `gap`.
    pub gaps: usize,
    /// The first [`SUMMARY_GAP_LIMIT`] of them.
    pub gap_list: Vec<FindingLine>,
    /// How many gaps are not in `gap_list`.
    pub gaps_not_listed: usize,
    /// Rows a party disputes, in service and catalogue order.
    pub contested: Vec<ContestedRow>,
    /// Findings with code `review-overdue`.
    pub overdue_reviews: Vec<FindingLine>,
    /// For a chart: each party that operates any cell, most cells first, split into the
    /// cells it does alone and those it shares with another party.
    pub split: Vec<SplitBar>,
    pub errors: usize,
    pub warnings: usize,
    /// No errors: the model can be signed.
    pub ready_to_sign: bool,
}

/// What one party holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartyCount {
    pub party: PartyRef,
    pub kind: Option<String>,
    /// Cells it operates (does the work of, alone or in part).
    pub operates: usize,
    /// Cells it oversees.
    pub oversees: usize,
}

/// How many cells have one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    pub status: &'static str,
    pub label: &'static str,
    pub count: usize,
}

/// A finding as a line in a summary.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingLine {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
    pub service: Option<ServiceRef>,
    pub responsibility: Option<ResponsibilityRef>,
}

/// A disputed row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContestedRow {
    pub service: ServiceRef,
    pub responsibility: ResponsibilityRef,
    pub by: PartyRef,
    pub comment: String,
}

/// One bar of the split chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SplitBar {
    pub party: PartyRef,
    /// Cells it is the only party to operate.
    pub alone: usize,
    /// Cells it operates alongside another party.
    pub shared: usize,
}

impl SplitBar {
    pub fn total(&self) -> usize {
        self.alone + self.shared
    }
}

/// The board summary of the whole model, with the findings of [`crate::check::check`].
pub fn summary(view: &View<'_>, findings: &[Finding], today: Date) -> Summary {
    let nparties = view.parties().len();
    let mut operates = vec![0usize; nparties];
    let mut alone = vec![0usize; nparties];
    let mut oversees = vec![0usize; nparties];
    let mut statuses: Vec<StatusCount> = Status::ALL
        .iter()
        .map(|s| StatusCount {
            status: s.as_str(),
            label: s.label(),
            count: 0,
        })
        .collect();
    let mut contested = Vec::new();
    let mut cells = 0usize;
    for (s, r, cell) in view.cells() {
        cells += 1;
        let status = cell.status();
        if let Some(c) = statuses.iter_mut().find(|c| c.status == status.as_str()) {
            c.count += 1;
        }
        for &p in &cell.operators {
            if let Some(n) = operates.get_mut(p as usize) {
                *n += 1;
            }
            if cell.operators.len() == 1
                && let Some(n) = alone.get_mut(p as usize)
            {
                *n += 1;
            }
        }
        for &p in &cell.overseers {
            if let Some(n) = oversees.get_mut(p as usize) {
                *n += 1;
            }
        }
        if let Some(c) = contest_info(view, cell) {
            contested.push(ContestedRow {
                service: service_ref(view, s),
                responsibility: resp_ref(view, r),
                by: c.by,
                comment: c.comment,
            });
        }
    }

    let parties: Vec<PartyCount> = view
        .parties()
        .iter()
        .enumerate()
        .map(|(p, party)| PartyCount {
            party: party_ref(view, p as PartyIx),
            kind: party.kind.clone(),
            operates: operates[p],
            oversees: oversees[p],
        })
        .collect();
    let mut split: Vec<SplitBar> = (0..nparties)
        .filter(|&p| operates[p] > 0)
        .map(|p| SplitBar {
            party: party_ref(view, p as PartyIx),
            alone: alone[p],
            shared: operates[p] - alone[p],
        })
        .collect();
    split.sort_by_key(|b| std::cmp::Reverse(b.total()));

    let line = |f: &Finding| FindingLine {
        code: f.code,
        severity: f.severity,
        message: f.message.clone(),
        fix: f.fix.clone(),
        service: f.service.as_deref().map(|id| service_ref_by_id(view, id)),
        responsibility: f
            .responsibility
            .as_deref()
            .map(|id| resp_ref_by_id(view, id)),
    };
    let gap_findings: Vec<&Finding> = findings.iter().filter(|f| f.code == Code::Gap).collect();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();

    Summary {
        model: model_info(view),
        date: today,
        services: view.services().len(),
        responsibilities: view.responsibilities().len(),
        cells,
        parties,
        statuses,
        gaps: gap_findings.len(),
        gap_list: gap_findings
            .iter()
            .take(SUMMARY_GAP_LIMIT)
            .map(|f| line(f))
            .collect(),
        gaps_not_listed: gap_findings.len().saturating_sub(SUMMARY_GAP_LIMIT),
        contested,
        overdue_reviews: findings
            .iter()
            .filter(|f| f.code == Code::ReviewOverdue)
            .map(line)
            .collect(),
        split,
        errors,
        warnings,
        ready_to_sign: errors == 0,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::model::*;

    use crate::fixtures::{fixture, today};
    #[test]
    fn matrix_has_areas_rows_and_columns_in_order() {
        let model = fixture();
        let view = View::new(&model);
        let m = matrix(&view, MatrixFilter::default());
        assert_eq!(m.services.len(), 3);
        assert_eq!(
            m.areas.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["govern", "access"]
        );
        assert_eq!(m.areas[0].rows.len(), 3);
        let physical = &m.areas[1].rows[1];
        assert_eq!(physical.responsibility.id, "physical");
        let inherited = physical.cells[1].as_ref().unwrap();
        assert_eq!(inherited.status, "inherited");
        assert_eq!(inherited.operators[0].name, "BigCloud");
        assert_eq!(inherited.via[0].id, "hosting");
        assert_eq!(
            inherited
                .provenance
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>(),
            ["cloudco", "bigcloud"]
        );
        assert_eq!(inherited.category, "3rd-party outsourced");
        let backup = m.areas[0].rows[1].cells[1].as_ref().unwrap();
        assert!(backup.contested.is_some());
        let gap = m.areas[1].rows[2].cells[0].as_ref().unwrap();
        assert!(gap.gap);
        assert_eq!(gap.origin, "unset");
        let shared = m.areas[0].rows[1].cells[0].as_ref().unwrap();
        assert_eq!(shared.tasks, 3);
        assert_eq!(shared.overseers[0].id, "riverside");
    }

    #[test]
    fn matrix_filters_by_service_and_party() {
        let model = fixture();
        let view = View::new(&model);
        let one = matrix(
            &view,
            MatrixFilter {
                service: view.service_index("school-app"),
                party: None,
            },
        );
        assert_eq!(one.services.len(), 1);
        assert!(
            one.areas
                .iter()
                .all(|a| a.rows.iter().all(|r| r.cells.len() == 1))
        );

        let acme = matrix(
            &view,
            MatrixFilter {
                service: None,
                party: view.party_index("acme"),
            },
        );
        assert_eq!(acme.services.len(), 1);
        assert_eq!(acme.services[0].id, "it-support");
        let rows: Vec<&str> = acme
            .areas
            .iter()
            .flat_map(|a| a.rows.iter().map(|r| r.responsibility.id.as_str()))
            .collect();
        assert_eq!(rows, ["backup", "patch", "accounts"]);

        let out_of_range = matrix(
            &view,
            MatrixFilter {
                service: Some(99),
                party: Some(99),
            },
        );
        assert!(out_of_range.services.is_empty());
    }

    #[test]
    fn schedule_has_only_the_suppliers_rows_and_both_signatories() {
        let model = fixture();
        let view = View::new(&model);
        let acme = view.party_index("acme").unwrap();
        let s = schedule(&view, acme, today());
        let rows: Vec<(&str, &str)> = s
            .rows
            .iter()
            .map(|r| (r.service.id.as_str(), r.responsibility.id.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("it-support", "backup"),
                ("it-support", "patch"),
                ("it-support", "accounts")
            ]
        );
        let backup = &s.rows[0];
        assert_eq!(backup.supplier_tasks.len(), 1);
        assert_eq!(
            backup.supplier_tasks[0].evidence[0].description,
            "Backup log"
        );
        // Falls back to the service's contract.
        assert_eq!(
            backup.supplier_tasks[0].contract.as_deref(),
            Some("MSA 2024, schedule 2")
        );
        assert_eq!(backup.customer_tasks.len(), 2);
        let patch = &s.rows[1];
        assert!(patch.supplier_tasks[0].implied);
        assert_eq!(
            patch.supplier_tasks[0].frequency.as_deref(),
            Some("Monthly")
        );
        assert_eq!(
            patch.supplier_tasks[0].evidence[0].description,
            "Monthly service report"
        );
        assert!(patch.customer_tasks.is_empty());
        let accounts = &s.rows[2];
        assert_eq!(
            accounts.customer_tasks[0].description.as_deref(),
            Some("Tell the provider about joiners and leavers")
        );

        let sides: Vec<(&str, &str)> = s
            .sign_off
            .iter()
            .map(|p| (p.side, p.party.id.as_str()))
            .collect();
        assert_eq!(sides, [("customer", "riverside"), ("supplier", "acme")]);
        assert_eq!(
            s.sign_off[0].signatories[0].name.as_deref(),
            Some("Jane Head")
        );
        assert_eq!(
            s.sign_off[0].signatories[0].role.as_deref(),
            Some("Riverside Trust lead")
        );
        assert_eq!(
            s.sign_off[1].signatories[0].title.as_deref(),
            Some("Account manager")
        );
        assert_eq!(s.services.len(), 1);
    }

    #[test]
    fn schedule_includes_inherited_rows_for_the_provider_and_blank_signatories() {
        let model = fixture();
        let view = View::new(&model);
        let cloudco = view.party_index("cloudco").unwrap();
        let s = schedule(&view, cloudco, today());
        let rows: Vec<&str> = s
            .rows
            .iter()
            .map(|r| r.responsibility.id.as_str())
            .collect();
        assert_eq!(rows, ["backup", "patch", "physical", "monitor"]);
        assert!(s.rows.iter().all(|r| r.service.id == "school-app"));
        let physical = &s.rows[2];
        assert_eq!(
            physical.supplier_tasks[0].description.as_deref(),
            Some("Provides this through Cloud hosting, run by BigCloud.")
        );
        assert!(s.rows[0].contested.is_some());
        assert_eq!(s.sign_off[1].signatories.len(), 1);
        assert_eq!(s.sign_off[1].signatories[0].name, None);

        // BigCloud has no contract with Riverside: no rows.
        let bigcloud = view.party_index("bigcloud").unwrap();
        assert!(schedule(&view, bigcloud, today()).rows.is_empty());
        // Out of range: no panic.
        assert!(schedule(&view, 99, today()).rows.is_empty());
    }

    #[test]
    fn policy_annex_says_who_and_marks_retained() {
        let model = fixture();
        let view = View::new(&model);
        let annex = policy_annex(&view);
        assert_eq!(annex.services.len(), 2);
        let policy = &annex.areas[0].responsibilities[0];
        assert!(policy.cannot_be_outsourced);
        assert!(
            policy.statement.contains("cannot be outsourced"),
            "{}",
            policy.statement
        );
        assert!(
            policy
                .statement
                .contains("Riverside Trust does this for Managed IT support and School app.")
        );
        let patch = &annex.areas[0].responsibilities[2];
        assert!(!patch.cannot_be_outsourced);
        assert!(!patch.statement.contains("cannot be outsourced"));
        assert_eq!(
            patch.statement,
            "Acme IT does this for Managed IT support; CloudCo does it for School app."
        );
        let backup = &annex.areas[0].responsibilities[1];
        assert_eq!(
            backup.statement,
            "Riverside Trust does part of this for Managed IT support; Acme IT does part of it for Managed IT support; CloudCo does it for School app. Riverside Trust oversees it for Managed IT support."
        );
        let physical = &annex.areas[1].responsibilities[1];
        assert_eq!(
            physical.statement,
            "BigCloud does this for School app. It does not apply to Managed IT support."
        );
        let monitor = &annex.areas[1].responsibilities[2];
        assert!(
            monitor
                .statement
                .ends_with("Nobody has been given it yet for Managed IT support.")
        );
    }

    #[test]
    fn summary_counts() {
        let model = fixture();
        let view = View::new(&model);
        let findings = check(&view, today());
        let s = summary(&view, &findings, today());
        assert_eq!((s.services, s.responsibilities, s.cells), (3, 6, 18));
        let count = |id: &str| s.parties.iter().find(|p| p.party.id == id).unwrap();
        assert_eq!(count("riverside").operates, 5);
        assert_eq!(count("riverside").oversees, 1);
        assert_eq!(count("acme").operates, 3);
        assert_eq!(count("cloudco").operates, 7);
        assert_eq!(count("bigcloud").operates, 3);
        let status = |st: &str| s.statuses.iter().find(|c| c.status == st).unwrap().count;
        assert_eq!(status("undecided"), 1);
        assert_eq!(status("customer"), 7);
        assert_eq!(status("supplier"), 6);
        assert_eq!(status("shared"), 2);
        assert_eq!(status("inherited"), 1);
        assert_eq!(status("not-applicable"), 1);
        assert_eq!(s.statuses.iter().map(|c| c.count).sum::<usize>(), 18);
        assert_eq!(s.gaps, 1);
        assert_eq!(s.gap_list.len(), 1);
        assert_eq!(
            s.gap_list[0].responsibility.as_ref().unwrap().title,
            "Monitor for attacks"
        );
        assert_eq!(s.gaps_not_listed, 0);
        assert_eq!(s.contested.len(), 1);
        assert_eq!(s.contested[0].by.name, "Riverside Trust");
        assert_eq!(s.overdue_reviews.len(), 1);
        assert_eq!(s.split[0].party.id, "cloudco");
        let acme = s.split.iter().find(|b| b.party.id == "acme").unwrap();
        assert_eq!((acme.alone, acme.shared), (1, 2));
        assert!(s.errors >= 2);
        assert!(!s.ready_to_sign);
        assert_eq!(s.errors + s.warnings, findings.len());
    }

    #[test]
    fn summary_lists_at_most_ten_gaps() {
        let model = fixture();
        let view = View::new(&model);
        let gaps: Vec<Finding> = (0..13)
            .map(|i| Finding::new(Code::Gap, format!("gap {i}"), "fix"))
            .collect();
        let s = summary(&view, &gaps, today());
        assert_eq!(s.gaps, 13);
        assert_eq!(s.gap_list.len(), SUMMARY_GAP_LIMIT);
        assert_eq!(s.gaps_not_listed, 3);
    }

    #[test]
    fn reports_serialise_and_survive_an_empty_model() {
        let model = Model::default();
        let view = View::new(&model);
        let findings = check(&view, today());
        let _ = serde_json::to_string(&matrix(&view, MatrixFilter::default())).unwrap();
        let _ = serde_json::to_string(&schedule(&view, 0, today())).unwrap();
        let _ = serde_json::to_string(&policy_annex(&view)).unwrap();
        let s = summary(&view, &findings, today());
        assert_eq!(s.cells, 0);
        let model = fixture();
        let view = View::new(&model);
        let json = serde_json::to_string(&summary(&view, &[], today())).unwrap();
        assert!(json.contains("\"status\":\"undecided\""));
    }

    #[test]
    fn join_names_reads_as_english() {
        let n = |v: &[&str]| join_names(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&[]), "");
        assert_eq!(n(&["A"]), "A");
        assert_eq!(n(&["A", "B"]), "A and B");
        assert_eq!(n(&["A", "B", "C"]), "A, B and C");
    }
}
