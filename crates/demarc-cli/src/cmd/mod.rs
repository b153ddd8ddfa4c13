//! One function per command.

mod baseline;
mod caiq;
mod catalog;
mod check;
mod crm;
mod diff;
mod export;
mod import;
mod init;
mod matrix;
mod oscal;
mod server;
mod xlsx;

use std::path::Path;

use anyhow::Result;
use demarc_core::Date;

use crate::Outcome;
use crate::cli::{Cli, Command, SchemaWhich};
use crate::term;

pub fn run(cli: Cli) -> Result<Outcome> {
    term::init(cli.color);
    let today = today(cli.today.as_deref())?;
    match cli.command {
        Command::Check(args) => check::run(&args, today),
        Command::Matrix(args) => matrix::run(&args),
        Command::Export(args) => export::run(&args, today),
        Command::Diff(args) => diff::run(&args, today),
        Command::Import(args) => import::run(args, today),
        Command::Init(args) => init::run(&args, today),
        Command::Schema(args) => {
            use demarc_formats::schema::{SchemaFile, all_schema, schema};
            let text = match args.file {
                SchemaWhich::All => all_schema(),
                SchemaWhich::Model => schema(SchemaFile::Model),
                SchemaWhich::Parties => schema(SchemaFile::Parties),
                SchemaWhich::Services => schema(SchemaFile::Services),
                SchemaWhich::Allocations => schema(SchemaFile::Allocations),
                SchemaWhich::Catalogue => schema(SchemaFile::Catalogue),
            };
            crate::outln!("{text}");
            Ok(Outcome::Ok)
        }
        Command::Catalog(args) => catalog::run(&args),
        Command::Oscal(args) => oscal::run(&args, today),
        Command::Serve(args) => server::serve(args, cli.today),
        Command::Db(args) => server::db(args),
        Command::User(args) => server::user(args),
        Command::Workspace(args) => server::workspace(args, today),
        Command::Audit(args) => server::audit(args),
    }
}

/// Today's date: from `--today` / `DEMARC_TODAY`, else the system clock (UTC).
fn today(given: Option<&str>) -> Result<Date> {
    if let Some(s) = given {
        return s
            .parse::<Date>()
            .map_err(|e| anyhow::anyhow!("--today: {e}"));
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Ok(Date::from_unix_days((secs / 86_400) as i64))
}

/// Write a file whole or not at all: to a temporary file beside it, then renamed into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically_with(path, |w| std::io::Write::write_all(w, bytes))
}

/// [`write_atomically`], the bytes written by `write` as they come (a large document is not
/// held in memory whole first).
pub fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.demarc-tmp-{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.flush()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow::anyhow!("cannot write {}: {e}", path.display()));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::anyhow!("cannot write {}: {e}", path.display())
    })
}

/// A count and its noun, singular or plural as the count wants: "1 party", "2 parties".
pub(crate) fn plural(n: usize, word: &str) -> String {
    let word = match (n, word) {
        (1, w) => w.to_owned(),
        (_, "responsibility") => "responsibilities".to_owned(),
        (_, "party") => "parties".to_owned(),
        (_, w) => format!("{w}s"),
    };
    format!("{n} {word}")
}
