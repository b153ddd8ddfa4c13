//! `demarc import`

use anyhow::Result;
use demarc_core::diff::diff;
use demarc_core::model::{Allocation, Model, ServiceAllocations};
use demarc_core::{Date, View};
use demarc_formats::matrix_csv;
use demarc_formats::yaml::{self, ModelFiles, write};

use crate::Outcome;
use crate::cli::{ImportArgs, ImportSource, ReportFormat};
use crate::{load, term};

pub fn run(args: ImportArgs, _today: Date) -> Result<Outcome> {
    let args = match args.source {
        ImportSource::Csv(a) => a,
        ImportSource::Oscal(a) => return super::oscal::import(&a),
    };
    let unreadable = |errors| load::Unreadable {
        dir: args.into.display().to_string(),
        errors,
    };
    let files = yaml::read_dir(&args.into).map_err(|e| unreadable(vec![e]))?;
    let model = yaml::parse(&files).map_err(unreadable)?;
    let shown = args.file.display().to_string();
    let bytes =
        std::fs::read(&args.file).map_err(|e| anyhow::anyhow!("{shown}: cannot be read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        anyhow::anyhow!("{shown}: is not UTF-8 text; save the sheet as \"CSV UTF-8\"")
    })?;
    let allocations = match matrix_csv::read(&model, &text) {
        Ok(a) => a,
        Err(errors) => {
            match args.format {
                ReportFormat::Json => {
                    let list: Vec<_> = errors
                        .iter()
                        .map(|e| serde_json::json!({"file": shown, "line": e.line, "column": e.column, "message": e.message}))
                        .collect();
                    crate::outln!(
                        "{}",
                        serde_json::to_string_pretty(&serde_json::json!({ "errors": list }))?
                    );
                }
                ReportFormat::Text => {
                    term::eprint_error(&format!(
                        "error: {shown} cannot be imported ({} error(s)); nothing was changed:",
                        errors.len()
                    ));
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
    let changes = diff(&View::new(&model), &View::new(&updated));
    match args.format {
        ReportFormat::Json => crate::outln!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "diff": changes, "written": !args.dry_run })
            )?
        ),
        ReportFormat::Text => super::diff::print(&changes, ReportFormat::Text)?,
    }
    let out = allocation_files(&model, &files, &updated.allocations);
    // What is written must read back as the model shown above; check before touching the
    // directory.
    let mut after = ModelFiles {
        files: files
            .files
            .iter()
            .filter(|(p, _)| !p.starts_with("allocations/"))
            .cloned()
            .collect(),
    };
    after.files.extend(out.iter().cloned());
    read_back(after)?;
    if !args.dry_run {
        write::write_dir(&args.into, &out)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.into.display()))?;
        if args.format == ReportFormat::Text {
            eprintln!("updated the allocations in {}", args.into.display());
        }
    }
    Ok(Outcome::Ok)
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
