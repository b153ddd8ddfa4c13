//! The model as people write it: parties, services, a responsibility catalogue with presets,
//! and the allocations of each (service, responsibility) cell.
//!
//! These are plain values. Identifiers are strings as written; [`crate::View`] indexes them,
//! follows built-on chains and applies presets.

use std::collections::BTreeMap;
use std::fmt;

use crate::date::Date;

/// Where something was written: a file of the model (an index into [`Model::files`]) and a
/// 1-based line and column.
///
/// A location says where a value came from, not what it is: two values read from different
/// files are still the same value, so every `Loc` compares equal to every other. A value built
/// in memory has no location (`None`), which does compare unequal to `Some`: to compare
/// content only across sources, compare [`Model::without_locations`] or
/// [`Allocation::without_locations`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Loc {
    pub file: u32,
    pub line: u32,
    pub column: u32,
}

impl PartialEq for Loc {
    fn eq(&self, _: &Loc) -> bool {
        true
    }
}
impl Eq for Loc {}

/// An identifier written somewhere in the model, referring to something defined elsewhere.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Ref {
    pub id: String,
    pub loc: Option<Loc>,
}

impl Ref {
    /// The same reference, with no location.
    pub fn unlocated(&self) -> Ref {
        Ref::new(self.id.clone())
    }

    pub fn new(id: impl Into<String>) -> Ref {
        Ref {
            id: id.into(),
            loc: None,
        }
    }
    pub fn at(id: impl Into<String>, loc: Loc) -> Ref {
        Ref {
            id: id.into(),
            loc: Some(loc),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

/// A whole shared responsibility model, for one customer organisation.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Model {
    /// The files the model was read from, so a [`Loc`] can name one. Not part of its content.
    pub files: Vec<String>,
    pub name: String,
    /// The organisation this model is for: its id among [`Model::parties`].
    pub customer: Ref,
    /// A label for this version of the model (for example the one a contract refers to).
    pub version: Option<String>,
    pub review: Review,
    /// The catalogues the model uses, as named in the model file.
    pub catalogues: Vec<String>,
    /// The content of those catalogues, merged.
    pub catalogue: Catalogue,
    pub parties: Vec<Party>,
    pub services: Vec<Service>,
    /// Explicit allocations, grouped by service as they are written (one group per file).
    pub allocations: Vec<ServiceAllocations>,
}

impl Model {
    /// The same model with every location (and the list of files) removed: its content only.
    pub fn without_locations(&self) -> Model {
        Model {
            files: Vec::new(),
            customer: self.customer.unlocated(),
            review: Review {
                loc: None,
                ..self.review.clone()
            },
            catalogue: Catalogue {
                sources: self.catalogue.sources.clone(),
                areas: self
                    .catalogue
                    .areas
                    .iter()
                    .map(|a| Area {
                        loc: None,
                        responsibilities: a
                            .responsibilities
                            .iter()
                            .map(|r| Responsibility {
                                loc: None,
                                ..r.clone()
                            })
                            .collect(),
                        ..a.clone()
                    })
                    .collect(),
                presets: self
                    .catalogue
                    .presets
                    .iter()
                    .map(|p| Preset {
                        loc: None,
                        entries: p
                            .entries
                            .iter()
                            .map(|e| PresetEntry {
                                allocation: e.allocation.without_locations(),
                                ..e.clone()
                            })
                            .collect(),
                        ..p.clone()
                    })
                    .collect(),
            },
            parties: self
                .parties
                .iter()
                .map(|p| Party {
                    loc: None,
                    roles: p
                        .roles
                        .iter()
                        .map(|r| Role {
                            loc: None,
                            ..r.clone()
                        })
                        .collect(),
                    people: p
                        .people
                        .iter()
                        .map(|x| Person {
                            role: x.role.as_ref().map(Ref::unlocated),
                            ..x.clone()
                        })
                        .collect(),
                    ..p.clone()
                })
                .collect(),
            services: self
                .services
                .iter()
                .map(|s| Service {
                    loc: None,
                    provider: s.provider.unlocated(),
                    customer: s.customer.as_ref().map(Ref::unlocated),
                    built_on: s.built_on.iter().map(Ref::unlocated).collect(),
                    presets: s
                        .presets
                        .as_ref()
                        .map(|ps| ps.iter().map(Ref::unlocated).collect()),
                    ..s.clone()
                })
                .collect(),
            allocations: self
                .allocations
                .iter()
                .map(|g| ServiceAllocations {
                    service: g.service.unlocated(),
                    cells: g.cells.iter().map(Allocation::without_locations).collect(),
                })
                .collect(),
            ..self.clone()
        }
    }

    /// The name of the file a location points into, if any.
    pub fn file_name(&self, loc: Option<Loc>) -> Option<&str> {
        loc.and_then(|l| self.files.get(l.file as usize))
            .map(String::as_str)
    }
}

/// When the model as a whole was last reviewed and is next due.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Review {
    pub last: Option<Date>,
    pub next: Option<Date>,
    pub loc: Option<Loc>,
}

/// One or more catalogues merged: areas of responsibilities, and presets over them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Catalogue {
    pub sources: Vec<CatalogueInfo>,
    pub areas: Vec<Area>,
    pub presets: Vec<Preset>,
}

impl Catalogue {
    /// Every responsibility, area by area, in catalogue order.
    pub fn responsibilities(&self) -> impl Iterator<Item = (&Area, &Responsibility)> {
        self.areas
            .iter()
            .flat_map(|a| a.responsibilities.iter().map(move |r| (a, r)))
    }

    /// Add another catalogue's content after this one's.
    pub fn merge(&mut self, other: Catalogue) {
        self.sources.extend(other.sources);
        self.areas.extend(other.areas);
        self.presets.extend(other.presets);
    }
}

/// Where a catalogue comes from and on what terms.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CatalogueInfo {
    pub id: String,
    pub title: String,
    pub version: Option<String>,
    pub licence: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
}

/// A group of related responsibilities ("Update software").
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Area {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// The id of the catalogue that defines it.
    pub catalogue: String,
    pub responsibilities: Vec<Responsibility>,
    pub loc: Option<Loc>,
}

/// A security or operational job that someone must do for each service.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Responsibility {
    pub id: String,
    pub title: String,
    /// What doing it means, in plain language.
    pub description: Option<String>,
    pub layer: Layer,
    /// Can never be outsourced: the customer keeps it whatever the service.
    pub retained: bool,
    /// Framework name (`nist-800-53`, `cyber-essentials`, `ccm`, ...) to ids in it.
    pub mappings: BTreeMap<String, Vec<String>>,
    pub suggested_tasks: Vec<SuggestedTask>,
    /// The parts of its statement (an OSCAL control's `ac-2_smt.a`), so a task can cover one.
    pub statements: Vec<Statement>,
    pub loc: Option<Loc>,
}

/// One part of a responsibility's statement, which a task may cover on its own.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Statement {
    pub id: String,
    pub text: String,
}

/// A task a catalogue suggests when a responsibility is split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedTask {
    pub kind: TaskKind,
    pub description: String,
}

/// The layer of the technology stack (or of the organisation) a responsibility sits in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Layer {
    Physical,
    Network,
    Infrastructure,
    OperatingSystem,
    Runtime,
    Application,
    IdentityAccess,
    Data,
    #[default]
    Governance,
}

impl Layer {
    pub const ALL: [Layer; 9] = [
        Layer::Physical,
        Layer::Network,
        Layer::Infrastructure,
        Layer::OperatingSystem,
        Layer::Runtime,
        Layer::Application,
        Layer::IdentityAccess,
        Layer::Data,
        Layer::Governance,
    ];

    /// The name used in model files.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Physical => "physical",
            Layer::Network => "network",
            Layer::Infrastructure => "infrastructure",
            Layer::OperatingSystem => "operating-system",
            Layer::Runtime => "runtime",
            Layer::Application => "application",
            Layer::IdentityAccess => "identity-access",
            Layer::Data => "data",
            Layer::Governance => "governance",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Layer::Physical => "Physical",
            Layer::Network => "Network",
            Layer::Infrastructure => "Infrastructure",
            Layer::OperatingSystem => "Operating system",
            Layer::Runtime => "Runtime and middleware",
            Layer::Application => "Application",
            Layer::IdentityAccess => "Identity and access",
            Layer::Data => "Data",
            Layer::Governance => "Governance",
        }
    }

    pub fn parse(s: &str) -> Option<Layer> {
        Layer::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

/// A named default allocation: by service model (what a SaaS provider usually does), or a
/// supplier's published standard model.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Preset {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    /// Services of this model use the preset unless they choose presets themselves.
    pub service_model: Option<ServiceModel>,
    pub entries: Vec<PresetEntry>,
    pub loc: Option<Loc>,
}

/// One pre-filled cell of a preset. Task owners are written as the placeholders `provider`
/// and `customer` (or party ids, for a supplier's own published model).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct PresetEntry {
    pub allocation: Allocation,
    /// Overriding this entry is almost always a mistake (`preset-conflict`).
    pub expected: bool,
    /// Why, in plain language.
    pub why: Option<String>,
}

/// How a service is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceModel {
    /// Equipment on the customer's premises, run by a supplier.
    OnPremManaged,
    Iaas,
    Paas,
    Saas,
    /// A service done by people (IT support, a security operations centre).
    ManagedService,
}

impl ServiceModel {
    pub const ALL: [ServiceModel; 5] = [
        ServiceModel::OnPremManaged,
        ServiceModel::Iaas,
        ServiceModel::Paas,
        ServiceModel::Saas,
        ServiceModel::ManagedService,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceModel::OnPremManaged => "on-prem-managed",
            ServiceModel::Iaas => "iaas",
            ServiceModel::Paas => "paas",
            ServiceModel::Saas => "saas",
            ServiceModel::ManagedService => "managed-service",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ServiceModel::OnPremManaged => "On-premises, managed",
            ServiceModel::Iaas => "Infrastructure as a service",
            ServiceModel::Paas => "Platform as a service",
            ServiceModel::Saas => "Software as a service",
            ServiceModel::ManagedService => "Managed service",
        }
    }

    pub fn parse(s: &str) -> Option<ServiceModel> {
        ServiceModel::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

/// The organisation, a supplier, or a supplier's supplier.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Party {
    pub id: String,
    pub name: String,
    /// What kind of party this is: `customer`, `msp`, `saas`, `iaas`, `internal`, ... (data, not
    /// a fixed list).
    pub kind: Option<String>,
    pub description: Option<String>,
    pub roles: Vec<Role>,
    pub people: Vec<Person>,
    pub loc: Option<Loc>,
}

/// A role within a party ("SLT digital lead", "DPO", "IT support").
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub loc: Option<Loc>,
}

/// Someone at a party: a contact, possibly a signatory.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub role: Option<Ref>,
    pub title: Option<String>,
    pub signatory: bool,
}

/// Something a party provides and another party uses.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The party that provides it.
    pub provider: Ref,
    /// The party that uses it; the model's customer unless written. A service another
    /// supplier builds on (a cloud platform under a SaaS product) is used by that supplier.
    pub customer: Option<Ref>,
    pub model: Option<ServiceModel>,
    /// Services this one runs on.
    pub built_on: Vec<Ref>,
    /// Presets chosen for this service; `None` means those matching its service model.
    pub presets: Option<Vec<Ref>>,
    /// The agreement that commits the provider (applies to every task it owns here).
    pub contract: Option<String>,
    /// What proves the provider does its part (applies to every task it owns here).
    pub evidence: Vec<Evidence>,
    /// Software or products in the service, for routing vulnerabilities (cpe or purl).
    pub components: Vec<String>,
    pub loc: Option<Loc>,
}

/// The explicit allocations of one service, as one file or group holds them.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ServiceAllocations {
    pub service: Ref,
    pub cells: Vec<Allocation>,
}

/// Who does one responsibility for one service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Status {
    /// Nobody has decided yet: a gap until someone does.
    #[default]
    Undecided,
    /// Whoever uses the service does all of it.
    Customer,
    /// The service's provider does all of it.
    Supplier,
    /// Split into tasks, each with one owner.
    Shared,
    /// The provider meets it through a service it builds on.
    Inherited,
    /// Does not apply to this service (with a reason).
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Undecided,
        Status::Customer,
        Status::Supplier,
        Status::Shared,
        Status::Inherited,
        Status::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Undecided => "undecided",
            Status::Customer => "customer",
            Status::Supplier => "supplier",
            Status::Shared => "shared",
            Status::Inherited => "inherited",
            Status::NotApplicable => "not-applicable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Undecided => "Undecided",
            Status::Customer => "Customer",
            Status::Supplier => "Supplier",
            Status::Shared => "Shared",
            Status::Inherited => "Inherited",
            Status::NotApplicable => "Not applicable",
        }
    }

    /// Parse a status as written in a model file or a spreadsheet (a few common spellings).
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "" | "undecided" | "tbd" | "?" => Status::Undecided,
            "customer" => Status::Customer,
            "supplier" | "provider" => Status::Supplier,
            "shared" => Status::Shared,
            "inherited" => Status::Inherited,
            "not-applicable" | "n/a" | "na" | "not applicable" => Status::NotApplicable,
            _ => return None,
        })
    }
}

/// Does the work, or decides, approves and reviews it. Only operating covers a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum TaskKind {
    #[default]
    Operate,
    Oversee,
}

impl TaskKind {
    pub const ALL: [TaskKind; 2] = [TaskKind::Operate, TaskKind::Oversee];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Operate => "operate",
            TaskKind::Oversee => "oversee",
        }
    }
    pub fn parse(s: &str) -> Option<TaskKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "operate" => Some(TaskKind::Operate),
            "oversee" => Some(TaskKind::Oversee),
            _ => None,
        }
    }
}

/// The allocation of one responsibility for one service.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Allocation {
    pub responsibility: Ref,
    pub status: Status,
    /// Why it does not apply (for `not-applicable`).
    pub reason: Option<String>,
    /// The built-on service it is inherited from (for `inherited`; may be left out when the
    /// service builds on exactly one other).
    pub from: Option<Ref>,
    /// Terms of the whole cell when one party does it all (`customer` or `supplier`).
    pub terms: Terms,
    /// The tasks it is split into (for `shared`), or extra tasks on top of the status: an
    /// oversight task of the customer on a supplier cell, or the provider's own part of an
    /// inherited cell.
    pub tasks: Vec<Task>,
    /// A party disagrees with this row and it is not yet resolved.
    pub contested: Option<Contest>,
    /// When this row must next be reviewed.
    pub review_by: Option<Date>,
    /// How far the work is in place, when that is known and not simply done (as an OSCAL
    /// system security plan records it).
    pub implementation: Option<Implementation>,
    pub note: Option<String>,
    pub loc: Option<Loc>,
}

/// How far the agreed work is in place (OSCAL's `implementation-status`, without
/// `not-applicable`, which is a status of its own here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Implementation {
    Implemented,
    Partial,
    Planned,
    Alternative,
}

impl Implementation {
    pub const ALL: [Implementation; 4] = [
        Implementation::Implemented,
        Implementation::Partial,
        Implementation::Planned,
        Implementation::Alternative,
    ];

    /// The name in model files, which is also OSCAL's.
    pub fn as_str(self) -> &'static str {
        match self {
            Implementation::Implemented => "implemented",
            Implementation::Partial => "partial",
            Implementation::Planned => "planned",
            Implementation::Alternative => "alternative",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Implementation::Implemented => "In place",
            Implementation::Partial => "Partly in place",
            Implementation::Planned => "Planned",
            Implementation::Alternative => "Met another way",
        }
    }

    pub fn parse(s: &str) -> Option<Implementation> {
        Implementation::ALL
            .into_iter()
            .find(|i| i.as_str() == s.trim())
    }
}

/// What a task commits its owner to.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Terms {
    pub description: Option<String>,
    pub scope: Option<String>,
    pub frequency: Option<String>,
    pub sla: Option<String>,
    pub evidence: Vec<Evidence>,
    /// The contract clause that commits the owner.
    pub contract: Option<String>,
}

impl Allocation {
    /// The same allocation with every location removed: its content only.
    pub fn without_locations(&self) -> Allocation {
        Allocation {
            responsibility: self.responsibility.unlocated(),
            from: self.from.as_ref().map(Ref::unlocated),
            tasks: self
                .tasks
                .iter()
                .map(|t| Task {
                    owners: t.owners.iter().map(Ref::unlocated).collect(),
                    role: t.role.as_ref().map(Ref::unlocated),
                    loc: None,
                    ..t.clone()
                })
                .collect(),
            contested: self.contested.as_ref().map(|c| Contest {
                by: c.by.unlocated(),
                comment: c.comment.clone(),
            }),
            loc: None,
            ..self.clone()
        }
    }
}

impl Terms {
    pub fn is_empty(&self) -> bool {
        *self == Terms::default()
    }
}

/// One piece of work with exactly one responsible owner.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Task {
    /// The owner: a party id, or `provider` / `customer` for the service's provider or user.
    /// More than one is an error (`duplicate-owner`), kept so it can be reported.
    pub owners: Vec<Ref>,
    pub role: Option<Ref>,
    pub kind: TaskKind,
    /// The part of the responsibility's statement this task covers (`None`: all of it).
    pub statement: Option<String>,
    pub terms: Terms,
    pub loc: Option<Loc>,
}

/// What proves a task is done.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Evidence {
    pub description: String,
    pub collected: Option<Date>,
    pub expires: Option<Date>,
}

/// A party's open disagreement with a row.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Contest {
    pub by: Ref,
    pub comment: String,
}
