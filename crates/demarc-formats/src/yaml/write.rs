//! Writing a model back as a model directory, in the layout people read.
//!
//! Reading what this writes gives the same model (see the round-trip tests).

use std::fmt::Write as _;
use std::path::Path;

use demarc_core::model::{
    Allocation, Area, CatalogueInfo, Evidence, Model, Party, Preset, Service, Task, Terms,
};
use demarc_core::{Layer, TaskKind};

use super::{ALLOCATIONS_DIR, MODEL_FILE, PARTIES_FILE, SERVICES_FILE};

/// A YAML scalar for block context: plain when that reads back as the same string, else
/// double-quoted.
pub fn scalar(s: &str) -> String {
    quoted_unless(s, is_plain_safe(s, false))
}

/// A YAML scalar inside a flow list (`[a, b]`), where commas and brackets are syntax.
pub fn flow_scalar(s: &str) -> String {
    quoted_unless(s, is_plain_safe(s, true))
}

fn quoted_unless(s: &str, plain: bool) -> String {
    if plain {
        return s.to_owned();
    }
    // A JSON string is a YAML double-quoted scalar, except that JSON leaves characters YAML
    // may not hold even in quotes (DEL, most C1 controls, U+FFFE, U+FFFF): escape those too.
    let json = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if yaml_printable(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{:04X}", u32::from(c)));
        }
    }
    out
}

/// What YAML 1.2 allows in a stream (its `c-printable`).
fn yaml_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{85}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn is_plain_safe(s: &str, flow: bool) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    // Starting with a letter rules out indicators (`- ? : [ { & * ! | > ' " % @ #`) and
    // anything that could read back as a number (`0x1F`, `1e3`, `.5`).
    if !(first.is_alphabetic() || first == '/' || first == '(') {
        return false;
    }
    if s.ends_with(char::is_whitespace) || s.ends_with(':') {
        return false;
    }
    if s.contains(": ")
        || s.contains(" #")
        || s.chars().any(|c| c.is_control() || !yaml_printable(c))
    {
        return false;
    }
    if flow && s.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
    )
}

/// Write `key: value` for text, using a literal block for several lines.
fn text(out: &mut String, indent: usize, key: &str, value: &str) {
    let pad = " ".repeat(indent);
    let block_ok = value.contains('\n')
        && !value.starts_with([' ', '\n'])
        && !value.contains('\r')
        && !value.contains('\t')
        && value.lines().all(|l| !l.ends_with(' '))
        && !value.trim_end_matches('\n').contains("\n\n\n")
        && value
            .chars()
            .all(|c| c == '\n' || (!c.is_control() && yaml_printable(c)));
    if block_ok {
        let chomp = if value.ends_with("\n\n") {
            "+"
        } else if value.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let _ = writeln!(out, "{pad}{key}: |{chomp}");
        for line in value.trim_end_matches('\n').split('\n') {
            if line.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "{pad}  {line}");
            }
        }
        if chomp == "+" {
            for _ in 0..value.len() - value.trim_end_matches('\n').len() - 1 {
                out.push('\n');
            }
        }
    } else {
        let _ = writeln!(out, "{pad}{key}: {}", scalar(value));
    }
}

fn opt(out: &mut String, indent: usize, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        text(out, indent, key, v);
    }
}

/// `demarc.yaml`
pub fn model_file(m: &Model) -> String {
    let mut out = String::from("# demarc model: see docs/model-format.md\n");
    text(&mut out, 0, "name", &m.name);
    text(&mut out, 0, "customer", &m.customer.id);
    opt(&mut out, 0, "version", &m.version);
    if m.catalogues.is_empty() {
        out.push_str("catalogues: []\n");
    } else {
        out.push_str("catalogues:\n");
        for c in &m.catalogues {
            let _ = writeln!(out, "  - {}", scalar(c));
        }
    }
    if m.review.last.is_some() || m.review.next.is_some() {
        out.push_str("review:\n");
        if let Some(d) = m.review.last {
            let _ = writeln!(out, "  last: {d}");
        }
        if let Some(d) = m.review.next {
            let _ = writeln!(out, "  next: {d}");
        }
    }
    out
}

/// `parties.yaml`
pub fn parties_file(parties: &[Party]) -> String {
    let mut out =
        String::from("# Parties: the organisation, its suppliers and their suppliers.\nparties:\n");
    if parties.is_empty() {
        return "parties: []\n".to_owned();
    }
    for p in parties {
        let _ = writeln!(out, "  - id: {}", scalar(&p.id));
        text(&mut out, 4, "name", &p.name);
        opt(&mut out, 4, "type", &p.kind);
        opt(&mut out, 4, "description", &p.description);
        if !p.roles.is_empty() {
            out.push_str("    roles:\n");
            for r in &p.roles {
                let _ = writeln!(out, "      - id: {}", scalar(&r.id));
                text(&mut out, 8, "name", &r.name);
            }
        }
        if !p.people.is_empty() {
            out.push_str("    people:\n");
            for person in &p.people {
                let _ = writeln!(out, "      - name: {}", scalar(&person.name));
                opt(&mut out, 8, "email", &person.email);
                if let Some(r) = &person.role {
                    let _ = writeln!(out, "        role: {}", scalar(&r.id));
                }
                opt(&mut out, 8, "title", &person.title);
                if person.signatory {
                    out.push_str("        signatory: true\n");
                }
            }
        }
    }
    out
}

/// `services.yaml`
pub fn services_file(services: &[Service]) -> String {
    if services.is_empty() {
        return "services: []\n".to_owned();
    }
    let mut out =
        String::from("# Services: what each party provides, and what it is built on.\nservices:\n");
    for s in services {
        let _ = writeln!(out, "  - id: {}", scalar(&s.id));
        text(&mut out, 4, "name", &s.name);
        opt(&mut out, 4, "description", &s.description);
        let _ = writeln!(out, "    provider: {}", scalar(&s.provider.id));
        if let Some(c) = &s.customer {
            let _ = writeln!(out, "    customer: {}", scalar(&c.id));
        }
        if let Some(m) = s.model {
            let _ = writeln!(out, "    model: {}", m.as_str());
        }
        if !s.built_on.is_empty() {
            let ids: Vec<String> = s.built_on.iter().map(|b| flow_scalar(&b.id)).collect();
            let _ = writeln!(out, "    built_on: [{}]", ids.join(", "));
        }
        if let Some(ps) = &s.presets {
            let ids: Vec<String> = ps.iter().map(|p| flow_scalar(&p.id)).collect();
            let _ = writeln!(out, "    presets: [{}]", ids.join(", "));
        }
        opt(&mut out, 4, "contract", &s.contract);
        evidence(&mut out, 4, &s.evidence);
        if !s.components.is_empty() {
            out.push_str("    components:\n");
            for c in &s.components {
                let _ = writeln!(out, "      - {}", scalar(c));
            }
        }
    }
    out
}

fn evidence(out: &mut String, indent: usize, list: &[Evidence]) {
    let pad = " ".repeat(indent);
    match list {
        [] => {}
        [one] if one.collected.is_none() && one.expires.is_none() => {
            text(out, indent, "evidence", &one.description);
        }
        many => {
            let _ = writeln!(out, "{pad}evidence:");
            for e in many {
                let _ = writeln!(out, "{pad}  - description: {}", scalar(&e.description));
                if let Some(d) = e.collected {
                    let _ = writeln!(out, "{pad}    collected: {d}");
                }
                if let Some(d) = e.expires {
                    let _ = writeln!(out, "{pad}    expires: {d}");
                }
            }
        }
    }
}

fn terms(out: &mut String, indent: usize, t: &Terms) {
    opt(out, indent, "description", &t.description);
    opt(out, indent, "scope", &t.scope);
    opt(out, indent, "frequency", &t.frequency);
    opt(out, indent, "sla", &t.sla);
    evidence(out, indent, &t.evidence);
    opt(out, indent, "contract", &t.contract);
}

fn task(out: &mut String, indent: usize, t: &Task) {
    let pad = " ".repeat(indent);
    match t.owners.as_slice() {
        [one] => {
            let _ = writeln!(out, "{pad}- owner: {}", scalar(&one.id));
        }
        many => {
            let ids: Vec<String> = many.iter().map(|o| flow_scalar(&o.id)).collect();
            let _ = writeln!(out, "{pad}- owner: [{}]", ids.join(", "));
        }
    }
    let inner = indent + 2;
    if let Some(r) = &t.role {
        let _ = writeln!(out, "{pad}  role: {}", scalar(&r.id));
    }
    let _ = writeln!(
        out,
        "{pad}  kind: {}",
        if t.kind == TaskKind::Oversee {
            "oversee"
        } else {
            "operate"
        }
    );
    if let Some(st) = &t.statement {
        let _ = writeln!(out, "{pad}  statement: {}", scalar(st));
    }
    terms(out, inner, &t.terms);
}

/// Write one allocation under `responsibilities:` (short form when only a status).
pub fn allocation(out: &mut String, indent: usize, a: &Allocation) {
    let pad = " ".repeat(indent);
    let key = scalar(&a.responsibility.id);
    let short = a.reason.is_none()
        && a.from.is_none()
        && a.terms.is_empty()
        && a.tasks.is_empty()
        && a.contested.is_none()
        && a.review_by.is_none()
        && a.implementation.is_none()
        && a.note.is_none();
    if short {
        let _ = writeln!(out, "{pad}{key}: {}", a.status.as_str());
        return;
    }
    let _ = writeln!(out, "{pad}{key}:");
    let inner = indent + 2;
    let ipad = " ".repeat(inner);
    let _ = writeln!(out, "{ipad}status: {}", a.status.as_str());
    opt(out, inner, "reason", &a.reason);
    if let Some(f) = &a.from {
        let _ = writeln!(out, "{ipad}from: {}", scalar(&f.id));
    }
    terms(out, inner, &a.terms);
    if !a.tasks.is_empty() {
        let _ = writeln!(out, "{ipad}tasks:");
        for t in &a.tasks {
            task(out, inner + 2, t);
        }
    }
    if let Some(c) = &a.contested {
        let _ = writeln!(out, "{ipad}contested:");
        let _ = writeln!(out, "{ipad}  by: {}", scalar(&c.by.id));
        text(out, inner + 2, "comment", &c.comment);
    }
    if let Some(d) = a.review_by {
        let _ = writeln!(out, "{ipad}review_by: {d}");
    }
    if let Some(i) = a.implementation {
        let _ = writeln!(out, "{ipad}implementation: {}", i.as_str());
    }
    opt(out, inner, "note", &a.note);
}

/// `allocations/<service>.yaml`
pub fn allocations_file(service: &str, cells: &[Allocation]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "service: {}", scalar(service));
    if cells.is_empty() {
        out.push_str("responsibilities: {}\n");
        return out;
    }
    out.push_str("responsibilities:\n");
    for a in cells {
        allocation(&mut out, 2, a);
    }
    out
}

/// The file name of a service's allocations.
pub fn allocations_path(service: &str) -> String {
    let safe: String = service
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{ALLOCATIONS_DIR}/{safe}.yaml")
}

/// Every file of a model directory, by relative path.
pub fn model_files(m: &Model) -> Vec<(String, String)> {
    let mut files = vec![
        (MODEL_FILE.to_owned(), model_file(m)),
        (PARTIES_FILE.to_owned(), parties_file(&m.parties)),
        (SERVICES_FILE.to_owned(), services_file(&m.services)),
    ];
    let mut used: Vec<String> = Vec::new();
    for group in &m.allocations {
        let mut path = allocations_path(&group.service.id);
        let mut n = 2;
        while used.contains(&path) {
            path = format!("{}-{n}.yaml", path.trim_end_matches(".yaml"));
            n += 1;
        }
        used.push(path.clone());
        files.push((path, allocations_file(&group.service.id, &group.cells)));
    }
    files
}

/// Every file of a model directory for a model whose catalogues are not all built in (one
/// imported from OSCAL, say): the usual files, and each catalogue that is not built in as a
/// file of its own, `catalogue-<id>.yaml`, which `model.catalogues` is set to name.
pub fn model_files_with_catalogues(model: &mut Model) -> Vec<(String, String)> {
    let mut catalogue_files = Vec::new();
    let mut names = Vec::new();
    let one = model.catalogue.sources.len() == 1;
    for info in &model.catalogue.sources {
        if crate::builtin::get(&info.id).is_some() {
            names.push(info.id.clone());
            continue;
        }
        let name = format!("catalogue-{}.yaml", crate::init::slug(&info.id));
        let areas: Vec<Area> = model
            .catalogue
            .areas
            .iter()
            .filter(|a| a.catalogue == info.id)
            .cloned()
            .collect();
        // Presets name no catalogue: with one catalogue they are its own.
        let presets: &[Preset] = if one { &model.catalogue.presets } else { &[] };
        catalogue_files.push((name.clone(), catalogue_file(info, &areas, presets)));
        names.push(name);
    }
    model.catalogues = names;
    let mut files = model_files(model);
    files.extend(catalogue_files);
    files
}

/// Write a model directory so that nothing is half-written: everything goes to a temporary
/// directory beside the target, which then takes the target's place.
///
/// Files of an existing directory that `files` does not name are kept (catalogues, a README,
/// `.git`), except `allocations/`, which is replaced as a whole by the allocation files given.
pub fn write_dir(dir: &Path, files: &[(String, String)]) -> std::io::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let tmp = parent.join(format!(".{name}.demarc-tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp)?;
    }
    let result = (|| {
        std::fs::create_dir_all(tmp.join(ALLOCATIONS_DIR))?;
        if dir.is_dir() {
            // Keep what we do not write (catalogue files, README, .git, ...).
            copy_others(dir, &tmp, files)?;
        }
        for (rel, text) in files {
            let p = tmp.join(rel);
            if let Some(d) = p.parent() {
                std::fs::create_dir_all(d)?;
            }
            std::fs::write(p, text)?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    if dir.exists() {
        let old = parent.join(format!(".{name}.demarc-old-{}", std::process::id()));
        std::fs::rename(dir, &old)?;
        if let Err(e) = std::fs::rename(&tmp, dir) {
            let _ = std::fs::rename(&old, dir);
            return Err(e);
        }
        std::fs::remove_dir_all(&old)?;
    } else {
        std::fs::rename(&tmp, dir)?;
    }
    Ok(())
}

fn copy_others(from: &Path, to: &Path, files_written: &[(String, String)]) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        let n = name.to_string_lossy();
        if n == ALLOCATIONS_DIR || files_written.iter().any(|(rel, _)| *rel == n) {
            continue;
        }
        copy_tree(&entry.path(), &to.join(&name))?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        Ok(())
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

/// A catalogue file: what `parse_catalogue` reads back as the same catalogue (for one
/// catalogue: its info, its areas and its presets).
pub fn catalogue_file(info: &CatalogueInfo, areas: &[Area], presets: &[Preset]) -> String {
    let mut out = String::new();
    out.push_str("catalogue:\n");
    let _ = writeln!(out, "  id: {}", scalar(&info.id));
    text(&mut out, 2, "title", &info.title);
    opt(&mut out, 2, "version", &info.version);
    opt(&mut out, 2, "licence", &info.licence);
    opt(&mut out, 2, "source", &info.source);
    opt(&mut out, 2, "description", &info.description);
    if areas.is_empty() {
        out.push_str("areas: []\n");
    } else {
        out.push_str("areas:\n");
    }
    for a in areas {
        let _ = writeln!(out, "  - id: {}", scalar(&a.id));
        text(&mut out, 4, "title", &a.title);
        opt(&mut out, 4, "description", &a.description);
        if a.responsibilities.is_empty() {
            continue;
        }
        out.push_str("    responsibilities:\n");
        for r in &a.responsibilities {
            let _ = writeln!(out, "      - id: {}", scalar(&r.id));
            text(&mut out, 8, "title", &r.title);
            opt(&mut out, 8, "description", &r.description);
            if r.layer != Layer::Governance {
                let _ = writeln!(out, "        layer: {}", r.layer.as_str());
            }
            if r.retained {
                out.push_str("        retained: true\n");
            }
            if !r.mappings.is_empty() {
                out.push_str("        mappings:\n");
                for (k, ids) in &r.mappings {
                    let ids: Vec<String> = ids.iter().map(|i| flow_scalar(i)).collect();
                    let _ = writeln!(out, "          {}: [{}]", scalar(k), ids.join(", "));
                }
            }
            if !r.suggested_tasks.is_empty() {
                out.push_str("        suggested_tasks:\n");
                for t in &r.suggested_tasks {
                    let _ = writeln!(out, "          - kind: {}", t.kind.as_str());
                    text(&mut out, 12, "description", &t.description);
                }
            }
            if !r.statements.is_empty() {
                out.push_str("        statements:\n");
                for s in &r.statements {
                    let _ = writeln!(out, "          - id: {}", scalar(&s.id));
                    text(&mut out, 12, "text", &s.text);
                }
            }
        }
    }
    if !presets.is_empty() {
        out.push_str("presets:\n");
        for p in presets {
            let _ = writeln!(out, "  - id: {}", scalar(&p.id));
            text(&mut out, 4, "title", &p.title);
            opt(&mut out, 4, "description", &p.description);
            if let Some(m) = p.service_model {
                let _ = writeln!(out, "    service_model: {}", m.as_str());
            }
            if p.entries.is_empty() {
                continue;
            }
            out.push_str("    allocations:\n");
            for e in &p.entries {
                let mut cell = String::new();
                allocation(&mut cell, 6, &e.allocation);
                if e.expected || e.why.is_some() {
                    // The long form, with the preset-only keys after the allocation's own.
                    let key = scalar(&e.allocation.responsibility.id);
                    if cell.lines().count() == 1 {
                        cell = format!(
                            "      {key}:\n        status: {}\n",
                            e.allocation.status.as_str()
                        );
                    }
                    if e.expected {
                        cell.push_str("        expected: true\n");
                    }
                    opt(&mut cell, 8, "why", &e.why);
                }
                out.push_str(&cell);
            }
        }
    }
    out
}
