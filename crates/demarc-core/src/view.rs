//! The resolved view of a model: ids indexed, presets applied, built-on chains followed, and
//! for every (service, responsibility) cell who actually does the work.
//!
//! Building a view never fails: what cannot be resolved (an unknown id, a loop of services) is
//! recorded as a [`Finding`] and the rest of the model is still resolved.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use smallvec::SmallVec;

use crate::finding::{Code, Finding, nearest};
use crate::model::{
    Allocation, Area, Loc, Model, Party, PresetEntry, Ref, Responsibility, Service, Status,
    TaskKind,
};

/// Index of a party in [`Model::parties`].
pub type PartyIx = u32;
/// Index of a service in [`Model::services`].
pub type ServiceIx = u32;
/// Index of a responsibility in catalogue order (see [`View::responsibilities`]).
pub type RespIx = u32;

/// Small sets of indexes: most cells have one or two owners and short chains.
pub type Ixs = SmallVec<[u32; 2]>;

/// Where a cell's allocation comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Nobody has written or pre-filled it.
    Unset,
    /// Pre-filled by the preset with this index in the catalogue.
    Preset(u32),
    /// Written in the model.
    Explicit,
}

/// Why an inherited cell does not reach anyone who does the work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Broken {
    /// The service is not built on anything.
    NoUpstream,
    /// The service is built on several services and the cell does not say which.
    Ambiguous,
    /// `from` names a service this one is not built on.
    NotBuiltOn(ServiceIx),
    /// `from` names a service that does not exist (reported as an unknown reference).
    UnknownFrom,
    /// The upstream service is part of a loop of services.
    InCycle(ServiceIx),
    /// The upstream cell is not something the upstream provider does.
    NotProvided { upstream: ServiceIx, status: Status },
    /// The upstream cell is itself inherited and broken.
    UpstreamBroken(ServiceIx),
}

/// One (service, responsibility) cell, resolved.
#[derive(Clone, Debug)]
pub struct Cell<'m> {
    /// The allocation that applies: written in the model, or from a preset.
    pub allocation: Option<&'m Allocation>,
    pub origin: Origin,
    /// What the service's preset says for this cell, whether it applies or was overridden.
    pub preset: Option<(u32, &'m PresetEntry)>,
    /// Parties that do the work (operate), following inheritance to the upstream parties.
    pub operators: Ixs,
    /// Parties that decide, approve or review.
    pub overseers: Ixs,
    /// For inherited cells: the services followed, nearest first.
    pub via: Ixs,
    /// For inherited cells that reach nobody: why.
    pub broken: Option<Broken>,
}

impl Cell<'_> {
    pub fn status(&self) -> Status {
        self.allocation.map_or(Status::Undecided, |a| a.status)
    }

    /// Written in the model and different from what its preset says.
    pub fn is_override(&self) -> bool {
        match (self.origin, self.preset, self.allocation) {
            (Origin::Explicit, Some((_, p)), Some(a)) => !same_allocation(&p.allocation, a),
            _ => false,
        }
    }
}

fn same_allocation(preset: &Allocation, written: &Allocation) -> bool {
    preset.status == written.status
        && preset.tasks.len() == written.tasks.len()
        && preset
            .tasks
            .iter()
            .zip(&written.tasks)
            .all(|(p, w)| p.kind == w.kind && p.terms.description == w.terms.description)
}

/// How the CSA CAIQ "SSRM control ownership" column would put a cell, seen from the service's
/// customer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// The service's provider does all of it.
    CspOwned,
    /// The service's customer does all of it.
    CscOwned,
    /// Only a party further up the chain does it.
    ThirdPartyOutsourced,
    /// Customer and provider (or an upstream party) each do part.
    SharedCspAndCsc,
    /// The provider and an upstream party each do part.
    SharedCspAndThirdParty,
    NotApplicable,
    /// Nobody: a gap.
    Unallocated,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CspOwned => "CSP-owned",
            Category::CscOwned => "CSC-owned",
            Category::ThirdPartyOutsourced => "3rd-party outsourced",
            Category::SharedCspAndCsc => "Shared CSP and CSC",
            Category::SharedCspAndThirdParty => "Shared CSP and 3rd-party",
            Category::NotApplicable => "N/A",
            Category::Unallocated => "Unallocated",
        }
    }
}

/// A model with everything resolved. Borrowed from the model; cheap to query.
#[derive(Debug)]
pub struct View<'m> {
    pub model: &'m Model,
    party_ix: IdMap<'m>,
    service_ix: IdMap<'m>,
    resp_ix: IdMap<'m>,
    resps: Vec<(&'m Area, &'m Responsibility)>,
    /// The model's customer organisation, when it names a known party.
    pub customer: Option<PartyIx>,
    providers: Vec<Option<PartyIx>>,
    consumers: Vec<Option<PartyIx>>,
    built_on: Vec<Ixs>,
    in_cycle: Vec<bool>,
    cells: Vec<Cell<'m>>,
    /// Services in loops of built-on edges, one list per loop.
    pub cycles: Vec<Vec<ServiceIx>>,
    /// Problems found while resolving: unknown and duplicate ids, loops.
    pub findings: Vec<Finding>,
}

/// What an owner written in a task refers to.
enum OwnerRef {
    Party(PartyIx),
    Provider,
    Customer,
    Unknown,
}

impl<'m> View<'m> {
    /// Resolve a model.
    pub fn new(model: &'m Model) -> View<'m> {
        let mut findings = Vec::new();
        let party_ix = index_ids(
            model.parties.iter().map(|p| (p.id.as_str(), p.loc)),
            "party",
            &mut findings,
        );
        let service_ix = index_ids(
            model.services.iter().map(|s| (s.id.as_str(), s.loc)),
            "service",
            &mut findings,
        );
        let resps: Vec<_> = model.catalogue.responsibilities().collect();
        let resp_ix = index_ids(
            resps.iter().map(|(_, r)| (r.id.as_str(), r.loc)),
            "responsibility",
            &mut findings,
        );
        let preset_ix = index_ids(
            model
                .catalogue
                .presets
                .iter()
                .map(|p| (p.id.as_str(), p.loc)),
            "preset",
            &mut findings,
        );
        index_ids(
            model.catalogue.areas.iter().map(|a| (a.id.as_str(), a.loc)),
            "area",
            &mut findings,
        );

        let mut view = View {
            model,
            party_ix,
            service_ix,
            resp_ix,
            resps,
            customer: None,
            providers: Vec::new(),
            consumers: Vec::new(),
            built_on: Vec::new(),
            in_cycle: vec![false; model.services.len()],
            cells: Vec::new(),
            cycles: Vec::new(),
            findings,
        };

        view.customer = view.lookup_party(&model.customer, "the model's customer", None);
        for party in &model.parties {
            for person in &party.people {
                if let Some(role) = &person.role
                    && !party.roles.iter().any(|r| r.id == role.id)
                {
                    let near = nearest(&role.id, party.roles.iter().map(|r| r.id.as_str()));
                    view.findings.push(
                        unknown(role, "role", &format!("of {}", party.id), near).party(&party.id),
                    );
                }
            }
        }
        for service in &model.services {
            let provider = view.lookup_party(&service.provider, "the provider", Some(&service.id));
            let consumer = match &service.customer {
                Some(c) => view.lookup_party(c, "the service's customer", Some(&service.id)),
                None => view.customer,
            };
            view.providers.push(provider);
            view.consumers.push(consumer);
            let mut upstream = Ixs::new();
            for b in &service.built_on {
                if let Some(ix) = view.lookup_service(b, "a built-on service")
                    && !upstream.contains(&ix)
                {
                    upstream.push(ix);
                }
            }
            view.built_on.push(upstream);
            if let Some(presets) = &service.presets {
                for p in presets {
                    if !preset_ix.contains_key(p.id.as_str()) {
                        let near = nearest(&p.id, preset_ix.keys().copied());
                        view.findings
                            .push(unknown(p, "preset", "", near).service(&service.id));
                    }
                }
            }
        }

        view.find_cycles();
        view.place_allocations(&preset_ix);
        view.resolve_owners();
        view
    }

    fn lookup_party(&mut self, r: &Ref, what: &str, service: Option<&str>) -> Option<PartyIx> {
        let found = self.party_ix.get(r.id.as_str()).copied();
        if found.is_none() {
            let near = nearest(&r.id, self.party_ix.keys().copied());
            let mut f = unknown(r, "party", &format!("(named as {what})"), near);
            f.service = service.map(str::to_owned);
            self.findings.push(f);
        }
        found
    }

    fn lookup_service(&mut self, r: &Ref, what: &str) -> Option<ServiceIx> {
        let found = self.service_ix.get(r.id.as_str()).copied();
        if found.is_none() {
            let near = nearest(&r.id, self.service_ix.keys().copied());
            self.findings
                .push(unknown(r, "service", &format!("(named as {what})"), near));
        }
        found
    }

    /// Find every loop of built-on edges: each strongly connected component of the built-on
    /// graph with more than one service, or with a service built on itself. Each loop is
    /// recorded and reported once, whatever the order of the edges.
    fn find_cycles(&mut self) {
        let n = self.model.services.len();
        // Tarjan's algorithm, iterative (a long chain must not overflow the stack).
        let mut index = vec![u32::MAX; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut stack: Vec<u32> = Vec::new();
        let mut next_index = 0u32;
        let mut components: Vec<Vec<u32>> = Vec::new();
        for root in 0..n as u32 {
            if index[root as usize] != u32::MAX {
                continue;
            }
            let mut work: Vec<(u32, usize)> = vec![(root, 0)];
            while let Some(&mut (v, ref mut edge)) = work.last_mut() {
                let vi = v as usize;
                if *edge == 0 && index[vi] == u32::MAX {
                    index[vi] = next_index;
                    low[vi] = next_index;
                    next_index += 1;
                    stack.push(v);
                    on_stack[vi] = true;
                }
                if let Some(&w) = self.built_on[vi].get(*edge) {
                    *edge += 1;
                    let wi = w as usize;
                    if index[wi] == u32::MAX {
                        work.push((w, 0));
                    } else if on_stack[wi] {
                        low[vi] = low[vi].min(index[wi]);
                    }
                    continue;
                }
                work.pop();
                if let Some(&(parent, _)) = work.last() {
                    low[parent as usize] = low[parent as usize].min(low[vi]);
                }
                if low[vi] == index[vi] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    let looped = component.len() > 1 || self.built_on[vi].contains(&v);
                    if looped {
                        component.sort_unstable();
                        components.push(component);
                    }
                }
            }
        }
        components.sort();
        for component in components {
            for &s in &component {
                self.in_cycle[s as usize] = true;
            }
            let path = self.loop_path(&component);
            self.report_cycle(&path);
            self.cycles.push(component);
        }
    }

    /// A shortest way round a loop, from its first service back to it (for the message).
    fn loop_path(&self, component: &[u32]) -> Vec<u32> {
        let start = component[0];
        let mut came_from: HashMap<u32, u32> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            let mut next: Vec<u32> = self.built_on[v as usize]
                .iter()
                .copied()
                .filter(|w| component.binary_search(w).is_ok())
                .collect();
            next.sort_unstable();
            for w in next {
                if w == start {
                    let mut path = vec![v];
                    let mut at = v;
                    while at != start {
                        at = came_from[&at];
                        path.push(at);
                    }
                    path.reverse();
                    return path;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = came_from.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
        }
        component.to_vec()
    }

    fn report_cycle(&mut self, cycle: &[u32]) {
        let names: Vec<&str> = cycle
            .iter()
            .chain(cycle.first())
            .map(|&s| self.model.services[s as usize].id.as_str())
            .collect();
        let first = &self.model.services[cycle[0] as usize];
        self.findings.push(
            Finding::new(
                Code::ChainCycle,
                format!("services are built on each other in a loop: {}", names.join(" → ")),
                "Remove one of the built_on entries so that the chain ends at a service that is not built on anything.",
            )
            .service(&first.id)
            .at(first.loc),
        );
    }

    /// Fill every cell from presets, then from what the model writes.
    fn place_allocations(&mut self, preset_ix: &IdMap<'m>) {
        let model = self.model;
        let nresp = self.resps.len();
        let presets = &model.catalogue.presets;

        // Each preset's entries by responsibility index; unknown ids reported once per preset.
        let mut preset_cells: Vec<Vec<Option<&'m PresetEntry>>> = Vec::with_capacity(presets.len());
        for preset in presets {
            let mut row = vec![None; nresp];
            for entry in &preset.entries {
                let r = &entry.allocation.responsibility;
                match self.resp_ix.get(r.id.as_str()) {
                    Some(&ix) => {
                        if row[ix as usize].is_some() {
                            self.findings.push(duplicate(
                                r,
                                "preset entry",
                                &format!("in preset {}", preset.id),
                            ));
                        }
                        row[ix as usize] = Some(entry);
                    }
                    None => {
                        let near = nearest(&r.id, self.resp_ix.keys().copied());
                        self.findings.push(unknown(
                            r,
                            "responsibility",
                            &format!("in preset {}", preset.id),
                            near,
                        ));
                    }
                }
                for t in &entry.allocation.tasks {
                    for o in &t.owners {
                        if matches!(self.owner(o), OwnerRef::Unknown) {
                            let near = nearest(&o.id, self.owner_candidates());
                            self.findings.push(unknown(
                                o,
                                "task owner",
                                &format!("in preset {}", preset.id),
                                near,
                            ));
                        }
                    }
                }
            }
            preset_cells.push(row);
        }

        let mut cells: Vec<Cell<'m>> = Vec::with_capacity(model.services.len() * nresp);
        for service in &model.services {
            let chosen: Vec<u32> = match &service.presets {
                Some(list) => list
                    .iter()
                    .filter_map(|p| preset_ix.get(p.id.as_str()).copied())
                    .collect(),
                None => presets
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.service_model.is_some() && p.service_model == service.model)
                    .map(|(i, _)| i as u32)
                    .collect(),
            };
            for r in 0..nresp {
                let preset = chosen.iter().find_map(|&p| {
                    preset_cells
                        .get(p as usize)
                        .and_then(|row| row[r])
                        .map(|e| (p, e))
                });
                cells.push(Cell {
                    allocation: preset.map(|(_, e)| &e.allocation),
                    origin: preset.map_or(Origin::Unset, |(p, _)| Origin::Preset(p)),
                    preset,
                    operators: Ixs::new(),
                    overseers: Ixs::new(),
                    via: Ixs::new(),
                    broken: None,
                });
            }
        }

        for group in &model.allocations {
            let Some(s) = self.lookup_service(&group.service, "the service of an allocation file")
            else {
                continue;
            };
            for alloc in &group.cells {
                let r = &alloc.responsibility;
                let Some(&ri) = self.resp_ix.get(r.id.as_str()) else {
                    let near = nearest(&r.id, self.resp_ix.keys().copied());
                    self.findings.push(
                        unknown(
                            r,
                            "responsibility",
                            &format!("for service {}", group.service.id),
                            near,
                        )
                        .service(&group.service.id),
                    );
                    continue;
                };
                let cell = &mut cells[s as usize * nresp + ri as usize];
                if cell.origin == Origin::Explicit {
                    self.findings.push(
                        duplicate(
                            r,
                            "allocation",
                            &format!("for service {}", group.service.id),
                        )
                        .service(&group.service.id)
                        .responsibility(&r.id),
                    );
                }
                cell.allocation = Some(alloc);
                cell.origin = Origin::Explicit;
            }
        }
        self.cells = cells;
    }

    fn owner(&self, r: &Ref) -> OwnerRef {
        if let Some(&p) = self.party_ix.get(r.id.as_str()) {
            return OwnerRef::Party(p);
        }
        match r.id.as_str() {
            "provider" => OwnerRef::Provider,
            "customer" => OwnerRef::Customer,
            _ => OwnerRef::Unknown,
        }
    }

    fn owner_candidates(&self) -> impl Iterator<Item = &'m str> + '_ {
        self.party_ix
            .keys()
            .copied()
            .chain(["provider", "customer"])
    }

    /// The party an owner written in a cell of `service` stands for.
    pub fn owner_party(&self, service: ServiceIx, r: &Ref) -> Option<PartyIx> {
        match self.owner(r) {
            OwnerRef::Party(p) => Some(p),
            OwnerRef::Provider => self.providers[service as usize],
            OwnerRef::Customer => self.consumers[service as usize],
            OwnerRef::Unknown => None,
        }
    }

    /// Work out who operates and oversees each cell, upstream services first.
    fn resolve_owners(&mut self) {
        let n = self.model.services.len();
        let nresp = self.resps.len();
        // Upstream before downstream: a depth-first post-order over built-on edges, skipping
        // loops (their cells cannot inherit).
        let mut order: Vec<u32> = Vec::with_capacity(n);
        let mut state = vec![0u8; n];
        for start in 0..n as u32 {
            if state[start as usize] != 0 {
                continue;
            }
            let mut stack: Vec<(u32, usize)> = vec![(start, 0)];
            state[start as usize] = 1;
            while let Some((s, i)) = stack.pop() {
                let ups = &self.built_on[s as usize];
                if i < ups.len() {
                    stack.push((s, i + 1));
                    let u = ups[i];
                    if state[u as usize] == 0 {
                        state[u as usize] = 1;
                        stack.push((u, 0));
                    }
                } else {
                    state[s as usize] = 2;
                    order.push(s);
                }
            }
        }

        let mut unknown_refs = Vec::new();
        for s in order {
            for r in 0..nresp {
                let at = s as usize * nresp + r;
                let Some(alloc) = self.cells[at].allocation else {
                    continue;
                };
                let explicit = self.cells[at].origin == Origin::Explicit;
                let mut operators = Ixs::new();
                let mut overseers = Ixs::new();
                let mut via = Ixs::new();
                let mut broken = None;
                match alloc.status {
                    Status::Customer => push_some(&mut operators, self.consumers[s as usize]),
                    Status::Supplier => push_some(&mut operators, self.providers[s as usize]),
                    Status::Inherited => match self.upstream_of(s, alloc) {
                        Ok(u) => {
                            let up = &self.cells[u as usize * nresp + r];
                            via.push(u);
                            via.extend(up.via.iter().copied());
                            match up.status() {
                                Status::Supplier | Status::Shared | Status::Inherited
                                    if up.broken.is_none() && !up.operators.is_empty() =>
                                {
                                    operators.extend(up.operators.iter().copied());
                                }
                                Status::Inherited => broken = Some(Broken::UpstreamBroken(u)),
                                status => {
                                    broken = Some(Broken::NotProvided {
                                        upstream: u,
                                        status,
                                    })
                                }
                            }
                        }
                        Err(b) => {
                            if b == Broken::UnknownFrom
                                && explicit
                                && let Some(f) = &alloc.from
                            {
                                unknown_refs.push((f.clone(), s, r, "service"));
                            }
                            broken = Some(b);
                        }
                    },
                    Status::Shared | Status::Undecided | Status::NotApplicable => {}
                }
                for task in &alloc.tasks {
                    for o in &task.owners {
                        match self.owner_party(s, o) {
                            Some(p) => match task.kind {
                                TaskKind::Operate => push_unique(&mut operators, p),
                                TaskKind::Oversee => push_unique(&mut overseers, p),
                            },
                            None if explicit => unknown_refs.push((o.clone(), s, r, "party")),
                            None => {}
                        }
                    }
                }
                let cell = &mut self.cells[at];
                cell.operators = dedup(operators);
                cell.overseers = overseers;
                cell.via = via;
                cell.broken = broken;
            }
        }
        for (r, s, resp, what) in unknown_refs {
            let service = &self.model.services[s as usize];
            let near = if what == "service" {
                nearest(&r.id, self.service_ix.keys().copied())
            } else {
                nearest(&r.id, self.owner_candidates())
            };
            self.findings.push(
                unknown(&r, what, "", near)
                    .service(&service.id)
                    .responsibility(self.resps[resp].1.id.as_str()),
            );
        }
        // Explicit task roles must be roles of the task's owner; a contest names a party.
        for group in &self.model.allocations {
            let Some(&s) = self.service_ix.get(group.service.id.as_str()) else {
                continue;
            };
            for alloc in &group.cells {
                if let Some(c) = &alloc.contested
                    && !self.party_ix.contains_key(c.by.id.as_str())
                {
                    let near = nearest(&c.by.id, self.party_ix.keys().copied());
                    self.findings.push(
                        unknown(&c.by, "party", "(named as contesting a row)", near)
                            .service(&group.service.id)
                            .responsibility(&alloc.responsibility.id),
                    );
                }
                let resp = self
                    .resp_ix
                    .get(alloc.responsibility.id.as_str())
                    .map(|&r| self.resps[r as usize].1);
                for task in &alloc.tasks {
                    // A task's statement must be a part of the responsibility's statement.
                    if let (Some(st), Some(resp)) = (&task.statement, resp)
                        && !resp.statements.iter().any(|x| &x.id == st)
                    {
                        let near = nearest(st, resp.statements.iter().map(|x| x.id.as_str()));
                        let r = Ref {
                            id: st.clone(),
                            loc: task.loc,
                        };
                        self.findings.push(
                            unknown(&r, "statement", &format!("in {}", resp.id), near)
                                .service(&group.service.id)
                                .responsibility(&alloc.responsibility.id),
                        );
                    }
                    let Some(role) = &task.role else { continue };
                    let Some(p) = task.owners.first().and_then(|o| self.owner_party(s, o)) else {
                        continue;
                    };
                    let party = &self.model.parties[p as usize];
                    if !party.roles.iter().any(|x| x.id == role.id) {
                        let near = nearest(&role.id, party.roles.iter().map(|x| x.id.as_str()));
                        self.findings.push(
                            unknown(role, "role", &format!("of {}", party.id), near)
                                .service(&group.service.id)
                                .responsibility(&alloc.responsibility.id),
                        );
                    }
                }
            }
        }
    }

    fn upstream_of(&self, s: ServiceIx, alloc: &Allocation) -> Result<ServiceIx, Broken> {
        let ups = &self.built_on[s as usize];
        let u = match &alloc.from {
            Some(f) => {
                let Some(&u) = self.service_ix.get(f.id.as_str()) else {
                    return Err(Broken::UnknownFrom);
                };
                if !ups.contains(&u) {
                    return Err(Broken::NotBuiltOn(u));
                }
                u
            }
            None => match ups.as_slice() {
                [] => return Err(Broken::NoUpstream),
                [u] => *u,
                _ => return Err(Broken::Ambiguous),
            },
        };
        if self.in_cycle[u as usize] {
            return Err(Broken::InCycle(u));
        }
        Ok(u)
    }

    // ---- queries ----

    pub fn parties(&self) -> &'m [Party] {
        &self.model.parties
    }

    pub fn services(&self) -> &'m [Service] {
        &self.model.services
    }

    /// Every responsibility in catalogue order, with its area.
    pub fn responsibilities(&self) -> &[(&'m Area, &'m Responsibility)] {
        &self.resps
    }

    pub fn party(&self, p: PartyIx) -> &'m Party {
        &self.model.parties[p as usize]
    }

    pub fn service(&self, s: ServiceIx) -> &'m Service {
        &self.model.services[s as usize]
    }

    pub fn responsibility(&self, r: RespIx) -> &'m Responsibility {
        self.resps[r as usize].1
    }

    pub fn area_of(&self, r: RespIx) -> &'m Area {
        self.resps[r as usize].0
    }

    pub fn party_index(&self, id: &str) -> Option<PartyIx> {
        self.party_ix.get(id).copied()
    }

    pub fn service_index(&self, id: &str) -> Option<ServiceIx> {
        self.service_ix.get(id).copied()
    }

    pub fn responsibility_index(&self, id: &str) -> Option<RespIx> {
        self.resp_ix.get(id).copied()
    }

    /// The provider of a service, when it names a known party.
    pub fn provider(&self, s: ServiceIx) -> Option<PartyIx> {
        self.providers[s as usize]
    }

    /// Who uses a service: its `customer`, or the model's customer.
    pub fn consumer(&self, s: ServiceIx) -> Option<PartyIx> {
        self.consumers[s as usize]
    }

    /// The services a service is built on (known ones only).
    pub fn built_on(&self, s: ServiceIx) -> &[ServiceIx] {
        &self.built_on[s as usize]
    }

    pub fn in_cycle(&self, s: ServiceIx) -> bool {
        self.in_cycle[s as usize]
    }

    pub fn cell(&self, s: ServiceIx, r: RespIx) -> &Cell<'m> {
        &self.cells[s as usize * self.resps.len() + r as usize]
    }

    /// Every cell with its service and responsibility, service by service.
    pub fn cells(&self) -> impl Iterator<Item = (ServiceIx, RespIx, &Cell<'m>)> + '_ {
        let nresp = self.resps.len().max(1);
        self.cells
            .iter()
            .enumerate()
            .map(move |(i, c)| ((i / nresp) as u32, (i % nresp) as u32, c))
    }

    /// The CSA CAIQ category a cell amounts to, seen from the service's customer.
    pub fn category(&self, s: ServiceIx, r: RespIx) -> Category {
        let cell = self.cell(s, r);
        if cell.status() == Status::NotApplicable {
            return Category::NotApplicable;
        }
        if cell.operators.is_empty() {
            return Category::Unallocated;
        }
        let csc = self.consumers[s as usize];
        let csp = self.providers[s as usize];
        let has_csc = cell.operators.iter().any(|&p| Some(p) == csc);
        let has_csp = cell.operators.iter().any(|&p| Some(p) == csp);
        let has_other = cell
            .operators
            .iter()
            .any(|&p| Some(p) != csc && Some(p) != csp);
        match (has_csc, has_csp, has_other) {
            (true, false, false) => Category::CscOwned,
            (false, true, false) => Category::CspOwned,
            (false, false, true) => Category::ThirdPartyOutsourced,
            (true, _, _) => Category::SharedCspAndCsc,
            (false, _, _) => Category::SharedCspAndThirdParty,
        }
    }

    /// The parties along an inherited cell's chain: the service's provider, then each upstream
    /// provider in turn.
    pub fn provenance(&self, s: ServiceIx, r: RespIx) -> Vec<PartyIx> {
        let mut out: Vec<PartyIx> = Vec::new();
        for svc in std::iter::once(s).chain(self.cell(s, r).via.iter().copied()) {
            if let Some(p) = self.providers[svc as usize]
                && out.last() != Some(&p)
            {
                out.push(p);
            }
        }
        out
    }

    /// What each party holds across all services: for every party, the cells it operates and
    /// the cells it oversees.
    pub fn roll_up(&self) -> Vec<PartyHoldings> {
        let mut out: Vec<PartyHoldings> = (0..self.model.parties.len())
            .map(|p| PartyHoldings {
                party: p as u32,
                operates: Vec::new(),
                oversees: Vec::new(),
            })
            .collect();
        for (s, r, cell) in self.cells() {
            for &p in &cell.operators {
                out[p as usize].operates.push((s, r));
            }
            for &p in &cell.overseers {
                out[p as usize].oversees.push((s, r));
            }
        }
        out
    }
}

/// The cells one party holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyHoldings {
    pub party: PartyIx,
    pub operates: Vec<(ServiceIx, RespIx)>,
    pub oversees: Vec<(ServiceIx, RespIx)>,
}

fn push_some(v: &mut Ixs, p: Option<u32>) {
    if let Some(p) = p {
        push_unique(v, p);
    }
}

fn push_unique(v: &mut Ixs, p: u32) {
    if !v.contains(&p) {
        v.push(p);
    }
}

fn dedup(mut v: Ixs) -> Ixs {
    if v.len() < 2 {
        return v;
    }
    let mut seen = Ixs::new();
    v.retain(|p| {
        if seen.contains(p) {
            false
        } else {
            seen.push(*p);
            true
        }
    });
    v
}

/// Ids to indexes. Lookups happen for every cell, so the hash is a quick one (FxHash, as in
/// rustc) rather than the default SipHash: ids come from the model's own files, so there is
/// nobody to defend against crafted collisions.
type IdMap<'m> = HashMap<&'m str, u32, BuildHasherDefault<IdHasher>>;

#[derive(Clone, Copy, Debug, Default)]
struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

fn index_ids<'m>(
    items: impl Iterator<Item = (&'m str, Option<Loc>)>,
    what: &str,
    findings: &mut Vec<Finding>,
) -> IdMap<'m> {
    let mut map = IdMap::default();
    for (i, (id, loc)) in items.enumerate() {
        if map.contains_key(id) {
            findings.push(duplicate(
                &Ref {
                    id: id.to_owned(),
                    loc,
                },
                what,
                "",
            ));
        } else {
            map.insert(id, i as u32);
        }
    }
    map
}

fn unknown(r: &Ref, what: &str, context: &str, near: Option<&str>) -> Finding {
    let context = if context.is_empty() {
        String::new()
    } else {
        format!(" {context}")
    };
    let fix = match near {
        Some(n) => {
            format!("Did you mean \"{n}\"? Correct the id, or define a {what} with this id.")
        }
        None => format!("Correct the id, or define a {what} with this id."),
    };
    Finding::new(
        Code::UnknownReference,
        format!("there is no {what} \"{}\"{context}", r.id),
        fix,
    )
    .at(r.loc)
}

fn duplicate(r: &Ref, what: &str, context: &str) -> Finding {
    let context = if context.is_empty() {
        String::new()
    } else {
        format!(" {context}")
    };
    Finding::new(
        Code::DuplicateId,
        format!("{what} \"{}\" is defined more than once{context}", r.id),
        "Give each one its own id, or merge the two into one.",
    )
    .at(r.loc)
}
