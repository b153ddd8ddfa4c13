//! `demarc init`

use anyhow::{Result, bail};
use demarc_core::{Date, ServiceModel};
use demarc_formats::init::starter;
use demarc_formats::yaml::write;

use crate::Outcome;
use crate::cli::InitArgs;

pub fn run(args: &InitArgs, today: Date) -> Result<Outcome> {
    if args.dir.exists()
        && std::fs::read_dir(&args.dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} already exists and is not empty; choose a new directory",
            args.dir.display()
        );
    }
    let Some(model) = ServiceModel::parse(&args.service_model) else {
        let all: Vec<&str> = ServiceModel::ALL.iter().map(|m| m.as_str()).collect();
        bail!(
            "--service-model: unknown service model \"{}\", expected one of {}",
            args.service_model,
            all.join(", ")
        );
    };
    let files = starter(&args.preset, &args.name, model, today).map_err(anyhow::Error::msg)?;
    write::write_dir(&args.dir, &files)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", args.dir.display()))?;
    crate::outln!("Created a model in {}.", args.dir.display());
    crate::outln!(
        "Next: edit parties.yaml and services.yaml, decide each row in allocations/, then run"
    );
    crate::outln!("  demarc check {}", args.dir.display());
    Ok(Outcome::Ok)
}
