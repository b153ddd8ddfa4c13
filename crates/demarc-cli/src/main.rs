//! `demarc`: shared responsibility models on the command line.
//!
//! The only crate that reads the environment, the clock and command-line arguments; everything
//! else is in `demarc-core` (the domain) and `demarc-formats` (files).

mod cli;
mod cmd;
mod load;
mod progress;
mod term;

use std::process::ExitCode;

use clap::Parser;

/// Exit status: success, the model has errors, or the input could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Findings,
    Invalid,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Invalid => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cmd::run(cli) {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            term::eprint_error(&msg);
            ExitCode::from(2)
        }
    }
}
