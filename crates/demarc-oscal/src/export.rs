//! A demarc model as OSCAL: a system security plan, a component definition, a customer
//! responsibility matrix slice, or the NIST prototype shared-responsibility document.
//!
//! **The system.** An SSP describes one system: the service provided by `party` (by default
//! the model's customer's own service), the most downstream one when the party provides
//! several; without such a service, the last service nothing else is built on.
//!
//! **SSP** (both views in one plan). Each allocation row of the system is an implemented
//! requirement (control id = the responsibility's `oscal` mapping, else its id) with props
//! `control-origination` (from the status) and `implementation-status`, remarks = the row's
//! note. The row's description (the provider's own implementation text) is a by-component of
//! the `this-system` component; each provider task is a by-component with an
//! `export.provided` entry (and, on an inherited row, a `satisfied` entry naming the
//! upstream customer task it takes on); each customer task is an
//! `export.responsibilities` entry. A task's statement puts it under that statement. An
//! inherited row also gets `inherited` entries, on the component standing for the leveraged
//! system, naming the upstream provider tasks. Each built-on service is a
//! `leveraged-authorization` (dated with the export date: demarc keeps no authorization
//! dates) and a `system` component. Importing the result gives the same model.
//!
//! **Component definition**: one component per service the party provides, with the rows it
//! does work in.
//!
//! **CRM slice** for a customer party: for the service it uses (the most downstream one
//! another party provides), only what it may inherit (the provider tasks' text, never a row's
//! own implementation text) and what it must do (its tasks) — OSCAL issue #713's case.
//!
//! **SRM**: the NIST prototype `shared-responsibility` document (metaschema shape:
//! `control-implementation`, with `provided`/`responsibilities` directly under each
//! by-component), marked experimental; not schema-checked (the schema has no such model).
//!
//! Every other result is validated against the embedded OSCAL 1.2.3 schema before it is
//! returned. Uuids are derived from the ids (the same model gives byte-identical output), and
//! `last-modified` is `today` at midnight UTC. Arrays are never empty and no key is written
//! that the schema does not have.

use std::collections::HashSet;

use demarc_core::Date;
use demarc_core::model::{Allocation, Model, Responsibility, Service, Status, Task, TaskKind};
use demarc_core::view::{PartyIx, ServiceIx, View};
use serde_json::{Map, Value, json};

use crate::catalog::OSCAL_VERSION;
use crate::error::Problem;
use crate::profile::derived_uuid;
use crate::schema;

/// The text written where OSCAL requires a description that the model does not have; an
/// import reads it back as no description.
pub const NOT_RECORDED: &str = "Not recorded by demarc.";

/// The description of the system in a customer responsibility matrix slice, which leaves
/// out the provider's own account of its system.
const NOT_SHARED: &str =
    "The provider's description of its system is not part of this customer responsibility matrix.";

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OscalExport {
    Ssp,
    ComponentDefinition,
    Crm,
    Srm,
}

impl OscalExport {
    fn file(self) -> &'static str {
        match self {
            OscalExport::Ssp => "exported system security plan",
            OscalExport::ComponentDefinition => "exported component definition",
            OscalExport::Crm => "exported customer responsibility matrix",
            OscalExport::Srm => "exported shared-responsibility document",
        }
    }
}

/// Export a model (see the module documentation). `party` is the provider whose system is
/// exported (SSP, component definition, SRM) or the customer whose slice it is (CRM).
pub fn export(
    model: &Model,
    what: OscalExport,
    party: Option<&str>,
    today: Date,
) -> Result<Value, Vec<Problem>> {
    export_with(model, what, party, None, today)
}

/// [`export`], with the service a customer responsibility matrix is of (`service`; by
/// default the furthest downstream service the customer uses that another party provides).
/// `service` is only for [`OscalExport::Crm`].
pub fn export_with(
    model: &Model,
    what: OscalExport,
    party: Option<&str>,
    service: Option<&str>,
    today: Date,
) -> Result<Value, Vec<Problem>> {
    let view = View::new(model);
    let ex = Exporter {
        model,
        view: &view,
        today,
        file: what.file(),
    };
    let value = match what {
        OscalExport::Ssp => {
            let s = ex.system(party)?;
            ex.ssp(s)?
        }
        _ if service.is_some() && what != OscalExport::Crm => {
            return Err(ex.problem(
                "a service is chosen only for a customer responsibility matrix; --party chooses the system".to_owned(),
            ));
        }
        OscalExport::ComponentDefinition => ex.component_definition(party)?,
        OscalExport::Crm => ex.crm(party, service)?,
        OscalExport::Srm => {
            let s = ex.system(party)?;
            return Ok(ex.srm(s));
        }
    };
    let problems = schema::validate_value(what.file(), &value);
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(problems)
    }
}

// ---------------------------------------------------------------------------------------------
// Values the schema accepts

/// A token (XML NCName): ids are kept when they are tokens already.
pub fn token(s: &str) -> String {
    let ok_first = |c: char| c.is_alphabetic() || c == '_';
    let ok = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
    let body: String = s.chars().map(|c| if ok(c) { c } else { '-' }).collect();
    match body.chars().next() {
        Some(c) if ok_first(c) => body,
        _ => format!("id-{body}"),
    }
}

/// One line of markup: no line breaks, not empty.
fn line(s: &str, fallback: &str) -> String {
    let l: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if l.is_empty() { fallback.to_owned() } else { l }
}

/// An OSCAL string: not empty, no leading or trailing white space.
fn string(s: &str, fallback: &str) -> String {
    let t = s.trim();
    if t.is_empty() {
        fallback.to_owned()
    } else {
        t.to_owned()
    }
}

/// An object from key/value pairs, leaving out nulls and empty arrays.
fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        match &v {
            Value::Null => {}
            Value::Array(a) if a.is_empty() => {}
            _ => {
                m.insert(k.to_owned(), v);
            }
        }
    }
    Value::Object(m)
}

fn opt(s: Option<&str>) -> Value {
    s.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

fn uuid(parts: &[&str]) -> String {
    let mut all = vec!["demarc"];
    all.extend_from_slice(parts);
    derived_uuid(&all)
}

/// Who a task belongs to, seen from the service it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Provider,
    Customer,
    Other(PartyIx),
    Unknown,
}

struct Exporter<'a> {
    model: &'a Model,
    view: &'a View<'a>,
    today: Date,
    file: &'a str,
}

/// The pieces of one row, by statement.
struct Parts {
    /// (statement, by-component) in order; None = the whole control.
    by_components: Vec<(Option<String>, Value)>,
}

impl Parts {
    fn new() -> Parts {
        Parts {
            by_components: Vec::new(),
        }
    }

    fn push(&mut self, statement: Option<&str>, bc: Value) {
        self.by_components.push((statement.map(str::to_owned), bc));
    }

    /// `by-components` of the requirement and its `statements`, statements in first-use order.
    fn finish(self, svc: &str, resp: &str) -> (Vec<Value>, Vec<Value>) {
        let mut top = Vec::new();
        let mut order: Vec<String> = Vec::new();
        let mut by_st: Vec<Vec<Value>> = Vec::new();
        for (st, bc) in self.by_components {
            match st {
                None => top.push(bc),
                Some(st) => match order.iter().position(|x| *x == st) {
                    Some(i) => by_st[i].push(bc),
                    None => {
                        order.push(st);
                        by_st.push(vec![bc]);
                    }
                },
            }
        }
        let statements = order
            .into_iter()
            .zip(by_st)
            .map(|(st, bcs)| {
                obj(vec![
                    ("statement-id", json!(token(&st))),
                    ("uuid", json!(uuid(&["statement", svc, resp, &st]))),
                    ("by-components", Value::Array(bcs)),
                ])
            })
            .collect();
        (top, statements)
    }
}

impl<'a> Exporter<'a> {
    fn problem(&self, message: String) -> Vec<Problem> {
        vec![Problem::new(self.file, "", message)]
    }

    fn party_ix(&self, id: &str) -> Result<PartyIx, Vec<Problem>> {
        self.view.party_index(id).ok_or_else(|| {
            let known: Vec<&str> = self.model.parties.iter().map(|p| p.id.as_str()).collect();
            self.problem(format!(
                "party {id:?} is not in the model (the parties are {}){}",
                known.join(", "),
                demarc_core::finding::did_you_mean(id, known.iter().copied())
            ))
        })
    }

    /// Services in an order where each comes after those it is built on.
    fn downstream_rank(&self) -> Vec<usize> {
        let n = self.model.services.len();
        let mut depth = vec![0usize; n];
        // Longest built-on path, bounded (loops are findings elsewhere).
        for _ in 0..n.min(64) {
            let mut changed = false;
            for s in 0..n {
                for &u in self.view.built_on(s as ServiceIx) {
                    let d = depth[u as usize] + 1;
                    if d > depth[s] && d <= n {
                        depth[s] = d;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        depth
    }

    /// The service an SSP describes (see the module documentation).
    fn system(&self, party: Option<&str>) -> Result<ServiceIx, Vec<Problem>> {
        if self.model.services.is_empty() {
            return Err(
                self.problem("the model has no services: an SSP describes a service".to_owned())
            );
        }
        let depth = self.downstream_rank();
        let pick = |cands: Vec<usize>| -> Option<ServiceIx> {
            cands
                .into_iter()
                .max_by_key(|&s| (depth[s], std::cmp::Reverse(s)))
                .map(|s| s as ServiceIx)
        };
        let provided_by = |p: PartyIx| -> Vec<usize> {
            (0..self.model.services.len())
                .filter(|&s| self.view.provider(s as ServiceIx) == Some(p))
                .collect()
        };
        match party {
            Some(id) => {
                let p = self.party_ix(id)?;
                pick(provided_by(p)).ok_or_else(|| {
                    self.problem(format!("party {id} provides no service in the model"))
                })
            }
            None => {
                if let Some(c) = self.view.customer
                    && let Some(s) = pick(provided_by(c))
                {
                    return Ok(s);
                }
                let upstream: HashSet<ServiceIx> = (0..self.model.services.len())
                    .flat_map(|s| self.view.built_on(s as ServiceIx).iter().copied())
                    .collect();
                let ends: Vec<usize> = (0..self.model.services.len())
                    .filter(|s| !upstream.contains(&(*s as ServiceIx)))
                    .collect();
                Ok(ends.last().map_or(0, |&s| s as ServiceIx))
            }
        }
    }

    fn side(&self, s: ServiceIx, t: &Task) -> Side {
        let Some(o) = t.owners.first() else {
            return Side::Unknown;
        };
        match o.id.as_str() {
            "provider" if self.view.party_index("provider").is_none() => return Side::Provider,
            "customer" if self.view.party_index("customer").is_none() => return Side::Customer,
            _ => {}
        }
        match self.view.owner_party(s, o) {
            Some(p) if Some(p) == self.view.provider(s) => Side::Provider,
            Some(p) if Some(p) == self.view.consumer(s) => Side::Customer,
            Some(p) => Side::Other(p),
            None => Side::Unknown,
        }
    }

    /// The allocation of every cell of a service that has one (written or from a preset).
    fn rows(&self, s: ServiceIx) -> Vec<(&'a Responsibility, &'a Allocation)> {
        let mut out = Vec::new();
        for (r, (_, resp)) in self.view.responsibilities().iter().enumerate() {
            if let Some(a) = self.view.cell(s, r as u32).allocation {
                out.push((*resp, a));
            }
        }
        out
    }

    fn control_id(resp: &Responsibility) -> String {
        token(
            resp.mappings
                .get("oscal")
                .and_then(|v| v.first())
                .map_or(resp.id.as_str(), String::as_str),
        )
    }

    fn service(&self, s: ServiceIx) -> &'a Service {
        &self.model.services[s as usize]
    }

    fn party_uuid(&self, p: PartyIx) -> String {
        uuid(&["party", &self.view.party(p).id])
    }

    fn this_system(svc: &str) -> String {
        uuid(&["component", svc, "this-system"])
    }

    fn leveraged_component(svc: &str, upstream: &str) -> String {
        uuid(&["component", svc, "leveraged", upstream])
    }

    fn provided_uuid(svc: &str, resp: &str, i: usize) -> String {
        uuid(&["provided", svc, resp, &i.to_string()])
    }

    fn responsibility_uuid(svc: &str, resp: &str, i: usize) -> String {
        uuid(&["responsibility", svc, resp, &i.to_string()])
    }

    fn last_modified(&self) -> String {
        format!("{}T00:00:00Z", self.today)
    }

    fn catalogue_resource(&self) -> (String, Value) {
        let info = self.model.catalogue.sources.first();
        let id = info.map_or("catalogue", |i| i.id.as_str());
        let u = uuid(&["catalogue", id]);
        let title = info.map_or_else(
            || "The model's catalogue".to_owned(),
            |i| line(&i.title, id),
        );
        let res = obj(vec![
            ("uuid", json!(u)),
            ("title", json!(title)),
            (
                "description",
                json!(format!(
                    "The responsibility catalogue of the demarc model ({}).",
                    self.model.catalogues.join(", ")
                )),
            ),
        ]);
        (u, res)
    }

    /// Metadata: parties (all, or only those given), roles (system-owner and the provider's),
    /// system-owner → the provider.
    fn metadata(
        &self,
        title: &str,
        provider: Option<PartyIx>,
        parties: Option<&[PartyIx]>,
        remarks: Option<&str>,
    ) -> Value {
        let mut roles = vec![json!({"id": "system-owner", "title": "System Owner"})];
        let mut role_ids: HashSet<String> = HashSet::from(["system-owner".to_owned()]);
        if let Some(p) = provider {
            for r in &self.view.party(p).roles {
                let id = token(&r.id);
                if role_ids.insert(id.clone()) {
                    roles.push(json!({"id": id, "title": line(&r.name, &r.id)}));
                }
            }
        }
        let all: Vec<PartyIx> = match parties {
            Some(ps) => ps.to_vec(),
            None => (0..self.model.parties.len() as PartyIx).collect(),
        };
        let party_values: Vec<Value> = all
            .iter()
            .map(|&p| {
                json!({
                    "uuid": self.party_uuid(p),
                    "type": "organization",
                    "name": string(&self.view.party(p).name, &self.view.party(p).id),
                    // The party's id, so that importing the plan gives the same ids.
                    "short-name": self.view.party(p).id,
                })
            })
            .collect();
        let responsible = provider.map_or(
            Value::Null,
            |p| json!([{"role-id": "system-owner", "party-uuids": [self.party_uuid(p)]}]),
        );
        obj(vec![
            ("title", json!(line(title, "Exported from demarc"))),
            ("last-modified", json!(self.last_modified())),
            (
                "version",
                json!(string(
                    self.model.version.as_deref().unwrap_or(""),
                    "unversioned"
                )),
            ),
            ("oscal-version", json!(OSCAL_VERSION)),
            ("roles", Value::Array(roles)),
            ("parties", Value::Array(party_values)),
            ("responsible-parties", responsible),
            ("remarks", opt(remarks)),
        ])
    }

    fn system_characteristics(&self, s: ServiceIx, description: bool) -> Value {
        let svc = self.service(s);
        let model = svc.model.and_then(|m| match m {
            demarc_core::ServiceModel::Iaas => Some("iaas"),
            demarc_core::ServiceModel::Paas => Some("paas"),
            demarc_core::ServiceModel::Saas => Some("saas"),
            _ => None,
        });
        let props = model.map_or(
            Value::Null,
            |m| json!([{"name": "cloud-service-model", "value": m}]),
        );
        obj(vec![
            ("system-ids", json!([{"id": string(&svc.id, "system")}])),
            ("system-name", json!(string(&svc.name, &svc.id))),
            (
                "description",
                json!(if description {
                    Self::description_of(svc)
                } else {
                    NOT_SHARED.to_owned()
                }),
            ),
            ("props", props),
            (
                "system-information",
                json!({"information-types": [{
                    "title": "Not recorded",
                    "description": "demarc does not record the information types a system handles; complete this before using the plan for an authorization."
                }]}),
            ),
            ("status", json!({"state": "operational"})),
            (
                "authorization-boundary",
                json!({"description": "Not recorded by demarc."}),
            ),
        ])
    }

    /// A service's description, or [`NOT_RECORDED`] (OSCAL requires one; an import reads
    /// that text back as none).
    fn description_of(svc: &Service) -> String {
        svc.description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| NOT_RECORDED.to_owned())
    }

    /// The `provided-uuid` a customer responsibility points at: the provider task of the same
    /// statement (`provided`: statement and task index of each provider task), or none.
    fn provided_link(
        provided: &[(Option<&str>, usize)],
        st: Option<&str>,
        service: &str,
        rid: &str,
    ) -> Value {
        provided
            .iter()
            .find(|(x, _)| *x == st)
            .map_or(Value::Null, |(_, k)| {
                json!(Self::provided_uuid(service, rid, *k))
            })
    }

    fn this_system_component(&self, s: ServiceIx, description: bool) -> Value {
        let svc = self.service(s);
        json!({
            "uuid": Self::this_system(&svc.id),
            "type": "this-system",
            "title": line(&svc.name, &svc.id),
            "description": if description { Self::description_of(svc) } else { NOT_SHARED.to_owned() },
            "status": {"state": "operational"},
        })
    }

    // ---- SSP ----

    fn ssp(&self, s: ServiceIx) -> Result<Value, Vec<Problem>> {
        let svc = self.service(s);
        let provider = self.view.provider(s);
        let is_end = provider.is_some() && provider == self.view.customer;
        let title = if is_end {
            self.model.name.clone()
        } else {
            format!("{} System Security Plan", svc.name)
        };
        let (res_uuid, resource) = self.catalogue_resource();
        let mut components = vec![self.this_system_component(s, true)];
        for c in &svc.components {
            components.push(json!({
                "uuid": uuid(&["component", &svc.id, c]),
                "type": "software",
                "title": line(c, "Component"),
                "description": format!("A component of {}.", line(&svc.name, &svc.id)),
                "status": {"state": "operational"},
            }));
        }
        let mut leveraged = Vec::new();
        for &u in self.view.built_on(s) {
            let up = self.service(u);
            let la = uuid(&["leveraged-authorization", &svc.id, &up.id]);
            let party = uuid(&["party", &up.provider.id]);
            leveraged.push(json!({
                "uuid": la,
                "title": line(&up.name, &up.id),
                "party-uuid": party,
                "date-authorized": self.today.to_string(),
                "remarks": "date-authorized is the date of this export: demarc does not record authorization dates.",
            }));
            components.push(json!({
                "uuid": Self::leveraged_component(&svc.id, &up.id),
                "type": "system",
                "title": line(&up.name, &up.id),
                "description": format!(
                    "{}, provided by {}: this system is built on it and inherits from it.",
                    line(&up.name, &up.id),
                    self.model
                        .parties
                        .iter()
                        .find(|p| p.id == up.provider.id)
                        .map_or(up.provider.id.as_str(), |p| p.name.as_str())
                ),
                "props": [
                    {"name": "implementation-point", "value": "external"},
                    {"name": "leveraged-authorization-uuid", "value": la},
                    {"name": "inherited-uuid", "value": Self::this_system(&up.id)},
                ],
                "status": {"state": "operational"},
            }));
        }
        let mut reqs = Vec::new();
        for (resp, a) in self.rows(s) {
            reqs.push(self.requirement(s, resp, a));
        }
        if reqs.is_empty() {
            return Err(self.problem(format!(
                "{} has no allocated responsibilities: a system security plan needs at least one implemented requirement",
                svc.id
            )));
        }
        let back_matter = vec![resource];
        let plan = obj(vec![
            ("uuid", json!(uuid(&["system-security-plan", &svc.id]))),
            ("metadata", self.metadata(&title, provider, None, None)),
            ("import-profile", json!({"href": format!("#{res_uuid}")})),
            (
                "system-characteristics",
                self.system_characteristics(s, true),
            ),
            (
                "system-implementation",
                obj(vec![
                    ("leveraged-authorizations", Value::Array(leveraged)),
                    ("components", Value::Array(components)),
                ]),
            ),
            (
                "control-implementation",
                json!({
                    "description": format!("How {} meets each control, and who does what (exported from demarc).", line(&svc.name, &svc.id)),
                    "implemented-requirements": reqs,
                }),
            ),
            ("back-matter", json!({"resources": back_matter})),
        ]);
        Ok(json!({ "system-security-plan": plan }))
    }

    /// One implemented requirement of the SSP.
    fn requirement(&self, s: ServiceIx, resp: &Responsibility, a: &Allocation) -> Value {
        let svc = self.service(s);
        let rid = resp.id.as_str();
        let this = Self::this_system(&svc.id);
        let mut props = Vec::new();
        for o in origination(a.status) {
            props.push(json!({"name": "control-origination", "value": o}));
        }
        match a.status {
            Status::NotApplicable => {
                props.push(obj(vec![
                    ("name", json!("implementation-status")),
                    ("value", json!("not-applicable")),
                    ("remarks", opt(a.reason.as_deref())),
                ]));
            }
            _ => {
                if let Some(i) = a.implementation {
                    props.push(json!({"name": "implementation-status", "value": i.as_str()}));
                }
            }
        }
        let mut parts = Parts::new();
        if let Some(d) = a
            .terms
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            parts.push(
                None,
                json!({"component-uuid": this, "uuid": uuid(&["by-component", &svc.id, rid, "row"]), "description": d}),
            );
        }
        // Upstream, for inherited rows.
        let cell = self
            .view
            .cell(s, self.view.responsibility_index(rid).unwrap_or(0));
        let upstream: Option<ServiceIx> = if a.status == Status::Inherited {
            cell.via.first().copied().or_else(|| match &a.from {
                Some(f) => self.view.service_index(&f.id),
                None => self.view.built_on(s).first().copied(),
            })
        } else {
            None
        };
        let up_tasks: Vec<(usize, &Task, Side)> = upstream
            .and_then(|u| {
                let r = self.view.responsibility_index(rid)?;
                let alloc = self.view.cell(u, r).allocation?;
                Some(
                    alloc
                        .tasks
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (i, t, self.side(u, t)))
                        .collect(),
                )
            })
            .unwrap_or_default();
        let first_provided: Vec<(Option<&str>, usize)> = a
            .tasks
            .iter()
            .enumerate()
            .filter(|(_, t)| self.side(s, t) == Side::Provider && t.kind == TaskKind::Operate)
            .map(|(i, t)| (t.statement.as_deref(), i))
            .collect();
        for (i, t) in a.tasks.iter().enumerate() {
            let desc = t.terms.description.clone().unwrap_or_default();
            let st = t.statement.as_deref();
            let bc_uuid = uuid(&["by-component", &svc.id, rid, &i.to_string()]);
            match (self.side(s, t), t.kind) {
                (Side::Provider, TaskKind::Operate) => {
                    let roles = t
                        .role
                        .as_ref()
                        .map_or(Value::Null, |r| json!([{"role-id": token(&r.id)}]));
                    let provided = obj(vec![
                        ("uuid", json!(Self::provided_uuid(&svc.id, rid, i))),
                        ("description", json!(desc)),
                        ("responsible-roles", roles),
                    ]);
                    let mut satisfied = Vec::new();
                    if let Some(u) = upstream {
                        let ups: Vec<&(usize, &Task, Side)> = up_tasks
                            .iter()
                            .filter(|(_, _, side)| *side == Side::Customer)
                            .collect();
                        // The upstream customer task of the same statement; else one that
                        // covers the whole control (or, for work on the whole control, the
                        // first customer task). Never a task of another statement: that
                        // would claim a satisfaction the plan never made.
                        let pick = ups
                            .iter()
                            .find(|(_, ut, _)| ut.statement.as_deref() == st)
                            .or_else(|| ups.iter().find(|(_, ut, _)| ut.statement.is_none()))
                            .or_else(|| if st.is_none() { ups.first() } else { None });
                        if let Some((j, _, _)) = pick {
                            satisfied.push(json!({
                                "uuid": uuid(&["satisfied", &svc.id, rid, &i.to_string()]),
                                "responsibility-uuid": Self::responsibility_uuid(&self.service(u).id, rid, *j),
                                "description": desc,
                            }));
                        }
                    }
                    parts.push(
                        st,
                        obj(vec![
                            ("component-uuid", json!(this)),
                            ("uuid", json!(bc_uuid)),
                            ("description", json!(desc)),
                            ("export", json!({"provided": [provided]})),
                            ("satisfied", Value::Array(satisfied)),
                        ]),
                    );
                }
                (Side::Customer, TaskKind::Operate) => {
                    let link = Self::provided_link(&first_provided, st, &svc.id, rid);
                    let responsibility = obj(vec![
                        ("uuid", json!(Self::responsibility_uuid(&svc.id, rid, i))),
                        ("provided-uuid", link),
                        ("description", json!(desc)),
                    ]);
                    parts.push(
                        st,
                        json!({
                            "component-uuid": this,
                            "uuid": bc_uuid,
                            "description": desc,
                            "export": {"responsibilities": [responsibility]},
                        }),
                    );
                }
                (side, kind) => {
                    // Work OSCAL's export has no place for: a third party's task, or deciding and
                    // reviewing. Written as the system's own text, saying who does it.
                    let who = match side {
                        Side::Provider => self
                            .view
                            .provider(s)
                            .map(|p| self.view.party(p).name.clone()),
                        Side::Customer => self
                            .view
                            .consumer(s)
                            .map(|p| self.view.party(p).name.clone()),
                        Side::Other(p) => Some(self.view.party(p).name.clone()),
                        Side::Unknown => t.owners.first().map(|o| o.id.clone()),
                    }
                    .unwrap_or_default();
                    let verb = if kind == TaskKind::Oversee {
                        "oversees"
                    } else {
                        "does"
                    };
                    parts.push(
                        st,
                        json!({
                            "component-uuid": this,
                            "uuid": bc_uuid,
                            "description": format!("{who} {verb} this: {desc}"),
                        }),
                    );
                }
            }
        }
        if let Some(u) = upstream {
            let up = self.service(u);
            let comp = Self::leveraged_component(&svc.id, &up.id);
            let provided: Vec<&(usize, &Task, Side)> = up_tasks
                .iter()
                .filter(|(_, t, side)| *side == Side::Provider && t.kind == TaskKind::Operate)
                .collect();
            let fallback = format!("Inherited from {}.", line(&up.name, &up.id));
            let inherited: Vec<Value> = if provided.is_empty() {
                vec![json!({
                    "uuid": uuid(&["inherited", &svc.id, rid, "row"]),
                    "description": fallback,
                })]
            } else {
                provided
                    .iter()
                    .map(|(j, t, _)| {
                        json!({
                            "uuid": uuid(&["inherited", &svc.id, rid, &j.to_string()]),
                            "provided-uuid": Self::provided_uuid(&up.id, rid, *j),
                            "description": t.terms.description.clone().filter(|d| !d.trim().is_empty()).unwrap_or_else(|| fallback.clone()),
                        })
                    })
                    .collect()
            };
            let description = inherited
                .first()
                .and_then(|i| i.get("description"))
                .cloned()
                .unwrap_or_else(|| json!(fallback));
            parts.push(
                None,
                json!({
                    "component-uuid": comp,
                    "uuid": uuid(&["by-component", &svc.id, rid, "inherited"]),
                    "description": description,
                    "inherited": inherited,
                }),
            );
        }
        let (by_components, statements) = parts.finish(&svc.id, rid);
        obj(vec![
            (
                "uuid",
                json!(uuid(&["implemented-requirement", &svc.id, rid])),
            ),
            ("control-id", json!(Self::control_id(resp))),
            ("props", Value::Array(props)),
            ("statements", Value::Array(statements)),
            ("by-components", Value::Array(by_components)),
            ("remarks", opt(a.note.as_deref())),
        ])
    }

    // ---- component definition ----

    fn component_definition(&self, party: Option<&str>) -> Result<Value, Vec<Problem>> {
        let s = self.system(party)?;
        let Some(p) = self.view.provider(s) else {
            return Err(self.problem(format!(
                "the provider of {} is not a party of the model",
                self.service(s).id
            )));
        };
        let (res_uuid, resource) = self.catalogue_resource();
        let mut components = Vec::new();
        for (si, svc) in self.model.services.iter().enumerate() {
            let si = si as ServiceIx;
            if self.view.provider(si) != Some(p) {
                continue;
            }
            let mut reqs = Vec::new();
            for (resp, a) in self.rows(si) {
                if let Some(r) = self.defined_requirement(si, resp, a) {
                    reqs.push(r);
                }
            }
            let implementations = if reqs.is_empty() {
                Value::Null
            } else {
                json!([{
                    "uuid": uuid(&["control-implementation", &svc.id]),
                    "source": format!("#{res_uuid}"),
                    "description": format!("The controls {} implements, and what is left to its customers.", line(&svc.name, &svc.id)),
                    "implemented-requirements": reqs,
                }])
            };
            components.push(obj(vec![
                ("uuid", json!(uuid(&["defined-component", &svc.id]))),
                ("type", json!("service")),
                ("title", json!(line(&svc.name, &svc.id))),
                (
                    "description",
                    json!(svc.description.clone().unwrap_or_default()),
                ),
                ("control-implementations", implementations),
            ]));
        }
        let party = self.view.party(p);
        let value = json!({"component-definition": obj(vec![
            ("uuid", json!(uuid(&["component-definition", &party.id]))),
            ("metadata", self.metadata(&format!("Services of {}", party.name), Some(p), Some(&[p]), None)),
            ("components", Value::Array(components)),
            ("back-matter", json!({"resources": [resource]})),
        ])});
        Ok(value)
    }

    fn defined_requirement(
        &self,
        s: ServiceIx,
        resp: &Responsibility,
        a: &Allocation,
    ) -> Option<Value> {
        if matches!(
            a.status,
            Status::Customer | Status::NotApplicable | Status::Undecided
        ) {
            return None;
        }
        let svc = self.service(s);
        let rid = resp.id.as_str();
        let mut whole: Vec<String> = a.terms.description.iter().cloned().collect();
        let mut by_st: Vec<(String, Vec<String>)> = Vec::new();
        let mut customer: Vec<String> = Vec::new();
        for t in &a.tasks {
            let d = t.terms.description.clone().unwrap_or_default();
            match self.side(s, t) {
                Side::Provider if t.kind == TaskKind::Operate => match &t.statement {
                    None => whole.push(d),
                    Some(st) => match by_st.iter_mut().find(|(x, _)| x == st) {
                        Some((_, v)) => v.push(d),
                        None => by_st.push((st.clone(), vec![d])),
                    },
                },
                Side::Customer if t.kind == TaskKind::Operate => {
                    customer.push(match &t.statement {
                        Some(st) => format!("{st}: {d}"),
                        None => d,
                    })
                }
                _ => {}
            }
        }
        let provider_name = self
            .view
            .provider(s)
            .map_or(svc.name.clone(), |p| self.view.party(p).name.clone());
        let mut description = whole
            .into_iter()
            .filter(|d| !d.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n\n");
        if description.is_empty() {
            description = format!("Implemented by {provider_name}.");
        }
        let mut props = Vec::new();
        for o in origination(a.status) {
            props.push(json!({"name": "control-origination", "value": o}));
        }
        if let Some(i) = a.implementation {
            props.push(json!({"name": "implementation-status", "value": i.as_str()}));
        }
        let statements: Vec<Value> = by_st
            .into_iter()
            .map(|(st, ds)| {
                let d = ds.into_iter().filter(|d| !d.trim().is_empty()).collect::<Vec<_>>().join("\n\n");
                json!({
                    "statement-id": token(&st),
                    "uuid": uuid(&["statement", &svc.id, rid, &st]),
                    "description": if d.is_empty() { format!("Implemented by {provider_name}.") } else { d },
                })
            })
            .collect();
        let mut remarks: Vec<String> = Vec::new();
        if !customer.is_empty() {
            remarks.push(format!("The customer's part: {}", customer.join("; ")));
        }
        if let Some(n) = &a.note {
            remarks.push(n.clone());
        }
        Some(obj(vec![
            ("uuid", json!(uuid(&["defined-requirement", &svc.id, rid]))),
            ("control-id", json!(Self::control_id(resp))),
            ("description", json!(description)),
            ("props", Value::Array(props)),
            ("statements", Value::Array(statements)),
            (
                "remarks",
                if remarks.is_empty() {
                    Value::Null
                } else {
                    json!(remarks.join("\n\n"))
                },
            ),
        ]))
    }

    // ---- customer responsibility matrix slice ----

    fn crm(&self, party: Option<&str>, service: Option<&str>) -> Result<Value, Vec<Problem>> {
        let c = match party {
            Some(id) => self.party_ix(id)?,
            None => self.view.customer.ok_or_else(|| {
                self.problem("the model's customer is not a party of the model".to_owned())
            })?,
        };
        let depth = self.downstream_rank();
        let uses = |s: usize| {
            let s = s as ServiceIx;
            self.view.consumer(s) == Some(c) && self.view.provider(s) != Some(c)
        };
        let chosen = match service {
            Some(id) => {
                let Some(s) = self.view.service_index(id) else {
                    let known: Vec<&str> =
                        self.model.services.iter().map(|s| s.id.as_str()).collect();
                    return Err(self.problem(format!(
                        "service {id:?} is not in the model (the services are {}){}",
                        known.join(", "),
                        demarc_core::finding::did_you_mean(id, known.iter().copied())
                    )));
                };
                if !uses(s as usize) {
                    return Err(self.problem(format!(
                        "{} does not use {} from another party: its responsibility matrix is not {}'s to receive",
                        self.view.party(c).id,
                        id,
                        self.view.party(c).id
                    )));
                }
                Some(s)
            }
            None => (0..self.model.services.len())
                .filter(|&s| uses(s))
                .max_by_key(|&s| (depth[s], std::cmp::Reverse(s)))
                .map(|s| s as ServiceIx),
        };
        let Some(s) = chosen else {
            return Err(self.problem(format!(
                "{} uses no service another party provides: there is no responsibility matrix to give it",
                self.view.party(c).id
            )));
        };
        let svc = self.service(s);
        let provider = self.view.provider(s);
        let this = Self::this_system(&svc.id);
        let provider_name = provider.map_or(svc.name.clone(), |p| self.view.party(p).name.clone());
        let mut reqs = Vec::new();
        for (resp, a) in self.rows(s) {
            let rid = resp.id.as_str();
            let mut parts = Parts::new();
            let provides = matches!(
                a.status,
                Status::Supplier | Status::Shared | Status::Inherited
            );
            let mut provided_at: Vec<(Option<&str>, usize)> = Vec::new();
            let mut any_provided = false;
            for (i, t) in a.tasks.iter().enumerate() {
                if self.side(s, t) == Side::Provider && t.kind == TaskKind::Operate {
                    let d = t
                        .terms
                        .description
                        .clone()
                        .filter(|d| !d.trim().is_empty())
                        .unwrap_or_else(|| format!("Provided by {provider_name}."));
                    parts.push(
                        t.statement.as_deref(),
                        json!({
                            "component-uuid": this,
                            "uuid": uuid(&["by-component", &svc.id, rid, &i.to_string()]),
                            "description": d,
                            "export": {"provided": [{"uuid": Self::provided_uuid(&svc.id, rid, i), "description": d}]},
                        }),
                    );
                    provided_at.push((t.statement.as_deref(), i));
                    any_provided = true;
                }
            }
            if provides && !any_provided {
                let d = format!("Provided by {provider_name}.");
                parts.push(
                    None,
                    json!({
                        "component-uuid": this,
                        "uuid": uuid(&["by-component", &svc.id, rid, "row"]),
                        "description": d,
                        "export": {"provided": [{"uuid": uuid(&["provided", &svc.id, rid, "row"]), "description": d}]},
                    }),
                );
            }
            let mut any_customer = false;
            for (i, t) in a.tasks.iter().enumerate() {
                let mine = match self.side(s, t) {
                    Side::Customer => true,
                    Side::Other(p) => p == c,
                    _ => false,
                };
                if mine && t.kind == TaskKind::Operate {
                    any_customer = true;
                    let d = t
                        .terms
                        .description
                        .clone()
                        .filter(|d| !d.trim().is_empty())
                        .unwrap_or_else(|| {
                            format!(
                                "Your part of this control ({provider_name} does not describe it)."
                            )
                        });
                    let st = t.statement.as_deref();
                    let link = Self::provided_link(&provided_at, st, &svc.id, rid);
                    parts.push(
                        st,
                        json!({
                            "component-uuid": this,
                            "uuid": uuid(&["by-component", &svc.id, rid, &i.to_string()]),
                            "description": d,
                            "export": {"responsibilities": [obj(vec![
                                ("uuid", json!(Self::responsibility_uuid(&svc.id, rid, i))),
                                ("provided-uuid", link),
                                ("description", json!(d)),
                            ])]},
                        }),
                    );
                }
            }
            if a.status == Status::Customer && !any_customer {
                // The whole control is the customer's: its row text says what it does.
                let d = a
                    .terms
                    .description
                    .clone()
                    .filter(|d| !d.trim().is_empty())
                    .unwrap_or_else(|| "The customer implements this control.".to_owned());
                parts.push(
                    None,
                    json!({
                        "component-uuid": this,
                        "uuid": uuid(&["by-component", &svc.id, rid, "row"]),
                        "description": d,
                        "export": {"responsibilities": [{"uuid": uuid(&["responsibility", &svc.id, rid, "row"]), "description": d}]},
                    }),
                );
            }
            if parts.by_components.is_empty() {
                continue;
            }
            let (by_components, statements) = parts.finish(&svc.id, rid);
            let mut props = Vec::new();
            for o in origination(a.status) {
                props.push(json!({"name": "control-origination", "value": o}));
            }
            reqs.push(obj(vec![
                (
                    "uuid",
                    json!(uuid(&["implemented-requirement", &svc.id, rid])),
                ),
                ("control-id", json!(Self::control_id(resp))),
                ("props", Value::Array(props)),
                ("statements", Value::Array(statements)),
                ("by-components", Value::Array(by_components)),
            ]));
        }
        let customer = self.view.party(c);
        if reqs.is_empty() {
            return Err(self.problem(format!(
                "{} has nothing to do and nothing to inherit on {}: the slice would be empty",
                customer.id, svc.id
            )));
        }
        let (res_uuid, resource) = self.catalogue_resource();
        let mut parties: Vec<PartyIx> = provider.into_iter().collect();
        if !parties.contains(&c) {
            parties.push(c);
        }
        let remarks = format!(
            "A customer responsibility matrix slice for {}: what it must do and what it may inherit from {}. The provider's own implementation text is left out (the customer is not entitled to the whole plan; OSCAL issue #713).",
            customer.name, svc.name
        );
        let mut roles_party = provider;
        if roles_party.is_none() {
            roles_party = Some(c);
        }
        let plan = obj(vec![
            ("uuid", json!(uuid(&["crm", &svc.id, &customer.id]))),
            (
                "metadata",
                self.metadata(
                    &format!(
                        "Customer responsibility matrix: {} for {}",
                        svc.name, customer.name
                    ),
                    roles_party,
                    Some(&parties),
                    Some(&remarks),
                ),
            ),
            ("import-profile", json!({"href": format!("#{res_uuid}")})),
            (
                "system-characteristics",
                self.system_characteristics(s, false),
            ),
            (
                "system-implementation",
                json!({"components": [self.this_system_component(s, false)]}),
            ),
            (
                "control-implementation",
                json!({
                    "description": format!("What {} must do, and may inherit, for {}.", line(&customer.name, &customer.id), line(&svc.name, &svc.id)),
                    "implemented-requirements": reqs,
                }),
            ),
            ("back-matter", json!({"resources": [resource]})),
        ]);
        Ok(json!({ "system-security-plan": plan }))
    }

    // ---- NIST prototype shared-responsibility ----

    fn srm(&self, s: ServiceIx) -> Value {
        let svc = self.service(s);
        let provider = self.view.provider(s);
        let this = Self::this_system(&svc.id);
        let mut reqs = Vec::new();
        for (resp, a) in self.rows(s) {
            let rid = resp.id.as_str();
            let mut parts = Parts::new();
            let mut provided_at: Vec<(Option<&str>, usize)> = Vec::new();
            for (i, t) in a.tasks.iter().enumerate() {
                if self.side(s, t) == Side::Provider && t.kind == TaskKind::Operate {
                    let d = t.terms.description.clone().unwrap_or_default();
                    parts.push(
                        t.statement.as_deref(),
                        json!({
                            "component-uuid": this,
                            "uuid": uuid(&["by-component", &svc.id, rid, &i.to_string()]),
                            "description": d,
                            "provided": [{"uuid": Self::provided_uuid(&svc.id, rid, i), "description": d, "exportable": true}],
                        }),
                    );
                    provided_at.push((t.statement.as_deref(), i));
                }
            }
            for (i, t) in a.tasks.iter().enumerate() {
                if self.side(s, t) == Side::Customer && t.kind == TaskKind::Operate {
                    let d = t.terms.description.clone().unwrap_or_default();
                    let st = t.statement.as_deref();
                    let link = Self::provided_link(&provided_at, st, &svc.id, rid);
                    parts.push(
                        st,
                        json!({
                            "component-uuid": this,
                            "uuid": uuid(&["by-component", &svc.id, rid, &i.to_string()]),
                            "description": d,
                            "responsibilities": [obj(vec![
                                ("uuid", json!(Self::responsibility_uuid(&svc.id, rid, i))),
                                ("provided-uuid", link),
                                ("description", json!(d)),
                                ("exportable", json!(true)),
                            ])],
                        }),
                    );
                }
            }
            if parts.by_components.is_empty() {
                continue;
            }
            let (by_components, statements) = parts.finish(&svc.id, rid);
            reqs.push(obj(vec![
                (
                    "uuid",
                    json!(uuid(&["implemented-requirement", &svc.id, rid])),
                ),
                ("control-id", json!(Self::control_id(resp))),
                ("statements", Value::Array(statements)),
                ("by-components", Value::Array(by_components)),
            ]));
        }
        let remarks = "EXPERIMENTAL: the NIST prototype shared-responsibility model (usnistgov/OSCAL branch prototype-shared-responsibility-model), which is not part of any released OSCAL version; tools that read released OSCAL will not accept it. Exported by demarc.";
        let metadata = self.metadata(
            &format!("Shared responsibility (experimental): {}", svc.name),
            provider,
            Some(&provider.into_iter().collect::<Vec<_>>()),
            Some(remarks),
        );
        json!({"shared-responsibility": obj(vec![
            ("uuid", json!(uuid(&["shared-responsibility", &svc.id]))),
            ("metadata", metadata),
            ("source-ssp", json!({
                "ssp-uuid": uuid(&["system-security-plan", &svc.id]),
                "title": format!("{} System Security Plan", line(&svc.name, &svc.id)),
            })),
            ("control-implementation", json!({
                "description": format!("What {} provides and what its customers must do.", line(&svc.name, &svc.id)),
                "implemented-requirements": reqs,
            })),
        ])})
    }
}

/// The `control-origination` values a status stands for.
fn origination(status: Status) -> &'static [&'static str] {
    match status {
        Status::Supplier => &["sp-system"],
        Status::Customer => &["customer-configured"],
        Status::Shared => &["sp-system", "customer-configured"],
        Status::Inherited => &["inherited"],
        Status::NotApplicable | Status::Undecided => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_lines_strings() {
        assert_eq!(token("ac-2.1"), "ac-2.1");
        assert_eq!(token("1-1"), "id-1-1");
        assert_eq!(token("a b"), "a-b");
        assert_eq!(line("a\nb  c", "x"), "a b c");
        assert_eq!(line(" \n", "x"), "x");
        assert_eq!(string("  a ", "x"), "a");
        assert_eq!(
            obj(vec![("a", json!([])), ("b", Value::Null), ("c", json!(1))]),
            json!({"c": 1})
        );
    }
}
