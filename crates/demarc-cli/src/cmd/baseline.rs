//! `demarc import baseline`: provider security baselines (Microsoft's Azure per-service
//! baselines) as presets, or a catalogue file with presets (a supplier's standard model) added
//! to a model.

use std::path::{Path, PathBuf};

use anyhow::Result;
use demarc_core::model::Preset;
use demarc_formats::yaml;
use demarc_office::Workbook;
use demarc_office::baseline::{self, Baseline};

use super::import::{self, Existing};
use crate::Outcome;
use crate::cli::{ImportBaselineArgs, ReportFormat};
use crate::progress::Progress;

/// How many presets the hint after `--into` lists by name.
const LISTED: usize = 20;

pub fn import(args: &ImportBaselineArgs) -> Result<Outcome> {
    let existing = import::start(&args.target)?;
    let mut workbooks: Vec<PathBuf> = Vec::new();
    let mut catalogues: Vec<PathBuf> = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            let found = match xlsx_in(path) {
                Ok(f) => f,
                Err(e) => return import::refuse(path, &[e], args.format),
            };
            if found.is_empty() {
                return import::refuse(
                    path,
                    &["is a directory with no .xlsx baseline workbooks in it".to_owned()],
                    args.format,
                );
            }
            workbooks.extend(found);
        } else if has_extension(path, &["yaml", "yml"]) {
            catalogues.push(path.clone());
        } else {
            workbooks.push(path.clone());
        }
    }
    // The same file named twice (a directory and a file in it) is read once.
    let mut seen = Vec::new();
    workbooks.retain(|p| {
        let key = p.canonicalize().unwrap_or_else(|_| p.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });

    if let Some(first) = catalogues.first() {
        if catalogues.len() > 1 || !workbooks.is_empty() {
            return import::refuse(
                first,
                &["a catalogue file is added on its own: import it in a command of its own, without other files".to_owned()],
                args.format,
            );
        }
        return catalogue_file(args, existing.as_ref(), first);
    }

    let progress = Progress::start("reading the baselines");
    let mut baselines: Vec<Baseline> = Vec::with_capacity(workbooks.len());
    let n = workbooks.len();
    for (i, path) in workbooks.iter().enumerate() {
        progress.set(&format!("reading the baselines ({} of {n})", i + 1));
        let bytes = match import::read_file(path) {
            Ok(b) => b,
            Err(message) => return import::refuse(path, &[message], args.format),
        };
        let book = match Workbook::from_xlsx(&bytes) {
            Ok(b) => b,
            Err(e) => return import::refuse(path, &[e.to_string()], args.format),
        };
        match baseline::read(&path.display().to_string(), &book) {
            Ok(b) => baselines.push(b),
            Err(e) => return import::refuse_import(path, e, args.format),
        }
    }
    let result = match &existing {
        None => baseline::new_model(&baselines),
        Some(old) => baseline::into_model(&old.model, &baselines),
    };
    let imported = match result {
        Ok(i) => i,
        Err(e) => {
            let first = workbooks.first().map_or_else(PathBuf::new, Clone::clone);
            return import::refuse_import(&first, e, args.format);
        }
    };
    progress.finish();
    let new_responsibilities = imported.model.catalogue.responsibilities().count()
        - existing
            .as_ref()
            .map_or(0, |o| o.model.catalogue.responsibilities().count());
    let presets: Vec<(String, String)> = imported
        .model
        .catalogue
        .presets
        .iter()
        .filter(|p| baselines.iter().any(|b| b.preset_id == p.id))
        .map(|p| (p.id.clone(), p.title.clone()))
        .collect();
    let outcome = import::finish(
        existing.as_ref(),
        &args.target,
        imported.model,
        &imported.notes,
        args.dry_run,
        args.format,
    )?;
    if let Some(old) = &existing {
        hint(args, old, &presets, new_responsibilities);
    }
    Ok(outcome)
}

/// `demarc import baseline FILE.yaml --into DIR`: a catalogue with presets added to a model.
fn catalogue_file(
    args: &ImportBaselineArgs,
    existing: Option<&Existing>,
    path: &Path,
) -> Result<Outcome> {
    let Some(old) = existing else {
        return import::refuse(
            path,
            &[
                "a catalogue file is added to a model you already have: use --into MODEL-DIR"
                    .to_owned(),
            ],
            args.format,
        );
    };
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return import::refuse(path, &[format!("cannot be read: {e}")], args.format),
    };
    let catalogue = match yaml::parse_catalogue(&shown, &text) {
        Ok(c) => c,
        Err(errors) => {
            // Each error already names the file, line and column.
            let lines: Vec<String> = errors
                .iter()
                .map(|e| {
                    let s = e.to_string();
                    s.strip_prefix(&format!("{shown}:"))
                        .map_or(s.clone(), |rest| format!("line {}", rest.trim_start()))
                })
                .collect();
            return import::refuse(path, &lines, args.format);
        }
    };
    let presets: Vec<(String, String)> = catalogue
        .presets
        .iter()
        .map(|p: &Preset| (p.id.clone(), p.title.clone()))
        .collect();
    let imported = match baseline::add_catalogue(&old.model, catalogue, &shown) {
        Ok(i) => i,
        Err(e) => {
            let lines: Vec<String> = e.to_string().lines().map(str::to_owned).collect();
            return import::refuse(path, &lines, args.format);
        }
    };
    let new_responsibilities = imported.model.catalogue.responsibilities().count()
        - old.model.catalogue.responsibilities().count();
    let outcome = import::finish(
        existing,
        &args.target,
        imported.model,
        &imported.notes,
        args.dry_run,
        args.format,
    )?;
    hint(args, old, &presets, new_responsibilities);
    Ok(outcome)
}

/// After `--into`: which presets the model now has, and how to use one on a service.
fn hint(
    args: &ImportBaselineArgs,
    old: &Existing,
    presets: &[(String, String)],
    new_responsibilities: usize,
) {
    if args.format != ReportFormat::Text || presets.is_empty() {
        return;
    }
    let dir = &old.dir;
    let verb = if args.dry_run { "would add" } else { "added" };
    eprintln!(
        "{verb} {} preset{}:",
        presets.len(),
        if presets.len() == 1 { "" } else { "s" }
    );
    for (id, title) in presets.iter().take(LISTED) {
        eprintln!("  {id:<40} {title}");
    }
    if presets.len() > LISTED {
        eprintln!("  ... and {} more", presets.len() - LISTED);
    }
    let example = &presets[0].0;
    eprintln!(
        "to start a service from a preset, name it on the service in {}:\n    presets: [{example}]\nthen see the result with: demarc matrix {} --service SERVICE-ID",
        dir.join(yaml::SERVICES_FILE).display(),
        dir.display()
    );
    if new_responsibilities > 0 && !old.model.services.is_empty() {
        eprintln!(
            "the {new_responsibilities} new responsibilit{} apply to every service of the model: where one does not fit a service, mark it not-applicable there, with a reason",
            if new_responsibilities == 1 {
                "y"
            } else {
                "ies"
            }
        );
    }
}

/// The .xlsx files directly in a directory, sorted by name.
fn xlsx_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot be read: {e}"))?;
    let mut out = Vec::new();
    for entry in entries {
        let p = entry.map_err(|e| format!("cannot be read: {e}"))?.path();
        if p.is_file() && has_extension(&p, &["xlsx"]) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

fn has_extension(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}
