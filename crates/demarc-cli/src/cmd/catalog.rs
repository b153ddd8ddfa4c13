//! `demarc catalog`

use anyhow::{Result, bail};
use demarc_formats::builtin;

use crate::Outcome;
use crate::cli::{CatalogAction, CatalogArgs, ShowFormat};
use crate::term;

pub fn run(args: &CatalogArgs) -> Result<Outcome> {
    match &args.action {
        CatalogAction::List => {
            for name in builtin::names() {
                let Some(c) = builtin::catalogue(name) else {
                    continue;
                };
                let title = c.sources.first().map_or("", |s| s.title.as_str());
                let presets: Vec<&str> = c.presets.iter().map(|p| p.id.as_str()).collect();
                crate::outln!(
                    "{:<18} {} ({} responsibilities; presets: {})",
                    term::bold(name),
                    title,
                    c.responsibilities().count(),
                    if presets.is_empty() {
                        "none".to_owned()
                    } else {
                        presets.join(", ")
                    }
                );
            }
        }
        CatalogAction::Show { name, format } => {
            let (Some(text), Some(c)) = (builtin::get(name), builtin::catalogue(name)) else {
                bail!(
                    "there is no built-in catalogue \"{name}\"; the built-in catalogues are {}",
                    builtin::names().join(", ")
                );
            };
            if *format == ShowFormat::Yaml {
                crate::term::out(text);
                return Ok(Outcome::Ok);
            }
            if let Some(info) = c.sources.first() {
                crate::outln!("{}", term::bold(&info.title));
                if let Some(d) = &info.description {
                    crate::outln!("{}", d.trim());
                }
                if let Some(l) = &info.licence {
                    crate::outln!("{} {l}", term::dim("Licence:"));
                }
                crate::outln!();
            }
            for area in &c.areas {
                crate::outln!("{}", term::bold(&area.title));
                for r in &area.responsibilities {
                    let retained = if r.retained {
                        "  [retained: cannot be outsourced]"
                    } else {
                        ""
                    };
                    crate::outln!("  {:<40} {}{retained}", r.id, r.title);
                }
                crate::outln!();
            }
            for p in &c.presets {
                let model = p.service_model.map_or("(chosen by name)".to_owned(), |m| {
                    format!("for {}", m.as_str())
                });
                crate::outln!("{} {} — {}", term::bold("preset"), p.id, model);
                for e in &p.entries {
                    let mark = if e.expected { " (expected)" } else { "" };
                    crate::outln!(
                        "  {:<40} {}{mark}",
                        e.allocation.responsibility.id,
                        e.allocation.status.as_str()
                    );
                }
                crate::outln!();
            }
        }
    }
    Ok(Outcome::Ok)
}
