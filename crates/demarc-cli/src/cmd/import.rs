//! `demarc import`

use anyhow::Result;
use demarc_core::diff::diff;
use demarc_core::{Date, View};
use demarc_formats::matrix_csv;
use demarc_formats::yaml::write;

use crate::Outcome;
use crate::cli::{ImportArgs, ImportSource, ReportFormat};
use crate::{load, term};

pub fn run(args: ImportArgs, _today: Date) -> Result<Outcome> {
    let ImportSource::Csv(args) = args.source;
    let model = load::model(&args.into)?;
    let shown = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("{shown}: cannot be read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{shown}: is not UTF-8 text; save the sheet as \"CSV UTF-8\""))?;
    let allocations = match matrix_csv::read(&model, &text) {
        Ok(a) => a,
        Err(errors) => {
            match args.format {
                ReportFormat::Json => {
                    let list: Vec<_> = errors
                        .iter()
                        .map(|e| serde_json::json!({"file": shown, "line": e.line, "column": e.column, "message": e.message}))
                        .collect();
                    crate::outln!("{}", serde_json::to_string_pretty(&serde_json::json!({ "errors": list }))?);
                }
                ReportFormat::Text => {
                    term::eprint_error(&format!("error: {shown} cannot be imported ({} error(s)); nothing was changed:", errors.len()));
                    for e in &errors {
                        eprintln!("  {shown}: {e}");
                    }
                }
            }
            return Ok(Outcome::Invalid);
        }
    };
    let mut updated = model.clone();
    updated.allocations = allocations;
    // The imported model must still read back the same: write, re-read, compare.
    let files: Vec<(String, String)> = write::model_files(&updated)
        .into_iter()
        .filter(|(p, _)| p.starts_with("allocations/"))
        .collect();
    let changes = diff(&View::new(&model), &View::new(&updated));
    match args.format {
        ReportFormat::Json => crate::outln!("{}", serde_json::to_string_pretty(&serde_json::json!({ "diff": changes, "written": !args.dry_run }))?),
        ReportFormat::Text => super::diff::print(&changes, ReportFormat::Text)?,
    }
    if !args.dry_run {
        write::write_dir(&args.into, &files).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.into.display()))?;
        if args.format == ReportFormat::Text {
            eprintln!("updated the allocations in {}", args.into.display());
        }
    }
    Ok(Outcome::Ok)
}
