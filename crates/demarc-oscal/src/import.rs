//! OSCAL documents → one demarc model.
//!
//! Catalogs, profiles, component definitions and system security plans (one, or a chain of
//! them in a directory) in any mix become one [`Model`]:
//!
//! - **catalogue**: from the profiles given (resolved), else the catalogs given, else made from
//!   the control ids the documents use (one area per control family, each responsibility
//!   titled by its control id, its statements the statement ids tasks use). A control a plan
//!   implements that the catalog lacks goes to an area `other-controls`, with a note.
//! - **parties**: every `organization` party of the plans' metadata (one party per name,
//!   across documents); each plan's owner (the organization holding role `system-owner` —
//!   directly or as a person's organization —, else `cloud-service-provider`, else the first
//!   organization, else a party named after the plan's title); the party of each leveraged
//!   authorization whose plan is not among the files. Party ids are slugs of names.
//! - **services**: one per plan (id from the system id, or the system name when plans share
//!   an id; provider = the owner; `built_on` = the systems it leverages; `customer` = the
//!   owner of the plan leveraging it); one per leveraged authorization whose plan is absent
//!   (its rows inferred: `supplier` where the plan inherits from it, `shared` where it also
//!   satisfies a responsibility of it); one per component of a component definition.
//! - **allocations**, per implemented requirement (see *Status rule* below).
//!
//! # Status rule
//!
//! Gathered over the requirement and its statements' by-components: P = `export.provided`,
//! R = `export.responsibilities`, I = `inherited`, S = `satisfied` (entries pointing back into
//! the same plan — self-references — are left out, with a note), D = the by-components'
//! own descriptions (the system's internal implementation text), O = the
//! `control-origination` props.
//!
//! - implementation-status `not-applicable` → `not-applicable`, reason = its remarks (else
//!   the requirement's remarks);
//! - any I or S → `inherited` (from the leveraged system they point at), with a `provider`
//!   task per P and S and a `customer` task per R;
//! - R and P → `shared`: `provider` tasks (P) and `customer` tasks (R);
//! - R and D, O not only `customer-*` → `shared`: `provider` tasks (D) and `customer` tasks;
//! - R only (or O only `customer-*`) → `customer`, with its tasks;
//! - P or D only → `supplier` (P as `provider` tasks);
//! - nothing but O → from O (`customer-*` → customer, `inherited` → inherited, `sp-*` →
//!   supplier, both → shared with two tasks), else `undecided`.
//!
//! Each task carries the statement it came from (`ac-2_smt.a`; `_stmt.` ids are read as the
//! catalog's `_smt.`) and the role of its entry. D goes to the row's `description` (it never
//! reaches a task unless it is the provider's only text on a shared row), so a customer
//! responsibility matrix, built from tasks, never carries internal text. Implementation
//! status: the requirement's `implementation-status` prop, else the by-components' (mixed →
//! `partial`). Remarks go to the row's `note`.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use demarc_core::model::{
    Allocation, Area, Catalogue, CatalogueInfo, Implementation, Layer, Model, Party, Ref,
    Responsibility, Role, Service, ServiceAllocations, ServiceModel, Statement, Status, Task,
    TaskKind, Terms,
};
use demarc_formats::yaml::valid_id;

use crate::catalog::{self, Catalog};
use crate::chain::{self, Chain, Def, UuidIndex};
use crate::document::{self, Document, Kind};
use crate::error::{OscalError, Problem};
use crate::profile;
use crate::ssp::{self, ByComponent, ComponentDefinition, Entry, Notes, Ssp};

/// A model made from OSCAL documents, and notes about what was not understood or was read
/// in a particular way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub model: Model,
    pub notes: Vec<Problem>,
}

/// The area for controls the plans implement that the catalog given does not have.
pub const OTHER_AREA: &str = "other-controls";

/// The catalogue id when the catalogue is made from the control ids the documents use.
pub const DERIVED_CATALOGUE: &str = "oscal-controls";

/// Import OSCAL files or directories (see the module documentation). `search` lists extra
/// directories where hrefs may find files (the inputs' own directories are always searched).
pub fn import(paths: &[PathBuf], search: &[PathBuf]) -> Result<Imported, OscalError> {
    let mut notes = Notes::default();
    let files = chain::expand_paths(paths)?;
    if files.is_empty() {
        return Err(OscalError::invalid(
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            "",
            "holds no .json, .yaml or .yml file: expected OSCAL catalogs, profiles, component definitions or system security plans",
        ));
    }
    let mut search_dirs: Vec<PathBuf> = search.to_vec();
    for (f, _) in &files {
        if let Some(parent) = f.parent().filter(|p| !p.as_os_str().is_empty())
            && !search_dirs.iter().any(|s| s == parent)
        {
            search_dirs.push(parent.to_path_buf());
        }
    }

    let mut docs = Vec::new();
    for (path, explicit) in files {
        match document::load(&path) {
            Ok(d) => docs.push(d),
            Err(e) if explicit => return Err(e),
            Err(e) => notes.add(&path.display().to_string(), "", format!("left out: {e}")),
        }
    }
    import_documents_with(docs, &search_dirs, notes)
}

/// Import documents already read (see [`import`]); `search` lists the directories where
/// hrefs may find files.
pub fn import_documents(docs: Vec<Document>, search: &[PathBuf]) -> Result<Imported, OscalError> {
    import_documents_with(docs, search, Notes::default())
}

fn import_documents_with(
    docs: Vec<Document>,
    search_dirs: &[PathBuf],
    mut notes: Notes,
) -> Result<Imported, OscalError> {
    let (mut catalogs, mut profiles, mut cdefs, mut plans) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for doc in docs {
        match doc.kind {
            Kind::Catalog => catalogs.push(doc),
            Kind::Profile => profiles.push(doc),
            Kind::ComponentDefinition => cdefs.push(doc),
            Kind::SystemSecurityPlan | Kind::SharedResponsibility => plans.push(doc),
            other => notes.add(
                &doc.file,
                "",
                format!("is a {other}: demarc imports catalogs, profiles, component definitions and system security plans; left out"),
            ),
        }
    }

    // The catalogue's source: profiles (resolved) win over catalogs.
    let mut cat_notes = Vec::new();
    let mut sources: Vec<Catalog> = Vec::new();
    if !profiles.is_empty() {
        // The catalogs given stand in for the ones the profiles import, whatever their file
        // names (the FedRAMP baselines name NIST's catalog by its upstream file name).
        let given: Vec<&Document> = catalogs.iter().collect();
        for p in &mut profiles {
            sources.push(profile::resolve_lean(
                p,
                search_dirs,
                &given,
                &mut cat_notes,
            )?);
        }
        for c in &catalogs {
            notes.add(
                &c.file,
                "",
                "a profile was given too: the catalogue is the resolved profile, and this catalog is used only as far as the profile imports it",
            );
        }
    } else {
        for c in &catalogs {
            sources.push(catalog::read(c, &mut cat_notes)?);
        }
    }
    notes.extend(cat_notes);
    let source_files: Vec<&Document> = if profiles.is_empty() {
        catalogs.iter().collect()
    } else {
        profiles.iter().collect()
    };

    let chain = chain::build(plans, search_dirs, true, &mut notes)?;
    let mut defs = Vec::new();
    let mut errors = Vec::new();
    for d in &cdefs {
        match ssp::read_component_definition(d, &mut notes) {
            Ok(cd) => defs.push(cd),
            Err(OscalError::Invalid(ps)) => errors.extend(ps),
            Err(e) => return Err(e),
        }
    }
    if !errors.is_empty() {
        return Err(OscalError::Invalid(errors));
    }

    let mut b = Builder::new(&sources, &source_files, &mut notes);
    b.plans(&chain);
    for cd in &defs {
        b.component_definition(cd);
    }
    let mut model = b.finish(&chain, &defs, &sources);
    // A catalog given with plans (not a profile: a baseline's controls all matter) supplies
    // the titles and text of the controls the plans implement; the rest of a full catalog
    // would only be a thousand rows nobody has to fill.
    if profiles.is_empty() && !catalogs.is_empty() && !model.allocations.is_empty() {
        let used: HashSet<String> = model
            .allocations
            .iter()
            .flat_map(|g| g.cells.iter().map(|c| c.responsibility.id.clone()))
            .collect();
        let before = model.catalogue.responsibilities().count();
        for area in &mut model.catalogue.areas {
            area.responsibilities.retain(|r| used.contains(&r.id));
        }
        model
            .catalogue
            .areas
            .retain(|a| !a.responsibilities.is_empty());
        let left_out = before - model.catalogue.responsibilities().count();
        if left_out > 0 {
            notes.add(
                &catalogs[0].file,
                "",
                format!("the catalog gives the titles and text of the controls the documents implement; its {left_out} other controls are left out (give a profile to make every control of a baseline a row)"),
            );
        }
    }
    Ok(Imported {
        model,
        notes: notes.finish(),
    })
}

// ---------------------------------------------------------------------------------------------
// Names and ids

use demarc_formats::init::slug_or as slug;

/// A role id as demarc keeps it: the OSCAL token when it is a valid demarc id, else a slug.
fn role_id(token: &str) -> String {
    if valid_id(token) {
        token.to_owned()
    } else {
        slug(token, "role")
    }
}

/// The organisation named by a plan's title: "CSP IaaS System Security Plan" → "CSP IaaS".
fn title_owner(title: &str) -> String {
    let t = title.trim();
    let lower = t.to_ascii_lowercase();
    for suffix in ["system security plan", "ssp"] {
        if lower.ends_with(suffix) && lower.len() > suffix.len() {
            let cut = t[..t.len() - suffix.len()]
                .trim_end_matches([' ', '-', ':', '(', ','])
                .trim();
            if !cut.is_empty() {
                return cut.to_owned();
            }
        }
    }
    t.to_owned()
}

/// Sort key that puts `ac-2` before `ac-10` and `ac-2.1` after `ac-2`.
pub fn natural_key(s: &str) -> Vec<(u8, u64, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n: u64 = 0;
            let mut text = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n = n
                    .saturating_mul(10)
                    .saturating_add(u64::from(d as u8 - b'0'));
                text.push(d);
                chars.next();
            }
            out.push((1, n, text));
        } else {
            let mut text = String::new();
            while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                text.push(d);
                chars.next();
            }
            out.push((0, 0, text));
        }
    }
    out
}

/// The family of a control id: `ac` of `ac-2.1`, `CloudTrail` of `CloudTrail.1`.
fn family(control: &str) -> String {
    let f: String = control.chars().take_while(|c| c.is_alphabetic()).collect();
    if f.is_empty() {
        "controls".to_owned()
    } else {
        f
    }
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(s.to_owned())
    }
}

const CUSTOMER_ORIGINS: &[&str] = &["customer-configured", "customer-provided"];
const PROVIDER_ORIGINS: &[&str] = &["sp-corporate", "sp-system"];
const KNOWN_ORIGINS: &[&str] = &[
    "sp-corporate",
    "sp-system",
    "customer-configured",
    "customer-provided",
    "inherited",
];

// ---------------------------------------------------------------------------------------------
// Building the model

struct Builder<'a> {
    notes: &'a mut Notes,
    parties: Vec<Party>,
    services: Vec<Service>,
    rows: BTreeMap<usize, Vec<Allocation>>,
    catalogue: Catalogue,
    derived: bool,
    cat_id: String,
    /// OSCAL control id → (area, responsibility).
    controls: HashMap<String, (usize, usize)>,
    /// Rows inferred for leveraged systems whose plan is absent: service → (responsibility →
    /// shared?), in first-seen order.
    inferred: BTreeMap<usize, (Vec<String>, HashMap<String, bool>)>,
    /// For each tier: its service index and owner party id.
    tier_service: Vec<usize>,
    tier_party: Vec<String>,
    /// Responsibilities made here (not from a catalog given).
    made: HashSet<(usize, usize)>,
    /// Services of leveraged systems whose plans are absent.
    external: HashSet<usize>,
    service_ids: HashSet<String>,
    /// Organisation name → the party id its `short-name` gives.
    short_ids: HashMap<String, String>,
}

impl<'a> Builder<'a> {
    fn new(sources: &[Catalog], files: &[&Document], notes: &'a mut Notes) -> Builder<'a> {
        let derived = sources.is_empty();
        let cat_id = match files.first() {
            Some(d) if !derived => {
                let stem = d
                    .path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| d.file.clone());
                slug(&stem, "oscal-catalogue")
            }
            _ => DERIVED_CATALOGUE.to_owned(),
        };
        let mut catalogue = Catalogue::default();
        let mut info = CatalogueInfo {
            id: cat_id.clone(),
            title: "Controls used by the imported documents".to_owned(),
            ..CatalogueInfo::default()
        };
        let mut controls = HashMap::new();
        let mut seen_areas: HashSet<String> = HashSet::new();
        for (i, cat) in sources.iter().enumerate() {
            let c = catalog::to_catalogue(cat, &cat_id);
            let src = c.sources.into_iter().next().unwrap_or_default();
            if i == 0 {
                info.title = src.title;
                info.version = src.version;
                info.source = src.source;
                info.licence = src.licence;
                info.description = src.description;
            } else {
                info.title = format!("{} + {}", info.title, src.title);
                if let Some(s) = src.source {
                    info.source = Some(match info.source.take() {
                        Some(prev) => format!("{prev}, {s}"),
                        None => s,
                    });
                }
            }
            for mut area in c.areas {
                let mut n = 2;
                let base = area.id.clone();
                while seen_areas.contains(&area.id) {
                    area.id = format!("{base}-{n}");
                    n += 1;
                }
                seen_areas.insert(area.id.clone());
                let ai = catalogue.areas.len();
                let mut kept = Vec::new();
                for r in area.responsibilities {
                    let keys: Vec<String> = r
                        .mappings
                        .get("oscal")
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .chain(std::iter::once(r.id.clone()))
                        .collect();
                    if keys.iter().any(|k| controls.contains_key(k)) {
                        notes.add(
                            &cat.file,
                            "",
                            format!(
                                "control {} is in more than one catalog given; the first is kept",
                                r.id
                            ),
                        );
                        continue;
                    }
                    for k in keys {
                        controls.insert(k, (ai, kept.len()));
                    }
                    kept.push(r);
                }
                area.responsibilities = kept;
                catalogue.areas.push(area);
            }
        }
        catalogue.sources.push(info);
        Builder {
            notes,
            parties: Vec::new(),
            services: Vec::new(),
            rows: BTreeMap::new(),
            catalogue,
            derived,
            cat_id,
            controls,
            inferred: BTreeMap::new(),
            tier_service: Vec::new(),
            tier_party: Vec::new(),
            made: HashSet::new(),
            external: HashSet::new(),
            service_ids: HashSet::new(),
            short_ids: HashMap::new(),
        }
    }

    // ---- parties and services ----

    /// The party of an organisation name: the same name (by slug) is the same party. Its id
    /// is the organisation's `short-name` when a plan gives one that is a valid id (demarc
    /// writes the party id there), else a slug of the name.
    fn org_party(&mut self, name: &str) -> String {
        let id = self
            .short_ids
            .get(name.trim())
            .cloned()
            .unwrap_or_else(|| slug(name, "organisation"));
        if !self.parties.iter().any(|p| p.id == id) {
            self.parties.push(Party {
                id: id.clone(),
                name: name.trim().to_owned(),
                ..Party::default()
            });
        }
        id
    }

    /// A party named after a document (no organisation is named): never merged with another.
    fn own_party(&mut self, name: &str, file: &str) -> String {
        let mut name = name.trim().to_owned();
        if self
            .parties
            .iter()
            .any(|p| p.id == slug(&name, "organisation"))
        {
            let stem = Path::new(file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            name = format!("{name} ({stem})");
        }
        let base = name.clone();
        let mut n = 2;
        while self
            .parties
            .iter()
            .any(|p| p.id == slug(&name, "organisation"))
        {
            name = format!("{base} {n}");
            n += 1;
        }
        self.org_party(&name)
    }

    fn service_id(&self, wanted: &str) -> String {
        let base = slug(wanted, "system");
        let mut id = base.clone();
        let mut n = 2;
        while self.service_ids.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    fn add_service(&mut self, service: Service) -> usize {
        self.service_ids.insert(service.id.clone());
        self.services.push(service);
        self.services.len() - 1
    }

    /// The owner of a plan (see the module documentation).
    fn owner(&mut self, plan: &Ssp) -> String {
        for role in ["system-owner", "cloud-service-provider"] {
            let found = plan
                .responsible_parties
                .iter()
                .filter(|rp| rp.role_id == role)
                .flat_map(|rp| rp.party_uuids.iter())
                .find_map(|u| plan.organisation_name(u));
            if let Some(name) = found {
                return self.org_party(&name);
            }
        }
        if let Some(name) = plan
            .parties
            .iter()
            .find(|p| p.is_organization() && p.name.is_some())
            .and_then(|p| p.name.clone())
        {
            return self.org_party(&name);
        }
        if plan.kind == Some(Kind::SharedResponsibility) {
            // A shared-responsibility document names no organisation and has a generic title
            // ("Customer Responsibility Matrix"): its file tells the provider apart.
            let stem = Path::new(&plan.file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            return self.own_party(&format!("Provider of {stem}"), &plan.file);
        }
        let name = if plan.title.trim().is_empty() {
            Path::new(&plan.file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Unnamed system owner".to_owned())
        } else {
            title_owner(&plan.title)
        };
        self.own_party(&name, &plan.file)
    }

    // ---- the catalogue ----

    /// The responsibility of a control id, made or filed under other-controls when needed.
    fn control(&mut self, control: &str, file: &str, pointer: &str) -> (usize, usize) {
        if let Some(&at) = self.controls.get(control) {
            return at;
        }
        let area_id = if self.derived {
            family(control)
        } else {
            OTHER_AREA.to_owned()
        };
        if !self.derived {
            self.notes.add_keyed(
                file,
                pointer,
                "control not in catalog".to_owned(),
                format!(
                    "control {control} is not in the catalog given; it is added to the area {OTHER_AREA} of the catalogue"
                ),
            );
        }
        let ai = match self.catalogue.areas.iter().position(|a| a.id == area_id) {
            Some(i) => i,
            None => {
                let title = if self.derived {
                    area_id.to_uppercase()
                } else {
                    "Controls not in the catalog".to_owned()
                };
                self.catalogue.areas.push(Area {
                    id: area_id.clone(),
                    title,
                    catalogue: self.cat_id.clone(),
                    ..Area::default()
                });
                self.catalogue.areas.len() - 1
            }
        };
        let id = if valid_id(control) {
            control.to_owned()
        } else {
            slug(control, "control")
        };
        let area = &mut self.catalogue.areas[ai];
        area.responsibilities.push(Responsibility {
            id,
            title: control.to_owned(),
            layer: Layer::Governance,
            mappings: BTreeMap::from([("oscal".to_owned(), vec![control.to_owned()])]),
            ..Responsibility::default()
        });
        let at = (ai, area.responsibilities.len() - 1);
        self.controls.insert(control.to_owned(), at);
        self.made.insert(at);
        at
    }

    /// The statement id a task records for a statement id written in a plan (None: the whole
    /// control).
    fn statement(
        &mut self,
        at: (usize, usize),
        control: &str,
        written: &str,
        file: &str,
        pointer: &str,
    ) -> Option<String> {
        let whole = [
            control.to_owned(),
            format!("{control}_smt"),
            format!("{control}_stmt"),
        ];
        if whole.iter().any(|w| w == written) {
            return None;
        }
        let derived = self.derived;
        let resp = &mut self.catalogue.areas[at.0].responsibilities[at.1];
        if resp.statements.iter().any(|s| s.id == written) {
            return Some(written.to_owned());
        }
        if derived || self.made.contains(&at) {
            // A catalogue made from the plans knows the statements tasks use (added with
            // the tasks, by `keep_statements`).
            return Some(written.to_owned());
        }
        let normal = written.replacen("_stmt", "_smt", 1);
        if resp.statements.iter().any(|s| s.id == normal) {
            self.notes.add_keyed(
                file,
                pointer,
                "stmt ids".to_owned(),
                format!("statement id {written} is read as the catalog's {normal}"),
            );
            return Some(normal);
        }
        self.notes.add_keyed(
            file,
            pointer,
            "unknown statement".to_owned(),
            format!("statement {written} is not a part of {control} in the catalog: its tasks cover the whole control"),
        );
        None
    }

    /// A catalogue made from the documents gets the statements its tasks use.
    fn keep_statements(&mut self, at: (usize, usize), tasks: &[Task]) {
        if !(self.derived || self.made.contains(&at)) {
            return;
        }
        let resp = &mut self.catalogue.areas[at.0].responsibilities[at.1];
        for t in tasks {
            if let Some(st) = &t.statement
                && !resp.statements.iter().any(|s| &s.id == st)
            {
                resp.statements.push(Statement {
                    id: st.clone(),
                    text: st.clone(),
                });
            }
        }
    }

    fn responsibility_id(&self, at: (usize, usize)) -> String {
        self.catalogue.areas[at.0].responsibilities[at.1].id.clone()
    }

    // ---- plans ----

    fn plans(&mut self, chain: &Chain) {
        let idx = chain::index(&chain.plans);
        // Organisations' short names, where they can serve as party ids (the first wins).
        for plan in &chain.plans {
            for p in plan.parties.iter().filter(|p| p.is_organization()) {
                if let (Some(name), Some(short)) = (&p.name, &p.short_name)
                    && valid_id(short.trim())
                    && !self.short_ids.values().any(|v| v == short.trim())
                {
                    self.short_ids
                        .entry(name.trim().to_owned())
                        .or_insert_with(|| short.trim().to_owned());
                }
            }
        }
        // Service ids: the system id, unless plans share it.
        let mut id_use: HashMap<String, usize> = HashMap::new();
        for t in &chain.tiers {
            if let Some(id) = chain.plans[t.plan].system.ids.first() {
                *id_use.entry(slug(id, "system")).or_default() += 1;
            }
        }
        for t in &chain.tiers {
            let plan = &chain.plans[t.plan];
            let party = self.owner(plan);
            for p in &plan.parties {
                if p.is_organization()
                    && let Some(n) = &p.name
                {
                    self.org_party(n);
                }
            }
            let name = match (&plan.system.name, plan.kind) {
                (Some(n), _) if !n.trim().is_empty() => n.trim().to_owned(),
                (_, Some(Kind::SharedResponsibility)) => {
                    let stem = Path::new(&plan.file)
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    format!("{} ({stem})", plan.title.trim())
                }
                _ => plan.title.trim().to_owned(),
            };
            // A system id that is a UUID makes a poor service id: the name is used then.
            let wanted = match plan.system.ids.first() {
                Some(id)
                    if id_use.get(&slug(id, "system")) == Some(&1) && !ssp::is_uuid(id.trim()) =>
                {
                    id.clone()
                }
                _ => name.clone(),
            };
            let id = self.service_id(&wanted);
            let model = plan.system.service_model.as_deref().and_then(|m| {
                let parsed = ServiceModel::parse(m);
                if parsed.is_none() {
                    self.notes.add(&plan.file, "", format!("cloud-service-model {m:?} has no demarc service model (iaas, paas, saas): not kept"));
                }
                parsed
            });
            let mut components: Vec<String> = Vec::new();
            for c in &plan.components {
                if c.kind != "this-system"
                    && c.leveraged_authorization.is_none()
                    && !c.title.is_empty()
                    && !components.contains(&c.title)
                {
                    components.push(c.title.clone());
                }
            }
            let s = self.add_service(Service {
                id,
                name,
                description: plan.system.description.clone(),
                provider: Ref::new(party.clone()),
                model,
                components,
                ..Service::default()
            });
            self.tier_service.push(s);
            self.tier_party.push(party);
        }
        // Built-on edges, and the customers of upstream systems.
        let mut la_service: Vec<HashMap<usize, usize>> = vec![HashMap::new(); chain.tiers.len()];
        for (t, tier) in chain.tiers.iter().enumerate() {
            let s = self.tier_service[t];
            for link in &tier.upstream {
                let u = self.tier_service[link.tier];
                self.built_on(s, u);
                self.set_customer(u, t, chain);
                if let Some(k) = link.leveraged {
                    la_service[t].insert(k, u);
                }
            }
            let plan = &chain.plans[tier.plan];
            for &k in &tier.external {
                let la = &plan.leveraged[k];
                let customer = self.tier_party[t].clone();
                let u = self.external_service(plan, la, &customer);
                self.built_on(s, u);
                la_service[t].insert(k, u);
            }
        }
        for (t, tier) in chain.tiers.iter().enumerate() {
            let rows = self.plan_rows(chain, &idx, t, tier, &la_service[t]);
            if !rows.is_empty() {
                self.rows
                    .entry(self.tier_service[t])
                    .or_default()
                    .extend(rows);
            }
        }
    }

    fn built_on(&mut self, s: usize, u: usize) {
        let id = self.services[u].id.clone();
        if !self.services[s].built_on.iter().any(|b| b.id == id) {
            self.services[s].built_on.push(Ref::new(id));
        }
    }

    fn set_customer(&mut self, u: usize, downstream_tier: usize, chain: &Chain) {
        let party = self.tier_party[downstream_tier].clone();
        match &self.services[u].customer {
            None => self.services[u].customer = Some(Ref::new(party)),
            Some(c) if c.id == party => {}
            Some(c) => {
                let c = c.id.clone();
                let file = &chain.plans[chain.tiers[downstream_tier].plan].file;
                self.notes.add(
                    file,
                    "",
                    format!(
                        "{} is leveraged by several systems; demarc records one customer per service, {c}",
                        self.services[u].name
                    ),
                );
            }
        }
    }

    /// The service of a leveraged authorization whose plan is not among the files.
    fn external_service(&mut self, plan: &Ssp, la: &ssp::Leveraged, customer: &str) -> usize {
        let party_name = la
            .party_uuid
            .as_deref()
            .and_then(|u| plan.organisation_name(u));
        let title = if la.title.is_empty() {
            "Leveraged system".to_owned()
        } else {
            la.title.clone()
        };
        let party = match party_name {
            Some(n) => self.org_party(&n),
            None => self.own_party(&title, &plan.file),
        };
        if let Some(i) = self
            .services
            .iter()
            .position(|s| s.name == title && s.provider.id == party)
        {
            return i;
        }
        let id = self.service_id(&title);
        let u = self.add_service(Service {
            id,
            name: title,
            provider: Ref::new(party),
            customer: Some(Ref::new(customer.to_owned())),
            ..Service::default()
        });
        self.external.insert(u);
        u
    }

    /// A stand-in upstream for a plan that inherits from a system it does not name.
    fn placeholder_upstream(&mut self, s: usize, file: &str) -> usize {
        let name = format!("Upstream of {}", self.services[s].name);
        if let Some(i) = self.services.iter().position(|x| x.name == name) {
            return i;
        }
        let party = self.own_party(&format!("Provider of {name}"), file);
        let id = self.service_id(&format!("{}-upstream", self.services[s].id));
        let customer = self.services[s].provider.id.clone();
        let u = self.add_service(Service {
            id,
            name: name.clone(),
            provider: Ref::new(party),
            customer: Some(Ref::new(customer)),
            ..Service::default()
        });
        self.external.insert(u);
        self.built_on(s, u);
        self.notes.add(
            file,
            "",
            format!("inherits from a system it does not name (no leveraged authorization, and the uuids point at no plan given): a service {name:?} stands for it"),
        );
        u
    }

    fn plan_rows(
        &mut self,
        chain: &Chain,
        idx: &UuidIndex,
        t: usize,
        tier: &chain::Tier,
        la_service: &HashMap<usize, usize>,
    ) -> Vec<Allocation> {
        let plan = &chain.plans[tier.plan];
        let s = self.tier_service[t];
        let party = self.tier_party[t].clone();
        // Uuids this tier defines (its plan and the documents standing in for it).
        let own: HashSet<&str> = std::iter::once(tier.plan)
            .chain(tier.stand_ins.iter().copied())
            .flat_map(|p| chain.plans[p].by_components())
            .flat_map(|(_, _, bc)| {
                bc.provided
                    .iter()
                    .chain(&bc.responsibilities)
                    .map(|e| e.uuid.as_str())
            })
            .collect();
        let role_titles: HashMap<&str, &str> = plan
            .roles
            .iter()
            .map(|r| (r.id.as_str(), r.title.as_str()))
            .collect();

        // Requirements of the same control are read as one.
        let mut order: Vec<&str> = Vec::new();
        let mut groups: HashMap<&str, Vec<&ssp::Requirement>> = HashMap::new();
        for r in &plan.requirements {
            let g = groups.entry(r.control_id.as_str()).or_default();
            if g.is_empty() {
                order.push(r.control_id.as_str());
            } else {
                self.notes.add(&plan.file, &r.pointer, format!("control {} has more than one implemented requirement; they are read as one", r.control_id));
            }
            g.push(r);
        }

        let mut out = Vec::new();
        for control in order {
            let reqs = &groups[control];
            let at = self.control(control, &plan.file, &reqs[0].pointer);
            let resp_id = self.responsibility_id(at);
            let mut row = RowWork::default();
            for req in reqs {
                row.origination.extend(req.origination.iter().cloned());
                if row.prop_status.is_none() {
                    row.prop_status = req.status.clone();
                }
                if let Some(r) = &req.remarks {
                    row.remarks.push(r.clone());
                }
                for bc in &req.by_components {
                    self.by_component(
                        &mut row,
                        plan,
                        tier,
                        idx,
                        chain,
                        &own,
                        &role_titles,
                        &req.roles,
                        None,
                        bc,
                        la_service,
                    );
                }
            }
            for req in reqs {
                for st in &req.statements {
                    row.origination.extend(st.origination.iter().cloned());
                    let statement = self.statement(at, control, &st.id, &plan.file, &st.pointer);
                    if let Some(r) = &st.remarks {
                        row.remarks.push(format!("{}: {r}", st.id));
                    }
                    for bc in &st.by_components {
                        self.by_component(
                            &mut row,
                            plan,
                            tier,
                            idx,
                            chain,
                            &own,
                            &role_titles,
                            &req.roles,
                            statement.clone(),
                            bc,
                            la_service,
                        );
                    }
                }
            }
            let alloc = self.decide(row, resp_id, s, &party, plan, &reqs[0].pointer);
            self.keep_statements(at, &alloc.tasks);
            out.push(alloc);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn by_component(
        &mut self,
        row: &mut RowWork,
        plan: &Ssp,
        tier: &chain::Tier,
        idx: &UuidIndex,
        chain: &Chain,
        own: &HashSet<&str>,
        role_titles: &HashMap<&str, &str>,
        req_roles: &[String],
        statement: Option<String>,
        bc: &ByComponent,
        la_service: &HashMap<usize, usize>,
    ) {
        row.origination.extend(bc.origination.iter().cloned());
        if let Some(st) = &bc.status {
            row.statuses.push(st.clone());
        }
        // The leveraged system a by-component's component stands for.
        let comp_source = plan
            .component(&bc.component)
            .and_then(|c| c.leveraged_authorization.as_deref())
            .and_then(|la| plan.leveraged.iter().position(|l| l.uuid == la))
            .and_then(|k| la_service.get(&k).copied());
        let self_refs = |entries: &[Entry],
                         what: &str,
                         want: Def,
                         notes: &mut Notes|
         -> Vec<(Entry, Option<usize>)> {
            let mut kept = Vec::new();
            for e in entries {
                let target = e.target.as_deref();
                if let Some(tu) = target
                    && own.contains(tu)
                {
                    notes.add_keyed(
                        &plan.file,
                        &e.pointer,
                        format!("self {what}"),
                        format!(
                            "this {what} entry points at the plan's own {} {tu}, not at a leveraged system's: a self-reference, left out",
                            if want == Def::Provided { "provided" } else { "responsibility" }
                        ),
                    );
                    continue;
                }
                // Which upstream tier defines the target?
                let tier_src = target.and_then(|tu| {
                    idx.get(tu)
                        .into_iter()
                        .flatten()
                        .filter(|&&(_, def)| def == want)
                        .map(|&(p, _)| chain.tier_of[p])
                        .find(|&u| u != chain.tier_of[tier.plan])
                });
                kept.push((e.clone(), tier_src));
            }
            kept
        };
        let inherited = self_refs(&bc.inherited, "inherited", Def::Provided, self.notes);
        let satisfied = self_refs(&bc.satisfied, "satisfied", Def::Responsibility, self.notes);
        for (i, (_, src)) in inherited.iter().chain(&satisfied).enumerate() {
            let service = src.map(|u| self.tier_service[u]).or(comp_source);
            if let Some(svc) = service {
                if !row.sources.contains(&svc) {
                    row.sources.push(svc);
                }
                if i >= inherited.len() && !row.satisfied_from.contains(&svc) {
                    row.satisfied_from.push(svc);
                }
            }
        }
        if !bc.inherited.is_empty() && !inherited.is_empty() {
            row.inherited_descriptions += inherited.len();
        }
        row.has_i |= !inherited.is_empty();
        row.has_s |= !satisfied.is_empty();
        row.has_p |= !bc.provided.is_empty();
        row.has_r |= !bc.responsibilities.is_empty();

        let role_of = |roles: &[String], notes: &mut Notes, pointer: &str| -> Option<String> {
            for r in roles.iter().chain(&bc.roles).chain(req_roles) {
                if role_titles.contains_key(r.as_str()) {
                    return Some(role_id(r));
                }
                notes.add_keyed(
                    &plan.file,
                    pointer,
                    format!("undefined role {r}"),
                    format!("role {r:?} is not defined in the metadata: not kept on the task"),
                );
            }
            None
        };
        let mut texts: Vec<&str> = Vec::new();
        for e in bc.provided.iter().chain(satisfied.iter().map(|(e, _)| e)) {
            let d = e.description.trim();
            if texts.contains(&d) {
                continue;
            }
            texts.push(d);
            let role = role_of(&e.roles, self.notes, &e.pointer);
            row.provider.push(TaskWork {
                statement: statement.clone(),
                description: text(&e.description),
                role,
            });
        }
        for e in &bc.responsibilities {
            texts.push(e.description.trim());
            if !e.roles.is_empty() {
                self.notes.add_keyed(
                    &plan.file,
                    &e.pointer,
                    "responsibility roles".to_owned(),
                    "responsible-roles of export.responsibilities name the customer's roles; demarc does not keep them (the customer task is owned by the customer)".to_owned(),
                );
            }
            row.customer.push(TaskWork {
                statement: statement.clone(),
                description: text(&e.description),
                role: None,
            });
        }
        for (e, _) in &inherited {
            texts.push(e.description.trim());
        }
        let d = bc.description.trim();
        if !d.is_empty() && !texts.contains(&d) {
            let role = role_of(&[], self.notes, &bc.pointer);
            row.own.push(TaskWork {
                statement,
                description: Some(bc.description.clone()),
                role,
            });
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &mut self,
        row: RowWork,
        resp_id: String,
        s: usize,
        party: &str,
        plan: &Ssp,
        pointer: &str,
    ) -> Allocation {
        let file = plan.file.as_str();
        for o in &row.origination {
            if !KNOWN_ORIGINS.contains(&o.as_str()) {
                self.notes.add_keyed(
                    file,
                    pointer,
                    format!("origin {o}"),
                    format!(
                        "control-origination {o:?} is not one demarc knows ({}); ignored",
                        KNOWN_ORIGINS.join(", ")
                    ),
                );
            }
        }
        let o_customer = row
            .origination
            .iter()
            .any(|o| CUSTOMER_ORIGINS.contains(&o.as_str()));
        let o_provider = row
            .origination
            .iter()
            .any(|o| PROVIDER_ORIGINS.contains(&o.as_str()));
        let o_inherited = row.origination.iter().any(|o| o == "inherited");
        let customer_only = o_customer && !o_provider && !o_inherited;

        let mut alloc = Allocation {
            responsibility: Ref::new(resp_id.clone()),
            ..Allocation::default()
        };
        // Implementation status and not-applicable.
        const NA: &str = "not-applicable";
        let na = match &row.prop_status {
            Some(st) => st.state == NA,
            None => !row.statuses.is_empty() && row.statuses.iter().all(|x| x.state == NA),
        };
        let mut remarks = if row.remarks.is_empty() {
            None
        } else {
            Some(row.remarks.join("\n\n"))
        };
        if na {
            let reason = row
                .prop_status
                .as_ref()
                .and_then(|x| x.remarks.clone())
                .or_else(|| row.statuses.iter().find_map(|x| x.remarks.clone()));
            alloc.status = Status::NotApplicable;
            alloc.reason = match reason {
                Some(r) => Some(r),
                None => remarks.take(),
            };
            alloc.note = remarks;
            alloc.terms.description = join(row.own.iter().map(|w| w.description.clone()));
            return alloc;
        }
        let states: Vec<&str> = match &row.prop_status {
            Some(st) => vec![st.state.as_str()],
            None => row
                .statuses
                .iter()
                .map(|x| x.state.as_str())
                .filter(|x| *x != NA)
                .collect(),
        };
        // Remarks of a status other than not-applicable say what remains: kept with the note.
        let status_remarks = match &row.prop_status {
            Some(st) => st.remarks.iter().cloned().collect::<Vec<_>>(),
            None => row
                .statuses
                .iter()
                .filter(|x| x.state != NA)
                .filter_map(|x| x.remarks.clone())
                .collect(),
        };
        for r in status_remarks {
            if !r.trim().is_empty() {
                remarks = Some(match remarks.take() {
                    Some(prev) if !prev.contains(&r) => format!("{prev}\n\n{r}"),
                    Some(prev) => prev,
                    None => r,
                });
            }
        }
        if let Some(first) = states.first() {
            let all_same = states.iter().all(|x| x == first);
            alloc.implementation = if all_same {
                let parsed = Implementation::parse(first);
                if parsed.is_none() {
                    self.notes.add_keyed(
                        file,
                        pointer,
                        format!("state {first}"),
                        format!("implementation-status {first:?} is not one of implemented, partial, planned, alternative, not-applicable; not kept"),
                    );
                }
                parsed
            } else {
                Some(Implementation::Partial)
            };
        }
        alloc.note = remarks;

        let provider_task = |w: &TaskWork| Task {
            owners: vec![Ref::new("provider")],
            role: w.role.as_ref().map(Ref::new),
            kind: TaskKind::Operate,
            statement: w.statement.clone(),
            terms: Terms {
                description: w.description.clone(),
                ..Terms::default()
            },
            loc: None,
        };
        let customer_task = |w: &TaskWork| Task {
            owners: vec![Ref::new("customer")],
            role: None,
            kind: TaskKind::Operate,
            statement: w.statement.clone(),
            terms: Terms {
                description: w.description.clone(),
                ..Terms::default()
            },
            loc: None,
        };
        let own_text = join(row.own.iter().map(|w| w.description.clone()));
        let mut used_roles: Vec<String> = Vec::new();
        if row.has_i || row.has_s || (!row.has_p && !row.has_r && row.own.is_empty() && o_inherited)
        {
            alloc.status = Status::Inherited;
            alloc.tasks = row
                .provider
                .iter()
                .map(provider_task)
                .chain(row.customer.iter().map(customer_task))
                .collect();
            alloc.terms.description = own_text;
            // Where from.
            let mut source = row.sources.first().copied();
            if row.sources.len() > 1 {
                self.notes.add(file, pointer, format!("control {resp_id} inherits from several leveraged systems; demarc records one, {}", self.services[row.sources[0]].id));
            }
            if self.services[s].built_on.is_empty() {
                source = Some(self.placeholder_upstream(s, file));
            }
            let source = match source {
                Some(u) => u,
                None => {
                    let first = self.services[s].built_on[0].id.clone();
                    let u = self
                        .services
                        .iter()
                        .position(|x| x.id == first)
                        .unwrap_or(s);
                    if self.services[s].built_on.len() > 1 {
                        self.notes.add(
                            file,
                            pointer,
                            format!("control {resp_id} is inherited but its entries do not say from which leveraged system; read as from {first}"),
                        );
                    }
                    u
                }
            };
            if self.services[s].built_on.len() > 1 {
                alloc.from = Some(Ref::new(self.services[source].id.clone()));
            }
            // A leveraged system whose plan is absent provides what is inherited from it.
            if self.external.contains(&source) {
                let shared = row.has_s && row.satisfied_from.iter().all(|&x| x == source);
                let entry = self.inferred.entry(source).or_default();
                if !entry.1.contains_key(&resp_id) {
                    entry.0.push(resp_id.clone());
                }
                let v = entry.1.entry(resp_id.clone()).or_insert(false);
                *v |= shared;
            }
        } else if row.has_r && row.has_p {
            alloc.status = Status::Shared;
            alloc.tasks = row
                .provider
                .iter()
                .map(provider_task)
                .chain(row.customer.iter().map(customer_task))
                .collect();
            alloc.terms.description = own_text;
        } else if row.has_r && !customer_only && !row.own.is_empty() {
            alloc.status = Status::Shared;
            alloc.tasks = row
                .own
                .iter()
                .map(provider_task)
                .chain(row.customer.iter().map(customer_task))
                .collect();
        } else if row.has_r {
            alloc.status = Status::Customer;
            alloc.tasks = row.customer.iter().map(customer_task).collect();
            alloc.terms.description = own_text;
        } else if row.has_p || !row.own.is_empty() {
            if customer_only && row.has_p {
                self.notes.add(file, pointer, format!("control-origination says the customer implements {resp_id}, but the plan exports provided work for it: read as the provider's"));
            }
            alloc.status = if customer_only && !row.has_p {
                Status::Customer
            } else {
                Status::Supplier
            };
            alloc.tasks = row.provider.iter().map(provider_task).collect();
            alloc.terms.description = own_text;
        } else if o_customer && o_provider {
            alloc.status = Status::Shared;
            let empty = TaskWork::default();
            alloc.tasks = vec![provider_task(&empty), customer_task(&empty)];
        } else if o_customer {
            alloc.status = Status::Customer;
        } else if o_provider {
            alloc.status = Status::Supplier;
        } else {
            self.notes.add_keyed(
                file,
                pointer,
                "undecided".to_owned(),
                format!("control {resp_id} is listed without saying who implements it or how: imported as undecided"),
            );
            alloc.status = Status::Undecided;
        }
        for t in &alloc.tasks {
            if let (Some(r), Some(owner)) = (&t.role, t.owners.first())
                && owner.id == "provider"
                && !used_roles.contains(&r.id)
            {
                used_roles.push(r.id.clone());
            }
        }
        // The roles used are roles of the owner.
        if let Some(p) = self.parties.iter_mut().find(|p| p.id == party) {
            for r in used_roles {
                if !p.roles.iter().any(|x| x.id == r) {
                    let name = plan
                        .roles
                        .iter()
                        .find(|x| role_id(&x.id) == r)
                        .map_or(r.clone(), |x| x.title.clone());
                    p.roles.push(Role {
                        id: r,
                        name,
                        loc: None,
                    });
                }
            }
        }
        if row.inherited_descriptions > 0 {
            self.notes.add_keyed(
                file,
                pointer,
                "inherited descriptions".to_owned(),
                "the descriptions of inherited entries are not kept: what is inherited is described by the upstream system's own rows".to_owned(),
            );
        }
        alloc
    }

    // ---- component definitions ----

    fn component_definition(&mut self, cd: &ComponentDefinition) {
        let party = {
            let plan = Ssp {
                file: cd.file.clone(),
                title: cd.title.clone(),
                parties: cd.parties.clone(),
                responsible_parties: cd.responsible_parties.clone(),
                ..Ssp::default()
            };
            let by_role = [
                "prepared-by",
                "author",
                "creator",
                "provider",
                "maintainer",
                "content-approver",
            ]
            .iter()
            .find_map(|role| {
                plan.responsible_parties
                    .iter()
                    .filter(|rp| rp.role_id == *role)
                    .flat_map(|rp| rp.party_uuids.iter())
                    .filter_map(|u| plan.party(u))
                    .find(|p| p.is_organization() && p.name.is_some())
                    .and_then(|p| p.name.clone())
            });
            match by_role {
                Some(n) => self.org_party(&n),
                None => self.owner(&plan),
            }
        };
        if cd.components.is_empty() {
            self.notes.add(
                &cd.file,
                "",
                "defines no components: nothing to import from it",
            );
        }
        for comp in &cd.components {
            let title = if comp.title.is_empty() {
                cd.title.clone()
            } else {
                comp.title.clone()
            };
            let id = self.service_id(&title);
            let s = self.add_service(Service {
                id,
                name: title,
                description: comp.description.clone().filter(|d| !d.trim().is_empty()),
                provider: Ref::new(party.clone()),
                ..Service::default()
            });
            let mut rows: Vec<Allocation> = Vec::new();
            for req in &comp.requirements {
                let at = self.control(&req.control_id, &cd.file, &req.pointer);
                let resp_id = self.responsibility_id(at);
                let mut tasks = Vec::new();
                for (st, d) in &req.statements {
                    let statement = self.statement(at, &req.control_id, st, &cd.file, &req.pointer);
                    if let Some(d) = text(d) {
                        tasks.push(Task {
                            owners: vec![Ref::new("provider")],
                            statement,
                            terms: Terms {
                                description: Some(d),
                                ..Terms::default()
                            },
                            ..Task::default()
                        });
                    }
                }
                let (status, implementation, reason) = match &req.status {
                    Some(st) if st.state == "not-applicable" => (
                        Status::NotApplicable,
                        None,
                        st.remarks.clone().or_else(|| req.remarks.clone()),
                    ),
                    Some(st) => (Status::Supplier, Implementation::parse(&st.state), None),
                    None => (Status::Supplier, None, None),
                };
                self.keep_statements(at, &tasks);
                if let Some(existing) = rows.iter_mut().find(|r| r.responsibility.id == resp_id) {
                    self.notes.add(
                        &cd.file,
                        &req.pointer,
                        format!(
                            "{} implements {} more than once; read as one row",
                            comp.title, req.control_id
                        ),
                    );
                    existing.tasks.extend(tasks);
                    if let Some(d) = text(&req.description) {
                        existing.terms.description =
                            join([existing.terms.description.take(), Some(d)].into_iter());
                    }
                    continue;
                }
                let note = if status == Status::NotApplicable && reason == req.remarks {
                    None
                } else {
                    req.remarks.clone()
                };
                rows.push(Allocation {
                    responsibility: Ref::new(resp_id),
                    status,
                    reason,
                    implementation,
                    tasks: if status == Status::NotApplicable {
                        Vec::new()
                    } else {
                        tasks
                    },
                    terms: Terms {
                        description: text(&req.description),
                        ..Terms::default()
                    },
                    note,
                    ..Allocation::default()
                });
            }
            if !rows.is_empty() {
                self.rows.insert(s, rows);
            }
        }
    }

    // ---- the end ----

    fn finish(mut self, chain: &Chain, defs: &[ComponentDefinition], sources: &[Catalog]) -> Model {
        // Rows of leveraged systems whose plans are absent.
        let inferred = std::mem::take(&mut self.inferred);
        for (u, (order, shared)) in inferred {
            let rows: Vec<Allocation> = order
                .into_iter()
                .map(|r| {
                    let is_shared = shared.get(&r).copied().unwrap_or(false);
                    Allocation {
                        responsibility: Ref::new(r),
                        status: if is_shared {
                            Status::Shared
                        } else {
                            Status::Supplier
                        },
                        tasks: if is_shared {
                            vec![
                                Task {
                                    owners: vec![Ref::new("provider")],
                                    ..Task::default()
                                },
                                Task {
                                    owners: vec![Ref::new("customer")],
                                    ..Task::default()
                                },
                            ]
                        } else {
                            Vec::new()
                        },
                        ..Allocation::default()
                    }
                })
                .collect();
            self.rows.entry(u).or_default().extend(rows);
        }

        // The end customer: the owner of the last plan nothing is built on.
        let has_downstream: HashSet<usize> = chain
            .tiers
            .iter()
            .flat_map(|t| t.upstream.iter().map(|l| l.tier))
            .collect();
        let sinks: Vec<usize> = (0..chain.tiers.len())
            .filter(|t| !has_downstream.contains(t))
            .collect();
        if sinks.len() > 1 {
            let names: Vec<&str> = sinks
                .iter()
                .map(|&t| chain.plans[chain.tiers[t].plan].file.as_str())
                .collect();
            self.notes.add(
                names[names.len() - 1],
                "",
                format!("the plans form {} separate chains ({}); the model is for the owner of the last", sinks.len(), names.join(", ")),
            );
        }
        let (name, version, customer) = if let Some(&t) = sinks.last() {
            let plan = &chain.plans[chain.tiers[t].plan];
            (
                plan.title.trim().to_owned(),
                plan.version.clone(),
                self.tier_party[t].clone(),
            )
        } else if let Some(cd) = defs.first() {
            let for_party = cd
                .responsible_parties
                .iter()
                .filter(|rp| rp.role_id == "prepared-for")
                .flat_map(|rp| rp.party_uuids.iter())
                .filter_map(|u| {
                    cd.parties
                        .iter()
                        .find(|p| p.uuid.as_deref() == Some(u.as_str()))
                })
                .find(|p| p.is_organization() && p.name.is_some())
                .and_then(|p| p.name.clone());
            let customer = match for_party {
                Some(n) => self.org_party(&n),
                None => self.placeholder_customer(&cd.file),
            };
            (cd.title.trim().to_owned(), cd.version.clone(), customer)
        } else {
            let file = sources.first().map_or("", |c| c.file.as_str()).to_owned();
            let title = sources
                .first()
                .map(|c| c.metadata.title.clone())
                .unwrap_or_default();
            let customer = self.placeholder_customer(&file);
            // No plan: a starter for one, as `demarc init` writes one. The organisation's own
            // system, with every control a row to decide.
            let id = self.service_id("system");
            let s = self.add_service(Service {
                id,
                name: if title.trim().is_empty() {
                    "Our system".to_owned()
                } else {
                    format!("System under {}", title.trim())
                },
                provider: Ref::new(customer.clone()),
                ..Service::default()
            });
            let rows: Vec<Allocation> = self
                .catalogue
                .responsibilities()
                .map(|(_, r)| Allocation {
                    responsibility: Ref::new(r.id.clone()),
                    ..Allocation::default()
                })
                .collect();
            self.rows.insert(s, rows);
            (title, None, customer)
        };

        // Canonical order: parties and roles by id, services upstream first (ties by id),
        // the derived catalogue in control order.
        self.parties.sort_by(|a, b| a.id.cmp(&b.id));
        for p in &mut self.parties {
            p.roles.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let order = upstream_order(&self.services);
        let mut allocations = Vec::new();
        let mut services = Vec::with_capacity(self.services.len());
        for &i in &order {
            services.push(self.services[i].clone());
            if let Some(rows) = self.rows.remove(&i) {
                allocations.push(ServiceAllocations {
                    service: Ref::new(self.services[i].id.clone()),
                    cells: rows,
                });
            }
        }
        if self.derived {
            self.catalogue.areas.sort_by_key(|a| natural_key(&a.id));
            for a in &mut self.catalogue.areas {
                a.responsibilities.sort_by_key(|r| natural_key(&r.id));
                for r in &mut a.responsibilities {
                    r.statements.sort_by_key(|s| natural_key(&s.id));
                }
            }
        }
        // Rows in catalogue order (as an export writes them).
        let position: HashMap<&str, usize> = self
            .catalogue
            .responsibilities()
            .enumerate()
            .map(|(i, (_, r))| (r.id.as_str(), i))
            .collect();
        for g in &mut allocations {
            g.cells.sort_by_key(|c| {
                position
                    .get(c.responsibility.id.as_str())
                    .copied()
                    .unwrap_or(usize::MAX)
            });
        }
        let catalogue_file = format!("catalogue-{}.yaml", self.cat_id);
        Model {
            files: Vec::new(),
            name: if name.is_empty() {
                "Imported from OSCAL".to_owned()
            } else {
                name
            },
            customer: Ref::new(customer),
            version,
            review: Default::default(),
            catalogues: vec![catalogue_file],
            catalogue: self.catalogue,
            parties: self.parties,
            services,
            allocations,
        }
    }

    fn placeholder_customer(&mut self, file: &str) -> String {
        self.notes.add(
            file,
            "",
            "no system security plan names the organisation this model is for: a party \"customer\" stands for it (rename it in parties.yaml)",
        );
        let id = "customer".to_owned();
        if !self.parties.iter().any(|p| p.id == id) {
            self.parties.push(Party {
                id: id.clone(),
                name: "Customer".to_owned(),
                ..Party::default()
            });
        }
        id
    }
}

/// Services in an order where every service comes after those it is built on; ties (and
/// services in loops) by id.
fn upstream_order(services: &[Service]) -> Vec<usize> {
    let ix: HashMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut pending: Vec<usize> = services
        .iter()
        .map(|s| {
            s.built_on
                .iter()
                .filter(|b| ix.contains_key(b.id.as_str()))
                .count()
        })
        .collect();
    let mut downstream: Vec<Vec<usize>> = vec![Vec::new(); services.len()];
    for (i, s) in services.iter().enumerate() {
        for b in &s.built_on {
            if let Some(&u) = ix.get(b.id.as_str()) {
                downstream[u].push(i);
            }
        }
    }
    let mut ready: BTreeSet<(&str, usize)> = (0..services.len())
        .filter(|&i| pending[i] == 0)
        .map(|i| (services[i].id.as_str(), i))
        .collect();
    let mut out = Vec::with_capacity(services.len());
    let mut done = vec![false; services.len()];
    loop {
        while let Some(first) = ready.iter().next().copied() {
            ready.remove(&first);
            let i = first.1;
            done[i] = true;
            out.push(i);
            for &d in &downstream[i] {
                pending[d] = pending[d].saturating_sub(1);
                if pending[d] == 0 && !done[d] {
                    ready.insert((services[d].id.as_str(), d));
                }
            }
        }
        // Loops: take the smallest id left.
        match (0..services.len())
            .filter(|&i| !done[i])
            .min_by_key(|&i| services[i].id.as_str())
        {
            Some(i) => {
                pending[i] = 0;
                ready.insert((services[i].id.as_str(), i));
            }
            None => break,
        }
    }
    out
}

fn join(texts: impl Iterator<Item = Option<String>>) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for t in texts.flatten() {
        if !t.trim().is_empty() && !out.contains(&t) {
            out.push(t);
        }
    }
    if out.is_empty() {
        None
    } else {
        Some(out.join("\n\n"))
    }
}

#[derive(Default)]
struct TaskWork {
    statement: Option<String>,
    description: Option<String>,
    role: Option<String>,
}

/// What one requirement says, gathered over its by-components.
#[derive(Default)]
struct RowWork {
    origination: Vec<String>,
    prop_status: Option<ssp::ImplStatus>,
    statuses: Vec<ssp::ImplStatus>,
    remarks: Vec<String>,
    provider: Vec<TaskWork>,
    customer: Vec<TaskWork>,
    own: Vec<TaskWork>,
    has_i: bool,
    has_s: bool,
    has_p: bool,
    has_r: bool,
    /// Services the inherited and satisfied entries point at, in order.
    sources: Vec<usize>,
    satisfied_from: Vec<usize>,
    inherited_descriptions: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_names() {
        assert_eq!(
            slug("CSP IaaS [Leveraged System]", "x"),
            "csp-iaas-leveraged-system"
        );
        assert_eq!(slug("csp_iaas_system", "x"), "csp-iaas-system");
        assert_eq!(slug(&slug("A  b__c", "x"), "x"), slug("A  b__c", "x"));
        assert_eq!(slug("***", "x"), "x");
        assert_eq!(title_owner("CSP IaaS System Security Plan"), "CSP IaaS");
        assert_eq!(
            title_owner("Leveraging SaaS System Security Plan"),
            "Leveraging SaaS"
        );
        assert_eq!(title_owner("System Security Plan"), "System Security Plan");
        assert_eq!(family("ac-2.1"), "ac");
        assert_eq!(family("CloudTrail.1"), "CloudTrail");
        let mut ids = vec!["ac-10", "ac-2.1", "ac-2", "ac-1"];
        ids.sort_by_key(|s| natural_key(s));
        assert_eq!(ids, ["ac-1", "ac-2", "ac-2.1", "ac-10"]);
    }
}
