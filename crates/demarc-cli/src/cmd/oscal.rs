//! `demarc oscal validate|resolve`, and `demarc import oscal`.

use std::collections::BTreeMap;

use anyhow::Result;
use demarc_core::model::Model;
use demarc_core::{Date, Finding, Severity, View};
use demarc_formats::yaml::{ModelFiles, write};
use demarc_oscal::{OscalError, Problem};

use crate::Outcome;
use crate::cli::{
    ImportOscalArgs, OscalAction, OscalArgs, OscalResolveArgs, OscalValidateArgs, ReportFormat,
};
use crate::term;

pub fn run(args: &OscalArgs, _today: Date) -> Result<Outcome> {
    match &args.action {
        OscalAction::Validate(a) => validate(a),
        OscalAction::Resolve(a) => resolve(a),
    }
}

/// Print an OSCAL error the way `check` prints an unreadable model, and say "unreadable".
fn unreadable(e: &OscalError, format: ReportFormat) -> Result<Outcome> {
    match format {
        ReportFormat::Json => {
            let errors: Vec<serde_json::Value> = match e {
                OscalError::Invalid(problems) => problems.iter().map(problem_json).collect(),
                OscalError::Syntax {
                    file,
                    line,
                    column,
                    message,
                } => vec![
                    serde_json::json!({"file": file, "line": line, "column": column, "message": message}),
                ],
                OscalError::Read { file, message } => {
                    vec![serde_json::json!({"file": file, "message": message})]
                }
            };
            crate::outln!(
                "{}",
                serde_json::to_string_pretty(&serde_json::json!({ "errors": errors }))?
            );
        }
        ReportFormat::Text => term::eprint_error(&format!("error: {e}")),
    }
    Ok(Outcome::Invalid)
}

/// The ids of every control (enhancements included) of a catalog, withdrawn ones left out.
fn control_ids(catalog: &demarc_oscal::catalog::Catalog) -> Vec<String> {
    catalog
        .all_controls()
        .into_iter()
        .filter(|c| !c.is_withdrawn())
        .map(|c| c.id.clone())
        .collect()
}

fn problem_json(p: &Problem) -> serde_json::Value {
    serde_json::json!({"file": p.file, "pointer": p.pointer, "message": p.message})
}

fn validate(args: &OscalValidateArgs) -> Result<Outcome> {
    let profile_controls = match &args.profile {
        None => None,
        Some(path) => {
            let mut notes = Vec::new();
            let resolved = demarc_oscal::document::load(path)
                .and_then(|doc| demarc_oscal::profile::resolve(&doc, &args.search, &mut notes));
            match resolved {
                Ok(catalog) => Some(control_ids(&catalog)),
                Err(e) => return unreadable(&e, args.format),
            }
        }
    };
    let report =
        match demarc_oscal::validate::validate_files(&args.paths, profile_controls.as_deref()) {
            Ok(r) => r,
            Err(e) => return unreadable(&e, args.format),
        };
    // Schema problems are findings like the others, so one list and one exit rule serve both.
    let findings = report.all_findings();
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    match args.format {
        ReportFormat::Json => {
            let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
            for f in &findings {
                *by_code.entry(f.code.as_str()).or_default() += 1;
            }
            let out = serde_json::json!({
                "files": report.files,
                "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
                "summary": {"errors": errors, "warnings": warnings, "by_code": by_code},
            });
            crate::outln!("{}", serde_json::to_string_pretty(&out)?);
        }
        ReportFormat::Text => {
            let mut by_doc: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
            for f in &findings {
                by_doc
                    .entry(f.document.as_deref().unwrap_or("(the documents together)"))
                    .or_default()
                    .push(f);
            }
            for (doc, list) in &by_doc {
                crate::outln!("{}", term::bold(doc));
                for f in list {
                    let label = format!("{}[{}]", f.severity.as_str(), f.code);
                    let label = match f.severity {
                        Severity::Error => term::red(&label),
                        Severity::Warning => term::yellow(&label),
                    };
                    crate::outln!("  {label}: {}", f.message);
                    if let Some(p) = f.pointer.as_deref().filter(|p| !p.is_empty()) {
                        crate::outln!("    {} {p}", term::dim("at"));
                    }
                    crate::outln!("    {} {}", term::dim("fix:"), f.fix);
                }
                crate::outln!();
            }
            let n = report.files.len();
            let files = format!("{n} file{}", if n == 1 { "" } else { "s" });
            if findings.is_empty() {
                crate::outln!("{} {files} valid, no findings", term::green("ok:"));
            } else if errors > 0 {
                crate::outln!(
                    "{} {errors} error(s), {warnings} warning(s) in {files}",
                    term::red("failed:")
                );
            } else {
                crate::outln!(
                    "{} {warnings} warning(s) in {files}",
                    term::yellow("warnings:")
                );
            }
        }
    }
    Ok(if errors > 0 || (args.strict && warnings > 0) {
        Outcome::Findings
    } else {
        Outcome::Ok
    })
}

fn finding_json(f: &Finding) -> serde_json::Value {
    let mut o = super::check::finding_fields(f);
    for (k, v) in [("file", &f.document), ("pointer", &f.pointer)] {
        if let Some(v) = v {
            o.insert(k.into(), v.clone().into());
        }
    }
    serde_json::Value::Object(o)
}

/// Notes on standard error: what was read with an assumption, or left out. Long lists are cut
/// (`--format json` gives them all).
fn print_notes(notes: &[Problem]) {
    const SHOWN: usize = 20;
    if notes.is_empty() {
        return;
    }
    eprintln!(
        "{} {} note(s) about the input (read with an assumption, or not carried into the result):",
        term::yellow("note:"),
        notes.len()
    );
    for n in notes.iter().take(SHOWN) {
        eprintln!("  {n}");
    }
    if notes.len() > SHOWN {
        eprintln!(
            "  … and {} more (--format json lists them all)",
            notes.len() - SHOWN
        );
    }
}

fn resolve(args: &OscalResolveArgs) -> Result<Outcome> {
    let mut notes = Vec::new();
    let resolved = demarc_oscal::document::load(&args.profile)
        .and_then(|doc| demarc_oscal::profile::resolve_document(doc, &args.catalog, &mut notes));
    let catalog = match resolved {
        Ok(c) => c,
        Err(e) => return unreadable(&e, ReportFormat::Text),
    };
    let document = demarc_oscal::catalog::CatalogDocument(&catalog);
    print_notes(&notes);
    match &args.output {
        Some(path) => {
            super::write_atomically_with(path, |w| {
                serde_json::to_writer_pretty(w, &document).map_err(std::io::Error::from)
            })?;
            eprintln!(
                "wrote {} ({} controls)",
                path.display(),
                control_ids(&catalog).len()
            );
        }
        None => crate::term::out(&serde_json::to_string_pretty(&document)?),
    }
    // The process ends here: no need to free the catalog piece by piece first.
    std::mem::forget(catalog);
    Ok(Outcome::Ok)
}

/// `demarc import oscal PATH... -o DIR`
pub fn import(args: &ImportOscalArgs) -> Result<Outcome> {
    super::import::ensure_empty(&args.output)?;
    let imported = match demarc_oscal::import::import(&args.paths, &args.search) {
        Ok(i) => i,
        Err(e) => return unreadable(&e, args.format),
    };
    let mut model = imported.model;
    let files = write::model_files_with_catalogues(&mut model);
    // What is written must read back as the model imported; check before writing anything.
    let back = super::import::read_back(ModelFiles {
        files: files.clone(),
    })?;
    if back.without_locations() != model.without_locations() {
        anyhow::bail!(
            "the imported model does not read back the same (a bug in demarc: please report it), so nothing was written"
        );
    }
    write::write_dir(&args.output, &files)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.output.display()))?;
    let view = View::new(&back);
    let by_status = super::import::cells_by_status(&view);
    match args.format {
        ReportFormat::Json => {
            let out = serde_json::json!({
                "written": args.output.display().to_string(),
                "parties": view.parties().len(),
                "services": view.services().len(),
                "responsibilities": view.responsibilities().len(),
                "cells": by_status,
                "notes": imported.notes.iter().map(problem_json).collect::<Vec<_>>(),
            });
            crate::outln!("{}", serde_json::to_string_pretty(&out)?);
        }
        ReportFormat::Text => {
            print_notes(&imported.notes);
            eprintln!(
                "wrote {}: {}",
                args.output.display(),
                super::import::model_line(&view, &by_status)
            );
            eprintln!("next: demarc check {}", args.output.display());
        }
    }
    Ok(Outcome::Ok)
}

/// The OSCAL export formats: a JSON document, already checked against the schema.
pub fn export(
    model: &Model,
    what: demarc_oscal::export::OscalExport,
    party: Option<&str>,
    service: Option<&str>,
    today: Date,
) -> Result<String> {
    match demarc_oscal::export::export_with(model, what, party, service, today) {
        Ok(v) => Ok(serde_json::to_string_pretty(&v)? + "\n"),
        Err(problems) => anyhow::bail!(
            "cannot export OSCAL, so nothing was written:\n{}",
            problems
                .iter()
                .map(|p| format!("  {p}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}
