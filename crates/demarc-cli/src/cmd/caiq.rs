//! `demarc import caiq`: a provider's CSA CAIQ v4 answers (XLSX or CSV) into a new model or an
//! existing one.

use anyhow::Result;
use demarc_office::caiq::{self, Options};

use super::import;
use crate::Outcome;
use crate::cli::ImportCaiqArgs;
use crate::progress::Progress;

pub fn import(args: &ImportCaiqArgs) -> Result<Outcome> {
    let existing = import::start(&args.target)?;
    let file = &args.file;
    let progress = Progress::start("reading the CAIQ answers");
    let bytes = match import::read_file(file) {
        Ok(b) => b,
        Err(message) => return import::refuse(file, &[message], args.format),
    };
    let shown = file.display().to_string();
    let book = match caiq::read_file(&shown, &bytes) {
        Ok(b) => b,
        Err(e) => return import::refuse(file, &[e.to_string()], args.format),
    };
    let opts = Options {
        source: &shown,
        provider: args.provider.as_deref(),
        service: args.service.as_deref(),
    };
    let imported = match caiq::import(&book, existing.as_ref().map(|e| &e.model), &opts) {
        Ok(i) => i,
        Err(e) => return import::refuse_import(file, e, args.format),
    };
    progress.finish();
    import::finish(
        existing.as_ref(),
        &args.target,
        imported.model,
        &imported.notes,
        args.dry_run,
        args.format,
    )
}
