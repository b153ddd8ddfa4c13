//! Validation against the embedded OSCAL 1.2.3 JSON Schema (`schema/oscal_complete_schema.json`,
//! unmodified; see `schema/PROVENANCE.md`).
//!
//! The complete schema's root is a `oneOf` over the model root objects, each branch
//! `{"properties": {"$schema": ..., "<root>": {"$ref": ...}}, "required": ["<root>"],
//! "additionalProperties": false}`. The branches exclude each other (each requires its own
//! root key and allows no other), so a document whose one model key is `catalog` is valid
//! against the complete schema exactly when it is valid against the `catalog` branch. We
//! therefore compile, once per process and per model, the schema with its root replaced by
//! that branch, less the definitions that branch never reaches and the keywords that only
//! annotate (`title`, `description`; see [`prune`]): every keyword that applies to the
//! document is still checked, errors point into the model instead of being buried in a
//! `oneOf` report, and the validator is built in about half the time and memory. Tests
//! check that this agrees with the complete schema, compiled as it is, on every real file
//! and every broken one.
//!
//! Errors are [`Problem`]s with the instance's JSON pointer and a short message; instance
//! values are quoted, truncated, never dumped whole.

use std::path::Path;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::document::{Document, Kind, json_type};
use crate::error::{OscalError, Problem};

/// The embedded OSCAL 1.2.3 complete JSON Schema, byte for byte as NIST released it.
pub const SCHEMA_JSON: &str = include_str!("../schema/oscal_complete_schema.json");

/// The SHA-256 of [`SCHEMA_JSON`] (also in `schema/PROVENANCE.md`; a test checks it).
pub const SCHEMA_SHA256: &str = "384324105c7a817af0f65b120a963146caa0e0d55d969cf0daf60e063b87a206";

/// The models the released schema has, in the order of its root `oneOf`.
const SCHEMA_KINDS: [Kind; 8] = [
    Kind::Catalog,
    Kind::MappingCollection,
    Kind::Profile,
    Kind::ComponentDefinition,
    Kind::SystemSecurityPlan,
    Kind::AssessmentPlan,
    Kind::AssessmentResults,
    Kind::PlanOfActionAndMilestones,
];

/// Validate a document against the embedded OSCAL 1.2.3 schema. An empty list means valid.
pub fn validate(doc: &Document) -> Vec<Problem> {
    validate_value(&doc.file, &doc.value)
}

/// Validate a whole document value (`{"catalog": {...}}` etc.) against the embedded schema;
/// `file` names it in the problems. An empty list means valid.
pub fn validate_value(file: &str, value: &Value) -> Vec<Problem> {
    let kind = match root_kind(value) {
        Ok(kind) => kind,
        Err(message) => return vec![Problem::new(file, "", message)],
    };
    let compiled = match compiled(kind) {
        Ok(compiled) => compiled,
        Err(message) => return vec![Problem::new(file, "", message)],
    };
    let mut problems = Vec::new();
    for e in compiled.validator.iter_errors(value) {
        problems_for(file, compiled.branch, &e, &mut problems);
    }
    problems.sort();
    problems.dedup();
    problems
}

/// Load a file ([`crate::document::load`]) and validate it ([`validate`]).
pub fn load_and_validate(path: &Path) -> Result<(Document, Vec<Problem>), OscalError> {
    let (doc, problems) = load_and_validate_keeping(path, &|_| true)?;
    match doc {
        Some(doc) => Ok((doc, problems)),
        // `keep` said yes to every kind, so the document is always there.
        None => crate::document::load(path).map(|doc| (doc, problems)),
    }
}

/// [`load_and_validate`], keeping the document only when `keep(kind)` says so (a caller that
/// only needs the verdict for some kinds saves building them). A valid JSON document is
/// checked while it is parsed ([`crate::stream`]); anything else — YAML, or a document that
/// path does not find valid — is parsed into a value and validated with the `jsonschema`
/// crate, which gives the problems (and the document is then kept whatever `keep` says).
pub fn load_and_validate_keeping(
    path: &Path,
    keep: &dyn Fn(Kind) -> bool,
) -> Result<(Option<Document>, Vec<Problem>), OscalError> {
    let read = crate::document::read(path)?;
    if let Some(json) = read.json()
        && let Some(valid) = crate::stream::parse_valid(json, keep)
    {
        let doc = valid.value.map(|value| Document {
            file: read.file.clone(),
            path: path.to_path_buf(),
            kind: valid.kind,
            value,
        });
        return Ok((doc, Vec::new()));
    }
    // One after the other: compiling beside the parse is no faster now the schema is pruned,
    // and holds the file's bytes and the compiled schema in memory at the same time.
    let doc = read.parse(path)?;
    drop(read);
    let problems = validate(&doc);
    Ok((Some(doc), problems))
}

/// The one model key of a document value, as the schema's root `oneOf` needs it; otherwise
/// the message the complete schema's root would amount to, said plainly.
fn root_kind(value: &Value) -> Result<Kind, String> {
    let expected = || {
        SCHEMA_KINDS
            .iter()
            .map(|k| format!("`{}`", k.root_key()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some(map) = value.as_object() else {
        return Err(format!(
            "expected an object with one of the root keys {}, found {}",
            expected(),
            json_type(value)
        ));
    };
    let kinds: Vec<Kind> = map.keys().filter_map(|k| Kind::from_root_key(k)).collect();
    match kinds.as_slice() {
        [kind] if kind.in_schema() => Ok(*kind),
        [kind] => Err(format!(
            "`{}` is not a model of the released OSCAL 1.2.3 schema (it is the NIST \
             shared-responsibility prototype); expected one of the root keys {}",
            kind.root_key(),
            expected()
        )),
        [] => Err(format!(
            "expected one of the root keys {}, found {}",
            expected(),
            if map.is_empty() {
                "an empty object".to_owned()
            } else {
                map.keys()
                    .map(|k| format!("`{}`", truncate(k, 80)))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )),
        many => Err(format!(
            "expected exactly one root key, found {}",
            many.iter()
                .map(|k| format!("`{}`", k.root_key()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[derive(Debug)]
struct Compiled {
    /// The root `oneOf` branch the validator was built from.
    branch: usize,
    validator: Validator,
}

/// The complete schema as a value, parsed when a message first needs to look something up
/// in it (what keys an object may have); valid documents never need it.
fn complete_schema() -> Option<&'static Value> {
    static SCHEMA: OnceLock<Option<Value>> = OnceLock::new();
    SCHEMA
        .get_or_init(|| serde_json::from_str(SCHEMA_JSON).ok())
        .as_ref()
}

fn compiled(kind: Kind) -> Result<&'static Compiled, String> {
    static CELLS: [OnceLock<Result<Compiled, String>>; 8] = [const { OnceLock::new() }; 8];
    let Some(index) = SCHEMA_KINDS.iter().position(|k| *k == kind) else {
        return Err(format!("`{kind}` is not a model of the OSCAL 1.2.3 schema"));
    };
    CELLS[index]
        .get_or_init(|| compile(index))
        .as_ref()
        .map_err(String::clone)
}

fn compile(index: usize) -> Result<Compiled, String> {
    let internal = |what: String| format!("internal error: the embedded OSCAL schema {what}");
    let mut schema: Value =
        serde_json::from_str(SCHEMA_JSON).map_err(|e| internal(format!("is not JSON: {e}")))?;
    let root = schema
        .as_object_mut()
        .ok_or_else(|| internal("is not an object".to_owned()))?;
    let branch = match root.remove("oneOf") {
        Some(Value::Array(mut branches)) if index < branches.len() => branches.swap_remove(index),
        _ => {
            return Err(internal(
                "has no root `oneOf` with a branch per model".to_owned(),
            ));
        }
    };
    let Value::Object(branch) = branch else {
        return Err(internal(
            "has a root `oneOf` branch that is not an object".to_owned(),
        ));
    };
    for (key, value) in branch {
        root.insert(key, value);
    }
    // The schema is handed over to a registry (not borrowed and cloned, as `build` would):
    // the validator's root only refers to it. This also skips checking the schema against
    // the draft-07 meta-schema on every start (a test checks the complete schema compiles
    // with that check on).
    let id = root
        .get("$id")
        .and_then(Value::as_str)
        .unwrap_or("urn:demarc:oscal-complete-schema")
        .to_owned();
    prune(&mut schema);
    let draft = jsonschema::Draft::Draft7;
    let registry = jsonschema::Registry::options()
        .draft(draft)
        .build([(id.as_str(), draft.create_resource(schema))])
        .map_err(|e| internal(format!("cannot be registered: {e}")))?;
    let validator = jsonschema::options()
        .with_draft(draft)
        .with_registry(registry)
        .build(&serde_json::json!({ "$ref": id }))
        .map_err(|e| internal(format!("does not compile: {e}")))?;
    Ok(Compiled {
        branch: index,
        validator,
    })
}

/// Make the schema (its root already one model's branch) smaller without changing what it
/// accepts: leave out the definitions that branch never reaches through `$ref`, and the
/// keywords that only annotate (`title`, `description`, `$comment`, `examples`: they never
/// decide validity). A catalog reaches 39 of the 142 definitions (a third of the schema's
/// bytes), a system security plan 65; the validator is built faster and holds less memory.
fn prune(schema: &mut Value) {
    let Some(root) = schema.as_object_mut() else {
        return;
    };
    let Some(Value::Object(mut definitions)) = root.remove("definitions") else {
        return;
    };
    let mut queue = Vec::new();
    refs_in(&Value::Object(root.clone()), &mut queue);
    let mut reachable = std::collections::BTreeSet::new();
    while let Some(name) = queue.pop() {
        if reachable.insert(name.clone())
            && let Some(definition) = definitions.get(&name)
        {
            refs_in(definition, &mut queue);
        }
    }
    definitions.retain(|name, _| reachable.contains(name));
    for definition in definitions.values_mut() {
        strip_annotations(definition);
    }
    strip_annotations(schema);
    if let Some(root) = schema.as_object_mut() {
        root.insert("definitions".to_owned(), Value::Object(definitions));
    }
}

/// The definition names of the `#/definitions/<name>` references anywhere in `value`.
fn refs_in(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(target)) => {
                        if let Some(name) = target.strip_prefix("#/definitions/") {
                            out.push(name.replace("~1", "/").replace("~0", "~"));
                        }
                    }
                    _ => refs_in(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs_in(v, out)),
        _ => {}
    }
}

/// Remove annotation keywords from a schema object and the schemas inside it (not from the
/// data that keywords such as `enum`, `const` or `required` hold, nor from property names).
fn strip_annotations(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    for keyword in ["title", "description", "$comment", "examples"] {
        map.remove(keyword);
    }
    for (keyword, value) in map.iter_mut() {
        match keyword.as_str() {
            // name -> schema
            "properties" | "patternProperties" | "definitions" | "dependencies" => {
                if let Value::Object(named) = value {
                    named.values_mut().for_each(strip_annotations);
                }
            }
            // a schema, or an array of schemas
            "items"
            | "additionalItems"
            | "additionalProperties"
            | "contains"
            | "propertyNames"
            | "not"
            | "if"
            | "then"
            | "else"
            | "allOf"
            | "anyOf"
            | "oneOf" => match value {
                Value::Array(schemas) => schemas.iter_mut().for_each(strip_annotations),
                other => strip_annotations(other),
            },
            _ => {}
        }
    }
}

/// `s` cut to at most `max` characters, with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some((cut, _)) => format!("{}…", &s[..cut]),
    }
}

/// A value for a message: strings quoted and cut to 80 characters; numbers and booleans as
/// written; arrays and objects by their type only.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{:?}", truncate(s, 80)),
        Value::Null | Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(a) if a.is_empty() => "an empty array".to_owned(),
        Value::Object(o) if o.is_empty() => "an empty object".to_owned(),
        other => json_type(other).to_owned(),
    }
}

/// The problems one validation error stands for. An `anyOf`/`oneOf` that no alternative
/// matches is explained by the alternatives' own errors when the value has the shape of the
/// alternatives that are left once those of another shape are set aside (a group with
/// `controls` is not blamed for failing the alternative that has `groups` instead; a token
/// that is not in an open list of suggested values is not blamed for that), and all of them
/// agree; otherwise it is one problem at the value, listing why each alternative fails.
fn problems_for(file: &str, branch: usize, e: &ValidationError<'_>, out: &mut Vec<Problem>) {
    let here = e.instance_path().as_str();
    if let ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } =
        e.kind()
    {
        let fitting: Vec<&Vec<ValidationError<'static>>> = context
            .iter()
            .filter(|errs| {
                !errs
                    .iter()
                    .any(|x| x.instance_path().as_str() == here && is_shape_mismatch(x))
            })
            .collect();
        let expanded: Vec<Vec<Problem>> = fitting
            .iter()
            .map(|errs| {
                let mut own = Vec::new();
                for x in errs.iter() {
                    problems_for(file, branch, x, &mut own);
                }
                own.sort();
                own.dedup();
                own
            })
            .collect();
        if let Some(first) = expanded.first()
            && !first.is_empty()
            && expanded.iter().all(|other| other == first)
        {
            out.extend(first.iter().cloned());
            return;
        }
    }
    out.push(Problem::new(file, here, message(branch, e)));
}

fn message(branch: usize, e: &ValidationError<'_>) -> String {
    let instance = e.instance().as_ref();
    match e.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let keys = unexpected
                .iter()
                .map(|k| format!("`{}`", truncate(k, 80)))
                .collect::<Vec<_>>()
                .join(", ");
            let allowed = schema_node(branch, e.schema_path().as_str())
                .and_then(|node| node.get("properties"))
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                });
            let what = if unexpected.len() == 1 {
                "unknown key"
            } else {
                "unknown keys"
            };
            match allowed {
                Some(allowed) if !allowed.is_empty() => {
                    format!("{what} {keys}; allowed here: {allowed}")
                }
                _ => format!("{what} {keys}; no other keys are allowed here"),
            }
        }
        ValidationErrorKind::Required { property } => match property.as_str() {
            Some(key) => format!("missing required key `{key}`"),
            None => format!("missing required key {property}"),
        },
        ValidationErrorKind::MinItems { limit } => {
            if *limit == 1 && instance.as_array().is_some_and(Vec::is_empty) {
                "empty array: OSCAL arrays have at least one item (leave the key out instead)"
                    .to_owned()
            } else {
                format!(
                    "expected at least {limit} items, found {}",
                    array_len(instance)
                )
            }
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!(
                "expected at most {limit} items, found {}",
                array_len(instance)
            )
        }
        ValidationErrorKind::Type { kind } => {
            let expected = match kind {
                TypeKind::Single(t) => article(&t.to_string()),
                TypeKind::Multiple(set) => set
                    .iter()
                    .map(|t| article(&t.to_string()))
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("expected {expected}, found {}", show_typed(instance))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("{} is not {}", show(instance), pattern_name(pattern))
        }
        ValidationErrorKind::Format { format } => {
            format!("{} is not a valid `{format}`", show(instance))
        }
        ValidationErrorKind::Enum { options } => {
            let options = match options {
                Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
                other => show(other),
            };
            format!("{} is not one of {options}", show(instance))
        }
        ValidationErrorKind::Constant { expected_value } => {
            format!(
                "expected {}, found {}",
                show(expected_value),
                show(instance)
            )
        }
        ValidationErrorKind::MinLength { limit } => {
            format!("{} is shorter than {limit} characters", show(instance))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("{} is longer than {limit} characters", show(instance))
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("{} is less than {limit}", show(instance))
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("{} is more than {limit}", show(instance))
        }
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{} is not more than {limit}", show(instance))
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{} is not less than {limit}", show(instance))
        }
        ValidationErrorKind::UniqueItems => "the items are not unique".to_owned(),
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            alternatives(
                branch,
                e.instance_path().as_str(),
                context,
                "matches none of the allowed forms",
            )
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            "matches more than one of the forms allowed here (exactly one is expected)".to_owned()
        }
        ValidationErrorKind::ContentEncoding { content_encoding } => {
            format!("not valid `{content_encoding}` content")
        }
        ValidationErrorKind::FromUtf8 { .. } => "the decoded content is not UTF-8".to_owned(),
        _ => {
            // Keywords the OSCAL schema does not use; jsonschema's message, cut short.
            truncate(&e.masked().to_string(), 200)
        }
    }
}

/// "matches none of the allowed forms", with the reason each alternative fails (at most
/// three): why the value is not of its shape when that is so, else its first error.
fn alternatives(
    branch: usize,
    here: &str,
    context: &[Vec<ValidationError<'static>>],
    base: &str,
) -> String {
    let reasons: Vec<String> = context
        .iter()
        .filter_map(|errs| {
            errs.iter()
                .find(|x| x.instance_path().as_str() == here && is_shape_mismatch(x))
                .or_else(|| errs.first())
        })
        .take(3)
        .map(|first| {
            let path = first.instance_path().as_str();
            let reason = message(branch, first);
            if path == here {
                reason
            } else {
                format!("at {path}: {reason}")
            }
        })
        .collect();
    if reasons.is_empty() {
        base.to_owned()
    } else {
        format!("{base}: {}", reasons.join("; or: "))
    }
}

/// Whether an error says the value is not of an alternative's shape at all (a key only
/// another alternative has, another type, a value of another list), rather than of the right
/// shape with something wrong inside.
fn is_shape_mismatch(e: &ValidationError<'_>) -> bool {
    matches!(
        e.kind(),
        ValidationErrorKind::AdditionalProperties { .. }
            | ValidationErrorKind::Type { .. }
            | ValidationErrorKind::Enum { .. }
            | ValidationErrorKind::Constant { .. }
    )
}

fn array_len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

fn article(t: &str) -> String {
    match t {
        "object" | "array" | "integer" => format!("an {t}"),
        "null" => "null".to_owned(),
        _ => format!("a {t}"),
    }
}

fn show_typed(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            format!("{} {}", json_type(value), show(value))
        }
        other => json_type(other).to_owned(),
    }
}

/// What the OSCAL schema's patterns mean, in words.
fn pattern_name(pattern: &str) -> String {
    let name = match pattern {
        "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$" => {
            "a UUID (RFC 4122, version 4 or 5)"
        }
        "^(\\p{L}|_)(\\p{L}|\\p{N}|[.\\-_])*$" => {
            "a token (a letter or `_`, then letters, digits, `.`, `-` or `_`)"
        }
        "^\\S(.*\\S)?$" => "a non-empty string without leading or trailing white space",
        "^[^\n]+$" => "a single non-empty line",
        "^[a-zA-Z][a-zA-Z0-9+\\-.]+:.+$" => "an absolute URI",
        "^.+@.+$" => "an email address",
        "^(\\+|-)?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$" => "a decimal number",
        "^[0-9A-Za-z+/]+={0,2}$" => "base64 text",
        // The same pattern as jsonschema reports it, with ECMA-262's `\S` spelled out.
        p if p.starts_with("^[^ \t\n\r") && p.ends_with("])?$") => {
            "a non-empty string without leading or trailing white space"
        }
        p if p.contains("T(2[0-3]") => {
            "a date and time with a time zone (e.g. 2024-01-31T12:00:00Z)"
        }
        p if p.contains("-02-29") => "a date (e.g. 2024-01-31, optionally with a time zone)",
        _ => return format!("matching the pattern `{}`", truncate(pattern, 80)),
    };
    name.to_owned()
}

/// The schema node a keyword location of the validator built from root `oneOf` branch
/// `branch` points at (the parent of its last segment), following `$ref`s (only
/// `#/definitions/...`, which is all the OSCAL schema uses).
fn schema_node(branch: usize, keyword_location: &str) -> Option<&'static Value> {
    let schema = complete_schema()?;
    let mut node = schema.get("oneOf")?.get(branch)?;
    let mut segments: Vec<&str> = keyword_location.split('/').skip(1).collect();
    // The validator's root is `{"$ref": <the schema>}`.
    if segments.first() == Some(&"$ref") {
        segments.remove(0);
    }
    let (_, parents) = segments.split_last()?;
    for raw in parents {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        if segment == "$ref" {
            let target = node.get("$ref")?.as_str()?;
            node = schema.pointer(target.strip_prefix('#')?)?;
            continue;
        }
        node = match node {
            Value::Object(map) => map.get(&segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}
