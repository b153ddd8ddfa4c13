//! A chain of system security plans: which plan is built on which, upstream first.
//!
//! A plan names the systems it is built on in `system-implementation.leveraged-authorizations`.
//! Each leveraged authorization is matched to another plan among the files, trying in turn:
//!
//! 1. its links (rel `system-security-plan` first, then any other): a relative file name, a
//!    URI whose last segment names a file in the plan's directory or a search directory, or
//!    `#uuid` of a back-matter resource whose rlinks are tried the same way ([`href::resolve`]).
//!    When following is on, a file found this way that was not given is read too;
//! 2. the `inherited-uuid` props of the plan's components that stand for the leveraged system
//!    (prop `leveraged-authorization-uuid`): the plan that defines that component;
//! 3. the plan that defines the `provided` and `responsibility` uuids that this plan's
//!    `inherited` and `satisfied` entries for those components point at.
//!
//! A plan whose `inherited`/`satisfied` entries point into another plan that no leveraged
//! authorization names (the NIST prototype examples have no leveraged authorizations at all)
//! is read as built on that plan, with a note. A NIST prototype `shared-responsibility`
//! document stands in for the plan it was exported from (the one defining the same provided
//! and responsibility uuids): pointing at it is pointing at that plan. Without that plan, it
//! is a tier of its own.
//!
//! A leveraged authorization that matches no plan is kept as an external system (the import
//! makes it a service of its party). A loop of plans is broken where it closes, with a note.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::document::{self, Document, Kind};
use crate::error::{OscalError, Problem};
use crate::href;
use crate::ssp::{self, Notes, Ssp};

/// Plans read from files and put in order.
#[derive(Debug, Default)]
pub struct Chain {
    /// Every SSP and shared-responsibility document read (given or found by following links).
    pub docs: Vec<Document>,
    /// The typed plan of each document (same index as `docs`).
    pub plans: Vec<Ssp>,
    /// The systems, upstream first.
    pub tiers: Vec<Tier>,
    /// For each plan, the index of its tier.
    pub tier_of: Vec<usize>,
}

/// One system of the chain.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tier {
    /// The plan describing it (an SSP, or a shared-responsibility document standing alone).
    pub plan: usize,
    /// Shared-responsibility documents exported from it.
    pub stand_ins: Vec<usize>,
    /// The tiers it is built on.
    pub upstream: Vec<Link>,
    /// Its leveraged authorizations (indexes into the plan's `leveraged`) that match no plan.
    pub external: Vec<usize>,
}

/// An edge of the chain: this tier is built on `tier`.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub tier: usize,
    /// The leveraged authorization that names it, when one does.
    pub leveraged: Option<usize>,
    pub how: How,
}

/// How a leveraged system was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// A link of the leveraged authorization.
    Href,
    /// A component's `inherited-uuid`.
    InheritedUuid,
    /// `inherited`/`satisfied` uuids defined in that plan.
    References,
}

/// What a uuid defines in a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Def {
    Provided,
    Responsibility,
    Inherited,
    Satisfied,
    Component,
}

/// Every uuid the plans define that others may point at: uuid → (plan, what).
pub type UuidIndex = HashMap<String, Vec<(usize, Def)>>;

/// Index the provided, responsibility, inherited, satisfied and component uuids of plans.
pub fn index(plans: &[Ssp]) -> UuidIndex {
    let mut out: UuidIndex = HashMap::new();
    for (i, plan) in plans.iter().enumerate() {
        for c in &plan.components {
            out.entry(c.uuid.clone())
                .or_default()
                .push((i, Def::Component));
        }
        for (_, _, bc) in plan.by_components() {
            for (list, def) in [
                (&bc.provided, Def::Provided),
                (&bc.responsibilities, Def::Responsibility),
                (&bc.inherited, Def::Inherited),
                (&bc.satisfied, Def::Satisfied),
            ] {
                for e in list {
                    out.entry(e.uuid.clone()).or_default().push((i, def));
                }
            }
        }
    }
    out
}

/// The files a path stands for: a directory's `.json`, `.yaml` and `.yml` files (sorted), or
/// the file itself. Returns (path, given explicitly).
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<(PathBuf, bool)>, OscalError> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let entries = std::fs::read_dir(p).map_err(|e| OscalError::Read {
                file: p.display().to_string(),
                message: e.to_string(),
            })?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file()
                        && f.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                            // XML too, so that an import says it left it out and why.
                            matches!(
                                x.to_ascii_lowercase().as_str(),
                                "json" | "yaml" | "yml" | "xml"
                            )
                        })
                })
                .collect();
            files.sort();
            out.extend(files.into_iter().map(|f| (f, false)));
        } else {
            out.push((p.clone(), true));
        }
    }
    Ok(out)
}

/// Read the SSPs and shared-responsibility documents in `paths` (files or directories; other
/// OSCAL documents in a directory are left out with a note) and put them in order, following
/// leveraged-authorization links to files not given.
pub fn load(paths: &[PathBuf], search: &[PathBuf], notes: &mut Notes) -> Result<Chain, OscalError> {
    let mut docs = Vec::new();
    for (path, explicit) in expand_paths(paths)? {
        match document::load(&path) {
            Ok(d)
                if matches!(
                    d.kind,
                    Kind::SystemSecurityPlan | Kind::SharedResponsibility
                ) =>
            {
                docs.push(d)
            }
            Ok(d) if explicit => {
                return Err(OscalError::invalid(
                    d.file.clone(),
                    "",
                    format!("is a {}, not a system security plan", d.kind),
                ));
            }
            Ok(d) => notes.add(
                &d.file,
                "",
                format!(
                    "is a {}, not a system security plan: left out of the chain",
                    d.kind
                ),
            ),
            Err(e) if explicit => return Err(e),
            Err(e) => notes.add(&path.display().to_string(), "", format!("left out: {e}")),
        }
    }
    build(docs, search, true, notes)
}

/// Put plans in order (see the module documentation). With `follow`, files that leveraged
/// authorizations point at and that were not given are read too.
pub fn build(
    docs: Vec<Document>,
    search: &[PathBuf],
    follow: bool,
    notes: &mut Notes,
) -> Result<Chain, OscalError> {
    let mut chain = Chain::default();
    let mut errors: Vec<Problem> = Vec::new();
    for d in docs {
        match ssp::read(&d, notes) {
            Ok(p) => {
                chain.plans.push(p);
                chain.docs.push(d);
            }
            Err(OscalError::Invalid(ps)) => errors.extend(ps),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(OscalError::Invalid(errors));
    }

    // Resolve every link of every leveraged authorization once (reading new files when
    // following), remembering which plan each one found.
    let mut found: HashMap<(usize, usize), (usize, usize)> = HashMap::new(); // (plan, la) → (plan, link)
    let mut failures: HashMap<(usize, usize), Vec<String>> = HashMap::new();
    let mut i = 0;
    while i < chain.plans.len() {
        for k in 0..chain.plans[i].leveraged.len() {
            let links = ordered_links(&chain.plans[i].leveraged[k]);
            for li in links {
                let link = chain.plans[i].leveraged[k].links[li].clone();
                let href_text = link.href.clone();
                match href::resolve(&href_text, &chain.docs[i], search) {
                    Ok(path) => {
                        if let Some(j) = chain.docs.iter().position(|d| same(&d.path, &path)) {
                            found.entry((i, k)).or_insert((j, li));
                        } else if follow {
                            match document::load(&path) {
                                Ok(d)
                                    if matches!(
                                        d.kind,
                                        Kind::SystemSecurityPlan | Kind::SharedResponsibility
                                    ) =>
                                {
                                    match ssp::read(&d, notes) {
                                        Ok(p) => {
                                            notes.add(
                                                &chain.docs[i].file,
                                                &link.pointer,
                                                format!(
                                                    "followed to {}, which was not given",
                                                    d.file
                                                ),
                                            );
                                            chain.plans.push(p);
                                            chain.docs.push(d);
                                            found
                                                .entry((i, k))
                                                .or_insert((chain.docs.len() - 1, li));
                                        }
                                        Err(e) => {
                                            failures.entry((i, k)).or_default().push(format!(
                                                "{href_text:?} names {}, which cannot be read: {e}",
                                                path.display()
                                            ))
                                        }
                                    }
                                }
                                Ok(d) => failures.entry((i, k)).or_default().push(format!(
                                    "{href_text:?} names {}, a {}, not a system security plan",
                                    d.file, d.kind
                                )),
                                Err(e) => failures.entry((i, k)).or_default().push(format!(
                                    "{href_text:?} names {}, which cannot be read: {e}",
                                    path.display()
                                )),
                            }
                        } else {
                            failures.entry((i, k)).or_default().push(format!(
                                "{href_text:?} names {}, which is not among the documents checked",
                                path.display()
                            ));
                        }
                    }
                    Err(p) => failures.entry((i, k)).or_default().push(p.message),
                }
            }
        }
        i += 1;
    }

    // Shared-responsibility documents stand in for the plan they were exported from.
    let idx = index(&chain.plans);
    let n = chain.plans.len();
    let mut stand_in_for: Vec<Option<usize>> = vec![None; n];
    for (r, plan) in chain.plans.iter().enumerate() {
        if plan.kind != Some(Kind::SharedResponsibility) {
            continue;
        }
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for (_, _, bc) in plan.by_components() {
            for e in bc.provided.iter().chain(&bc.responsibilities) {
                for &(p, def) in idx.get(&e.uuid).into_iter().flatten() {
                    if p != r
                        && matches!(def, Def::Provided | Def::Responsibility)
                        && chain.plans[p].kind == Some(Kind::SystemSecurityPlan)
                    {
                        *counts.entry(p).or_default() += 1;
                    }
                }
            }
        }
        if let Some((&p, _)) = counts
            .iter()
            .max_by_key(|&(&p, &c)| (c, std::cmp::Reverse(p)))
        {
            stand_in_for[r] = Some(p);
            notes.add(
                &chain.plans[r].file,
                "",
                format!(
                    "a shared-responsibility document exported from {}: it stands for that plan in the chain",
                    chain.plans[p].file
                ),
            );
        }
    }
    let mut tiers: Vec<Tier> = Vec::new();
    let mut tier_of = vec![usize::MAX; n];
    for p in 0..n {
        if stand_in_for[p].is_none() {
            tier_of[p] = tiers.len();
            tiers.push(Tier {
                plan: p,
                ..Tier::default()
            });
        }
    }
    for p in 0..n {
        if let Some(q) = stand_in_for[p] {
            tier_of[p] = tier_of[q];
            tiers[tier_of[q]].stand_ins.push(p);
        }
    }

    // Link each tier to the tiers it is built on.
    for t in 0..tiers.len() {
        let d = tiers[t].plan;
        let plan = &chain.plans[d];
        let file = plan.file.clone();
        let single = plan.leveraged.len() == 1;
        let mut links: Vec<Link> = Vec::new();
        let mut external = Vec::new();
        for (k, la) in plan.leveraged.iter().enumerate() {
            let mut tried = failures.remove(&(d, k)).unwrap_or_default();
            if let Some(&(j, li)) = found.get(&(d, k)) {
                let u = tier_of[j];
                if u == t {
                    notes.add(
                        &file,
                        &la.links[li].pointer,
                        "the leveraged authorization links to this plan itself; ignored",
                    );
                } else {
                    push_link(&mut links, u, Some(k), How::Href);
                    continue;
                }
            }
            // Components that stand for the leveraged system, and what they inherit.
            let comps: Vec<&ssp::Component> = plan
                .components
                .iter()
                .filter(|c| c.leveraged_authorization.as_deref() == Some(la.uuid.as_str()))
                .collect();
            let mut by_component: HashMap<usize, usize> = HashMap::new();
            for c in &comps {
                if let Some(iu) = &c.inherited {
                    for &(p, def) in idx.get(iu).into_iter().flatten() {
                        if def == Def::Component && tier_of[p] != t {
                            *by_component.entry(tier_of[p]).or_default() += 1;
                        }
                    }
                }
            }
            let comp_uuids: HashSet<&str> = comps.iter().map(|c| c.uuid.as_str()).collect();
            let refs = reference_counts(plan, &idx, &tier_of, t, |c| {
                single || comp_uuids.contains(c)
            });
            let pick = |m: &HashMap<usize, usize>| {
                m.iter()
                    .max_by_key(|&(&u, &c)| (c, std::cmp::Reverse(u)))
                    .map(|(&u, _)| u)
            };
            if !la.links.is_empty() && tried.is_empty() {
                tried.push("its links name no file".to_owned());
            }
            let tried_text = if tried.is_empty() {
                "it has no links".to_owned()
            } else {
                tried.join("; ")
            };
            if let Some(u) = pick(&by_component) {
                // Several plans may define the same component uuid (examples copy each other):
                // prefer the one the references also point at.
                let u = match pick(&refs) {
                    Some(r) if by_component.contains_key(&r) => r,
                    _ => u,
                };
                notes.add(
                    &file,
                    &la.pointer,
                    format!(
                        "leveraged authorization {:?}: {tried_text}; matched to {} by the inherited-uuid of its components",
                        la.title, chain.plans[tiers[u].plan].file
                    ),
                );
                push_link(&mut links, u, Some(k), How::InheritedUuid);
            } else if let Some(u) = pick(&refs) {
                notes.add(
                    &file,
                    &la.pointer,
                    format!(
                        "leveraged authorization {:?}: {tried_text}; matched to {} because the inherited and satisfied entries point there",
                        la.title, chain.plans[tiers[u].plan].file
                    ),
                );
                push_link(&mut links, u, Some(k), How::References);
            } else {
                notes.add(
                    &file,
                    &la.pointer,
                    format!(
                        "leveraged authorization {:?}: its system security plan is not among the files ({tried_text}); it is imported as a system of its own whose rows are inferred from what this plan inherits",
                        la.title
                    ),
                );
                external.push(k);
            }
        }
        // References into plans no leveraged authorization names.
        let linked: HashSet<usize> = links.iter().map(|l| l.tier).collect();
        let refs = reference_counts(plan, &idx, &tier_of, t, |_| true);
        let mut others: Vec<(usize, usize)> = refs
            .into_iter()
            .filter(|(u, _)| !linked.contains(u))
            .collect();
        others.sort();
        for (u, count) in others {
            notes.add(
                &file,
                "",
                format!(
                    "no leveraged authorization names {}, but {count} inherited/satisfied entries point into it: read as built on it",
                    chain.plans[tiers[u].plan].file
                ),
            );
            push_link(&mut links, u, None, How::References);
        }
        tiers[t].upstream = links;
        tiers[t].external = external;
    }

    // Upstream first; a loop is broken where it closes.
    let order = upstream_first(&mut tiers, &chain.plans, notes);
    let mut new_index = vec![0; tiers.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut ordered: Vec<Tier> = order.iter().map(|&o| tiers[o].clone()).collect();
    for tier in &mut ordered {
        for l in &mut tier.upstream {
            l.tier = new_index[l.tier];
        }
    }
    chain.tier_of = tier_of.iter().map(|&t| new_index[t]).collect();
    chain.tiers = ordered;
    Ok(chain)
}

fn same(a: &Path, b: &Path) -> bool {
    if a.as_os_str().is_empty() {
        return false;
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Links of a leveraged authorization, rel `system-security-plan` first.
fn ordered_links(la: &ssp::Leveraged) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..la.links.len()).collect();
    idx.sort_by_key(|&i| la.links[i].rel.as_deref() != Some("system-security-plan"));
    idx
}

fn push_link(links: &mut Vec<Link>, tier: usize, leveraged: Option<usize>, how: How) {
    if !links.iter().any(|l| l.tier == tier) {
        links.push(Link {
            tier,
            leveraged,
            how,
        });
    }
}

/// For one plan: how many of its inherited/satisfied targets (in by-components whose component
/// passes `component`) each other tier defines.
fn reference_counts(
    plan: &Ssp,
    idx: &UuidIndex,
    tier_of: &[usize],
    own: usize,
    component: impl Fn(&str) -> bool,
) -> HashMap<usize, usize> {
    let mut out: HashMap<usize, usize> = HashMap::new();
    for (_, _, bc) in plan.by_components() {
        if !component(&bc.component) {
            continue;
        }
        for (list, want) in [
            (&bc.inherited, Def::Provided),
            (&bc.satisfied, Def::Responsibility),
        ] {
            for e in list {
                let Some(target) = &e.target else { continue };
                let mut tiers: Vec<usize> = idx
                    .get(target)
                    .into_iter()
                    .flatten()
                    .filter(|&&(_, def)| def == want)
                    .map(|&(p, _)| tier_of[p])
                    .filter(|&u| u != own)
                    .collect();
                tiers.dedup();
                for u in tiers {
                    *out.entry(u).or_default() += 1;
                }
            }
        }
    }
    out
}

/// A post-order over upstream links (so upstream tiers come first), starting from tiers in
/// file order; an edge that closes a loop is removed, with a note.
fn upstream_first(tiers: &mut [Tier], plans: &[Ssp], notes: &mut Notes) -> Vec<usize> {
    let n = tiers.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        state[start] = 1;
        while let Some(&mut (t, ref mut e)) = stack.last_mut() {
            if *e < tiers[t].upstream.len() {
                let u = tiers[t].upstream[*e].tier;
                match state[u] {
                    0 => {
                        *e += 1;
                        state[u] = 1;
                        stack.push((u, 0));
                    }
                    1 => {
                        let link = tiers[t].upstream.remove(*e);
                        let plan = &plans[tiers[t].plan];
                        let pointer = link
                            .leveraged
                            .and_then(|k| plan.leveraged.get(k))
                            .map(|la| la.pointer.clone())
                            .unwrap_or_default();
                        notes.add(
                            &plan.file,
                            &pointer,
                            format!(
                                "the plans are built on each other in a loop ({} is upstream of itself); this link is left out",
                                plans[tiers[u].plan].file
                            ),
                        );
                    }
                    _ => *e += 1,
                }
                continue;
            }
            state[t] = 2;
            order.push(t);
            stack.pop();
        }
    }
    order
}
