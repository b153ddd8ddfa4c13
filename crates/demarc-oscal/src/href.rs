//! Following an OSCAL `href` to a file on disk.
//!
//! OSCAL documents point at each other in three ways, and real files use all of them:
//!
//! - a relative file name (`NIST_SP-800-53_rev5_catalog.json`, `../ssp/leveraged.json`),
//!   relative to the directory of the document that holds the href;
//! - a URI (`https://raw.githubusercontent.com/.../NIST_SP-800-53_rev5_catalog.json`): demarc
//!   never goes to the network; the URI's last path segment names a file looked for in the
//!   document's directory and in the search directories the caller gives;
//! - `#<uuid>` of a back-matter resource, whose `rlinks` are tried in turn the same way.
//!
//! A relative path that does not exist as written (the NIST baselines point at
//! `../../../../nist.gov/SP800-53/rev5/json/...`, a layout nobody has locally) is also looked
//! for by its last segment. When nothing is found, the [`Problem`] lists every place tried.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::Document;
use crate::error::{Problem, pointer_push};

/// The file an `href` found in `from` points at.
///
/// The problem, when there is one, names `from`'s file and says what was tried; its pointer is
/// the back-matter resource for `#uuid` hrefs and empty otherwise (the caller knows where the
/// href itself sits and may set it).
pub fn resolve(href: &str, from: &Document, search: &[PathBuf]) -> Result<PathBuf, Problem> {
    let expanded = expand(href, from)?;
    let mut tried = Vec::new();
    let mut xml = Vec::new();
    for target in &expanded.hrefs {
        if let Some(found) = resolve_plain(target, from, search, &mut tried, &mut xml) {
            return Ok(found);
        }
    }
    let what = if href.starts_with('#') {
        format!(
            "href {href:?} (back-matter resource with rlinks {})",
            quoted_list(&expanded.hrefs)
        )
    } else {
        format!("href {href:?}")
    };
    let tried = if tried.is_empty() {
        "nothing could be tried".to_owned()
    } else {
        format!("tried {}", tried.join(", "))
    };
    let message = if xml.is_empty() {
        format!(
            "cannot find the file named by {what}: {tried}; give the file itself (beside the document that names it, or with --catalog), or the directory that holds it under that name"
        )
    } else {
        format!(
            "the file named by {what} is OSCAL XML ({}), which demarc does not read: convert it to JSON (or YAML) beside it ({tried})",
            xml.join(", ")
        )
    };
    Err(Problem::new(from.file.clone(), expanded.pointer, message))
}

/// What an href stands for before any file is looked at: `#uuid` becomes the hrefs of the
/// back-matter resource's rlinks (in order), anything else stays as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    pub hrefs: Vec<String>,
    /// The back-matter resource's pointer for `#uuid`, else empty.
    pub pointer: String,
}

/// Expand `#uuid` to the hrefs of the resource's rlinks. An unknown uuid, or a resource
/// without rlinks, is a problem.
pub fn expand(href: &str, from: &Document) -> Result<Expanded, Problem> {
    let Some(uuid) = href.strip_prefix('#') else {
        return Ok(Expanded {
            hrefs: vec![href.to_owned()],
            pointer: String::new(),
        });
    };
    let resources_pointer = pointer_push(
        &pointer_push(&from.root_pointer(), "back-matter"),
        "resources",
    );
    let resources = from
        .root()
        .get("back-matter")
        .and_then(|b| b.get("resources"))
        .and_then(Value::as_array);
    let Some((index, resource)) = resources.and_then(|rs| {
        rs.iter()
            .enumerate()
            .find(|(_, r)| r.get("uuid").and_then(Value::as_str) == Some(uuid))
    }) else {
        return Err(Problem::new(
            from.file.clone(),
            resources_pointer,
            format!(
                "href {href:?} names no back-matter resource: expected a resource with uuid {uuid:?}"
            ),
        ));
    };
    let pointer = pointer_push(&resources_pointer, &index.to_string());
    let hrefs: Vec<String> = resource
        .get("rlinks")
        .and_then(Value::as_array)
        .map(|links| {
            links
                .iter()
                .filter_map(|l| l.get("href").and_then(Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if hrefs.is_empty() {
        let embedded = if resource.get("base64").is_some() {
            " (it embeds its content as base64, which demarc does not read)"
        } else {
            ""
        };
        return Err(Problem::new(
            from.file.clone(),
            pointer,
            format!(
                "back-matter resource {uuid} has no rlinks to follow{embedded}: expected rlinks[].href naming a file"
            ),
        ));
    }
    Ok(Expanded { hrefs, pointer })
}

/// The file name an href ends with: its last path segment, percent-decoded, without query or
/// fragment (`https://x/y/NIST_catalog.json?raw=1` → `NIST_catalog.json`). `None` when the
/// href ends with `/` or is a fragment only.
pub fn file_name(href: &str) -> Option<String> {
    let path = strip_query(href);
    let path = match scheme(path) {
        Some(_) => path.split_once("//").map_or(path, |(_, rest)| rest),
        None => path,
    };
    let last = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if last.is_empty() {
        return None;
    }
    Some(percent_decode(last))
}

/// One href that is not `#uuid`: tried as a path (relative to `from`'s directory), then by its
/// last segment in `from`'s directory and in each search directory. Every candidate is added to
/// `tried`; XML files found are skipped and added to `xml`.
fn resolve_plain(
    href: &str,
    from: &Document,
    search: &[PathBuf],
    tried: &mut Vec<String>,
    xml: &mut Vec<String>,
) -> Option<PathBuf> {
    let base = from
        .path
        .parent()
        .filter(|_| !from.path.as_os_str().is_empty());
    let mut candidates: Vec<PathBuf> = Vec::new();
    match scheme(href) {
        Some(s) if s.eq_ignore_ascii_case("file") => {
            let rest = strip_query(&href[s.len() + 1..]);
            let rest = rest.strip_prefix("//").unwrap_or(rest);
            // `file:///abs/path` or `file://localhost/abs/path`.
            let rest = rest.strip_prefix("localhost").unwrap_or(rest);
            candidates.push(PathBuf::from(percent_decode(rest)));
        }
        Some(_) => {}
        None => {
            let path = PathBuf::from(percent_decode(strip_query(href)));
            match base {
                Some(dir) if path.is_relative() => candidates.push(dir.join(&path)),
                _ => candidates.push(path),
            }
        }
    }
    if let Some(name) = file_name(href) {
        if let Some(dir) = base {
            candidates.push(dir.join(&name));
        }
        for dir in search {
            candidates.push(dir.join(&name));
        }
    }
    for candidate in candidates {
        let shown = candidate.display().to_string();
        if !tried.contains(&shown) {
            tried.push(shown.clone());
        }
        if candidate.is_file() {
            // OSCAL XML cannot be read; a JSON or YAML rlink after it may still be found
            // (the NIST baselines list the XML catalog first).
            let is_xml = candidate
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
            if !is_xml {
                return Some(candidate);
            }
            if !xml.contains(&shown) {
                xml.push(shown);
            }
        }
    }
    None
}

/// The URI scheme of `href` (`https`, `file`), if it has one. A single letter followed by `:`
/// is a Windows drive, not a scheme.
fn scheme(href: &str) -> Option<&str> {
    let (head, _) = href.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && head.len() > 1).then_some(head)
}

fn strip_query(href: &str) -> &str {
    let end = href.find(['?', '#']).unwrap_or(href.len());
    &href[..end]
}

/// `%20` → space and so on; malformed escapes are kept as written.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("{s:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether `path` names the same file as `other` (compared canonically when both exist).
pub fn same_file(path: &Path, other: &Path) -> bool {
    match (path.canonicalize(), other.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => path == other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Kind;
    use serde_json::json;

    fn doc(path: &Path, value: Value) -> Document {
        Document {
            file: path.display().to_string(),
            path: path.to_path_buf(),
            kind: Kind::Profile,
            value,
        }
    }

    #[test]
    fn file_names() {
        assert_eq!(
            file_name("https://x.org/a/b/cat.json").as_deref(),
            Some("cat.json")
        );
        assert_eq!(
            file_name("https://x.org/a/b/cat%20x.json?raw=1#f").as_deref(),
            Some("cat x.json")
        );
        assert_eq!(file_name("../../a/cat.json").as_deref(), Some("cat.json"));
        assert_eq!(file_name("cat.json").as_deref(), Some("cat.json"));
        assert_eq!(file_name("https://x.org/a/"), None);
        assert_eq!(file_name("https://x.org"), Some("x.org".to_owned()));
        assert_eq!(scheme("C:\\x\\y.json"), None);
        assert_eq!(scheme("https://x"), Some("https"));
    }

    #[test]
    fn resolves_relative_uri_and_uuid() {
        let dir = std::env::temp_dir().join(format!("demarc-href-{}", std::process::id()));
        let sub = dir.join("cat");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(dir.join("local.json"), "{}").unwrap();
        std::fs::write(sub.join("remote.json"), "{}").unwrap();
        let from = doc(
            &dir.join("profile.json"),
            json!({"profile": {"back-matter": {"resources": [
                {"uuid": "u1", "rlinks": [{"href": "missing.xml"}, {"href": "https://e.org/x/remote.json"}]},
                {"uuid": "u2", "title": "no links"},
                {"uuid": "u3", "base64": {"value": "e30="}}
            ]}}}),
        );
        assert_eq!(
            resolve("local.json", &from, &[]).unwrap(),
            dir.join("local.json")
        );
        assert_eq!(
            resolve("../../nowhere/local.json", &from, &[]).unwrap(),
            dir.join("local.json")
        );
        assert_eq!(
            resolve(
                "https://e.org/x/remote.json",
                &from,
                std::slice::from_ref(&sub)
            )
            .unwrap(),
            sub.join("remote.json")
        );
        assert_eq!(
            resolve("#u1", &from, std::slice::from_ref(&sub)).unwrap(),
            sub.join("remote.json")
        );
        let p = resolve("#u1", &from, &[]).unwrap_err();
        assert_eq!(p.pointer, "/profile/back-matter/resources/0");
        assert!(
            p.message.contains("missing.xml") && p.message.contains("remote.json"),
            "{p}"
        );
        let p = resolve("#u2", &from, &[]).unwrap_err();
        assert!(p.message.contains("no rlinks"), "{p}");
        let p = resolve("#u3", &from, &[]).unwrap_err();
        assert!(p.message.contains("base64"), "{p}");
        let p = resolve("#nope", &from, &[]).unwrap_err();
        assert_eq!(p.pointer, "/profile/back-matter/resources");
        // An XML rlink that exists is passed over for a JSON one after it; alone, it is
        // named in the problem.
        std::fs::write(dir.join("cat.xml"), "<catalog/>").unwrap();
        let with_xml = doc(
            &dir.join("profile.json"),
            json!({"profile": {"back-matter": {"resources": [
                {"uuid": "x1", "rlinks": [{"href": "cat.xml"}, {"href": "local.json"}]},
                {"uuid": "x2", "rlinks": [{"href": "cat.xml"}]}
            ]}}}),
        );
        assert_eq!(
            resolve("#x1", &with_xml, &[]).unwrap(),
            dir.join("local.json")
        );
        let p = resolve("#x2", &with_xml, &[]).unwrap_err();
        assert!(p.message.contains("OSCAL XML"), "{p}");
        let file_uri = format!("file://{}", dir.join("local.json").display());
        assert_eq!(
            resolve(&file_uri, &from, &[]).unwrap(),
            dir.join("local.json")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
