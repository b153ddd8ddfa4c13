//! `demarc` end to end: crm. FedRAMP CIS/CRM workbooks in (`import crm`) and out
//! (`export --format crm`). The real workbooks are read from ../shared/data (skipped when it is
//! not there); the riverside round trip needs nothing outside the repository.

use super::*;

const PAGES: &str = "cloud-gov-crm/cloud.gov-Pages-CIS-and-CRM-Workbook.xlsx";
const PAAS: &str = "cloud-gov-crm/cloud.gov-CIS-Worksheet.xlsx";
const TEMPLATE: &str = "gsa-fedramp-gov-crm-template/SSP-Appendix-J-CSO-CIS-and-CRM-Workbook.xlsx";

#[test]
fn crm_import_into_a_new_model_checks_without_errors() {
    let Some(file) = shared_data(PAGES) else {
        return;
    };
    let tmp = TempDir::new("crm-new");
    let out = tmp.join("pages");
    let run = demarc(&["import", "crm", s(&file), "-o", s(&out)]);
    run.expect(0);
    assert!(
        run.stderr.contains("wrote ") && run.stderr.contains("2 services, 323 responsibilities"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("note: sheet \"Moderate CRM Worksheet\", row 4, column C (FIPS-199"),
        "{}",
        run.stderr
    );
    for f in [
        "demarc.yaml",
        "parties.yaml",
        "services.yaml",
        "catalogue-fedramp-moderate.yaml",
        "allocations/cloud-gov-pages.yaml",
        "allocations/aws-govcloud.yaml",
    ] {
        assert!(out.join(f).is_file(), "{f} is missing");
    }
    // No errors: what is left is for the customer to name (its supplier's evidence and contract).
    let run = demarc(&["check", s(&out), "--format", "json"]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["summary"]["errors"], 0);
    let codes = counts_by_code(&j);
    assert_eq!(
        codes,
        BTreeMap::from([
            ("contract-ref-missing".to_owned(), 305),
            ("evidence-missing".to_owned(), 305)
        ])
    );
    // The matrix shows a control split into parts with the statements' tasks.
    let text = std::fs::read_to_string(out.join("allocations/cloud-gov-pages.yaml")).unwrap();
    assert!(text.contains("statement: ac-2_smt.a"));
    assert!(
        text.contains(
            "Site owner is responsible for assigning Pages users to the appropriate role."
        )
    );
}

#[test]
fn crm_import_json_report_and_titles_from_a_catalog() {
    let Some(file) = shared_data(PAAS) else {
        return;
    };
    let Some(catalog) =
        shared_data("nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json")
    else {
        return;
    };
    let tmp = TempDir::new("crm-json");
    let out = tmp.join("paas");
    let run = demarc(&[
        "import",
        "crm",
        s(&file),
        "-o",
        s(&out),
        "--catalog",
        s(&catalog),
        "--format",
        "json",
    ]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["written"], true);
    assert_eq!(j["parties"], 3);
    assert_eq!(j["services"], 2);
    assert_eq!(j["responsibilities"], 325);
    assert_eq!(
        j["cells"],
        serde_json::json!({"customer": 243, "supplier": 265, "shared": 39, "inherited": 89, "not-applicable": 14})
    );
    let notes = j["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 14);
    assert_eq!(notes[0]["sheet"], "PaaS CRM");
    assert_eq!(notes[0]["row"], 3);
    assert_eq!(notes[0]["column"], "D");
    let cat = std::fs::read_to_string(out.join("catalogue-fedramp-moderate.yaml")).unwrap();
    assert!(
        cat.contains("title: AC-2 Account Management"),
        "titles from the catalog"
    );
    assert!(cat.contains("nist-800-53: [AC-2(1)]"));

    // Written back as a workbook: the same sheets the template has, read back as the same model.
    let xlsx = tmp.join("paas.xlsx");
    demarc(&[
        "export",
        s(&out),
        "--format",
        "crm",
        "--party",
        "cloud-gov",
        "-o",
        s(&xlsx),
    ])
    .expect(0);
    let again = tmp.join("again");
    demarc(&[
        "import",
        "crm",
        s(&xlsx),
        "-o",
        s(&again),
        "--catalog",
        s(&catalog),
    ])
    .expect(0);
    assert_eq!(snapshot(&out), snapshot(&again));
}

#[test]
fn crm_import_into_an_existing_model() {
    let Some(file) = shared_data(PAGES) else {
        return;
    };
    let (_tmp, dir) = copy_model(&riverside(), "riverside");
    let before = snapshot(&dir);
    let run = demarc(&["import", "crm", s(&file), "--into", s(&dir)]);
    run.expect(0);
    assert!(
        run.stdout.contains("service cloud.gov Pages was added"),
        "{}",
        run.stdout
    );
    let after = snapshot(&dir);
    // Riverside's own allocation files are kept byte for byte; the new service and its
    // catalogue get files of their own.
    for (path, bytes) in &before {
        if path.starts_with("allocations") {
            assert_eq!(after.get(path), Some(bytes), "{} changed", path.display());
        }
    }
    assert!(after.contains_key(Path::new("catalogue-fedramp-moderate.yaml")));
    assert!(after.contains_key(Path::new("allocations/cloud-gov-pages.yaml")));
    let model = std::fs::read_to_string(dir.join("demarc.yaml")).unwrap();
    assert!(model.contains("customer: riverside"));
    assert!(model.contains("- catalogue-fedramp-moderate.yaml"));
    // The model now has the controls for every service, and riverside's responsibilities for
    // cloud.gov Pages: those cells are undecided until someone decides them.
    let run = demarc(&["check", s(&dir), "--format", "json"]);
    run.expect(1);
    let codes = counts_by_code(&run.json());
    assert_eq!(codes["gap"], 4 * 323 + 2 * 17);
    assert_eq!(codes.len(), 3, "{codes:?}");
    // The same workbook again: nothing changes.
    let run = demarc(&["import", "crm", s(&file), "--into", s(&dir)]);
    run.expect(0);
    assert!(
        run.stdout.to_lowercase().contains("no changes"),
        "{}",
        run.stdout
    );
    assert_eq!(snapshot(&dir), after);
}

#[test]
fn crm_export_of_a_riverside_supplier_reads_back_unchanged() {
    let tmp = TempDir::new("crm-riverside");
    let xlsx = tmp.join("ledgerly.xlsx");
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "crm",
        "--party",
        "ledgerly",
        "-o",
        s(&xlsx),
    ]);
    run.expect(0);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let (_t, dir) = copy_model(&riverside(), "riverside");
    let before = snapshot(&dir);
    let run = demarc(&["import", "crm", s(&xlsx), "--into", s(&dir)]);
    run.expect(0);
    assert!(
        run.stdout.to_lowercase().contains("no changes"),
        "{}",
        run.stdout
    );
    assert_eq!(snapshot(&dir), before);

    // Which provider and service: asked for, and checked.
    let run = demarc(&["export", s(&riverside()), "--format", "crm", "-o", s(&xlsx)]);
    run.expect(2);
    assert!(
        run.stderr.contains("--format crm needs --party"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("acme-it, ledgerly, microsoft, nimbus"),
        "{}",
        run.stderr
    );
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "crm",
        "--party",
        "ledgerly",
        "--service",
        "office-365",
        "-o",
        s(&xlsx),
    ]);
    run.expect(2);
    assert!(
        run.stderr.contains("ledgerly does not provide it"),
        "{}",
        run.stderr
    );
    let run = demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "crm",
        "--party",
        "ledgerly",
        "--what",
        "schedule",
        "-o",
        s(&xlsx),
    ]);
    run.expect(2);
    assert!(
        run.stderr.contains("--what does not apply"),
        "{}",
        run.stderr
    );
}

#[test]
fn crm_import_refuses_what_it_cannot_read_and_writes_nothing() {
    let tmp = TempDir::new("crm-bad");
    let out = tmp.join("out");

    // The matrix workbook is not a CIS/CRM workbook: every sheet is named.
    let matrix = tmp.join("matrix.xlsx");
    demarc(&[
        "export",
        s(&riverside()),
        "--format",
        "xlsx",
        "-o",
        s(&matrix),
    ])
    .expect(0);
    let run = demarc(&["import", "crm", s(&matrix), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert!(
        run.stderr.contains("not a CIS or CRM worksheet"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());
    let run = demarc(&[
        "import",
        "crm",
        s(&matrix),
        "-o",
        s(&out),
        "--format",
        "json",
    ]);
    run.expect(2);
    let errors = run.json()["errors"].as_array().unwrap().clone();
    assert!(!errors.is_empty());
    assert!(
        errors
            .iter()
            .all(|e| e["sheet"].is_string() && e["row"] == 1)
    );
    assert!(!out.exists());

    // A corrupted file.
    let broken = tmp.join("broken.xlsx");
    std::fs::write(&broken, b"PK\x03\x04 this is not really a workbook").unwrap();
    let run = demarc(&["import", "crm", s(&broken), "-o", s(&out)]);
    run.expect(2);
    assert!(
        run.stderr.contains("is not an XLSX workbook"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());

    // A file that is not there, and a --baseline that is not one.
    demarc(&["import", "crm", s(&tmp.join("none.xlsx")), "-o", s(&out)]).expect(2);
    assert!(!out.exists());
    let Some(template) = shared_data(TEMPLATE) else {
        return;
    };
    let run = demarc(&[
        "import",
        "crm",
        s(&template),
        "-o",
        s(&out),
        "--baseline",
        "medium",
    ]);
    run.expect(2);
    assert!(
        run.stderr
            .contains("expected high, moderate, low or li-saas"),
        "{}",
        run.stderr
    );

    // The template has four baselines and none filled in: which one is a question.
    let run = demarc(&["import", "crm", s(&template), "-o", s(&out)]);
    run.expect(2);
    assert!(
        run.stderr.contains("sheet \"Moderate CIS Worksheet\""),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("--baseline (high, moderate, low, li-saas)"),
        "{}",
        run.stderr
    );
    assert!(!out.exists());

    // Another workbook FedRAMP publishes (the baseline control list) is not one either.
    if let Some(other) =
        shared_data("gsa-fedramp-gov-crm-template/FedRAMP_Security_Controls_Baseline.xlsx")
    {
        let run = demarc(&["import", "crm", s(&other), "-o", s(&out)]);
        run.expect(2);
        assert!(
            run.stderr.contains("sheet \"High Baseline\""),
            "{}",
            run.stderr
        );
        assert!(!out.exists());
    }

    // With --baseline it reads: every control undecided, said in a note; --dry-run writes
    // nothing.
    let run = demarc(&[
        "import",
        "crm",
        s(&template),
        "-o",
        s(&out),
        "--baseline",
        "moderate",
        "--dry-run",
    ]);
    run.expect(0);
    assert!(
        run.stderr.contains("688 rows have nothing filled in (no mark, no answer, no text): 323 controls are left undecided"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("would write"), "{}", run.stderr);
    assert!(!out.exists());
}
