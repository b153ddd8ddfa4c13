//! System security plans (and component definitions), read into typed values.
//!
//! Two shapes are read:
//!
//! - **released OSCAL** (1.0 to 1.2.x): under each `by-components[]` entry, `export.provided`,
//!   `export.responsibilities`, `inherited`, `satisfied`, `implementation-status`;
//! - the **NIST prototype** shared-responsibility dialect (the SRM examples): `provided`,
//!   `responsibilities`, `inherited`, `satisfied` directly under the by-component, an
//!   `exportable` flag on each, prefixed non-UUID ids, and the `shared-responsibility`
//!   document whose `components[]` carry `control_implementations`. It is accepted, with one
//!   note per document saying so.
//!
//! Everything demarc maps is typed here; what it does not map but understands (set
//! parameters, links, inventory) is counted in a note; keys it does not know in the parts it
//! maps are reported as notes with their JSON pointers. Wrong types where a value is needed
//! (a `control-id` that is not a string) make the document invalid, every such place listed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::document::{Document, Kind, json_type};
use crate::error::{OscalError, Problem, pointer_push};

/// The FedRAMP namespace, whose `control-origination` and `implementation-status` props
/// mean what the OSCAL ones do.
pub const FEDRAMP_NS: &str = "https://fedramp.gov/ns/oscal";

/// A system security plan, or a NIST prototype shared-responsibility document (which has no
/// system characteristics, only what its SSP exports).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ssp {
    pub file: String,
    pub kind: Option<Kind>,
    /// Written in the NIST prototype dialect.
    pub prototype: bool,
    pub uuid: String,
    pub title: String,
    pub version: Option<String>,
    pub roles: Vec<RoleDef>,
    pub parties: Vec<PartyDef>,
    pub responsible_parties: Vec<RoleParties>,
    pub system: System,
    pub users: Vec<User>,
    pub components: Vec<Component>,
    pub leveraged: Vec<Leveraged>,
    pub requirements: Vec<Requirement>,
}

/// A role defined in the metadata.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleDef {
    pub id: String,
    pub title: String,
}

/// A metadata party: an organization or a person.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PartyDef {
    pub uuid: Option<String>,
    /// `organization` or `person`.
    pub kind: String,
    pub name: Option<String>,
    pub short_name: Option<String>,
    /// For a person: the organizations they belong to.
    pub member_of: Vec<String>,
    pub pointer: String,
}

impl PartyDef {
    pub fn is_organization(&self) -> bool {
        self.kind == "organization"
    }
}

/// A metadata responsible party: a role and who holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RoleParties {
    pub role_id: String,
    pub party_uuids: Vec<String>,
}

/// `system-characteristics`, as far as demarc uses it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct System {
    pub ids: Vec<String>,
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub description: Option<String>,
    /// The `cloud-service-model` prop (`saas`, `paas`, `iaas`, ...).
    pub service_model: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct User {
    pub uuid: String,
    pub title: Option<String>,
    pub role_ids: Vec<String>,
}

/// A component of the system (`system-implementation.components[]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Component {
    pub uuid: String,
    /// `this-system`, `software`, `system`, `service`, ...
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    /// Prop `leveraged-authorization-uuid`: the component stands for (part of) a leveraged
    /// system.
    pub leveraged_authorization: Option<String>,
    /// Prop `inherited-uuid`: the uuid of the component in the leveraged system's SSP.
    pub inherited: Option<String>,
    /// Prop `implementation-point` (`internal`, `external`, `system`).
    pub implementation_point: Option<String>,
    pub pointer: String,
}

/// A leveraged authorization: an upstream system this one is built on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Leveraged {
    pub uuid: String,
    pub title: String,
    pub party_uuid: Option<String>,
    pub links: Vec<LinkRef>,
    pub pointer: String,
}

/// A link: where it points, its relation, and where it is written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinkRef {
    pub href: String,
    pub rel: Option<String>,
    pub pointer: String,
}

/// An `implementation-status` (or the prop of that name).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImplStatus {
    pub state: String,
    pub remarks: Option<String>,
}

/// One implemented requirement: a control, and how it is met, for the whole control and
/// statement by statement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Requirement {
    pub uuid: String,
    pub control_id: String,
    pub pointer: String,
    /// Every `control-origination` prop value (OSCAL or FedRAMP namespace), in order.
    pub origination: Vec<String>,
    /// The `implementation-status` prop (FedRAMP and trestle write it on the requirement).
    pub status: Option<ImplStatus>,
    pub roles: Vec<String>,
    pub remarks: Option<String>,
    pub by_components: Vec<ByComponent>,
    pub statements: Vec<StatementImpl>,
}

/// A statement of a control (`ac-2_smt.a`) and how it is met.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatementImpl {
    pub id: String,
    pub uuid: String,
    pub pointer: String,
    pub origination: Vec<String>,
    pub remarks: Option<String>,
    pub by_components: Vec<ByComponent>,
}

/// How one component meets a control or statement.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ByComponent {
    pub uuid: String,
    pub component: String,
    pub pointer: String,
    /// How the component implements it: the system's own (internal) text.
    pub description: String,
    pub status: Option<ImplStatus>,
    pub origination: Vec<String>,
    pub roles: Vec<String>,
    /// `export.provided[]`: what a leveraging system may inherit.
    pub provided: Vec<Entry>,
    /// `export.responsibilities[]`: what a leveraging system must do (`target` =
    /// `provided-uuid`).
    pub responsibilities: Vec<Entry>,
    /// `inherited[]` (`target` = `provided-uuid` in the leveraged system).
    pub inherited: Vec<Entry>,
    /// `satisfied[]` (`target` = `responsibility-uuid` in the leveraged system).
    pub satisfied: Vec<Entry>,
    pub remarks: Option<String>,
}

/// One provided, responsibility, inherited or satisfied entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entry {
    pub uuid: String,
    /// The uuid it refers to: `provided-uuid` or `responsibility-uuid`.
    pub target: Option<String>,
    pub description: String,
    pub roles: Vec<String>,
    pub pointer: String,
}

// ---------------------------------------------------------------------------------------------
// Notes, gathered so that a thousand of the same kind make one note

/// Notes about one or more documents; the same message (by key) is reported once, at its
/// first place, with how many places have it.
#[derive(Debug, Default)]
pub struct Notes {
    order: Vec<(String, String)>,
    seen: BTreeMap<(String, String), (Problem, usize)>,
}

impl Notes {
    /// A note keyed by its message: repeated messages in the same file are counted.
    pub fn add(&mut self, file: &str, pointer: &str, message: impl Into<String>) {
        let message = message.into();
        self.add_keyed(file, pointer, message.clone(), message);
    }

    /// A note counted under `key` (so messages that differ in detail can still be grouped).
    pub fn add_keyed(&mut self, file: &str, pointer: &str, key: String, message: String) {
        let k = (file.to_owned(), key);
        match self.seen.get_mut(&k) {
            Some((_, n)) => *n += 1,
            None => {
                self.order.push(k.clone());
                self.seen
                    .insert(k, (Problem::new(file, pointer, message), 1));
            }
        }
    }

    /// Add problems that are already final (from other modules).
    pub fn extend(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for p in problems {
            let key = format!("{}\u{0}{}", p.pointer, p.message);
            self.add_keyed(&p.file.clone(), &p.pointer.clone(), key, p.message);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The notes, in the order first seen.
    pub fn finish(mut self) -> Vec<Problem> {
        let mut out = Vec::with_capacity(self.order.len());
        for k in self.order {
            if let Some((mut p, n)) = self.seen.remove(&k) {
                if n > 1 {
                    p.message = format!("{} ({n} places like this; the first is shown)", p.message);
                }
                out.push(p);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Walking JSON

pub(crate) struct Cx<'a> {
    pub file: &'a str,
    pub notes: &'a mut Notes,
    pub errors: Vec<Problem>,
}

impl Cx<'_> {
    pub fn note(&mut self, pointer: &str, message: impl Into<String>) {
        self.notes.add(self.file, pointer, message);
    }

    pub fn note_keyed(&mut self, pointer: &str, key: &str, message: String) {
        self.notes
            .add_keyed(self.file, pointer, key.to_owned(), message);
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        self.errors.push(Problem::new(self.file, pointer, message));
    }

    /// An object, or an error saying one was expected.
    pub fn object<'v>(
        &mut self,
        v: &'v Value,
        pointer: &str,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        match v.as_object() {
            Some(o) => Some(o),
            None => {
                self.error(
                    pointer,
                    format!("expected {what} (an object), found {}", json_type(v)),
                );
                None
            }
        }
    }

    /// An optional string field (`null` counts as absent, with a note).
    pub fn string(&mut self, obj: &Map<String, Value>, key: &str, pointer: &str) -> Option<String> {
        match obj.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Null) => {
                self.note_keyed(
                    &pointer_push(pointer, key),
                    &format!("null {key}"),
                    format!("`{key}` is null; read as absent (OSCAL expects a string)"),
                );
                None
            }
            Some(other) => {
                self.error(
                    &pointer_push(pointer, key),
                    format!(
                        "expected `{key}` to be a string, found {}",
                        json_type(other)
                    ),
                );
                None
            }
        }
    }

    /// A required string field.
    pub fn required(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        pointer: &str,
        what: &str,
    ) -> Option<String> {
        let v = self.string(obj, key, pointer);
        if v.is_none() && !obj.contains_key(key) {
            self.error(pointer, format!("{what} has no `{key}`: expected a string"));
        }
        v
    }

    /// An optional array field, with its elements' pointers.
    pub fn array<'v>(
        &mut self,
        obj: &'v Map<String, Value>,
        key: &str,
        pointer: &str,
    ) -> Vec<(String, &'v Value)> {
        match obj.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let base = pointer_push(pointer, key);
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (pointer_push(&base, &i.to_string()), v))
                    .collect()
            }
            Some(other) => {
                self.error(
                    &pointer_push(pointer, key),
                    format!(
                        "expected `{key}` to be an array, found {}",
                        json_type(other)
                    ),
                );
                Vec::new()
            }
        }
    }

    /// Note every key of `obj` not in `known`.
    pub fn unknown_keys(
        &mut self,
        obj: &Map<String, Value>,
        pointer: &str,
        known: &[&str],
        what: &str,
    ) {
        for key in obj.keys() {
            if !known.contains(&key.as_str()) {
                self.note_keyed(
                    &pointer_push(pointer, key),
                    &format!("unknown key {key} in {what}"),
                    format!("`{key}` is not a key demarc knows in {what}; it is not imported"),
                );
            }
        }
    }

    /// The `role-id`s of a `responsible-roles` array.
    pub fn roles(&mut self, obj: &Map<String, Value>, pointer: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (p, r) in self.array(obj, "responsible-roles", pointer) {
            if let Some(o) = self.object(r, &p, "a responsible role")
                && let Some(id) = self.required(o, "role-id", &p, "a responsible role")
            {
                out.push(id);
            }
        }
        out
    }
}

/// A prop read loosely: name, value, namespace, remarks.
pub(crate) struct PropRef {
    pub name: String,
    pub value: String,
    pub ns: Option<String>,
    pub remarks: Option<String>,
    pub pointer: String,
}

pub(crate) fn props(cx: &mut Cx<'_>, obj: &Map<String, Value>, pointer: &str) -> Vec<PropRef> {
    let mut out = Vec::new();
    for (p, v) in cx.array(obj, "props", pointer) {
        let Some(o) = cx.object(v, &p, "a property") else {
            continue;
        };
        let (Some(name), Some(value)) = (
            cx.required(o, "name", &p, "a property"),
            cx.required(o, "value", &p, "a property"),
        ) else {
            continue;
        };
        out.push(PropRef {
            name,
            value,
            ns: cx.string(o, "ns", &p),
            remarks: cx.string(o, "remarks", &p),
            pointer: p,
        });
    }
    out
}

/// Whether a prop's namespace is OSCAL's own (none written) or FedRAMP's.
fn oscal_or_fedramp(ns: Option<&str>) -> bool {
    matches!(
        ns,
        None | Some("http://csrc.nist.gov/ns/oscal") | Some(FEDRAMP_NS)
    )
}

/// Props demarc reads on requirements, statements and by-components: origination and
/// status are returned; other names are noted once per document.
fn control_props(
    cx: &mut Cx<'_>,
    obj: &Map<String, Value>,
    pointer: &str,
    origination: &mut Vec<String>,
) -> Option<ImplStatus> {
    let mut status = None;
    for p in props(cx, obj, pointer) {
        if !oscal_or_fedramp(p.ns.as_deref()) {
            cx.note_keyed(
                &p.pointer,
                &format!("prop {} {:?}", p.name, p.ns),
                format!(
                    "prop `{}` in namespace {} is not imported",
                    p.name,
                    p.ns.as_deref().unwrap_or("")
                ),
            );
            continue;
        }
        match p.name.as_str() {
            "control-origination" => origination.push(p.value),
            "implementation-status" => {
                status = Some(ImplStatus {
                    state: p.value,
                    remarks: p.remarks,
                })
            }
            other => cx.note_keyed(
                &p.pointer,
                &format!("prop {other}"),
                format!("prop `{other}` is not imported (demarc reads control-origination and implementation-status here)"),
            ),
        }
    }
    status
}

// ---------------------------------------------------------------------------------------------
// Reading an SSP

const SSP_KEYS: &[&str] = &[
    "uuid",
    "metadata",
    "import-profile",
    "system-characteristics",
    "system-implementation",
    "control-implementation",
    "back-matter",
];
const SR_KEYS: &[&str] = &[
    "uuid",
    "metadata",
    "components",
    "control-implementation",
    "back-matter",
    "source-ssp",
];
const REQ_KEYS: &[&str] = &[
    "uuid",
    "control-id",
    "props",
    "links",
    "set-parameters",
    "responsible-roles",
    "statements",
    "by-components",
    "remarks",
];
const STMT_KEYS: &[&str] = &[
    "statement-id",
    "uuid",
    "props",
    "links",
    "responsible-roles",
    "by-components",
    "remarks",
];
const BYC_KEYS: &[&str] = &[
    "component-uuid",
    "uuid",
    "description",
    "props",
    "links",
    "set-parameters",
    "implementation-status",
    "export",
    "inherited",
    "satisfied",
    "responsible-roles",
    "remarks",
];
/// Keys of the prototype by-component that released OSCAL keeps under `export`.
const PROTOTYPE_BYC_KEYS: &[&str] = &["provided", "responsibilities"];
const EXPORT_KEYS: &[&str] = &[
    "description",
    "props",
    "links",
    "provided",
    "responsibilities",
    "remarks",
];
const ENTRY_KEYS: &[&str] = &[
    "uuid",
    "provided-uuid",
    "responsibility-uuid",
    "description",
    "props",
    "links",
    "responsible-roles",
    "remarks",
];
const LA_KEYS: &[&str] = &[
    "uuid",
    "title",
    "props",
    "links",
    "party-uuid",
    "date-authorized",
    "remarks",
];

/// Read a system security plan or a prototype shared-responsibility document. Notes about
/// what is not understood go to `notes`; wrong types where values are needed make an error
/// listing every such place.
pub fn read(doc: &Document, notes: &mut Notes) -> Result<Ssp, OscalError> {
    if !matches!(
        doc.kind,
        Kind::SystemSecurityPlan | Kind::SharedResponsibility
    ) {
        return Err(OscalError::invalid(
            doc.file.clone(),
            "",
            format!(
                "is a {}, not a system security plan: expected the root key system-security-plan (or the prototype shared-responsibility)",
                doc.kind
            ),
        ));
    }
    let mut cx = Cx {
        file: &doc.file,
        notes,
        errors: Vec::new(),
    };
    let root_ptr = doc.root_pointer();
    let Some(root) = cx.object(doc.root(), &root_ptr, "the document") else {
        return Err(OscalError::Invalid(cx.errors));
    };
    let mut ssp = Ssp {
        file: doc.file.clone(),
        kind: Some(doc.kind),
        ..Ssp::default()
    };
    ssp.uuid = cx
        .required(root, "uuid", &root_ptr, "the document")
        .unwrap_or_default();
    read_metadata(&mut cx, root, &root_ptr, &mut ssp);

    if doc.kind == Kind::SharedResponsibility {
        ssp.prototype = true;
        cx.unknown_keys(root, &root_ptr, SR_KEYS, "a shared-responsibility document");
        // The prototype metaschema's shape: one control-implementation.
        let ci_ptr = pointer_push(&root_ptr, "control-implementation");
        if let Some(ci) = root.get("control-implementation")
            && let Some(ci) = cx.object(ci, &ci_ptr, "control-implementation")
        {
            read_requirements(&mut cx, ci, &ci_ptr, &mut ssp);
        }
        for (p, c) in cx.array(root, "components", &root_ptr) {
            let Some(c) = cx.object(c, &p, "a component") else {
                continue;
            };
            let key = if c.contains_key("control_implementations") {
                "control_implementations"
            } else {
                "control-implementations"
            };
            for (cp, ci) in cx.array(c, key, &p) {
                let Some(ci) = cx.object(ci, &cp, "a control implementation") else {
                    continue;
                };
                read_requirements(&mut cx, ci, &cp, &mut ssp);
            }
        }
    } else {
        cx.unknown_keys(root, &root_ptr, SSP_KEYS, "a system security plan");
        let sc_ptr = pointer_push(&root_ptr, "system-characteristics");
        if let Some(sc) = root.get("system-characteristics")
            && let Some(sc) = cx.object(sc, &sc_ptr, "system-characteristics")
        {
            read_system(&mut cx, sc, &sc_ptr, &mut ssp.system);
        }
        let si_ptr = pointer_push(&root_ptr, "system-implementation");
        if let Some(si) = root.get("system-implementation")
            && let Some(si) = cx.object(si, &si_ptr, "system-implementation")
        {
            read_implementation(&mut cx, si, &si_ptr, &mut ssp);
        }
        let ci_ptr = pointer_push(&root_ptr, "control-implementation");
        match root.get("control-implementation") {
            Some(ci) => {
                if let Some(ci) = cx.object(ci, &ci_ptr, "control-implementation") {
                    if ci.contains_key("set-parameters") {
                        cx.note(
                            &pointer_push(&ci_ptr, "set-parameters"),
                            "set-parameters are not imported: demarc keeps parameter values in the catalogue, not per system",
                        );
                    }
                    read_requirements(&mut cx, ci, &ci_ptr, &mut ssp);
                }
            }
            None => cx.error(&root_ptr, "the plan has no control-implementation: expected one with implemented-requirements"),
        }
    }
    let prototype_ids = !ssp.uuid.is_empty() && !is_uuid(&ssp.uuid);
    if ssp.prototype || prototype_ids {
        ssp.prototype = true;
        cx.note(
            &root_ptr,
            "written in the NIST prototype shared-responsibility dialect (provided/responsibilities directly under by-component, `exportable` flags, prefixed ids that are not UUIDs): read as the matching released OSCAL fields; it will not validate against the OSCAL schema",
        );
    }
    if cx.errors.is_empty() {
        Ok(ssp)
    } else {
        Err(OscalError::Invalid(cx.errors))
    }
}

/// Whether `s` has the shape of a UUID (any version).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn read_metadata(cx: &mut Cx<'_>, root: &Map<String, Value>, root_ptr: &str, ssp: &mut Ssp) {
    let mp = pointer_push(root_ptr, "metadata");
    let Some(m) = root.get("metadata") else {
        cx.error(
            root_ptr,
            "the document has no metadata: expected an object with title and version",
        );
        return;
    };
    let Some(m) = cx.object(m, &mp, "metadata") else {
        return;
    };
    ssp.title = cx.required(m, "title", &mp, "metadata").unwrap_or_default();
    ssp.version = cx.string(m, "version", &mp);
    for (p, r) in cx.array(m, "roles", &mp) {
        let Some(r) = cx.object(r, &p, "a role") else {
            continue;
        };
        if let Some(id) = cx.required(r, "id", &p, "a role") {
            let title = cx.string(r, "title", &p).unwrap_or_else(|| id.clone());
            ssp.roles.push(RoleDef { id, title });
        }
    }
    for (p, v) in cx.array(m, "parties", &mp) {
        let Some(o) = cx.object(v, &p, "a party") else {
            continue;
        };
        let member_of = cx
            .array(o, "member-of-organizations", &p)
            .into_iter()
            .filter_map(|(_, v)| v.as_str().map(str::to_owned))
            .collect();
        ssp.parties.push(PartyDef {
            uuid: cx.string(o, "uuid", &p),
            kind: cx.string(o, "type", &p).unwrap_or_default(),
            name: cx.string(o, "name", &p).filter(|n| !n.trim().is_empty()),
            short_name: cx.string(o, "short-name", &p),
            member_of,
            pointer: p,
        });
    }
    for (p, v) in cx.array(m, "responsible-parties", &mp) {
        let Some(o) = cx.object(v, &p, "a responsible party") else {
            continue;
        };
        let Some(role_id) = cx.required(o, "role-id", &p, "a responsible party") else {
            continue;
        };
        let party_uuids = cx
            .array(o, "party-uuids", &p)
            .into_iter()
            .filter_map(|(_, v)| v.as_str().map(str::to_owned))
            .collect();
        ssp.responsible_parties.push(RoleParties {
            role_id,
            party_uuids,
        });
    }
}

fn read_system(cx: &mut Cx<'_>, sc: &Map<String, Value>, p: &str, sys: &mut System) {
    for (ip, v) in cx.array(sc, "system-ids", p) {
        if let Some(o) = cx.object(v, &ip, "a system id")
            && let Some(id) = cx.required(o, "id", &ip, "a system id")
        {
            sys.ids.push(id);
        }
    }
    sys.name = cx.string(sc, "system-name", p);
    sys.short_name = cx.string(sc, "system-name-short", p);
    sys.description = cx
        .string(sc, "description", p)
        .filter(|d| !d.trim().is_empty() && d.trim() != crate::export::NOT_RECORDED);
    for prop in props(cx, sc, p) {
        if prop.name == "cloud-service-model" && oscal_or_fedramp(prop.ns.as_deref()) {
            sys.service_model = Some(prop.value);
        }
    }
}

fn read_implementation(cx: &mut Cx<'_>, si: &Map<String, Value>, p: &str, ssp: &mut Ssp) {
    for (up, v) in cx.array(si, "users", p) {
        let Some(o) = cx.object(v, &up, "a user") else {
            continue;
        };
        let role_ids = cx
            .array(o, "role-ids", &up)
            .into_iter()
            .filter_map(|(_, v)| v.as_str().map(str::to_owned))
            .collect();
        ssp.users.push(User {
            uuid: cx.string(o, "uuid", &up).unwrap_or_default(),
            title: cx.string(o, "title", &up),
            role_ids,
        });
    }
    for (cp, v) in cx.array(si, "components", p) {
        let Some(o) = cx.object(v, &cp, "a component") else {
            continue;
        };
        let mut c = Component {
            uuid: cx
                .required(o, "uuid", &cp, "a component")
                .unwrap_or_default(),
            kind: cx.string(o, "type", &cp).unwrap_or_default(),
            title: cx
                .string(o, "title", &cp)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            description: cx.string(o, "description", &cp),
            pointer: cp.clone(),
            ..Component::default()
        };
        for prop in props(cx, o, &cp) {
            if !oscal_or_fedramp(prop.ns.as_deref()) {
                continue;
            }
            match prop.name.as_str() {
                "leveraged-authorization-uuid" => c.leveraged_authorization = Some(prop.value),
                "inherited-uuid" => c.inherited = Some(prop.value),
                "implementation-point" => c.implementation_point = Some(prop.value),
                _ => {}
            }
        }
        ssp.components.push(c);
    }
    for (lp, v) in cx.array(si, "leveraged-authorizations", p) {
        let Some(o) = cx.object(v, &lp, "a leveraged authorization") else {
            continue;
        };
        cx.unknown_keys(o, &lp, LA_KEYS, "a leveraged authorization");
        let mut links = Vec::new();
        for (kp, l) in cx.array(o, "links", &lp) {
            let Some(l) = cx.object(l, &kp, "a link") else {
                continue;
            };
            if let Some(href) = cx.required(l, "href", &kp, "a link") {
                links.push(LinkRef {
                    href,
                    rel: cx.string(l, "rel", &kp),
                    pointer: kp,
                });
            }
        }
        ssp.leveraged.push(Leveraged {
            uuid: cx
                .required(o, "uuid", &lp, "a leveraged authorization")
                .unwrap_or_default(),
            title: cx
                .string(o, "title", &lp)
                .unwrap_or_default()
                .trim()
                .to_owned(),
            party_uuid: cx.string(o, "party-uuid", &lp),
            links,
            pointer: lp,
        });
    }
    if si.contains_key("inventory-items") {
        cx.note(
            &pointer_push(p, "inventory-items"),
            "inventory-items are not imported (demarc keeps components by title only)",
        );
    }
}

fn read_requirements(cx: &mut Cx<'_>, ci: &Map<String, Value>, p: &str, ssp: &mut Ssp) {
    for (rp, v) in cx.array(ci, "implemented-requirements", p) {
        let Some(o) = cx.object(v, &rp, "an implemented requirement") else {
            continue;
        };
        cx.unknown_keys(o, &rp, REQ_KEYS, "an implemented requirement");
        let Some(control_id) = cx.required(o, "control-id", &rp, "an implemented requirement")
        else {
            continue;
        };
        if o.contains_key("set-parameters") {
            cx.note_keyed(
                &pointer_push(&rp, "set-parameters"),
                "req set-parameters",
                "set-parameters of implemented requirements are not imported: demarc keeps parameter values in the catalogue, not per system".to_owned(),
            );
        }
        let mut req = Requirement {
            uuid: cx.string(o, "uuid", &rp).unwrap_or_default(),
            control_id,
            pointer: rp.clone(),
            remarks: cx
                .string(o, "remarks", &rp)
                .filter(|r| !r.trim().is_empty()),
            ..Requirement::default()
        };
        req.status = control_props(cx, o, &rp, &mut req.origination);
        req.roles = cx.roles(o, &rp);
        for (bp, b) in cx.array(o, "by-components", &rp) {
            if let Some(bc) = read_by_component(cx, b, &bp, ssp) {
                req.by_components.push(bc);
            }
        }
        for (sp, s) in cx.array(o, "statements", &rp) {
            let Some(so) = cx.object(s, &sp, "a statement") else {
                continue;
            };
            cx.unknown_keys(so, &sp, STMT_KEYS, "a statement");
            let Some(id) = cx.required(so, "statement-id", &sp, "a statement") else {
                continue;
            };
            let mut st = StatementImpl {
                id,
                uuid: cx.string(so, "uuid", &sp).unwrap_or_default(),
                pointer: sp.clone(),
                remarks: cx
                    .string(so, "remarks", &sp)
                    .filter(|r| !r.trim().is_empty()),
                ..StatementImpl::default()
            };
            if let Some(s) = control_props(cx, so, &sp, &mut st.origination) {
                cx.note_keyed(
                    &sp,
                    "statement status",
                    format!(
                        "an implementation-status prop on a statement ({}) is not imported: demarc records the status of the whole control",
                        s.state
                    ),
                );
            }
            if so.contains_key("responsible-roles") {
                cx.note_keyed(
                    &pointer_push(&sp, "responsible-roles"),
                    "statement roles",
                    "responsible-roles of a statement are not imported: demarc records roles on the tasks of by-components".to_owned(),
                );
            }
            for (bp, b) in cx.array(so, "by-components", &sp) {
                if let Some(bc) = read_by_component(cx, b, &bp, ssp) {
                    st.by_components.push(bc);
                }
            }
            // The same statement written twice is one statement.
            match req.statements.iter_mut().find(|x| x.id == st.id) {
                Some(first) => {
                    cx.note(&sp, format!("statement {} is written twice in this requirement; both are read as one", st.id));
                    first.by_components.extend(st.by_components);
                    first.origination.extend(st.origination);
                }
                None => req.statements.push(st),
            }
        }
        ssp.requirements.push(req);
    }
}

fn read_by_component(cx: &mut Cx<'_>, v: &Value, bp: &str, ssp: &mut Ssp) -> Option<ByComponent> {
    let o = cx.object(v, bp, "a by-component")?;
    let prototype_keys = PROTOTYPE_BYC_KEYS.iter().any(|k| o.contains_key(*k));
    if prototype_keys {
        ssp.prototype = true;
        let mut known: Vec<&str> = BYC_KEYS.to_vec();
        known.extend_from_slice(PROTOTYPE_BYC_KEYS);
        cx.unknown_keys(o, bp, &known, "a by-component");
    } else {
        cx.unknown_keys(o, bp, BYC_KEYS, "a by-component");
    }
    let component = cx.required(o, "component-uuid", bp, "a by-component")?;
    let mut bc = ByComponent {
        uuid: cx.string(o, "uuid", bp).unwrap_or_default(),
        component,
        pointer: bp.to_owned(),
        description: cx.string(o, "description", bp).unwrap_or_default(),
        remarks: cx.string(o, "remarks", bp),
        ..ByComponent::default()
    };
    let prop_status = control_props(cx, o, bp, &mut bc.origination);
    bc.roles = cx.roles(o, bp);
    let sp = pointer_push(bp, "implementation-status");
    bc.status = match o.get("implementation-status") {
        Some(s) => cx.object(s, &sp, "an implementation status").and_then(|s| {
            Some(ImplStatus {
                state: cx.required(s, "state", &sp, "an implementation status")?,
                remarks: cx.string(s, "remarks", &sp),
            })
        }),
        None => prop_status,
    };
    let ep = pointer_push(bp, "export");
    if let Some(e) = o.get("export")
        && let Some(e) = cx.object(e, &ep, "export")
    {
        cx.unknown_keys(e, &ep, EXPORT_KEYS, "export");
        bc.provided = entries(cx, e, "provided", &ep, None);
        bc.responsibilities = entries(cx, e, "responsibilities", &ep, Some("provided-uuid"));
    }
    // The prototype writes them beside the other entries.
    bc.provided.extend(entries(cx, o, "provided", bp, None));
    bc.responsibilities.extend(entries(
        cx,
        o,
        "responsibilities",
        bp,
        Some("provided-uuid"),
    ));
    bc.inherited = entries(cx, o, "inherited", bp, Some("provided-uuid"));
    bc.satisfied = entries(cx, o, "satisfied", bp, Some("responsibility-uuid"));
    Some(bc)
}

fn entries(
    cx: &mut Cx<'_>,
    obj: &Map<String, Value>,
    key: &str,
    p: &str,
    target: Option<&str>,
) -> Vec<Entry> {
    let mut out = Vec::new();
    for (ep, v) in cx.array(obj, key, p) {
        let Some(o) = cx.object(v, &ep, key) else {
            continue;
        };
        let mut known = ENTRY_KEYS.to_vec();
        if o.contains_key("exportable") || o.contains_key("implemented-by") {
            // The prototype's flags (whether an entry may be shared; which component does it).
            known.extend(["exportable", "implemented-by"]);
        }
        cx.unknown_keys(o, &ep, &known, key);
        let Some(uuid) = cx.required(o, "uuid", &ep, key) else {
            continue;
        };
        out.push(Entry {
            uuid,
            target: target.and_then(|t| cx.string(o, t, &ep)),
            description: cx.string(o, "description", &ep).unwrap_or_default(),
            roles: cx.roles(o, &ep),
            pointer: ep,
        });
    }
    out
}

impl Ssp {
    /// The component with this uuid.
    pub fn component(&self, uuid: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.uuid == uuid)
    }

    /// The party with this uuid.
    pub fn party(&self, uuid: &str) -> Option<&PartyDef> {
        self.parties
            .iter()
            .find(|p| p.uuid.as_deref() == Some(uuid))
    }

    /// The name of the organisation a party uuid stands for: the party itself when it is an
    /// organisation, else the first organisation the person belongs to.
    pub fn organisation_name(&self, uuid: &str) -> Option<String> {
        let p = self.party(uuid)?;
        if p.is_organization() {
            return p.name.clone();
        }
        p.member_of
            .iter()
            .filter_map(|m| self.party(m))
            .find(|o| o.is_organization())
            .and_then(|o| o.name.clone())
    }

    /// Every by-component, with the statement it is under (None: the whole control).
    pub fn by_components(
        &self,
    ) -> impl Iterator<Item = (&Requirement, Option<&StatementImpl>, &ByComponent)> {
        self.requirements.iter().flat_map(|r| {
            r.by_components.iter().map(move |b| (r, None, b)).chain(
                r.statements
                    .iter()
                    .flat_map(move |s| s.by_components.iter().map(move |b| (r, Some(s), b))),
            )
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Component definitions

/// A component definition, as far as demarc uses it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ComponentDefinition {
    pub file: String,
    pub uuid: String,
    pub title: String,
    pub version: Option<String>,
    pub roles: Vec<RoleDef>,
    pub parties: Vec<PartyDef>,
    pub responsible_parties: Vec<RoleParties>,
    pub components: Vec<DefinedComponent>,
}

/// A component a supplier defines, and the controls it implements.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefinedComponent {
    pub uuid: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub pointer: String,
    pub requirements: Vec<DefinedRequirement>,
}

/// An implemented requirement of a defined component.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DefinedRequirement {
    pub control_id: String,
    pub description: String,
    pub status: Option<ImplStatus>,
    pub remarks: Option<String>,
    /// `(statement-id, description)` of each statement.
    pub statements: Vec<(String, String)>,
    pub pointer: String,
}

/// Read a component definition.
pub fn read_component_definition(
    doc: &Document,
    notes: &mut Notes,
) -> Result<ComponentDefinition, OscalError> {
    if doc.kind != Kind::ComponentDefinition {
        return Err(OscalError::invalid(
            doc.file.clone(),
            "",
            format!("is a {}, not a component definition", doc.kind),
        ));
    }
    let mut cx = Cx {
        file: &doc.file,
        notes,
        errors: Vec::new(),
    };
    let root_ptr = doc.root_pointer();
    let Some(root) = cx.object(doc.root(), &root_ptr, "the document") else {
        return Err(OscalError::Invalid(cx.errors));
    };
    let mut ssp = Ssp::default();
    read_metadata(&mut cx, root, &root_ptr, &mut ssp);
    let mut cd = ComponentDefinition {
        file: doc.file.clone(),
        uuid: cx.string(root, "uuid", &root_ptr).unwrap_or_default(),
        title: ssp.title,
        version: ssp.version,
        roles: ssp.roles,
        parties: ssp.parties,
        responsible_parties: ssp.responsible_parties,
        components: Vec::new(),
    };
    if let Some(imports) = root
        .get("import-component-definitions")
        .and_then(Value::as_array)
    {
        cx.note(
            &pointer_push(&root_ptr, "import-component-definitions"),
            format!(
                "imports {} other component definitions, which are not followed: name the files themselves to import them",
                imports.len()
            ),
        );
    }
    if root.contains_key("capabilities") {
        cx.note(
            &pointer_push(&root_ptr, "capabilities"),
            "capabilities are not imported (demarc imports the components and their implemented requirements)",
        );
    }
    for (cp, v) in cx.array(root, "components", &root_ptr) {
        let Some(o) = cx.object(v, &cp, "a component") else {
            continue;
        };
        let mut comp = DefinedComponent {
            uuid: cx.string(o, "uuid", &cp).unwrap_or_default(),
            kind: cx.string(o, "type", &cp).unwrap_or_default(),
            title: cx
                .required(o, "title", &cp, "a component")
                .unwrap_or_default()
                .trim()
                .to_owned(),
            description: cx.string(o, "description", &cp),
            pointer: cp.clone(),
            requirements: Vec::new(),
        };
        for (ip, ci) in cx.array(o, "control-implementations", &cp) {
            let Some(ci) = cx.object(ci, &ip, "a control implementation") else {
                continue;
            };
            for (rp, r) in cx.array(ci, "implemented-requirements", &ip) {
                let Some(r) = cx.object(r, &rp, "an implemented requirement") else {
                    continue;
                };
                let Some(control_id) =
                    cx.required(r, "control-id", &rp, "an implemented requirement")
                else {
                    continue;
                };
                let mut origination = Vec::new();
                let status = control_props(&mut cx, r, &rp, &mut origination);
                let mut statements = Vec::new();
                for (sp, s) in cx.array(r, "statements", &rp) {
                    let Some(s) = cx.object(s, &sp, "a statement") else {
                        continue;
                    };
                    let mut ignored = Vec::new();
                    let _ = control_props(&mut cx, s, &sp, &mut ignored);
                    if let Some(id) = cx.required(s, "statement-id", &sp, "a statement") {
                        statements.push((id, cx.string(s, "description", &sp).unwrap_or_default()));
                    }
                }
                if r.contains_key("responsible-roles") {
                    cx.note_keyed(
                        &pointer_push(&rp, "responsible-roles"),
                        "cd roles",
                        "responsible-roles of a component definition's requirements are not imported".to_owned(),
                    );
                }
                comp.requirements.push(DefinedRequirement {
                    control_id,
                    description: cx.string(r, "description", &rp).unwrap_or_default(),
                    status,
                    remarks: cx.string(r, "remarks", &rp),
                    statements,
                    pointer: rp,
                });
            }
        }
        cd.components.push(comp);
    }
    if cx.errors.is_empty() {
        Ok(cd)
    } else {
        Err(OscalError::Invalid(cx.errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::from_bytes;

    #[test]
    fn reads_both_shapes_and_notes_unknown_keys() {
        let released = br#"{"system-security-plan": {"uuid": "11111111-0000-4000-9000-000000000001",
          "metadata": {"title": "T", "version": "1", "last-modified": "2024-01-01T00:00:00Z", "oscal-version": "1.2.3"},
          "control-implementation": {"description": "d", "implemented-requirements": [
            {"uuid": "11111111-0000-4000-9000-000000000002", "control-id": "ac-2",
             "props": [{"name": "control-origination", "value": "sp-system"},
                       {"name": "control-origination", "ns": "https://fedramp.gov/ns/oscal", "value": "customer-configured"}],
             "statements": [{"statement-id": "ac-2_smt.a", "uuid": "11111111-0000-4000-9000-000000000003",
               "by-components": [{"component-uuid": "c", "uuid": "11111111-0000-4000-9000-000000000004", "description": "how",
                 "frobnicate": 1,
                 "export": {"provided": [{"uuid": "p", "description": "P"}],
                            "responsibilities": [{"uuid": "r", "provided-uuid": "p", "description": "R"}]}}]}]}]}}}"#;
        let doc = from_bytes("a.json", released).unwrap();
        let mut notes = Notes::default();
        let ssp = read(&doc, &mut notes).unwrap();
        assert!(!ssp.prototype);
        let req = &ssp.requirements[0];
        assert_eq!(req.origination, ["sp-system", "customer-configured"]);
        let bc = &req.statements[0].by_components[0];
        assert_eq!(bc.provided[0].description, "P");
        assert_eq!(bc.responsibilities[0].target.as_deref(), Some("p"));
        let notes = notes.finish();
        assert!(
            notes.iter().any(|n| n.message.contains("frobnicate")
                && n.pointer == "/system-security-plan/control-implementation/implemented-requirements/0/statements/0/by-components/0/frobnicate"),
            "{notes:?}"
        );

        let proto = br#"{"system-security-plan": {"uuid": "CSP49ff16-0e12-4155-aae7-794d72bb34bd",
          "metadata": {"title": "T"},
          "control-implementation": {"implemented-requirements": [{"uuid": "x", "control-id": "ac-1",
            "statements": [{"statement-id": "ac-1", "uuid": "y", "by-components": [{"component-uuid": "c", "uuid": "z",
              "description": "DO NOT SHARE", "provided": [{"uuid": "CSPp", "description": "P", "exportable": true}],
              "satisfied": [{"uuid": "CSPs", "responsibility-uuid": "CSPr", "description": "S"}]}]}]}]}}}"#;
        let doc = from_bytes("b.json", proto).unwrap();
        let mut notes = Notes::default();
        let ssp = read(&doc, &mut notes).unwrap();
        assert!(ssp.prototype);
        let bc = &ssp.requirements[0].statements[0].by_components[0];
        assert_eq!(bc.provided[0].uuid, "CSPp");
        assert_eq!(bc.satisfied[0].target.as_deref(), Some("CSPr"));
        let notes = notes.finish();
        assert!(
            notes.iter().any(|n| n.message.contains("prototype")),
            "{notes:?}"
        );
        assert!(
            !notes.iter().any(|n| n.pointer.ends_with("/exportable")),
            "{notes:?}"
        );
    }

    #[test]
    fn wrong_types_are_errors_with_pointers() {
        let bad = br#"{"system-security-plan": {"uuid": "u", "metadata": {"title": "T"},
          "control-implementation": {"implemented-requirements": [{"uuid": "x", "control-id": 7}]}}}"#;
        let doc = from_bytes("c.json", bad).unwrap();
        let mut notes = Notes::default();
        let Err(OscalError::Invalid(problems)) = read(&doc, &mut notes) else {
            panic!("expected an error")
        };
        assert_eq!(
            problems[0].pointer,
            "/system-security-plan/control-implementation/implemented-requirements/0/control-id"
        );
        assert!(
            problems[0]
                .message
                .contains("expected `control-id` to be a string")
        );
    }

    #[test]
    fn notes_are_counted() {
        let mut n = Notes::default();
        n.add("f", "/a", "same");
        n.add("f", "/b", "same");
        n.add("g", "/c", "same");
        let out = n.finish();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].pointer, "/a");
        assert!(out[0].message.contains("2 places"));
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("11111111-0000-4000-9000-100000000001"));
        assert!(!is_uuid("CSP8e9a1b-bb89-4f12-b737-d80ac9d1aeed"));
    }
}
