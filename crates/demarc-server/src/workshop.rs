//! A workspace's model between the store's rows and the domain: the rows are the text of the
//! model's files, so reading them is the CLI's own parser, and writing a cell is the CLI's own
//! writer.

use demarc_core::check::check;
use demarc_core::{Allocation, Date, Finding, Model, View};
use demarc_formats::yaml::{self, LoadError, ModelFiles, write};
use demarc_store::{ModelRows, NewCell, NewFile};
use sha2::{Digest, Sha256};

/// A workspace's model, read and checked.
#[derive(Debug)]
pub struct Loaded {
    pub rows: ModelRows,
    /// The files the rows make, as the model was read from them.
    pub files: ModelFiles,
    pub model: Model,
    pub findings: Vec<Finding>,
}

impl Loaded {
    pub fn view(&self) -> View<'_> {
        View::new(&self.model)
    }

    /// The explicit allocation of a cell, as written.
    pub fn allocation(&self, service: &str, responsibility: &str) -> Option<&Allocation> {
        self.model
            .allocations
            .iter()
            .filter(|g| g.service.id == service)
            .flat_map(|g| &g.cells)
            .find(|a| a.responsibility.id == responsibility)
    }
}

/// The header of a service's allocations file; its cells' text follows.
fn allocations_header(service: &str) -> String {
    format!("service: {}\nresponsibilities:\n", write::scalar(service))
}

/// The model's files as the CLI would read them from a directory.
pub fn files(rows: &ModelRows) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let first = |p: &str| match p {
        yaml::MODEL_FILE => 0,
        yaml::PARTIES_FILE => 1,
        yaml::SERVICES_FILE => 2,
        _ => 3,
    };
    let mut plain: Vec<&demarc_store::FileRow> = rows.files.iter().collect();
    plain.sort_by(|a, b| (first(&a.path), &a.path).cmp(&(first(&b.path), &b.path)));
    let mut services: Vec<&str> = rows.cells.iter().map(|c| c.service_id.as_str()).collect();
    services.dedup();
    let (head, tail): (Vec<_>, Vec<_>) = plain.into_iter().partition(|f| first(&f.path) < 3);
    out.extend(head.iter().map(|f| (f.path.clone(), f.body.clone())));
    for s in services {
        let mut text = allocations_header(s);
        for c in rows.cells.iter().filter(|c| c.service_id == s) {
            text.push_str(&c.body);
        }
        out.push((write::allocations_path(s), text));
    }
    out.extend(tail.iter().map(|f| (f.path.clone(), f.body.clone())));
    out
}

/// Read and check the model held in `rows`. Given the model as it was read at an earlier
/// revision, only the files that changed since are read again.
pub fn load(
    rows: ModelRows,
    today: Date,
    previous: Option<&Loaded>,
) -> Result<Loaded, Vec<LoadError>> {
    let files = ModelFiles {
        files: files(&rows),
    };
    let model = match previous {
        Some(p) => yaml::reparse(&p.model, &p.files, &files)?,
        None => yaml::parse(&files)?,
    };
    let findings = {
        let view = View::new(&model);
        check(&view, today)
    };
    Ok(Loaded {
        rows,
        files,
        model,
        findings,
    })
}

/// Load errors as one line, each with its file, line and column.
pub fn describe(errors: &[LoadError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text of one allocation as a cell row holds it.
pub fn cell_text(a: &Allocation) -> String {
    let mut out = String::new();
    write::allocation(&mut out, 2, a);
    out
}

/// Split a model's files into the store's rows: the allocations one row per cell, the rest as
/// files. The files must parse; each error names its file, line and column.
pub fn rows_from_files(files: ModelFiles) -> Result<(Vec<NewFile>, Vec<NewCell>), Vec<LoadError>> {
    let model = yaml::parse(&files)?;
    let plain = files
        .files
        .into_iter()
        .filter(|(p, _)| !p.starts_with(&format!("{}/", yaml::ALLOCATIONS_DIR)))
        .map(|(path, body)| NewFile { path, body })
        .collect();
    let cells = model
        .allocations
        .iter()
        .flat_map(|g| {
            g.cells.iter().map(|a| NewCell {
                service_id: g.service.id.clone(),
                responsibility_id: a.responsibility.id.clone(),
                body: cell_text(a),
            })
        })
        .collect();
    Ok((plain, cells))
}

/// The model's files as JSON, and their SHA-256: what a signature covers.
pub fn content(files: &[(String, String)]) -> (String, String) {
    let mut sorted: Vec<&(String, String)> = files.iter().collect();
    sorted.sort();
    let json = serde_json::to_string(&sorted).unwrap_or_default();
    let hash = hex::encode(Sha256::digest(json.as_bytes()));
    (json, hash)
}

/// Parse files frozen as JSON back.
pub fn files_from_json(json: &str) -> Vec<(String, String)> {
    serde_json::from_str(json).unwrap_or_default()
}

/// The model with one row's allocation replaced (or removed, given no text), parsed (not
/// checked), without saving: it must still read, and the text must be that one allocation.
pub fn with_cell(
    loaded: &Loaded,
    service: &str,
    responsibility: &str,
    body: Option<&str>,
) -> Result<Model, String> {
    let mut rows = loaded.rows.clone();
    let at = rows
        .cells
        .iter()
        .position(|c| c.service_id == service && c.responsibility_id == responsibility);
    match (at, body) {
        (Some(i), Some(b)) => b.clone_into(&mut rows.cells[i].body),
        (Some(i), None) => {
            rows.cells.remove(i);
        }
        (None, Some(b)) => {
            let position = rows
                .cells
                .iter()
                .filter(|c| c.service_id == service)
                .map(|c| c.position + 1)
                .max()
                .unwrap_or(0);
            let insert_at = rows
                .cells
                .iter()
                .rposition(|c| c.service_id == service)
                .map_or(rows.cells.len(), |i| i + 1);
            rows.cells.insert(
                insert_at,
                demarc_store::CellRow {
                    service_id: service.to_owned(),
                    responsibility_id: responsibility.to_owned(),
                    position,
                    body: b.to_owned(),
                    version: 0,
                },
            );
        }
        (None, None) => {}
    }
    let files = ModelFiles {
        files: files(&rows),
    };
    let model = yaml::reparse(&loaded.model, &loaded.files, &files).map_err(|errors| {
        errors
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    // Each row holds one allocation: the text may not add others.
    let rows_of_service = rows
        .cells
        .iter()
        .filter(|c| c.service_id == service)
        .count();
    let read = model
        .allocations
        .iter()
        .filter(|g| g.service.id == service)
        .flat_map(|g| &g.cells)
        .collect::<Vec<_>>();
    let this_one = read
        .iter()
        .filter(|a| a.responsibility.id == responsibility)
        .count();
    if read.len() != rows_of_service || this_one != usize::from(body.is_some()) {
        return Err(format!(
            "the text must be the allocation of {responsibility} and nothing else"
        ));
    }
    Ok(model)
}

/// Models read and checked, kept by workspace for as long as the workspace's revision (the
/// length of its audit log, which every change of the model extends in the same
/// transaction) and the date stay the same. Each request reads the revision from the
/// database, so a node never serves a model older than the one committed when the request
/// began, whichever node made the change: this is a cache of work, not of state.
#[derive(Debug, Default)]
pub struct ModelCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, CachedModel>>,
}

/// A model read at a revision on a date.
type CachedModel = (i64, Date, std::sync::Arc<Loaded>);

/// Workspaces kept at most; past that the cache starts again.
const CACHED_WORKSPACES: usize = 256;

impl ModelCache {
    pub fn get(
        &self,
        workspace: &str,
        revision: i64,
        today: Date,
    ) -> Option<std::sync::Arc<Loaded>> {
        let entries = self.entries.lock().ok()?;
        match entries.get(workspace) {
            Some((r, d, l)) if *r == revision && *d == today => Some(l.clone()),
            _ => None,
        }
    }

    /// The model last read for a workspace, at whatever revision: what a newer one is read
    /// from.
    pub fn latest(&self, workspace: &str) -> Option<std::sync::Arc<Loaded>> {
        let entries = self.entries.lock().ok()?;
        entries.get(workspace).map(|(_, _, l)| l.clone())
    }

    pub fn put(&self, workspace: &str, revision: i64, today: Date, loaded: std::sync::Arc<Loaded>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= CACHED_WORKSPACES && !entries.contains_key(workspace) {
            entries.clear();
        }
        match entries.get(workspace) {
            Some((r, _, _)) if *r > revision => {}
            _ => {
                entries.insert(workspace.to_owned(), (revision, today, loaded));
            }
        }
    }
}
