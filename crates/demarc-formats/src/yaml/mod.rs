//! Model directories: the YAML files people keep in git, read into a [`Model`] and written back.
//!
//! A model directory holds `demarc.yaml`, `parties.yaml`, `services.yaml`, and one file per
//! service under `allocations/`; it may hold catalogue files of its own (named in
//! `demarc.yaml`). See `docs/model-format.md`.

pub mod raw;
pub mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use demarc_core::Layer;
use demarc_core::model::{
    Allocation, Area, Catalogue, CatalogueInfo, Contest, Evidence, Loc, Model, Party, Person,
    Preset, PresetEntry, Ref, Responsibility, Review, Role, Service, ServiceAllocations, Statement,
    SuggestedTask, Task, Terms,
};
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;

use crate::builtin;
use raw::{CellRaw, EvidenceList};

/// The fixed file names of a model directory.
pub const MODEL_FILE: &str = "demarc.yaml";
pub const PARTIES_FILE: &str = "parties.yaml";
pub const SERVICES_FILE: &str = "services.yaml";
pub const ALLOCATIONS_DIR: &str = "allocations";

/// Why a model could not be read: which file, where in it, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The file, as a path relative to the model directory (or as given).
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    /// The offending lines with a marker, when available.
    pub snippet: Option<String>,
}

impl LoadError {
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            snippet: None,
        }
    }

    fn at(file: &str, loc: Loc, message: impl Into<String>) -> LoadError {
        LoadError {
            file: file.to_owned(),
            line: Some(loc.line),
            column: Some(loc.column),
            message: message.into(),
            snippet: None,
        }
    }

    fn from_yaml(file: &str, err: &serde_saphyr::Error) -> LoadError {
        let loc = err.location();
        let plain = err.render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        });
        let message = for_people(&strip_location(&plain));
        let snippet = for_people(&err.render_with_options(serde_saphyr::render_options! {
            source_name: Some(file),
        }));
        LoadError {
            file: file.to_owned(),
            line: loc.map(|l| l.line() as u32).filter(|&l| l > 0),
            column: loc.map(|l| l.column() as u32).filter(|&c| c > 0),
            message,
            snippet: (snippet != plain).then_some(snippet),
        }
    }
}

/// serde-saphyr's plain rendering is "error: line L column C: message"; we print the location
/// ourselves.
fn strip_location(s: &str) -> String {
    let s = s.trim().strip_prefix("error: ").unwrap_or(s.trim());
    if let Some(rest) = s.strip_prefix("line ")
        && let Some((_, msg)) = rest.split_once(": ")
        && rest
            .split(':')
            .next()
            .is_some_and(|loc| loc.contains(" column "))
    {
        return strip_at_suffix(msg).to_owned();
    }
    strip_at_suffix(s).to_owned()
}

/// Whether an id can be used everywhere ids go (file names, CSV cells, flow lists, URLs):
/// letters and digits, with `-`, `_`, `.` or `:` between them.
pub fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(char::is_alphanumeric)
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// Every id a model defines that breaks the rule of [`valid_id`], where it is defined.
fn id_errors(model: &Model) -> Vec<LoadError> {
    let mut out = Vec::new();
    let mut check = |what: &str, id: &str, loc: Option<Loc>| {
        if valid_id(id) {
            return;
        }
        let file = model.file_name(loc).unwrap_or(MODEL_FILE).to_owned();
        let suggestion = crate::init::slug(id);
        out.push(LoadError {
            file,
            line: loc.map(|l| l.line),
            column: loc.map(|l| l.column),
            message: format!(
                "the {what} id \"{id}\" may use only letters, digits and - _ . : and must start with a letter or digit (for example \"{suggestion}\"); the name can say anything"
            ),
            snippet: None,
        });
    };
    for p in &model.parties {
        check("party", &p.id, p.loc);
        for r in &p.roles {
            check("role", &r.id, r.loc);
        }
    }
    for s in &model.services {
        check("service", &s.id, s.loc);
    }
    for a in &model.catalogue.areas {
        check("area", &a.id, a.loc);
        for r in &a.responsibilities {
            check("responsibility", &r.id, r.loc);
        }
    }
    for p in &model.catalogue.presets {
        check("preset", &p.id, p.loc);
    }
    out
}

/// serde-saphyr's messages, where they speak to programmers, said for people.
fn for_people(message: &str) -> String {
    message.replace(
        ", set DuplicateKeyPolicy in Options if acceptable",
        " (each key may appear only once in a map)",
    )
}

/// A file that is not UTF-8, with the line and column of its first bad byte.
fn not_utf8(file: &str, bytes: &[u8], valid_up_to: usize) -> LoadError {
    let good = &bytes[..valid_up_to.min(bytes.len())];
    let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
    let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
    LoadError {
        file: file.to_owned(),
        line: Some(line),
        column: Some(column),
        message: "is not UTF-8 text: save it as UTF-8 (this byte is not)".to_owned(),
        snippet: None,
    }
}

/// Custom messages come back with " at line L, column C" appended.
fn strip_at_suffix(s: &str) -> &str {
    if let Some(i) = s.rfind(" at line ")
        && s[i + 9..].split_once(", column ").is_some_and(|(l, c)| {
            l.bytes().all(|b| b.is_ascii_digit()) && c.bytes().all(|b| b.is_ascii_digit())
        })
    {
        return &s[..i];
    }
    s
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for LoadError {}

/// The text of a model's files, by path relative to the model directory.
#[derive(Clone, Debug, Default)]
pub struct ModelFiles {
    pub files: Vec<(String, String)>,
}

impl ModelFiles {
    fn get(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }
}

/// Read the files of a model directory (no parsing beyond finding the catalogue files it
/// names).
pub fn read_dir(dir: &Path) -> Result<ModelFiles, LoadError> {
    let shown = |p: &Path| p.display().to_string();
    let model_path = dir.join(MODEL_FILE);
    if !dir.is_dir() {
        return Err(LoadError::file(
            shown(dir),
            "is not a directory; a model is a directory holding demarc.yaml (create one with `demarc init DIR`)",
        ));
    }
    if !model_path.is_file() {
        return Err(LoadError::file(
            shown(dir),
            format!(
                "is not a demarc model: it has no {MODEL_FILE} (create one with `demarc init`)"
            ),
        ));
    }
    let mut files = Vec::new();
    let read =
        |files: &mut Vec<(String, String)>, rel: &str, path: &Path| -> Result<(), LoadError> {
            let bytes = std::fs::read(path)
                .map_err(|e| LoadError::file(rel, format!("cannot be read: {e}")))?;
            let text = String::from_utf8(bytes)
                .map_err(|e| not_utf8(rel, e.as_bytes(), e.utf8_error().valid_up_to()))?;
            files.push((rel.to_owned(), text));
            Ok(())
        };
    read(&mut files, MODEL_FILE, &model_path)?;
    for name in [PARTIES_FILE, SERVICES_FILE] {
        let p = dir.join(name);
        if p.is_file() {
            read(&mut files, name, &p)?;
        }
    }
    let alloc_dir = dir.join(ALLOCATIONS_DIR);
    if alloc_dir.is_dir() {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&alloc_dir)
            .map_err(|e| LoadError::file(ALLOCATIONS_DIR, format!("cannot be read: {e}")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        names.sort();
        for p in names {
            let rel = format!(
                "{ALLOCATIONS_DIR}/{}",
                p.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            );
            read(&mut files, &rel, &p)?;
        }
    }
    // Catalogue files named by path in demarc.yaml.
    let model_text = files[0].1.clone();
    if let Ok(mf) = serde_saphyr::from_str::<raw::ModelFile>(&model_text) {
        for c in mf
            .catalogues
            .iter()
            .map(|c| &c.value)
            .filter(|c| builtin::get(c).is_none())
        {
            let p = dir.join(c);
            if p.is_file() {
                read(&mut files, c, &p)?;
            }
        }
    }
    Ok(ModelFiles { files })
}

/// Read and parse a model directory.
pub fn load(dir: &Path) -> Result<Model, Vec<LoadError>> {
    let files = read_dir(dir).map_err(|e| vec![e])?;
    parse(&files)
}

fn from_yaml<T: DeserializeOwned>(file: &str, text: &str) -> Result<T, LoadError> {
    serde_saphyr::from_str(text).map_err(|e| LoadError::from_yaml(file, &e))
}

/// Parse a model from its files. Every file is parsed and every error reported, not just the
/// first.
pub fn parse(files: &ModelFiles) -> Result<Model, Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut model = Model::default();
    let Some(model_text) = files.get(MODEL_FILE) else {
        return Err(vec![LoadError::file(
            MODEL_FILE,
            "is missing: every model has one",
        )]);
    };
    let mut conv = Convert {
        file: 0,
        errors: Vec::new(),
    };

    model.files.push(MODEL_FILE.to_owned());
    let mut catalogue_refs: Vec<Ref> = Vec::new();
    match from_yaml::<raw::ModelFile>(MODEL_FILE, model_text) {
        Ok(mf) => {
            model.name = mf.name;
            model.customer = conv.r(&mf.customer);
            model.version = mf.version;
            if let Some(review) = mf.review {
                model.review = Review {
                    last: review.value.last.map(|d| d.0),
                    next: review.value.next.map(|d| d.0),
                    loc: Some(conv.loc(&review)),
                };
            }
            catalogue_refs = mf.catalogues.iter().map(|c| conv.r(c)).collect();
            model.catalogues = mf.catalogues.into_iter().map(|c| c.value).collect();
        }
        Err(e) => errors.push(e),
    }

    for r in catalogue_refs {
        let name = r.id;
        let (file_name, text) = match builtin::get(&name) {
            Some(text) => (format!("builtin:{name}"), text),
            None => match files.get(&name) {
                Some(text) => (name.clone(), text),
                None => {
                    let local = files
                        .files
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .filter(|n| !n.starts_with("allocations/"));
                    let hint = demarc_core::finding::did_you_mean(
                        &name,
                        builtin::names().into_iter().chain(local),
                    );
                    errors.push(LoadError::at(
                        MODEL_FILE,
                        r.loc.unwrap_or_default(),
                        format!(
                            "catalogue \"{name}\" is neither a built-in catalogue ({}) nor a file in the model directory{hint}",
                            builtin::names().join(", ")
                        ),
                    ));
                    continue;
                }
            },
        };
        conv.file = model.files.len() as u32;
        model.files.push(file_name.clone());
        match parse_catalogue_with(&mut conv, &file_name, text) {
            Ok(c) => model.catalogue.merge(c),
            Err(e) => errors.push(e),
        }
    }

    if let Some(text) = files.get(PARTIES_FILE) {
        conv.file = model.files.len() as u32;
        model.files.push(PARTIES_FILE.to_owned());
        match from_yaml::<raw::PartiesFile>(PARTIES_FILE, text) {
            Ok(pf) => model.parties = pf.parties.into_iter().map(|p| conv.party(p)).collect(),
            Err(e) => errors.push(e),
        }
    }
    if let Some(text) = files.get(SERVICES_FILE) {
        conv.file = model.files.len() as u32;
        model.files.push(SERVICES_FILE.to_owned());
        match from_yaml::<raw::ServicesFile>(SERVICES_FILE, text) {
            Ok(sf) => model.services = sf.services.into_iter().map(|s| conv.service(s)).collect(),
            Err(e) => errors.push(e),
        }
    }

    let alloc_files: Vec<&(String, String)> = files
        .files
        .iter()
        .filter(|(n, _)| is_allocations_file(n))
        .collect();
    let first = model.files.len() as u32;
    model
        .files
        .extend(alloc_files.iter().map(|(n, _)| n.clone()));
    let parsed = parse_in_parallel(&alloc_files, first);
    for result in parsed {
        match result {
            Ok((group, errs)) => {
                model.allocations.push(group);
                errors.extend(errs);
            }
            Err(e) => errors.push(e),
        }
    }
    errors.extend(conv.errors);
    if errors.is_empty() {
        errors.extend(id_errors(&model));
    }
    if errors.is_empty() {
        Ok(model)
    } else {
        Err(errors)
    }
}

/// Parse `files` again after a change, reusing `previous`, the model parsed from
/// `previous_files`, for what did not change. When only the text of allocation files changed
/// (the same files, in the same order, every other file the same), only those are read again;
/// otherwise the whole model is. Either way the result is what [`parse`] gives for `files`,
/// locations and errors included: a model edited one row at a time (the workshop server) pays
/// for the row, not the model.
pub fn reparse(
    previous: &Model,
    previous_files: &ModelFiles,
    files: &ModelFiles,
) -> Result<Model, Vec<LoadError>> {
    let same_shape = previous_files.files.len() == files.files.len()
        && previous_files
            .files
            .iter()
            .zip(&files.files)
            .all(|((pn, pt), (n, t))| pn == n && (is_allocations_file(n) || pt == t));
    let alloc_files: Vec<&(String, String)> = files
        .files
        .iter()
        .filter(|(n, _)| is_allocations_file(n))
        .collect();
    // The previous model holds one group per allocation file, in file order, and names those
    // files last (and no catalogue among them): anything else and it was not parsed from
    // `previous_files` by `parse`, so start again.
    let first = previous.files.len().checked_sub(alloc_files.len());
    let consistent = first.is_some_and(|first| {
        previous.allocations.len() == alloc_files.len()
            && !previous.files[..first]
                .iter()
                .any(|n| is_allocations_file(n))
            && previous.files[first..]
                .iter()
                .zip(&alloc_files)
                .all(|(a, (n, _))| a == n)
    });
    let (true, true, Some(first)) = (same_shape, consistent, first) else {
        return parse(files);
    };
    let mut model = previous.clone();
    let mut errors = Vec::new();
    let previous_alloc = previous_files
        .files
        .iter()
        .filter(|(n, _)| is_allocations_file(n));
    for (i, (file, old)) in alloc_files.iter().zip(previous_alloc).enumerate() {
        if file.1 == old.1 {
            continue;
        }
        match parse_allocations_file(&file.0, &file.1, (first + i) as u32) {
            Ok((group, errs)) => {
                model.allocations[i] = group;
                errors.extend(errs);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(model)
    } else {
        Err(errors)
    }
}

/// Whether a model file is one of its allocation files.
fn is_allocations_file(name: &str) -> bool {
    name.strip_prefix(ALLOCATIONS_DIR)
        .is_some_and(|rest| rest.starts_with('/'))
}

type Parsed = Result<(ServiceAllocations, Vec<LoadError>), LoadError>;

/// One allocation file, the `file`th file of the model.
fn parse_allocations_file(name: &str, text: &str, file: u32) -> Parsed {
    match fast::allocations(text, file) {
        Some(group) => Ok((group, Vec::new())),
        None => parse_allocations_generally(name, text, file),
    }
}

/// One allocation file, by the general YAML reader (what the quick one leaves to it).
fn parse_allocations_generally(name: &str, text: &str, file: u32) -> Parsed {
    let af: raw::AllocationsFile = from_yaml(name, text)?;
    let mut conv = Convert {
        file,
        errors: Vec::new(),
    };
    let group = ServiceAllocations {
        service: conv.r(&af.service),
        cells: af
            .responsibilities
            .0
            .into_iter()
            .map(|(k, v)| conv.allocation(&k, v, false, name))
            .collect(),
    };
    Ok((group, conv.errors))
}

/// Allocation files are most of a large model: parse them on every core.
fn parse_in_parallel(files: &[&(String, String)], first: u32) -> Vec<Parsed> {
    let parse_one = |i: usize, (name, text): &(String, String)| -> Parsed {
        parse_allocations_file(name, text, first + i as u32)
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().max(1));
    if threads <= 1 || files.len() < 8 {
        return files
            .iter()
            .enumerate()
            .map(|(i, f)| parse_one(i, f))
            .collect();
    }
    let chunk = files.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                scope.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, f)| parse_one(c * chunk + i, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(LoadError::file(
                        ALLOCATIONS_DIR,
                        "an allocation file could not be parsed (internal error)",
                    ))]
                })
            })
            .collect()
    })
}

/// Parse one catalogue file (built-in or the user's own).
pub fn parse_catalogue(file_name: &str, text: &str) -> Result<Catalogue, Vec<LoadError>> {
    let mut conv = Convert {
        file: 0,
        errors: Vec::new(),
    };
    let c = parse_catalogue_with(&mut conv, file_name, text).map_err(|e| vec![e])?;
    if conv.errors.is_empty() {
        Ok(c)
    } else {
        Err(conv.errors)
    }
}

fn parse_catalogue_with(
    conv: &mut Convert,
    file_name: &str,
    text: &str,
) -> Result<Catalogue, LoadError> {
    let cf: raw::CatalogueFile = from_yaml(file_name, text)?;
    let cat_id = cf
        .catalogue
        .as_ref()
        .map_or_else(|| file_name.to_owned(), |c| c.id.clone());
    let mut out = Catalogue::default();
    if let Some(info) = cf.catalogue {
        out.sources.push(CatalogueInfo {
            id: info.id,
            title: info.title,
            version: info.version,
            licence: info.licence,
            source: info.source,
            description: info.description,
        });
    }
    for a in cf.areas {
        out.areas.push(Area {
            id: a.id.value.clone(),
            title: a.title,
            description: a.description,
            catalogue: cat_id.clone(),
            loc: Some(conv.loc(&a.id)),
            responsibilities: a
                .responsibilities
                .into_iter()
                .map(|r| Responsibility {
                    loc: Some(conv.loc(&r.id)),
                    id: r.id.value,
                    title: r.title,
                    description: r.description,
                    layer: r.layer.map_or(Layer::Governance, |l| l.0),
                    retained: r.retained,
                    mappings: r.mappings,
                    suggested_tasks: r
                        .suggested_tasks
                        .into_iter()
                        .map(|t| SuggestedTask {
                            kind: t.kind.0,
                            description: t.description,
                        })
                        .collect(),
                    statements: r
                        .statements
                        .into_iter()
                        .map(|s| Statement {
                            id: s.id,
                            text: s.text,
                        })
                        .collect(),
                })
                .collect(),
        });
    }
    for p in cf.presets {
        let entries = p
            .allocations
            .0
            .into_iter()
            .map(|(k, v)| {
                let (expected, why) = match &v {
                    CellRaw::Full(f) => (f.expected, f.why.clone()),
                    CellRaw::Short(_) => (false, None),
                };
                PresetEntry {
                    allocation: conv.allocation(&k, v, true, file_name),
                    expected,
                    why,
                }
            })
            .collect();
        out.presets.push(Preset {
            loc: Some(conv.loc(&p.id)),
            id: p.id.value,
            title: p.title,
            description: p.description,
            service_model: p.service_model.map(|m| m.0),
            entries,
        });
    }
    Ok(out)
}

/// Turns raw file values into model values, noting locations and the few errors that the file
/// shapes alone cannot express.
struct Convert {
    file: u32,
    errors: Vec<LoadError>,
}

impl Convert {
    fn loc<T>(&self, s: &Spanned<T>) -> Loc {
        Loc {
            file: self.file,
            line: s.referenced.line() as u32,
            column: s.referenced.column() as u32,
        }
    }

    fn r(&self, s: &Spanned<String>) -> Ref {
        Ref::at(s.value.clone(), self.loc(s))
    }

    fn party(&mut self, p: raw::PartyRaw) -> Party {
        Party {
            loc: Some(self.loc(&p.id)),
            id: p.id.value,
            name: p.name,
            kind: p.kind,
            description: p.description,
            roles: p
                .roles
                .into_iter()
                .map(|r| Role {
                    loc: Some(self.loc(&r.id)),
                    id: r.id.value,
                    name: r.name,
                })
                .collect(),
            people: p
                .people
                .into_iter()
                .map(|x| Person {
                    name: x.name,
                    email: x.email,
                    role: x.role.as_ref().map(|r| self.r(r)),
                    title: x.title,
                    signatory: x.signatory,
                })
                .collect(),
        }
    }

    fn service(&mut self, s: raw::ServiceRaw) -> Service {
        Service {
            loc: Some(self.loc(&s.id)),
            id: s.id.value,
            name: s.name,
            description: s.description,
            provider: self.r(&s.provider),
            customer: s.customer.as_ref().map(|c| self.r(c)),
            model: s.model.map(|m| m.0),
            built_on: s.built_on.iter().map(|b| self.r(b)).collect(),
            presets: s.presets.map(|ps| ps.iter().map(|p| self.r(p)).collect()),
            contract: s.contract,
            evidence: evidence(s.evidence),
            components: s.components,
        }
    }

    fn allocation(
        &mut self,
        key: &Spanned<String>,
        v: CellRaw,
        preset: bool,
        file: &str,
    ) -> Allocation {
        let loc = self.loc(key);
        let responsibility = self.r(key);
        let full = match v {
            CellRaw::Short(status) => {
                return Allocation {
                    responsibility,
                    status,
                    loc: Some(loc),
                    ..Allocation::default()
                };
            }
            CellRaw::Full(f) => *f,
        };
        if !preset && (full.expected || full.why.is_some()) {
            self.errors.push(LoadError::at(
                file,
                loc,
                format!(
                    "`expected` and `why` belong in presets, not in a model's allocations (responsibility {})",
                    key.value
                ),
            ));
        }
        let status = full.status.0;
        Allocation {
            responsibility,
            status,
            reason: full.reason,
            from: full.from.as_ref().map(|f| self.r(f)),
            terms: Terms {
                description: full.description,
                scope: full.scope,
                frequency: full.frequency,
                sla: full.sla,
                evidence: evidence(full.evidence),
                contract: full.contract,
            },
            tasks: full
                .tasks
                .into_iter()
                .map(|t| {
                    let at = self.loc(&t.owner);
                    Task {
                        owners: t
                            .owner
                            .value
                            .0
                            .into_iter()
                            .map(|o| Ref::at(o, at))
                            .collect(),
                        role: t.role.as_ref().map(|r| self.r(r)),
                        kind: t.kind.0,
                        statement: t.statement,
                        terms: Terms {
                            description: t.description,
                            scope: t.scope,
                            frequency: t.frequency,
                            sla: t.sla,
                            evidence: evidence(t.evidence),
                            contract: t.contract,
                        },
                        loc: Some(at),
                    }
                })
                .collect(),
            contested: full.contested.map(|c| Contest {
                by: self.r(&c.by),
                comment: c.comment,
            }),
            review_by: full.review_by.map(|d| d.0),
            implementation: full.implementation.map(|i| i.0),
            note: full.note,
            loc: Some(loc),
        }
    }
}

fn evidence(list: EvidenceList) -> Vec<Evidence> {
    list.0
        .into_iter()
        .map(|e| Evidence {
            description: e.description,
            collected: e.collected.map(|d| d.0),
            expires: e.expires.map(|d| d.0),
        })
        .collect()
}

/// A quick reader for allocation files in the plain block layout that [`write`] produces and
/// that people keep by hand: block maps and sequences, one scalar per line (plain, or quoted
/// with JSON-style escapes), comments. Allocation files are most of the bytes of a large model,
/// and reading them this way is many times faster than the general YAML reader.
///
/// It never decides anything the general reader would decide differently: whatever is outside
/// that layout (flow collections, anchors, tags, block or multi-line scalars, tabs, duplicate or
/// unknown keys, empty values, scalars YAML might read as null, booleans or numbers, `expected`
/// or `why`) makes it give up, and the file is read by serde-saphyr exactly as before, errors
/// included. The tests compare both readers on the same files, locations included.
mod fast {
    use std::borrow::Cow;

    use demarc_core::model::{
        Allocation, Contest, Evidence, Implementation, Loc, Ref, ServiceAllocations, Task, Terms,
    };
    use demarc_core::{Date, Status, TaskKind};

    #[derive(Clone, Copy)]
    struct Line<'a> {
        no: u32,
        indent: usize,
        /// The line after its indentation, without trailing spaces.
        text: &'a str,
    }

    struct Scalar<'a> {
        text: Cow<'a, str>,
        plain: bool,
        line: u32,
        column: u32,
    }

    enum Node<'a> {
        Null,
        Scalar(Scalar<'a>),
        Map(Vec<(Scalar<'a>, Node<'a>)>),
        Seq(Vec<Node<'a>>),
    }

    /// The allocations of one file, or `None` to leave the file to the general reader.
    pub(super) fn allocations(text: &str, file: u32) -> Option<ServiceAllocations> {
        // Stay well inside the general reader's default budget (250,000 nodes, 64 MiB of
        // scalars), so that a file it would refuse as too large is still refused.
        if text.len() > 32 << 20 {
            return None;
        }
        let lines = lines(text)?;
        let mut p = Parser {
            lines,
            i: 0,
            nodes: 0,
        };
        let root = p.node(-1, 0)?;
        if p.i != p.lines.len() || p.nodes > 200_000 {
            return None;
        }
        let Node::Map(top) = root else { return None };
        let mut service = None;
        let mut cells = None;
        for (key, value) in top {
            match (&*key.text, value) {
                ("service", Node::Scalar(s)) => service = Some(Ref::at(string(&s)?, loc(file, &s))),
                ("responsibilities", Node::Map(entries)) => {
                    let mut out = Vec::with_capacity(entries.len());
                    for (k, v) in entries {
                        out.push(cell(file, &k, v)?);
                    }
                    cells = Some(out);
                }
                _ => return None,
            }
        }
        Some(ServiceAllocations {
            service: service?,
            cells: cells?,
        })
    }

    fn lines(text: &str) -> Option<Vec<Line<'_>>> {
        let mut out = Vec::with_capacity(text.len() / 24);
        for (n, raw) in text.split('\n').enumerate() {
            // Tabs, carriage returns and other control characters: leave them to the full reader.
            if raw.bytes().any(|b| b < b' ' || b == 0x7f) {
                return None;
            }
            if !raw.is_ascii()
                && raw
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'))
            {
                return None;
            }
            let content = raw.trim_start_matches(' ');
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            out.push(Line {
                no: u32::try_from(n + 1).ok()?,
                indent: raw.len() - content.len(),
                text: content.trim_end_matches(' '),
            });
        }
        Some(out)
    }

    struct Parser<'a> {
        lines: Vec<Line<'a>>,
        i: usize,
        /// Maps, sequences and scalars read so far.
        nodes: usize,
    }

    const MAX_DEPTH: usize = 12;

    fn is_item(text: &str) -> bool {
        text == "-" || text.starts_with("- ")
    }

    impl<'a> Parser<'a> {
        /// The block node starting at the current line, when it is indented deeper than
        /// `parent`; `Null` when it is not. `depth` counts the enclosing nodes: allocation
        /// files need a handful, so anything deep is left to the general reader (and never
        /// exhausts the stack).
        fn node(&mut self, parent: isize, depth: usize) -> Option<Node<'a>> {
            let Some(line) = self.lines.get(self.i).copied() else {
                return Some(Node::Null);
            };
            if line.indent as isize <= parent {
                return Some(Node::Null);
            }
            self.nodes += 1;
            if is_item(line.text) {
                self.seq(line.indent, depth + 1)
            } else {
                self.map(line.indent, depth + 1)
            }
        }

        fn map(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
            if depth > MAX_DEPTH {
                return None;
            }
            let mut entries: Vec<(Scalar<'a>, Node<'a>)> = Vec::new();
            while let Some(line) = self.lines.get(self.i).copied() {
                if line.indent < indent {
                    break;
                }
                if line.indent > indent || is_item(line.text) {
                    return None;
                }
                let (key, rest, at) = split_key(line)?;
                self.i += 1;
                self.nodes += 2;
                let value = if rest.is_empty() {
                    self.node(indent as isize, depth)?
                } else {
                    let v = scalar(rest, line.no, at)?;
                    // A deeper line would continue the scalar over several lines.
                    if self.lines.get(self.i).is_some_and(|l| l.indent > indent) {
                        return None;
                    }
                    Node::Scalar(v)
                };
                entries.push((key, value));
            }
            let duplicate = if entries.len() <= 16 {
                entries
                    .iter()
                    .enumerate()
                    .any(|(i, (k, _))| entries[..i].iter().any(|(o, _)| o.text == k.text))
            } else {
                let mut keys: Vec<&str> = entries.iter().map(|(k, _)| &*k.text).collect();
                keys.sort_unstable();
                keys.windows(2).any(|w| w[0] == w[1])
            };
            if duplicate {
                return None;
            }
            Some(Node::Map(entries))
        }

        fn seq(&mut self, indent: usize, depth: usize) -> Option<Node<'a>> {
            if depth > MAX_DEPTH {
                return None;
            }
            let mut items = Vec::new();
            while let Some(line) = self.lines.get(self.i).copied() {
                if line.indent < indent {
                    break;
                }
                if line.indent > indent || !is_item(line.text) {
                    return None;
                }
                let rest = line.text.get(2..).unwrap_or("");
                if rest.is_empty() || rest.starts_with([' ', '#']) {
                    return None;
                }
                let quoted = rest.starts_with(['"', '\'']);
                if !quoted && (rest.contains(": ") || rest.ends_with(':')) {
                    // A map whose first entry is on the item's line.
                    self.nodes += 1;
                    self.lines[self.i] = Line {
                        no: line.no,
                        indent: indent + 2,
                        text: rest,
                    };
                    items.push(self.map(indent + 2, depth + 1)?);
                } else {
                    self.i += 1;
                    self.nodes += 1;
                    let v = scalar(rest, line.no, u32::try_from(indent + 3).ok()?)?;
                    if self.lines.get(self.i).is_some_and(|l| l.indent > indent) {
                        return None;
                    }
                    items.push(Node::Scalar(v));
                }
            }
            Some(Node::Seq(items))
        }
    }

    /// `key: rest` with a plain key of ordinary id characters; `rest` is empty when the value
    /// is on the following lines.
    fn split_key(line: Line<'_>) -> Option<(Scalar<'_>, &str, u32)> {
        let text = line.text;
        let bytes = text.as_bytes();
        let colon = (0..bytes.len())
            .find(|&i| bytes[i] == b':' && matches!(bytes.get(i + 1), None | Some(b' ')))?;
        let key = &text[..colon];
        // A letter first: the general reader compares keys that read as integers by value
        // (`0x1F` and `31` are the same key), which a plain text comparison would miss.
        let ok = key.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok || !string_like(key) {
            return None;
        }
        let after = &text[colon + 1..];
        let rest = after.trim_start_matches(' ');
        let at = line.indent + colon + 1 + (after.len() - rest.len()) + 1;
        let rest = if rest.starts_with('#') { "" } else { rest };
        let key = Scalar {
            text: Cow::Borrowed(key),
            plain: true,
            line: line.no,
            column: u32::try_from(line.indent + 1).ok()?,
        };
        Some((key, rest, u32::try_from(at).ok()?))
    }

    /// One scalar that fills the rest of its line (a trailing comment aside).
    fn scalar(rest: &str, line: u32, column: u32) -> Option<Scalar<'_>> {
        let (text, plain, after) = if let Some(body) = rest.strip_prefix('"') {
            let (text, len) = double_quoted(body)?;
            (Cow::Owned(text), false, &body[len..])
        } else if let Some(body) = rest.strip_prefix('\'') {
            let (text, len) = single_quoted(body)?;
            (Cow::Owned(text), false, &body[len..])
        } else {
            let b = rest.as_bytes();
            let text = match (1..b.len()).find(|&i| b[i] == b'#' && b[i - 1] == b' ') {
                Some(i) => rest[..i].trim_end_matches(' '),
                None => rest,
            };
            if !plain_ok(text) {
                return None;
            }
            (Cow::Borrowed(text), true, "")
        };
        // After a quoted scalar: nothing, or a comment after a space.
        let tail = after.trim_start_matches(' ');
        let comment = tail.starts_with('#') && tail.len() < after.len();
        if !(tail.is_empty() || comment) {
            return None;
        }
        if !plain && text.contains("${") {
            return None;
        }
        Some(Scalar {
            text,
            plain,
            line,
            column,
        })
    }

    /// The text of a double-quoted scalar and the bytes it took, closing quote included. Only
    /// the escapes JSON also has.
    fn double_quoted(body: &str) -> Option<(String, usize)> {
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((out, i + 1)),
                '\\' => {
                    let (_, e) = chars.next()?;
                    out.push(match e {
                        '"' => '"',
                        '\\' => '\\',
                        '/' => '/',
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'u' => {
                            let mut v = 0u32;
                            for _ in 0..4 {
                                v = v * 16 + chars.next()?.1.to_digit(16)?;
                            }
                            char::from_u32(v)?
                        }
                        _ => return None,
                    });
                }
                c => out.push(c),
            }
        }
        None
    }

    fn single_quoted(body: &str) -> Option<(String, usize)> {
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|&(_, n)| n == '\'') {
                    chars.next();
                    out.push('\'');
                } else {
                    return Some((out, i + 1));
                }
            } else {
                out.push(c);
            }
        }
        None
    }

    /// A plain scalar YAML reads as exactly this text in a block map or sequence.
    fn plain_ok(s: &str) -> bool {
        let Some(first) = s.chars().next() else {
            return false;
        };
        let b = s.as_bytes();
        (first.is_alphanumeric() || first == '(' || first == '/')
            && !s.ends_with(':')
            && !b.windows(2).any(|w| w == b": " || w == b" #" || w == b"${")
    }

    /// Not a word or number that YAML could read as null, a boolean or a number.
    fn string_like(s: &str) -> bool {
        const WORDS: [&str; 15] = [
            "", "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", ".nan",
            "-.inf", "+.inf",
        ];
        if s.len() <= 5 && WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)) {
            return false;
        }
        !s.bytes().all(|c| {
            c.is_ascii_digit()
                || matches!(
                    c,
                    b'.' | b'-' | b'+' | b'_' | b'e' | b'E' | b'x' | b'o' | b':'
                )
        })
    }

    /// A status as `Status::parse` reads it, without its allocation for the usual spellings.
    fn status(s: &str) -> Option<Status> {
        Some(match s {
            "customer" => Status::Customer,
            "supplier" => Status::Supplier,
            "shared" => Status::Shared,
            "inherited" => Status::Inherited,
            "not-applicable" => Status::NotApplicable,
            "undecided" => Status::Undecided,
            _ => return Status::parse(s),
        })
    }

    fn string(s: &Scalar<'_>) -> Option<String> {
        (!s.plain || string_like(&s.text)).then(|| s.text.clone().into_owned())
    }

    /// A status, bare or under `status:`; `any` when read where numbers are tried first.
    fn status_of(s: &Scalar<'_>, any: bool) -> Option<Status> {
        let number_like =
            any && s.text.starts_with(|c: char| c.is_ascii_digit()) && !s.text.contains(' ');
        if s.plain && (number_like || !string_like(&s.text)) {
            return None;
        }
        status(&s.text)
    }

    /// A scalar read where the general reader first tries booleans and numbers (a bare
    /// status, a task owner, evidence): a plain one must not look like either. No number has an
    /// inner space.
    fn any_string(s: &Scalar<'_>) -> Option<String> {
        let number_like = s.text.starts_with(|c: char| c.is_ascii_digit()) && !s.text.contains(' ');
        if s.plain && number_like {
            return None;
        }
        string(s)
    }

    fn date(s: &Scalar<'_>) -> Option<Date> {
        s.text.parse().ok()
    }

    fn loc(file: u32, s: &Scalar<'_>) -> Loc {
        Loc {
            file,
            line: s.line,
            column: s.column,
        }
    }

    fn cell(file: u32, key: &Scalar<'_>, value: Node<'_>) -> Option<Allocation> {
        let at = loc(file, key);
        let mut a = Allocation {
            responsibility: Ref::at(key.text.as_ref(), at),
            loc: Some(at),
            ..Allocation::default()
        };
        let fields = match value {
            Node::Null => return Some(a),
            Node::Scalar(s) => {
                a.status = status_of(&s, true)?;
                return Some(a);
            }
            Node::Map(fields) => fields,
            Node::Seq(_) => return None,
        };
        for (k, v) in fields {
            match (&*k.text, v) {
                ("status", Node::Scalar(s)) => a.status = status_of(&s, false)?,
                ("reason", Node::Scalar(s)) => a.reason = Some(string(&s)?),
                ("from", Node::Scalar(s)) => a.from = Some(Ref::at(string(&s)?, loc(file, &s))),
                ("tasks", Node::Seq(items)) => {
                    for item in items {
                        let Node::Map(fields) = item else { return None };
                        a.tasks.push(task(file, fields)?);
                    }
                }
                ("contested", Node::Map(fields)) => {
                    let (mut by, mut comment) = (None, None);
                    for (k, v) in fields {
                        match (&*k.text, v) {
                            ("by", Node::Scalar(s)) => {
                                by = Some(Ref::at(string(&s)?, loc(file, &s)))
                            }
                            ("comment", Node::Scalar(s)) => comment = Some(string(&s)?),
                            _ => return None,
                        }
                    }
                    a.contested = Some(Contest {
                        by: by?,
                        comment: comment?,
                    });
                }
                ("review_by", Node::Scalar(s)) => a.review_by = Some(date(&s)?),
                ("implementation", Node::Scalar(s)) => {
                    a.implementation = Some(Implementation::parse(&string(&s)?)?)
                }
                ("note", Node::Scalar(s)) => a.note = Some(string(&s)?),
                (key, v) => terms(&mut a.terms, key, v)?,
            }
        }
        Some(a)
    }

    fn terms(t: &mut Terms, key: &str, v: Node<'_>) -> Option<()> {
        match (key, v) {
            ("description", Node::Scalar(s)) => t.description = Some(string(&s)?),
            ("scope", Node::Scalar(s)) => t.scope = Some(string(&s)?),
            ("frequency", Node::Scalar(s)) => t.frequency = Some(string(&s)?),
            ("sla", Node::Scalar(s)) => t.sla = Some(string(&s)?),
            ("contract", Node::Scalar(s)) => t.contract = Some(string(&s)?),
            ("evidence", Node::Scalar(s)) => {
                t.evidence = vec![Evidence {
                    description: any_string(&s)?,
                    ..Evidence::default()
                }];
            }
            ("evidence", Node::Seq(items)) => {
                for item in items {
                    t.evidence.push(match item {
                        Node::Scalar(s) => Evidence {
                            description: any_string(&s)?,
                            ..Evidence::default()
                        },
                        Node::Map(fields) => {
                            let mut description = None;
                            let mut e = Evidence::default();
                            for (k, v) in fields {
                                match (&*k.text, v) {
                                    ("description", Node::Scalar(s)) => {
                                        description = Some(string(&s)?)
                                    }
                                    ("collected", Node::Scalar(s)) => e.collected = Some(date(&s)?),
                                    ("expires", Node::Scalar(s)) => e.expires = Some(date(&s)?),
                                    _ => return None,
                                }
                            }
                            e.description = description?;
                            e
                        }
                        _ => return None,
                    });
                }
            }
            _ => return None,
        }
        Some(())
    }

    fn task(file: u32, fields: Vec<(Scalar<'_>, Node<'_>)>) -> Option<Task> {
        let mut t = Task::default();
        let mut owner = None;
        let mut kind = None;
        for (k, v) in fields {
            match (&*k.text, v) {
                ("owner", Node::Scalar(s)) => owner = Some(Ref::at(any_string(&s)?, loc(file, &s))),
                ("role", Node::Scalar(s)) => t.role = Some(Ref::at(string(&s)?, loc(file, &s))),
                ("kind", Node::Scalar(s)) => kind = Some(TaskKind::parse(&string(&s)?)?),
                ("statement", Node::Scalar(s)) => t.statement = Some(string(&s)?),
                (key, v) => terms(&mut t.terms, key, v)?,
            }
        }
        let owner = owner?;
        t.loc = owner.loc;
        t.owners = vec![owner];
        t.kind = kind.unwrap_or_default();
        Some(t)
    }
}

#[cfg(test)]
mod fast_tests {
    //! The quick allocation reader must agree with the general one on every file it accepts,
    //! locations included (`Loc` compares equal to any other, so compare the debug text).
    use super::*;
    use demarc_core::{Status, TaskKind};

    fn slow(text: &str) -> Option<ServiceAllocations> {
        match parse_allocations_generally("t.yaml", text, 7) {
            Ok((group, errors)) if errors.is_empty() => Some(group),
            _ => None,
        }
    }

    /// Both readers agree; returns whether the quick one took the file.
    fn agree(text: &str) -> bool {
        match fast::allocations(text, 7) {
            Some(quick) => {
                let Some(full) = slow(text) else {
                    panic!("the quick reader accepted a file the full reader rejects:\n{text}");
                };
                assert_eq!(
                    format!("{quick:#?}"),
                    format!("{full:#?}"),
                    "readers differ on:\n{text}"
                );
                true
            }
            None => false,
        }
    }

    #[test]
    fn takes_the_example_files_and_agrees() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/riverside/allocations");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            assert!(
                agree(&text),
                "the quick reader should take the example file:\n{text}"
            );
            n += 1;
        }
        assert!(n >= 4);
    }

    const GOOD: &str = r#"# A comment
service: svc-1   # trailing comment
responsibilities:
  r1: customer
  r2:    Supplier   # spaced
  r3:
  r4: "shared"
  r5: n/a
  r6:
    status: shared
    # a comment inside
    tasks:
      - owner: acme
        kind: Oversee
        role: lead
        description: Check it, weekly [if needed] {really}; 2 people
        sla: "within 1 day: \"urgent\" \u00e9\t\\ \/"
        evidence:
          - Monthly report
          - description: 'It''s a certificate'
            collected: 2026-01-01
            expires: "2027-01-01"
      - owner: 'customer'
        description: Café — naïve ‘quotes’ "inside" it's fine
        contract: a:b c#d (x) /path
  r7:
    status: inherited
    from: nimbus
    note: "  padded  "
    review_by: 2026-03-31
    contested:
      by: acme
      comment: We disagree # with a comment
  r8:
    status: supplier
    evidence: One report
    scope: 2 sites
    frequency: (monthly)
"#;

    #[test]
    fn agrees_on_a_file_with_every_field() {
        assert!(agree(GOOD), "the quick reader should take this file");
    }

    #[test]
    fn leaves_unusual_files_to_the_full_reader() {
        let cases = [
            "service: s\nresponsibilities:\n  r1: customer\n  r1: supplier\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: one\n      two\n",
            "service: s\nresponsibilities:\n  r1: {status: supplier}\n",
            "service: s\nresponsibilities:\n  r1:\n    status: shared\n    tasks:\n    - owner: a\n    - owner: b\n",
            "service: s\nresponsibilities:\n  r1:\n    status: shared\n    tasks:\n      - owner: [a, b]\n",
            "service: s\nresponsibilities:\n  r1:\n\tstatus: supplier\n",
            "service: s\r\nresponsibilities:\r\n  r1: customer\r\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: |\n      block\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: null\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: ~\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: yes\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: 12.5\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description:\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    expected: true\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    colour: red\n",
            "service: &a s\nresponsibilities:\n  r1: customer\n",
            "service: s\nresponsibilities:\n  r1: !custom customer\n",
            "service: s\nresponsibilities:\n  \"r1\": customer\n",
            "service: s\nresponsibilities:\n  r1: \"a\nb\"\n",
            "service: s\nresponsibilities:\n  r1: \"customer\"x\n",
            "service: s\nresponsibilities:\n  r1: customer\n bad: indent\n",
            "service: s\nresponsibilities: {}\n",
            "---\nservice: s\nresponsibilities:\n  r1: customer\n",
            "service: s\nresponsibilities:\n  r1: 0x1F\n",
            "service: s\nresponsibilities:\n  0x1F: customer\n  0x1f: supplier\n",
            "service: s\nresponsibilities:\n  r1: maybe\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    review_by: 2026-02-30\n",
            "service: s\nresponsibilities:\n  r1:\n    status: supplier\n    description: \"${HOME}\"\n",
        ];
        let mut deep = String::from("service: s\nresponsibilities:\n");
        for d in 1..3000 {
            deep.push_str(&" ".repeat(d));
            deep.push_str("a:\n");
        }
        assert!(fast::allocations(&deep, 0).is_none());
        for text in cases {
            assert!(
                !agree(text),
                "the quick reader should leave this to the full reader:\n{text}"
            );
        }
    }

    /// splitmix64, for repeatable mutations.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn agrees_on_mutated_files() {
        // Insert, delete or replace a few characters anywhere; whatever the quick reader still
        // takes must read the same as with the full reader.
        let pieces = [
            " ", "  ", "\n", ":", ": ", "#", " #", "-", "- ", "\"", "'", "\\", "\\u00e9", "[", "]",
            "{", "}", ",", "&", "*", "!", "|", ">", "?", "%", "@", "`", "~", "null", "yes", "1",
            "0.5", "é", "—", "\u{85}", "\u{2028}", "\t", "\r", "${x}", "a", "Z", "status",
            "tasks:", "owner", "evidence", "\n  ", "\n    - ",
        ];
        let riverside = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/riverside/allocations/it-support.yaml");
        let bases: Vec<Vec<char>> = [GOOD.to_owned(), std::fs::read_to_string(riverside).unwrap()]
            .iter()
            .map(|t| t.chars().collect())
            .collect();
        let rounds: usize = std::env::var("DEMARC_FUZZ_ROUNDS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(4000);
        let seed: u64 = std::env::var("DEMARC_FUZZ_SEED")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(42);
        let mut rng = Rng(seed);
        let (mut taken, mut total) = (0, 0);
        for round in 0..rounds {
            let mut text = bases[round % bases.len()].clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(text.len() + 1);
                match rng.below(3) {
                    0 if at < text.len() => {
                        text.remove(at);
                    }
                    1 if at < text.len() => {
                        let p: Vec<char> = pieces[rng.below(pieces.len())].chars().collect();
                        text.splice(at..at + 1, p);
                    }
                    _ => {
                        let p: Vec<char> = pieces[rng.below(pieces.len())].chars().collect();
                        text.splice(at..at, p);
                    }
                }
            }
            let text: String = text.into_iter().collect();
            total += 1;
            if agree(&text) {
                taken += 1;
            }
        }
        // Most small edits leave a file the quick reader still takes.
        assert!(
            taken * 10 > total,
            "only {taken} of {total} mutated files were taken"
        );
    }

    #[test]
    fn agrees_on_what_the_writer_writes() {
        // Texts the writer must quote or may leave plain, in every field.
        let texts = [
            "plain words",
            "with: colon",
            "ends with colon:",
            "hash # inside",
            "C# and F#",
            "\"quoted\"",
            "it's",
            "- dash first",
            "[bracket",
            "a, b, c",
            "{brace}",
            "&anchor",
            "*alias",
            "!tag",
            "|pipe",
            ">fold",
            "%pct",
            "@at",
            "`tick",
            "yes",
            "No",
            "null",
            "~",
            "123",
            "1.5",
            "2026-01-01",
            "0x1F",
            "  padded  ",
            "two\nlines",
            "trailing\n",
            "tab\there",
            "é accent",
            "— dash",
            "\u{85}nel",
            "back\\slash",
            "",
            "?",
            "${var}",
            "(paren)",
            "/slash",
        ];
        let mut cells = Vec::new();
        for (i, t) in texts.iter().enumerate() {
            let owned = |s: &str| (!s.is_empty()).then(|| s.to_owned());
            cells.push(Allocation {
                responsibility: Ref::new(format!("r{i}")),
                status: Status::ALL[i % Status::ALL.len()],
                reason: owned(t),
                from: (!t.is_empty()).then(|| Ref::new(*t)),
                terms: Terms {
                    description: owned(t),
                    sla: owned(t),
                    evidence: vec![Evidence {
                        description: (*t).to_owned(),
                        collected: None,
                        expires: None,
                    }],
                    ..Terms::default()
                },
                tasks: vec![Task {
                    owners: vec![Ref::new(if t.is_empty() { "x" } else { t })],
                    role: owned(t).map(Ref::new),
                    kind: TaskKind::Oversee,
                    statement: owned(t),
                    terms: Terms {
                        contract: owned(t),
                        ..Terms::default()
                    },
                    loc: None,
                }],
                contested: owned(t).map(|c| Contest {
                    by: Ref::new("acme"),
                    comment: c,
                }),
                note: owned(t),
                ..Allocation::default()
            });
        }
        let mut taken = 0;
        for cell in &cells {
            let text = write::allocations_file("svc", std::slice::from_ref(cell));
            if agree(&text) {
                taken += 1;
            }
        }
        assert!(
            taken >= texts.len() / 2,
            "only {taken} of {} written files were taken",
            texts.len()
        );
    }
}
