//! `demarc export`

use anyhow::Result;
use demarc_core::check::check;
use demarc_core::{Date, View};
use demarc_formats::export::{ExportOptions, Format, What, export, report};
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
        ExportFormat::Xlsx => {
            let bytes = super::xlsx::export(args, &model, today)?;
            return write_bytes(args, &bytes);
        }
        ExportFormat::Crm => {
            let bytes = super::crm::export(args, &model, today)?;
            return write_bytes(args, &bytes);
        }
        ExportFormat::Pdf | ExportFormat::Docx => return document(args, &model, today),
    };
    let view = View::new(&model);
    let findings = check(&view, today);
    let opts = ExportOptions {
        what: what(args.what),
        format,
        party: args.party.as_deref(),
        service: args.service.as_deref(),
        today,
    };
    let text = export(&view, &findings, &opts)?;
    write_out(args, &text)
}

/// A document people sign or edit, as PDF or Word: the same content as the HTML export.
fn document(args: &ExportArgs, model: &demarc_core::Model, today: Date) -> Result<Outcome> {
    let view = View::new(model);
    let findings = check(&view, today);
    let opts = ExportOptions {
        what: what(args.what),
        format: Format::Html,
        party: args.party.as_deref(),
        service: args.service.as_deref(),
        today,
    };
    let doc = report(&view, &findings, &opts)?.document();
    let progress = crate::progress::Progress::start("typesetting");
    let bytes = match args.format {
        ExportFormat::Docx => demarc_office::docx::render(&doc)?,
        _ => pdf(&doc)?,
    };
    progress.finish();
    write_bytes(args, &bytes)
}

#[cfg(feature = "pdf")]
fn pdf(doc: &demarc_formats::export::Document) -> Result<Vec<u8>> {
    Ok(demarc_pdf::render(doc)?)
}

#[cfg(not(feature = "pdf"))]
fn pdf(_: &demarc_formats::export::Document) -> Result<Vec<u8>> {
    anyhow::bail!(
        "this demarc was built without PDF support (the \"pdf\" feature); install it with the default features, or export --format docx or html and print that"
    )
}

fn what(w: Option<ExportWhat>) -> What {
    match w.unwrap_or(ExportWhat::Matrix) {
        ExportWhat::Matrix => What::Matrix,
        ExportWhat::Schedule => What::Schedule,
        ExportWhat::PolicyAnnex => What::PolicyAnnex,
        ExportWhat::Summary => What::Summary,
    }
}

/// A binary file: to -o, or to standard output when that is not a terminal.
fn write_bytes(args: &ExportArgs, bytes: &[u8]) -> Result<Outcome> {
    use std::io::{IsTerminal, Write};
    match &args.output {
        Some(path) => {
            super::write_atomically(path, bytes)?;
            eprintln!("wrote {}", path.display());
        }
        None if std::io::stdout().is_terminal() => anyhow::bail!(
            "this format is a binary file: give -o FILE (or redirect standard output to a file)"
        ),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
    }
    Ok(Outcome::Ok)
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
