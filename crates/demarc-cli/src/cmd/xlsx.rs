//! `demarc import xlsx` and `demarc export --format xlsx`: the matrix as a workbook to fill in
//! offline (`docs/xlsx.md`). The workbook itself is `demarc_office::matrix_xlsx`; here are the
//! files and flags.

use anyhow::Result;
use demarc_core::finding::did_you_mean;
use demarc_core::report::MatrixFilter;
use demarc_core::{Date, Model, View};
use demarc_office::Imported;
use demarc_office::matrix_xlsx::{self, WorkbookInfo};

use super::import;
use crate::Outcome;
use crate::cli::{ExportArgs, ExportWhat, ImportXlsxArgs};
use crate::progress::Progress;

/// `demarc import xlsx FILE (--into DIR | -o NEW) [--dry-run] [--format json]`
pub fn import(args: &ImportXlsxArgs) -> Result<Outcome> {
    let existing = import::start(&args.target)?;
    let progress = Progress::start("reading the workbook");
    let bytes = match import::read_file(&args.file) {
        Ok(b) => b,
        Err(message) => return import::refuse(&args.file, &[message], args.format),
    };
    let result = match &existing {
        Some(old) => matrix_xlsx::read(&old.model, &bytes).map(|allocations| Imported {
            model: Model {
                allocations,
                ..old.model.clone()
            },
            notes: Vec::new(),
        }),
        None => matrix_xlsx::read_new(&bytes),
    };
    progress.finish();
    let imported = match result {
        Ok(i) => i,
        Err(e) => return import::refuse_import(&args.file, e, args.format),
    };
    import::finish(
        existing.as_ref(),
        &args.target,
        imported.model,
        &imported.notes,
        args.dry_run,
        args.format,
    )
}

/// `demarc export DIR --format xlsx [--party ID] [--service ID] -o FILE`
pub fn export(args: &ExportArgs, model: &Model, today: Date) -> Result<Vec<u8>> {
    if args.what.is_some_and(|w| w != ExportWhat::Matrix) {
        anyhow::bail!(
            "the workbook holds the matrix only (leave --what out); for the other documents use --format docx, pdf or html"
        );
    }
    let view = View::new(model);
    let party = match args
        .party
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(id) => Some(view.party_index(id).ok_or_else(|| {
            anyhow::anyhow!(
                "there is no party \"{id}\" in this model{}",
                did_you_mean(id, view.parties().iter().map(|p| p.id.as_str()))
            )
        })?),
    };
    let service = match args
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(id) => Some(view.service_index(id).ok_or_else(|| {
            anyhow::anyhow!(
                "there is no service \"{id}\" in this model{}",
                did_you_mean(id, view.services().iter().map(|s| s.id.as_str()))
            )
        })?),
    };
    let info = WorkbookInfo {
        date: today,
        model_dir: Some(args.dir.display().to_string()),
        read_back: None,
    };
    let progress = Progress::start("writing the workbook");
    let bytes = matrix_xlsx::write(&view, MatrixFilter { service, party }, &info)?;
    progress.finish();
    Ok(bytes)
}
