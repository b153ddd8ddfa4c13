//! Reading and writing, end to end: YAML model directories and the matrix CSV read back what
//! they write (for any model, with awkward text), the starter models and the JSON Schema are
//! sound, the example models load and check as documented, and the exported documents of the
//! Riverside example are pinned as snapshots.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use demarc_core::check::check;
use demarc_core::diff::diff;
use demarc_core::model::{
    Allocation, Area, Catalogue, CatalogueInfo, Contest, Evidence, Implementation, Loc, Model,
    Party, Person, Ref, Responsibility, Review, Role, Service, ServiceAllocations, Statement, Task,
    Terms,
};
use demarc_core::report::MatrixFilter;
use demarc_core::view::Origin;
use demarc_core::{Code, Date, ServiceModel, Status, TaskKind, View};
use demarc_formats::schema::{SchemaFile, all_schema, schema};
use demarc_formats::yaml::{self, ModelFiles};
use demarc_formats::{builtin, init, matrix_csv};
use proptest::prelude::*;

fn today() -> Date {
    "2026-11-23".parse().unwrap()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn riverside() -> Model {
    yaml::load(&repo().join("examples/riverside")).unwrap_or_else(|e| panic!("{}", e[0]))
}

fn files_cleared(mut m: Model) -> Model {
    m.files.clear();
    m
}

fn parse_files(files: Vec<(String, String)>) -> Model {
    yaml::parse(&ModelFiles {
        files: files.clone(),
    })
    .unwrap_or_else(|e| {
        let shown: Vec<String> = files.iter().map(|(n, t)| format!("--- {n}\n{t}")).collect();
        panic!(
            "{}\n{}",
            e.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            shown.join("\n")
        )
    })
}

// ---------------------------------------------------------------------------------------------
// The example models
// ---------------------------------------------------------------------------------------------

#[test]
fn riverside_loads_and_checks_clean() {
    let m = riverside();
    let view = View::new(&m);
    let findings = check(&view, today());
    assert!(findings.is_empty(), "{findings:#?}");
    assert_eq!(view.services().len(), 4);
    assert_eq!(view.responsibilities().len(), 17);
}

#[test]
fn broken_examples_load_and_report_their_code() {
    for code in Code::model_codes() {
        let dir = repo().join("examples/broken").join(code.as_str());
        let m = yaml::load(&dir).unwrap_or_else(|e| panic!("{code}: {}", e[0]));
        let view = View::new(&m);
        let findings = check(&view, today());
        let codes: Vec<Code> = findings.iter().map(|f| f.code).collect();
        assert_eq!(codes, vec![code], "{code}: {findings:#?}");
        // The finding points into one of the model's files.
        let f = &findings[0];
        assert!(m.file_name(f.loc).is_some(), "{code}: {f:?}");
    }
}

#[test]
fn riverside_writes_and_reads_back_the_same() {
    let m = riverside();
    let again = files_cleared(parse_files(yaml::write::model_files(&m)));
    assert_eq!(again, files_cleared(m.clone()));
    assert!(diff(&View::new(&m), &View::new(&again)).is_empty());
}

#[test]
fn riverside_matrix_csv_reads_back_the_same() {
    let m = riverside();
    let view = View::new(&m);
    let text = matrix_csv::write(&view, MatrixFilter::default()).unwrap();
    let allocations = matrix_csv::read(&m, &text).unwrap_or_else(|e| panic!("{e:?}"));
    let back = Model {
        allocations,
        ..m.clone()
    };
    let d = diff(&view, &View::new(&back));
    assert!(d.is_empty(), "{:#?}", d.changes);
}

#[test]
fn riverside_matrix_csv_keeps_preset_cells_implicit() {
    let m = riverside();
    let view = View::new(&m);
    let text = matrix_csv::write(&view, MatrixFilter::default()).unwrap();
    let allocations = matrix_csv::read(&m, &text).unwrap();
    let back = Model {
        allocations,
        ..m.clone()
    };
    let back_view = View::new(&back);
    for (s, r, cell) in view.cells() {
        assert_eq!(
            back_view.cell(s, r).origin == Origin::Explicit,
            cell.origin == Origin::Explicit,
            "{} / {}",
            view.service(s).id,
            view.responsibility(r).id
        );
    }
}

/// The sheet with one cell row's status replaced, and the 1-based line that row is on.
fn sheet_with_bad_status(line_end: &str) -> (String, u64) {
    let rows = [
        "service,responsibility,status,owner",
        "it-support,identify-new-threats,customer,",
        "it-support,identify-new-vulnerabilities,customer,",
        "it-support,mitigate-new-threats,sometimes,",
    ];
    (rows.join(line_end) + line_end, 4)
}

#[test]
fn csv_errors_name_line_and_column() {
    let m = riverside();
    let (text, line) = sheet_with_bad_status("\n");
    let errors = matrix_csv::read(&m, &text).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, line);
    assert_eq!(errors[0].column, Some("status"));
    assert!(
        errors[0]
            .to_string()
            .starts_with(&format!("line {line}, column status: "))
    );
    assert!(errors[0].message.contains("sometimes"));
}

#[test]
fn csv_errors_name_the_right_line_with_crlf() {
    let m = riverside();
    let (text, line) = sheet_with_bad_status("\r\n");
    let errors = matrix_csv::read(&m, &text).unwrap_err();
    assert_eq!(errors[0].line, line, "{errors:?}");
}

#[test]
fn csv_rejects_task_rows_out_of_place_and_unknown_ids() {
    let m = riverside();
    let cases = [
        (
            "service,responsibility,status,owner\nit-support,identify-new-threats,,acme-it\n",
            "owner",
        ),
        (
            "service,responsibility,status,owner\nit-support,identify-new-threats,shared,\nit-support,identify-new-threats,shared,acme-it\n",
            "status",
        ),
        (
            "service,responsibility,status,owner,kind\nit-support,identify-new-threats,shared,,\nit-support,identify-new-threats,,acme-it,sometimes\n",
            "kind",
        ),
        (
            "service,responsibility,status,owner\nit-support,identify-new-threats,shared,\nit-support,identify-new-threats,shared,\n",
            "responsibility",
        ),
        (
            "service,responsibility,status,owner,review_by\nit-support,identify-new-threats,customer,,31/12/2026\n",
            "review_by",
        ),
        (
            "service,responsibility,status,owner,contested_comment\nit-support,identify-new-threats,customer,,no\n",
            "contested_by",
        ),
        (
            "service,responsibility,status,owner,origin\nit-support,identify-new-threats,customer,,somewhere\n",
            "origin",
        ),
        (
            "service,responsibility,status,owner,evidence\nit-support,identify-new-threats,customer,,Report (expires 2026-02-30)\n",
            "evidence",
        ),
    ];
    for (text, column) in cases {
        let errors = matrix_csv::read(&m, text).unwrap_err();
        assert!(
            errors.iter().any(|e| e.column == Some(column)),
            "{column}: {errors:?}"
        );
        assert!(errors.iter().all(|e| e.line >= 1), "{errors:?}");
    }
    // Ragged rows are an error too, not a panic.
    assert!(matrix_csv::read(&m, "service,responsibility,status,owner\na,b\n").is_err());
    assert!(matrix_csv::read(&m, "").is_err());
}

// ---------------------------------------------------------------------------------------------
// Starter models and the schema
// ---------------------------------------------------------------------------------------------

#[test]
fn every_starter_model_parses_and_is_all_gaps() {
    for name in builtin::names() {
        for &sm in &ServiceModel::ALL {
            let files = init::starter(name, "St Mary's: \"The\" School #1", sm, today()).unwrap();
            let m = parse_files(files);
            assert_eq!(m.name, "St Mary's: \"The\" School #1 — IT services");
            assert_eq!(m.catalogues, vec![name.to_owned()]);
            let view = View::new(&m);
            let findings = check(&view, today());
            assert!(
                findings.iter().all(|f| f.code == Code::Gap),
                "{name}/{sm:?}: {findings:#?}"
            );
            assert_eq!(
                findings.len(),
                view.responsibilities().len(),
                "{name}/{sm:?}"
            );
        }
    }
    assert!(init::starter("nope", "x", ServiceModel::Saas, today()).is_err());
}

fn schema_json(file: SchemaFile) -> serde_json::Value {
    serde_json::from_str(&schema(file)).unwrap_or_else(|e| panic!("{}: {e}", file.as_str()))
}

#[test]
fn schemas_are_json_and_name_every_top_level_key() {
    let expected: [(SchemaFile, &[&str], &[&str]); 5] = [
        (
            SchemaFile::Model,
            &["name", "customer", "catalogues", "version", "review"],
            &["name", "customer"],
        ),
        (SchemaFile::Parties, &["parties"], &[]),
        (SchemaFile::Services, &["services"], &[]),
        (
            SchemaFile::Allocations,
            &["service", "responsibilities"],
            &["service"],
        ),
        (
            SchemaFile::Catalogue,
            &["catalogue", "areas", "presets"],
            &[],
        ),
    ];
    for (file, keys, required) in expected {
        let j = schema_json(file);
        assert!(
            j["$schema"].as_str().is_some_and(|s| s.contains("2020-12")),
            "{}",
            file.as_str()
        );
        assert_eq!(j["type"], "object");
        assert_eq!(
            j["additionalProperties"],
            false,
            "{}: unknown keys are rejected",
            file.as_str()
        );
        let props: BTreeSet<&str> = j["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(props, keys.iter().copied().collect(), "{}", file.as_str());
        let req: BTreeSet<&str> = j["required"]
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(req, required.iter().copied().collect(), "{}", file.as_str());
    }
    let all: serde_json::Value = serde_json::from_str(&all_schema()).unwrap();
    assert!(all["$schema"].is_string());
    assert_eq!(all["anyOf"].as_array().unwrap().len(), 5);
}

/// The keys of every map in a YAML text, except maps whose keys are ids or names chosen by the
/// author (responsibility ids under `responsibilities` and `allocations`, framework names under
/// `mappings`).
fn yaml_keys(text: &str) -> BTreeSet<String> {
    fn walk(v: &serde_json::Value, out: &mut BTreeSet<String>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    out.insert(k.clone());
                    let ids_as_keys =
                        matches!(k.as_str(), "responsibilities" | "allocations" | "mappings");
                    match v {
                        serde_json::Value::Object(inner) if ids_as_keys => {
                            inner.values().for_each(|v| walk(v, out))
                        }
                        _ => walk(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let value: serde_json::Value = serde_saphyr::from_str(text).unwrap();
    let mut out = BTreeSet::new();
    walk(&value, &mut out);
    out
}

#[test]
fn every_key_the_examples_and_catalogues_use_is_in_the_schema() {
    let text = all_schema();
    let mut texts: Vec<(String, String)> = Vec::new();
    let dirs = std::iter::once(repo().join("examples/riverside")).chain(
        std::fs::read_dir(repo().join("examples/broken"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir()),
    );
    for dir in dirs {
        texts.extend(yaml::read_dir(&dir).unwrap().files);
    }
    for (name, t) in builtin::CATALOGUES {
        texts.push(((*name).to_owned(), (*t).to_owned()));
    }
    let mut seen = BTreeSet::new();
    for (file, t) in &texts {
        for key in yaml_keys(t) {
            assert!(
                text.contains(&format!("\"{key}\"")),
                "{file}: key `{key}` is not in the schema"
            );
            seen.insert(key);
        }
    }
    // The walk found the keys of nested maps too.
    for key in [
        "owner",
        "kind",
        "expires",
        "expected",
        "why",
        "signatory",
        "built_on",
        "review",
    ] {
        assert!(seen.contains(key), "{key} not seen");
    }
}

// ---------------------------------------------------------------------------------------------
// YAML round trip of random models with awkward text
// ---------------------------------------------------------------------------------------------

const AWKWARD: &[&str] = &[
    "plain words",
    "Riverside Community Trust — IT services",
    " leading space",
    "trailing space ",
    "   ",
    "key: value",
    "ends with colon:",
    "a:b",
    "# not a comment",
    "a # b",
    "\"double\" quotes",
    "'single' quotes",
    "it's",
    "naïve café — 日本語 ✓ 🎉",
    "two\nlines",
    "ends with a newline\n",
    "ends with two newlines\n\n",
    "\nstarts with a newline",
    "a\n\n\nthree newlines",
    "line\n  indented line",
    "trailing space\non a line \nhere",
    "carriage\r\nreturn",
    "tab\there",
    "bell\u{7}",
    "yes",
    "No",
    "TRUE",
    "null",
    "~",
    "1.0",
    "1e3",
    "0x1F",
    "0o17",
    "-1",
    ".5",
    "2026-01-01",
    "2026-01-01T10:00:00Z",
    "12:30",
    "",
    "-",
    "- dash",
    "? question",
    "[brackets]",
    "{braces}",
    "a, b",
    "*star",
    "&amp",
    "!bang",
    "|pipe",
    ">gt",
    "%percent",
    "@at",
    "`tick`",
    "\\backslash",
    "https://example.org/a?b=c#d",
    "...",
    "---",
    "\u{feff}bom",
    "nel\u{85}here",
    "line\u{2028}separator",
    "del\u{7f}in the middle",
    "c1\u{9b}control",
    "not\u{fffe}a character",
    "\u{ffff}",
    "para\u{2029}graph",
];

fn awkward() -> impl Strategy<Value = String> {
    prop::sample::select(AWKWARD).prop_map(str::to_owned)
}

fn a_date() -> impl Strategy<Value = Date> {
    (2000i32..=2099, 1u8..=12, 1u8..=31)
        .prop_filter_map("a real date", |(y, m, d)| Date::new(y, m, d))
}

const L: Option<Loc> = Some(Loc {
    file: 0,
    line: 0,
    column: 0,
});

fn r(id: String) -> Ref {
    Ref { id, loc: L }
}

fn evidences() -> impl Strategy<Value = Vec<Evidence>> {
    prop::collection::vec(
        (
            awkward(),
            prop::option::of(a_date()),
            prop::option::of(a_date()),
        )
            .prop_map(|(description, collected, expires)| Evidence {
                description,
                collected,
                expires,
            }),
        0..=2,
    )
}

fn terms() -> impl Strategy<Value = Terms> {
    (
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        evidences(),
        prop::option::of(awkward()),
    )
        .prop_map(
            |(description, scope, frequency, sla, evidence, contract)| Terms {
                description,
                scope,
                frequency,
                sla,
                evidence,
                contract,
            },
        )
}

fn task() -> impl Strategy<Value = Task> {
    (
        prop::collection::vec(awkward(), 0..=3),
        prop::option::of(awkward()),
        prop::sample::select(TaskKind::ALL.to_vec()),
        prop::option::weighted(0.3, awkward()),
        terms(),
    )
        .prop_map(|(owners, role, kind, statement, terms)| Task {
            owners: owners.into_iter().map(r).collect(),
            role: role.map(r),
            kind,
            statement,
            terms,
            loc: L,
        })
}

fn allocation() -> impl Strategy<Value = Allocation> {
    (
        awkward(),
        prop::sample::select(Status::ALL.to_vec()),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        prop::option::weighted(0.3, terms()),
        prop::collection::vec(task(), 0..=2),
        prop::option::weighted(0.2, (awkward(), awkward())),
        prop::option::of(a_date()),
        prop::option::of(prop::sample::select(Implementation::ALL.to_vec())),
        prop::option::of(awkward()),
    )
        .prop_map(
            |(
                resp,
                status,
                reason,
                from,
                terms,
                tasks,
                contested,
                review_by,
                implementation,
                note,
            )| Allocation {
                responsibility: r(resp),
                status,
                reason,
                from: from.map(r),
                terms: terms.unwrap_or_default(),
                tasks,
                contested: contested.map(|(by, comment)| Contest { by: r(by), comment }),
                review_by,
                implementation,
                note,
                loc: L,
            },
        )
}

fn person() -> impl Strategy<Value = Person> {
    (
        awkward(),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        any::<bool>(),
    )
        .prop_map(|(name, email, role, title, signatory)| Person {
            name,
            email,
            role: role.map(r),
            title,
            signatory,
        })
}

fn party() -> impl Strategy<Value = Party> {
    (
        awkward(),
        awkward(),
        prop::option::of(awkward()),
        prop::option::of(awkward()),
        prop::collection::vec((awkward(), awkward()), 0..=2),
        prop::collection::vec(person(), 0..=2),
    )
        .prop_map(|(id, name, kind, description, roles, people)| Party {
            id,
            name,
            kind,
            description,
            roles: roles
                .into_iter()
                .map(|(id, name)| Role { id, name, loc: L })
                .collect(),
            people,
            loc: L,
        })
}

fn service() -> impl Strategy<Value = Service> {
    (
        (
            awkward(),
            awkward(),
            prop::option::of(awkward()),
            awkward(),
            prop::option::of(awkward()),
        ),
        prop::option::of(prop::sample::select(ServiceModel::ALL.to_vec())),
        prop::collection::vec(awkward(), 0..=2),
        prop::option::of(prop::collection::vec(awkward(), 0..=2)),
        prop::option::of(awkward()),
        evidences(),
        prop::collection::vec(awkward(), 0..=2),
    )
        .prop_map(
            |(
                (id, name, description, provider, customer),
                model,
                built_on,
                presets,
                contract,
                evidence,
                components,
            )| Service {
                id,
                name,
                description,
                provider: r(provider),
                customer: customer.map(r),
                model,
                built_on: built_on.into_iter().map(r).collect(),
                presets: presets.map(|ps| ps.into_iter().map(r).collect()),
                contract,
                evidence,
                components,
                loc: L,
            },
        )
}

/// Any model the files can hold: every string awkward, every optional field sometimes there,
/// one or more built-in catalogues.
fn any_model() -> impl Strategy<Value = Model> {
    (
        (awkward(), awkward(), prop::option::of(awkward())),
        (prop::option::of(a_date()), prop::option::of(a_date())),
        prop::sample::subsequence(builtin::names(), 1..=2),
        prop::collection::vec(party(), 0..=3),
        prop::collection::vec(service(), 0..=3),
        prop::collection::vec(
            (awkward(), prop::collection::vec(allocation(), 0..=3)),
            0..=3,
        ),
    )
        .prop_map(
            |((name, customer, version), (last, next), catalogues, parties, services, groups)| {
                let mut catalogue = demarc_core::Catalogue::default();
                for c in &catalogues {
                    catalogue.merge(builtin::catalogue(c).unwrap());
                }
                Model {
                    files: Vec::new(),
                    name,
                    customer: r(customer),
                    version,
                    review: if last.is_none() && next.is_none() {
                        Review::default()
                    } else {
                        Review { last, next, loc: L }
                    },
                    catalogues: catalogues.into_iter().map(str::to_owned).collect(),
                    catalogue,
                    parties,
                    services,
                    // One file cannot hold the same key twice (the reader rejects it, so no model read
                    // from files has that): keep the first cell of each responsibility in a group.
                    allocations: groups
                        .into_iter()
                        .map(|(service, mut cells)| {
                            let mut seen = BTreeSet::new();
                            cells.retain(|c| seen.insert(c.responsibility.id.clone()));
                            ServiceAllocations {
                                service: r(service),
                                cells,
                            }
                        })
                        .collect(),
                }
            },
        )
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // PROPTEST_CASES=5000 for a longer search.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(200),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The reader refuses ids that cannot travel (commas, spaces, ...), so the round trip maps
/// every id — where defined and where referred to — through one function to a valid one; the
/// awkward text stays in names, descriptions and terms, which is what the writer must carry.
fn with_valid_ids(mut m: Model) -> Model {
    fn f(id: &mut String) {
        if !yaml::valid_id(id) {
            let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            *id = format!("id-{hash:016x}");
        }
    }
    fn fr(r: &mut Ref) {
        f(&mut r.id);
    }
    fn fa(a: &mut Allocation) {
        fr(&mut a.responsibility);
        a.from.as_mut().map(fr);
        for t in &mut a.tasks {
            t.owners.iter_mut().for_each(fr);
            t.role.as_mut().map(fr);
        }
        if let Some(c) = &mut a.contested {
            fr(&mut c.by);
        }
    }
    fr(&mut m.customer);
    for p in &mut m.parties {
        f(&mut p.id);
        p.roles.iter_mut().for_each(|r| f(&mut r.id));
        p.people.iter_mut().for_each(|x| {
            x.role.as_mut().map(fr);
        });
    }
    for s in &mut m.services {
        f(&mut s.id);
        fr(&mut s.provider);
        s.customer.as_mut().map(fr);
        s.built_on.iter_mut().for_each(fr);
        if let Some(ps) = &mut s.presets {
            ps.iter_mut().for_each(fr);
        }
    }
    for a in &mut m.catalogue.areas {
        f(&mut a.id);
        a.responsibilities.iter_mut().for_each(|r| f(&mut r.id));
    }
    for p in &mut m.catalogue.presets {
        f(&mut p.id);
        p.entries.iter_mut().for_each(|e| fa(&mut e.allocation));
    }
    for g in &mut m.allocations {
        fr(&mut g.service);
        g.cells.iter_mut().for_each(fa);
    }
    m
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn yaml_round_trip(m in any_model().prop_map(with_valid_ids)) {
        let files = yaml::write::model_files(&m);
        let back = yaml::parse(&ModelFiles { files: files.clone() });
        let back = match back {
            Ok(b) => b,
            Err(e) => {
                let shown: Vec<String> = files.iter().map(|(n, t)| format!("--- {n}\n{t}")).collect();
                return Err(TestCaseError::fail(format!("{}\n{}", e[0], shown.join("\n"))));
            }
        };
        prop_assert_eq!(files_cleared(back), m);
    }

    /// JSON is YAML too: a model whose files are written as JSON (as a tool generating models
    /// would) reads back the same, through the same reader — up to the order of map keys,
    /// which JSON does not keep.
    #[test]
    fn json_round_trip(m in any_model().prop_map(with_valid_ids)) {
        let files: Vec<(String, String)> = yaml::write::model_files(&m)
            .into_iter()
            .map(|(name, text)| {
                let value: serde_json::Value = serde_saphyr::from_str(&text)
                    .unwrap_or_else(|e| panic!("{name} does not read as a value: {e}\n{text}"));
                // JSON leaves DEL and C1 controls raw, which YAML forbids: escape them (the
                // escapes are JSON too).
                let json: String = serde_json::to_string_pretty(&value)
                    .unwrap()
                    .chars()
                    .map(|c| match c {
                        '\u{7f}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}' => format!("\\u{:04X}", u32::from(c)),
                        c => c.to_string(),
                    })
                    .collect();
                (name, json)
            })
            .collect();
        let back = match yaml::parse(&ModelFiles { files: files.clone() }) {
            Ok(b) => b,
            Err(e) => {
                let shown: Vec<String> = files.iter().map(|(n, t)| format!("--- {n}\n{t}")).collect();
                return Err(TestCaseError::fail(format!("{}\n{}", e[0], shown.join("\n"))));
            }
        };
        // JSON objects have no order: compare with the cells of each map in id order.
        fn by_id(mut m: Model) -> Model {
            for g in &mut m.allocations {
                g.cells.sort_by(|a, b| a.responsibility.id.cmp(&b.responsibility.id));
            }
            m
        }
        prop_assert_eq!(by_id(files_cleared(back)), by_id(m));
    }
}

#[test]
fn yaml_round_trip_of_line_breaks_yaml_knows() {
    for s in [
        "nel\u{85}here",
        "line\u{2028}separator",
        "para\u{2029}graph",
    ] {
        let m = Model {
            name: s.to_owned(),
            customer: r("c".into()),
            catalogues: vec!["twt".into()],
            catalogue: builtin::catalogue("twt").unwrap(),
            ..Model::default()
        };
        let back = parse_files(yaml::write::model_files(&m));
        assert_eq!(back.name, s);
    }
}

// ---------------------------------------------------------------------------------------------
// CSV round trip of random models over a built-in catalogue
// ---------------------------------------------------------------------------------------------

/// Text a spreadsheet cell keeps: never empty (an empty cell reads as "not written").
const SHEET_TEXT: &[&str] = &[
    "plain words",
    "commas, and \"quotes\"",
    "two\nlines",
    " leading space",
    "trailing space ",
    "naïve café — 日本語",
    "=1+2",
    "'apostrophe",
    "a; b",
    "Report (annual)",
];

/// Evidence descriptions: one line, no trailing space, nothing that looks like dates.
const SHEET_EVIDENCE: &[&str] = &[
    "ISO/IEC 27001 certificate",
    "Monthly report, signed",
    "Report (annual)",
    "naïve café",
];

fn sheet_text() -> impl Strategy<Value = String> {
    prop::sample::select(SHEET_TEXT).prop_map(str::to_owned)
}

fn sheet_terms() -> impl Strategy<Value = Terms> {
    (
        prop::option::of(sheet_text()),
        prop::option::of(sheet_text()),
        prop::option::of(sheet_text()),
        prop::option::of(sheet_text()),
        prop::collection::vec(
            (
                prop::sample::select(SHEET_EVIDENCE),
                prop::option::of(a_date()),
                prop::option::of(a_date()),
            )
                .prop_map(|(d, collected, expires)| Evidence {
                    description: d.to_owned(),
                    collected,
                    expires,
                }),
            0..=2,
        ),
        prop::option::of(sheet_text()),
    )
        .prop_map(
            |(description, scope, frequency, sla, evidence, contract)| Terms {
                description,
                scope,
                frequency,
                sla,
                evidence,
                contract,
            },
        )
}

const PARTIES: [&str; 3] = ["org", "msp", "cloud"];

fn sheet_model() -> impl Strategy<Value = Model> {
    let twt = builtin::catalogue("twt").unwrap();
    let resps: Vec<String> = twt.responsibilities().map(|(_, r)| r.id.clone()).collect();
    let owner = prop::sample::select(vec![
        "org", "msp", "cloud", "provider", "customer", "stranger",
    ]);
    let task = (
        prop::collection::vec(owner.clone(), 1..=2),
        prop::option::of(Just("lead")),
        prop::sample::select(TaskKind::ALL.to_vec()),
        prop::option::of(sheet_text()),
        sheet_terms(),
    )
        .prop_map(|(owners, role, kind, statement, terms)| Task {
            owners: owners.into_iter().map(Ref::new).collect(),
            role: role.map(Ref::new),
            kind,
            statement,
            terms,
            loc: None,
        });
    let alloc = (
        prop::sample::select(resps),
        prop::sample::select(Status::ALL.to_vec()),
        prop::option::of(sheet_text()),
        prop::option::of(prop::sample::select(vec!["s0", "s1", "s2", "elsewhere"])),
        sheet_terms(),
        prop::collection::vec(task, 0..=3),
        prop::option::weighted(0.2, (owner, prop::option::of(sheet_text()))),
        prop::option::of(a_date()),
        prop::option::of(prop::sample::select(Implementation::ALL.to_vec())),
        prop::option::of(sheet_text()),
    )
        .prop_map(
            |(
                resp,
                status,
                reason,
                from,
                terms,
                tasks,
                contested,
                review_by,
                implementation,
                note,
            )| Allocation {
                responsibility: Ref::new(resp),
                status,
                reason,
                from: from.map(Ref::new),
                terms,
                tasks,
                contested: contested.map(|(by, comment)| Contest {
                    by: Ref::new(by),
                    comment: comment.unwrap_or_default(),
                }),
                review_by,
                implementation,
                note,
                loc: None,
            },
        );
    let service = (
        prop::sample::select(PARTIES.to_vec()),
        prop::option::of(prop::sample::select(ServiceModel::ALL.to_vec())),
        prop::collection::vec(prop::sample::select(vec!["s0", "s1", "s2"]), 0..=2),
    );
    (
        prop::collection::vec(service, 1..=3),
        prop::collection::vec((0usize..3, prop::collection::vec(alloc, 0..=8)), 0..=4),
    )
        .prop_map(move |(services, groups)| {
            let services: Vec<Service> = services
                .into_iter()
                .enumerate()
                .map(|(i, (provider, model, built_on))| Service {
                    id: format!("s{i}"),
                    name: format!("Service {i}"),
                    provider: Ref::new(provider),
                    model,
                    built_on: built_on.into_iter().map(Ref::new).collect(),
                    ..Service::default()
                })
                .collect();
            let n = services.len();
            Model {
                name: "Sheet".into(),
                customer: Ref::new("org"),
                catalogues: vec!["twt".into()],
                catalogue: twt.clone(),
                parties: PARTIES
                    .iter()
                    .map(|p| Party {
                        id: (*p).into(),
                        name: p.to_uppercase(),
                        roles: vec![Role {
                            id: "lead".into(),
                            name: "Lead".into(),
                            loc: None,
                        }],
                        ..Party::default()
                    })
                    .collect(),
                services,
                allocations: groups
                    .into_iter()
                    .map(|(s, cells)| ServiceAllocations {
                        service: Ref::new(format!("s{}", s % n)),
                        cells,
                    })
                    .collect(),
                ..Model::default()
            }
        })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matrix_csv_round_trip(m in sheet_model()) {
        let view = View::new(&m);
        let text = matrix_csv::write(&view, MatrixFilter::default()).unwrap();
        let allocations = match matrix_csv::read(&m, &text) {
            Ok(a) => a,
            Err(e) => return Err(TestCaseError::fail(format!("{e:?}\n{text}"))),
        };
        let back = Model { allocations, ..m.clone() };
        let back_view = View::new(&back);
        let d = diff(&view, &back_view);
        prop_assert!(d.is_empty(), "{:#?}\n{}", d.changes, text);
        // What was written in the model reads back as the same values.
        for (s, r, cell) in view.cells() {
            if cell.origin == Origin::Explicit {
                let again = back_view.cell(s, r);
                prop_assert_eq!(again.origin, Origin::Explicit);
                prop_assert_eq!(again.allocation, cell.allocation);
            }
        }
        // Cells from presets stay with their presets, and what nobody wrote stays unwritten.
        for (s, r, cell) in view.cells() {
            prop_assert_eq!(back_view.cell(s, r).origin, cell.origin);
        }
        // So the sheet written from what was read is the same sheet.
        let text2 = matrix_csv::write(&back_view, MatrixFilter::default()).unwrap();
        prop_assert_eq!(text, text2);
    }
}

// ---------------------------------------------------------------------------------------------
// Exported documents of the Riverside example, pinned
// ---------------------------------------------------------------------------------------------

mod exports {
    use demarc_core::View;
    use demarc_core::check::check;
    use demarc_formats::export::{ExportError, ExportOptions, Format, What, export};

    use super::{riverside, today};

    fn render(what: What, format: Format) -> String {
        let m = riverside();
        let view = View::new(&m);
        let findings = check(&view, today());
        let opts = ExportOptions {
            what,
            format,
            party: (what == What::Schedule).then_some("acme-it"),
            service: None,
            today: today(),
        };
        let text =
            export(&view, &findings, &opts).unwrap_or_else(|e| panic!("{what} {format}: {e}"));
        // The same input gives the same bytes.
        assert_eq!(
            export(&view, &findings, &opts).unwrap(),
            text,
            "{what} {format}"
        );
        assert!(!text.trim().is_empty(), "{what} {format}");
        match format {
            Format::Json => {
                serde_json::from_str::<serde_json::Value>(&text)
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
            }
            Format::Html => {
                assert!(text.starts_with("<!DOCTYPE html>"), "{what}");
                assert!(text.trim_end().ends_with("</html>"), "{what}");
            }
            Format::Csv => {
                let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
                let width = rdr.headers().unwrap().len();
                for rec in rdr.records() {
                    assert_eq!(rec.unwrap().len(), width, "{what}: a ragged CSV row");
                }
            }
            Format::Markdown => assert!(text.starts_with("# "), "{what}"),
        }
        text
    }

    macro_rules! snapshots {
        ($($name:ident: $what:ident, $format:ident;)*) => {$(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), render(What::$what, Format::$format));
            }
        )*};
    }

    snapshots! {
        riverside_matrix_md: Matrix, Markdown;
        riverside_matrix_html: Matrix, Html;
        riverside_matrix_csv: Matrix, Csv;
        riverside_matrix_json: Matrix, Json;
        riverside_schedule_acme_it_md: Schedule, Markdown;
        riverside_schedule_acme_it_html: Schedule, Html;
        riverside_schedule_acme_it_csv: Schedule, Csv;
        riverside_schedule_acme_it_json: Schedule, Json;
        riverside_policy_annex_md: PolicyAnnex, Markdown;
        riverside_policy_annex_html: PolicyAnnex, Html;
        riverside_policy_annex_csv: PolicyAnnex, Csv;
        riverside_policy_annex_json: PolicyAnnex, Json;
        riverside_summary_md: Summary, Markdown;
        riverside_summary_html: Summary, Html;
        riverside_summary_csv: Summary, Csv;
        riverside_summary_json: Summary, Json;
    }

    #[test]
    fn every_document_in_every_format_is_pinned() {
        // The table above covers What::ALL × Format::ALL: 16 snapshots.
        assert_eq!(What::ALL.len() * Format::ALL.len(), 16);
    }

    #[test]
    fn export_errors_are_errors_not_documents() {
        let m = riverside();
        let view = View::new(&m);
        let findings = check(&view, today());
        let opts = |what, party, service| ExportOptions {
            what,
            format: Format::Markdown,
            party,
            service,
            today: today(),
        };
        let err = |o: ExportOptions<'_>| export(&view, &findings, &o).unwrap_err();
        assert!(matches!(
            err(opts(What::Schedule, None, None)),
            ExportError::PartyRequired { .. }
        ));
        assert!(matches!(
            err(opts(What::Schedule, Some("riverside"), None)),
            ExportError::CustomerAsSupplier { .. }
        ));
        match err(opts(What::Schedule, Some("acme-itt"), None)) {
            ExportError::UnknownParty { suggestion, .. } => {
                assert_eq!(suggestion.as_deref(), Some("acme-it"))
            }
            e => panic!("{e}"),
        }
        assert!(matches!(
            err(opts(What::Matrix, None, Some("nope"))),
            ExportError::UnknownService { .. }
        ));
        assert!(matches!(
            err(opts(What::Summary, Some("acme-it"), None)),
            ExportError::Unsupported(_)
        ));
        assert!(matches!(
            err(opts(What::PolicyAnnex, None, Some("it-support"))),
            ExportError::Unsupported(_)
        ));
        // A schedule for one service only lists that service.
        let text = export(
            &view,
            &findings,
            &opts(What::Schedule, Some("acme-it"), Some("it-support")),
        )
        .unwrap();
        assert!(text.contains("Managed IT support"));
        assert!(!text.contains("## Microsoft 365"), "{text}");
    }
}

/// A catalogue written with `catalogue_file` reads back as the same catalogue: every built-in
/// one (presets with `expected` and `why` included) and one with statements and awkward text.
#[test]
fn catalogue_files_read_back_the_same() {
    let mut catalogues: Vec<Catalogue> = builtin::names()
        .into_iter()
        .map(|n| yaml::parse_catalogue(n, builtin::get(n).unwrap()).unwrap())
        .collect();
    catalogues.push(Catalogue {
        sources: vec![CatalogueInfo {
            id: "oscal-test".into(),
            title: "A: title with {braces}, # and 'quotes'".into(),
            version: Some("5.1.1".into()),
            licence: None,
            source: Some("catalog.json".into()),
            description: Some("two\nlines".into()),
        }],
        areas: vec![Area {
            id: "ac".into(),
            title: "Access Control".into(),
            description: None,
            catalogue: "oscal-test".into(),
            responsibilities: vec![Responsibility {
                id: "ac-2.1".into(),
                title: "AC-2(1) Automated System Account Management".into(),
                description: Some("Support the management of system accounts using [Assignment: organization-defined automated mechanisms].".into()),
                mappings: [("oscal".to_owned(), vec!["ac-2.1".to_owned()])].into(),
                statements: vec![
                    Statement { id: "ac-2_smt.a".into(), text: "a. Define and document the types of accounts allowed: ".into() },
                    Statement { id: "ac-2_smt.b".into(), text: "b. - not a list\n  and: not a map".into() },
                ],
                ..Responsibility::default()
            }],
            loc: None,
        }],
        presets: Vec::new(),
    });
    for c in catalogues {
        let text = yaml::write::catalogue_file(&c.sources[0], &c.areas, &c.presets);
        let back = yaml::parse_catalogue("written.yaml", &text)
            .unwrap_or_else(|e| panic!("{}: {}\n{text}", c.sources[0].id, e[0]));
        let strip = |c: &Catalogue| {
            let mut c = c.clone();
            c.areas.iter_mut().for_each(|a| {
                a.loc = None;
                a.responsibilities.iter_mut().for_each(|r| r.loc = None);
            });
            c.presets.iter_mut().for_each(|p| {
                p.loc = None;
                p.entries
                    .iter_mut()
                    .for_each(|e| e.allocation = e.allocation.without_locations());
            });
            c
        };
        assert_eq!(strip(&back), strip(&c), "{}", c.sources[0].id);
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing again after an edit
// ---------------------------------------------------------------------------------------------

/// One edit of a model's files: in file `file` (of those there are), line `line` (likewise),
/// `what` happens.
#[derive(Clone, Debug)]
struct Edit {
    file: usize,
    line: usize,
    what: EditKind,
}

#[derive(Clone, Debug)]
enum EditKind {
    /// Delete the line.
    Delete,
    /// Put this text in its place.
    Replace(String),
    /// Insert this line before it.
    Insert(String),
}

fn any_edit() -> impl Strategy<Value = Edit> {
    // Lines that fit an allocation file, and some that break it.
    let text = prop::sample::select(vec![
        "    status: customer",
        "    status: supplier",
        "    status: shared",
        "    status: bogus",
        "  backup-data:",
        "  made-up-responsibility:",
        "    note: changed by a test",
        "    note: \"quoted: text\"",
        "    review_by: 2020-01-01",
        "      - owner: nobody-known",
        "    expected: true",
        "  [flow]",
        "\t",
        "# a comment",
        "",
    ])
    .prop_map(str::to_owned);
    let what = prop_oneof![
        Just(EditKind::Delete),
        text.clone().prop_map(EditKind::Replace),
        text.prop_map(EditKind::Insert),
    ];
    (0usize..64, 0usize..400, what).prop_map(|(file, line, what)| Edit { file, line, what })
}

fn apply(files: &[(String, String)], e: &Edit) -> Vec<(String, String)> {
    let mut out = files.to_vec();
    let (_, text) = &mut out[e.file % files.len()];
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let at = e.line % (lines.len() + 1);
    match &e.what {
        EditKind::Delete if at < lines.len() => {
            lines.remove(at);
        }
        EditKind::Delete => {}
        EditKind::Replace(t) if at < lines.len() => lines[at].clone_from(t),
        EditKind::Replace(t) | EditKind::Insert(t) => lines.insert(at, t.clone()),
    }
    *text = lines.join("\n") + "\n";
    out
}

/// What a parse gave, as text to compare: the model (locations included) or the errors.
fn outcome(r: &Result<Model, Vec<yaml::LoadError>>) -> String {
    match r {
        Ok(m) => format!("{m:#?}"),
        Err(e) => e.iter().map(|e| format!("{e}\n")).collect(),
    }
}

proptest! {
    #![proptest_config(config())]

    /// After any run of edits, mostly to allocation files, reading the model again from the
    /// last model that read gives what reading it from scratch gives, model or errors.
    #[test]
    fn reparse_is_parse(edits in prop::collection::vec((any_edit(), 0u8..8), 1..6)) {
        let start = yaml::read_dir(&repo().join("examples/riverside")).unwrap();
        let allocation_files: Vec<usize> = start.files.iter().enumerate()
            .filter(|(_, (n, _))| n.starts_with("allocations/")).map(|(i, _)| i).collect();
        let mut last = (start.clone(), yaml::parse(&start).unwrap());
        let mut files = start.files.clone();
        for (edit, pick) in edits {
            // Seven edits in eight go to an allocation file, the others anywhere.
            let edit = if pick == 0 { edit } else {
                Edit { file: allocation_files[edit.file % allocation_files.len()], ..edit }
            };
            files = apply(&files, &edit);
            let now = ModelFiles { files: files.clone() };
            let again = yaml::reparse(&last.1, &last.0, &now);
            let fresh = yaml::parse(&now);
            prop_assert_eq!(outcome(&again), outcome(&fresh), "after {:?}", edit);
            if let Ok(m) = again {
                last = (now, m);
            }
        }
    }
}

#[test]
fn reparse_reads_only_what_changed_and_starts_again_when_the_files_differ() {
    let start = yaml::read_dir(&repo().join("examples/riverside")).unwrap();
    let model = yaml::parse(&start).unwrap();
    // A changed row reads as the change.
    let mut files = start.files.clone();
    let (_, text) = files
        .iter_mut()
        .find(|(n, _)| n == "allocations/it-support.yaml")
        .unwrap();
    *text = text.replacen(
        "  identify-new-vulnerabilities:\n    status: supplier\n",
        "  identify-new-vulnerabilities:\n    status: customer\n",
        1,
    );
    let again = yaml::reparse(&model, &start, &ModelFiles { files }).unwrap();
    let group = again
        .allocations
        .iter()
        .find(|g| g.service.id == "it-support")
        .unwrap();
    let cell = group
        .cells
        .iter()
        .find(|a| a.responsibility.id == "identify-new-vulnerabilities")
        .unwrap();
    assert_eq!(cell.status, Status::Customer);
    // A file more (or fewer) is a different model: read from scratch, errors and all.
    let mut files = start.files.clone();
    files.push((
        "allocations/extra.yaml".into(),
        "service: nowhere\nresponsibilities:\n  x: not-a-status\n".into(),
    ));
    let errors = yaml::reparse(&model, &start, &ModelFiles { files }).unwrap_err();
    assert!(errors[0].file == "allocations/extra.yaml", "{errors:?}");
    // So is a previous model that was not read from the previous files.
    let wrong = Model::default();
    let same = yaml::reparse(&wrong, &start, &start).unwrap();
    assert_eq!(format!("{same:?}"), format!("{model:?}"));
}
