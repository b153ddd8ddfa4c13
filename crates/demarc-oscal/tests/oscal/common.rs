//! Helpers shared by the test modules.

// Test helpers unwrap, as tests do.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use serde_json::{Value, json};

/// `../shared/data/<rel>` from the workspace root, or `None` (with a message on stderr, so a
/// skipped test says so) when it is absent.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let path = root.join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the shared data directory is not on this machine)",
            path.display()
        );
        None
    }
}

// Breaking real documents at random places (property tests).

/// Every array cut to its first three items (every shape is kept, and a case is quick).
pub fn shorten(v: &mut Value) {
    match v {
        Value::Array(a) => {
            a.truncate(3);
            a.iter_mut().for_each(shorten);
        }
        Value::Object(m) => m.values_mut().for_each(shorten),
        _ => {}
    }
}

/// How many values `v` holds, itself included.
pub fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// The `n`th value of `v` in pre-order, as a JSON pointer.
fn nth(v: &Value, n: &mut usize, here: String) -> Option<String> {
    if *n == 0 {
        return Some(here);
    }
    *n -= 1;
    let step = |k: &str| format!("{here}/{}", k.replace('~', "~0").replace('/', "~1"));
    match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| nth(x, n, step(&i.to_string()))),
        Value::Object(m) => m.iter().find_map(|(k, x)| nth(x, n, step(k))),
        _ => None,
    }
}

pub fn at(v: &mut Value, mut n: usize) -> &mut Value {
    let pointer = nth(v, &mut n, String::new()).unwrap();
    v.pointer_mut(&pointer).unwrap()
}

/// Break `v` in one of 16 ways (`how`): replace it with a value of another type or shape, or
/// remove, add or duplicate something inside it (`salt` picks what).
pub fn breaks(v: &mut Value, how: usize, salt: usize) {
    let replacement = match how {
        0 => json!("two words"),
        1 => json!(""),
        2 => json!(" padded "),
        3 => json!(7),
        4 => json!(-1),
        5 => json!(2.5),
        6 => json!(true),
        7 => Value::Null,
        8 => json!([]),
        9 => json!({}),
        10 => json!("00000000-0000-4000-8000-000000000000"),
        11 => json!("2024-02-30T00:00:00Z"),
        12 => json!("https://example.com/x"),
        13 => json!("line\nbreak"),
        _ => {
            match v {
                Value::Object(m) if !m.is_empty() => {
                    if how == 14 {
                        let k = m.keys().nth(salt % m.len()).unwrap().clone();
                        m.remove(&k);
                    } else {
                        m.insert("not-in-oscal".to_owned(), json!("x"));
                    }
                }
                Value::Array(a) if !a.is_empty() => {
                    if how == 14 {
                        a.remove(salt % a.len());
                    } else {
                        let x = a[salt % a.len()].clone();
                        a.push(x);
                    }
                }
                Value::String(s) => s.push_str(if how == 14 { " " } else { "\u{2003}" }),
                other => *other = json!(["x"]),
            }
            return;
        }
    };
    *v = replacement;
}

/// One of `docs` (by `doc`), broken at one random place, or two when `twice` (what the
/// property tests run on; `None` when there are no documents, the shared data being absent).
pub fn broken(
    docs: &[Value],
    doc: usize,
    place: usize,
    how: usize,
    salt: usize,
    twice: bool,
) -> Option<Value> {
    if docs.is_empty() {
        eprintln!("skipped: ../shared/data is absent");
        return None;
    }
    let mut v = docs[doc % docs.len()].clone();
    let n = count(&v);
    breaks(at(&mut v, 1 + place % (n - 1)), how, salt);
    if twice {
        let n = count(&v);
        breaks(at(&mut v, 1 + salt % (n - 1)), (how + salt) % 16, place);
    }
    Some(v)
}
