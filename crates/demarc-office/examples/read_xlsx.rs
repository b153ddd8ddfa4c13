//! Read a workbook with `Workbook::from_xlsx`, as every `demarc import` of a workbook does,
//! and say what is in it: each sheet's rows and filled cells. For the side-by-side benchmark
//! in `bench/xlsx/vs-openpyxl.sh`.
//!
//! ```text
//! cargo run --release -p demarc-office --example read_xlsx -- FILE.xlsx
//! ```

use std::process::ExitCode;
use std::time::Instant;

use demarc_office::Workbook;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: read_xlsx FILE.xlsx");
        return ExitCode::from(2);
    };
    let start = Instant::now();
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: cannot be read: {e}");
            return ExitCode::from(2);
        }
    };
    let book = match Workbook::from_xlsx(&bytes) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let elapsed = start.elapsed();
    let (mut rows, mut cells) = (0u64, 0u64);
    for sheet in &book.sheets {
        let filled: u64 = sheet
            .rows()
            .map(|(_, r)| r.iter().filter(|c| !c.is_empty()).count() as u64)
            .sum();
        println!(
            "{:<40} {:>9} rows {:>10} cells{}",
            sheet.name,
            sheet.height(),
            filled,
            if sheet.hidden { " (hidden)" } else { "" }
        );
        rows += u64::from(sheet.height());
        cells += filled;
    }
    println!(
        "{} sheets, {rows} rows, {cells} cells, read in {:.3} s",
        book.sheets.len(),
        elapsed.as_secs_f64()
    );
    ExitCode::SUCCESS
}
