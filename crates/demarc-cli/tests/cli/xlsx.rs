//! `demarc` end to end: xlsx (`export --format xlsx`, `import xlsx`).

use super::*;

use demarc_core::model::{Contest, Ref, Service};
use demarc_core::report::MatrixFilter;
use demarc_office::matrix_xlsx::{self, WorkbookInfo};

/// `demarc export DIR --format xlsx [EXTRA] -o <tmp>/NAME`, and the path written.
fn export_xlsx(dir: &Path, tmp: &TempDir, name: &str, extra: &[&str]) -> PathBuf {
    let out = tmp.join(name);
    let mut args = vec!["export", s(dir), "--format", "xlsx", "-o", s(&out)];
    args.extend_from_slice(extra);
    demarc(&args).expect(0);
    out
}

/// A workbook written by the library from a model held in memory (for workbooks no model
/// directory would give).
fn workbook_of(model: &demarc_core::Model, tmp: &TempDir, name: &str) -> PathBuf {
    let view = demarc_core::View::new(model);
    let info = WorkbookInfo {
        date: demarc_core::Date::new(2026, 11, 23).unwrap(),
        model_dir: None,
        read_back: None,
    };
    let bytes = matrix_xlsx::write(&view, MatrixFilter::default(), &info).unwrap();
    let path = tmp.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn load(dir: &Path) -> demarc_core::Model {
    demarc_formats::yaml::load(dir).unwrap_or_else(|e| panic!("{}", e[0]))
}

#[test]
fn xlsx_round_trip_of_riverside_changes_nothing() {
    let (tmp, copy) = copy_model(&riverside(), "xlsx");
    let before = snapshot(&copy);
    let book = export_xlsx(&riverside(), &tmp, "matrix.xlsx", &[]);

    let run = demarc(&[
        "import",
        "xlsx",
        s(&book),
        "--into",
        s(&copy),
        "--dry-run",
        "--format",
        "json",
    ]);
    run.expect(0);
    let j = run.json();
    assert_eq!(
        j["diff"]["changes"].as_array().unwrap().len(),
        0,
        "{}",
        run.stdout
    );
    assert_eq!(j["written"], false);

    let run = demarc(&["import", "xlsx", s(&book), "--into", s(&copy)]);
    run.expect(0);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);
    assert_eq!(snapshot(&copy), before, "the import rewrote files");

    // The same model and date give the same bytes.
    let again = export_xlsx(&riverside(), &tmp, "again.xlsx", &[]);
    assert_eq!(
        std::fs::read(&book).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

/// Riverside with three edits: a status changed, a task added, a row contested.
fn changed_riverside(name: &str) -> (TempDir, PathBuf) {
    let (tmp, changed) = copy_model(&riverside(), name);
    let it = changed.join("allocations/it-support.yaml");
    edit(
        &it,
        "  identify-new-vulnerabilities:\n    status: supplier",
        "  identify-new-vulnerabilities:\n    status: customer",
    );
    edit(
        &it,
        "        description: Review the patch compliance report each quarter\n",
        "        description: Review the patch compliance report each quarter\n      - owner: acme-it\n        kind: operate\n        description: Send the patch compliance report each month\n        contract: Schedule 2, clause 4.4\n        evidence: Patch compliance report\n",
    );
    edit(
        &changed.join("allocations/ledgerly-finance.yaml"),
        "    note: Ledgerly has no network equipment of its own; Nimbus runs it.\n",
        "    note: Ledgerly has no network equipment of its own; Nimbus runs it.\n    contested:\n      by: ledgerly\n      comment: Our own routers at the office are ours to update\n",
    );
    (tmp, changed)
}

#[test]
fn xlsx_import_of_a_changed_model_gives_the_diff_of_the_two() {
    let (tmp, changed) = changed_riverside("xlsx-changed");
    let (_tmp2, copy) = copy_model(&riverside(), "xlsx-into");
    let book = export_xlsx(&changed, &tmp, "changed.xlsx", &[]);

    let expected = demarc(&["diff", s(&riverside()), s(&changed), "--format", "json"]);
    expected.expect(0);
    let expected = expected.json();
    assert!(
        expected["changes"].as_array().unwrap().len() >= 3,
        "{expected}"
    );

    let before = snapshot(&copy);
    let run = demarc(&[
        "import",
        "xlsx",
        s(&book),
        "--into",
        s(&copy),
        "--dry-run",
        "--format",
        "json",
    ]);
    run.expect(0);
    assert_eq!(run.json()["diff"], expected);
    assert_eq!(snapshot(&copy), before, "--dry-run wrote something");

    let run = demarc(&["import", "xlsx", s(&book), "--into", s(&copy)]);
    run.expect(0);
    assert!(run.stderr.contains("updated"), "{}", run.stderr);
    // The copy now says what the changed model says, and only the two edited services'
    // files were rewritten.
    let run = demarc(&["diff", s(&changed), s(&copy), "--format", "json"]);
    run.expect(0);
    assert_eq!(
        run.json()["changes"].as_array().unwrap().len(),
        0,
        "{}",
        run.stdout
    );
    let after = snapshot(&copy);
    let rewritten: Vec<&PathBuf> = after
        .iter()
        .filter(|(p, bytes)| before.get(*p) != Some(bytes))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        rewritten,
        [
            Path::new("allocations/it-support.yaml"),
            Path::new("allocations/ledgerly-finance.yaml")
        ],
    );
}

#[test]
fn xlsx_for_one_party_changes_only_its_rows() {
    let (tmp, changed) = changed_riverside("xlsx-party");
    let (_tmp2, copy) = copy_model(&riverside(), "xlsx-party-into");
    // Exported for Acme IT: the Ledgerly row contested in `changed` is not in it.
    let book = export_xlsx(&changed, &tmp, "acme.xlsx", &["--party", "acme-it"]);
    let run = demarc(&[
        "import",
        "xlsx",
        s(&book),
        "--into",
        s(&copy),
        "--dry-run",
        "--format",
        "json",
    ]);
    run.expect(0);
    let changes = run.json()["diff"]["changes"].as_array().unwrap().clone();
    assert!(!changes.is_empty());
    for c in &changes {
        assert_eq!(c["service"], "it-support", "{c}");
    }
    // Exactly the changes of the full diff that fall on the workbook's rows.
    let wb = demarc_office::Workbook::from_xlsx(&std::fs::read(&book).unwrap()).unwrap();
    let rows: BTreeSet<(String, String)> = wb
        .sheet("Matrix")
        .unwrap()
        .rows()
        .skip(1)
        .map(|(_, r)| (r[0].clone(), r[1].clone()))
        .collect();
    let all = demarc(&["diff", s(&riverside()), s(&changed), "--format", "json"]).json();
    let on_its_rows: Vec<&Value> = all["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let key = (
                c["service"].as_str().unwrap_or("").to_owned(),
                c["responsibility"].as_str().unwrap_or("").to_owned(),
            );
            rows.contains(&key)
        })
        .collect();
    assert_eq!(changes.iter().collect::<Vec<_>>(), on_its_rows);
    // The row that became the Trust's own is no longer Acme's, so it is not in the workbook
    // and keeps what the model says; the contested Ledgerly row is not Acme's either.
    assert!(!rows.contains(&("it-support".into(), "identify-new-vulnerabilities".into())));
    assert!(rows.iter().all(|(s, _)| s != "ledgerly-finance"));
}

#[test]
fn xlsx_to_a_new_model_checks_and_has_the_same_cells() {
    let tmp = TempDir::new("xlsx-new");
    let book = export_xlsx(&riverside(), &tmp, "matrix.xlsx", &[]);
    let out = tmp.join("new-model");
    let run = demarc(&["import", "xlsx", s(&book), "-o", s(&out)]);
    run.expect(0);
    assert!(run.stderr.contains("note:"), "{}", run.stderr);
    assert!(run.stderr.contains("people"), "{}", run.stderr);
    assert!(out.join("catalogue-workbook.yaml").is_file());

    let run = demarc(&["check", s(&out), "--format", "json"]);
    assert!(run.code == 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["errors"], 0);

    // Same cells: every cell says the same (status, tasks, terms, notes), whether the
    // original wrote it or a preset filled it.
    let (original, new) = (load(&riverside()), load(&out));
    let (ov, nv) = (
        demarc_core::View::new(&original),
        demarc_core::View::new(&new),
    );
    assert_eq!(nv.services().len(), ov.services().len());
    for (s, r, cell) in ov.cells() {
        let ns = nv.service_index(&ov.service(s).id).unwrap();
        let nr = nv.responsibility_index(&ov.responsibility(r).id).unwrap();
        let content = |c: &demarc_core::view::Cell<'_>| {
            c.allocation.map(|a| {
                let mut a = a.without_locations();
                a.responsibility = Ref::default();
                a
            })
        };
        assert_eq!(content(nv.cell(ns, nr)), content(cell));
    }

    // -o refuses a directory that is not empty, before reading anything.
    let run = demarc(&["import", "xlsx", s(&book), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("is not empty"), "{}", run.stderr);
}

#[test]
fn xlsx_row_errors_name_sheet_row_and_column_and_change_nothing() {
    let (tmp, copy) = copy_model(&riverside(), "xlsx-bad-rows");
    let before = snapshot(&copy);

    // A contested comment with nobody contesting, and a service the model does not have.
    let mut model = load(&riverside());
    let cell = model
        .allocations
        .iter_mut()
        .find(|g| g.service.id == "ledgerly-finance")
        .unwrap()
        .cells
        .iter_mut()
        .find(|a| a.responsibility.id == "update-network-software")
        .unwrap();
    cell.contested = Some(Contest {
        by: Ref::new(""),
        comment: "Not us".into(),
    });
    let mut typo: Service = model.services[1].clone();
    typo.id = "office365".into();
    model.services.push(typo);
    let book = workbook_of(&model, &tmp, "bad.xlsx");
    // Where those rows are in the sheet (1-based, the header is row 1).
    let wb = demarc_office::Workbook::from_xlsx(&std::fs::read(&book).unwrap()).unwrap();
    let sheet = wb.sheet("Matrix").unwrap();
    let header = sheet.row(0).to_vec();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u32;
    let find = |service: &str, resp: Option<&str>| {
        sheet
            .rows()
            .find(|(_, r)| {
                r.first().map(String::as_str) == Some(service)
                    && resp.is_none_or(|resp| r.get(1).map(String::as_str) == Some(resp))
            })
            .map(|(i, _)| i + 1)
            .unwrap()
    };
    let contested_row = find("ledgerly-finance", Some("update-network-software"));
    let typo_row = find("office365", None);
    let letter = |c: u32| demarc_office::workbook::column_letter(c);

    let run = demarc(&["import", "xlsx", s(&book), "--into", s(&copy)]);
    run.expect(2);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    let want = format!(
        "bad.xlsx: sheet \"Matrix\", row {contested_row}, column {} (contested_by): a contested comment needs the party",
        letter(col("contested_by"))
    );
    assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);
    let want = format!(
        "sheet \"Matrix\", row {typo_row}, column A (service): there is no service \"office365\" in the model; did you mean \"office-365\"?"
    );
    assert!(run.stderr.contains(&want), "{want}\n{}", run.stderr);

    let run = demarc(&[
        "import",
        "xlsx",
        s(&book),
        "--into",
        s(&copy),
        "--format",
        "json",
    ]);
    run.expect(2);
    let errors = run.json()["errors"].as_array().unwrap().clone();
    let e = errors
        .iter()
        .find(|e| e["header"] == "contested_by")
        .unwrap();
    assert_eq!(e["sheet"], "Matrix");
    assert_eq!(e["row"], contested_row);
    assert_eq!(e["column"], letter(col("contested_by")));
    assert_eq!(snapshot(&copy), before);

    // A Word document saved with the wrong extension says what it is.
    let crm = tmp.join("other.xlsx");
    let run = demarc(&["export", s(&riverside()), "--format", "docx", "-o", s(&crm)]);
    run.expect(0);
    let run = demarc(&["import", "xlsx", s(&crm), "--into", s(&copy)]);
    run.expect(2);
    assert!(run.stderr.contains("Word document"), "{}", run.stderr);
    assert_eq!(snapshot(&copy), before);
}

/// A minimal OLE compound file holding one empty stream: what an encrypted workbook is
/// (stream "EncryptedPackage") or an old .xls.
fn ole_file(stream: &str) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut out = vec![0u8; 512 * 3];
    let put = |b: &mut Vec<u8>, at: usize, v: &[u8]| b[at..at + v.len()].copy_from_slice(v);
    put(
        &mut out,
        0,
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
    );
    put(&mut out, 24, &0x003Eu16.to_le_bytes());
    put(&mut out, 26, &3u16.to_le_bytes());
    put(&mut out, 28, &0xFFFEu16.to_le_bytes());
    put(&mut out, 30, &9u16.to_le_bytes());
    put(&mut out, 32, &6u16.to_le_bytes());
    put(&mut out, 44, &1u32.to_le_bytes());
    put(&mut out, 48, &1u32.to_le_bytes());
    put(&mut out, 56, &4096u32.to_le_bytes());
    put(&mut out, 60, &END.to_le_bytes());
    put(&mut out, 68, &END.to_le_bytes());
    put(&mut out, 76, &0u32.to_le_bytes());
    for i in 1..109 {
        put(&mut out, 76 + 4 * i, &FREE.to_le_bytes());
    }
    put(&mut out, 512, &0xFFFF_FFFDu32.to_le_bytes());
    put(&mut out, 516, &END.to_le_bytes());
    for i in 2..128 {
        put(&mut out, 512 + 4 * i, &FREE.to_le_bytes());
    }
    for (at, name, kind, child) in [(1024, "Root Entry", 5u8, 1u32), (1152, stream, 2, FREE)] {
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            put(&mut out, at + 2 * i, &u.to_le_bytes());
        }
        put(
            &mut out,
            at + 64,
            &((units.len() as u16 + 1) * 2).to_le_bytes(),
        );
        out[at + 66] = kind;
        out[at + 67] = 1;
        put(&mut out, at + 68, &FREE.to_le_bytes());
        put(&mut out, at + 72, &FREE.to_le_bytes());
        put(&mut out, at + 76, &child.to_le_bytes());
        put(&mut out, at + 116, &END.to_le_bytes());
    }
    out
}

#[test]
fn xlsx_files_that_cannot_be_read_change_nothing() {
    let (tmp, copy) = copy_model(&riverside(), "xlsx-bad-files");
    let before = snapshot(&copy);
    let good = std::fs::read(export_xlsx(&riverside(), &tmp, "good.xlsx", &[])).unwrap();
    let csv = demarc(&["export", s(&riverside()), "--format", "csv"]).stdout;

    let huge = tmp.join("huge.xlsx");
    // A sparse file over the size limit: refused before it is read.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(demarc_office::workbook::MAX_FILE_BYTES + 1)
        .unwrap();
    let cases: Vec<(&str, Option<Vec<u8>>, &str)> = vec![
        (
            "truncated.xlsx",
            Some(good[..good.len() / 3].to_vec()),
            "workbook",
        ),
        (
            "encrypted.xlsx",
            Some(ole_file("EncryptedPackage")),
            "password-protected",
        ),
        ("old.xlsx", Some(ole_file("Workbook")), "Excel 97-2003"),
        ("matrix.csv.xlsx", Some(csv.into_bytes()), "looks like text"),
        ("empty.xlsx", Some(Vec::new()), "empty"),
        ("huge.xlsx", None, "too large"),
        ("missing.xlsx", None, "cannot be read"),
    ];
    for (name, bytes, words) in cases {
        let path = tmp.join(name);
        if let Some(b) = bytes {
            std::fs::write(&path, b).unwrap();
        }
        for target in [["--into", s(&copy)], ["-o", s(&tmp.join("new"))]] {
            let mut args = vec!["import", "xlsx", s(&path)];
            args.extend_from_slice(&target);
            let run = demarc(&args);
            run.expect(2);
            assert!(
                run.stderr.contains(name) && run.stderr.contains(words),
                "{name}: {}",
                run.stderr
            );
            assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
        }
        let run = demarc(&[
            "import",
            "xlsx",
            s(&path),
            "--into",
            s(&copy),
            "--format",
            "json",
        ]);
        run.expect(2);
        assert_eq!(run.json()["errors"].as_array().unwrap().len(), 1);
    }
    assert_eq!(snapshot(&copy), before);
    assert!(!tmp.join("new").exists());
}

#[test]
fn xlsx_export_flags() {
    let tmp = TempDir::new("xlsx-flags");
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "xlsx",
        "--party",
        "acme",
        "-o",
        s(&tmp.join("x.xlsx")),
    ]);
    run.expect(2);
    assert!(
        run.stderr.contains("did you mean \"acme-it\""),
        "{}",
        run.stderr
    );
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "xlsx",
        "--service",
        "office365",
        "-o",
        s(&tmp.join("x.xlsx")),
    ]);
    run.expect(2);
    assert!(
        run.stderr.contains("did you mean \"office-365\""),
        "{}",
        run.stderr
    );
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "xlsx",
        "--what",
        "schedule",
        "-o",
        s(&tmp.join("x.xlsx")),
    ]);
    run.expect(2);
    assert!(run.stderr.contains("matrix only"), "{}", run.stderr);
    assert!(!tmp.join("x.xlsx").exists());

    // One service's workbook holds only its rows.
    let one = export_xlsx(
        &riverside(),
        &tmp,
        "o365.xlsx",
        &["--service", "office-365"],
    );
    let wb = demarc_office::Workbook::from_xlsx(&std::fs::read(one).unwrap()).unwrap();
    let sheet = wb.sheet("Matrix").unwrap();
    assert!(sheet.height() > 17);
    assert!(
        sheet
            .rows()
            .skip(1)
            .all(|(_, r)| r.first().map(String::as_str) == Some("office-365"))
    );
}

#[test]
fn every_importer_refuses_a_huge_file_and_changes_nothing() {
    let (tmp, copy) = copy_model(&riverside(), "huge-files");
    let before = snapshot(&copy);
    // A sparse file over the size limit: refused by its size, before it is read.
    let huge = tmp.join("huge.xlsx");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(demarc_office::workbook::MAX_FILE_BYTES + 1)
        .unwrap();
    let new = tmp.join("new");
    for source in ["xlsx", "crm", "caiq", "baseline"] {
        for target in [["--into", s(&copy)], ["-o", s(&new)]] {
            let mut args = vec!["import", source, s(&huge)];
            args.extend_from_slice(&target);
            if source == "caiq" {
                args.extend_from_slice(&["--provider", "Example SaaS"]);
            }
            let run = demarc(&args);
            run.expect(2);
            assert!(
                run.stderr.contains("huge.xlsx") && run.stderr.contains("is too large"),
                "import {source}: {}",
                run.stderr
            );
            assert!(!new.exists(), "import {source} wrote {}", new.display());
        }
    }
    assert_eq!(snapshot(&copy), before);
}
