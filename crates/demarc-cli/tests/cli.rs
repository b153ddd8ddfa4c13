//! End-to-end tests of the `demarc` binary: what a user types, what they see, and the exit
//! status (0 ok, 1 the model has errors, 2 the input cannot be read).
//!
//! Every run passes `--today 2026-11-23` so review and expiry dates judge the same way on any
//! day. Models that a test changes are copied into a fresh directory under the system's temp
//! directory first; the examples in the repository are never written to.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use demarc_core::{Code, Severity};
use serde_json::Value;

const TODAY: &str = "2026-11-23";

// ---- helpers ----

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn riverside() -> PathBuf {
    repo().join("examples/riverside")
}

fn broken(code: &str) -> PathBuf {
    repo().join("examples/broken").join(code)
}

/// What one run of the binary did.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self.no_panic();
        self
    }

    #[track_caller]
    fn no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stdout.contains("panicked"),
            "the binary panicked:\n{}",
            self.stderr
        );
    }
}

/// Run `demarc --today 2026-11-23 ARGS` in `cwd` (the repository when `None`).
fn demarc_in(cwd: Option<&Path>, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_demarc"));
    cmd.arg("--today").arg(TODAY).args(args);
    cmd.current_dir(cwd.map_or_else(repo, Path::to_path_buf));
    cmd.env("NO_COLOR", "1")
        .env_remove("DEMARC_TODAY")
        .env_remove("DEMARC_COLOR");
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn demarc(args: &[&str]) -> Run {
    demarc_in(None, args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A directory under the system temp directory, unique to this test run, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "demarc-cli-test-{name}-{}-{n}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_owned(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// A copy of `from` in a fresh temp directory, as `<tmp>/<name>`.
fn copy_model(from: &Path, name: &str) -> (TempDir, PathBuf) {
    let tmp = TempDir::new(name);
    let dir = tmp.join(name);
    copy_tree(from, &dir);
    (tmp, dir)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Does `text` contain `<something ending in file>:<line>:<column>`?
fn has_file_line_col(text: &str, file: &str) -> bool {
    let needle = format!("{file}:");
    text.match_indices(&needle).any(|(i, _)| {
        let rest = &text[i + needle.len()..];
        let line: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if line.is_empty() {
            return false;
        }
        let rest = &rest[line.len()..];
        rest.strip_prefix(':')
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    })
}

fn codes_of(json: &Value) -> BTreeSet<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

// ---- check ----

#[test]
fn riverside_checks_clean() {
    let run = demarc(&["check", s(&riverside())]);
    run.expect(0);
    assert!(run.stdout.contains("no findings"), "{}", run.stdout);

    let run = demarc(&["check", s(&riverside()), "--format", "json"]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["findings"].as_array().unwrap().len(), 0, "{}", run.stdout);
    assert_eq!(j["summary"]["errors"], 0);
    assert_eq!(j["summary"]["warnings"], 0);
    assert_eq!(j["summary"]["sign_off_blocked"], false);
    assert_eq!(j["summary"]["services"], 4);
    assert_eq!(j["summary"]["responsibilities"], 17);

    // Relative paths work the same from the repository root.
    demarc(&["check", "examples/riverside", "--strict"]).expect(0);
}

#[test]
fn every_check_code_has_a_broken_example() {
    let dir = repo().join("examples/broken");
    let mut missing = Vec::new();
    for code in Code::model_codes() {
        if !dir.join(code.as_str()).join("demarc.yaml").is_file() {
            missing.push(code.as_str());
        }
    }
    assert!(
        missing.is_empty(),
        "codes without an example in examples/broken: {missing:?}"
    );
    // And no example for a code that does not exist (a renamed code leaves one behind).
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                Code::parse(&name).is_some(),
                "examples/broken/{name} is not a check code"
            );
        }
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for code in Code::model_codes() {
        assert!(
            readme.contains(&format!("`{}`", code.as_str())),
            "README.md does not list {code}"
        );
    }
}

/// The codes each broken example reports, exactly. Each is meant to report only its own.
fn expected_codes(code: Code) -> BTreeSet<String> {
    BTreeSet::from([code.as_str().to_owned()])
}

#[test]
fn each_broken_example_reports_exactly_its_code() {
    for code in Code::model_codes() {
        let dir = broken(code.as_str());
        let run = demarc(&["check", s(&dir), "--format", "json"]);
        let want_exit = if code.severity() == Severity::Error {
            1
        } else {
            0
        };
        run.expect(want_exit);
        let j = run.json();
        assert_eq!(codes_of(&j), expected_codes(code), "{code}: {}", run.stdout);
        for f in j["findings"].as_array().unwrap() {
            assert_eq!(f["severity"], code.severity().as_str(), "{code}");
            assert!(!f["message"].as_str().unwrap().is_empty());
            assert!(!f["fix"].as_str().unwrap().is_empty());
            // Every example's mistake is written in one of its files: the finding points there.
            let file = f["file"]
                .as_str()
                .unwrap_or_else(|| panic!("{code}: no file in {f}"));
            assert!(
                Path::new(file).starts_with(&dir),
                "{code}: {file} is outside the example"
            );
            assert!(Path::new(file).is_file(), "{code}: {file} does not exist");
            assert!(f["line"].as_u64().unwrap() >= 1, "{code}: {f}");
            assert!(f["column"].as_u64().unwrap() >= 1, "{code}: {f}");
            // The file it points to is the one whose comment explains the mistake.
            let text = std::fs::read_to_string(file).unwrap();
            assert!(
                text.contains(&format!("BROKEN ({code}")),
                "{code}: {file} has no `# BROKEN ({code}...` comment"
            );
        }
        let summary = &j["summary"];
        let (errors, warnings) = if code.severity() == Severity::Error {
            (1, 0)
        } else {
            (0, 1)
        };
        assert_eq!(summary["errors"], errors, "{code}");
        assert_eq!(summary["warnings"], warnings, "{code}");
        assert_eq!(summary["by_code"][code.as_str()], 1, "{code}");

        // The text report names the code with its severity, and where to look.
        let run = demarc(&["check", s(&dir)]);
        run.expect(want_exit);
        let label = format!("{}[{code}]", code.severity().as_str());
        assert!(run.stdout.contains(&label), "{code}: {}", run.stdout);
        assert!(run.stdout.contains("fix:"), "{code}: {}", run.stdout);

        // --strict fails on warnings too; --only filters.
        demarc(&["check", s(&dir), "--strict"]).expect(1);
        let other = if code == Code::Gap {
            "contested"
        } else {
            "gap"
        };
        let run = demarc(&["check", s(&dir), "--only", other, "--format", "json"]);
        run.expect(0);
        assert!(codes_of(&run.json()).is_empty(), "{code}");
    }
}

#[test]
fn check_only_rejects_unknown_codes() {
    let run = demarc(&["check", s(&riverside()), "--only", "gapp"]);
    run.expect(2);
    assert!(run.stderr.contains("gapp"), "{}", run.stderr);
    assert!(run.stderr.contains("gap"), "{}", run.stderr);
}

// ---- invalid input: exit 2, where and why, never a panic ----

/// A copy of the clean gap example (its only finding is a gap) to break in some other way.
fn breakable(name: &str) -> (TempDir, PathBuf) {
    copy_model(&broken("gap"), name)
}

#[track_caller]
fn assert_invalid_at(run: &Run, file: &str, words: &[&str]) {
    run.expect(2);
    assert!(
        has_file_line_col(&run.stderr, file),
        "no {file}:LINE:COL in:\n{}",
        run.stderr
    );
    for w in words {
        assert!(run.stderr.contains(w), "{w:?} not in:\n{}", run.stderr);
    }
}

#[test]
fn yaml_syntax_error_is_reported_with_its_place() {
    let (_t, dir) = breakable("syntax");
    std::fs::write(
        dir.join("demarc.yaml"),
        "name: x\ncustomer: hope\ncatalogues: [catalogue.yaml\n",
    )
    .unwrap();
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(&run, "demarc.yaml", &["demarc.yaml:3:"]);

    // The same as JSON, for editors and CI.
    let run = demarc(&["check", s(&dir), "--format", "json"]);
    run.expect(2);
    let e = &run.json()["errors"][0];
    assert!(e["file"].as_str().unwrap().ends_with("demarc.yaml"), "{e}");
    assert_eq!(e["line"], 3);
    assert!(e["column"].as_u64().is_some(), "{e}");
}

#[test]
fn unknown_field_names_the_field_and_the_expected_ones() {
    let (_t, dir) = breakable("field");
    edit(
        &dir.join("parties.yaml"),
        "    type: msp\n",
        "    type: msp\n    colour: blue\n",
    );
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(
        &run,
        "parties.yaml",
        &[
            "parties.yaml:8:5",
            "colour",
            "id",
            "name",
            "roles",
            "people",
        ],
    );
}

#[test]
fn bad_status_value_is_reported_with_the_statuses() {
    let (_t, dir) = breakable("status");
    edit(
        &dir.join("allocations/it-support.yaml"),
        "set-security-policy: customer",
        "set-security-policy: custommer",
    );
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(
        &run,
        "allocations/it-support.yaml",
        &[
            "custommer",
            "customer",
            "supplier",
            "shared",
            "not-applicable",
        ],
    );
}

#[test]
fn bad_date_is_reported() {
    let (_t, dir) = copy_model(&broken("review-overdue"), "date");
    edit(
        &dir.join("demarc.yaml"),
        "next: 2026-06-30",
        "next: 2026-02-30",
    );
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(&run, "demarc.yaml", &["2026-02-30"]);

    let (_t2, dir) = copy_model(&broken("evidence-expired"), "date2");
    edit(
        &dir.join("services.yaml"),
        "expires: 2026-03-31",
        "expires: 31/03/2026",
    );
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(&run, "services.yaml", &["31/03/2026"]);
}

#[test]
fn several_errors_in_several_files_are_all_reported() {
    let (_t, dir) = breakable("several");
    edit(
        &dir.join("parties.yaml"),
        "    type: msp\n",
        "    type: msp\n    colour: blue\n",
    );
    edit(
        &dir.join("allocations/it-support.yaml"),
        "set-security-policy: customer",
        "set-security-policy: custommer",
    );
    let run = demarc(&["check", s(&dir)]);
    run.expect(2);
    assert!(
        has_file_line_col(&run.stderr, "parties.yaml"),
        "{}",
        run.stderr
    );
    assert!(
        has_file_line_col(&run.stderr, "allocations/it-support.yaml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("2 errors"), "{}", run.stderr);
}

#[test]
fn missing_model_file_and_not_a_directory() {
    let tmp = TempDir::new("missing");
    std::fs::create_dir_all(tmp.join("empty")).unwrap();
    let run = demarc(&["check", s(&tmp.join("empty"))]);
    run.expect(2);
    assert!(run.stderr.contains("demarc.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("demarc init"), "{}", run.stderr);

    std::fs::write(tmp.join("file.yaml"), "name: x\n").unwrap();
    let run = demarc(&["check", s(&tmp.join("file.yaml"))]);
    run.expect(2);
    assert!(run.stderr.contains("not a directory"), "{}", run.stderr);

    let run = demarc(&["check", s(&tmp.join("does-not-exist"))]);
    run.expect(2);
    assert!(run.stderr.contains("does-not-exist"), "{}", run.stderr);

    // The same for the other commands that read a model.
    demarc(&["matrix", s(&tmp.join("empty"))]).expect(2);
    demarc(&["diff", s(&riverside()), s(&tmp.join("empty"))]).expect(2);
    demarc(&["export", s(&tmp.join("empty")), "--format", "md"]).expect(2);
}

#[test]
fn missing_model_file_names_the_directory_once() {
    let tmp = TempDir::new("twice");
    std::fs::create_dir_all(tmp.join("empty")).unwrap();
    let run = demarc_in(Some(tmp.path()), &["check", "empty"]);
    run.expect(2);
    assert!(!run.stderr.contains("empty/empty"), "{}", run.stderr);
    let run = demarc_in(Some(tmp.path()), &["check", "nowhere"]);
    run.expect(2);
    assert!(!run.stderr.contains("nowhere/nowhere"), "{}", run.stderr);
}

#[test]
fn unknown_catalogue_name_is_reported() {
    let (_t, dir) = breakable("catalogue");
    edit(&dir.join("demarc.yaml"), "  - catalogue.yaml", "  - twtt");
    let run = demarc(&["check", s(&dir)]);
    run.expect(2);
    for w in ["demarc.yaml", "twtt", "twt", "cyber-essentials"] {
        assert!(run.stderr.contains(w), "{w:?} not in:\n{}", run.stderr);
    }
}

#[test]
fn unknown_catalogue_name_has_its_place() {
    let (_t, dir) = breakable("catalogue-place");
    edit(&dir.join("demarc.yaml"), "  - catalogue.yaml", "  - twtt");
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(&run, "demarc.yaml", &["demarc.yaml:5:5", "twtt"]);
}

#[test]
fn non_utf8_file_is_reported() {
    let (_t, dir) = breakable("utf8");
    std::fs::write(
        dir.join("parties.yaml"),
        b"parties:\n  - id: hope\n    name: Caf\xe9\n",
    )
    .unwrap();
    let run = demarc(&["check", s(&dir)]);
    run.expect(2);
    assert!(run.stderr.contains("parties.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);
}

#[test]
fn non_utf8_file_has_its_place() {
    let (_t, dir) = breakable("utf8-place");
    std::fs::write(
        dir.join("parties.yaml"),
        b"parties:\n  - id: hope\n    name: Caf\xe9\n",
    )
    .unwrap();
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(&run, "parties.yaml", &["parties.yaml:3:14", "UTF-8"]);
}

#[test]
fn ids_that_cannot_travel_are_refused_where_they_are_defined() {
    let (_t, dir) = breakable("id-rule");
    edit(
        &dir.join("parties.yaml"),
        "- id: hope",
        "- id: \"hope, charity\"",
    );
    let run = demarc(&["check", s(&dir)]);
    assert_invalid_at(
        &run,
        "parties.yaml",
        &["parties.yaml:", "\"hope, charity\"", "hope-charity"],
    );
}

#[test]
fn duplicate_keys_are_explained_for_people() {
    let (_t, dir) = breakable("dup-key");
    let text = std::fs::read_to_string(dir.join("demarc.yaml")).unwrap();
    std::fs::write(dir.join("demarc.yaml"), format!("{text}name: again\n")).unwrap();
    let run = demarc(&["check", s(&dir)]);
    run.expect(2);
    assert!(
        run.stderr.contains("duplicate mapping key: name"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("DuplicateKeyPolicy"), "{}", run.stderr);
}

#[test]
fn bad_today_is_rejected() {
    let run = Command::new(env!("CARGO_BIN_EXE_demarc"))
        .args(["--today", "2026-13-01", "check", s(&riverside())])
        .env_remove("DEMARC_TODAY")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("--today"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn nonsense_files_never_panic() {
    let cases: &[(&str, &[u8])] = &[
        ("demarc.yaml", b""),
        ("demarc.yaml", b"- a\n- b\n"),
        ("demarc.yaml", b"name: [1, 2]\ncustomer: {a: b}\n"),
        ("demarc.yaml", b"\xef\xbb\xbfname: x\ncustomer: hope\ncatalogues: [catalogue.yaml]\n"),
        ("parties.yaml", b"parties: 7\n"),
        ("parties.yaml", b"parties:\n  - {}\n"),
        ("services.yaml", b"services:\n  - id: a\n    name: A\n    provider: hope\n    built_on: a\n"),
        ("allocations/it-support.yaml", b"service: it-support\nresponsibilities: [1, 2]\n"),
        ("allocations/it-support.yaml", b"service: it-support\nresponsibilities:\n  x:\n    tasks: 3\n"),
        ("allocations/it-support.yaml", b"service: it-support\nresponsibilities:\n  install-security-updates:\n    status: shared\n    tasks:\n      - owner: []\n      - owner: [fixit, fixit, hope]\n"),
        ("allocations/x.yaml", b"&a [*a]\n"),
        ("catalogue.yaml", b"areas:\n  - id: a\n    title: A\n    responsibilities:\n      - id: r\n        title: R\n        layer: moon\n"),
        ("catalogue.yaml", b"presets:\n  - id: p\n    title: P\n    allocations:\n      nothing: {status: shared, expected: yes}\n"),
    ];
    for (file, bytes) in cases {
        let (_t, dir) = breakable("nonsense");
        if let Some(parent) = dir.join(file).parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(dir.join(file), bytes).unwrap();
        for args in [
            vec!["check", s(&dir)],
            vec!["check", s(&dir), "--format", "json"],
            vec!["matrix", s(&dir)],
            vec!["export", s(&dir), "--format", "html"],
            vec!["diff", s(&dir), s(&riverside())],
        ] {
            let run = demarc(&args);
            run.no_panic();
            assert!(
                [0, 1, 2].contains(&run.code),
                "{file} {:?} -> {}: {}",
                String::from_utf8_lossy(bytes),
                run.code,
                run.stderr
            );
        }
    }
}

// ---- matrix ----

#[test]
fn matrix_full_service_and_party() {
    let run = demarc(&["matrix", s(&riverside())]);
    run.expect(0);
    for id in [
        "it-support",
        "office-365",
        "ledgerly-finance",
        "nimbus-hosting",
    ] {
        assert!(run.stdout.contains(id), "{id} missing:\n{}", run.stdout);
    }
    assert!(
        run.stdout
            .contains("Set information security policy (retained)"),
        "{}",
        run.stdout
    );
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.contains("nobody does it"))
        .collect();
    assert!(
        rows.iter().all(|l| !l.contains("GAP")),
        "riverside has no gaps:\n{}",
        run.stdout
    );

    let run = demarc(&["matrix", s(&riverside()), "--service", "ledgerly-finance"]);
    run.expect(0);
    assert!(
        run.stdout
            .contains("Ledgerly finance and donations (ledgerly-finance)"),
        "{}",
        run.stdout
    );
    // An inherited row shows its chain of providers.
    assert!(run.stdout.contains("ledgerly → nimbus"), "{}", run.stdout);
    assert!(run.stdout.contains("inherited"), "{}", run.stdout);

    let run = demarc(&["matrix", s(&riverside()), "--party", "acme-it"]);
    run.expect(0);
    assert!(
        run.stdout.contains("Acme IT Services Ltd (acme-it)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Managed IT support"), "{}", run.stdout);

    // A gap shows as GAP.
    let run = demarc(&["matrix", s(&broken("gap"))]);
    run.expect(0);
    assert!(run.stdout.contains("GAP"), "{}", run.stdout);
}

#[test]
fn matrix_unknown_ids_suggest_the_nearest() {
    let run = demarc(&["matrix", s(&riverside()), "--service", "ofice-365"]);
    run.expect(2);
    assert!(
        run.stderr.contains("did you mean \"office-365\""),
        "{}",
        run.stderr
    );

    let run = demarc(&["matrix", s(&riverside()), "--party", "acme"]);
    run.expect(2);
    assert!(
        run.stderr.contains("did you mean \"acme-it\""),
        "{}",
        run.stderr
    );

    // Nothing near: the known ids are listed instead.
    let run = demarc(&["matrix", s(&riverside()), "--party", "zzzzzz"]);
    run.expect(2);
    assert!(run.stderr.contains("riverside"), "{}", run.stderr);
}

// ---- diff ----

#[test]
fn diff_of_a_model_with_itself_is_empty() {
    let run = demarc(&["diff", s(&riverside()), s(&riverside())]);
    run.expect(0);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);

    let run = demarc(&["diff", s(&riverside()), s(&riverside()), "--format", "json"]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["changes"].as_array().unwrap().len(), 0);
    assert_eq!(j["resign_required"], false);
}

#[test]
fn diff_shows_a_changed_status_and_asks_for_resigning() {
    let (_t, copy) = copy_model(&riverside(), "diff");
    edit(
        &copy.join("allocations/nimbus-hosting.yaml"),
        "update-server-software: customer",
        "update-server-software: supplier",
    );
    let run = demarc(&["diff", s(&riverside()), s(&copy)]);
    run.expect(0);
    assert!(run.stdout.contains("status-changed"), "{}", run.stdout);
    assert!(
        run.stdout.contains("changed from customer to supplier"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("re-sign required"), "{}", run.stdout);

    let run = demarc(&["diff", s(&riverside()), s(&copy), "--format", "json"]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["resign_required"], true);
    let changes = j["changes"].as_array().unwrap();
    let kinds: BTreeSet<&str> = changes
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["status-changed", "owner-changed"]),
        "{}",
        run.stdout
    );
    for c in changes {
        assert_eq!(c["service"], "nimbus-hosting");
        assert_eq!(c["responsibility"], "update-server-software");
        assert_eq!(c["resign"], true);
        assert!(c["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let status = changes
        .iter()
        .find(|c| c["kind"] == "status-changed")
        .unwrap();
    assert_eq!(status["before"], "customer");
    assert_eq!(status["after"], "supplier");
    let owner = changes
        .iter()
        .find(|c| c["kind"] == "owner-changed")
        .unwrap();
    assert_eq!(owner["before"], "ledgerly");
    assert_eq!(owner["after"], "nimbus");
}

#[test]
fn diff_of_a_note_needs_no_resigning() {
    let (_t, copy) = copy_model(&riverside(), "diff-note");
    edit(
        &copy.join("allocations/ledgerly-finance.yaml"),
        "note: Ledgerly has no network equipment of its own; Nimbus runs it.",
        "note: Nimbus runs the network.",
    );
    let run = demarc(&["diff", s(&riverside()), s(&copy), "--format", "json"]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["resign_required"], false, "{}", run.stdout);
    assert_eq!(j["changes"][0]["kind"], "note-changed");
    let run = demarc(&["diff", s(&riverside()), s(&copy)]);
    assert!(
        run.stdout.contains("no re-signing needed"),
        "{}",
        run.stdout
    );
}

// ---- init ----

#[test]
fn init_twt_gives_one_gap_per_responsibility() {
    let tmp = TempDir::new("init");
    let dir = tmp.join("model");
    let run = demarc(&["init", s(&dir), "--preset", "twt"]);
    run.expect(0);
    assert!(dir.join("demarc.yaml").is_file());

    let run = demarc(&["check", s(&dir), "--format", "json"]);
    run.expect(1);
    let j = run.json();
    let findings = j["findings"].as_array().unwrap();
    assert_eq!(
        codes_of(&j),
        BTreeSet::from(["gap".to_owned()]),
        "{}",
        run.stdout
    );
    assert_eq!(findings.len(), 17);
    let resps: BTreeSet<&str> = findings
        .iter()
        .map(|f| f["responsibility"].as_str().unwrap())
        .collect();
    assert_eq!(resps.len(), 17, "one gap per responsibility");
    assert!(resps.contains("set-information-security-policy"));
    assert!(findings.iter().all(|f| {
        f["file"]
            .as_str()
            .is_some_and(|p| p.ends_with("example-service.yaml"))
    }));

    // Not into a directory that has something in it.
    let run = demarc(&["init", s(&dir), "--preset", "twt"]);
    run.expect(2);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);

    // An empty existing directory is fine.
    let empty = tmp.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    demarc(&["init", s(&empty)]).expect(0);
}

#[test]
fn init_with_every_builtin_catalogue() {
    let tmp = TempDir::new("init-all");
    for name in ["twt", "cyber-essentials", "cloud-layers", "aws-style"] {
        for model in ["managed-service", "saas", "iaas"] {
            let dir = tmp.join(&format!("{name}-{model}"));
            let run = demarc(&[
                "init",
                s(&dir),
                "--preset",
                name,
                "--service-model",
                model,
                "--name",
                "St Mary's School: \"Trust\"",
            ]);
            run.expect(0);
            let run = demarc(&["check", s(&dir), "--format", "json"]);
            run.expect(1);
            let j = run.json();
            assert_eq!(
                codes_of(&j),
                BTreeSet::from(["gap".to_owned()]),
                "{name}/{model}: {}",
                run.stdout
            );
            assert_eq!(
                j["findings"].as_array().unwrap().len() as u64,
                j["summary"]["responsibilities"].as_u64().unwrap(),
                "{name}/{model}: one gap per responsibility"
            );
        }
    }
    let run = demarc(&["init", s(&tmp.join("nope")), "--preset", "nope"]);
    run.expect(2);
    assert!(run.stderr.contains("twt"), "{}", run.stderr);
    assert!(!tmp.join("nope").exists());
    let run = demarc(&["init", s(&tmp.join("nope2")), "--service-model", "cloud"]);
    run.expect(2);
    assert!(!tmp.join("nope2").exists());
}

// ---- CSV import ----

fn export_csv(dir: &Path) -> String {
    let run = demarc(&["export", s(dir), "--format", "csv"]);
    run.expect(0);
    run.stdout
}

#[test]
fn csv_round_trip_of_riverside() {
    let (tmp, copy) = copy_model(&riverside(), "csv");
    let csv = tmp.join("matrix.csv");
    std::fs::write(&csv, export_csv(&riverside())).unwrap();

    let run = demarc(&["import", "csv", s(&csv), "--into", s(&copy)]);
    run.expect(0);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);

    let run = demarc(&["check", s(&copy)]);
    run.expect(0);
    assert!(run.stdout.contains("no findings"), "{}", run.stdout);
    let run = demarc(&["diff", s(&riverside()), s(&copy)]);
    run.expect(0);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);
}

#[test]
fn csv_round_trip_keeps_preset_cells_implicit() {
    let (tmp, copy) = copy_model(&riverside(), "csv-idem");
    let csv = tmp.join("matrix.csv");
    let sheet = export_csv(&riverside());
    std::fs::write(&csv, &sheet).unwrap();
    demarc(&["import", "csv", s(&csv), "--into", s(&copy)]).expect(0);
    // Exporting again gives the same sheet: cells from presets are still marked as such.
    let again = export_csv(&copy);
    let differ: Vec<(&str, &str)> = sheet
        .lines()
        .zip(again.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert!(
        differ.is_empty(),
        "{} rows differ, first: {:?}",
        differ.len(),
        differ.first()
    );
}

#[test]
fn csv_import_of_an_edited_sheet_shows_and_writes_the_change() {
    let (tmp, copy) = copy_model(&riverside(), "csv-edit");
    let csv = tmp.join("matrix.csv");
    let text = export_csv(&riverside());
    let from = "nimbus-hosting,update-server-software,customer,";
    assert!(text.contains(from));
    std::fs::write(
        &csv,
        text.replacen(from, "nimbus-hosting,update-server-software,supplier,", 1),
    )
    .unwrap();

    // A dry run shows the change and writes nothing.
    let before = snapshot(&copy);
    let run = demarc(&[
        "import",
        "csv",
        s(&csv),
        "--into",
        s(&copy),
        "--dry-run",
        "--format",
        "json",
    ]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["written"], false);
    assert_eq!(j["diff"]["resign_required"], true);
    assert_eq!(snapshot(&copy), before);

    let run = demarc(&["import", "csv", s(&csv), "--into", s(&copy)]);
    run.expect(0);
    assert!(run.stdout.contains("status-changed"), "{}", run.stdout);
    assert!(
        run.stdout.contains("changed from customer to supplier"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("re-sign required"), "{}", run.stdout);

    let written = std::fs::read_to_string(copy.join("allocations/nimbus-hosting.yaml")).unwrap();
    assert!(
        written.contains("update-server-software: supplier"),
        "{written}"
    );
    let run = demarc(&["diff", s(&riverside()), s(&copy), "--format", "json"]);
    let kinds: BTreeSet<String> = run.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["status-changed".to_owned(), "owner-changed".to_owned()])
    );
    // Nothing else in the directory changed.
    let after = snapshot(&copy);
    for (path, bytes) in &before {
        if !path.starts_with("allocations") {
            assert_eq!(after.get(path), Some(bytes), "{} changed", path.display());
        }
    }
}

#[track_caller]
fn assert_rejected(csv_text: &str, words: &[&str]) {
    let (tmp, copy) = copy_model(&riverside(), "csv-bad");
    let csv = tmp.join("bad.csv");
    std::fs::write(&csv, csv_text).unwrap();
    let before = snapshot(&copy);
    let run = demarc(&["import", "csv", s(&csv), "--into", s(&copy)]);
    run.expect(2);
    for w in words {
        assert!(run.stderr.contains(w), "{w:?} not in:\n{}", run.stderr);
    }
    assert!(run.stderr.contains("bad.csv"), "{}", run.stderr);
    assert_eq!(
        snapshot(&copy),
        before,
        "a rejected import changed the model"
    );

    let run = demarc(&[
        "import",
        "csv",
        s(&csv),
        "--into",
        s(&copy),
        "--format",
        "json",
    ]);
    run.expect(2);
    assert!(
        run.json()["errors"][0]["line"].as_u64().is_some(),
        "{}",
        run.stdout
    );
    assert_eq!(
        snapshot(&copy),
        before,
        "a rejected import changed the model"
    );
}

/// A small sheet with LF line ends: header, then a cell row for each of two cells.
fn small_sheet(row2: &str) -> String {
    format!(
        "service,responsibility,status,owner\n\
         it-support,identify-new-threats,customer,\n\
         {row2}\n"
    )
}

#[test]
fn csv_import_rejects_bad_sheets_and_changes_nothing() {
    assert_rejected(
        &small_sheet("it-suport,identify-new-vulnerabilities,customer,"),
        &[
            "line 3, column service",
            "it-suport",
            "did you mean \"it-support\"",
        ],
    );
    assert_rejected(
        &small_sheet("it-support,identify-new-vulnerabilities,suplier,"),
        &["line 3, column status", "suplier"],
    );
    assert_rejected(
        &small_sheet("it-support,identify-new-vulnerabilitis,customer,"),
        &[
            "line 3, column responsibility",
            "did you mean \"identify-new-vulnerabilities\"",
        ],
    );
    assert_rejected(
        "service,responsibility,status,owner,notes\nit-support,identify-new-threats,customer,,x\n",
        &[
            "line 1",
            "unknown column \"notes\"",
            "did you mean \"note\"",
        ],
    );
    assert_rejected(
        "service,responsibility\nit-support,identify-new-threats\n",
        &["line 1, column status"],
    );
    // A whole exported sheet with one bad status: every other row is fine.
    let text = export_csv(&riverside());
    assert_rejected(
        &text.replacen(
            "nimbus-hosting,update-server-software,customer,",
            "nimbus-hosting,update-server-software,mostly,",
            1,
        ),
        &["column status", "mostly"],
    );
}

#[test]
fn csv_import_line_numbers_are_right_for_exported_sheets() {
    let text = export_csv(&riverside());
    let target = "nimbus-hosting,update-server-software,customer,";
    let line = text[..text.find(target).unwrap()].matches('\n').count() + 1;
    assert_rejected(
        &text.replacen(target, "nimbus-hosting,update-server-software,mostly,", 1),
        &[&format!("line {line}, column status")],
    );
}

// ---- schema and catalogues ----

#[test]
fn schema_is_json_with_a_dialect() {
    let run = demarc(&["schema"]);
    run.expect(0);
    let j = run.json();
    assert!(
        j["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org")),
        "{}",
        run.stdout
    );

    for file in ["model", "parties", "services", "allocations", "catalogue"] {
        let run = demarc(&["schema", "--file", file]);
        run.expect(0);
        let j = run.json();
        assert!(j["$schema"].is_string(), "{file}");
        assert_eq!(j["type"], "object", "{file}");
    }
    let j = demarc(&["schema", "--file", "allocations"]).json();
    assert!(j["properties"]["service"].is_object());
    assert!(j["properties"]["responsibilities"].is_object());
    assert_eq!(j["additionalProperties"], false);
}

#[test]
fn catalog_list_and_show() {
    let run = demarc(&["catalog", "list"]);
    run.expect(0);
    for name in ["twt", "cyber-essentials", "cloud-layers", "aws-style"] {
        assert!(run.stdout.contains(name), "{name}: {}", run.stdout);
    }
    assert!(run.stdout.contains("17 responsibilities"), "{}", run.stdout);

    let run = demarc(&["catalog", "show", "twt"]);
    run.expect(0);
    let line = run
        .stdout
        .lines()
        .find(|l| {
            l.trim_start()
                .starts_with("set-information-security-policy")
        })
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.contains("retained"), "{line}");
    assert!(run.stdout.contains("twt-saas"), "{}", run.stdout);

    // The YAML form is the catalogue file itself.
    let run = demarc(&["catalogue", "show", "cyber-essentials", "--format", "yaml"]);
    run.expect(0);
    assert!(
        run.stdout.contains("id: cyber-essentials"),
        "{}",
        run.stdout
    );

    let run = demarc(&["catalog", "show", "nope"]);
    run.expect(2);
    assert!(run.stderr.contains("twt"), "{}", run.stderr);
}

// ---- export ----

#[test]
fn export_writes_the_file_given_with_o() {
    let tmp = TempDir::new("export");
    let rv = riverside();
    for (what, party, format, ext) in [
        ("matrix", None, "md", "md"),
        ("matrix", None, "csv", "csv"),
        ("schedule", Some("acme-it"), "html", "html"),
        ("policy-annex", None, "json", "json"),
        ("summary", None, "md", "md"),
    ] {
        let out = tmp.join(&format!("{what}.{ext}"));
        let mut args = vec![
            "export",
            s(&rv),
            "--what",
            what,
            "--format",
            format,
            "-o",
            s(&out),
        ];
        if let Some(p) = party {
            args.extend(["--party", p]);
        }
        let run = demarc(&args);
        run.expect(0);
        assert!(
            run.stdout.is_empty(),
            "{what}: nothing on stdout when writing a file"
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(!text.is_empty(), "{what}");
        // The file holds exactly what standard output would.
        let mut args = vec!["export", s(&rv), "--what", what, "--format", format];
        if let Some(p) = party {
            args.extend(["--party", p]);
        }
        assert_eq!(demarc(&args).stdout, text, "{what}.{ext}");
        if format == "json" {
            serde_json::from_str::<Value>(&text).unwrap();
        }
    }
    // No temporary files are left beside the output.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "{names:?}");
}

#[test]
fn export_writes_nothing_on_error() {
    let tmp = TempDir::new("export-err");
    let out = tmp.join("schedule.md");
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--what",
        "schedule",
        "--format",
        "md",
        "-o",
        s(&out),
    ]);
    run.expect(2);
    assert!(run.stderr.contains("--party"), "{}", run.stderr);
    assert!(
        run.stderr.contains("acme-it"),
        "the suppliers are listed: {}",
        run.stderr
    );
    assert!(!out.exists(), "a file was written on error");

    // An existing file is left as it was.
    std::fs::write(&out, "keep me").unwrap();
    let rv = riverside();
    for args in [
        vec!["--what", "schedule", "--party", "acme-itt"],
        vec!["--what", "schedule", "--party", "riverside"],
        vec!["--what", "summary", "--party", "acme-it"],
        vec!["--what", "matrix", "--service", "nope"],
    ] {
        let mut all = vec!["export", s(&rv), "--format", "md", "-o", s(&out)];
        all.extend(args.iter().copied());
        let run = demarc(&all);
        run.expect(2);
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "keep me",
            "{args:?}"
        );
    }
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--what",
        "schedule",
        "--party",
        "acme-itt",
        "--format",
        "md",
    ]);
    assert!(
        run.stderr.contains("did you mean \"acme-it\""),
        "{}",
        run.stderr
    );

    // Into a directory that does not exist: an error, not a panic.
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "md",
        "-o",
        s(&tmp.join("no/such/dir/x.md")),
    ]);
    run.expect(2);
}

#[test]
fn export_of_a_model_with_findings_still_works() {
    // Documents can be drafted before every row is agreed.
    for code in ["gap", "contested", "chain-cycle", "duplicate-id"] {
        for format in ["md", "html", "csv", "json"] {
            for what in ["matrix", "policy-annex", "summary"] {
                let run = demarc(&[
                    "export",
                    s(&broken(code)),
                    "--what",
                    what,
                    "--format",
                    format,
                ]);
                run.expect(0);
                assert!(!run.stdout.is_empty(), "{code} {what} {format}");
            }
        }
    }
}

// ---- OSCAL ----

fn chain_plans() -> PathBuf {
    repo().join("examples/oscal-chain/plans")
}

/// How many findings of each code a `--format json` report counts.
fn counts_by_code(json: &Value) -> BTreeMap<String, u64> {
    json["summary"]["by_code"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

/// `../shared/data/<rel>`, or `None` (saying so) when the shared data is not on this machine.
fn shared_data(rel: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(rel);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIPPED: {} is absent", p.display());
        None
    }
}

/// The plans in examples/oscal-chain are what make.sh writes from its source model today.
#[test]
fn oscal_chain_example_is_up_to_date() {
    let tmp = TempDir::new("chain-make");
    for party in ["nimbus", "ledgerly", "riverside"] {
        let out = tmp.0.join(format!("{party}-ssp.json"));
        demarc(&[
            "export",
            "examples/oscal-chain/source",
            "--format",
            "oscal-ssp",
            "--party",
            party,
            "-o",
            s(&out),
        ])
        .expect(0);
        let want = std::fs::read(chain_plans().join(format!("{party}-ssp.json"))).unwrap();
        assert!(
            std::fs::read(&out).unwrap() == want,
            "examples/oscal-chain/plans/{party}-ssp.json is out of date: run examples/oscal-chain/make.sh"
        );
    }
}

/// The README's worked example: import a chain of plans, see what the end customer still
/// owns, export its CRM slice; and the plans exported again from the import are the same bytes.
#[test]
fn oscal_chain_imports_shows_the_end_customer_and_round_trips() {
    let tmp = TempDir::new("chain-import");
    let model = tmp.0.join("chain");
    let run = demarc(&[
        "import",
        "oscal",
        s(&chain_plans()),
        "-o",
        s(&model),
        "--format",
        "json",
    ]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["parties"], 3);
    assert_eq!(j["services"], 3);
    assert_eq!(j["responsibilities"], 7);
    assert_eq!(
        j["cells"],
        serde_json::json!({"customer": 1, "supplier": 2, "shared": 5, "inherited": 13})
    );
    // The model checks: no errors (OSCAL carries no contracts or evidence: warnings only).
    let check = demarc(&["check", s(&model), "--format", "json"]);
    check.expect(0);
    let c = check.json();
    assert_eq!(c["summary"]["errors"], 0);
    assert_eq!(
        codes_of(&c),
        BTreeSet::from([
            "contract-ref-missing".to_owned(),
            "evidence-missing".to_owned()
        ])
    );

    // What Riverside must do: its own tasks and what Ledgerly asks of it, in Ledgerly's words,
    // each with the chain that does the rest.
    let m = demarc(&[
        "export",
        s(&model),
        "--format",
        "json",
        "--party",
        "riverside",
    ]);
    m.expect(0);
    let duties = m.json()["duties"].as_array().unwrap().clone();
    // Its own plan's 5 tasks (ac-2 twice, ac-6, au-6, ia-2) and the 5 Ledgerly asks of it.
    assert_eq!(duties.len(), 10, "{duties:#?}");
    let asked: Vec<&Value> = duties
        .iter()
        .filter(|d| d["asked_by"]["id"] == "ledgerly")
        .collect();
    assert_eq!(asked.len(), 5);
    let accounts = asked
        .iter()
        .find(|d| d["statement"] == "ac-2_smt.c")
        .unwrap();
    assert_eq!(
        accounts["description"],
        "Create and remove your staff's Ledgerly accounts when they join and leave."
    );
    let chain: Vec<&str> = accounts["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(chain, ["ledgerly", "nimbus"]);
    let text = demarc(&["matrix", s(&model), "--party", "riverside"]);
    text.expect(0);
    assert!(text.stdout.contains("ledgerly → nimbus"), "{}", text.stdout);

    // The CRM slice: valid, Riverside's part only, none of Nimbus's words to Ledgerly.
    let crm = tmp.0.join("riverside-crm.json");
    demarc(&[
        "export",
        s(&model),
        "--format",
        "oscal-crm",
        "--party",
        "riverside",
        "-o",
        s(&crm),
    ])
    .expect(0);
    demarc(&["oscal", "validate", s(&crm)]).expect(0);
    let crm_text = std::fs::read_to_string(&crm).unwrap();
    assert!(crm_text.contains("Create and remove your staff's Ledgerly accounts"));
    for internal in [
        "Patch hypervisors",
        "Keep Nimbus",
        "Back up your virtual machines",
    ] {
        assert!(
            !crm_text.contains(internal),
            "{internal} leaked into the CRM"
        );
    }

    // Round trip: each tier's plan exported from the import is the plan imported.
    for party in ["nimbus", "ledgerly", "riverside"] {
        let out = tmp.0.join(format!("{party}.json"));
        demarc(&[
            "export",
            s(&model),
            "--format",
            "oscal-ssp",
            "--party",
            party,
            "-o",
            s(&out),
        ])
        .expect(0);
        assert!(
            std::fs::read(&out).unwrap()
                == std::fs::read(chain_plans().join(format!("{party}-ssp.json"))).unwrap(),
            "{party}: the plan exported after import differs from the plan imported"
        );
    }
    // Every other OSCAL export of the imported model is valid too.
    for format in ["oscal-component", "oscal-srm"] {
        let out = tmp.0.join(format!("{format}.json"));
        demarc(&[
            "export",
            s(&model),
            "--format",
            format,
            "--party",
            "ledgerly",
            "-o",
            s(&out),
        ])
        .expect(0);
        serde_json::from_str::<Value>(&std::fs::read_to_string(&out).unwrap()).unwrap();
    }
    demarc(&["oscal", "validate", s(&tmp.0.join("oscal-component.json"))]).expect(0);
}

#[test]
fn oscal_validate_exit_codes_and_json() {
    let ok = demarc(&["oscal", "validate", s(&chain_plans()), "--format", "json"]);
    ok.expect(0);
    let j = ok.json();
    assert_eq!(j["files"].as_array().unwrap().len(), 4);
    assert_eq!(j["summary"]["errors"], 0);

    let tmp = TempDir::new("oscal-validate");
    // Not JSON: unreadable, exit 2, with line and column.
    let bad = tmp.0.join("bad.json");
    std::fs::write(&bad, "{\n  \"catalog\": {\n    \"uuid\": ,\n  }\n}\n").unwrap();
    let run = demarc(&["oscal", "validate", s(&bad)]);
    run.expect(2);
    assert!(run.stderr.contains("bad.json:3:"), "{}", run.stderr);
    let run = demarc(&["oscal", "validate", s(&bad), "--format", "json"]);
    run.expect(2);
    assert_eq!(run.json()["errors"][0]["line"], 3);
    // Missing file: exit 2.
    demarc(&["oscal", "validate", s(&tmp.0.join("nothing.json"))]).expect(2);
    // A schema problem: exit 1, a pointer to the place.
    let mut doc: Value = serde_json::from_str(
        &std::fs::read_to_string(chain_plans().join("example-controls.json")).unwrap(),
    )
    .unwrap();
    doc["catalog"]["groups"][0]["controls"][0]["props"] = serde_json::json!([]);
    let empty = tmp.0.join("empty-array.json");
    std::fs::write(&empty, serde_json::to_string(&doc).unwrap()).unwrap();
    let run = demarc(&["oscal", "validate", s(&empty), "--format", "json"]);
    run.expect(1);
    let j = run.json();
    assert_eq!(codes_of(&j), BTreeSet::from(["oscal-schema".to_owned()]));
    assert_eq!(
        j["findings"][0]["pointer"],
        "/catalog/groups/0/controls/0/props"
    );
}

#[test]
fn oscal_import_bad_input_changes_nothing() {
    let tmp = TempDir::new("oscal-bad");
    let bad = tmp.0.join("plan.json");
    std::fs::write(&bad, "{\"system-security-plan\": {\"uuid\": \"x\"").unwrap();
    let out = tmp.0.join("model");
    let run = demarc(&["import", "oscal", s(&bad), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("plan.json:1:"), "{}", run.stderr);
    assert!(!out.exists(), "nothing may be written");
    // Not an OSCAL document.
    std::fs::write(&bad, "{\"hello\": {}}").unwrap();
    let run = demarc(&["import", "oscal", s(&bad), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("plan.json"), "{}", run.stderr);
    assert!(!out.exists());
    // A directory that is not empty is never overwritten.
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let run = demarc(&["import", "oscal", s(&chain_plans()), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("not empty"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("keep.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    // An OSCAL export of a model that cannot be exported leaves no file.
    let crm = tmp.0.join("crm.json");
    let run = demarc(&[
        "export",
        "examples/oscal-chain/source",
        "--format",
        "oscal-crm",
        "--party",
        "no-such-party",
        "-o",
        s(&crm),
    ]);
    assert_ne!(run.code, 0);
    run.no_panic();
    assert!(!crm.exists());
}

/// Resolving the FedRAMP rev5 LOW baseline against the only full 800-53 catalog we have gives
/// the published control set, as a valid catalog (skipped without ../shared/data).
#[test]
fn oscal_resolve_fedramp_low() {
    let (Some(profile), Some(catalog), Some(published)) = (
        shared_data("gsa-fedramp-automation/baselines/FedRAMP_rev5_LOW-baseline_profile.json"),
        shared_data("nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json"),
        shared_data(
            "gsa-fedramp-automation/resolved-catalogs/FedRAMP_rev5_LOW-baseline-resolved-profile_catalog.json",
        ),
    ) else {
        return;
    };
    let tmp = TempDir::new("resolve");
    let out = tmp.0.join("low.json");
    let run = demarc(&[
        "oscal",
        "resolve",
        s(&profile),
        "--catalog",
        s(&catalog),
        "-o",
        s(&out),
    ]);
    run.expect(0);
    assert!(run.stderr.contains("156 controls"), "{}", run.stderr);
    demarc(&["oscal", "validate", s(&out)]).expect(0);
    fn ids(v: &Value, out: &mut BTreeSet<String>) {
        if let Some(cs) = v.get("controls").and_then(Value::as_array) {
            for c in cs {
                out.insert(c["id"].as_str().unwrap().to_owned());
                ids(c, out);
            }
        }
        if let Some(gs) = v.get("groups").and_then(Value::as_array) {
            for g in gs {
                ids(g, out);
            }
        }
    }
    let read = |p: &Path| -> BTreeSet<String> {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let mut set = BTreeSet::new();
        ids(&v["catalog"], &mut set);
        set
    };
    let ours = read(&out);
    assert_eq!(ours.len(), 156);
    assert_eq!(ours, read(&published));
    // And the profile imports as a starter model with every control a row to decide, with
    // the catalog given beside it (whatever its file name).
    let model = tmp.0.join("model");
    let run = demarc(&[
        "import",
        "oscal",
        s(&profile),
        s(&catalog),
        "-o",
        s(&model),
        "--format",
        "json",
    ]);
    run.expect(0);
    assert_eq!(run.json()["responsibilities"], 156);
}
// ---- broken OSCAL examples ----

/// Each directory of examples/broken-oscal/ reports exactly its own code under
/// `demarc oscal validate` (oscal-control-missing only with the profile next to it), every
/// finding is located in a file of the example at a JSON pointer that exists in that file,
/// and the code is documented in docs/checks.md and listed in the examples' README.
///
/// No code here is "about the documents together" in the sense of having no place:
/// `oscal-responsibility-unmet` concerns two plans but is located at the responsibility in the
/// upstream plan, and `oscal-control-missing` concerns a plan and the profile but is located
/// at the plan's `implemented-requirements`. (Only an `oscal-schema` finding for a file that
/// is not an OSCAL document at all has the empty pointer, the document as a whole; the
/// example's schema error is not of that kind.)
#[test]
fn each_broken_oscal_example_reports_exactly_its_code() {
    let root = repo().join("examples/broken-oscal");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let checks_md = std::fs::read_to_string(repo().join("docs/checks.md")).unwrap();
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| c.is_about_documents())
        .collect();
    assert_eq!(codes.len(), 5, "{codes:?}");
    for &code in &codes {
        let dir = root.join(code.as_str());
        assert!(dir.is_dir(), "examples/broken-oscal/{code} is missing");
        let profile = dir.join("profile.json");
        let mut args: Vec<&str> = vec!["oscal", "validate", s(&dir)];
        if code == Code::OscalControlMissing {
            assert!(profile.is_file(), "{code}: no profile.json");
            args.extend(["--profile", s(&profile)]);
        }
        let want_exit = if code.severity() == Severity::Error {
            1
        } else {
            0
        };

        let mut json_args = args.clone();
        json_args.extend(["--format", "json"]);
        let run = demarc(&json_args);
        run.expect(want_exit);
        let j = run.json();
        assert_eq!(
            codes_of(&j),
            BTreeSet::from([code.as_str().to_owned()]),
            "{code}: {}",
            run.stdout
        );
        let findings = j["findings"].as_array().unwrap();
        assert!(!findings.is_empty(), "{code}");
        for f in findings {
            assert_eq!(f["severity"], code.severity().as_str(), "{code}: {f}");
            assert!(
                !f["message"].as_str().unwrap_or_default().is_empty(),
                "{code}: {f}"
            );
            assert!(
                !f["fix"].as_str().unwrap_or_default().is_empty(),
                "{code}: {f}"
            );
            let file = f["file"]
                .as_str()
                .unwrap_or_else(|| panic!("{code}: no file in {f}"));
            assert!(
                Path::new(file).starts_with(&dir),
                "{code}: {file} is outside the example"
            );
            assert!(Path::new(file).is_file(), "{code}: {file} does not exist");
            let pointer = f["pointer"]
                .as_str()
                .unwrap_or_else(|| panic!("{code}: no pointer in {f}"));
            assert!(pointer.starts_with('/'), "{code}: pointer {pointer:?}");
            // The pointer names a value that is really there.
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
            assert!(
                doc.pointer(pointer).is_some(),
                "{code}: {pointer} is not in {file}"
            );
        }
        let (errors, warnings) = if code.severity() == Severity::Error {
            (findings.len(), 0)
        } else {
            (0, findings.len())
        };
        assert_eq!(j["summary"]["errors"], errors, "{code}");
        assert_eq!(j["summary"]["warnings"], warnings, "{code}");
        assert_eq!(
            j["summary"]["by_code"][code.as_str()],
            findings.len(),
            "{code}"
        );

        // One of the example's documents says what is broken, in its metadata remarks.
        let marked = std::fs::read_dir(&dir).unwrap().any(|e| {
            std::fs::read_to_string(e.unwrap().path())
                .is_ok_and(|t| t.contains(&format!("BROKEN ({code})")))
        });
        assert!(marked, "{code}: no document says `BROKEN ({code}): ...`");

        // The text report names the code with its severity, and says what to do.
        let run = demarc(&args);
        run.expect(want_exit);
        let label = format!("{}[{code}]", code.severity().as_str());
        assert!(run.stdout.contains(&label), "{code}: {}", run.stdout);
        assert!(run.stdout.contains("fix:"), "{code}: {}", run.stdout);

        // --strict fails on the warning too.
        let mut strict = args.clone();
        strict.push("--strict");
        demarc(&strict).expect(1);

        // Documented, and listed with its command.
        assert!(
            checks_md.contains(&format!("### `{code}`")),
            "docs/checks.md has no `### `{code}`` heading"
        );
        assert!(
            readme.contains(&format!("`{code}`")),
            "examples/broken-oscal/README.md does not list {code}"
        );
    }

    // Without the profile there is nothing to miss: the control-missing example is clean.
    let dir = root.join(Code::OscalControlMissing.as_str());
    let run = demarc(&["oscal", "validate", s(&dir), "--format", "json"]);
    run.expect(0);
    assert!(codes_of(&run.json()).is_empty(), "{}", run.stdout);

    // And no directory for a code that does not exist (a renamed code leaves one behind).
    for entry in std::fs::read_dir(&root).unwrap() {
        let entry = entry.unwrap();
        if entry.path().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                Code::parse(&name).is_some_and(Code::is_about_documents),
                "examples/broken-oscal/{name} is not an OSCAL check code"
            );
        }
    }
}

/// A customer with several suppliers gets a responsibility matrix slice for each service it
/// uses (`--service`); not for a service it does not use, and `--service` is for oscal-crm only.
#[test]
fn oscal_crm_slice_per_service() {
    let tmp = TempDir::new("crm-per-service");
    for service in ["it-support", "office-365", "ledgerly-finance"] {
        let out = tmp.join(&format!("{service}.json"));
        demarc(&[
            "export",
            "examples/riverside",
            "--format",
            "oscal-crm",
            "--party",
            "riverside",
            "--service",
            service,
            "-o",
            s(&out),
        ])
        .expect(0);
        demarc(&["oscal", "validate", s(&out)]).expect(0);
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let name = v["system-security-plan"]["system-characteristics"]["system-name"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!name.is_empty());
    }
    // Nimbus hosting is Ledgerly's supplier, not the Trust's.
    let out = tmp.join("nimbus.json");
    let run = demarc(&[
        "export",
        "examples/riverside",
        "--format",
        "oscal-crm",
        "--party",
        "riverside",
        "--service",
        "nimbus-hosting",
        "-o",
        s(&out),
    ]);
    run.expect(2);
    assert!(
        run.stderr.contains("does not use nimbus-hosting"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
    let run = demarc(&[
        "export",
        "examples/riverside",
        "--format",
        "oscal-ssp",
        "--service",
        "office-365",
    ]);
    run.expect(2);
    assert!(run.stderr.contains("oscal-crm only"), "{}", run.stderr);
}

// ---- office files: one module per area, in tests/cli/ ----

#[path = "cli/baseline.rs"]
mod baseline;
#[path = "cli/caiq.rs"]
mod caiq;
#[path = "cli/crm.rs"]
mod crm;
#[path = "cli/documents.rs"]
mod documents;
#[path = "cli/xlsx.rs"]
mod xlsx;

// ---- the server and its database ----

#[path = "cli/server.rs"]
mod server;

// ---- how the binary is linked ----

#[path = "cli/link.rs"]
mod link;
