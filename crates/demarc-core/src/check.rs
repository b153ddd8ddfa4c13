//! The checks: gaps, contradictions and loose ends, each reported as a [`Finding`] with a
//! stable code (see `docs/checks.md`).

use smallvec::SmallVec;

use crate::date::Date;
use crate::finding::{Code, Finding};
use crate::model::{Allocation, Evidence, Loc, Status, Task, TaskKind, Terms};
use crate::view::{Broken, Cell, Origin, PartyIx, RespIx, ServiceIx, View};

/// Everything `demarc check` reports for a resolved model, as of `today`.
///
/// Findings from resolving the model (unknown ids, loops) come first, then model-level ones,
/// then cell by cell in service order and catalogue order.
pub fn check(view: &View<'_>, today: Date) -> Vec<Finding> {
    let mut out = view.findings.clone();
    let model = view.model;

    if let Some(next) = model.review.next
        && next < today
    {
        out.push(
            Finding::new(
                Code::ReviewOverdue,
                format!("the model was due for review on {next}"),
                "Review the model with each supplier, then set review.next in demarc.yaml to the next date.",
            )
            .at(model.review.loc),
        );
    }

    // Parties that provide some service directly to the customer under a named contract: their
    // tasks elsewhere fall under that agreement.
    let mut contracted = vec![false; view.parties().len()];
    for (s, svc) in view.services().iter().enumerate() {
        if let Some(p) = view.provider(s as ServiceIx)
            && svc.contract.is_some()
            && view.consumer(s as ServiceIx) == view.customer
        {
            contracted[p as usize] = true;
        }
    }

    for (s, service) in view.services().iter().enumerate() {
        for e in &service.evidence {
            if let Some(expired) = expired(e, today) {
                out.push(
                    Finding::new(
                        Code::EvidenceExpired,
                        format!(
                            "the evidence \"{}\" for {} expired on {expired}",
                            e.description, service.name
                        ),
                        "Ask the supplier for current evidence and record its new expiry date.",
                    )
                    .service(&service.id)
                    .at(service.loc),
                );
            }
        }
        for r in 0..view.responsibilities().len() as RespIx {
            check_cell(view, &contracted, s as ServiceIx, r, today, &mut out);
        }
    }
    out
}

/// True when findings include errors (what makes `demarc check` exit 1).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error)
}

struct Ctx<'a, 'm> {
    view: &'a View<'m>,
    contracted: &'a [bool],
    s: ServiceIx,
    r: RespIx,
    cell: &'a Cell<'m>,
    loc: Option<Loc>,
}

impl Ctx<'_, '_> {
    fn finding(&self, code: Code, message: String, fix: String) -> Finding {
        Finding::new(code, message, fix)
            .service(&self.view.service(self.s).id)
            .responsibility(&self.view.responsibility(self.r).id)
            .at(self.loc)
    }

    /// "“Identify new threats” for Managed IT support"
    fn what(&self) -> String {
        format!(
            "\"{}\" for {}",
            self.view.responsibility(self.r).title,
            self.view.service(self.s).name
        )
    }

    fn party_name(&self, p: PartyIx) -> &str {
        &self.view.party(p).name
    }

    fn where_to_fix(&self) -> String {
        let service = &self.view.service(self.s).id;
        match self.cell.origin {
            Origin::Explicit => format!(
                "the entry {} in the allocations of {service}",
                self.view.responsibility(self.r).id
            ),
            _ => format!(
                "a new entry {} in the allocations of {service}",
                self.view.responsibility(self.r).id
            ),
        }
    }
}

fn check_cell(
    view: &View<'_>,
    contracted: &[bool],
    s: ServiceIx,
    r: RespIx,
    today: Date,
    out: &mut Vec<Finding>,
) {
    let cell = view.cell(s, r);
    let service = view.service(s);
    let loc = match cell.origin {
        Origin::Explicit => cell.allocation.and_then(|a| a.loc),
        _ => service.loc,
    };
    let cx = Ctx {
        view,
        contracted,
        s,
        r,
        cell,
        loc,
    };
    let status = cell.status();
    let resp = view.responsibility(r);

    let Some(alloc) = cell.allocation else {
        out.push(cx.finding(
            Code::Gap,
            format!("nobody has been given {}", cx.what()),
            format!(
                "Decide who does it: set status to customer, supplier or shared (with tasks) in {}.",
                cx.where_to_fix()
            ),
        ));
        return;
    };

    if let Some(c) = &alloc.contested {
        let by = view
            .party_index(&c.by.id)
            .map_or(c.by.id.as_str(), |p| cx.party_name(p));
        out.push(cx.finding(
            Code::Contested,
            format!("{by} disputes {}: {}", cx.what(), c.comment),
            "Agree the row with both parties, change it if needed, then remove `contested`. The model cannot be signed while a row is disputed.".into(),
        ).party(&c.by.id));
    }

    if let Some(due) = alloc.review_by
        && due < today
    {
        out.push(
            cx.finding(
                Code::ReviewOverdue,
                format!("{} was due for review on {due}", cx.what()),
                "Review the row with the parties involved, then move review_by to the next date."
                    .into(),
            ),
        );
    }

    for task in &alloc.tasks {
        if task.owners.len() > 1 {
            let names: Vec<&str> = task.owners.iter().map(|o| o.id.as_str()).collect();
            out.push(
                cx.finding(
                    Code::DuplicateOwner,
                    format!(
                        "a task of {} has {} owners ({}); each task needs exactly one",
                        cx.what(),
                        names.len(),
                        names.join(", ")
                    ),
                    "Split it into one task per owner, each saying what that owner does.".into(),
                )
                .at(task.loc),
            );
        }
    }

    match status {
        Status::NotApplicable => {
            if alloc.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                out.push(cx.finding(
                    Code::NaWithoutReason,
                    format!("{} is marked not applicable without a reason", cx.what()),
                    "Add a `reason` saying why it does not apply, so a reviewer can agree.".into(),
                ));
            }
            return;
        }
        Status::Shared => check_shared(&cx, alloc, out),
        Status::Inherited => {
            if let Some(broken) = &cell.broken {
                out.push(dangling(&cx, alloc, broken));
                return;
            }
            if let Some(&u) = cell.via.first()
                && view.cell(u, r).status() == Status::Shared
                && alloc.tasks.is_empty()
            {
                out.push(cx.finding(
                    Code::UnmetUpstreamTask,
                    format!(
                        "{} is inherited from {}, which shares it: part of the work falls to its customer, but no task here takes it on",
                        cx.what(),
                        view.service(u).name
                    ),
                    "Add the tasks this service's provider (or you) do for the upstream customer's part, or make the row shared.".into(),
                ));
            }
        }
        _ => {}
    }

    // A supplier or customer row of a service whose provider or customer is unknown has no
    // operator either; the unknown reference already says why.
    let owner_unknown = match status {
        Status::Supplier => view.provider(s).is_none(),
        Status::Customer => view.consumer(s).is_none(),
        _ => false,
    };
    if cell.operators.is_empty() && !owner_unknown {
        let message = match status {
            Status::Undecided => format!("nobody has been given {}", cx.what()),
            _ => format!(
                "{} is {} but no task operates it (reviewing someone else's work is not doing it)",
                cx.what(),
                status.as_str()
            ),
        };
        out.push(cx.finding(
            Code::Gap,
            message,
            format!(
                "Decide who does it: set status to customer, supplier or shared (with operate tasks) in {}.",
                cx.where_to_fix()
            ),
        ));
    }

    if resp.retained {
        check_retained(&cx, alloc, out);
    }

    if let (Origin::Explicit, Some((p, entry))) = (cell.origin, cell.preset)
        && entry.expected
        && status != Status::Undecided
        && entry.allocation.status != status
    {
        let preset = &view.model.catalogue.presets[p as usize];
        let why = entry
            .why
            .as_deref()
            .map(|w| format!(" {w}"))
            .unwrap_or_default();
        out.push(cx.finding(
            Code::PresetConflict,
            format!(
                "{} is {}, but for this kind of service ({}) it is expected to be {}.{why}",
                cx.what(),
                status.as_str(),
                preset.title,
                entry.allocation.status.as_str(),
            ),
            format!(
                "Check with the supplier. If the allocation is really meant, record why in a `note` for reviewers (the warning stays, so the choice is looked at again at each review); otherwise set status to {}.",
                entry.allocation.status.as_str()
            ),
        ));
    }

    check_commitments(&cx, alloc, today, out);
}

fn check_shared(cx: &Ctx<'_, '_>, alloc: &Allocation, out: &mut Vec<Finding>) {
    if alloc.tasks.len() < 2 {
        out.push(cx.finding(
            Code::SharedUnsplit,
            format!(
                "{} is shared but has {} task{}; a shared row is split into the tasks each party does",
                cx.what(),
                alloc.tasks.len(),
                if alloc.tasks.len() == 1 { "" } else { "s" }
            ),
            "List at least two tasks, each with its owner, or set the status to customer or supplier if one party does it all.".into(),
        ));
        return;
    }
    let mut owners: Vec<PartyIx> = Vec::new();
    for task in &alloc.tasks {
        for o in &task.owners {
            if let Some(p) = cx.view.owner_party(cx.s, o)
                && !owners.contains(&p)
            {
                owners.push(p);
            }
        }
    }
    if let [only] = owners.as_slice() {
        out.push(cx.finding(
            Code::SharedSingleParty,
            format!(
                "{} is shared, but {} owns every task",
                cx.what(),
                cx.party_name(*only)
            ),
            format!(
                "If {} really does it all, set status to {}; otherwise give the other party its task.",
                cx.party_name(*only),
                if Some(*only) == cx.view.consumer(cx.s) {
                    "customer"
                } else {
                    "supplier"
                }
            ),
        ));
    }
}

fn dangling(cx: &Ctx<'_, '_>, alloc: &Allocation, broken: &Broken) -> Finding {
    let view = cx.view;
    let svc = |u: ServiceIx| view.service(u).name.as_str();
    let (message, fix) = match broken {
        Broken::NoUpstream => (
            format!(
                "{} is inherited, but {} is not built on any other service",
                cx.what(),
                view.service(cx.s).name
            ),
            "Add the service it runs on to built_on, or choose another status.".to_owned(),
        ),
        Broken::Ambiguous => (
            format!(
                "{} is inherited, but the service is built on several services and the row does not say which",
                cx.what()
            ),
            "Add `from:` naming the built-on service that provides it.".to_owned(),
        ),
        Broken::NotBuiltOn(u) => (
            format!(
                "{} is inherited from {}, which this service is not built on",
                cx.what(),
                svc(*u)
            ),
            format!(
                "Add {} to built_on, or correct `from`.",
                view.service(*u).id
            ),
        ),
        Broken::UnknownFrom => (
            format!(
                "{} is inherited from \"{}\", which is not a service in the model",
                cx.what(),
                alloc.from.as_ref().map_or("", |f| f.id.as_str())
            ),
            "Correct `from` to the id of a built-on service.".to_owned(),
        ),
        Broken::InCycle(u) => (
            format!(
                "{} is inherited from {}, which is part of a loop of services",
                cx.what(),
                svc(*u)
            ),
            "Break the loop of built_on entries first (see chain-cycle).".to_owned(),
        ),
        Broken::NotProvided { upstream, status } => (
            format!(
                "{} is inherited from {}, but there it is {} — the upstream provider does not provide it",
                cx.what(),
                svc(*upstream),
                status.label().to_lowercase()
            ),
            format!(
                "Agree the row for {} first (supplier or shared), or choose another status here.",
                view.service(*upstream).id
            ),
        ),
        Broken::UpstreamBroken(u) => (
            format!(
                "{} is inherited from {}, whose own inheritance reaches nobody",
                cx.what(),
                svc(*u)
            ),
            format!("Fix the row for {} first.", view.service(*u).id),
        ),
    };
    cx.finding(Code::DanglingInheritance, message, fix)
}

fn check_retained(cx: &Ctx<'_, '_>, alloc: &Allocation, out: &mut Vec<Finding>) {
    let view = cx.view;
    let consumer = view.consumer(cx.s);
    let problem = match alloc.status {
        Status::Supplier | Status::Inherited => Some(format!(
            "{} cannot be outsourced, but it is allocated to the {}",
            cx.what(),
            if alloc.status == Status::Supplier {
                "supplier"
            } else {
                "supplier's upstream provider"
            }
        )),
        _ => {
            let decider = alloc.tasks.iter().find_map(|t| {
                (t.kind == TaskKind::Oversee)
                    .then(|| {
                        t.owners
                            .iter()
                            .filter_map(|o| view.owner_party(cx.s, o))
                            .find(|&p| Some(p) != consumer)
                    })
                    .flatten()
            });
            let customer_part = cx
                .cell
                .operators
                .iter()
                .chain(&cx.cell.overseers)
                .any(|&p| Some(p) == consumer);
            match decider {
                Some(p) => Some(format!(
                    "{} cannot be outsourced, but {} decides or approves it",
                    cx.what(),
                    cx.party_name(p)
                )),
                None if !customer_part && !cx.cell.operators.is_empty() => Some(format!(
                    "{} cannot be outsourced, but the customer has no part in it",
                    cx.what()
                )),
                None => None,
            }
        }
    };
    if let Some(message) = problem {
        out.push(cx.finding(
            Code::RetainedOutsourced,
            message,
            "Keep it with your own organisation: set status to customer. A supplier may advise (an operate task such as \"recommend\"), but the decisions stay yours.".into(),
        ));
    }
}

/// A task as the checks see it: stated ones, plus the one implied by a customer or supplier
/// status.
struct Commitment<'a> {
    owner: PartyIx,
    kind: TaskKind,
    terms: &'a Terms,
    loc: Option<Loc>,
}

fn commitments<'a>(
    view: &View<'_>,
    s: ServiceIx,
    alloc: &'a Allocation,
) -> SmallVec<[Commitment<'a>; 4]> {
    let mut out = SmallVec::new();
    let implied = match alloc.status {
        Status::Supplier => view.provider(s),
        Status::Customer => view.consumer(s),
        _ => None,
    };
    if let Some(owner) = implied {
        out.push(Commitment {
            owner,
            kind: TaskKind::Operate,
            terms: &alloc.terms,
            loc: alloc.loc,
        });
    }
    for Task {
        owners,
        kind,
        terms,
        loc,
        ..
    } in &alloc.tasks
    {
        if let Some(owner) = owners.first().and_then(|o| view.owner_party(s, o)) {
            out.push(Commitment {
                owner,
                kind: *kind,
                terms,
                loc: *loc,
            });
        }
    }
    out
}

fn check_commitments(cx: &Ctx<'_, '_>, alloc: &Allocation, today: Date, out: &mut Vec<Finding>) {
    let view = cx.view;
    let service = view.service(cx.s);
    // Only the customer's own suppliers owe it evidence and contracts: a service used by a
    // supplier (a platform under its product) is covered by that supplier's commitments.
    let direct = view.customer.is_some() && view.consumer(cx.s) == view.customer;
    // Terms written on the row itself belong to the party its status names (that party's
    // implied commitment carries them); on a shared or inherited row they describe the
    // provider's part.
    let row_terms_are_providers = !matches!(alloc.status, Status::Customer | Status::Supplier);
    if row_terms_are_providers {
        for e in &alloc.terms.evidence {
            if let Some(on) = expired(e, today) {
                let mut f = cx.finding(
                    Code::EvidenceExpired,
                    format!(
                        "the evidence \"{}\" for {} expired on {on}",
                        e.description,
                        cx.what()
                    ),
                    "Ask the provider for current evidence and record its new expiry date.".into(),
                );
                if let Some(p) = view.provider(cx.s) {
                    f = f.party(&view.party(p).id);
                }
                out.push(f);
            }
        }
    }
    for c in commitments(view, cx.s, alloc) {
        let is_provider = Some(c.owner) == view.provider(cx.s);
        for e in &c.terms.evidence {
            if let Some(on) = expired(e, today) {
                out.push(
                    cx.finding(
                        Code::EvidenceExpired,
                        format!(
                            "the evidence \"{}\" for {} expired on {on}",
                            e.description,
                            cx.what()
                        ),
                        "Ask the owner for current evidence and record its new expiry date.".into(),
                    )
                    .party(&view.party(c.owner).id)
                    .at(c.loc),
                );
            }
        }
        if !direct || Some(c.owner) == view.customer {
            continue;
        }
        let owner = view.party(c.owner);
        let has_evidence = !c.terms.evidence.is_empty()
            || (is_provider && row_terms_are_providers && !alloc.terms.evidence.is_empty())
            || (is_provider && !service.evidence.is_empty());
        if c.kind == TaskKind::Operate && !has_evidence {
            out.push(
                cx.finding(
                    Code::EvidenceMissing,
                    format!("{} does {} but nothing is named to prove it", owner.name, cx.what()),
                    if is_provider {
                        "Name the evidence (a report, certificate, scan or attestation) under `evidence`, on the task or on the service.".into()
                    } else {
                        "Name the evidence (a report, certificate, scan or attestation) under `evidence` on this task: the service's evidence covers only its provider.".into()
                    },
                )
                .party(&owner.id)
                .at(c.loc),
            );
        }
        let has_contract = c.terms.contract.is_some()
            || alloc.terms.contract.is_some()
            || (is_provider && service.contract.is_some())
            || cx.contracted[c.owner as usize];
        if !has_contract {
            out.push(
                cx.finding(
                    Code::ContractRefMissing,
                    format!("{}'s part in {} is not tied to a contract", owner.name, cx.what()),
                    "Add `contract:` with the agreement or clause that commits it, on the task or on the service.".into(),
                )
                .party(&owner.id)
                .at(c.loc),
            );
        }
    }
}

fn expired(e: &Evidence, today: Date) -> Option<Date> {
    e.expires.filter(|&d| d < today)
}
