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

/// Read and check the model held in `rows`.
pub fn load(rows: ModelRows, today: Date) -> Result<Loaded, Vec<LoadError>> {
    let model = yaml::parse(&ModelFiles {
        files: files(&rows),
    })?;
    let findings = {
        let view = View::new(&model);
        check(&view, today)
    };
    Ok(Loaded {
        rows,
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

/// The model with one cell replaced, parsed (not checked), without saving: it must still read.
pub fn with_cell(
    rows: &ModelRows,
    service: &str,
    responsibility: &str,
    body: Option<&str>,
) -> Result<Model, Vec<LoadError>> {
    let mut rows = rows.clone();
    let at = rows
        .cells
        .iter()
        .position(|c| c.service_id == service && c.responsibility_id == responsibility);
    match (at, body) {
        (Some(i), Some(b)) => rows.cells[i].body = b.to_owned(),
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
    yaml::parse(&ModelFiles {
        files: files(&rows),
    })
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
