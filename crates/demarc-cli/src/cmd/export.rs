//! `demarc export`

use anyhow::Result;
use demarc_core::check::check;
use demarc_core::{Date, View};
use demarc_formats::export::{ExportOptions, Format, What, export};

use crate::Outcome;
use crate::cli::{ExportArgs, ExportFormat, ExportWhat};
use crate::load;

pub fn run(args: &ExportArgs, today: Date) -> Result<Outcome> {
    let model = load::model(&args.dir)?;
    let view = View::new(&model);
    let findings = check(&view, today);
    let opts = ExportOptions {
        what: match args.what {
            ExportWhat::Matrix => What::Matrix,
            ExportWhat::Schedule => What::Schedule,
            ExportWhat::PolicyAnnex => What::PolicyAnnex,
            ExportWhat::Summary => What::Summary,
        },
        format: match args.format {
            ExportFormat::Md => Format::Markdown,
            ExportFormat::Html => Format::Html,
            ExportFormat::Csv => Format::Csv,
            ExportFormat::Json => Format::Json,
        },
        party: args.party.as_deref(),
        service: args.service.as_deref(),
        today,
    };
    let text = export(&view, &findings, &opts)?;
    match &args.output {
        Some(path) => {
            super::write_atomically(path, text.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        None => crate::term::out(&text),
    }
    Ok(Outcome::Ok)
}
