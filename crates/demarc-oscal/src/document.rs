//! Reading an OSCAL file into a JSON value and telling what kind of document it is.
//!
//! A document is parsed once, straight from its bytes, into a [`serde_json::Value`]; every
//! other module walks that value. JSON is the native form; YAML (the same model, as NIST
//! publishes it) is read into the same value. Syntax errors carry the line and column.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{OscalError, Problem};

/// The largest file we read: larger ones are refused before they are read (the biggest real
/// OSCAL file we know of, the full SP 800-53 catalog, is about 10 MB).
pub const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// What an OSCAL document is, from its root key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Catalog,
    Profile,
    ComponentDefinition,
    SystemSecurityPlan,
    /// The NIST prototype shared-responsibility document (root key `shared-responsibility`);
    /// not part of any released OSCAL version, so not in the schema.
    SharedResponsibility,
    AssessmentPlan,
    AssessmentResults,
    PlanOfActionAndMilestones,
    MappingCollection,
}

impl Kind {
    /// Every kind, in the order their root keys are listed in messages.
    pub const ALL: [Kind; 9] = [
        Kind::Catalog,
        Kind::Profile,
        Kind::ComponentDefinition,
        Kind::SystemSecurityPlan,
        Kind::AssessmentPlan,
        Kind::AssessmentResults,
        Kind::PlanOfActionAndMilestones,
        Kind::MappingCollection,
        Kind::SharedResponsibility,
    ];

    /// The root key of a document of this kind (`"catalog"`, `"system-security-plan"`, ...).
    pub fn root_key(self) -> &'static str {
        match self {
            Kind::Catalog => "catalog",
            Kind::Profile => "profile",
            Kind::ComponentDefinition => "component-definition",
            Kind::SystemSecurityPlan => "system-security-plan",
            Kind::SharedResponsibility => "shared-responsibility",
            Kind::AssessmentPlan => "assessment-plan",
            Kind::AssessmentResults => "assessment-results",
            Kind::PlanOfActionAndMilestones => "plan-of-action-and-milestones",
            Kind::MappingCollection => "mapping-collection",
        }
    }

    /// The kind whose root key this is.
    pub fn from_root_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.root_key() == key)
    }

    /// Whether the released OSCAL 1.2.3 schema has this model (all but the NIST prototype
    /// shared-responsibility document).
    pub fn in_schema(self) -> bool {
        self != Kind::SharedResponsibility
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.root_key())
    }
}

/// One OSCAL file, parsed.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file as given or as found in a directory (what messages show).
    pub file: String,
    /// Where it was read from (for relative hrefs); empty for documents made from bytes.
    pub path: PathBuf,
    pub kind: Kind,
    /// The whole file: an object whose one model key is `kind.root_key()` (a `$schema` key
    /// may sit beside it).
    pub value: Value,
}

static NULL: Value = Value::Null;

impl Document {
    /// The object under the root key (`Null` only if the document was built by hand without
    /// it: [`load`] and [`from_bytes`] guarantee it is there).
    pub fn root(&self) -> &Value {
        self.value.get(self.kind.root_key()).unwrap_or(&NULL)
    }

    /// The JSON pointer of the root object: `"/catalog"`, `"/system-security-plan"`, ...
    pub fn root_pointer(&self) -> String {
        crate::error::pointer_push("", self.kind.root_key())
    }
}

/// Read and parse one file: `.json` as JSON, `.yaml`/`.yml` as YAML, anything else as JSON when
/// its first non-blank character is `{` and as YAML otherwise. Files over [`MAX_BYTES`] are
/// refused without being read.
pub fn load(path: &Path) -> Result<Document, OscalError> {
    let read = read(path)?;
    let mut doc = parse(&read.file, &read.bytes, read.format)?;
    doc.path = path.to_path_buf();
    Ok(doc)
}

/// A file's bytes, read but not parsed, and how to parse them.
pub(crate) struct Read {
    pub file: String,
    pub bytes: Vec<u8>,
    pub format: Format,
}

impl Read {
    /// The bytes to parse as JSON (without a byte-order mark), if the file is JSON.
    pub fn json(&self) -> Option<&[u8]> {
        matches!(self.format, Format::Json).then(|| strip_bom(&self.bytes))
    }

    /// Parse it (see [`load`]).
    pub fn parse(&self, path: &Path) -> Result<Document, OscalError> {
        let mut doc = parse(&self.file, &self.bytes, self.format)?;
        doc.path = path.to_path_buf();
        Ok(doc)
    }
}

/// Read a file for [`load`]: refused when a directory or over [`MAX_BYTES`]; JSON or YAML by
/// its extension, or else by its first non-blank character.
pub(crate) fn read(path: &Path) -> Result<Read, OscalError> {
    let file = path.display().to_string();
    let read_err = |message: String| OscalError::Read {
        file: file.clone(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(e.to_string()))?;
    if meta.is_dir() {
        return Err(read_err("is a directory, not a file".to_owned()));
    }
    if meta.len() > MAX_BYTES {
        return Err(too_large(&file, meta.len()));
    }
    let bytes = std::fs::read(path).map_err(|e| read_err(e.to_string()))?;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("json") => Format::Json,
        Some("yaml" | "yml") => Format::Yaml,
        _ => sniff(&bytes),
    };
    Ok(Read {
        file,
        bytes,
        format,
    })
}

/// Parse a document held in memory: JSON when its first non-blank character is `{`, YAML
/// otherwise. `file` is the name used in messages; the document's `path` is empty.
pub fn from_bytes(file: &str, bytes: &[u8]) -> Result<Document, OscalError> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_large(file, bytes.len() as u64));
    }
    parse(file, bytes, sniff(bytes))
}

#[derive(Clone, Copy)]
pub(crate) enum Format {
    Json,
    Yaml,
}

fn sniff(bytes: &[u8]) -> Format {
    let bytes = strip_bom(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Json,
        _ => Format::Yaml,
    }
}

fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn too_large(file: &str, len: u64) -> OscalError {
    OscalError::Read {
        file: file.to_owned(),
        message: format!(
            "the file is {} MiB; files over {} MiB are refused (no OSCAL document is that large)",
            len.div_ceil(1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        ),
    }
}

fn parse(file: &str, bytes: &[u8], format: Format) -> Result<Document, OscalError> {
    let bytes = strip_bom(bytes);
    // OSCAL in XML: say so, instead of the YAML or JSON reader's complaint about `<`.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<') {
        return Err(OscalError::Read {
            file: file.to_owned(),
            message: "is XML: demarc reads OSCAL in JSON or YAML; convert it first (for example with NIST's oscal-cli: `oscal-cli ssp convert --to json FILE OUT`, or `catalog` / `profile` for those)".to_owned(),
        });
    }
    let value = match format {
        Format::Json => parse_json(file, bytes)?,
        Format::Yaml => parse_yaml(file, bytes)?,
    };
    let kind = kind_of(file, &value)?;
    Ok(Document {
        file: file.to_owned(),
        path: PathBuf::new(),
        kind,
        value,
    })
}

fn parse_json(file: &str, bytes: &[u8]) -> Result<Value, OscalError> {
    // Text checked as UTF-8 once is parsed without checking it again string by string; bytes
    // that are not UTF-8 are parsed as bytes, for the parser's message on where they go wrong.
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
    .map_err(|e| OscalError::Syntax {
        file: file.to_owned(),
        line: e.line(),
        // serde_json says column 0 at the end of the file; columns count from 1.
        column: e.column().max(1),
        message: json_message(&e),
    })
}

/// serde_json's message without its " at line L column C" suffix (we print the location
/// ourselves, as `file:line:column`).
fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = text.strip_suffix(&suffix).unwrap_or(&text);
    format!("invalid JSON: {msg}")
}

fn parse_yaml(file: &str, bytes: &[u8]) -> Result<Value, OscalError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = line_column(bytes, e.valid_up_to());
        OscalError::Syntax {
            file: file.to_owned(),
            line,
            column,
            message: "the file is not UTF-8 text".to_owned(),
        }
    })?;
    // The default event budget (1,000,000) is sized for configuration files; an OSCAL
    // catalog in YAML has more events than that. An event takes at least a byte of input, so
    // a budget of the input's length never refuses an honest file, and the alias limits
    // (left at their defaults) still stop expansion bombs.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = budget.max_events.max(text.len().saturating_add(16));
    let options = serde_saphyr::options! { budget: Some(budget) };
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| {
        let loc = e.location();
        let plain = e.render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        });
        OscalError::Syntax {
            file: file.to_owned(),
            line: loc.map_or(0, |l| l.line() as usize),
            column: loc.map_or(0, |l| l.column() as usize),
            message: format!("invalid YAML: {}", yaml_message(&plain)),
        }
    })
}

/// serde-saphyr's plain rendering is "error: line L column C: message"; we print the location
/// ourselves.
fn yaml_message(rendered: &str) -> String {
    let s = rendered.trim();
    let s = s.strip_prefix("error: ").unwrap_or(s);
    if let Some(rest) = s.strip_prefix("line ")
        && let Some((loc, msg)) = rest.split_once(": ")
        && loc.contains(" column ")
    {
        return msg.trim().to_owned();
    }
    s.to_owned()
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

fn kind_of(file: &str, value: &Value) -> Result<Kind, OscalError> {
    let expected = || {
        Kind::ALL
            .iter()
            .map(|k| format!("`{}`", k.root_key()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(map) = value.as_object() else {
        return Err(OscalError::Invalid(vec![Problem::new(
            file,
            "",
            format!(
                "an OSCAL document is an object with one of the root keys {}; found {}",
                expected(),
                json_type(value)
            ),
        )]));
    };
    let kinds: Vec<Kind> = map.keys().filter_map(|k| Kind::from_root_key(k)).collect();
    match kinds.as_slice() {
        [kind] => Ok(*kind),
        [] => {
            let found = if map.is_empty() {
                "the object is empty".to_owned()
            } else {
                format!(
                    "found {}",
                    map.keys()
                        .map(|k| format!("`{}`", crate::schema::truncate(k, 80)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            Err(OscalError::Invalid(vec![Problem::new(
                file,
                "",
                format!(
                    "not an OSCAL document: expected one of the root keys {}; {found}",
                    expected()
                ),
            )]))
        }
        many => Err(OscalError::Invalid(vec![Problem::new(
            file,
            "",
            format!(
                "an OSCAL document has one root key; found {}",
                many.iter()
                    .map(|k| format!("`{}`", k.root_key()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )])),
    }
}

/// "an array", "a string", ... for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Free a value on a thread of its own: freeing a large document's value (tens of thousands
/// of small allocations) takes as long as validating it, and a command that is about to exit
/// need not wait for it. If no thread can be started, it is freed here.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("drop-documents".to_owned())
        .spawn(move || drop(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_give_the_same_value() {
        let json = from_bytes("a.json", br#"{"catalog": {"uuid": "x", "n": [1, 2]}}"#).unwrap();
        let yaml = from_bytes("a.yaml", b"catalog:\n  uuid: x\n  n: [1, 2]\n").unwrap();
        assert_eq!(json.kind, Kind::Catalog);
        assert_eq!(yaml.kind, Kind::Catalog);
        assert_eq!(json.value, yaml.value);
        assert_eq!(json.root()["uuid"], "x");
        assert_eq!(json.root_pointer(), "/catalog");
    }

    #[test]
    fn schema_key_beside_the_root_is_fine() {
        let doc = from_bytes("p.json", br#"{"$schema": "x", "profile": {}}"#).unwrap();
        assert_eq!(doc.kind, Kind::Profile);
    }

    #[test]
    fn json_syntax_error_has_line_and_column() {
        let err =
            from_bytes("bad.json", b"{\n  \"catalog\": {\n    \"uuid\": ,\n  }\n}").unwrap_err();
        match err {
            OscalError::Syntax {
                file,
                line,
                column,
                message,
            } => {
                assert_eq!((file.as_str(), line, column), ("bad.json", 3, 13));
                assert_eq!(message, "invalid JSON: expected value");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn yaml_syntax_error_has_line_and_column() {
        let err = from_bytes("bad.yaml", b"catalog:\n  uuid: [1, 2\n").unwrap_err();
        let OscalError::Syntax {
            line,
            column,
            message,
            ..
        } = err
        else {
            panic!("{err:?}");
        };
        assert!(line >= 2, "line {line}");
        assert!(column >= 1);
        assert!(message.starts_with("invalid YAML: "), "{message}");
        assert!(!message.contains("line 3 column"), "{message}");
    }

    #[test]
    fn unknown_root_key_names_found_and_expected() {
        let err = from_bytes("x.json", br#"{"catalogue": {}, "other": 1}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.json: not an OSCAL document: expected one of the root keys `catalog`, `profile`, \
             `component-definition`, `system-security-plan`, `assessment-plan`, \
             `assessment-results`, `plan-of-action-and-milestones`, `mapping-collection`, \
             `shared-responsibility`; found `catalogue`, `other`"
        );
    }

    #[test]
    fn two_root_keys_and_non_objects_are_refused() {
        let err = from_bytes("x.json", br#"{"catalog": {}, "profile": {}}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.json: an OSCAL document has one root key; found `catalog`, `profile`"
        );
        let err = from_bytes("x.yaml", b"- 1\n- 2\n").unwrap_err();
        assert!(err.to_string().ends_with("found an array"), "{err}");
    }

    #[test]
    fn bom_is_skipped() {
        let doc = from_bytes("b.json", b"\xEF\xBB\xBF{\"catalog\": {}}").unwrap();
        assert_eq!(doc.kind, Kind::Catalog);
    }

    #[test]
    fn non_utf8_yaml_is_a_syntax_error() {
        let err = from_bytes("b.yaml", b"catalog:\n  uuid: \xff\n").unwrap_err();
        let OscalError::Syntax { line, column, .. } = err else {
            panic!("{err:?}");
        };
        assert_eq!((line, column), (2, 9));
    }
}
