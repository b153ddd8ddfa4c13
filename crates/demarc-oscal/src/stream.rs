//! Validating a JSON document against the embedded OSCAL schema while it is parsed, without
//! building a JSON value first (and, for documents nobody reads further, without building
//! one at all).
//!
//! This is the fast path for the common case, a valid document: it decides *valid* or *not
//! known to be valid*, nothing more. Whenever it does not say valid (the document breaks the
//! schema, is not well-formed JSON, or has anything this path does not handle), the caller
//! takes the slow path ([`crate::schema`]: parse into a value, validate with the `jsonschema`
//! crate), which is the authority and gives the messages. So this path may be stricter than
//! the schema (a document with a duplicate key is checked on both values) but never more
//! lenient; tests check that it agrees with the complete schema on every real file, on every
//! broken one and on random breakages of real files.
//!
//! How it works. The root of the schema (a `oneOf` with one branch per model) is applied by
//! the root visitor itself; each model's part of the schema is compiled, the first time a
//! document of that model is read, into nodes (one per schema object: its own keywords,
//! `$ref` resolved to the node it names) and then into *plans*. A plan is what to check on
//! one value of the document: a set of nodes at once, because `anyOf`, `allOf` and `oneOf`
//! ask for one value to be checked against several schemas (a catalog group is either a
//! group of groups or a group of controls). For an object a plan knows, per key, the plan for
//! that key's value and which of its nodes forbid the key; for an array, the plan for the
//! items. Every plan reachable from the model is built when it is compiled, so checking a
//! value is a walk over the parser's events with bit masks: which nodes still accept the
//! value, and at the end which of the plan's roots do, once `$ref`, `allOf`, `anyOf` and
//! `oneOf` are applied.
//!
//! Strings are checked here (type, `enum`, `pattern`, with patterns translated from ECMA 262
//! as the `jsonschema` crate translates them). Anything rarer — numbers, booleans, `null`,
//! `format`, `contentEncoding` — is handed to a small `jsonschema` validator made of that
//! node's keywords for a single value, so those rules are the crate's own.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, OnceLock};

use regex_automata::meta;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::document::Kind;
use crate::schema::SCHEMA_JSON;

type NodeId = u32;
type PlanId = u32;

/// The most nodes one plan may hold (its masks are `u64`).
const MAX_ATOMS: usize = 64;

// JSON types as bits.
const T_NULL: u8 = 1;
const T_BOOL: u8 = 2;
const T_OBJECT: u8 = 4;
const T_ARRAY: u8 = 8;
const T_NUMBER: u8 = 16;
const T_STRING: u8 = 32;
const T_INTEGER: u8 = 64;

/// One schema object as written, with the keywords this path knows; any other keyword makes
/// reading the schema fail (`deny_unknown_fields`), so nothing is skipped unnoticed.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(rename = "$ref")]
    reference: Option<String>,
    #[serde(rename = "type")]
    types: Option<Types>,
    #[serde(rename = "enum")]
    enumeration: Option<Vec<Value>>,
    pattern: Option<String>,
    format: Option<String>,
    #[serde(rename = "contentEncoding")]
    content_encoding: Option<String>,
    minimum: Option<serde_json::Number>,
    maximum: Option<serde_json::Number>,
    #[serde(rename = "exclusiveMinimum")]
    exclusive_minimum: Option<serde_json::Number>,
    #[serde(rename = "exclusiveMaximum")]
    exclusive_maximum: Option<serde_json::Number>,
    #[serde(rename = "multipleOf")]
    multiple_of: Option<serde_json::Number>,
    #[serde(rename = "minItems")]
    min_items: Option<u64>,
    #[serde(rename = "maxItems")]
    max_items: Option<u64>,
    items: Option<Box<Raw>>,
    properties: Option<BTreeMap<String, Raw>>,
    /// Only `true` or `false` (a schema here fails the read).
    #[serde(rename = "additionalProperties")]
    additional: Option<bool>,
    required: Option<Vec<String>>,
    #[serde(rename = "allOf")]
    all_of: Option<Vec<Raw>>,
    #[serde(rename = "anyOf")]
    any_of: Option<Vec<Raw>>,
    #[serde(rename = "oneOf")]
    one_of: Option<Vec<Raw>>,
    // Annotations: they never decide validity.
    #[serde(rename = "$schema")]
    _schema: Option<IgnoredAny>,
    #[serde(rename = "$id")]
    _id: Option<IgnoredAny>,
    #[serde(rename = "$comment")]
    _comment: Option<IgnoredAny>,
    #[serde(rename = "title")]
    _title: Option<IgnoredAny>,
    #[serde(rename = "description")]
    _description: Option<IgnoredAny>,
    #[serde(rename = "examples")]
    _examples: Option<IgnoredAny>,
}

/// The schema's root: a `oneOf` with one branch per model, and the definitions the branches
/// refer to, kept as their text and read one at a time when a model's compile reaches them
/// (an SSP's compile reads a third of them; the rest are never turned into values).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoot<'s> {
    #[serde(rename = "type")]
    types: Option<Types>,
    #[serde(rename = "oneOf")]
    one_of: Option<Vec<Raw>>,
    #[serde(borrow)]
    definitions: Option<BTreeMap<String, &'s RawValue>>,
    #[serde(rename = "$schema")]
    _schema: Option<IgnoredAny>,
    #[serde(rename = "$id")]
    _id: Option<IgnoredAny>,
    #[serde(rename = "$comment")]
    _comment: Option<IgnoredAny>,
    #[serde(rename = "title")]
    _title: Option<IgnoredAny>,
    #[serde(rename = "description")]
    _description: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Types {
    One(String),
    Many(Vec<String>),
}

/// One schema object's own keywords.
#[derive(Default)]
struct Node {
    /// `$ref`: in draft 7 a `$ref` makes every other keyword beside it ignored.
    reference: Option<NodeId>,
    /// Allowed types as bits; 0 = any.
    types: u8,
    /// The node's keywords that apply to scalars, for numbers, booleans and `null`.
    scalar: Option<Arc<Scalar>>,
    /// The node's `format` and `contentEncoding`, for strings (its `enum` and `pattern` are
    /// checked here).
    string_formats: Option<Arc<Scalar>>,
    enumeration: Option<Vec<String>>,
    pattern: Option<Arc<Pattern>>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    items: Option<NodeId>,
    properties: Vec<(String, NodeId)>,
    no_additional: bool,
    required: Vec<String>,
    all_of: Vec<NodeId>,
    any_of: Vec<NodeId>,
    one_of: Vec<NodeId>,
}

/// Scalar keywords as a schema of their own, run by the `jsonschema` crate; compiled on first
/// use (most never meet a value) and shared by the nodes that have the same keywords.
struct Scalar {
    schema: Value,
    validator: OnceLock<Option<jsonschema::Validator>>,
}

impl Scalar {
    fn accepts(&self, value: &Value) -> bool {
        let validator = self.validator.get_or_init(|| {
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft7)
                .build(&self.schema)
                .ok()
        });
        // Keywords that do not compile accept nothing here: the slow path decides.
        validator.as_ref().is_some_and(|v| v.is_valid(value))
    }
}

/// A `pattern`, compiled on first use and shared by the nodes that have it.
struct Pattern {
    source: String,
    regex: OnceLock<Option<meta::Regex>>,
}

/// A schema pattern as run here: the `regex` crate's engine, as `regex::Regex::new` builds it
/// but without the one-pass DFA, which only reports capture groups (this path never asks for
/// them) and took 600 KB for the date-time pattern alone.
fn compile_pattern(source: &str) -> Option<meta::Regex> {
    meta::Regex::builder()
        .configure(meta::Regex::config().onepass(false))
        .build(&ecma_to_rust(source))
        .ok()
}

impl Pattern {
    fn is_match(&self, s: &str) -> bool {
        self.regex
            .get_or_init(|| compile_pattern(&self.source))
            .as_ref()
            // A pattern that does not compile matches nothing here: the slow path decides.
            .is_some_and(|r| r.is_match(s))
    }
}

impl Node {
    fn property(&self, key: &str) -> Option<NodeId> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, id)| *id)
    }
}

/// What a key (or an array item) means to the nodes of a plan.
#[derive(Default, Clone)]
struct Rule {
    /// The plan for the value, if any node has a schema for it.
    child: Option<PlanId>,
    /// Nodes that reject the value when the child plan's root at this index rejects it.
    depends: Vec<(u8, u8)>,
    /// Nodes that reject an object holding this key at all.
    forbid: u64,
}

struct Plan {
    /// The nodes checked together, in an order where each node's `$ref`, `allOf`, `anyOf` and
    /// `oneOf` targets come after it.
    atoms: Vec<NodeId>,
    /// The plan's roots, as indexes into `atoms` (the verdict is a mask over these).
    roots: Vec<u8>,
    /// Nodes that reject a value of each type (by the bit's position).
    type_fail: [u64; 7],
    /// Nodes with something to check on a scalar value.
    scalar_atoms: Vec<u8>,
    /// Nodes with an `enum` (of strings only: so they reject every array and object).
    enum_atoms: u64,
    /// Keys named by any node (`properties` or `required`), sorted, with their rules.
    keys: Vec<(String, Rule)>,
    /// The rule for any other key.
    other: Rule,
    /// Per node: the bits of `keys` it requires.
    required: Vec<u64>,
    /// Nodes with `minItems` or `maxItems`.
    count_atoms: Vec<u8>,
    items: Rule,
    /// Per node: its `allOf`, `anyOf` and `oneOf` targets, as indexes into `atoms`.
    combinators: Vec<Combinators>,
}

/// A node's combinator targets within its plan (each comes after the node in `atoms`).
#[derive(Default)]
struct Combinators {
    all_of: Vec<u8>,
    any_of: Vec<u8>,
    one_of: Vec<u8>,
}

/// The schema of one model (the root `oneOf` branch whose key it is), compiled: nodes, plans,
/// the plan for the model's object and the plan for a `$schema` beside it.
pub struct Compiled {
    nodes: Vec<Node>,
    plans: Vec<Plan>,
    model: PlanId,
    directive: PlanId,
}

impl fmt::Debug for Compiled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Compiled")
            .field("nodes", &self.nodes.len())
            .field("plans", &self.plans.len())
            .finish()
    }
}

/// The embedded schema as read, once per process; `None` if it uses a keyword this path does
/// not handle (then every document takes the slow path; a test checks it is not so).
fn raw_schema() -> Option<&'static RawRoot<'static>> {
    static RAW: OnceLock<Option<RawRoot<'static>>> = OnceLock::new();
    RAW.get_or_init(|| serde_json::from_str(SCHEMA_JSON).ok())
        .as_ref()
}

/// A model's compiled schema, made the first time a document of that model is read.
fn compiled(kind: Kind) -> Option<&'static Compiled> {
    static CELLS: [OnceLock<Option<Compiled>>; Kind::ALL.len()] =
        [const { OnceLock::new() }; Kind::ALL.len()];
    let index = Kind::ALL.iter().position(|k| *k == kind)?;
    CELLS[index]
        .get_or_init(|| compile_raw(raw_schema()?, kind).ok())
        .as_ref()
}

/// Compile one model's part of a schema, or say what in it is not handled.
pub fn compile(schema_json: &str, kind: Kind) -> Result<Compiled, String> {
    let raw: RawRoot = serde_json::from_str(schema_json).map_err(|e| e.to_string())?;
    compile_raw(&raw, kind)
}

fn compile_raw(raw: &RawRoot, kind: Kind) -> Result<Compiled, String> {
    // The root is `{"type": "object", "oneOf": [branch per model]}` (reading it refused any
    // other keyword), each branch `{"properties": {"$schema": ..., "<model>": ...},
    // "required": ["<model>"], "additionalProperties": false}`: the root visitor applies that
    // rule itself (see `Root`), so it is checked here to be exactly so.
    let shape = |what: &str| Err(format!("the schema's root {what}"));
    if !matches!(&raw.types, Some(Types::One(t)) if t == "object") {
        return shape("is not an object with a oneOf of models");
    }
    let key = kind.root_key();
    let Some(branch) = raw
        .one_of
        .iter()
        .flatten()
        .find(|b| b.properties.as_ref().is_some_and(|p| p.contains_key(key)))
    else {
        return shape(&format!("has no branch for `{key}`"));
    };
    let props = branch.properties.as_ref();
    let branch_fine = props.is_some_and(|p| p.len() == 2 && p.contains_key("$schema"))
        && branch.required.as_deref() == Some(&[key.to_owned()][..])
        && branch.additional == Some(false)
        && branch.reference.is_none()
        && branch.types.is_none()
        && branch.all_of.is_none()
        && branch.any_of.is_none()
        && branch.one_of.is_none();
    let (Some(model), Some(directive)) = (
        props.and_then(|p| p.get(key)),
        props.and_then(|p| p.get("$schema")),
    ) else {
        return shape(&format!("branch for `{key}` is not as expected"));
    };
    if !branch_fine {
        return shape(&format!("branch for `{key}` is not as expected"));
    }
    let mut c = Compiler {
        definitions: raw.definitions.as_ref(),
        nodes: Vec::new(),
        by_definition: HashMap::new(),
        scalars: HashMap::new(),
        patterns: HashMap::new(),
    };
    let model = c.node(model, key)?;
    let directive = c.node(directive, "$schema")?;
    let mut planner = Planner {
        nodes: &c.nodes,
        plans: Vec::new(),
        by_roots: HashMap::new(),
        pending: Vec::new(),
    };
    let model = planner.plan(vec![model])?;
    let directive = planner.plan(vec![directive])?;
    planner.finish()?;
    let plans = planner
        .plans
        .into_iter()
        .collect::<Option<Vec<Plan>>>()
        .ok_or("a plan left unbuilt")?;
    Ok(Compiled {
        nodes: c.nodes,
        plans,
        model,
        directive,
    })
}

struct Compiler<'s> {
    definitions: Option<&'s BTreeMap<String, &'s RawValue>>,
    nodes: Vec<Node>,
    by_definition: HashMap<String, NodeId>,
    scalars: HashMap<String, Arc<Scalar>>,
    patterns: HashMap<String, Arc<Pattern>>,
}

impl Compiler<'_> {
    fn node(&mut self, raw: &Raw, at: &str) -> Result<NodeId, String> {
        let id = NodeId::try_from(self.nodes.len()).map_err(|e| e.to_string())?;
        self.nodes.push(Node::default());
        if let Some(target) = &raw.reference {
            // Draft 7: the other keywords beside `$ref` are ignored.
            let target = self.definition(target)?;
            self.nodes[id as usize].reference = Some(target);
            return Ok(id);
        }
        let mut node = Node::default();
        let mut scalar = Map::new();
        if let Some(types) = &raw.types {
            let names: Vec<&str> = match types {
                Types::One(s) => vec![s.as_str()],
                Types::Many(a) => a.iter().map(String::as_str).collect(),
            };
            for name in &names {
                node.types |= match *name {
                    "null" => T_NULL,
                    "boolean" => T_BOOL,
                    "object" => T_OBJECT,
                    "array" => T_ARRAY,
                    "number" => T_NUMBER | T_INTEGER,
                    "string" => T_STRING,
                    "integer" => T_INTEGER,
                    other => return Err(format!("{at}/type: unknown type {other}")),
                };
            }
            scalar.insert("type".to_owned(), Value::from(names));
        }
        if let Some(values) = &raw.enumeration {
            let strings: Option<Vec<String>> = values
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect();
            node.enumeration =
                Some(strings.ok_or_else(|| format!("{at}/enum: a value that is not a string"))?);
            scalar.insert("enum".to_owned(), Value::from(values.clone()));
        }
        if let Some(pattern) = &raw.pattern {
            let shared = self
                .patterns
                .entry(pattern.clone())
                .or_insert_with(|| {
                    Arc::new(Pattern {
                        source: pattern.clone(),
                        regex: OnceLock::new(),
                    })
                })
                .clone();
            node.pattern = Some(shared);
            scalar.insert("pattern".to_owned(), Value::from(pattern.as_str()));
        }
        let mut formats = Map::new();
        for (keyword, value) in [
            ("format", &raw.format),
            ("contentEncoding", &raw.content_encoding),
        ] {
            if let Some(value) = value {
                formats.insert(keyword.to_owned(), Value::from(value.as_str()));
            }
        }
        if !formats.is_empty() {
            node.string_formats = Some(self.scalar(formats.clone()));
            scalar.append(&mut formats);
        }
        for (keyword, value) in [
            ("minimum", &raw.minimum),
            ("maximum", &raw.maximum),
            ("exclusiveMinimum", &raw.exclusive_minimum),
            ("exclusiveMaximum", &raw.exclusive_maximum),
            ("multipleOf", &raw.multiple_of),
        ] {
            if let Some(value) = value {
                scalar.insert(keyword.to_owned(), Value::Number(value.clone()));
            }
        }
        node.min_items = raw.min_items;
        node.max_items = raw.max_items;
        if let Some(items) = &raw.items {
            node.items = Some(self.node(items, &format!("{at}/items"))?);
        }
        for (name, sub) in raw.properties.iter().flatten() {
            let sub = self.node(sub, &format!("{at}/properties/{name}"))?;
            node.properties.push((name.clone(), sub));
        }
        node.no_additional = raw.additional == Some(false);
        node.required = raw.required.clone().unwrap_or_default();
        for (keyword, subs, into) in [
            ("allOf", &raw.all_of, &mut node.all_of),
            ("anyOf", &raw.any_of, &mut node.any_of),
            ("oneOf", &raw.one_of, &mut node.one_of),
        ] {
            for (i, sub) in subs.iter().flatten().enumerate() {
                into.push(self.node(sub, &format!("{at}/{keyword}/{i}"))?);
            }
        }
        if scalar.keys().any(|k| k != "type") {
            // (A type alone is checked here, for every value.)
            node.scalar = Some(self.scalar(scalar));
        }
        self.nodes[id as usize] = node;
        Ok(id)
    }

    /// Keywords as a draft 7 schema of their own, shared by the nodes that have the same.
    fn scalar(&mut self, mut keywords: Map<String, Value>) -> Arc<Scalar> {
        keywords.insert(
            "$schema".to_owned(),
            Value::from("http://json-schema.org/draft-07/schema#"),
        );
        let schema = Value::Object(keywords);
        self.scalars
            .entry(schema.to_string())
            .or_insert_with(|| {
                Arc::new(Scalar {
                    schema,
                    validator: OnceLock::new(),
                })
            })
            .clone()
    }

    fn definition(&mut self, target: &str) -> Result<NodeId, String> {
        if let Some(id) = self.by_definition.get(target) {
            return Ok(*id);
        }
        let name = target
            .strip_prefix("#/definitions/")
            .ok_or_else(|| format!("$ref {target}: only #/definitions/NAME is handled"))?;
        let text = self
            .definitions
            .and_then(|d| d.get(name))
            .ok_or_else(|| format!("$ref {target}: no such definition"))?;
        let raw: Raw = serde_json::from_str(text.get()).map_err(|e| format!("{target}: {e}"))?;
        // Reserve the id first: definitions refer to themselves (parts hold parts).
        let id = NodeId::try_from(self.nodes.len()).map_err(|e| e.to_string())?;
        self.nodes.push(Node::default());
        self.by_definition.insert(target.to_owned(), id);
        let body = self.node(&raw, target)?;
        self.nodes[id as usize].reference = Some(body);
        Ok(id)
    }
}

/// A pattern as the `jsonschema` crate runs it: the Perl classes `\d \D \w \W \s \S` replaced
/// by the ASCII and whitespace classes it uses for ECMA 262 (tests compare the two on many
/// strings).
fn ecma_to_rust(pattern: &str) -> String {
    const SPACE: &str = " \t\n\r\u{000b}\u{000c}\u{00a0}\u{feff}\u{2003}\u{2029}";
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.next() else {
            out.push(c);
            break;
        };
        let (set, negated) = match next {
            'd' => ("0-9", false),
            'D' => ("0-9", true),
            'w' => ("A-Za-z0-9_", false),
            'W' => ("A-Za-z0-9_", true),
            's' => (SPACE, false),
            'S' => (SPACE, true),
            _ => {
                out.push(c);
                out.push(next);
                continue;
            }
        };
        // As the crate does: a bracketed class (nested, when inside a class).
        out.push('[');
        if negated {
            out.push('^');
        }
        out.push_str(set);
        out.push(']');
    }
    out
}

struct Planner<'n> {
    nodes: &'n [Node],
    plans: Vec<Option<Plan>>,
    by_roots: HashMap<Vec<NodeId>, PlanId>,
    pending: Vec<(PlanId, Vec<NodeId>)>,
}

impl Planner<'_> {
    /// The node a node stands for: `$ref` chains followed (a `$ref` node has nothing else).
    fn resolve(&self, mut id: NodeId) -> NodeId {
        for _ in 0..64 {
            match self.nodes[id as usize].reference {
                Some(target) => id = target,
                None => break,
            }
        }
        id
    }

    /// The plan for checking one value against all of `roots` (its id; built later).
    fn plan(&mut self, roots: Vec<NodeId>) -> Result<PlanId, String> {
        let mut roots: Vec<NodeId> = roots.into_iter().map(|r| self.resolve(r)).collect();
        roots.sort_unstable();
        roots.dedup();
        if let Some(id) = self.by_roots.get(&roots) {
            return Ok(*id);
        }
        let id = PlanId::try_from(self.plans.len()).map_err(|e| e.to_string())?;
        self.plans.push(None);
        self.by_roots.insert(roots.clone(), id);
        self.pending.push((id, roots));
        Ok(id)
    }

    fn finish(&mut self) -> Result<(), String> {
        while let Some((id, roots)) = self.pending.pop() {
            let plan = self.build(&roots)?;
            self.plans[id as usize] = Some(plan);
        }
        Ok(())
    }

    fn build(&mut self, roots: &[NodeId]) -> Result<Plan, String> {
        // The nodes reached through the combinators, each listed before its targets.
        let mut atoms: Vec<NodeId> = Vec::new();
        let mut stack: Vec<NodeId> = roots.to_vec();
        while let Some(n) = stack.pop() {
            let n = self.resolve(n);
            if atoms.contains(&n) {
                continue;
            }
            atoms.push(n);
            let node = &self.nodes[n as usize];
            stack.extend(node.all_of.iter().chain(&node.any_of).chain(&node.one_of));
        }
        if atoms.len() > MAX_ATOMS {
            return Err(format!("a plan of {} nodes", atoms.len()));
        }
        // Order: targets after the nodes that use them (a combinator cycle is refused).
        let order = self.order(&atoms)?;
        let atoms = order;
        let index = |n: NodeId| atoms.iter().position(|a| *a == n).map(|i| i as u8);
        let roots_ix = roots
            .iter()
            .map(|r| index(self.resolve(*r)).ok_or("a root outside its plan"))
            .collect::<Result<Vec<u8>, _>>()?;

        let mut type_fail = [0u64; 7];
        let mut scalar_atoms = Vec::new();
        let mut enum_atoms = 0u64;
        let mut count_atoms = Vec::new();
        for (i, n) in atoms.iter().enumerate() {
            let node = &self.nodes[*n as usize];
            for (bit, fail) in type_fail.iter_mut().enumerate() {
                if node.types != 0 && node.types & (1 << bit) == 0 {
                    *fail |= 1 << i;
                }
            }
            if node.scalar.is_some() {
                scalar_atoms.push(i as u8);
            }
            if node.enumeration.is_some() {
                enum_atoms |= 1 << i;
            }
            if node.min_items.is_some() || node.max_items.is_some() {
                count_atoms.push(i as u8);
            }
        }

        let mut names: Vec<String> = atoms
            .iter()
            .flat_map(|n| {
                let node = &self.nodes[*n as usize];
                node.properties
                    .iter()
                    .map(|(k, _)| k.clone())
                    .chain(node.required.iter().cloned())
            })
            .collect();
        names.sort();
        names.dedup();
        if names.len() > 64 {
            return Err(format!("a plan naming {} keys", names.len()));
        }
        let mut keys = Vec::with_capacity(names.len());
        for name in names {
            let rule = self.rule(&atoms, |node| match node.property(&name) {
                Some(sub) => Some(Some(sub)),
                None if node.no_additional => None,
                None => Some(None),
            })?;
            keys.push((name, rule));
        }
        let other = self.rule(&atoms, |node| (!node.no_additional).then_some(None))?;
        let items = self.rule(&atoms, |node| Some(node.items))?;
        let required = atoms
            .iter()
            .map(|n| {
                self.nodes[*n as usize]
                    .required
                    .iter()
                    .filter_map(|r| keys.iter().position(|(k, _)| k == r))
                    .fold(0u64, |m, bit| m | 1 << bit)
            })
            .collect();
        let targets = |list: &[NodeId]| -> Result<Vec<u8>, String> {
            list.iter()
                .map(|t| {
                    index(self.resolve(*t)).ok_or_else(|| "a target outside its plan".to_owned())
                })
                .collect()
        };
        let combinators = atoms
            .iter()
            .map(|n| {
                let node = &self.nodes[*n as usize];
                Ok(Combinators {
                    all_of: targets(&node.all_of)?,
                    any_of: targets(&node.any_of)?,
                    one_of: targets(&node.one_of)?,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Plan {
            combinators,
            atoms,
            roots: roots_ix,
            type_fail,
            scalar_atoms,
            enum_atoms,
            keys,
            other,
            required,
            count_atoms,
            items,
        })
    }

    /// `what` per node: `None` = the node forbids it, `Some(None)` = allows it unchecked,
    /// `Some(Some(schema))` = checks it against that schema.
    fn rule(
        &mut self,
        atoms: &[NodeId],
        what: impl Fn(&Node) -> Option<Option<NodeId>>,
    ) -> Result<Rule, String> {
        let mut forbid = 0u64;
        let mut subs: Vec<(u8, NodeId)> = Vec::new();
        for (i, n) in atoms.iter().enumerate() {
            match what(&self.nodes[*n as usize]) {
                None => forbid |= 1 << i,
                Some(None) => {}
                Some(Some(sub)) => subs.push((i as u8, self.resolve(sub))),
            }
        }
        if subs.is_empty() {
            return Ok(Rule {
                child: None,
                depends: Vec::new(),
                forbid,
            });
        }
        let mut child_roots: Vec<NodeId> = subs.iter().map(|(_, s)| *s).collect();
        child_roots.sort_unstable();
        child_roots.dedup();
        let depends = subs
            .iter()
            .map(|(atom, s)| {
                (
                    *atom,
                    child_roots.iter().position(|r| r == s).unwrap_or(0) as u8,
                )
            })
            .collect();
        let child = self.plan(child_roots)?;
        Ok(Rule {
            child: Some(child),
            depends,
            forbid,
        })
    }

    /// `atoms` in an order where each node's combinator targets come after it.
    fn order(&self, atoms: &[NodeId]) -> Result<Vec<NodeId>, String> {
        // Depth-first post-order over the combinator edges, reversed.
        let mut out: Vec<NodeId> = Vec::with_capacity(atoms.len());
        let mut state: HashMap<NodeId, u8> = HashMap::new(); // 1 = on the path, 2 = done
        for &start in atoms {
            self.visit(start, &mut state, &mut out)?;
        }
        out.reverse();
        Ok(out)
    }

    fn visit(
        &self,
        n: NodeId,
        state: &mut HashMap<NodeId, u8>,
        out: &mut Vec<NodeId>,
    ) -> Result<(), String> {
        match state.get(&n) {
            Some(2) => return Ok(()),
            Some(_) => return Err("a cycle of allOf/anyOf/oneOf".to_owned()),
            None => {}
        }
        state.insert(n, 1);
        let node = &self.nodes[n as usize];
        for t in node.all_of.iter().chain(&node.any_of).chain(&node.one_of) {
            self.visit(self.resolve(*t), state, out)?;
        }
        state.insert(n, 2);
        out.push(n);
        Ok(())
    }
}

impl Compiled {
    /// The mask of all of a plan's nodes.
    fn all_atoms(plan: &Plan) -> u64 {
        if plan.atoms.len() >= 64 {
            u64::MAX
        } else {
            (1u64 << plan.atoms.len()) - 1
        }
    }

    fn plan(&self, id: PlanId) -> &Plan {
        &self.plans[id as usize]
    }

    /// The roots of `plan` that accept a value whose nodes' own checks gave `ok`.
    fn verdict(&self, plan: &Plan, ok: u64) -> u64 {
        let mut accepted = ok;
        // Targets come after their users: settle from the end.
        for (i, c) in plan.combinators.iter().enumerate().rev() {
            if accepted & (1 << i) == 0 {
                continue;
            }
            let holds = |j: &u8| accepted & (1 << j) != 0;
            let fine = c.all_of.iter().all(holds)
                && (c.any_of.is_empty() || c.any_of.iter().any(holds))
                && (c.one_of.is_empty() || c.one_of.iter().filter(|j| holds(j)).count() == 1);
            if !fine {
                accepted &= !(1 << i);
            }
        }
        plan.roots.iter().enumerate().fold(0u64, |m, (r, &a)| {
            if accepted & (1 << a) != 0 {
                m | 1 << r
            } else {
                m
            }
        })
    }
}

/// Checks one value against a plan; gives the mask of the plan's roots that accept it and the
/// value, when asked to build it (`Value::Null` otherwise).
struct Check<'c> {
    c: &'c Compiled,
    plan: Option<PlanId>,
    build: bool,
}

impl<'de> DeserializeSeed<'de> for Check<'_> {
    type Value = (u64, Value);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        match (self.plan, self.build) {
            (None, false) => {
                IgnoredAny::deserialize(d)?;
                Ok((u64::MAX, Value::Null))
            }
            (None, true) => Ok((u64::MAX, Value::deserialize(d)?)),
            (Some(_), _) => d.deserialize_any(self),
        }
    }
}

impl Check<'_> {
    fn the_plan(&self) -> &Plan {
        // Only called when `plan` is set (see `deserialize`).
        self.c.plan(self.plan.unwrap_or(self.c.model))
    }

    fn keeps(&self) -> bool {
        self.build
    }

    /// A string: type, `enum` and `pattern` here, the rest by the node's own validator.
    fn string(&self, s: &str) -> u64 {
        let plan = self.the_plan();
        let mut ok =
            Compiled::all_atoms(plan) & !plan.type_fail[T_STRING.trailing_zeros() as usize];
        for &a in &plan.scalar_atoms {
            if ok & (1 << a) == 0 {
                continue;
            }
            let node = &self.c.nodes[plan.atoms[a as usize] as usize];
            let fine = node
                .enumeration
                .as_ref()
                .is_none_or(|e| e.iter().any(|x| x == s))
                && node.pattern.as_ref().is_none_or(|p| p.is_match(s))
                && node
                    .string_formats
                    .as_ref()
                    .is_none_or(|x| x.accepts(&Value::String(s.to_owned())));
            if !fine {
                ok &= !(1 << a);
            }
        }
        self.c.verdict(plan, ok)
    }

    /// A number, boolean or `null`: type, then each node's own validator.
    fn scalar(&self, value: Value, type_bit: u8) -> (u64, Value) {
        let plan = self.the_plan();
        let mut ok =
            Compiled::all_atoms(plan) & !plan.type_fail[type_bit.trailing_zeros() as usize];
        for &a in &plan.scalar_atoms {
            if ok & (1 << a) == 0 {
                continue;
            }
            let node = &self.c.nodes[plan.atoms[a as usize] as usize];
            let fine = node.scalar.as_ref().is_none_or(|x| x.accepts(&value));
            if !fine {
                ok &= !(1 << a);
            }
        }
        let verdict = self.c.verdict(plan, ok);
        (verdict, if self.keeps() { value } else { Value::Null })
    }
}

impl<'de> Visitor<'de> for Check<'_> {
    type Value = (u64, Value);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(self.scalar(Value::Bool(v), T_BOOL))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.scalar(Value::from(v), T_INTEGER))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.scalar(Value::from(v), T_INTEGER))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        let value = serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
        // jsonschema counts a number with no fraction as an integer.
        let bit = if v.fract() == 0.0 {
            T_INTEGER
        } else {
            T_NUMBER
        };
        Ok(self.scalar(value, bit))
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.visit_str(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let verdict = self.string(v);
        Ok((
            verdict,
            if self.keeps() {
                Value::String(v.to_owned())
            } else {
                Value::Null
            },
        ))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        let verdict = self.string(&v);
        Ok((
            verdict,
            if self.keeps() {
                Value::String(v)
            } else {
                Value::Null
            },
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.scalar(Value::Null, T_NULL))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let plan = self.the_plan();
        let mut ok = Compiled::all_atoms(plan)
            & !plan.type_fail[T_ARRAY.trailing_zeros() as usize]
            & !plan.enum_atoms;
        let mut items = Vec::new();
        let mut count: u64 = 0;
        while let Some((verdict, value)) = seq.next_element_seed(Check {
            c: self.c,
            plan: plan.items.child,
            build: self.build,
        })? {
            count += 1;
            ok &= failed(&plan.items, verdict);
            if self.keeps() {
                items.push(value);
            }
        }
        for &a in &plan.count_atoms {
            let node = &self.c.nodes[plan.atoms[a as usize] as usize];
            if node.min_items.is_some_and(|m| count < m)
                || node.max_items.is_some_and(|m| count > m)
            {
                ok &= !(1 << a);
            }
        }
        let verdict = self.c.verdict(plan, ok);
        let value = if self.keeps() {
            Value::Array(items)
        } else {
            Value::Null
        };
        Ok((verdict, value))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let plan = self.the_plan();
        let mut ok = Compiled::all_atoms(plan)
            & !plan.type_fail[T_OBJECT.trailing_zeros() as usize]
            & !plan.enum_atoms;
        let mut seen = 0u64;
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let (rule, bit) = match plan
                .keys
                .binary_search_by(|(k, _)| k.as_str().cmp(key.as_str()))
            {
                Ok(i) => (&plan.keys[i].1, 1u64 << i),
                Err(_) => (&plan.other, 0),
            };
            seen |= bit;
            ok &= !rule.forbid;
            let (verdict, value) = map.next_value_seed(Check {
                c: self.c,
                plan: rule.child,
                build: self.build,
            })?;
            ok &= failed(rule, verdict);
            if self.build {
                object.insert(key.into_string(), value);
            }
        }
        for (a, need) in plan.required.iter().enumerate() {
            if seen & need != *need {
                ok &= !(1 << a);
            }
        }
        let verdict = self.c.verdict(plan, ok);
        let value = if self.keeps() {
            Value::Object(object)
        } else {
            Value::Null
        };
        Ok((verdict, value))
    }
}

/// The mask of nodes still fine after a value the rule's child plan judged `verdict`.
fn failed(rule: &Rule, verdict: u64) -> u64 {
    let mut ok = u64::MAX;
    for &(atom, root) in &rule.depends {
        if verdict & (1 << root) == 0 {
            ok &= !(1 << atom);
        }
    }
    ok
}

/// An object key, borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    fn into_string(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Key::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Key::Owned(v))
    }
}

/// A document that is valid against the schema, as this path read it.
#[derive(Debug)]
pub struct Valid {
    pub kind: Kind,
    /// The whole document (`{"<model>": {...}}`, and `$schema` if there is one) when
    /// `keep(kind)` said so; otherwise `None`.
    pub value: Option<Value>,
}

/// Parse `bytes` as JSON and check the document against the embedded OSCAL 1.2.3 schema in
/// one pass. `Some` only when the document is valid; `None` when it is not, or is not
/// well-formed, or this path cannot tell — the caller then takes the slow path, which says
/// why. The document's value is built only when `keep` says so for its kind (exactly as
/// `serde_json::from_slice` would build it).
pub fn parse_valid(bytes: &[u8], keep: &dyn Fn(Kind) -> bool) -> Option<Valid> {
    // Checked as UTF-8 once, not string by string as the parser does for bytes (bytes that
    // are not UTF-8 go to the slow path, which says where).
    let text = std::str::from_utf8(bytes).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let valid = Root { keep }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(valid)
}

/// The document's root object, as the root of the schema has it: a `oneOf` whose branches
/// each allow `$schema` and one model key, require that key and nothing else. The model's
/// value is checked against that model's compiled schema (compiled on first use); `$schema`
/// once the model is known. Anything else makes it fail at once (an error: the slow path
/// then reads the document again and says what is wrong).
struct Root<'k> {
    keep: &'k dyn Fn(Kind) -> bool,
}

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = Valid;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = Valid;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OSCAL document")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let invalid = || de::Error::custom("not valid against the schema");
        let mut kind: Option<Kind> = None;
        let mut directives: Vec<Value> = Vec::new();
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if key.as_str() == "$schema" {
                let value: Value = map.next_value()?;
                directives.push(value.clone());
                object.insert(key.into_string(), value);
                continue;
            }
            let k = match Kind::from_root_key(key.as_str()) {
                Some(k) if k.in_schema() && kind.is_none() => k,
                _ => return Err(invalid()),
            };
            let c = compiled(k).ok_or_else(invalid)?;
            let build = (self.keep)(k);
            let (verdict, value) = map.next_value_seed(Check {
                c,
                plan: Some(c.model),
                build,
            })?;
            if verdict & 1 == 0 {
                return Err(invalid());
            }
            kind = Some(k);
            if build {
                object.insert(key.into_string(), value);
            }
        }
        let kind = kind.ok_or_else(invalid)?;
        let c = compiled(kind).ok_or_else(invalid)?;
        for directive in &directives {
            let (verdict, _) = Check {
                c,
                plan: Some(c.directive),
                build: false,
            }
            .deserialize(directive)
            .map_err(|_| invalid())?;
            if verdict & 1 == 0 {
                return Err(invalid());
            }
        }
        Ok(Valid {
            kind,
            value: (self.keep)(kind).then_some(Value::Object(object)),
        })
    }
}

/// Whether `bytes` is a JSON document valid against the embedded schema, by this path alone
/// (for tests that compare it with the `jsonschema` crate).
pub fn is_valid(bytes: &[u8]) -> bool {
    parse_valid(bytes, &|_| false).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_embedded_schema_compiles() {
        for kind in Kind::ALL.into_iter().filter(|k| k.in_schema()) {
            let c = compile(SCHEMA_JSON, kind).unwrap();
            assert!(c.plans.len() > 20, "{kind}: {c:?}");
            assert!(compiled(kind).is_some());
            check_scalars(&c);
        }
        assert!(compile(SCHEMA_JSON, Kind::SharedResponsibility).is_err());
    }

    /// The scalar keywords, compiled on first use, all compile, and so do the patterns.
    fn check_scalars(c: &Compiled) {
        for node in &c.nodes {
            for scalar in node.scalar.iter().chain(&node.string_formats) {
                jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft7)
                    .build(&scalar.schema)
                    .unwrap();
            }
            if let Some(p) = &node.pattern {
                compile_pattern(&p.source).unwrap();
            }
        }
    }

    #[test]
    fn unknown_keywords_are_refused_not_ignored() {
        let model = |body: &str| {
            format!(
                r#"{{"type": "object", "oneOf": [{{"properties": {{"$schema": {{"type": "string"}},
                    "catalog": {body}}}, "required": ["catalog"], "additionalProperties": false}}]}}"#
            )
        };
        assert!(compile(&model("{}"), Kind::Catalog).is_ok());
        let e = compile(
            &model(r#"{"patternProperties": {"^x": {}}}"#),
            Kind::Catalog,
        )
        .unwrap_err();
        assert!(e.contains("patternProperties"), "{e}");
        let e = compile(
            &model(r#"{"additionalProperties": {"type": "string"}}"#),
            Kind::Catalog,
        )
        .unwrap_err();
        assert!(e.contains("expected a boolean"), "{e}");
        let e = compile(&model(r#"{"$ref": "other.json#/x"}"#), Kind::Catalog).unwrap_err();
        assert!(e.contains("#/definitions/NAME"), "{e}");
        let e = compile(&model("{}"), Kind::Profile).unwrap_err();
        assert!(e.contains("no branch for `profile`"), "{e}");
        // The root holds only its models and their definitions.
        let e = compile(
            r#"{"type": "object", "required": ["catalog"], "oneOf": []}"#,
            Kind::Catalog,
        )
        .unwrap_err();
        assert!(e.contains("required"), "{e}");
        // A definition is read when a model reaches it, and refused as any other schema.
        let with_definition = |definition: &str| {
            format!(
                r##"{{"type": "object", "definitions": {{"d": {definition}}}, "oneOf": [{{"properties":
                    {{"$schema": {{"type": "string"}}, "catalog": {{"$ref": "#/definitions/d"}}}},
                    "required": ["catalog"], "additionalProperties": false}}]}}"##
            )
        };
        assert!(compile(&with_definition("{}"), Kind::Catalog).is_ok());
        let e = compile(&with_definition(r#"{"if": {}}"#), Kind::Catalog).unwrap_err();
        assert!(e.contains("#/definitions/d") && e.contains("if"), "{e}");
    }

    #[test]
    fn perl_classes_become_the_crate_s_classes() {
        assert_eq!(ecma_to_rust(r"^\d+$"), "^[0-9]+$");
        assert_eq!(ecma_to_rust(r"[\w.]"), "[[A-Za-z0-9_].]");
        assert_eq!(ecma_to_rust(r"\.\-\p{L}"), r"\.\-\p{L}");
        assert!(ecma_to_rust(r"^\S$").starts_with("^[^ \t\n"));
    }

    /// Every pattern of the schema, as run here and as the `jsonschema` crate runs it.
    fn schema_patterns() -> Vec<(String, meta::Regex, jsonschema::Validator)> {
        let schema: Value = serde_json::from_str(SCHEMA_JSON).unwrap();
        let mut found = Vec::new();
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        match (k.as_str(), x) {
                            ("pattern", Value::String(p)) => out.push(p.clone()),
                            _ => walk(x, out),
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        walk(&schema, &mut found);
        found.sort();
        found.dedup();
        found
            .into_iter()
            .map(|p| {
                let ours = compile_pattern(&p).unwrap();
                let theirs = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft7)
                    .build(&serde_json::json!({ "pattern": p }))
                    .unwrap();
                (p, ours, theirs)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn patterns_agree_with_the_jsonschema_crate(
            s in proptest::string::string_regex(
                "[ a-zA-Z0-9_.:@+=/\\-\t\n\r\u{0b}\u{0c}\u{a0}\u{85}\u{2003}\u{2028}\u{2029}\u{feff}éßΩ٣]{0,12}"
            ).unwrap()
        ) {
            static PATTERNS: std::sync::LazyLock<Vec<(String, meta::Regex, jsonschema::Validator)>> =
                std::sync::LazyLock::new(schema_patterns);
            for (p, ours, theirs) in PATTERNS.iter() {
                prop_assert_eq!(ours.is_match(&s), theirs.is_valid(&Value::String(s.clone())), "{} on {:?}", p, s);
            }
        }
    }
}
