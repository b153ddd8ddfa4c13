//! `demarc import`: every source ends in the same place, [`finish`], which writes a new model
//! directory (`-o`) or updates an existing one (`--into`), shows what changed, and writes
//! nothing unless what it would write reads back as the model shown.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use demarc_core::diff::diff;
use demarc_core::model::{Allocation, Model, Preset, ServiceAllocations};
use demarc_core::{Date, Status, View};
use demarc_formats::matrix_csv;
use demarc_formats::yaml::{self, ModelFiles, write};
use demarc_office::CellError;

use crate::Outcome;
use crate::cli::{ImportArgs, ImportCsvArgs, ImportSource, ImportTarget, ReportFormat};
use crate::{load, term};

pub fn run(args: ImportArgs, _today: Date) -> Result<Outcome> {
    match args.source {
        ImportSource::Csv(a) => csv(&a),
        ImportSource::Oscal(a) => super::oscal::import(&a),
        ImportSource::Xlsx(a) => super::xlsx::import(&a),
        ImportSource::Crm(a) => super::crm::import(&a),
        ImportSource::Caiq(a) => super::caiq::import(&a),
        ImportSource::Baseline(a) => super::baseline::import(&a),
    }
}

/// An existing model, as its directory holds it: the files (to keep unchanged ones byte for
/// byte) and the model they read as.
#[derive(Debug)]
pub struct Existing {
    pub dir: PathBuf,
    pub files: ModelFiles,
    pub model: Model,
}

/// Read the model an import goes `--into`.
pub fn existing(dir: &Path) -> Result<Existing> {
    let unreadable = |errors| load::Unreadable {
        dir: dir.display().to_string(),
        errors,
    };
    let files = yaml::read_dir(dir).map_err(|e| unreadable(vec![e]))?;
    let model = yaml::parse(&files).map_err(unreadable)?;
    Ok(Existing {
        dir: dir.to_owned(),
        files,
        model,
    })
}

/// The model an import starts from: the one `--into` names, or none for `-o`. Checks that
/// `-o` names a directory that is empty or absent before any work is done.
pub fn start(target: &ImportTarget) -> Result<Option<Existing>> {
    match (&target.into, &target.output) {
        (Some(dir), _) => existing(dir).map(Some),
        (None, Some(out)) => {
            ensure_empty(out)?;
            Ok(None)
        }
        (None, None) => anyhow::bail!("say where the model goes: -o NEW-DIR or --into MODEL-DIR"),
    }
}

/// Print file-level or row-level errors of an import that cannot go ahead, and say
/// "unreadable": nothing was changed.
pub fn refuse(file: &Path, errors: &[String], format: ReportFormat) -> Result<Outcome> {
    let shown = file.display().to_string();
    match format {
        ReportFormat::Json => {
            let list: Vec<_> = errors
                .iter()
                .map(|e| serde_json::json!({"file": shown, "message": e}))
                .collect();
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "errors": list }))?
            );
        }
        ReportFormat::Text => {
            term::eprint_error(&format!(
                "error: {shown} cannot be imported ({} error{}); nothing was changed:",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ));
            for e in errors {
                eprintln!("  {shown}: {e}");
            }
        }
    }
    Ok(Outcome::Invalid)
}

/// Row-level errors as [`refuse`] prints them, keeping sheet, row and column in JSON.
pub fn refuse_cells(file: &Path, errors: &[CellError], format: ReportFormat) -> Result<Outcome> {
    if format == ReportFormat::Json {
        let shown = file.display().to_string();
        let list: Vec<_> = errors
            .iter()
            .map(|e| {
                serde_json::json!({
                    "file": shown, "sheet": e.sheet, "row": e.row,
                    "column": e.column_letter(), "header": e.header, "message": e.message,
                })
            })
            .collect();
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "errors": list }))?
        );
        return Ok(Outcome::Invalid);
    }
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    refuse(file, &lines, format)
}

/// Refuse an import its library rejected: row-level errors with their places, anything else
/// as one message.
pub fn refuse_import(
    file: &Path,
    error: demarc_office::ImportError,
    format: ReportFormat,
) -> Result<Outcome> {
    match error {
        demarc_office::ImportError::Cells(errors) => refuse_cells(file, &errors, format),
        other => refuse(file, &[other.to_string()], format),
    }
}

/// Write what an import produced: `updated` is the whole model after the import (a new one
/// for `-o`, `existing` changed for `--into`); `notes` are warnings about the source, printed
/// with where they are.
pub fn finish(
    existing: Option<&Existing>,
    target: &ImportTarget,
    mut updated: Model,
    notes: &[CellError],
    dry_run: bool,
    format: ReportFormat,
) -> Result<Outcome> {
    let (dir, files, all_files) = match existing {
        None => {
            let Some(out) = &target.output else {
                anyhow::bail!("say where the model goes: -o NEW-DIR or --into MODEL-DIR");
            };
            let files = write::model_files_with_catalogues(&mut updated);
            (out.clone(), files.clone(), files)
        }
        Some(old) => {
            let files = changed_files(old, &mut updated);
            let mut all: Vec<(String, String)> = old
                .files
                .files
                .iter()
                .filter(|(p, _)| {
                    !p.starts_with("allocations/") && !files.iter().any(|(q, _)| q == p)
                })
                .cloned()
                .collect();
            all.extend(files.iter().cloned());
            (old.dir.clone(), files, all)
        }
    };
    // What is written must read back as the model shown; check before touching the disk.
    let back = read_back(ModelFiles { files: all_files })?;
    if back.without_locations() != updated.without_locations() {
        anyhow::bail!(
            "the imported model does not read back the same (a bug in demarc: please report it), so nothing was written"
        );
    }
    let changes = existing.map(|old| diff(&View::new(&old.model), &View::new(&back)));
    let view = View::new(&back);
    let by_status = cells_by_status(&view);
    match format {
        ReportFormat::Json => {
            let notes: Vec<_> = notes
                .iter()
                .map(|n| {
                    serde_json::json!({
                        "sheet": n.sheet, "row": n.row, "column": n.column_letter(),
                        "header": n.header, "message": n.message,
                    })
                })
                .collect();
            let mut out = serde_json::json!({
                "dir": dir.display().to_string(),
                "written": !dry_run,
                "parties": view.parties().len(),
                "services": view.services().len(),
                "responsibilities": view.responsibilities().len(),
                "cells": by_status,
                "notes": notes,
            });
            if let Some(changes) = &changes {
                out["diff"] = serde_json::to_value(changes)?;
            }
            crate::outln!("{}", serde_json::to_string_pretty(&out)?);
        }
        ReportFormat::Text => {
            for n in notes {
                eprintln!("{} {n}", term::yellow("note:"));
            }
            if let Some(changes) = &changes {
                super::diff::print(changes, ReportFormat::Text)?;
            }
        }
    }
    if !dry_run {
        write::write_dir(&dir, &files)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", dir.display()))?;
    }
    if format == ReportFormat::Text {
        eprintln!(
            "{} {}: {}",
            match (dry_run, existing.is_some()) {
                (true, _) => "would write",
                (false, true) => "updated",
                (false, false) => "wrote",
            },
            dir.display(),
            model_line(&view, &by_status)
        );
        if !dry_run {
            eprintln!("next: demarc check {}", dir.display());
        }
    }
    Ok(Outcome::Ok)
}

/// The files of an existing model that an import changes. A part that did not change keeps
/// its file byte for byte (comments and all); a new catalogue gets a file of its own, which
/// the model file then names.
fn changed_files(old: &Existing, updated: &mut Model) -> Vec<(String, String)> {
    let before = old.model.without_locations();
    let text_of = |path: &str| {
        old.files
            .files
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, t)| t.clone())
    };
    let mut out = Vec::new();

    out.extend(catalogue_files(old, updated));

    let after = updated.without_locations();
    let head = |m: &Model| {
        (
            m.name.clone(),
            m.customer.clone(),
            m.version.clone(),
            m.review.clone(),
            m.catalogues.clone(),
        )
    };
    for (path, same, text) in [
        (
            yaml::MODEL_FILE,
            head(&before) == head(&after),
            write::model_file(updated),
        ),
        (
            yaml::PARTIES_FILE,
            before.parties == after.parties,
            write::parties_file(&updated.parties),
        ),
        (
            yaml::SERVICES_FILE,
            before.services == after.services,
            write::services_file(&updated.services),
        ),
    ] {
        match text_of(path) {
            Some(original) if same => out.push((path.to_owned(), original)),
            _ => out.push((path.to_owned(), text)),
        }
    }
    out.extend(allocation_files(
        &old.model,
        &old.files,
        &updated.allocations,
    ));
    out
}

/// The catalogue files an import changes. A catalogue the model did not have becomes a file of
/// its own, which the model file then names; a catalogue that came from a file of the model and
/// whose areas or presets changed is written again in place. A preset belongs to the file it
/// was read from; a new preset to the new catalogue, else to the catalogue file whose areas
/// changed, else to the model's last catalogue file.
fn catalogue_files(old: &Existing, updated: &mut Model) -> Vec<(String, String)> {
    let strip = |p: &Preset| {
        let mut p = p.clone();
        p.loc = None;
        for e in &mut p.entries {
            e.allocation = e.allocation.without_locations();
        }
        p
    };
    let strip_area = |a: &demarc_core::model::Area| {
        let mut a = a.clone();
        a.loc = None;
        for r in &mut a.responsibilities {
            r.loc = None;
        }
        a
    };
    // Where each existing catalogue and preset was read from (built-in ones have no file).
    let file_of_catalogue = |id: &str| {
        old.model
            .catalogue
            .areas
            .iter()
            .find(|a| a.catalogue == id)
            .and_then(|a| old.model.file_name(a.loc))
            .filter(|f| old.files.files.iter().any(|(p, _)| p == f))
            .map(str::to_owned)
    };
    let file_of_preset = |id: &str| {
        old.model
            .catalogue
            .presets
            .iter()
            .find(|p| p.id == id)
            .and_then(|p| old.model.file_name(p.loc))
            .map(str::to_owned)
    };
    struct Target {
        id: String,
        path: String,
        new: bool,
        areas_changed: bool,
    }
    let mut targets: Vec<Target> = Vec::new();
    for info in &updated.catalogue.sources {
        let areas: Vec<_> = updated
            .catalogue
            .areas
            .iter()
            .filter(|a| a.catalogue == info.id)
            .map(strip_area)
            .collect();
        let was = old.model.catalogue.sources.iter().any(|s| s.id == info.id);
        if !was {
            targets.push(Target {
                id: info.id.clone(),
                path: format!("catalogue-{}.yaml", demarc_formats::init::slug(&info.id)),
                new: true,
                areas_changed: true,
            });
        } else if let Some(path) = file_of_catalogue(&info.id) {
            let old_areas: Vec<_> = old
                .model
                .catalogue
                .areas
                .iter()
                .filter(|a| a.catalogue == info.id)
                .map(strip_area)
                .collect();
            targets.push(Target {
                id: info.id.clone(),
                path,
                new: false,
                areas_changed: old_areas != areas,
            });
        }
    }
    let home_of_new = targets
        .iter()
        .position(|t| t.new)
        .or_else(|| targets.iter().rposition(|t| t.areas_changed))
        .or_else(|| targets.len().checked_sub(1));
    let mut out = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let presets: Vec<Preset> = updated
            .catalogue
            .presets
            .iter()
            .filter(|p| match file_of_preset(&p.id) {
                Some(f) => f == t.path,
                None => home_of_new == Some(i),
            })
            .cloned()
            .collect();
        let old_presets: Vec<Preset> = old
            .model
            .catalogue
            .presets
            .iter()
            .filter(|p| file_of_preset(&p.id).as_deref() == Some(t.path.as_str()))
            .map(strip)
            .collect();
        let presets_changed = presets.iter().map(strip).collect::<Vec<_>>() != old_presets;
        if !(t.new || t.areas_changed || presets_changed) {
            continue;
        }
        let Some(info) = updated.catalogue.sources.iter().find(|s| s.id == t.id) else {
            continue;
        };
        let areas: Vec<_> = updated
            .catalogue
            .areas
            .iter()
            .filter(|a| a.catalogue == t.id)
            .cloned()
            .collect();
        out.push((
            t.path.clone(),
            write::catalogue_file(info, &areas, &presets),
        ));
        if t.new && !updated.catalogues.contains(&t.path) {
            updated.catalogues.push(t.path.clone());
        }
    }
    out
}

/// `demarc import csv FILE --into DIR`
fn csv(args: &ImportCsvArgs) -> Result<Outcome> {
    let old = existing(&args.into)?;
    let bytes = std::fs::read(&args.file)
        .map_err(|e| anyhow::anyhow!("{}: cannot be read: {e}", args.file.display()))?;
    let Ok(text) = String::from_utf8(bytes) else {
        return refuse(
            &args.file,
            &["is not UTF-8 text; save the sheet as \"CSV UTF-8\"".to_owned()],
            args.format,
        );
    };
    let allocations = match matrix_csv::read(&old.model, &text) {
        Ok(a) => a,
        Err(errors) => {
            if args.format == ReportFormat::Json {
                let shown = args.file.display().to_string();
                let list: Vec<_> = errors
                    .iter()
                    .map(|e| serde_json::json!({"file": shown, "line": e.line, "column": e.column, "message": e.message}))
                    .collect();
                crate::outln!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "errors": list }))?
                );
                return Ok(Outcome::Invalid);
            }
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            return refuse(&args.file, &lines, args.format);
        }
    };
    let mut updated = old.model.clone();
    updated.allocations = allocations;
    let target = ImportTarget {
        output: None,
        into: Some(args.into.clone()),
    };
    finish(Some(&old), &target, updated, &[], args.dry_run, args.format)
}

/// The model the files of an import read back as; an error (and nothing written) if they do
/// not read.
pub fn read_back(files: ModelFiles) -> Result<Model> {
    yaml::parse(&files).map_err(|errors| {
        anyhow::anyhow!(
            "the imported model would not read back, so nothing was written: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        )
    })
}

pub fn ensure_empty(dir: &Path) -> Result<()> {
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .map_err(|e| anyhow::anyhow!("{}: cannot be read: {e}", dir.display()))?;
        if entries.next().is_some() {
            anyhow::bail!(
                "{} is not empty: import writes a new model directory (choose another name, or use --into to update a model)",
                dir.display()
            );
        }
    }
    Ok(())
}

/// The allocation files after an import: a service whose cells did not change keeps its
/// files byte for byte (comments and all); a changed service gets one freshly written file.
fn allocation_files(
    old: &Model,
    files: &ModelFiles,
    new: &[ServiceAllocations],
) -> Vec<(String, String)> {
    let path_of = |g: &ServiceAllocations| old.file_name(g.service.loc).map(str::to_owned);
    let cells_of = |groups: &[&ServiceAllocations]| -> Vec<Allocation> {
        groups
            .iter()
            .flat_map(|g| g.cells.iter().map(Allocation::without_locations))
            .collect()
    };
    let mut out = Vec::new();
    for group in new {
        let before: Vec<&ServiceAllocations> = old
            .allocations
            .iter()
            .filter(|g| g.service.id == group.service.id)
            .collect();
        if !before.is_empty() && cells_of(&before) == cells_of(&[group]) {
            for g in before {
                if let Some(path) = path_of(g)
                    && let Some((_, text)) = files.files.iter().find(|(p, _)| *p == path)
                {
                    out.push((path, text.clone()));
                }
            }
        } else {
            let path = before
                .first()
                .and_then(|g| path_of(g))
                .unwrap_or_else(|| write::allocations_path(&group.service.id));
            out.push((
                path,
                write::allocations_file(&group.service.id, &group.cells),
            ));
        }
    }
    out
}

/// How many cells of the model have each status, by the status's name.
pub(crate) fn cells_by_status(view: &View<'_>) -> BTreeMap<&'static str, usize> {
    let mut by_status = BTreeMap::new();
    for (_, _, cell) in view.cells() {
        *by_status.entry(cell.status().as_str()).or_default() += 1;
    }
    by_status
}

/// What an import made, in one line: "3 parties, 1 service, 7 responsibilities; cells: 1
/// customer, 2 supplier".
pub(crate) fn model_line(view: &View<'_>, by_status: &BTreeMap<&str, usize>) -> String {
    let statuses: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| {
            by_status
                .get(s.as_str())
                .map(|n| format!("{n} {}", s.as_str()))
        })
        .collect();
    format!(
        "{}, {}, {}; cells: {}",
        super::plural(view.parties().len(), "party"),
        super::plural(view.services().len(), "service"),
        super::plural(view.responsibilities().len(), "responsibility"),
        if statuses.is_empty() {
            "none".to_owned()
        } else {
            statuses.join(", ")
        }
    )
}

/// The bytes of a file to import (a workbook, CAIQ answers), or what to tell the user. A file
/// over the size limit is refused before it is read, so a huge file costs no memory.
pub(crate) fn read_file(path: &Path) -> std::result::Result<Vec<u8>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("cannot be read: {e}"))?
        .len();
    if size > demarc_office::workbook::MAX_FILE_BYTES {
        return Err(demarc_office::WorkbookError::TooLarge {
            what: format!("{} MiB", size / (1024 * 1024)),
            limit: format!(
                "{} MiB",
                demarc_office::workbook::MAX_FILE_BYTES / (1024 * 1024)
            ),
        }
        .to_string());
    }
    std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))
}
