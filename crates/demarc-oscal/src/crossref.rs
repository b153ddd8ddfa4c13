//! What the OSCAL JSON Schema cannot check: references across the documents of a chain of
//! system security plans, as demarc findings located by document and JSON pointer.
//!
//! The plans are put in order as [`crate::chain`] does (without reading files that were not
//! given), then:
//!
//! - **`oscal-unresolved-uuid`**: every `inherited[].provided-uuid` must name an
//!   `export.provided` entry, and every `satisfied[].responsibility-uuid` an
//!   `export.responsibilities` entry, *of the leveraged plan* (the plan of the leveraged
//!   authorization of the by-component's component when it has one, else any plan this one is
//!   built on) — not of the plan itself (a self-reference, which the NIST prototype examples
//!   are full of) and not of some other plan in the chain. Every
//!   `export.responsibilities[].provided-uuid` must name a provided entry of its own plan.
//!   When the leveraged plan is not among the documents, a reference that does not point
//!   into the plan itself cannot be checked and is left alone.
//! - **`oscal-responsibility-unmet`**: every responsibility a plan exports must be satisfied
//!   by each plan built on it (a `satisfied` entry naming it), or **passed on**: released
//!   OSCAL has no field for passing a responsibility on to one's own customers, so demarc
//!   counts it as passed on when the downstream plan exports a responsibility of its own for
//!   the same control statement (same control id and statement id, `_stmt` read as `_smt`;
//!   a responsibility for the whole control matches any statement of it and the other way
//!   round). Plans nothing is built on are not checked: their customers are not among the
//!   documents.
//! - **`oscal-control-missing`**: with a resolved profile's controls, every system security
//!   plan has an implemented requirement for each.
//! - **`oscal-status-without-remarks`** (warning): an implementation status other than
//!   `implemented` carries remarks (on the status, its by-component or the requirement).

use std::collections::{HashMap, HashSet};

use demarc_core::finding::{Code, Finding};

use crate::chain::{self, Def};
use crate::document::{Document, Kind};
use crate::error::pointer_push;
use crate::ssp::{self, ByComponent, Entry, Notes, Ssp};

/// The kinds of document [`check`] reads; it passes over the others.
pub const READS: [Kind; 2] = [Kind::SystemSecurityPlan, Kind::SharedResponsibility];

/// Check the documents against each other (see the module documentation). Documents other
/// than SSPs and shared-responsibility documents, and those that cannot be read as plans, are
/// left out (schema validation reports what is wrong with them).
pub fn check(docs: &[Document], profile_controls: Option<&[String]>) -> Vec<Finding> {
    let mut notes = Notes::default();
    let readable: Vec<Document> = docs
        .iter()
        .filter(|d| READS.contains(&d.kind))
        .filter(|d| ssp::read(d, &mut Notes::default()).is_ok())
        .cloned()
        .collect();
    let Ok(chain) = chain::build(readable, &[], false, &mut notes) else {
        return Vec::new();
    };
    let idx = chain::index(&chain.plans);
    let mut out = Vec::new();

    // Downstream tiers of each tier.
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); chain.tiers.len()];
    for (t, tier) in chain.tiers.iter().enumerate() {
        for l in &tier.upstream {
            downstream[l.tier].push(t);
        }
    }

    for (p, plan) in chain.plans.iter().enumerate() {
        let t = chain.tier_of[p];
        let tier = &chain.tiers[t];
        let upstream: Vec<usize> = tier.upstream.iter().map(|l| l.tier).collect();
        let has_leveraged = !plan.leveraged.is_empty() || !upstream.is_empty();
        // The tier a component's leveraged authorization was matched to.
        let la_tier: HashMap<&str, usize> = tier
            .upstream
            .iter()
            .filter_map(|l| {
                let k = l.leveraged?;
                Some((
                    chain.plans[tier.plan].leveraged.get(k)?.uuid.as_str(),
                    l.tier,
                ))
            })
            .collect();
        let ctx = Ctx {
            chain: &chain,
            idx: &idx,
            plan,
            t,
            upstream: &upstream,
            has_leveraged,
        };
        for (req, _, bc) in plan.by_components() {
            let leveraged_tier = plan
                .component(&bc.component)
                .and_then(|c| c.leveraged_authorization.as_deref())
                .and_then(|la| la_tier.get(la).copied());
            for e in &bc.inherited {
                ctx.reference(
                    e,
                    "provided-uuid",
                    Def::Provided,
                    leveraged_tier,
                    &req.control_id,
                    &mut out,
                );
            }
            for e in &bc.satisfied {
                ctx.reference(
                    e,
                    "responsibility-uuid",
                    Def::Responsibility,
                    leveraged_tier,
                    &req.control_id,
                    &mut out,
                );
            }
            for e in &bc.responsibilities {
                own_provided(plan, p, &idx, e, &req.control_id, &mut out);
            }
            status_remarks(plan, req, bc, &mut out);
        }
        for req in &plan.requirements {
            if let Some(s) = &req.status
                && s.state != "implemented"
                && s.remarks.is_none()
                && req.remarks.is_none()
            {
                out.push(
                    Finding::new(
                        Code::OscalStatusWithoutRemarks,
                        format!(
                            "control {} is {} but says nothing about why or what remains",
                            req.control_id, s.state
                        ),
                        "Add remarks to the implementation-status (or the requirement) saying what is missing and when it will be done.",
                    )
                    .responsibility(&req.control_id)
                    .in_document(&plan.file, &req.pointer),
                );
            }
        }
        if let Some(controls) = profile_controls
            && plan.kind == Some(Kind::SystemSecurityPlan)
        {
            let have: HashSet<&str> = plan
                .requirements
                .iter()
                .map(|r| r.control_id.as_str())
                .collect();
            let pointer = pointer_push(
                &pointer_push("/system-security-plan", "control-implementation"),
                "implemented-requirements",
            );
            for c in controls {
                if !have.contains(c.as_str()) {
                    out.push(
                        Finding::new(
                            Code::OscalControlMissing,
                            format!("control {c} of the baseline has no implemented requirement in {}", plan.file),
                            "Add an implemented requirement for it (saying who implements it and how), or tailor the profile if it does not apply.",
                        )
                        .responsibility(c)
                        .in_document(&plan.file, &pointer),
                    );
                }
            }
        }
    }

    // Upstream responsibilities: satisfied or passed on by every plan built on them.
    for (t, tier) in chain.tiers.iter().enumerate() {
        if downstream[t].is_empty() {
            continue;
        }
        let plan = &chain.plans[tier.plan];
        for d in &downstream[t] {
            let dplan = &chain.plans[chain.tiers[*d].plan];
            let satisfied: HashSet<&str> = dplan
                .by_components()
                .flat_map(|(_, _, bc)| bc.satisfied.iter().filter_map(|e| e.target.as_deref()))
                .collect();
            let mut passed: HashSet<(String, String)> = HashSet::new();
            for (req, st, bc) in dplan.by_components() {
                if !bc.responsibilities.is_empty() {
                    passed.insert((
                        req.control_id.clone(),
                        statement_key(&req.control_id, st.map(|s| s.id.as_str())),
                    ));
                }
            }
            let passed_controls: HashSet<&str> = passed.iter().map(|(c, _)| c.as_str()).collect();
            for (req, st, bc) in plan.by_components() {
                let key = statement_key(&req.control_id, st.map(|s| s.id.as_str()));
                for e in &bc.responsibilities {
                    if satisfied.contains(e.uuid.as_str()) {
                        continue;
                    }
                    let passed_on = passed.contains(&(req.control_id.clone(), key.clone()))
                        || passed.contains(&(req.control_id.clone(), String::new()))
                        || (key.is_empty() && passed_controls.contains(req.control_id.as_str()));
                    if passed_on {
                        continue;
                    }
                    let what = match st {
                        Some(s) => format!("control {}, statement {}", req.control_id, s.id),
                        None => format!("control {}", req.control_id),
                    };
                    out.push(
                        Finding::new(
                            Code::OscalResponsibilityUnmet,
                            format!(
                                "responsibility {} ({what}) is neither satisfied by {} (no satisfied entry names it) nor passed on (it exports no responsibility of its own for the same statement)",
                                e.uuid, dplan.file
                            ),
                            format!(
                                "In {}, add a satisfied entry with responsibility-uuid {} saying how it is met, or export a responsibility for the same statement to its own customers.",
                                dplan.file, e.uuid
                            ),
                        )
                        .responsibility(&req.control_id)
                        .in_document(&plan.file, &e.pointer),
                    );
                }
            }
        }
    }
    out
}

/// The statement part of a key: "" for the whole control, `_stmt` read as `_smt`.
fn statement_key(control: &str, statement: Option<&str>) -> String {
    match statement {
        None => String::new(),
        Some(s)
            if s == control || s == format!("{control}_smt") || s == format!("{control}_stmt") =>
        {
            String::new()
        }
        Some(s) => s.replacen("_stmt", "_smt", 1),
    }
}

struct Ctx<'a> {
    chain: &'a chain::Chain,
    idx: &'a chain::UuidIndex,
    plan: &'a Ssp,
    t: usize,
    upstream: &'a [usize],
    has_leveraged: bool,
}

impl Ctx<'_> {
    /// An inherited or satisfied entry's target must be the right kind of entry in the
    /// leveraged plan.
    fn reference(
        &self,
        e: &Entry,
        key: &str,
        want: Def,
        leveraged_tier: Option<usize>,
        control: &str,
        out: &mut Vec<Finding>,
    ) {
        let Some(target) = e.target.as_deref() else {
            return;
        };
        let defs: &[(usize, Def)] = self.idx.get(target).map_or(&[], Vec::as_slice);
        let allowed: Vec<usize> = match leveraged_tier {
            Some(u) => vec![u],
            None => self.upstream.to_vec(),
        };
        if defs
            .iter()
            .any(|&(p, d)| d == want && allowed.contains(&self.chain.tier_of[p]))
        {
            return;
        }
        let want_name = if want == Def::Provided {
            "provided"
        } else {
            "responsibility"
        };
        let own = defs.iter().find(|&&(p, _)| self.chain.tier_of[p] == self.t);
        let elsewhere = defs
            .iter()
            .find(|&&(p, d)| d == want && self.chain.tier_of[p] != self.t);
        let wrong_kind = defs
            .iter()
            .find(|&&(p, d)| d != want && allowed.contains(&self.chain.tier_of[p]));
        let why = if let Some(&(_, d)) = own {
            format!(
                "points at this plan's own {} entry (a self-reference): it must name a {want_name} entry of the leveraged system's plan",
                def_name(d)
            )
        } else if let Some(&(_, d)) = wrong_kind {
            format!(
                "names a {} entry of the leveraged plan, not a {want_name} entry",
                def_name(d)
            )
        } else if let Some(&(p, _)) = elsewhere {
            format!(
                "resolves in {}, which this plan does not leverage{}",
                self.chain.plans[p].file,
                match leveraged_tier {
                    Some(u) => format!(
                        " for this component (its leveraged authorization is {})",
                        self.chain.plans[self.chain.tiers[u].plan].file
                    ),
                    None => String::new(),
                }
            )
        } else if self.upstream.is_empty() && leveraged_tier.is_none() {
            if self.has_leveraged {
                // The leveraged plan is not among the documents: nothing to check against.
                return;
            }
            format!(
                "resolves nowhere, and the plan names no leveraged authorization whose {want_name} entries it could name"
            )
        } else {
            format!("names no {want_name} entry of the leveraged plan")
        };
        out.push(
            Finding::new(
                Code::OscalUnresolvedUuid,
                format!("{key} {target} {why}"),
                format!("Set {key} to the uuid of the {want_name} entry of the leveraged system's plan that this entry relies on."),
            )
            .responsibility(control)
            .in_document(&self.plan.file, &pointer_push(&e.pointer, key)),
        );
    }
}

fn def_name(d: Def) -> &'static str {
    match d {
        Def::Provided => "provided",
        Def::Responsibility => "responsibility",
        Def::Inherited => "inherited",
        Def::Satisfied => "satisfied",
        Def::Component => "component",
    }
}

/// A responsibility's provided-uuid must name a provided entry of its own plan.
fn own_provided(
    plan: &Ssp,
    p: usize,
    idx: &chain::UuidIndex,
    e: &Entry,
    control: &str,
    out: &mut Vec<Finding>,
) {
    let Some(target) = e.target.as_deref() else {
        return;
    };
    let defs: &[(usize, Def)] = idx.get(target).map_or(&[], Vec::as_slice);
    if defs.iter().any(|&(q, d)| q == p && d == Def::Provided) {
        return;
    }
    let why = match defs.iter().find(|&&(q, _)| q != p) {
        Some(_) => {
            "resolves only in another document: a responsibility's provided-uuid must name a provided entry of its own plan"
        }
        None => "names no provided entry of this plan",
    };
    out.push(
        Finding::new(
            Code::OscalUnresolvedUuid,
            format!("provided-uuid {target} {why}"),
            "Set provided-uuid to the uuid of the export.provided entry (in the same plan) this responsibility comes with, or leave it out.",
        )
        .responsibility(control)
        .in_document(&plan.file, &pointer_push(&e.pointer, "provided-uuid")),
    );
}

/// An implementation status other than implemented must say why (remarks on the status, its
/// by-component or the requirement).
fn status_remarks(plan: &Ssp, req: &ssp::Requirement, bc: &ByComponent, out: &mut Vec<Finding>) {
    let Some(s) = &bc.status else { return };
    if s.state == "implemented"
        || s.remarks.is_some()
        || bc.remarks.is_some()
        || req.remarks.is_some()
    {
        return;
    }
    out.push(
        Finding::new(
            Code::OscalStatusWithoutRemarks,
            format!(
                "control {} is {} for component {} but says nothing about why or what remains",
                req.control_id, s.state, bc.component
            ),
            "Add remarks to the implementation-status saying what is missing and when it will be done.",
        )
        .responsibility(&req.control_id)
        .in_document(&plan.file, &pointer_push(&bc.pointer, "implementation-status")),
    );
}
