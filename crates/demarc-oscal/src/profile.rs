//! OSCAL profile resolution: a profile (a baseline) applied to its catalogs gives a catalog.
//!
//! What is implemented, following the OSCAL 1.2.3 profile resolution specification and what
//! the NIST SP 800-53 and FedRAMP rev5 baselines need:
//!
//! - **imports** of catalogs and of other profiles (resolved recursively; an import that leads
//!   back to a profile being resolved is an error). The href is followed by [`href::resolve`];
//!   documents the caller already holds can stand in for files (see [`resolve_with`]).
//! - **selection**: `include-all`, `include-controls` and `exclude-controls` with `with-ids`,
//!   `matching` (glob patterns with `*` and `?`) and `with-child-controls`. No include means
//!   include all; excluded wins over included. Ids a profile selects that the source does not
//!   have are noted.
//! - **merge**: `as-is` keeps the source structure: groups that hold selected controls, and
//!   the parents of selected enhancements (with their content; the NIST PRIVACY baseline
//!   relies on this). `flat` gives one list of controls, no groups and no nesting. No
//!   structuring directive gives controls without groups, each keeping the selected
//!   enhancements nested in it. `custom` is not supported (an error, never a guess). Combine
//!   `use-first` keeps the first copy of a control selected twice; the default (`keep`) and
//!   the deprecated `merge` would make a catalog with duplicate ids, so a clash under them is
//!   an error naming the control.
//! - **modify**: `set-parameters` (label, usage, class, values and select replace; constraints
//!   and guidelines are appended; props replace the prop of the same name or are appended,
//!   links likewise by href; several settings of one parameter apply in order) and `alters`:
//!   `removes` (by-name, by-class, by-id, by-item-name, by-ns; every given criterion must match;
//!   anything inside the control except its enhancements) applied before `adds` (position
//!   before/after/starting/ending, by-id of a part or parameter, title, params, props, links,
//!   parts). A setting or alteration that finds nothing to act on is noted, not an error.
//! - **back matter**: the resources of the sources and of the profile, a later resource
//!   replacing an earlier one with the same uuid, kept only when something in the result
//!   refers to it; loose parameters are kept only when inserted somewhere.
//! - **metadata**: the profile's, with props `resolution-tool` and `source-profile-uuid` and a
//!   `source-profile` link; the catalog uuid is derived from the profile's (stable).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::catalog::{
    self, Catalog, Constraint, Control, Group, Link, Loc, Param, Part, Prop, Reader, Resource,
    Select,
};
use crate::document::{self, Document, Kind};
use crate::error::{OscalError, Problem};
use crate::href;

/// Resolve a profile into the catalog it stands for. Imports are found by [`href::resolve`]
/// (relative to the profile, or by file name in the directories of `search`). An entry of
/// `search` that is a file (a catalog or profile named on the command line) is read and used
/// as a given document, as [`resolve_with`] says. Notes (content not understood, selections
/// and modifications that found nothing) go to `notes`.
pub fn resolve(
    profile: &Document,
    search: &[PathBuf],
    notes: &mut Vec<Problem>,
) -> Result<Catalog, OscalError> {
    resolve_with(profile, search, &[], notes)
}

/// [`resolve`], with documents the caller already holds (catalogs or profiles named on the
/// command line, or built in memory), and the files among `search`, read:
///
/// - an import whose href, or one of whose back-matter rlinks, ends with the file name of a
///   given document uses that document (before anything is looked for on disk);
/// - an import that cannot be found at all uses the given catalog when exactly one catalog is
///   given, with a note saying so. This is how a baseline that asks for
///   `NIST_SP-800-53_rev5_catalog.json` is resolved against a catalog saved under another name.
pub fn resolve_with(
    profile: &Document,
    search: &[PathBuf],
    given: &[&Document],
    notes: &mut Vec<Problem>,
) -> Result<Catalog, OscalError> {
    let (files, dirs) = split_search(search);
    Resolver::new(&dirs, &files, given, profile).profile(profile, notes)
}

/// The search paths as (files, directories).
fn split_search(search: &[PathBuf]) -> (Vec<PathBuf>, Vec<PathBuf>) {
    search.iter().cloned().partition(|p| p.is_file())
}

/// [`resolve`], taking the profile document: once what it says is read, the JSON of its
/// `modify` (most of a baseline: the parts it adds) is let go before any catalog is read, so
/// the alterations are not held twice while the catalog is.
pub fn resolve_document(
    mut profile: Document,
    search: &[PathBuf],
    notes: &mut Vec<Problem>,
) -> Result<Catalog, OscalError> {
    resolve_lean(&mut profile, search, &[], notes)
}

/// [`resolve_with`], letting go of the JSON of the profile's `modify` once it is read (see
/// [`resolve_document`]); the document keeps everything else (file, path, metadata,
/// back-matter, imports).
pub fn resolve_lean(
    profile: &mut Document,
    search: &[PathBuf],
    given: &[&Document],
    notes: &mut Vec<Problem>,
) -> Result<Catalog, OscalError> {
    let (files, dirs) = split_search(search);
    let mut resolver = Resolver::new(&dirs, &files, given, profile);
    let spec = resolver.spec(profile, notes)?;
    if let Some(root) = profile
        .value
        .get_mut("profile")
        .and_then(Value::as_object_mut)
        && let Some(modify) = root.remove("modify")
    {
        document::drop_in_background(modify);
    }
    resolver.profile_spec(profile, spec, notes)
}

/// What a profile says, read from its JSON.
#[derive(Debug, Default)]
struct ProfileSpec {
    uuid: String,
    metadata: catalog::Metadata,
    imports: Vec<Import>,
    merge: MergeSpec,
    set_params: Vec<SetParam>,
    alters: Vec<Alter>,
    back_matter: Vec<Resource>,
}

#[derive(Debug, Default)]
struct Import {
    href: String,
    pointer: String,
    include_all: bool,
    include: Vec<Selector>,
    exclude: Vec<Selector>,
}

#[derive(Debug, Default)]
struct Selector {
    with_children: bool,
    ids: Vec<String>,
    patterns: Vec<String>,
    pointer: String,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Structure {
    #[default]
    Unstructured,
    AsIs,
    Flat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Combine {
    #[default]
    Keep,
    UseFirst,
}

#[derive(Debug, Default)]
struct MergeSpec {
    structure: Structure,
    combine: Combine,
}

#[derive(Debug, Default)]
struct SetParam {
    param_id: String,
    pointer: String,
    class: Option<String>,
    depends_on: Option<String>,
    props: Vec<Prop>,
    links: Vec<Link>,
    label: Option<String>,
    usage: Option<String>,
    constraints: Vec<Constraint>,
    guidelines: Vec<String>,
    values: Vec<String>,
    select: Option<Select>,
}

#[derive(Debug, Default)]
struct Alter {
    control_id: String,
    pointer: String,
    removes: Vec<Remove>,
    adds: Vec<Add>,
}

#[derive(Debug, Default)]
struct Remove {
    pointer: String,
    by_name: Option<String>,
    by_class: Option<String>,
    by_id: Option<String>,
    by_item_name: Option<String>,
    by_ns: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Position {
    Before,
    After,
    Starting,
    #[default]
    Ending,
}

#[derive(Debug, Default)]
struct Add {
    pointer: String,
    position: Position,
    by_id: Option<String>,
    title: Option<String>,
    params: Vec<Param>,
    props: Vec<Prop>,
    links: Vec<Link>,
    parts: Vec<Part>,
}

/// One import's controls, pruned to what was selected (with the groups and parent controls
/// that hold them), and which of them were selected themselves.
#[derive(Debug)]
struct Selection {
    catalog: Catalog,
    selected: HashSet<String>,
}

#[derive(Debug)]
struct Resolver<'a> {
    search: &'a [PathBuf],
    /// Files named among the search paths: read only when an import turns out to need one.
    files: &'a [PathBuf],
    given: &'a [&'a Document],
    /// The profiles being resolved, outermost first (to refuse circular imports).
    stack: Vec<String>,
}

/// A document found for an import: one the caller gave, one read from disk, or a catalog
/// read from disk straight into typed values ([`crate::catalog_json`]).
enum Source<'a> {
    Given(&'a Document),
    Loaded(Document),
    Catalog(Catalog),
}

/// Read a file found for an import: a JSON catalog that reads without a note or an error
/// straight into a [`Catalog`]; anything else as a [`Document`].
fn load_source(path: &Path) -> Result<Source<'static>, OscalError> {
    let read = document::read(path)?;
    if let Some(json) = read.json()
        && let Some(cat) = catalog::read_json(&read.file, json)
    {
        return Ok(Source::Catalog(cat));
    }
    Ok(Source::Loaded(read.parse(path)?))
}

fn doc_key(doc: &Document) -> String {
    if doc.path.as_os_str().is_empty() {
        format!("given:{}", doc.file)
    } else {
        doc.path
            .canonicalize()
            .unwrap_or_else(|_| doc.path.clone())
            .display()
            .to_string()
    }
}

fn doc_file_names(doc: &Document) -> [Option<&str>; 2] {
    [
        Path::new(&doc.file).file_name().and_then(|n| n.to_str()),
        doc.path.file_name().and_then(|n| n.to_str()),
    ]
}

impl<'a> Resolver<'a> {
    fn new(
        search: &'a [PathBuf],
        files: &'a [PathBuf],
        given: &'a [&'a Document],
        profile: &Document,
    ) -> Resolver<'a> {
        Resolver {
            search,
            files,
            given,
            stack: vec![doc_key(profile)],
        }
    }

    fn profile(&mut self, doc: &Document, notes: &mut Vec<Problem>) -> Result<Catalog, OscalError> {
        let spec = self.spec(doc, notes)?;
        self.profile_spec(doc, spec, notes)
    }

    /// What a profile document says (an error when it is not a profile).
    fn spec(&self, doc: &Document, notes: &mut Vec<Problem>) -> Result<ProfileSpec, OscalError> {
        if doc.kind != Kind::Profile {
            return Err(OscalError::invalid(
                doc.file.clone(),
                "",
                format!(
                    "expected an OSCAL profile (root key \"profile\"), found a {}",
                    doc.kind
                ),
            ));
        }
        read_profile(doc, notes)
    }

    fn profile_spec(
        &mut self,
        doc: &Document,
        spec: ProfileSpec,
        notes: &mut Vec<Problem>,
    ) -> Result<Catalog, OscalError> {
        let mut selections = Vec::with_capacity(spec.imports.len());
        let mut resources: Vec<Resource> = Vec::new();
        for import in &spec.imports {
            let mut source = self.import_source(import, doc, notes)?;
            resources.append(&mut source.back_matter);
            selections.push(select(source, import, &doc.file, notes));
        }
        let mut result = merge(selections, &spec.merge, &doc.file)?;
        modify(&mut result, &spec, &doc.file, notes);
        prune_loose_params(&mut result);
        resources.extend(spec.back_matter.iter().cloned());
        result.back_matter = back_matter(resources, &result, &spec.metadata.value);
        result.file = doc.file.clone();
        result.uuid = derived_uuid(&["resolved-profile", &spec.uuid]);
        result.metadata = resolved_metadata(&spec, doc);
        if self.stack.len() == 1 {
            notes.extend(catalog::withdrawn_note(&result, "/profile/imports"));
        }
        Ok(result)
    }

    /// The catalog an import brings in: read from a catalog, or resolved from a profile.
    fn import_source(
        &mut self,
        import: &Import,
        from: &Document,
        notes: &mut Vec<Problem>,
    ) -> Result<Catalog, OscalError> {
        match self.find(import, from, notes)? {
            Source::Catalog(cat) => Ok(cat),
            Source::Given(doc) => self.read_source(doc, import, from, notes),
            Source::Loaded(doc) => {
                let result = self.read_source(&doc, import, from, notes);
                // A document read for this import is no longer needed: freeing a large
                // catalog's value takes as long as reading it, so it is freed off the main
                // thread.
                crate::document::drop_in_background(doc);
                result
            }
        }
    }

    fn read_source(
        &mut self,
        doc: &Document,
        import: &Import,
        from: &Document,
        notes: &mut Vec<Problem>,
    ) -> Result<Catalog, OscalError> {
        match doc.kind {
            Kind::Catalog => catalog::read_content(doc, notes),
            Kind::Profile => {
                let key = doc_key(doc);
                if self.stack.contains(&key) {
                    return Err(OscalError::invalid(
                        from.file.clone(),
                        import.pointer.clone(),
                        format!(
                            "circular import: {:?} leads back to {}, which is being resolved ({})",
                            import.href,
                            doc.file,
                            self.stack.join(" → ")
                        ),
                    ));
                }
                self.stack.push(key);
                let result = self.profile(doc, notes);
                self.stack.pop();
                result
            }
            other => Err(OscalError::invalid(
                from.file.clone(),
                import.pointer.clone(),
                format!(
                    "import {:?} leads to {}, a {other}: expected a catalog or a profile",
                    import.href, doc.file
                ),
            )),
        }
    }

    fn find(
        &self,
        import: &Import,
        from: &Document,
        notes: &mut Vec<Problem>,
    ) -> Result<Source<'a>, OscalError> {
        let locate = |mut p: Problem| {
            if p.pointer.is_empty() {
                p.pointer = import.pointer.clone();
            }
            OscalError::Invalid(vec![p])
        };
        let expanded = href::expand(&import.href, from).map_err(locate)?;
        // A document the caller holds, named by the href (or an rlink).
        for h in &expanded.hrefs {
            if let Some(name) = href::file_name(h)
                && let Some(d) = self
                    .given
                    .iter()
                    .find(|d| doc_file_names(d).contains(&Some(name.as_str())))
            {
                return Ok(Source::Given(d));
            }
        }
        // A file named among the search paths, by the same rule.
        for h in &expanded.hrefs {
            if let Some(name) = href::file_name(h)
                && let Some(f) = self
                    .files
                    .iter()
                    .find(|f| f.file_name().and_then(|n| n.to_str()) == Some(name.as_str()))
            {
                return load_source(f);
            }
        }
        let problem = match href::resolve(&import.href, from, self.search) {
            Ok(path) => return load_source(&path),
            Err(p) => p,
        };
        // Not found: the one catalog given, if there is exactly one (a search file counts
        // when nothing else is given; it is read to see that it is a catalog).
        let note = |file: &str, notes: &mut Vec<Problem>| {
            notes.push(Problem::new(
                from.file.clone(),
                import.pointer.clone(),
                format!(
                    "import {:?} ({}) is not found; using the catalog given, {file}",
                    import.href,
                    expanded.hrefs.join(", "),
                ),
            ));
        };
        let catalogs: Vec<&Document> = self
            .given
            .iter()
            .copied()
            .filter(|d| d.kind == Kind::Catalog)
            .collect();
        match (catalogs.as_slice(), self.files) {
            ([only], _) => {
                note(&only.file, notes);
                return Ok(Source::Given(only));
            }
            ([], [only]) => match load_source(only)? {
                Source::Catalog(cat) => {
                    note(&cat.file, notes);
                    return Ok(Source::Catalog(cat));
                }
                Source::Loaded(doc) if doc.kind == Kind::Catalog => {
                    note(&doc.file, notes);
                    return Ok(Source::Loaded(doc));
                }
                _ => {}
            },
            _ => {}
        }
        Err(locate(problem))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the profile

const PROFILE_KEYS: &[&str] = &[
    "uuid",
    "metadata",
    "imports",
    "merge",
    "modify",
    "back-matter",
];

fn read_profile(doc: &Document, notes: &mut Vec<Problem>) -> Result<ProfileSpec, OscalError> {
    let mut r = Reader::new(&doc.file, notes);
    let root = Loc::root(Kind::Profile.root_key());
    let mut spec = ProfileSpec::default();
    if let Some(m) = r.object(doc.root(), &root, "a profile") {
        r.unknown_keys(m, PROFILE_KEYS, &root, "the profile");
        spec.uuid = r
            .required(m, "uuid", &root, "the profile")
            .unwrap_or_default();
        spec.metadata = r.metadata(m.get("metadata"), &root.key("metadata"));
        let il = root.key("imports");
        let imports = r.array(m, "imports", &root);
        if imports.is_empty() {
            r.error(
                &root,
                "the profile has no imports: expected at least one catalog or profile to import",
            );
        }
        for (i, v) in imports.iter().enumerate() {
            if let Some(import) = read_import(&mut r, v, &il.index(i)) {
                spec.imports.push(import);
            }
        }
        if let Some(v) = m.get("merge") {
            spec.merge = read_merge(&mut r, v, &root.key("merge"));
        }
        if let Some(v) = m.get("modify") {
            read_modify(&mut r, v, &root.key("modify"), &mut spec);
        }
        spec.back_matter = r.back_matter(m.get("back-matter"), &root.key("back-matter"));
    }
    if r.errors.is_empty() {
        Ok(spec)
    } else {
        Err(OscalError::Invalid(r.errors))
    }
}

fn read_import(r: &mut Reader, v: &Value, loc: &Loc) -> Option<Import> {
    let m = r.object(v, loc, "an import")?;
    r.unknown_keys(
        m,
        &[
            "href",
            "include-all",
            "include-controls",
            "exclude-controls",
        ],
        loc,
        "an import",
    );
    let href = r.required(m, "href", loc, "an import")?;
    let mut import = Import {
        href,
        pointer: loc.pointer(),
        ..Import::default()
    };
    if let Some(all) = m.get("include-all") {
        let l = loc.key("include-all");
        if let Some(am) = r.object(all, &l, "include-all") {
            // OSCAL 1.0 allowed with-child-controls here; all controls include children anyway.
            r.unknown_keys(am, &["with-child-controls"], &l, "include-all");
        }
        import.include_all = true;
    }
    import.include = read_selectors(r, m, "include-controls", loc);
    import.exclude = read_selectors(r, m, "exclude-controls", loc);
    if import.include_all && !import.include.is_empty() {
        r.error(
            loc,
            "the import has both include-all and include-controls: expected one of them",
        );
    }
    Some(import)
}

fn read_selectors(r: &mut Reader, m: &Map<String, Value>, key: &str, loc: &Loc) -> Vec<Selector> {
    let sl = loc.key(key);
    let mut out = Vec::new();
    for (i, v) in r.array(m, key, loc).iter().enumerate() {
        let l = sl.index(i);
        let Some(sm) = r.object(v, &l, "a control selector") else {
            continue;
        };
        r.unknown_keys(
            sm,
            &["with-child-controls", "with-ids", "matching"],
            &l,
            "a control selector",
        );
        let with_children = match r.string(sm, "with-child-controls", &l).as_deref() {
            None | Some("no") => false,
            Some("yes") => true,
            Some(other) => {
                let wl = l.key("with-child-controls");
                r.error(
                    &wl,
                    format!("with-child-controls is {other:?}: expected \"yes\" or \"no\""),
                );
                false
            }
        };
        let mut ids = Vec::new();
        let il = l.key("with-ids");
        for (j, id) in r.array(sm, "with-ids", &l).iter().enumerate() {
            match id.as_str() {
                Some(s) => ids.push(s.to_owned()),
                None => r.error(&il.index(j), "expected a control id (a string)"),
            }
        }
        let mut patterns = Vec::new();
        let pl = l.key("matching");
        for (j, p) in r.array(sm, "matching", &l).iter().enumerate() {
            let ploc = pl.index(j);
            let Some(pm) = r.object(p, &ploc, "a matching pattern") else {
                continue;
            };
            r.unknown_keys(pm, &["pattern"], &ploc, "a matching pattern");
            if let Some(pattern) = r.required(pm, "pattern", &ploc, "a matching pattern") {
                patterns.push(pattern);
            }
        }
        out.push(Selector {
            with_children,
            ids,
            patterns,
            pointer: l.pointer(),
        });
    }
    out
}

fn read_merge(r: &mut Reader, v: &Value, loc: &Loc) -> MergeSpec {
    let mut spec = MergeSpec::default();
    let Some(m) = r.object(v, loc, "merge") else {
        return spec;
    };
    r.unknown_keys(m, &["combine", "flat", "as-is", "custom"], loc, "merge");
    if let Some(c) = m.get("combine") {
        let l = loc.key("combine");
        if let Some(cm) = r.object(c, &l, "combine") {
            r.unknown_keys(cm, &["method"], &l, "combine");
            match r.string(cm, "method", &l).as_deref() {
                None | Some("keep") => spec.combine = Combine::Keep,
                Some("use-first") => spec.combine = Combine::UseFirst,
                Some("merge") => r.error(
                    &l.key("method"),
                    "combine method \"merge\" is deprecated and its result undefined in OSCAL: expected \"use-first\" or \"keep\"",
                ),
                Some(other) => r.error(
                    &l.key("method"),
                    format!("combine method {other:?}: expected \"use-first\" or \"keep\""),
                ),
            }
        }
    }
    let mut directives = 0;
    if m.contains_key("flat") {
        directives += 1;
        spec.structure = Structure::Flat;
    }
    match m.get("as-is") {
        None | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => {
            directives += 1;
            spec.structure = Structure::AsIs;
        }
        Some(other) => r.error(
            &loc.key("as-is"),
            format!(
                "expected true or false, found {}",
                crate::document::json_type(other)
            ),
        ),
    }
    if m.contains_key("custom") {
        directives += 1;
        r.error(
            &loc.key("custom"),
            "merge \"custom\" (a new grouping of the controls) is not supported by demarc: use \"as-is\" or \"flat\", or resolve the profile with another tool",
        );
    }
    if directives > 1 {
        r.error(
            loc,
            "merge has more than one structuring directive: expected one of flat, as-is, custom",
        );
    }
    spec
}

fn read_modify(r: &mut Reader, v: &Value, loc: &Loc, spec: &mut ProfileSpec) {
    let Some(m) = r.object(v, loc, "modify") else {
        return;
    };
    r.unknown_keys(m, &["set-parameters", "alters"], loc, "modify");
    let sl = loc.key("set-parameters");
    for (i, s) in r.array(m, "set-parameters", loc).iter().enumerate() {
        let l = sl.index(i);
        let Some(sm) = r.object(s, &l, "a set-parameter") else {
            continue;
        };
        r.unknown_keys(
            sm,
            &[
                "param-id",
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
            ],
            &l,
            "a set-parameter",
        );
        let Some(param_id) = r.required(sm, "param-id", &l, "a set-parameter") else {
            continue;
        };
        let mut set = SetParam {
            param_id,
            pointer: l.pointer(),
            class: r.string(sm, "class", &l),
            depends_on: r.string(sm, "depends-on", &l),
            props: r.props(sm, &l),
            links: r.links(sm, &l),
            label: r.string(sm, "label", &l),
            usage: r.string(sm, "usage", &l),
            ..SetParam::default()
        };
        r.param_body(
            sm,
            &l,
            &mut set.constraints,
            &mut set.guidelines,
            &mut set.values,
            &mut set.select,
        );
        spec.set_params.push(set);
    }
    let al = loc.key("alters");
    for (i, a) in r.array(m, "alters", loc).iter().enumerate() {
        let l = al.index(i);
        let Some(am) = r.object(a, &l, "an alter") else {
            continue;
        };
        r.unknown_keys(am, &["control-id", "removes", "adds"], &l, "an alter");
        let Some(control_id) = r.required(am, "control-id", &l, "an alter") else {
            continue;
        };
        let mut alter = Alter {
            control_id,
            pointer: l.pointer(),
            ..Alter::default()
        };
        let rl = l.key("removes");
        for (j, rv) in r.array(am, "removes", &l).iter().enumerate() {
            let rloc = rl.index(j);
            let Some(rm) = r.object(rv, &rloc, "a remove") else {
                continue;
            };
            r.unknown_keys(
                rm,
                &[
                    "by-name",
                    "by-class",
                    "by-id",
                    "by-item-name",
                    "by-ns",
                    "remarks",
                ],
                &rloc,
                "a remove",
            );
            let remove = Remove {
                pointer: rloc.pointer(),
                by_name: r.string(rm, "by-name", &rloc),
                by_class: r.string(rm, "by-class", &rloc),
                by_id: r.string(rm, "by-id", &rloc),
                by_item_name: r.string(rm, "by-item-name", &rloc),
                by_ns: r.string(rm, "by-ns", &rloc),
            };
            if let Some(item) = &remove.by_item_name
                && !matches!(
                    item.as_str(),
                    "param" | "prop" | "link" | "part" | "mapping" | "map"
                )
            {
                r.error(
                    &rloc.key("by-item-name"),
                    format!(
                        "by-item-name {item:?}: expected param, prop, link, part, mapping or map"
                    ),
                );
            }
            alter.removes.push(remove);
        }
        let dl = l.key("adds");
        for (j, dv) in r.array(am, "adds", &l).iter().enumerate() {
            let dloc = dl.index(j);
            let Some(dm) = r.object(dv, &dloc, "an add") else {
                continue;
            };
            r.unknown_keys(
                dm,
                &[
                    "position", "by-id", "title", "params", "props", "links", "parts",
                ],
                &dloc,
                "an add",
            );
            let position = match r.string(dm, "position", &dloc).as_deref() {
                None | Some("ending") => Position::Ending,
                Some("starting") => Position::Starting,
                Some("before") => Position::Before,
                Some("after") => Position::After,
                Some(other) => {
                    r.error(
                        &dloc.key("position"),
                        format!("position {other:?}: expected before, after, starting or ending"),
                    );
                    Position::Ending
                }
            };
            alter.adds.push(Add {
                pointer: dloc.pointer(),
                position,
                by_id: r.string(dm, "by-id", &dloc),
                title: r.string(dm, "title", &dloc),
                params: r.params(dm, &dloc),
                props: r.props(dm, &dloc),
                links: r.links(dm, &dloc),
                parts: r.parts(dm, &dloc),
            });
        }
        spec.alters.push(alter);
    }
}

// ---------------------------------------------------------------------------------------------
// Selection

/// Whether `id` matches a glob pattern (`*` any run of characters, `?` one character).
fn glob_match(pattern: &str, id: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = id.chars().collect();
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The ids selected by some selectors in a catalog, with the selectors' ids that matched
/// nothing.
fn matched_ids(cat: &Catalog, selectors: &[Selector]) -> (HashSet<String>, Vec<(String, String)>) {
    let mut wanted: HashMap<&str, (bool, &Selector)> = HashMap::new();
    for s in selectors {
        for id in &s.ids {
            let e = wanted.entry(id.as_str()).or_insert((false, s));
            e.0 |= s.with_children;
        }
    }
    let patterns: Vec<(&str, &Selector)> = selectors
        .iter()
        .flat_map(|s| s.patterns.iter().map(move |p| (p.as_str(), s)))
        .collect();
    let mut found: HashSet<&str> = HashSet::new();
    let mut out = HashSet::new();
    fn add_all(c: &Control, out: &mut HashSet<String>) {
        out.insert(c.id.clone());
        for sub in &c.controls {
            add_all(sub, out);
        }
    }
    for c in cat.all_controls() {
        let mut with_children = false;
        let mut hit = false;
        if let Some((wc, _)) = wanted.get(c.id.as_str()) {
            hit = true;
            with_children |= *wc;
            found.insert(c.id.as_str());
        }
        for (p, s) in &patterns {
            if glob_match(p, &c.id) {
                hit = true;
                with_children |= s.with_children;
            }
        }
        if hit {
            if with_children {
                add_all(c, &mut out);
            } else {
                out.insert(c.id.clone());
            }
        }
    }
    let mut missing = Vec::new();
    for s in selectors {
        for id in &s.ids {
            if !found.contains(id.as_str()) {
                missing.push((id.clone(), s.pointer.clone()));
            }
        }
    }
    (out, missing)
}

fn select(source: Catalog, import: &Import, file: &str, notes: &mut Vec<Problem>) -> Selection {
    let include_all = import.include_all || import.include.is_empty();
    let mut selected = if include_all {
        cat_ids(&source)
    } else {
        let (ids, missing) = matched_ids(&source, &import.include);
        for (id, pointer) in missing {
            notes.push(Problem::new(
                file,
                pointer,
                format!(
                    "control {id:?} is selected but {} has no such control; it is left out",
                    catalog::describe(&source)
                ),
            ));
        }
        ids
    };
    if !import.exclude.is_empty() {
        let (excluded, missing) = matched_ids(&source, &import.exclude);
        for (id, pointer) in missing {
            notes.push(Problem::new(
                file,
                pointer,
                format!(
                    "control {id:?} is excluded but {} has no such control",
                    catalog::describe(&source)
                ),
            ));
        }
        selected.retain(|id| !excluded.contains(id));
    }
    let Catalog {
        file: src_file,
        uuid,
        metadata,
        params,
        controls,
        groups,
        back_matter: _,
    } = source;
    // What is left out is freed off the main thread (most of a full catalog, for a baseline).
    let mut dropped = Vec::new();
    let catalog = Catalog {
        file: src_file,
        uuid,
        metadata,
        params,
        controls: prune_controls(controls, &selected, &mut dropped),
        groups: groups
            .into_iter()
            .filter_map(|g| prune_group(g, &selected, &mut dropped))
            .collect(),
        back_matter: Vec::new(),
    };
    crate::document::drop_in_background(dropped);
    Selection { catalog, selected }
}

fn cat_ids(cat: &Catalog) -> HashSet<String> {
    cat.all_controls()
        .into_iter()
        .map(|c| c.id.clone())
        .collect()
}

/// Keep the controls that are selected or hold a selected control (with all their content);
/// the others go to `dropped`.
fn prune_controls(
    controls: Vec<Control>,
    selected: &HashSet<String>,
    dropped: &mut Vec<Control>,
) -> Vec<Control> {
    controls
        .into_iter()
        .filter_map(|mut c| {
            c.controls = prune_controls(std::mem::take(&mut c.controls), selected, dropped);
            if selected.contains(&c.id) || !c.controls.is_empty() {
                Some(c)
            } else {
                dropped.push(c);
                None
            }
        })
        .collect()
}

fn prune_group(
    mut g: Group,
    selected: &HashSet<String>,
    dropped: &mut Vec<Control>,
) -> Option<Group> {
    g.controls = prune_controls(std::mem::take(&mut g.controls), selected, dropped);
    g.groups = std::mem::take(&mut g.groups)
        .into_iter()
        .filter_map(|sub| prune_group(sub, selected, dropped))
        .collect();
    (!g.controls.is_empty() || !g.groups.is_empty()).then_some(g)
}

// ---------------------------------------------------------------------------------------------
// Merge

fn merge(selections: Vec<Selection>, spec: &MergeSpec, file: &str) -> Result<Catalog, OscalError> {
    let mut result = Catalog::default();
    let mut seen: HashSet<String> = HashSet::new();
    let mut clashes: Vec<String> = Vec::new();
    for (n, sel) in selections.into_iter().enumerate() {
        let Selection {
            catalog: cat,
            selected,
        } = sel;
        for p in cat.params {
            if !result.params.iter().any(|q| q.id == p.id) {
                result.params.push(p);
            }
        }
        match spec.structure {
            Structure::AsIs => {
                if n == 0 {
                    collect_ids(&cat.controls, &cat.groups, &mut seen);
                    result.controls = cat.controls;
                    result.groups = cat.groups;
                } else {
                    merge_controls(
                        &mut result.controls,
                        cat.controls,
                        &selected,
                        &mut seen,
                        spec.combine,
                        &mut clashes,
                    );
                    merge_groups(
                        &mut result.groups,
                        cat.groups,
                        &selected,
                        &mut seen,
                        spec.combine,
                        &mut clashes,
                    );
                }
            }
            Structure::Flat | Structure::Unstructured => {
                let mut list = Vec::new();
                let mut loose_params = Vec::new();
                for c in cat.controls {
                    unstructure(c, &selected, spec.structure == Structure::Flat, &mut list);
                }
                for g in cat.groups {
                    ungroup(
                        g,
                        &selected,
                        spec.structure == Structure::Flat,
                        &mut list,
                        &mut loose_params,
                    );
                }
                for p in loose_params {
                    if !result.params.iter().any(|q| q.id == p.id) {
                        result.params.push(p);
                    }
                }
                let incoming: HashSet<String> = selected.iter().cloned().collect();
                merge_controls(
                    &mut result.controls,
                    list,
                    &incoming,
                    &mut seen,
                    spec.combine,
                    &mut clashes,
                );
            }
        }
    }
    if !clashes.is_empty() {
        return Err(OscalError::invalid(
            file,
            "/profile/imports",
            format!(
                "controls selected by more than one import: {}; with merge.combine method \"keep\" (the default) the catalog would hold them twice; set merge.combine.method to \"use-first\"",
                clashes.join(", ")
            ),
        ));
    }
    Ok(result)
}

fn collect_ids(controls: &[Control], groups: &[Group], out: &mut HashSet<String>) {
    for c in controls {
        out.insert(c.id.clone());
        collect_ids(&c.controls, &[], out);
    }
    for g in groups {
        collect_ids(&g.controls, &g.groups, out);
    }
}

/// Merge incoming controls into a list: a control already in the list takes the incoming
/// one's enhancements; a control already elsewhere in the result is a clash (kept first under
/// use-first, reported under keep); any other is appended.
fn merge_controls(
    into: &mut Vec<Control>,
    incoming: Vec<Control>,
    selected: &HashSet<String>,
    seen: &mut HashSet<String>,
    combine: Combine,
    clashes: &mut Vec<String>,
) {
    for mut c in incoming {
        if let Some(existing) = into.iter_mut().find(|e| e.id == c.id) {
            if selected.contains(&c.id) && combine == Combine::Keep {
                clashes.push(c.id.clone());
            }
            let subs = std::mem::take(&mut c.controls);
            merge_controls(
                &mut existing.controls,
                subs,
                selected,
                seen,
                combine,
                clashes,
            );
        } else if seen.contains(&c.id) {
            if combine == Combine::Keep {
                clashes.push(c.id.clone());
            }
        } else {
            let mut ids = HashSet::new();
            collect_ids(std::slice::from_ref(&c), &[], &mut ids);
            let clash: Vec<String> = ids
                .iter()
                .filter(|id| seen.contains(*id))
                .cloned()
                .collect();
            if !clash.is_empty() {
                if combine == Combine::Keep {
                    clashes.extend(clash);
                    continue;
                }
                drop_ids(&mut c.controls, seen);
            }
            collect_ids(std::slice::from_ref(&c), &[], seen);
            into.push(c);
        }
    }
}

fn drop_ids(controls: &mut Vec<Control>, seen: &HashSet<String>) {
    controls.retain(|c| !seen.contains(&c.id));
    for c in controls {
        drop_ids(&mut c.controls, seen);
    }
}

fn merge_groups(
    into: &mut Vec<Group>,
    incoming: Vec<Group>,
    selected: &HashSet<String>,
    seen: &mut HashSet<String>,
    combine: Combine,
    clashes: &mut Vec<String>,
) {
    for mut g in incoming {
        let existing =
            g.id.as_ref()
                .and_then(|id| into.iter_mut().find(|e| e.id.as_ref() == Some(id)));
        match existing {
            Some(e) => {
                merge_controls(
                    &mut e.controls,
                    std::mem::take(&mut g.controls),
                    selected,
                    seen,
                    combine,
                    clashes,
                );
                merge_groups(
                    &mut e.groups,
                    std::mem::take(&mut g.groups),
                    selected,
                    seen,
                    combine,
                    clashes,
                );
            }
            None => {
                let mut fresh = Group {
                    controls: Vec::new(),
                    groups: Vec::new(),
                    ..g.clone_shell()
                };
                merge_controls(
                    &mut fresh.controls,
                    g.controls,
                    selected,
                    seen,
                    combine,
                    clashes,
                );
                merge_groups(
                    &mut fresh.groups,
                    g.groups,
                    selected,
                    seen,
                    combine,
                    clashes,
                );
                into.push(fresh);
            }
        }
    }
}

impl Group {
    /// The group without its controls and subgroups.
    fn clone_shell(&self) -> Group {
        Group {
            id: self.id.clone(),
            class: self.class.clone(),
            title: self.title.clone(),
            params: self.params.clone(),
            props: self.props.clone(),
            links: self.links.clone(),
            parts: self.parts.clone(),
            groups: Vec::new(),
            controls: Vec::new(),
        }
    }
}

/// A group's selected controls as a list (flat: no nesting either); its parameters become
/// loose ones.
fn ungroup(
    g: Group,
    selected: &HashSet<String>,
    flat: bool,
    out: &mut Vec<Control>,
    params: &mut Vec<Param>,
) {
    params.extend(g.params);
    for c in g.controls {
        unstructure(c, selected, flat, out);
    }
    for sub in g.groups {
        ungroup(sub, selected, flat, out, params);
    }
}

/// Selected controls only: unselected parents are dropped, their selected enhancements
/// moved up. Flat: every control on its own, no nesting.
fn unstructure(mut c: Control, selected: &HashSet<String>, flat: bool, out: &mut Vec<Control>) {
    let children = std::mem::take(&mut c.controls);
    if selected.contains(&c.id) {
        out.push(c);
        let at = out.len() - 1;
        let mut nested = Vec::new();
        for child in children {
            if flat {
                unstructure(child, selected, flat, out);
            } else {
                nest(child, selected, &mut nested, out);
            }
        }
        out[at].controls = nested;
    } else {
        for child in children {
            unstructure(child, selected, flat, out);
        }
    }
}

fn nest(
    mut c: Control,
    selected: &HashSet<String>,
    nested: &mut Vec<Control>,
    out: &mut Vec<Control>,
) {
    if selected.contains(&c.id) {
        let children = std::mem::take(&mut c.controls);
        let mut inner = Vec::new();
        for child in children {
            nest(child, selected, &mut inner, out);
        }
        c.controls = inner;
        nested.push(c);
    } else {
        unstructure(c, selected, false, out);
    }
}

// ---------------------------------------------------------------------------------------------
// Modify

fn modify(cat: &mut Catalog, spec: &ProfileSpec, file: &str, notes: &mut Vec<Problem>) {
    if spec.set_params.is_empty() && spec.alters.is_empty() {
        return;
    }
    let mut m = Modifier {
        alters: HashMap::new(),
        sets: HashMap::new(),
        file,
        notes,
    };
    for a in &spec.alters {
        m.alters
            .entry(a.control_id.as_str())
            .or_insert_with(|| (false, Vec::new()))
            .1
            .push(a);
    }
    for s in &spec.set_params {
        m.sets
            .entry(s.param_id.as_str())
            .or_insert_with(|| (false, Vec::new()))
            .1
            .push(s);
    }
    m.params(&mut cat.params);
    for c in &mut cat.controls {
        m.control(c);
    }
    for g in &mut cat.groups {
        m.group(g);
    }
    let Modifier {
        alters,
        sets,
        notes,
        ..
    } = m;
    for a in &spec.alters {
        if alters
            .get(a.control_id.as_str())
            .is_some_and(|(used, _)| !used)
        {
            notes.push(Problem::new(
                file,
                a.pointer.clone(),
                format!("alter for control {:?}: the resolved catalog has no such control; nothing is changed", a.control_id),
            ));
        }
    }
    for s in &spec.set_params {
        if sets.get(s.param_id.as_str()).is_some_and(|(used, _)| !used) {
            notes.push(Problem::new(
                file,
                s.pointer.clone(),
                format!("set-parameter for {:?}: the resolved catalog has no such parameter; nothing is set", s.param_id),
            ));
        }
    }
}

#[derive(Debug)]
struct Modifier<'s, 'n> {
    alters: HashMap<&'s str, (bool, Vec<&'s Alter>)>,
    sets: HashMap<&'s str, (bool, Vec<&'s SetParam>)>,
    file: &'n str,
    notes: &'n mut Vec<Problem>,
}

impl Modifier<'_, '_> {
    fn group(&mut self, g: &mut Group) {
        self.params(&mut g.params);
        for c in &mut g.controls {
            self.control(c);
        }
        for sub in &mut g.groups {
            self.group(sub);
        }
    }

    fn control(&mut self, c: &mut Control) {
        if let Some((used, alters)) = self.alters.get_mut(c.id.as_str()) {
            *used = true;
            let alters = alters.clone();
            for a in alters {
                for r in &a.removes {
                    let removed = apply_remove(c, r);
                    if removed == 0 {
                        self.notes.push(Problem::new(
                            self.file,
                            r.pointer.clone(),
                            format!(
                                "remove in control {:?} matches nothing; nothing is removed",
                                c.id
                            ),
                        ));
                    }
                }
                for add in &a.adds {
                    if let Err(why) = apply_add(c, add) {
                        self.notes
                            .push(Problem::new(self.file, add.pointer.clone(), why));
                    }
                }
            }
        }
        self.params(&mut c.params);
        for sub in &mut c.controls {
            self.control(sub);
        }
    }

    fn params(&mut self, params: &mut [Param]) {
        for p in params {
            if let Some((used, sets)) = self.sets.get_mut(p.id.as_str()) {
                *used = true;
                for s in sets.iter() {
                    set_param(p, s);
                }
            }
        }
    }
}

fn set_param(p: &mut Param, s: &SetParam) {
    if s.class.is_some() {
        p.class.clone_from(&s.class);
    }
    if s.depends_on.is_some() {
        p.depends_on.clone_from(&s.depends_on);
    }
    if s.label.is_some() {
        p.label.clone_from(&s.label);
    }
    if s.usage.is_some() {
        p.usage.clone_from(&s.usage);
    }
    if !s.values.is_empty() {
        p.values.clone_from(&s.values);
    }
    if s.select.is_some() {
        p.select.clone_from(&s.select);
        // A new selection replaces values chosen before.
        if s.values.is_empty() {
            p.values.clear();
        }
    }
    p.constraints.extend(s.constraints.iter().cloned());
    p.guidelines.extend(s.guidelines.iter().cloned());
    for prop in &s.props {
        match p.props.iter_mut().find(|q| q.name == prop.name) {
            Some(q) => *q = prop.clone(),
            None => p.props.push(prop.clone()),
        }
    }
    for link in &s.links {
        match p.links.iter_mut().find(|q| q.href == link.href) {
            Some(q) => *q = link.clone(),
            None => p.links.push(link.clone()),
        }
    }
}

fn matches_ns(ns: Option<&str>, wanted: &str) -> bool {
    ns.unwrap_or("http://csrc.nist.gov/ns/oscal") == wanted
}

/// Remove what a `remove` designates from a control (not from its enhancements); how many
/// objects were removed.
fn apply_remove(c: &mut Control, r: &Remove) -> usize {
    if r.by_name.is_none()
        && r.by_class.is_none()
        && r.by_id.is_none()
        && r.by_item_name.is_none()
        && r.by_ns.is_none()
    {
        return 0;
    }
    let item = r.by_item_name.as_deref();
    let part_ok = |p: &Part| {
        item.is_none_or(|i| i == "part")
            && r.by_name.as_ref().is_none_or(|n| *n == p.name)
            && r.by_class
                .as_ref()
                .is_none_or(|k| p.class.as_ref() == Some(k))
            && r.by_id.as_ref().is_none_or(|id| p.id.as_ref() == Some(id))
            && r.by_ns
                .as_ref()
                .is_none_or(|ns| matches_ns(p.ns.as_deref(), ns))
    };
    let prop_ok = |p: &Prop| {
        item.is_none_or(|i| i == "prop")
            && r.by_id.is_none()
            && r.by_name.as_ref().is_none_or(|n| *n == p.name)
            && r.by_class
                .as_ref()
                .is_none_or(|k| p.class.as_ref() == Some(k))
            && r.by_ns
                .as_ref()
                .is_none_or(|ns| matches_ns(p.ns.as_deref(), ns))
    };
    let param_ok = |p: &Param| {
        item.is_none_or(|i| i == "param")
            && r.by_name.is_none()
            && r.by_ns.is_none()
            && r.by_class
                .as_ref()
                .is_none_or(|k| p.class.as_ref() == Some(k))
            && r.by_id.as_ref().is_none_or(|id| *id == p.id)
    };
    let link_ok = |_: &Link| {
        item == Some("link")
            && r.by_name.is_none()
            && r.by_class.is_none()
            && r.by_id.is_none()
            && r.by_ns.is_none()
    };
    let mut removed = 0;
    let mut retain_count = |n_before: usize, n_after: usize| removed += n_before - n_after;
    let n = c.params.len();
    c.params.retain(|p| !param_ok(p));
    retain_count(n, c.params.len());
    for p in &mut c.params {
        let n = p.props.len();
        p.props.retain(|q| !prop_ok(q));
        retain_count(n, p.props.len());
        let n = p.links.len();
        p.links.retain(|q| !link_ok(q));
        retain_count(n, p.links.len());
    }
    let n = c.props.len();
    c.props.retain(|p| !prop_ok(p));
    retain_count(n, c.props.len());
    let n = c.links.len();
    c.links.retain(|p| !link_ok(p));
    retain_count(n, c.links.len());
    fn parts(
        ps: &mut Vec<Part>,
        part_ok: &dyn Fn(&Part) -> bool,
        prop_ok: &dyn Fn(&Prop) -> bool,
        link_ok: &dyn Fn(&Link) -> bool,
    ) -> usize {
        let mut removed = 0;
        let n = ps.len();
        ps.retain(|p| !part_ok(p));
        removed += n - ps.len();
        for p in ps {
            let n = p.props.len();
            p.props.retain(|q| !prop_ok(q));
            removed += n - p.props.len();
            let n = p.links.len();
            p.links.retain(|q| !link_ok(q));
            removed += n - p.links.len();
            removed += parts(&mut p.parts, part_ok, prop_ok, link_ok);
        }
        removed
    }
    removed + parts(&mut c.parts, &part_ok, &prop_ok, &link_ok)
}

/// Where a by-id points inside a control: a part (path of indexes through nested parts) or a
/// parameter.
enum Anchor {
    Part(Vec<usize>),
    Param(usize),
}

fn find_part(parts: &[Part], id: &str, path: &mut Vec<usize>) -> bool {
    for (i, p) in parts.iter().enumerate() {
        path.push(i);
        if p.id.as_deref() == Some(id) || find_part(&p.parts, id, path) {
            return true;
        }
        path.pop();
    }
    false
}

fn part_at<'a>(parts: &'a mut [Part], path: &[usize]) -> Option<&'a mut Part> {
    let (first, rest) = path.split_first()?;
    let p = parts.get_mut(*first)?;
    if rest.is_empty() {
        Some(p)
    } else {
        part_at(&mut p.parts, rest)
    }
}

fn splice<T: Clone>(list: &mut Vec<T>, items: &[T], at_start: bool) {
    if items.is_empty() {
        return;
    }
    if at_start {
        list.splice(0..0, items.iter().cloned());
    } else {
        list.extend(items.iter().cloned());
    }
}

fn apply_add(c: &mut Control, add: &Add) -> Result<(), String> {
    let by_id = add.by_id.as_deref().filter(|id| *id != c.id);
    let Some(by_id) = by_id else {
        // Into the control itself.
        if let Some(t) = &add.title {
            c.title.clone_from(t);
        }
        let at_start = match add.position {
            Position::Starting => true,
            Position::Ending => false,
            Position::Before | Position::After => {
                return Err(format!(
                    "add in control {:?} has position {:?} without by-id: expected starting or ending (before and after need a by-id); nothing is added",
                    c.id,
                    format!("{:?}", add.position).to_lowercase()
                ));
            }
        };
        splice(&mut c.params, &add.params, at_start);
        splice(&mut c.props, &add.props, at_start);
        splice(&mut c.links, &add.links, at_start);
        splice(&mut c.parts, &add.parts, at_start);
        return Ok(());
    };
    let mut path = Vec::new();
    let anchor = if find_part(&c.parts, by_id, &mut path) {
        Anchor::Part(path)
    } else if let Some(i) = c.params.iter().position(|p| p.id == by_id) {
        Anchor::Param(i)
    } else {
        return Err(format!(
            "add in control {:?}: by-id {by_id:?} names no part or parameter of the control; nothing is added",
            c.id
        ));
    };
    match (anchor, add.position) {
        (Anchor::Part(path), Position::Starting | Position::Ending) => {
            let at_start = add.position == Position::Starting;
            let Some(part) = part_at(&mut c.parts, &path) else {
                return Err(format!(
                    "add in control {:?}: part {by_id:?} vanished",
                    c.id
                ));
            };
            if let Some(t) = &add.title {
                part.title = Some(t.clone());
            }
            splice(&mut part.props, &add.props, at_start);
            splice(&mut part.links, &add.links, at_start);
            splice(&mut part.parts, &add.parts, at_start);
            if !add.params.is_empty() {
                return Err(format!(
                    "add in control {:?} puts parameters inside part {by_id:?}, which cannot hold them; the parameters are left out",
                    c.id
                ));
            }
            Ok(())
        }
        (Anchor::Part(path), Position::Before | Position::After) => {
            let before = add.position == Position::Before;
            let (last, parent_path) = path
                .split_last()
                .map(|(l, p)| (*l, p.to_vec()))
                .unwrap_or((0, Vec::new()));
            let at = if before { last } else { last + 1 };
            // Parts go beside the anchor; props and links go to the object holding it.
            if parent_path.is_empty() {
                c.parts.splice(at..at, add.parts.iter().cloned());
                splice(&mut c.props, &add.props, before);
                splice(&mut c.links, &add.links, before);
                splice(&mut c.params, &add.params, before);
            } else {
                let Some(parent) = part_at(&mut c.parts, &parent_path) else {
                    return Err(format!(
                        "add in control {:?}: part {by_id:?} vanished",
                        c.id
                    ));
                };
                parent.parts.splice(at..at, add.parts.iter().cloned());
                splice(&mut parent.props, &add.props, before);
                splice(&mut parent.links, &add.links, before);
                if !add.params.is_empty() {
                    splice(&mut c.params, &add.params, before);
                }
            }
            if add.title.is_some() {
                return Err(format!(
                    "add in control {:?} gives a title with position before/after; the title is not changed",
                    c.id
                ));
            }
            Ok(())
        }
        (Anchor::Param(i), Position::Before | Position::After) => {
            let at = if add.position == Position::Before {
                i
            } else {
                i + 1
            };
            c.params.splice(at..at, add.params.iter().cloned());
            let before = add.position == Position::Before;
            splice(&mut c.props, &add.props, before);
            splice(&mut c.links, &add.links, before);
            splice(&mut c.parts, &add.parts, before);
            Ok(())
        }
        (Anchor::Param(i), Position::Starting | Position::Ending) => {
            let at_start = add.position == Position::Starting;
            let p = &mut c.params[i];
            splice(&mut p.props, &add.props, at_start);
            splice(&mut p.links, &add.links, at_start);
            if add.parts.is_empty() && add.params.is_empty() && add.title.is_none() {
                Ok(())
            } else {
                Err(format!(
                    "add in control {:?} puts parts, parameters or a title inside parameter {by_id:?}, which cannot hold them; they are left out",
                    c.id
                ))
            }
        }
    }
}

/// Loose parameters (outside controls) stay only when some content inserts them.
fn prune_loose_params(cat: &mut Catalog) {
    let has_loose = !cat.params.is_empty() || cat.groups.iter().any(group_has_params);
    if !has_loose {
        return;
    }
    let mut used: HashSet<String> = HashSet::new();
    let json = catalog::to_json(cat);
    collect_inserts(&json, &mut used);
    cat.params.retain(|p| used.contains(&p.id));
    fn prune(g: &mut Group, used: &HashSet<String>) {
        g.params.retain(|p| used.contains(&p.id));
        for sub in &mut g.groups {
            prune(sub, used);
        }
    }
    for g in &mut cat.groups {
        prune(g, &used);
    }
}

fn group_has_params(g: &Group) -> bool {
    !g.params.is_empty() || g.groups.iter().any(group_has_params)
}

fn collect_inserts(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(start) = rest.find("{{") {
                let Some(len) = rest[start..].find("}}") else {
                    break;
                };
                if let Some(id) = catalog::insert_param_id(&rest[start + 2..start + len]) {
                    out.insert(id.to_owned());
                }
                rest = &rest[start + len + 2..];
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_inserts(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_inserts(x, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Back matter and metadata

fn back_matter(resources: Vec<Resource>, cat: &Catalog, metadata: &Value) -> Vec<Resource> {
    // A later resource with the same uuid replaces the earlier one (and takes its place at
    // the end, as the specification says).
    let mut last: HashMap<String, usize> = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        last.insert(r.uuid.clone(), i);
    }
    let mut used: HashSet<&str> = catalog::referenced_fragments(cat);
    let mut meta_strings = Vec::new();
    strings_in(metadata, &mut meta_strings);
    for s in &meta_strings {
        catalog::fragments_in(s, &mut used);
    }
    let used: HashSet<String> = used.into_iter().map(str::to_owned).collect();
    resources
        .into_iter()
        .enumerate()
        .filter(|(i, r)| last.get(&r.uuid) == Some(i) && used.contains(&r.uuid))
        .map(|(_, r)| r)
        .collect()
}

fn strings_in<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings_in(x, out)),
        _ => {}
    }
}

fn resolved_metadata(spec: &ProfileSpec, doc: &Document) -> catalog::Metadata {
    let mut value = match &spec.metadata.value {
        Value::Object(o) => o.clone(),
        _ => Map::new(),
    };
    let prop = |name: &str, v: &str| {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(name.to_owned()));
        m.insert("value".into(), Value::String(v.to_owned()));
        Value::Object(m)
    };
    let mut props = match value.remove("props") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    props.retain(|p| {
        let name = p.get("name").and_then(Value::as_str);
        !matches!(name, Some("resolution-tool" | "source-profile-uuid")) || p.get("ns").is_some()
    });
    props.push(prop(
        "resolution-tool",
        concat!("demarc ", env!("CARGO_PKG_VERSION")),
    ));
    if !spec.uuid.is_empty() {
        props.push(prop("source-profile-uuid", &spec.uuid));
    }
    value.insert("props".into(), Value::Array(props));
    let name = doc_file_names(doc)
        .into_iter()
        .flatten()
        .next()
        .map(encode_href)
        .unwrap_or_else(|| "profile".to_owned());
    let mut links = match value.remove("links") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    links.retain(|l| l.get("rel").and_then(Value::as_str) != Some("source-profile"));
    let mut link = Map::new();
    link.insert("href".into(), Value::String(name));
    link.insert("rel".into(), Value::String("source-profile".into()));
    links.push(Value::Object(link));
    value.insert("links".into(), Value::Array(links));
    catalog::Metadata {
        title: spec.metadata.title.clone(),
        version: spec.metadata.version.clone(),
        oscal_version: spec.metadata.oscal_version.clone(),
        value: Value::Object(value),
    }
}

/// A file name as a URI reference (spaces and other unsafe bytes percent-encoded).
fn encode_href(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stable UUID (version 5 layout) from some strings: the same inputs always give the same
/// uuid. Not RFC 4122 name-based hashing (no SHA-1 here), but valid for the OSCAL schema.
pub fn derived_uuid(parts: &[&str]) -> String {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            a = (a ^ u64::from(byte)).wrapping_mul(PRIME);
            b = (b ^ u64::from(byte)).wrapping_mul(PRIME).rotate_left(29);
        }
    }
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        assert!(glob_match("ac-*", "ac-2.1"));
        assert!(glob_match("ac-?", "ac-2"));
        assert!(!glob_match("ac-?", "ac-22"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
    }

    #[test]
    fn uuids_are_stable_and_valid() {
        let u = derived_uuid(&["a", "b"]);
        assert_eq!(u, derived_uuid(&["a", "b"]));
        assert_ne!(u, derived_uuid(&["ab"]));
        let re = |s: &str| {
            let parts: Vec<&str> = s.split('-').collect();
            parts.len() == 5
                && [8, 4, 4, 4, 12]
                    .iter()
                    .zip(&parts)
                    .all(|(n, p)| p.len() == *n)
                && parts[2].starts_with('5')
                && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
        };
        assert!(re(&u), "{u}");
    }

    fn catalog_doc() -> Document {
        Document {
            file: "cat.json".into(),
            path: PathBuf::new(),
            kind: Kind::Catalog,
            value: json!({"catalog": {
                "uuid": "11111111-1111-4111-8111-111111111111",
                "metadata": {"title": "C", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
                "groups": [
                    {"id": "a", "title": "A", "controls": [
                        {"id": "a-1", "title": "A1", "params": [{"id": "a-1_prm_1", "label": "x"}],
                         "parts": [{"id": "a-1_smt", "name": "statement", "prose": "Do {{ insert: param, a-1_prm_1 }}.", "parts": [
                            {"id": "a-1_smt.a", "name": "item", "prose": "one"},
                            {"id": "a-1_smt.b", "name": "item", "prose": "two"}]},
                            {"id": "a-1_gdn", "name": "guidance", "prose": "see [r](#r1)"}],
                         "controls": [{"id": "a-1.1", "title": "A1.1"}, {"id": "a-1.2", "title": "A1.2"}]},
                        {"id": "a-2", "title": "A2"}
                    ]},
                    {"id": "b", "title": "B", "controls": [{"id": "b-1", "title": "B1"}]}
                ],
                "back-matter": {"resources": [{"uuid": "r1", "title": "R1"}, {"uuid": "r2", "title": "R2"}]}
            }}),
        }
    }

    fn profile_doc(body: Value) -> Document {
        let mut p = json!({
            "uuid": "22222222-2222-4222-8222-222222222222",
            "metadata": {"title": "P", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
            "imports": [{"href": "cat.json"}]
        });
        if let (Some(p), Some(b)) = (p.as_object_mut(), body.as_object()) {
            for (k, v) in b {
                p.insert(k.clone(), v.clone());
            }
        }
        Document {
            file: "p.json".into(),
            path: PathBuf::new(),
            kind: Kind::Profile,
            value: json!({ "profile": p }),
        }
    }

    fn ids(cat: &Catalog) -> Vec<String> {
        cat.all_controls().iter().map(|c| c.id.clone()).collect()
    }

    #[test]
    fn selects_as_is_keeping_parents() {
        let cat = catalog_doc();
        let p = profile_doc(json!({
            "imports": [{"href": "cat.json", "include-controls": [{"with-ids": ["a-1.2", "zz-9"]}]}],
            "merge": {"as-is": true}
        }));
        let mut notes = Vec::new();
        let out = resolve_with(&p, &[], &[&cat], &mut notes).unwrap();
        assert_eq!(ids(&out), ["a-1", "a-1.2"]);
        assert_eq!(out.groups.len(), 1);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].message.contains("zz-9"));
        assert_eq!(notes[0].pointer, "/profile/imports/0/include-controls/0");
        assert_eq!(
            out.back_matter.len(),
            1,
            "only the referenced resource is kept"
        );
        assert_eq!(out.metadata.title, "P");
        let v = catalog::to_json(&out);
        assert_eq!(
            v["catalog"]["metadata"]["links"][0]["rel"],
            "source-profile"
        );
    }

    #[test]
    fn selected_withdrawn_controls_are_noted() {
        let mut cat = catalog_doc();
        cat.value["catalog"]["groups"][1]["controls"][0]["props"] =
            json!([{"name": "status", "value": "withdrawn"}]);
        let mut notes = Vec::new();
        let out = resolve_with(&profile_doc(json!({})), &[], &[&cat], &mut notes).unwrap();
        assert_eq!(out.withdrawn_count(), 1);
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(notes[0].message.starts_with("1 controls are withdrawn"));
        assert_eq!(notes[0].file, "p.json");
    }

    #[test]
    fn unstructured_and_flat() {
        let cat = catalog_doc();
        let sel = json!([{"href": "cat.json", "include-controls": [{"with-ids": ["a-1", "a-1.1", "b-1"]}]}]);
        let mut notes = Vec::new();
        let none = resolve_with(
            &profile_doc(json!({"imports": sel})),
            &[],
            &[&cat],
            &mut notes,
        )
        .unwrap();
        assert!(none.groups.is_empty());
        assert_eq!(none.controls.len(), 2);
        assert_eq!(none.controls[0].controls.len(), 1);
        let flat = resolve_with(
            &profile_doc(json!({"imports": sel, "merge": {"flat": {}}})),
            &[],
            &[&cat],
            &mut notes,
        )
        .unwrap();
        assert_eq!(
            flat.controls
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["a-1", "a-1.1", "b-1"]
        );
        assert!(flat.controls.iter().all(|c| c.controls.is_empty()));
        let with_children = resolve_with(
            &profile_doc(json!({"imports": [{"href": "cat.json", "include-controls": [{"matching": [{"pattern": "a-1*"}], "with-child-controls": "yes"}],
                "exclude-controls": [{"with-ids": ["a-1.1"]}]}], "merge": {"as-is": true}})),
            &[],
            &[&cat],
            &mut notes,
        )
        .unwrap();
        assert_eq!(ids(&with_children), ["a-1", "a-1.2"]);
        let custom = resolve_with(
            &profile_doc(json!({"merge": {"custom": {}}})),
            &[],
            &[&cat],
            &mut notes,
        );
        assert!(
            matches!(custom, Err(OscalError::Invalid(ref ps)) if ps[0].pointer == "/profile/merge/custom")
        );
    }

    #[test]
    fn clashes_need_use_first() {
        let cat = catalog_doc();
        let imports = json!([
            {"href": "cat.json", "include-controls": [{"with-ids": ["a-1"]}]},
            {"href": "cat.json", "include-controls": [{"with-ids": ["a-1", "a-2"]}]}
        ]);
        let mut notes = Vec::new();
        let keep = resolve_with(
            &profile_doc(json!({"imports": imports, "merge": {"as-is": true}})),
            &[],
            &[&cat],
            &mut notes,
        );
        assert!(keep.is_err());
        let first = resolve_with(
            &profile_doc(json!({"imports": imports, "merge": {"as-is": true, "combine": {"method": "use-first"}}})),
            &[],
            &[&cat],
            &mut notes,
        )
        .unwrap();
        assert_eq!(ids(&first), ["a-1", "a-2"]);
    }

    #[test]
    fn modifies() {
        let cat = catalog_doc();
        let p = profile_doc(json!({
            "merge": {"as-is": true},
            "modify": {
                "set-parameters": [
                    {"param-id": "a-1_prm_1", "values": ["daily"], "constraints": [{"description": "at least daily"}]},
                    {"param-id": "nope", "label": "x"}
                ],
                "alters": [
                    {"control-id": "a-1",
                     "removes": [{"by-id": "a-1_smt.a"}, {"by-name": "guidance"}, {"by-name": "nothing-here"}],
                     "adds": [
                        {"position": "starting", "by-id": "a-1_smt", "props": [{"name": "response-point", "ns": "https://fedramp.gov/ns/oscal", "value": "Required"}]},
                        {"position": "after", "by-id": "a-1_smt.b", "parts": [{"id": "a-1_smt.c", "name": "item", "prose": "three"}]},
                        {"props": [{"name": "method", "value": "TEST"}], "title": "New"},
                        {"by-id": "missing", "props": [{"name": "x", "value": "y"}]}
                     ]},
                    {"control-id": "zz"}
                ]
            }
        }));
        let mut notes = Vec::new();
        let out = resolve_with(&p, &[], &[&cat], &mut notes).unwrap();
        let a1 = out.all_controls()[0].clone();
        assert_eq!(a1.title, "New");
        assert_eq!(a1.params[0].values, ["daily"]);
        assert_eq!(a1.params[0].constraints.len(), 1);
        assert_eq!(a1.parts.len(), 1, "guidance removed");
        let smt = &a1.parts[0];
        assert_eq!(smt.props[0].name, "response-point");
        let items: Vec<_> = smt
            .parts
            .iter()
            .map(|p| p.id.clone().unwrap_or_default())
            .collect();
        assert_eq!(items, ["a-1_smt.b", "a-1_smt.c"]);
        assert_eq!(a1.props.last().map(|p| p.value.as_str()), Some("TEST"));
        let msgs: Vec<&str> = notes.iter().map(|n| n.message.as_str()).collect();
        assert_eq!(notes.len(), 4, "{msgs:#?}");
        assert!(msgs.iter().any(|m| m.contains("matches nothing")));
        assert!(msgs.iter().any(|m| m.contains("\"missing\"")));
        assert!(msgs.iter().any(|m| m.contains("control \"zz\"")));
        assert!(msgs.iter().any(|m| m.contains("\"nope\"")));
        assert_eq!(
            out.back_matter.len(),
            0,
            "the guidance that referred to r1 is gone"
        );
    }

    #[test]
    fn circular_imports_are_refused() {
        let dir = std::env::temp_dir().join(format!("demarc-profile-cycle-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let body = |other: &str| {
            json!({"profile": {"uuid": "22222222-2222-4222-8222-222222222222",
                "metadata": {"title": "P", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
                "imports": [{"href": other}]}})
            .to_string()
        };
        std::fs::write(dir.join("a.json"), body("b.json")).unwrap();
        std::fs::write(dir.join("b.json"), body("a.json")).unwrap();
        let a = document::load(&dir.join("a.json")).unwrap();
        let mut notes = Vec::new();
        let err = resolve(&a, &[], &mut notes).unwrap_err().to_string();
        assert!(err.contains("circular import"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
