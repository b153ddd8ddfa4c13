//! OSCAL catalogs: read into typed values, turned into a demarc responsibility catalogue, and
//! written back as an OSCAL catalog document (which is how a resolved profile is written).
//!
//! Reading keeps everything the catalog model defines for groups, controls, parts, parameters,
//! properties and links, so a catalog read and written again says the same thing. Metadata
//! and back-matter resources are kept as they were read (typed only where demarc uses them:
//! title, version, resource uuids and rlinks). A key the OSCAL 1.2.3 catalog model does not
//! define is reported as a note and left out; it is never silently dropped.
//!
//! The catalogue mapping:
//! - one area per group that directly holds controls (id = group id), plus an area
//!   `controls` for controls outside any group;
//! - one responsibility per control and per enhancement (nested control), in document order,
//!   leaving out withdrawn ones (prop `status` = `withdrawn`; [`read`] notes how many);
//! - title `"<label> <title>"` (the label prop without a class, else the first label prop);
//! - description: the statement with every `{{ insert: param, id }}` rendered the way NIST
//!   prints it (set values; else `[Assignment: organization-defined <label>]` or
//!   `[Selection (one or more): a; b]`), items on their own lines;
//! - statements: every statement item part, `{id, "<label> <text>"}`.

use std::collections::{BTreeMap, HashMap, HashSet};

use demarc_core::model::{Area, Catalogue, CatalogueInfo, Layer, Responsibility, Statement};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::document::{Document, Kind, json_type};
use crate::error::{OscalError, Problem, pointer_push};

/// The OSCAL version demarc writes (and validates against).
pub const OSCAL_VERSION: &str = "1.2.3";

/// An OSCAL catalog, or the catalog a profile resolves to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Catalog {
    /// The file it was read from (for a resolved profile: the profile's file).
    pub file: String,
    pub uuid: String,
    pub metadata: Metadata,
    /// Parameters outside any control ("loose" parameters).
    pub params: Vec<Param>,
    /// Controls outside any group.
    pub controls: Vec<Control>,
    pub groups: Vec<Group>,
    pub back_matter: Vec<Resource>,
}

/// Document metadata: the fields demarc uses, and the whole object as read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metadata {
    pub title: String,
    pub version: Option<String>,
    pub oscal_version: Option<String>,
    /// The metadata object as it was read; written back as it is (with `oscal-version` set to
    /// the version demarc writes).
    pub value: Value,
}

/// A back-matter resource: uuid, title and rlinks typed; the object kept as it was read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resource {
    pub uuid: String,
    pub title: Option<String>,
    pub rlinks: Vec<String>,
    pub value: Value,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    pub id: Option<String>,
    pub class: Option<String>,
    pub title: String,
    pub params: Vec<Param>,
    pub props: Vec<Prop>,
    pub links: Vec<Link>,
    pub parts: Vec<Part>,
    pub groups: Vec<Group>,
    pub controls: Vec<Control>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Control {
    pub id: String,
    pub class: Option<String>,
    pub title: String,
    pub params: Vec<Param>,
    pub props: Vec<Prop>,
    pub links: Vec<Link>,
    pub parts: Vec<Part>,
    /// Enhancements (nested controls).
    pub controls: Vec<Control>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Part {
    pub id: Option<String>,
    pub name: String,
    pub ns: Option<String>,
    pub class: Option<String>,
    pub title: Option<String>,
    pub props: Vec<Prop>,
    pub prose: Option<String>,
    pub parts: Vec<Part>,
    pub links: Vec<Link>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Param {
    pub id: String,
    pub class: Option<String>,
    /// Deprecated in OSCAL but still in the 1.2.3 schema; kept as read.
    pub depends_on: Option<String>,
    pub props: Vec<Prop>,
    pub links: Vec<Link>,
    pub label: Option<String>,
    pub usage: Option<String>,
    pub constraints: Vec<Constraint>,
    /// The prose of each guideline.
    pub guidelines: Vec<String>,
    pub values: Vec<String>,
    pub select: Option<Select>,
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Constraint {
    pub description: Option<String>,
    pub tests: Vec<ConstraintTest>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConstraintTest {
    pub expression: String,
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Select {
    pub how_many: Option<HowMany>,
    pub choices: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HowMany {
    One,
    OneOrMore,
}

impl HowMany {
    pub fn as_str(self) -> &'static str {
        match self {
            HowMany::One => "one",
            HowMany::OneOrMore => "one-or-more",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prop {
    pub name: String,
    pub value: String,
    pub ns: Option<String>,
    pub class: Option<String>,
    pub uuid: Option<String>,
    pub group: Option<String>,
    pub remarks: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    pub href: String,
    pub rel: Option<String>,
    pub media_type: Option<String>,
    pub resource_fragment: Option<String>,
    pub text: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Walking

impl Catalog {
    /// Every control and enhancement, depth first in document order (loose controls first,
    /// then the groups', as the catalog model lists them).
    pub fn all_controls(&self) -> Vec<&Control> {
        let mut out = Vec::new();
        for c in &self.controls {
            c.collect(&mut out);
        }
        for g in &self.groups {
            g.collect_controls(&mut out);
        }
        out
    }

    /// How many controls (at any depth) carry `status` = `withdrawn`.
    pub fn withdrawn_count(&self) -> usize {
        self.all_controls()
            .iter()
            .filter(|c| c.is_withdrawn())
            .count()
    }
}

impl Group {
    fn collect_controls<'a>(&'a self, out: &mut Vec<&'a Control>) {
        for c in &self.controls {
            c.collect(out);
        }
        for g in &self.groups {
            g.collect_controls(out);
        }
    }
}

impl Control {
    fn collect<'a>(&'a self, out: &mut Vec<&'a Control>) {
        out.push(self);
        for c in &self.controls {
            c.collect(out);
        }
    }

    /// Whether a `status` prop (in the OSCAL namespace) says `withdrawn`.
    pub fn is_withdrawn(&self) -> bool {
        self.props
            .iter()
            .any(|p| p.name == "status" && p.value == "withdrawn" && is_oscal_ns(p.ns.as_deref()))
    }

    /// The label to show: the `label` prop without a class, else the first `label` prop.
    pub fn label(&self) -> Option<&str> {
        let labels = || {
            self.props
                .iter()
                .filter(|p| p.name == "label" && is_oscal_ns(p.ns.as_deref()))
        };
        labels()
            .find(|p| p.class.is_none())
            .or_else(|| labels().next())
            .map(|p| p.value.as_str())
    }
}

impl Part {
    /// The `label` prop's value (`a.`, `1.`, `(a)`).
    pub fn label(&self) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.name == "label" && is_oscal_ns(p.ns.as_deref()))
            .map(|p| p.value.as_str())
    }
}

fn is_oscal_ns(ns: Option<&str>) -> bool {
    matches!(ns, None | Some("http://csrc.nist.gov/ns/oscal"))
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Read a catalog document. Content that is not understood (keys the OSCAL catalog model does
/// not define) goes to `notes`, as does the number of withdrawn controls the catalogue will
/// leave out; content that cannot be used (a control without an id, a title that is not a
/// string, duplicate control ids) makes it an error listing every such place.
pub fn read(doc: &Document, notes: &mut Vec<Problem>) -> Result<Catalog, OscalError> {
    let cat = read_content(doc, notes)?;
    notes.extend(withdrawn_note(&cat, &doc.root_pointer()));
    Ok(cat)
}

/// [`read`] without the note on withdrawn controls (a catalog read as the source of a
/// profile: what matters there is what the profile selects).
pub(crate) fn read_content(
    doc: &Document,
    notes: &mut Vec<Problem>,
) -> Result<Catalog, OscalError> {
    if doc.kind != Kind::Catalog {
        return Err(OscalError::invalid(
            doc.file.clone(),
            "",
            format!(
                "expected an OSCAL catalog (root key \"catalog\"), found a {}",
                doc.kind
            ),
        ));
    }
    let mut r = Reader::new(&doc.file, notes);
    let root = Loc::root(Kind::Catalog.root_key());
    let cat = r.catalog(doc.root(), &root);
    if !r.errors.is_empty() {
        let mut errors = r.errors;
        errors.sort();
        return Err(OscalError::Invalid(errors));
    }
    let cat = cat.unwrap_or_default();
    check_unique_ids(&cat, &doc.file)?;
    Ok(cat)
}

/// Read a JSON catalog document's bytes straight into a [`Catalog`] when it reads without a
/// note or an error (what [`read_content`] would give, without the JSON value of the whole
/// document in between); `None` otherwise, and then [`read`] says why. `file` names it.
pub fn read_json(file: &str, bytes: &[u8]) -> Option<Catalog> {
    crate::catalog_json::read(file, bytes)
}

/// The note saying how many controls [`to_catalogue`] will leave out as withdrawn, if any.
pub fn withdrawn_note(cat: &Catalog, pointer: &str) -> Option<Problem> {
    let withdrawn = cat.withdrawn_count();
    (withdrawn > 0).then(|| {
        Problem::new(
            cat.file.clone(),
            pointer,
            format!(
                "{withdrawn} controls are withdrawn (prop status = withdrawn); they stay in the catalog but are left out of the responsibility catalogue"
            ),
        )
    })
}

/// Control ids must be unique (everything else indexes by them).
pub(crate) fn check_unique_ids(cat: &Catalog, file: &str) -> Result<(), OscalError> {
    let mut seen = HashSet::new();
    let mut errors = Vec::new();
    for c in cat.all_controls() {
        if !seen.insert(c.id.as_str()) {
            errors.push(Problem::new(
                file,
                "/catalog",
                format!("control id {:?} is used more than once: expected every control id to be unique", c.id),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(OscalError::Invalid(errors))
    }
}

/// Where a value sits, as a chain of segments rendered into a JSON pointer only when a
/// problem is reported (so reading a large catalog builds no pointer strings).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Loc<'a> {
    parent: Option<&'a Loc<'a>>,
    seg: Seg<'a>,
}

#[derive(Clone, Copy, Debug)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

impl<'a> Loc<'a> {
    pub(crate) fn root(key: &'a str) -> Loc<'a> {
        Loc {
            parent: None,
            seg: Seg::Key(key),
        }
    }

    pub(crate) fn key(&'a self, key: &'a str) -> Loc<'a> {
        Loc {
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }

    pub(crate) fn index(&'a self, i: usize) -> Loc<'a> {
        Loc {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    pub(crate) fn pointer(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(l) = at {
            segs.push(l.seg);
            at = l.parent;
        }
        let mut out = String::new();
        for s in segs.iter().rev() {
            out = match s {
                Seg::Key(k) => pointer_push(&out, k),
                Seg::Index(i) => pointer_push(&out, &i.to_string()),
            };
        }
        out
    }
}

/// Reads typed catalog content from JSON values, collecting notes and errors.
#[derive(Debug)]
pub(crate) struct Reader<'n> {
    pub(crate) file: &'n str,
    pub(crate) notes: &'n mut Vec<Problem>,
    pub(crate) errors: Vec<Problem>,
}

const CATALOG_KEYS: &[&str] = &[
    "uuid",
    "metadata",
    "params",
    "controls",
    "groups",
    "back-matter",
];
const PARAM_KEYS: &[&str] = &[
    "id",
    "class",
    "depends-on",
    "props",
    "links",
    "label",
    "usage",
    "constraints",
    "guidelines",
    "values",
    "select",
    "remarks",
];

/// The hrefs of a back-matter resource's rlinks (those that have one).
pub(crate) fn rlink_hrefs(resource: &Map<String, Value>) -> Vec<String> {
    resource
        .get("rlinks")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("href").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl<'n> Reader<'n> {
    pub(crate) fn new(file: &'n str, notes: &'n mut Vec<Problem>) -> Reader<'n> {
        Reader {
            file,
            notes,
            errors: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, loc: &Loc, message: impl Into<String>) {
        self.errors
            .push(Problem::new(self.file, loc.pointer(), message));
    }

    pub(crate) fn note(&mut self, loc: &Loc, message: impl Into<String>) {
        self.notes
            .push(Problem::new(self.file, loc.pointer(), message));
    }

    pub(crate) fn object<'v>(
        &mut self,
        v: &'v Value,
        loc: &Loc,
        what: &str,
    ) -> Option<&'v Map<String, Value>> {
        match v.as_object() {
            Some(m) => Some(m),
            None => {
                self.error(
                    loc,
                    format!("expected {what} (a JSON object), found {}", json_type(v)),
                );
                None
            }
        }
    }

    /// A string field: `None` when absent; an error when present but not a string.
    pub(crate) fn string(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        loc: &Loc,
    ) -> Option<String> {
        match m.get(key)? {
            Value::String(s) => Some(s.clone()),
            other => {
                let l = loc.key(key);
                self.error(&l, format!("expected a string, found {}", json_type(other)));
                None
            }
        }
    }

    /// A string field that must be there.
    pub(crate) fn required(
        &mut self,
        m: &Map<String, Value>,
        key: &str,
        loc: &Loc,
        what: &str,
    ) -> Option<String> {
        if !m.contains_key(key) {
            self.error(
                loc,
                format!("{what} has no {key:?}: expected one (a string)"),
            );
            return None;
        }
        self.string(m, key, loc)
    }

    /// An array field: empty when absent; an error (and empty) when not an array.
    pub(crate) fn array<'v>(
        &mut self,
        m: &'v Map<String, Value>,
        key: &str,
        loc: &Loc,
    ) -> &'v [Value] {
        match m.get(key) {
            None => &[],
            Some(Value::Array(a)) => a,
            Some(other) => {
                let l = loc.key(key);
                self.error(&l, format!("expected an array, found {}", json_type(other)));
                &[]
            }
        }
    }

    /// Note every key not in `known` (content the model does not define, left out).
    pub(crate) fn unknown_keys(
        &mut self,
        m: &Map<String, Value>,
        known: &[&str],
        loc: &Loc,
        what: &str,
    ) {
        for key in m.keys() {
            if !known.contains(&key.as_str()) {
                let l = loc.key(key);
                self.note(
                    &l,
                    format!("{what} has a key {key:?} that the OSCAL {OSCAL_VERSION} model does not define; it is left out"),
                );
            }
        }
    }

    fn catalog(&mut self, v: &Value, loc: &Loc) -> Option<Catalog> {
        let m = self.object(v, loc, "a catalog")?;
        self.unknown_keys(m, CATALOG_KEYS, loc, "the catalog");
        let uuid = self
            .required(m, "uuid", loc, "the catalog")
            .unwrap_or_default();
        let metadata = self.metadata(m.get("metadata"), &loc.key("metadata"));
        let params = self.params(m, loc);
        let controls = self.controls(m, loc);
        let groups = self.groups(m, loc);
        let back_matter = self.back_matter(m.get("back-matter"), &loc.key("back-matter"));
        Some(Catalog {
            file: self.file.to_owned(),
            uuid,
            metadata,
            params,
            controls,
            groups,
            back_matter,
        })
    }

    pub(crate) fn metadata(&mut self, v: Option<&Value>, loc: &Loc) -> Metadata {
        let Some(v) = v else {
            self.error(
                loc,
                "the document has no metadata: expected an object with at least a title",
            );
            return Metadata::default();
        };
        let Some(m) = self.object(v, loc, "metadata") else {
            return Metadata::default();
        };
        let title = self
            .required(m, "title", loc, "metadata")
            .unwrap_or_default();
        Metadata {
            title,
            version: self.string(m, "version", loc),
            oscal_version: self.string(m, "oscal-version", loc),
            value: v.clone(),
        }
    }

    pub(crate) fn back_matter(&mut self, v: Option<&Value>, loc: &Loc) -> Vec<Resource> {
        let Some(v) = v else { return Vec::new() };
        let Some(m) = self.object(v, loc, "back-matter") else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let rl = loc.key("resources");
        for (i, r) in self.array(m, "resources", loc).iter().enumerate() {
            let l = rl.index(i);
            let Some(rm) = self.object(r, &l, "a back-matter resource") else {
                continue;
            };
            let Some(uuid) = self.required(rm, "uuid", &l, "a back-matter resource") else {
                continue;
            };
            let title = self.string(rm, "title", &l);
            let rlinks = rlink_hrefs(rm);
            out.push(Resource {
                uuid,
                title,
                rlinks,
                value: r.clone(),
            });
        }
        out
    }

    /// A string value (at `loc`): an error when it is not one.
    fn str_of(&mut self, v: &Value, loc: &Loc) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(
                    loc,
                    format!("expected a string, found {}", json_type(other)),
                );
                None
            }
        }
    }

    /// The items of an array value (at `loc`), each read by `f`; an error when it is not an
    /// array.
    fn list<T>(
        &mut self,
        v: &Value,
        loc: &Loc,
        f: fn(&mut Self, &Value, &Loc) -> Option<T>,
    ) -> Vec<T> {
        let Value::Array(items) = v else {
            self.error(loc, format!("expected an array, found {}", json_type(v)));
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(x) = f(self, item, &loc.index(i)) {
                out.push(x);
            }
        }
        out
    }

    fn unknown(&mut self, loc: &Loc, key: &str, what: &str) {
        self.note(
            loc,
            format!("{what} has a key {key:?} that the OSCAL {OSCAL_VERSION} model does not define; it is left out"),
        );
    }

    fn missing(&mut self, m: &Map<String, Value>, key: &str, loc: &Loc, what: &str) {
        if !m.contains_key(key) {
            self.error(
                loc,
                format!("{what} has no {key:?}: expected one (a string)"),
            );
        }
    }

    pub(crate) fn groups(&mut self, m: &Map<String, Value>, loc: &Loc) -> Vec<Group> {
        match m.get("groups") {
            Some(v) => self.list(v, &loc.key("groups"), Self::group),
            None => Vec::new(),
        }
    }

    fn group(&mut self, v: &Value, loc: &Loc) -> Option<Group> {
        let m = self.object(v, loc, "a group")?;
        let mut g = Group::default();
        let mut title = None;
        for (k, x) in m {
            let l = loc.key(k);
            match k.as_str() {
                "id" => g.id = self.str_of(x, &l),
                "class" => g.class = self.str_of(x, &l),
                "title" => title = self.str_of(x, &l),
                "params" => g.params = self.list(x, &l, Self::param),
                "props" => g.props = self.list(x, &l, Self::prop),
                "links" => g.links = self.list(x, &l, Self::link),
                "parts" => g.parts = self.list(x, &l, Self::part),
                "groups" => g.groups = self.list(x, &l, Self::group),
                "controls" => g.controls = self.list(x, &l, Self::control),
                _ => self.unknown(&l, k, "a group"),
            }
        }
        self.missing(m, "title", loc, "a group");
        g.title = title?;
        Some(g)
    }

    pub(crate) fn controls(&mut self, m: &Map<String, Value>, loc: &Loc) -> Vec<Control> {
        match m.get("controls") {
            Some(v) => self.list(v, &loc.key("controls"), Self::control),
            None => Vec::new(),
        }
    }

    fn control(&mut self, v: &Value, loc: &Loc) -> Option<Control> {
        let m = self.object(v, loc, "a control")?;
        let mut c = Control::default();
        let (mut id, mut title) = (None, None);
        for (k, x) in m {
            let l = loc.key(k);
            match k.as_str() {
                "id" => id = self.str_of(x, &l),
                "class" => c.class = self.str_of(x, &l),
                "title" => title = self.str_of(x, &l),
                "params" => c.params = self.list(x, &l, Self::param),
                "props" => c.props = self.list(x, &l, Self::prop),
                "links" => c.links = self.list(x, &l, Self::link),
                "parts" => c.parts = self.list(x, &l, Self::part),
                "controls" => c.controls = self.list(x, &l, Self::control),
                _ => self.unknown(&l, k, "a control"),
            }
        }
        self.missing(m, "id", loc, "a control");
        self.missing(m, "title", loc, "a control");
        c.id = id?;
        c.title = title?;
        Some(c)
    }

    pub(crate) fn parts(&mut self, m: &Map<String, Value>, loc: &Loc) -> Vec<Part> {
        match m.get("parts") {
            Some(v) => self.list(v, &loc.key("parts"), Self::part),
            None => Vec::new(),
        }
    }

    fn part(&mut self, v: &Value, loc: &Loc) -> Option<Part> {
        let m = self.object(v, loc, "a part")?;
        let mut p = Part::default();
        let mut name = None;
        for (k, x) in m {
            let l = loc.key(k);
            match k.as_str() {
                "id" => p.id = self.str_of(x, &l),
                "name" => name = self.str_of(x, &l),
                "ns" => p.ns = self.str_of(x, &l),
                "class" => p.class = self.str_of(x, &l),
                "title" => p.title = self.str_of(x, &l),
                "props" => p.props = self.list(x, &l, Self::prop),
                "prose" => p.prose = self.str_of(x, &l),
                "parts" => p.parts = self.list(x, &l, Self::part),
                "links" => p.links = self.list(x, &l, Self::link),
                _ => self.unknown(&l, k, "a part"),
            }
        }
        self.missing(m, "name", loc, "a part");
        p.name = name?;
        Some(p)
    }

    pub(crate) fn params(&mut self, m: &Map<String, Value>, loc: &Loc) -> Vec<Param> {
        match m.get("params") {
            Some(v) => self.list(v, &loc.key("params"), Self::param),
            None => Vec::new(),
        }
    }

    fn param(&mut self, v: &Value, loc: &Loc) -> Option<Param> {
        let m = self.object(v, loc, "a parameter")?;
        self.unknown_keys(m, PARAM_KEYS, loc, "a parameter");
        let id = self.required(m, "id", loc, "a parameter")?;
        let mut p = Param {
            id,
            class: self.string(m, "class", loc),
            depends_on: self.string(m, "depends-on", loc),
            props: self.props(m, loc),
            links: self.links(m, loc),
            label: self.string(m, "label", loc),
            usage: self.string(m, "usage", loc),
            remarks: self.string(m, "remarks", loc),
            ..Param::default()
        };
        self.param_body(
            m,
            loc,
            &mut p.constraints,
            &mut p.guidelines,
            &mut p.values,
            &mut p.select,
        );
        Some(p)
    }

    /// The parts of a parameter a profile's set-parameter shares with it.
    pub(crate) fn param_body(
        &mut self,
        m: &Map<String, Value>,
        loc: &Loc,
        constraints: &mut Vec<Constraint>,
        guidelines: &mut Vec<String>,
        values: &mut Vec<String>,
        select: &mut Option<Select>,
    ) {
        let cl = loc.key("constraints");
        for (i, c) in self.array(m, "constraints", loc).iter().enumerate() {
            let l = cl.index(i);
            let Some(cm) = self.object(c, &l, "a parameter constraint") else {
                continue;
            };
            self.unknown_keys(cm, &["description", "tests"], &l, "a parameter constraint");
            let mut tests = Vec::new();
            let tl = l.key("tests");
            for (j, t) in self.array(cm, "tests", &l).iter().enumerate() {
                let tloc = tl.index(j);
                let Some(tm) = self.object(t, &tloc, "a constraint test") else {
                    continue;
                };
                self.unknown_keys(tm, &["expression", "remarks"], &tloc, "a constraint test");
                if let Some(expression) =
                    self.required(tm, "expression", &tloc, "a constraint test")
                {
                    tests.push(ConstraintTest {
                        expression,
                        remarks: self.string(tm, "remarks", &tloc),
                    });
                }
            }
            constraints.push(Constraint {
                description: self.string(cm, "description", &l),
                tests,
            });
        }
        let gl = loc.key("guidelines");
        for (i, g) in self.array(m, "guidelines", loc).iter().enumerate() {
            let l = gl.index(i);
            let Some(gm) = self.object(g, &l, "a parameter guideline") else {
                continue;
            };
            self.unknown_keys(gm, &["prose"], &l, "a parameter guideline");
            if let Some(prose) = self.required(gm, "prose", &l, "a parameter guideline") {
                guidelines.push(prose);
            }
        }
        let vl = loc.key("values");
        for (i, v) in self.array(m, "values", loc).iter().enumerate() {
            match v {
                Value::String(s) => values.push(s.clone()),
                other => {
                    let l = vl.index(i);
                    self.error(
                        &l,
                        format!(
                            "expected a parameter value (a string), found {}",
                            json_type(other)
                        ),
                    );
                }
            }
        }
        if let Some(s) = m.get("select") {
            let l = loc.key("select");
            if let Some(sm) = self.object(s, &l, "a parameter selection") {
                self.unknown_keys(sm, &["how-many", "choice"], &l, "a parameter selection");
                let how_many = match self.string(sm, "how-many", &l).as_deref() {
                    None => None,
                    Some("one") => Some(HowMany::One),
                    Some("one-or-more") => Some(HowMany::OneOrMore),
                    Some(other) => {
                        let hl = l.key("how-many");
                        self.error(
                            &hl,
                            format!("how-many is {other:?}: expected \"one\" or \"one-or-more\""),
                        );
                        None
                    }
                };
                let mut choices = Vec::new();
                let chl = l.key("choice");
                for (i, c) in self.array(sm, "choice", &l).iter().enumerate() {
                    match c {
                        Value::String(s) => choices.push(s.clone()),
                        other => {
                            let cloc = chl.index(i);
                            self.error(
                                &cloc,
                                format!("expected a choice (a string), found {}", json_type(other)),
                            );
                        }
                    }
                }
                *select = Some(Select { how_many, choices });
            }
        }
    }

    pub(crate) fn props(&mut self, m: &Map<String, Value>, loc: &Loc) -> Vec<Prop> {
        match m.get("props") {
            Some(v) => self.list(v, &loc.key("props"), Self::prop),
            None => Vec::new(),
        }
    }

    fn prop(&mut self, v: &Value, loc: &Loc) -> Option<Prop> {
        let m = self.object(v, loc, "a property")?;
        let mut p = Prop::default();
        let (mut name, mut value) = (None, None);
        for (k, x) in m {
            let l = loc.key(k);
            match k.as_str() {
                "name" => name = self.str_of(x, &l),
                "value" => value = self.str_of(x, &l),
                "ns" => p.ns = self.str_of(x, &l),
                "class" => p.class = self.str_of(x, &l),
                "uuid" => p.uuid = self.str_of(x, &l),
                "group" => p.group = self.str_of(x, &l),
                "remarks" => p.remarks = self.str_of(x, &l),
                _ => self.unknown(&l, k, "a property"),
            }
        }
        self.missing(m, "name", loc, "a property");
        self.missing(m, "value", loc, "a property");
        p.name = name?;
        p.value = value?;
        Some(p)
    }

    pub(crate) fn links(&mut self, m: &Map<String, Value>, loc: &Loc) -> Vec<Link> {
        match m.get("links") {
            Some(v) => self.list(v, &loc.key("links"), Self::link),
            None => Vec::new(),
        }
    }

    fn link(&mut self, v: &Value, loc: &Loc) -> Option<Link> {
        let m = self.object(v, loc, "a link")?;
        let mut link = Link::default();
        let mut href = None;
        for (k, x) in m {
            let l = loc.key(k);
            match k.as_str() {
                "href" => href = self.str_of(x, &l),
                "rel" => link.rel = self.str_of(x, &l),
                "media-type" => link.media_type = self.str_of(x, &l),
                "resource-fragment" => link.resource_fragment = self.str_of(x, &l),
                "text" => link.text = self.str_of(x, &l),
                _ => self.unknown(&l, k, "a link"),
            }
        }
        self.missing(m, "href", loc, "a link");
        link.href = href?;
        Some(link)
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

/// The catalog as an OSCAL catalog document `{"catalog": {...}}`: no empty arrays, no keys
/// the schema does not define, `oscal-version` set to [`OSCAL_VERSION`].
pub fn to_json(cat: &Catalog) -> Value {
    to_value(&CatalogDocument(cat))
}

/// A value serialized to JSON; the catalog's types serialize only to maps, strings and arrays
/// of them, which never fails.
fn to_value(v: &impl Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The catalog as an OSCAL catalog document, serialized as it is written (keys in the order
/// a JSON value holds them, so writing it straight gives the bytes [`to_json`]'s value gives).
#[derive(Debug, Clone, Copy)]
pub struct CatalogDocument<'a>(pub &'a Catalog);

impl Serialize for CatalogDocument<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut root = s.serialize_map(Some(1))?;
        root.serialize_entry("catalog", &CatalogBody(self.0))?;
        root.end()
    }
}

struct CatalogBody<'a>(&'a Catalog);

impl Serialize for CatalogBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cat = self.0;
        let mut m = s.serialize_map(None)?;
        if !cat.back_matter.is_empty() {
            m.serialize_entry("back-matter", &BackMatter(&cat.back_matter))?;
        }
        list(&mut m, "controls", &cat.controls)?;
        list(&mut m, "groups", &cat.groups)?;
        m.serialize_entry("metadata", &metadata_json(&cat.metadata))?;
        list(&mut m, "params", &cat.params)?;
        m.serialize_entry("uuid", &cat.uuid)?;
        m.end()
    }
}

struct BackMatter<'a>(&'a [Resource]);

impl Serialize for BackMatter<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        let resources: Vec<&Value> = self.0.iter().map(|r| &r.value).collect();
        m.serialize_entry("resources", &resources)?;
        m.end()
    }
}

fn metadata_json(m: &Metadata) -> Value {
    let mut v = match &m.value {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    v.insert("title".into(), Value::String(m.title.clone()));
    match &m.version {
        Some(ver) => {
            v.insert("version".into(), Value::String(ver.clone()));
        }
        None => {
            v.remove("version");
        }
    }
    v.insert(
        "oscal-version".into(),
        Value::String(OSCAL_VERSION.to_owned()),
    );
    Value::Object(v)
}

/// An entry for a string, left out when there is none.
fn opt<M: SerializeMap>(m: &mut M, key: &str, v: &Option<String>) -> Result<(), M::Error> {
    match v {
        Some(s) => m.serialize_entry(key, s),
        None => Ok(()),
    }
}

/// An entry for a list, left out when it is empty (OSCAL arrays have at least one item).
fn list<M: SerializeMap, T: Serialize>(m: &mut M, key: &str, items: &[T]) -> Result<(), M::Error> {
    if items.is_empty() {
        Ok(())
    } else {
        m.serialize_entry(key, items)
    }
}

// Each type writes its keys in sorted order, as a JSON value's map holds them.

impl Serialize for Group {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        opt(&mut m, "class", &self.class)?;
        list(&mut m, "controls", &self.controls)?;
        list(&mut m, "groups", &self.groups)?;
        opt(&mut m, "id", &self.id)?;
        list(&mut m, "links", &self.links)?;
        list(&mut m, "params", &self.params)?;
        list(&mut m, "parts", &self.parts)?;
        list(&mut m, "props", &self.props)?;
        m.serialize_entry("title", &self.title)?;
        m.end()
    }
}

impl Serialize for Control {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        opt(&mut m, "class", &self.class)?;
        list(&mut m, "controls", &self.controls)?;
        m.serialize_entry("id", &self.id)?;
        list(&mut m, "links", &self.links)?;
        list(&mut m, "params", &self.params)?;
        list(&mut m, "parts", &self.parts)?;
        list(&mut m, "props", &self.props)?;
        m.serialize_entry("title", &self.title)?;
        m.end()
    }
}

/// One control as OSCAL JSON (what [`to_json`] writes for it).
pub fn control_json(c: &Control) -> Value {
    to_value(c)
}

impl Serialize for Part {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        opt(&mut m, "class", &self.class)?;
        opt(&mut m, "id", &self.id)?;
        list(&mut m, "links", &self.links)?;
        m.serialize_entry("name", &self.name)?;
        opt(&mut m, "ns", &self.ns)?;
        list(&mut m, "parts", &self.parts)?;
        list(&mut m, "props", &self.props)?;
        opt(&mut m, "prose", &self.prose)?;
        opt(&mut m, "title", &self.title)?;
        m.end()
    }
}

impl Serialize for Param {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        opt(&mut m, "class", &self.class)?;
        list(&mut m, "constraints", &self.constraints)?;
        opt(&mut m, "depends-on", &self.depends_on)?;
        if !self.guidelines.is_empty() {
            let guidelines: Vec<Guideline> = self.guidelines.iter().map(|g| Guideline(g)).collect();
            m.serialize_entry("guidelines", &guidelines)?;
        }
        m.serialize_entry("id", &self.id)?;
        opt(&mut m, "label", &self.label)?;
        list(&mut m, "links", &self.links)?;
        list(&mut m, "props", &self.props)?;
        opt(&mut m, "remarks", &self.remarks)?;
        // The schema allows values or a selection, not both: set values win (they are what a
        // profile chose among the choices).
        if self.values.is_empty()
            && let Some(select) = &self.select
        {
            m.serialize_entry("select", select)?;
        }
        opt(&mut m, "usage", &self.usage)?;
        list(&mut m, "values", &self.values)?;
        m.end()
    }
}

/// One parameter as OSCAL JSON.
pub fn param_json(p: &Param) -> Value {
    to_value(p)
}

struct Guideline<'a>(&'a str);

impl Serialize for Guideline<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("prose", self.0)?;
        m.end()
    }
}

impl Serialize for Select {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        list(&mut m, "choice", &self.choices)?;
        if let Some(h) = self.how_many {
            m.serialize_entry("how-many", h.as_str())?;
        }
        m.end()
    }
}

impl Serialize for Constraint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        opt(&mut m, "description", &self.description)?;
        list(&mut m, "tests", &self.tests)?;
        m.end()
    }
}

impl Serialize for ConstraintTest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("expression", &self.expression)?;
        opt(&mut m, "remarks", &self.remarks)?;
        m.end()
    }
}

impl Serialize for Prop {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        opt(&mut m, "class", &self.class)?;
        opt(&mut m, "group", &self.group)?;
        m.serialize_entry("name", &self.name)?;
        opt(&mut m, "ns", &self.ns)?;
        opt(&mut m, "remarks", &self.remarks)?;
        opt(&mut m, "uuid", &self.uuid)?;
        m.serialize_entry("value", &self.value)?;
        m.end()
    }
}

impl Serialize for Link {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("href", &self.href)?;
        opt(&mut m, "media-type", &self.media_type)?;
        opt(&mut m, "rel", &self.rel)?;
        opt(&mut m, "resource-fragment", &self.resource_fragment)?;
        opt(&mut m, "text", &self.text)?;
        m.end()
    }
}

// ---------------------------------------------------------------------------------------------
// Parameter insertion, as NIST renders it

/// Every parameter of the catalog (loose, group and control ones) by id; the first wins when
/// an id repeats.
pub fn param_index(cat: &Catalog) -> HashMap<&str, &Param> {
    fn group<'a>(g: &'a Group, out: &mut HashMap<&'a str, &'a Param>) {
        add(&g.params, out);
        for c in &g.controls {
            control(c, out);
        }
        for sub in &g.groups {
            group(sub, out);
        }
    }
    fn control<'a>(c: &'a Control, out: &mut HashMap<&'a str, &'a Param>) {
        add(&c.params, out);
        for sub in &c.controls {
            control(sub, out);
        }
    }
    fn add<'a>(ps: &'a [Param], out: &mut HashMap<&'a str, &'a Param>) {
        for p in ps {
            out.entry(p.id.as_str()).or_insert(p);
        }
    }
    let mut out = HashMap::new();
    add(&cat.params, &mut out);
    for c in &cat.controls {
        control(c, &mut out);
    }
    for g in &cat.groups {
        group(g, &mut out);
    }
    out
}

/// Text with every `{{ insert: param, id }}` replaced by the parameter as NIST prints it:
/// its set values (joined by `, `); else its selection, `[Selection (one or more): a; b]`
/// (choices rendered the same way, so inserts inside choices nest); else
/// `[Assignment: organization-defined <label>]` (SP 800-53 5.1.1 labels such as `frequency`
/// get the `organization-defined` NIST prints; labels that already say it, as in 5.0.1, are
/// kept); else `[Assignment: <id>]`. An insert naming an unknown parameter stays as written.
pub fn render(text: &str, params: &HashMap<&str, &Param>) -> String {
    let mut out = String::with_capacity(text.len());
    render_into(text, params, 0, &mut out);
    out
}

fn render_into(text: &str, params: &HashMap<&str, &Param>, depth: usize, out: &mut String) {
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        out.push_str(&rest[..start]);
        match insert_param_id(inner).and_then(|id| params.get(id)) {
            Some(p) if depth < 8 => render_param(p, params, depth, out),
            _ => out.push_str(&rest[start..start + len + 2]),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
}

/// `" insert: param, ac-1_prm_1 "` → `ac-1_prm_1`.
pub fn insert_param_id(inner: &str) -> Option<&str> {
    let body = inner.trim().strip_prefix("insert:")?;
    let (kind, id) = body.split_once(',')?;
    (kind.trim() == "param").then(|| id.trim())
}

fn render_param(p: &Param, params: &HashMap<&str, &Param>, depth: usize, out: &mut String) {
    if !p.values.is_empty() {
        out.push_str(&p.values.join(", "));
        return;
    }
    if let Some(sel) = &p.select {
        out.push_str(match sel.how_many {
            Some(HowMany::OneOrMore) => "[Selection (one or more): ",
            _ => "[Selection: ",
        });
        for (i, choice) in sel.choices.iter().enumerate() {
            if i > 0 {
                out.push_str("; ");
            }
            let mut rendered = String::new();
            render_into(choice, params, depth + 1, &mut rendered);
            out.push_str(rendered.trim());
        }
        out.push(']');
        return;
    }
    out.push_str("[Assignment: ");
    match &p.label {
        Some(label) => {
            if p.id.contains("_odp") && !label.starts_with("organization-defined") {
                out.push_str("organization-defined ");
            }
            out.push_str(label);
        }
        None => out.push_str(&p.id),
    }
    out.push(']');
}

// ---------------------------------------------------------------------------------------------
// Catalogue

/// The catalog as a demarc responsibility catalogue with the given id (see the module
/// documentation for the mapping).
pub fn to_catalogue(cat: &Catalog, id: &str) -> Catalogue {
    let params = param_index(cat);
    let mut ids = IdMaker::default();
    let mut areas = Vec::new();
    if !cat.controls.is_empty() {
        let mut area = Area {
            id: ids.make("controls"),
            title: "Controls".to_owned(),
            catalogue: id.to_owned(),
            ..Area::default()
        };
        for c in &cat.controls {
            add_responsibilities(c, &params, &mut ids, &mut area.responsibilities);
        }
        areas.push(area);
    }
    for g in &cat.groups {
        group_areas(g, id, &params, &mut ids, &mut areas);
    }
    Catalogue {
        sources: vec![CatalogueInfo {
            id: id.to_owned(),
            title: cat.metadata.title.clone(),
            version: cat.metadata.version.clone(),
            licence: None,
            source: Some(cat.file.clone()),
            description: None,
        }],
        areas,
        presets: Vec::new(),
    }
}

fn group_areas(
    g: &Group,
    catalogue: &str,
    params: &HashMap<&str, &Param>,
    ids: &mut IdMaker,
    out: &mut Vec<Area>,
) {
    if !g.controls.is_empty() {
        let base = g.id.clone().unwrap_or_else(|| crate_slug(&g.title));
        let mut area = Area {
            id: ids.make(&base),
            title: g.title.clone(),
            catalogue: catalogue.to_owned(),
            ..Area::default()
        };
        for c in &g.controls {
            add_responsibilities(c, params, ids, &mut area.responsibilities);
        }
        out.push(area);
    }
    for sub in &g.groups {
        group_areas(sub, catalogue, params, ids, out);
    }
}

fn add_responsibilities(
    c: &Control,
    params: &HashMap<&str, &Param>,
    ids: &mut IdMaker,
    out: &mut Vec<Responsibility>,
) {
    if !c.is_withdrawn() {
        out.push(responsibility(c, params, ids));
    }
    for sub in &c.controls {
        add_responsibilities(sub, params, ids, out);
    }
}

fn responsibility(
    c: &Control,
    params: &HashMap<&str, &Param>,
    ids: &mut IdMaker,
) -> Responsibility {
    let title = match c.label() {
        Some(label) => format!("{label} {}", c.title),
        None => c.title.clone(),
    };
    let mut description = String::new();
    let mut statements = Vec::new();
    for part in c.parts.iter().filter(|p| p.name == "statement") {
        if let Some(prose) = &part.prose {
            push_line(&mut description, 0, &render(prose, params));
        }
        for item in &part.parts {
            statement_items(item, params, 0, &mut description, &mut statements);
        }
    }
    let mut mappings = BTreeMap::new();
    mappings.insert("oscal".to_owned(), vec![c.id.clone()]);
    Responsibility {
        id: ids.make(&c.id),
        title,
        description: (!description.is_empty()).then_some(description),
        layer: Layer::Governance,
        retained: false,
        mappings,
        suggested_tasks: Vec::new(),
        statements,
        loc: None,
    }
}

fn statement_items(
    part: &Part,
    params: &HashMap<&str, &Param>,
    depth: usize,
    description: &mut String,
    out: &mut Vec<Statement>,
) {
    if part.name != "item" {
        return;
    }
    let prose = part
        .prose
        .as_deref()
        .map(|p| render(p, params))
        .unwrap_or_default();
    let text = match part.label() {
        Some(label) if prose.trim().is_empty() => label.to_owned(),
        Some(label) => format!("{label} {}", prose.trim()),
        None => prose.trim().to_owned(),
    };
    push_line(description, depth, &text);
    if let Some(id) = &part.id {
        out.push(Statement {
            id: id.clone(),
            text,
        });
    }
    for sub in &part.parts {
        statement_items(sub, params, depth + 1, description, out);
    }
}

fn push_line(out: &mut String, depth: usize, text: &str) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    for _ in 0..depth {
        out.push_str("  ");
    }
    out.push_str(text);
}

fn crate_slug(title: &str) -> String {
    demarc_formats::init::slug(title)
}

/// Ids that follow demarc's id rule and are unique within one catalogue: OSCAL ids are kept
/// as they are when they follow it (they almost always do); others become slugs, and a
/// repeated id gets `-2`, `-3`, ...
#[derive(Debug, Default)]
struct IdMaker {
    used: HashSet<String>,
}

impl IdMaker {
    fn make(&mut self, wanted: &str) -> String {
        let base = if demarc_formats::yaml::valid_id(wanted) {
            wanted.to_owned()
        } else {
            crate_slug(wanted)
        };
        let mut id = base.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }
}

/// Every `#<fragment>` reference in a string (link hrefs, markdown links in prose), for
/// deciding which back-matter resources are used.
pub(crate) fn fragments_in<'a>(text: &'a str, out: &mut HashSet<&'a str>) {
    let mut rest = text;
    while let Some(i) = rest.find('#') {
        let after = &rest[i + 1..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
            .unwrap_or(after.len());
        if end > 0 {
            out.insert(&after[..end]);
        }
        rest = &after[end..];
    }
}

/// Every fragment referenced from the catalog's content (not its back matter).
pub(crate) fn referenced_fragments(cat: &Catalog) -> HashSet<&str> {
    fn links<'a>(ls: &'a [Link], out: &mut HashSet<&'a str>) {
        for l in ls {
            fragments_in(&l.href, out);
            if let Some(t) = &l.text {
                fragments_in(t, out);
            }
        }
    }
    fn props<'a>(ps: &'a [Prop], out: &mut HashSet<&'a str>) {
        for p in ps {
            if let Some(r) = &p.remarks {
                fragments_in(r, out);
            }
        }
    }
    fn params<'a>(ps: &'a [Param], out: &mut HashSet<&'a str>) {
        for p in ps {
            links(&p.links, out);
            props(&p.props, out);
            for s in p
                .label
                .iter()
                .chain(&p.usage)
                .chain(&p.remarks)
                .chain(&p.guidelines)
            {
                fragments_in(s, out);
            }
            for c in &p.constraints {
                if let Some(d) = &c.description {
                    fragments_in(d, out);
                }
            }
            if let Some(s) = &p.select {
                for c in &s.choices {
                    fragments_in(c, out);
                }
            }
        }
    }
    fn parts<'a>(ps: &'a [Part], out: &mut HashSet<&'a str>) {
        for p in ps {
            links(&p.links, out);
            props(&p.props, out);
            if let Some(prose) = &p.prose {
                fragments_in(prose, out);
            }
            if let Some(t) = &p.title {
                fragments_in(t, out);
            }
            parts(&p.parts, out);
        }
    }
    fn control<'a>(c: &'a Control, out: &mut HashSet<&'a str>) {
        fragments_in(&c.title, out);
        params(&c.params, out);
        props(&c.props, out);
        links(&c.links, out);
        parts(&c.parts, out);
        for sub in &c.controls {
            control(sub, out);
        }
    }
    fn group<'a>(g: &'a Group, out: &mut HashSet<&'a str>) {
        params(&g.params, out);
        props(&g.props, out);
        links(&g.links, out);
        parts(&g.parts, out);
        for sub in &g.groups {
            group(sub, out);
        }
        for c in &g.controls {
            control(c, out);
        }
    }
    let mut out = HashSet::new();
    params(&cat.params, &mut out);
    for c in &cat.controls {
        control(c, &mut out);
    }
    for g in &cat.groups {
        group(g, &mut out);
    }
    out
}

/// A short description of a catalog for messages: `"title" (file)`.
pub fn describe(cat: &Catalog) -> String {
    format!("{:?} ({})", cat.metadata.title, cat.file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: Value) -> Document {
        Document {
            file: "t.json".into(),
            path: Default::default(),
            kind: Kind::Catalog,
            value,
        }
    }

    fn small() -> Value {
        json!({"catalog": {
            "uuid": "11111111-1111-4111-8111-111111111111",
            "metadata": {"title": "T", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
            "groups": [{"id": "ac", "title": "Access Control", "controls": [
                {"id": "ac-1", "title": "Policy", "params": [
                    {"id": "ac-1_prm_1", "label": "organization-defined frequency"},
                    {"id": "ac-01_odp.02", "label": "frequency"},
                    {"id": "ac-1_prm_3", "select": {"how-many": "one-or-more", "choice": ["daily", "{{ insert: param, ac-1_prm_1 }}"]}},
                    {"id": "ac-1_prm_4", "values": ["weekly"], "label": "ignored"}
                ],
                "props": [{"name": "label", "value": "AC-01", "class": "zero-padded"}, {"name": "label", "value": "AC-1"}],
                "parts": [{"id": "ac-1_smt", "name": "statement", "prose": "Do:", "parts": [
                    {"id": "ac-1_smt.a", "name": "item", "props": [{"name": "label", "value": "a."}],
                     "prose": "review {{ insert: param, ac-1_prm_1 }} and {{ insert: param, ac-01_odp.02 }};", "parts": [
                        {"id": "ac-1_smt.a.1", "name": "item", "props": [{"name": "label", "value": "1."}], "prose": " {{ insert: param, ac-1_prm_3 }} at {{ insert: param, ac-1_prm_4 }}"}
                    ]}
                ]}, {"id": "ac-1_gdn", "name": "guidance", "prose": "See [x](#r1)."}],
                "controls": [{"id": "ac-1.1", "title": "Gone", "props": [{"name": "status", "value": "withdrawn"}]},
                             {"id": "ac-1.2", "title": "Enh", "x-extra": 1}]
                }
            ]}],
            "back-matter": {"resources": [{"uuid": "r1", "title": "R", "rlinks": [{"href": "https://x/r.pdf"}]}]}
        }})
    }

    #[test]
    fn reads_and_maps_a_small_catalog() {
        let mut notes = Vec::new();
        let cat = read(&doc(small()), &mut notes).unwrap();
        assert_eq!(cat.all_controls().len(), 3);
        assert_eq!(cat.withdrawn_count(), 1);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(
            notes[0].pointer,
            "/catalog/groups/0/controls/0/controls/1/x-extra"
        );
        assert!(notes[1].message.starts_with("1 controls are withdrawn"));

        let cue = to_catalogue(&cat, "t");
        assert_eq!(cue.areas.len(), 1);
        let rs = &cue.areas[0].responsibilities;
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].title, "AC-1 Policy");
        assert_eq!(
            rs[0].description.as_deref(),
            Some(
                "Do:\na. review [Assignment: organization-defined frequency] and [Assignment: organization-defined frequency];\n  1. [Selection (one or more): daily; [Assignment: organization-defined frequency]] at weekly"
            )
        );
        assert_eq!(rs[0].statements.len(), 2);
        assert_eq!(rs[0].statements[1].id, "ac-1_smt.a.1");
        assert!(rs[0].statements[1].text.starts_with("1. [Selection"));
        assert_eq!(rs[1].id, "ac-1.2");
        assert_eq!(rs[1].mappings["oscal"], vec!["ac-1.2".to_owned()]);

        let out = to_json(&cat);
        assert_eq!(out["catalog"]["metadata"]["oscal-version"], "1.2.3");
        let enh = &out["catalog"]["groups"][0]["controls"][0]["controls"][1];
        assert!(enh.get("x-extra").is_none());
        // values win over select in the output, and no empty arrays are written
        assert_eq!(
            out["catalog"]["groups"][0]["controls"][0]["params"][3]["values"],
            json!(["weekly"])
        );
        assert!(enh.get("parts").is_none());
        let frags = referenced_fragments(&cat);
        assert!(frags.contains("r1"));
    }

    #[test]
    fn errors_name_the_place() {
        let mut v = small();
        v["catalog"]["groups"][0]["controls"][0]["controls"][1]
            .as_object_mut()
            .unwrap()
            .remove("id");
        v["catalog"]["groups"][0]["controls"][0]["title"] = json!(3);
        let mut notes = Vec::new();
        let Err(OscalError::Invalid(ps)) = read(&doc(v), &mut notes) else {
            panic!("expected an error")
        };
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert_eq!(ps[0].pointer, "/catalog/groups/0/controls/0/controls/1");
        assert!(ps[0].message.contains("no \"id\""));
        assert_eq!(ps[1].pointer, "/catalog/groups/0/controls/0/title");
    }

    #[test]
    fn duplicate_control_ids_are_an_error() {
        let mut v = small();
        v["catalog"]["groups"][0]["controls"][0]["controls"][1]["id"] = json!("ac-1");
        let mut notes = Vec::new();
        assert!(read(&doc(v), &mut notes).is_err());
    }

    #[test]
    fn insert_ids() {
        assert_eq!(
            insert_param_id(" insert: param, ac-1_prm_1 "),
            Some("ac-1_prm_1")
        );
        assert_eq!(insert_param_id("insert:param,x"), Some("x"));
        assert_eq!(insert_param_id(" other "), None);
        let empty = HashMap::new();
        assert_eq!(
            render("a {{ insert: param, zz }} b {{", &empty),
            "a {{ insert: param, zz }} b {{"
        );
    }
}
