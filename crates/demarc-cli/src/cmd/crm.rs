//! `demarc import crm` and `demarc export --format crm`: FedRAMP CIS/CRM workbooks (SSP
//! Appendix J). The mapping itself is `demarc_office::crm`; here are the files and flags.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Result;
use demarc_core::view::ServiceIx;
use demarc_core::{Date, Model, View};
use demarc_office::Workbook;
use demarc_office::crm::{self, CrmExport, CrmImport};
use demarc_oscal::document::Kind;

use super::import;
use crate::Outcome;
use crate::cli::{ExportArgs, ImportCrmArgs};
use crate::progress::Progress;

/// `demarc import crm FILE (-o NEW | --into DIR) ...`
pub fn import(args: &ImportCrmArgs) -> Result<Outcome> {
    let existing = import::start(&args.target)?;
    let progress = Progress::start("reading the workbook");
    let bytes = match import::read_file(&args.file) {
        Ok(b) => b,
        Err(message) => return import::refuse(&args.file, &[message], args.format),
    };
    let book = match Workbook::from_xlsx(&bytes) {
        Ok(b) => b,
        Err(e) => return import::refuse(&args.file, &[e.to_string()], args.format),
    };
    let titles = match &args.catalog {
        None => None,
        Some(path) => {
            progress.set("reading the catalog");
            match titles(path) {
                Ok(t) => Some(t),
                Err(e) => return import::refuse(path, &[e], args.format),
            }
        }
    };
    let title_of = |id: &str| titles.as_ref().and_then(|t| t.get(id).cloned());
    let opts = CrmImport {
        baseline: args.baseline.clone(),
        provider: args.provider.clone(),
        service: args.service.clone(),
    };
    progress.set("reading the controls");
    let imported = match crm::import(
        &book,
        &opts,
        existing.as_ref().map(|e| &e.model),
        titles.is_some().then_some(&title_of as crm::Titles<'_>),
    ) {
        Ok(i) => i,
        Err(e) => return import::refuse_import(&args.file, e, args.format),
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

/// Control titles by OSCAL id, from a catalog or a profile (resolved).
fn titles(path: &Path) -> Result<HashMap<String, String>, String> {
    let doc = demarc_oscal::document::load(path).map_err(|e| e.to_string())?;
    let mut notes = Vec::new();
    let catalog = match doc.kind {
        Kind::Catalog => demarc_oscal::catalog::read(&doc, &mut notes),
        Kind::Profile => {
            let search: Vec<_> = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .into_iter()
                .collect();
            demarc_oscal::profile::resolve(&doc, &search, &mut notes)
        }
        other => {
            return Err(format!(
                "is an OSCAL {other}: --catalog takes a catalog or a profile, to title the controls"
            ));
        }
    }
    .map_err(|e| e.to_string())?;
    Ok(catalog
        .all_controls()
        .into_iter()
        .map(|c| (c.id.clone(), c.title.trim().to_owned()))
        .filter(|(_, t)| !t.is_empty())
        .collect())
}

/// `demarc export DIR --format crm --party PROVIDER [--service ID] -o FILE`
pub fn export(args: &ExportArgs, model: &Model, today: Date) -> Result<Vec<u8>> {
    if args.what.is_some() {
        anyhow::bail!(
            "--what does not apply to --format crm: the workbook is always the CIS and CRM worksheets of one service (leave --what out)"
        );
    }
    let view = View::new(model);
    let providers = || {
        let mut ids: Vec<&str> = (0..view.services().len() as ServiceIx)
            .filter_map(|s| view.provider(s))
            .filter(|&p| Some(p) != view.customer)
            .map(|p| view.party(p).id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.join(", ")
    };
    let Some(party) = args.party.as_deref() else {
        anyhow::bail!(
            "--format crm needs --party: the provider whose service the workbook describes (one of: {})",
            providers()
        );
    };
    let Some(p) = view.party_index(party) else {
        anyhow::bail!(
            "--party {party}: no such party in the model (providers: {})",
            providers()
        );
    };
    let own: Vec<ServiceIx> = (0..view.services().len() as ServiceIx)
        .filter(|&s| view.provider(s) == Some(p))
        .collect();
    let names = |list: &[ServiceIx]| {
        list.iter()
            .map(|&s| view.service(s).id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let s = match args.service.as_deref() {
        Some(id) => {
            let Some(s) = view.service_index(id) else {
                anyhow::bail!(
                    "--service {id}: no such service in the model (services of {party}: {})",
                    names(&own)
                );
            };
            if !own.contains(&s) {
                anyhow::bail!(
                    "--service {id}: {party} does not provide it (services of {party}: {})",
                    names(&own)
                );
            }
            s
        }
        None => match own.as_slice() {
            [one] => *one,
            [] => anyhow::bail!("--party {party}: it provides no service in the model"),
            many => anyhow::bail!(
                "--party {party} provides several services: choose one with --service ({})",
                names(many)
            ),
        },
    };
    let progress = Progress::start("writing the workbook");
    let bytes = crm::export(
        &view,
        p,
        s,
        &CrmExport {
            baseline: None,
            today: Some(today),
        },
    )?;
    progress.finish();
    Ok(bytes)
}
