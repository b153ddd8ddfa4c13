//! `demarc diff`

use anyhow::Result;
use demarc_core::diff::{Diff, diff};
use demarc_core::{Date, View};

use crate::Outcome;
use crate::cli::{DiffArgs, ReportFormat};
use crate::{load, term};

pub fn run(args: &DiffArgs, _today: Date) -> Result<Outcome> {
    let old = load::model(&args.old)?;
    let new = load::model(&args.new)?;
    let d = diff(&View::new(&old), &View::new(&new));
    print(&d, args.format)?;
    Ok(Outcome::Ok)
}

pub fn print(d: &Diff, format: ReportFormat) -> Result<()> {
    match format {
        ReportFormat::Json => crate::outln!("{}", serde_json::to_string_pretty(d)?),
        ReportFormat::Text => {
            if d.is_empty() {
                crate::outln!("no changes");
                return Ok(());
            }
            for c in &d.changes {
                let marker = if c.resign {
                    term::yellow("*")
                } else {
                    " ".into()
                };
                let kind = serde_json::to_value(c.kind)?
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                crate::outln!("{marker} {:<22} {}", kind, c.message);
                if let (Some(b), Some(a)) = (&c.before, &c.after)
                    && (b.len() + a.len()) < 400
                {
                    crate::outln!("    {} {b}", term::dim("before:"));
                    crate::outln!("    {} {a}", term::dim("after: "));
                }
            }
            crate::outln!();
            if d.resign_required {
                crate::outln!(
                    "{} {} change(s); the changes marked * mean the parties must sign again",
                    term::yellow("re-sign required:"),
                    d.changes.len()
                );
            } else {
                crate::outln!(
                    "{} {} change(s), none of which needs signing again",
                    term::green("no re-signing needed:"),
                    d.changes.len()
                );
            }
        }
    }
    Ok(())
}
