//! Time the PDF of one document of a model.
//!
//! ```text
//! cargo run --release -p demarc-pdf --example bench -- MODEL_DIR WHAT [PARTY] [OUT.pdf]
//! ```
//!
//! WHAT is matrix, schedule, policy-annex or summary (a schedule needs PARTY). Prints the
//! seconds each step takes, the number of pages (with `pdfinfo`, when installed) and the peak
//! memory of the process (VmHWM in /proc/self/status).

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use demarc_core::check::check;
use demarc_core::{Date, View};
use demarc_formats::export::{ExportOptions, Format, What, report};

fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn pages(pdf: &Path) -> String {
    Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("Pages:"))
                .map(|n| n.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown (pdfinfo not installed)".to_owned())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(what)) = (args.first(), args.get(1).and_then(|w| What::parse(w))) else {
        eprintln!("usage: bench MODEL_DIR matrix|schedule|policy-annex|summary [PARTY] [OUT.pdf]");
        return ExitCode::from(2);
    };
    let party = args.get(2).map(String::as_str).filter(|p| !p.is_empty());
    let out = args.get(3).map_or_else(
        || std::env::temp_dir().join(format!("demarc-bench-{what}.pdf")),
        Into::into,
    );
    let Some(today) = Date::new(2026, 11, 23) else {
        return ExitCode::FAILURE;
    };

    let start = Instant::now();
    let model = match demarc_formats::yaml::load(Path::new(dir)) {
        Ok(m) => m,
        Err(errors) => {
            for e in errors.iter().take(5) {
                eprintln!("{e:?}");
            }
            return ExitCode::FAILURE;
        }
    };
    let view = View::new(&model);
    let findings = check(&view, today);
    let opts = ExportOptions {
        what,
        format: Format::Html,
        party,
        service: None,
        today,
    };
    let doc = match report(&view, &findings, &opts) {
        Ok(r) => r.document(),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let cells: usize = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .map(|b| match b {
            demarc_formats::export::document::Block::Table(t) => {
                t.rows.iter().map(Vec::len).sum::<usize>()
            }
            _ => 0,
        })
        .sum();
    println!(
        "load, check and build the document: {:.2} s ({} sections, {cells} table cells)",
        start.elapsed().as_secs_f64(),
        doc.sections.len()
    );

    let start = Instant::now();
    let pdf = match demarc_pdf::render(&doc) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let secs = start.elapsed().as_secs_f64();
    if let Err(e) = std::fs::write(&out, &pdf) {
        eprintln!("{}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    println!("render: {secs:.2} s");
    println!("bytes: {}", pdf.len());
    println!("pages: {}", pages(&out));
    println!("peak RSS: {}", peak_rss());
    println!("wrote {}", out.display());
    ExitCode::SUCCESS
}
