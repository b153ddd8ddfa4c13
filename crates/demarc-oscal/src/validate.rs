//! `demarc oscal validate FILE...`: each file against the embedded OSCAL 1.2.3 JSON Schema,
//! then the checks across documents that the schema cannot express ([`crate::crossref`]).

use std::path::{Path, PathBuf};

use demarc_core::finding::{Code, Finding};

use crate::document::{Document, Kind};
use crate::error::{OscalError, Problem};
use crate::schema;

/// What `validate_files` found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The files validated, as named in the problems (directories expanded), in order.
    pub files: Vec<String>,
    /// Schema problems (and files that are JSON or YAML but not an OSCAL document), sorted by
    /// file and pointer.
    pub problems: Vec<Problem>,
    /// Cross-document findings ([`crate::crossref::check`]) over the files that are OSCAL
    /// documents.
    pub findings: Vec<Finding>,
}

impl Report {
    /// No schema problem and no finding.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.findings.is_empty()
    }

    /// The schema problems as findings (code `oscal-schema`, located by document and
    /// pointer), followed by the cross-document findings: one list for output that shows
    /// findings only.
    pub fn all_findings(&self) -> Vec<Finding> {
        self.problems
            .iter()
            .map(|p| {
                Finding::new(
                    Code::OscalSchema,
                    p.message.clone(),
                    "Change the document so that it follows the OSCAL 1.2.3 JSON Schema \
                     (leave out empty arrays and keys the schema does not have).",
                )
                .in_document(&p.file, &p.pointer)
            })
            .chain(self.findings.iter().cloned())
            .collect()
    }
}

/// Validate files (a directory stands for every `*.json`, `*.yaml` and `*.yml` file directly
/// in it, in name order): each is loaded and checked against the schema, then all of them
/// together by the cross-document checks.
///
/// `profile_controls`: the control ids of a resolved profile (baseline), when one was given;
/// the cross-document checks then report each that no system security plan implements.
///
/// A file that cannot be read, or is not well-formed JSON or YAML, makes the whole call fail
/// (`Err`: nothing can be said about it). A file that parses but is not an OSCAL document
/// (no model root key) is a problem in the report, as is everything the schema rejects.
pub fn validate_files(
    paths: &[PathBuf],
    profile_controls: Option<&[String]>,
) -> Result<Report, OscalError> {
    let files = expand(paths)?;
    // The cross-document checks read system security plans (and the prototype's
    // shared-responsibility documents) only: other documents are checked, not kept.
    let keep = |kind: Kind| crate::crossref::READS.contains(&kind);
    let results = map_parallel(&files, |path| {
        schema::load_and_validate_keeping(path, &keep).or_else(|e| match e {
            OscalError::Invalid(problems) => Ok((None, problems)),
            e => Err(e),
        })
    });
    let mut report = Report::default();
    let mut docs: Vec<Document> = Vec::with_capacity(files.len());
    for (path, result) in files.iter().zip(results) {
        let (doc, problems) = result?;
        report.files.push(path.display().to_string());
        report.problems.extend(problems);
        docs.extend(doc);
    }
    report.problems.sort();
    report.findings = crate::crossref::check(&docs, profile_controls);
    crate::document::drop_in_background(docs);
    Ok(report)
}

/// The files `paths` name: files as given, directories replaced by their `*.json`, `*.yaml`
/// and `*.yml` files (not recursively; hidden files left out), sorted by name.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, OscalError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(dir_files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn dir_files(dir: &Path) -> Result<Vec<PathBuf>, OscalError> {
    let read_err = |message: String| OscalError::Read {
        file: dir.display().to_string(),
        message,
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| read_err(e.to_string()))? {
        let path = entry.map_err(|e| read_err(e.to_string()))?.path();
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_none_or(|n| n.starts_with('.'));
        let oscal_ext = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "json" | "yaml" | "yml"));
        if !hidden && oscal_ext && path.is_file() {
            found.push(path);
        }
    }
    if found.is_empty() {
        return Err(read_err(
            "the directory has no .json, .yaml or .yml file".to_owned(),
        ));
    }
    found.sort();
    Ok(found)
}

/// `f` over `items` on up to as many threads as there are cores, results in input order.
fn map_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(out) => out,
                Err(payload) => std::panic::resume_unwind(payload),
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_parallel_keeps_order() {
        let items: Vec<usize> = (0..100).collect();
        assert_eq!(
            map_parallel(&items, |i| i * 2),
            (0..100).map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map_parallel(&[] as &[usize], |i| *i), Vec::<usize>::new());
    }
}
