//! Reading a model directory, and reporting why it cannot be read.

use std::path::Path;

use demarc_core::Model;
use demarc_formats::yaml::{self, LoadError};

/// A model that could not be read: each error with file, line and column.
#[derive(Debug)]
pub struct Unreadable {
    pub dir: String,
    pub errors: Vec<LoadError>,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.errors.len();
        writeln!(
            f,
            "the model in {} cannot be read ({n} error{}):",
            self.dir,
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            let shown = LoadError {
                file: in_dir(&self.dir, &e.file),
                ..e.clone()
            };
            writeln!(f, "  {shown}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Unreadable {}

/// A file path as the user would open it: inside the model directory, unless built in.
fn in_dir(dir: &str, file: &str) -> String {
    if file == dir || file.starts_with("builtin:") || Path::new(file).is_absolute() {
        file.to_owned()
    } else {
        Path::new(dir).join(file).display().to_string()
    }
}

/// Read a model directory.
pub fn model(dir: &Path) -> Result<Model, Unreadable> {
    yaml::load(dir).map_err(|errors| Unreadable {
        dir: dir.display().to_string(),
        errors,
    })
}

/// The file of a location, as the user would open it.
pub fn file_of(dir: &Path, model: &Model, loc: Option<demarc_core::Loc>) -> Option<String> {
    model
        .file_name(loc)
        .map(|f| in_dir(&dir.display().to_string(), f))
}

/// Print load errors as JSON: `{"errors":[{"file","line","column","message"}]}`.
pub fn errors_json(u: &Unreadable) -> serde_json::Value {
    let errors: Vec<serde_json::Value> = u
        .errors
        .iter()
        .map(|e| {
            let mut o = serde_json::Map::new();
            o.insert("file".into(), in_dir(&u.dir, &e.file).into());
            if let Some(l) = e.line {
                o.insert("line".into(), l.into());
            }
            if let Some(c) = e.column {
                o.insert("column".into(), c.into());
            }
            o.insert("message".into(), e.message.clone().into());
            serde_json::Value::Object(o)
        })
        .collect();
    serde_json::json!({ "errors": errors })
}
