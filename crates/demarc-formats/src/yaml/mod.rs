//! Model directories: the YAML files people keep in git, read into a [`Model`] and written back.
//!
//! A model directory holds `demarc.yaml`, `parties.yaml`, `services.yaml`, and one file per
//! service under `allocations/`; it may hold catalogue files of its own (named in
//! `demarc.yaml`). See `docs/model-format.md`.

pub mod raw;
pub mod write;

use std::fmt;
use std::path::{Path, PathBuf};

use demarc_core::model::{
    Allocation, Area, Catalogue, CatalogueInfo, Contest, Evidence, Loc, Model, Party, Person,
    Preset, PresetEntry, Ref, Responsibility, Review, Role, Service, ServiceAllocations,
    SuggestedTask, Task, Terms,
};
use demarc_core::{Layer, Status};
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
        let message = strip_location(&plain);
        let snippet = err.render_with_options(serde_saphyr::render_options! {
            source_name: Some(file),
        });
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
        && rest.split(':').next().is_some_and(|loc| loc.contains(" column "))
    {
        return strip_at_suffix(msg).to_owned();
    }
    strip_at_suffix(s).to_owned()
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
            format!("is not a demarc model: it has no {MODEL_FILE} (create one with `demarc init`)"),
        ));
    }
    let mut files = Vec::new();
    let read = |files: &mut Vec<(String, String)>, rel: &str, path: &Path| -> Result<(), LoadError> {
        let bytes = std::fs::read(path)
            .map_err(|e| LoadError::file(rel, format!("cannot be read: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| LoadError::file(rel, format!("is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))?;
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
                p.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
            );
            read(&mut files, &rel, &p)?;
        }
    }
    // Catalogue files named by path in demarc.yaml.
    let model_text = files[0].1.clone();
    if let Ok(mf) = serde_saphyr::from_str::<raw::ModelFile>(&model_text) {
        for c in mf.catalogues.iter().filter(|c| builtin::get(c).is_none()) {
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
        return Err(vec![LoadError::file(MODEL_FILE, "is missing: every model has one")]);
    };
    let mut conv = Convert { file: 0, errors: Vec::new() };

    model.files.push(MODEL_FILE.to_owned());
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
            model.catalogues = mf.catalogues;
        }
        Err(e) => errors.push(e),
    }

    for name in model.catalogues.clone() {
        let (file_name, text) = match builtin::get(&name) {
            Some(text) => (format!("builtin:{name}"), text),
            None => match files.get(&name) {
                Some(text) => (name.clone(), text),
                None => {
                    errors.push(LoadError::file(
                        MODEL_FILE,
                        format!(
                            "catalogue \"{name}\" is neither a built-in catalogue ({}) nor a file in the model directory",
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
        .filter(|(n, _)| n.starts_with(&format!("{ALLOCATIONS_DIR}/")))
        .collect();
    let first = model.files.len() as u32;
    model.files.extend(alloc_files.iter().map(|(n, _)| n.clone()));
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
    if errors.is_empty() { Ok(model) } else { Err(errors) }
}

type Parsed = Result<(ServiceAllocations, Vec<LoadError>), LoadError>;

/// Allocation files are most of a large model: parse them on every core.
fn parse_in_parallel(files: &[&(String, String)], first: u32) -> Vec<Parsed> {
    let parse_one = |i: usize, (name, text): &(String, String)| -> Parsed {
        let af: raw::AllocationsFile = from_yaml(name, text)?;
        let mut conv = Convert { file: first + i as u32, errors: Vec::new() };
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
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len().max(1));
    if threads <= 1 || files.len() < 8 {
        return files.iter().enumerate().map(|(i, f)| parse_one(i, f)).collect();
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
                    vec![Err(LoadError::file(ALLOCATIONS_DIR, "an allocation file could not be parsed (internal error)"))]
                })
            })
            .collect()
    })
}

/// Parse one catalogue file (built-in or the user's own).
pub fn parse_catalogue(file_name: &str, text: &str) -> Result<Catalogue, Vec<LoadError>> {
    let mut conv = Convert { file: 0, errors: Vec::new() };
    let c = parse_catalogue_with(&mut conv, file_name, text).map_err(|e| vec![e])?;
    if conv.errors.is_empty() { Ok(c) } else { Err(conv.errors) }
}

fn parse_catalogue_with(conv: &mut Convert, file_name: &str, text: &str) -> Result<Catalogue, LoadError> {
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
                        .map(|t| SuggestedTask { kind: t.kind.0, description: t.description })
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
                PresetEntry { allocation: conv.allocation(&k, v, true, file_name), expected, why }
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
                .map(|r| Role { loc: Some(self.loc(&r.id)), id: r.id.value, name: r.name })
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

    fn allocation(&mut self, key: &Spanned<String>, v: CellRaw, preset: bool, file: &str) -> Allocation {
        let loc = self.loc(key);
        let responsibility = self.r(key);
        let full = match v {
            CellRaw::Short(status) => {
                return Allocation { responsibility, status, loc: Some(loc), ..Allocation::default() };
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
                        owners: t.owner.value.0.into_iter().map(|o| Ref::at(o, at)).collect(),
                        role: t.role.as_ref().map(|r| self.r(r)),
                        kind: t.kind.0,
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
            contested: full.contested.map(|c| Contest { by: self.r(&c.by), comment: c.comment }),
            review_by: full.review_by.map(|d| d.0),
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

/// Statuses in the order the writer and documents list them.
pub fn status_names() -> Vec<&'static str> {
    Status::ALL.iter().map(|s| s.as_str()).collect()
}
