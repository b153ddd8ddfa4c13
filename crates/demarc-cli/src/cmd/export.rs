//! `demarc export`

use anyhow::Result;
use demarc_core::check::check;
use demarc_core::{Date, View};
use demarc_formats::export::{ExportOptions, Format, What, export};
use demarc_oscal::export::OscalExport;

use crate::Outcome;
use crate::cli::{ExportArgs, ExportFormat, ExportWhat};
use crate::load;

pub fn run(args: &ExportArgs, today: Date) -> Result<Outcome> {
    let model = load::model(&args.dir)?;
    let format = match args.format {
        ExportFormat::Md => Format::Markdown,
        ExportFormat::Html => Format::Html,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Json => Format::Json,
        ExportFormat::OscalSsp => return oscal(args, &model, OscalExport::Ssp, today),
        ExportFormat::OscalComponent => {
            return oscal(args, &model, OscalExport::ComponentDefinition, today);
        }
        ExportFormat::OscalCrm => return oscal(args, &model, OscalExport::Crm, today),
        ExportFormat::OscalSrm => return oscal(args, &model, OscalExport::Srm, today),
    };
    let view = View::new(&model);
    let findings = check(&view, today);
    let opts = ExportOptions {
        what: match args.what.unwrap_or(ExportWhat::Matrix) {
            ExportWhat::Matrix => What::Matrix,
            ExportWhat::Schedule => What::Schedule,
            ExportWhat::PolicyAnnex => What::PolicyAnnex,
            ExportWhat::Summary => What::Summary,
        },
        format,
        party: args.party.as_deref(),
        service: args.service.as_deref(),
        today,
    };
    let text = export(&view, &findings, &opts)?;
    write_out(args, &text)
}

/// An OSCAL document of the model (`--what` does not apply: the format says what it is).
fn oscal(
    args: &ExportArgs,
    model: &demarc_core::Model,
    what: OscalExport,
    today: Date,
) -> Result<Outcome> {
    if args.what.is_some() {
        anyhow::bail!(
            "--what does not apply to the OSCAL formats: the format says what the document is (leave --what out)"
        );
    }
    if args.service.is_some() && what != OscalExport::Crm {
        anyhow::bail!(
            "--service applies to oscal-crm only (the service whose responsibility matrix it is); for the other OSCAL formats --party chooses the system"
        );
    }
    let text = super::oscal::export(
        model,
        what,
        args.party.as_deref(),
        args.service.as_deref(),
        today,
    )?;
    write_out(args, &text)
}

fn write_out(args: &ExportArgs, text: &str) -> Result<Outcome> {
    match &args.output {
        Some(path) => {
            super::write_atomically(path, text.as_bytes())?;
            eprintln!("wrote {}", path.display());
        }
        None => crate::term::out(text),
    }
    Ok(Outcome::Ok)
}
