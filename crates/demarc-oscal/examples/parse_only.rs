//! The floor for `demarc oscal validate`: read a file and parse it into a `serde_json::Value`,
//! nothing else (no schema, no OSCAL). `bench/oscal/vs-trestle.sh` runs it beside demarc to
//! show how much validation adds to plain parsing of the same bytes.
//!
//! `cargo run --release -p demarc-oscal --example parse_only -- FILE...`

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut status = ExitCode::SUCCESS;
    for path in std::env::args_os().skip(1) {
        let shown = path.to_string_lossy().into_owned();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{shown}: cannot read: {e}");
                status = ExitCode::from(2);
                continue;
            }
        };
        match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(value) => {
                let keys = value.as_object().map_or(0, |o| o.len());
                println!("{shown}: {} bytes, {keys} root keys", bytes.len());
            }
            Err(e) => {
                eprintln!("{shown}: {e}");
                status = ExitCode::from(2);
            }
        }
    }
    status
}
