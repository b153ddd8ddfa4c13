//! `demarc` end to end: baseline. Microsoft's Azure baselines are read from ../shared/data
//! (skipped when it is not there); a managed service provider's catalogue of presets is written
//! by the test.

use super::*;

fn baselines_dir() -> Option<PathBuf> {
    shared_data("microsoft-security-benchmark/azure-offer-security-baselines-3.0")
}

#[test]
fn baseline_all_118_into_a_new_model() {
    let Some(dir) = baselines_dir() else { return };
    let tmp = TempDir::new("baseline-all");
    let out = tmp.join("azure");
    let run = demarc(&[
        "import",
        "baseline",
        s(&dir),
        "-o",
        s(&out),
        "--format",
        "json",
    ]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["parties"], 2);
    assert_eq!(j["services"], 118);
    assert_eq!(j["responsibilities"], 34);
    // Every cell of 118 services × 34 controls: the presets' entries, the rest undecided.
    assert_eq!(j["cells"]["not-applicable"], 2_103);
    assert_eq!(j["cells"]["customer"], 720);
    assert_eq!(j["cells"]["supplier"], 296);
    assert_eq!(j["cells"]["shared"], 75);
    assert_eq!(j["cells"]["undecided"], 118 * 34 - 3_194);
    assert_eq!(j["notes"].as_array().unwrap().len(), 6);
    let services = std::fs::read_to_string(out.join("services.yaml")).unwrap();
    assert!(
        services.contains("  - id: azure-sql\n    name: Azure SQL\n"),
        "{services}"
    );
    assert!(
        services.contains("    presets: [azure-sql]\n"),
        "{services}"
    );
    let cat = std::fs::read_to_string(out.join("catalogue-azure-security-baseline.yaml")).unwrap();
    assert!(
        cat.contains("CC BY 4.0"),
        "the attribution travels with the catalogue"
    );

    // `demarc check` works on it and reports what is left to agree.
    let run = demarc(&["check", s(&out), "--format", "json"]);
    run.expect(1);
    let codes = counts_by_code(&run.json());
    assert_eq!(
        codes,
        BTreeMap::from([
            ("gap".to_owned(), 818),
            ("evidence-missing".to_owned(), 296 + 75),
            ("contract-ref-missing".to_owned(), 296 + 75),
        ])
    );
    // The matrix of one service shows the preset's cells.
    let run = demarc(&["matrix", s(&out), "--service", "azure-sql"]);
    run.expect(0);
    assert!(run.stdout.contains("Azure SQL"), "{}", run.stdout);
    assert!(run.stdout.contains("preset"), "{}", run.stdout);
}

#[test]
fn baseline_into_an_existing_model_adds_presets_not_services() {
    let Some(dir) = baselines_dir() else { return };
    let (_t, model) = copy_model(&riverside(), "riverside");
    let before = snapshot(&model);
    let file = dir.join("key-vault-azure-security-benchmark-v3-latest-security-baseline.xlsx");
    let run = demarc(&["import", "baseline", s(&file), "--into", s(&model)]);
    run.expect(0);
    assert!(run.stderr.contains("added 1 preset:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("presets: [azure-key-vault]"),
        "{}",
        run.stderr
    );
    let after = snapshot(&model);
    for f in ["parties.yaml", "services.yaml"] {
        assert_eq!(after[Path::new(f)], before[Path::new(f)], "{f} changed");
    }
    let cat = String::from_utf8(after[Path::new("catalogue-azure-security-baseline.yaml")].clone())
        .unwrap();
    assert!(cat.contains("  - id: azure-key-vault\n"), "{cat}");
    let m = String::from_utf8(after[Path::new("demarc.yaml")].clone()).unwrap();
    assert!(m.contains("catalogue-azure-security-baseline.yaml"), "{m}");
    assert!(
        run.stderr
            .contains("the 27 new responsibilities apply to every service"),
        "{}",
        run.stderr
    );

    // The same baseline again changes nothing; another one goes into the same catalogue file:
    // its preset is added, the first one kept, and the other files are left as they were.
    demarc(&["import", "baseline", s(&file), "--into", s(&model)]).expect(0);
    assert_eq!(snapshot(&model), after);
    let sql = dir.join("azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx");
    let run = demarc(&["import", "baseline", s(&sql), "--into", s(&model)]);
    run.expect(0);
    let again = snapshot(&model);
    let cat = String::from_utf8(again[Path::new("catalogue-azure-security-baseline.yaml")].clone())
        .unwrap();
    assert!(cat.contains("  - id: azure-key-vault\n"), "{cat}");
    assert!(
        cat.contains("  - id: azure-sql-database\n") || cat.contains("  - id: azure-sql\n"),
        "{cat}"
    );
    for f in ["parties.yaml", "services.yaml", "demarc.yaml"] {
        assert_eq!(again[Path::new(f)], after[Path::new(f)], "{f} changed");
    }
    demarc(&["check", s(&model), "--format", "json"]).no_panic();
    // Back to the model with Key Vault only, for what follows.
    std::fs::write(
        model.join("catalogue-azure-security-baseline.yaml"),
        &after[Path::new("catalogue-azure-security-baseline.yaml")],
    )
    .unwrap();

    // Use the preset on a service: its cells come from Microsoft's baseline.
    edit(
        &model.join("services.yaml"),
        "services:\n",
        "services:\n  - id: vault\n    name: Key Vault\n    provider: microsoft\n    presets: [azure-key-vault]\n",
    );
    let run = demarc(&[
        "export",
        s(&model),
        "--format",
        "json",
        "--service",
        "vault",
    ]);
    run.expect(0);
    let j = run.json();
    let mut presets = BTreeSet::new();
    for area in j["areas"].as_array().unwrap() {
        for row in area["rows"].as_array().unwrap() {
            for cell in row["cells"].as_array().unwrap() {
                if cell["origin"] == "preset" {
                    presets.insert(cell["preset"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    assert_eq!(presets, BTreeSet::from(["azure-key-vault".to_owned()]));
}

#[test]
fn baseline_bad_inputs_change_nothing() {
    let tmp = TempDir::new("baseline-bad");
    let out = tmp.join("m");
    // A CAIQ workbook is not a baseline.
    let caiq = tmp.join("caiq.xlsx");
    let mut rows = vec![vec![
        "Question ID",
        "Question",
        "CSP CAIQ Answer",
        "SSRM Control Ownership",
    ]];
    rows.extend(super::caiq::answer_rows());
    std::fs::write(&caiq, super::caiq::xlsx("CAIQv4", &rows)).unwrap();
    let run = demarc(&["import", "baseline", s(&caiq), "-o", s(&out)]);
    run.expect(2);
    assert!(
        run.stderr.contains("not an Azure security baseline"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("caiq.xlsx"), "{}", run.stderr);
    assert!(!out.exists());

    // A damaged workbook, into a model: exit 2, the model as it was.
    let (_t, model) = copy_model(&riverside(), "riverside");
    let before = snapshot(&model);
    let bad = tmp.join("damaged.xlsx");
    let mut bytes = super::caiq::xlsx("Feature Summary", &rows);
    bytes.truncate(bytes.len() * 2 / 3);
    std::fs::write(&bad, bytes).unwrap();
    let run = demarc(&["import", "baseline", s(&bad), "--into", s(&model)]);
    run.expect(2);
    assert!(run.stderr.contains("damaged.xlsx"), "{}", run.stderr);
    assert_eq!(snapshot(&model), before);
    // Given with good baselines, the damaged one still stops the whole import.
    if let Some(dir) = baselines_dir() {
        let good = dir.join("azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx");
        let run = demarc(&["import", "baseline", s(&good), s(&bad), "-o", s(&out)]);
        run.expect(2);
        assert!(!out.exists());
    }
    // An empty directory.
    let empty = tmp.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let run = demarc(&["import", "baseline", s(&empty), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("no .xlsx"), "{}", run.stderr);
}

// ---- a managed service provider's own standard model, as presets ----

/// Acme IT's standard model over the built-in `twt` catalogue: one preset, with owners
/// `provider`, `customer` and Acme's own party id.
const ACME_STANDARD: &str = r#"catalogue:
  id: acme-standard
  title: Acme IT standard support model
  version: "2026.1"
  source: Acme IT Ltd, for its customers
presets:
  - id: acme-standard
    title: Acme IT standard managed support
    allocations:
      identify-new-threats: supplier
      identify-new-vulnerabilities: supplier
      mitigate-new-threats:
        status: shared
        tasks:
          - owner: provider
            description: Acme blocks the threat on the systems it runs.
          - owner: customer
            description: The school warns its staff.
      mitigate-new-vulnerabilities: supplier
      vulnerability-scanning: supplier
      penetration-testing:
        status: not-applicable
        reason: Not part of standard support; ordered separately.
      update-server-software:
        status: supplier
        description: Acme installs security updates on servers every month.
        expected: true
        why: Acme holds the only administrator accounts on the servers.
      update-end-user-device-software: supplier
      update-network-software: supplier
      network-firewall: supplier
      server-firewall: supplier
      end-user-device-firewall: supplier
      create-maintain-user-accounts:
        status: shared
        tasks:
          - owner: customer
            description: The school asks for new accounts and says when staff leave.
          - owner: acme-it
            description: Acme creates and removes accounts within one working day.
      create-maintain-groups: supplier
      apply-permissions-to-groups-and-users: supplier
"#;

/// A customer's model: the school, Acme IT, and Acme's support service (no allocations yet).
fn school(tmp: &TempDir, name: &str) -> PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("demarc.yaml"),
        format!("name: {name} — IT services\ncustomer: {name}\ncatalogues: [twt]\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("parties.yaml"),
        format!(
            "parties:\n  - id: {name}\n    name: {name}\n    type: customer\n  - id: acme-it\n    name: Acme IT Ltd\n    type: msp\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("services.yaml"),
        "services:\n  - id: support\n    name: Managed IT support\n    provider: acme-it\n    model: managed-service\n    contract: Acme support agreement 2026\n    evidence: Acme monthly service report\n",
    )
    .unwrap();
    dir
}

/// Each cell of the support service: (status, origin, preset, override).
fn support_cells(dir: &Path) -> BTreeMap<String, (String, String, String, bool)> {
    let run = demarc(&["export", s(dir), "--format", "json", "--service", "support"]);
    run.expect(0);
    let mut out = BTreeMap::new();
    for area in run.json()["areas"].as_array().unwrap() {
        for row in area["rows"].as_array().unwrap() {
            let id = row["responsibility"]["id"].as_str().unwrap().to_owned();
            for c in row["cells"].as_array().unwrap() {
                out.insert(
                    id.clone(),
                    (
                        c["status"].as_str().unwrap().to_owned(),
                        c["origin"].as_str().unwrap().to_owned(),
                        c["preset"].as_str().unwrap_or("").to_owned(),
                        c["is_override"].as_bool().unwrap(),
                    ),
                );
            }
        }
    }
    out
}

#[test]
fn msp_standard_model_as_a_preset_in_two_customer_models() {
    let tmp = TempDir::new("msp-presets");
    let file = tmp.join("acme-standard.yaml");
    std::fs::write(&file, ACME_STANDARD).unwrap();
    let a = school(&tmp, "oakfield");
    let b = school(&tmp, "brookside");

    // A catalogue file is added to a model you have, not made into one.
    let run = demarc(&["import", "baseline", s(&file), "-o", s(&tmp.join("x"))]);
    run.expect(2);
    assert!(run.stderr.contains("--into"), "{}", run.stderr);

    for dir in [&a, &b] {
        let run = demarc(&["import", "baseline", s(&file), "--into", s(dir)]);
        run.expect(0);
        assert!(
            run.stderr.contains("presets: [acme-standard]"),
            "{}",
            run.stderr
        );
        assert!(dir.join("catalogue-acme-standard.yaml").is_file());
        // Acme's preset first, then twt's for the service model (for the two rows it fills).
        edit(
            &dir.join("services.yaml"),
            "    model: managed-service\n",
            "    model: managed-service\n    presets: [acme-standard, twt-managed-service]\n",
        );
    }
    // Oakfield does its own penetration tests; Brookside keeps servers itself.
    std::fs::write(
        a.join("allocations/support.yaml"),
        "service: support\nresponsibilities:\n  penetration-testing: customer\n",
    )
    .unwrap();
    std::fs::create_dir_all(b.join("allocations")).unwrap();
    std::fs::write(
        b.join("allocations/support.yaml"),
        "service: support\nresponsibilities:\n  update-server-software: customer\n",
    )
    .unwrap();

    let ca = support_cells(&a);
    let cb = support_cells(&b);
    assert_eq!(ca.len(), 17);
    let preset_cell = |st: &str, p: &str| (st.to_owned(), "preset".to_owned(), p.to_owned(), false);
    // The preset's cells, the same in both models.
    for cells in [&ca, &cb] {
        assert_eq!(
            cells["network-firewall"],
            preset_cell("supplier", "acme-standard")
        );
        assert_eq!(
            cells["create-maintain-user-accounts"],
            preset_cell("shared", "acme-standard")
        );
        assert_eq!(
            cells["set-information-security-policy"],
            preset_cell("customer", "twt-managed-service")
        );
    }
    // Each model's own override.
    let over = |st: &str| {
        (
            st.to_owned(),
            "explicit".to_owned(),
            "acme-standard".to_owned(),
            true,
        )
    };
    assert_eq!(ca["penetration-testing"], over("customer"));
    assert_eq!(
        cb["penetration-testing"],
        preset_cell("not-applicable", "acme-standard")
    );
    assert_eq!(cb["update-server-software"], over("customer"));
    assert_eq!(
        ca["update-server-software"],
        preset_cell("supplier", "acme-standard")
    );

    // Check: Oakfield is clean; Brookside overrode an expected entry, with Acme's reason.
    let run = demarc(&["check", s(&a), "--format", "json"]);
    run.expect(0);
    assert!(codes_of(&run.json()).is_empty(), "{}", run.stdout);
    let run = demarc(&["check", s(&b)]);
    run.expect(0);
    assert!(
        run.stdout.contains("warning[preset-conflict]"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Acme holds the only administrator accounts"),
        "{}",
        run.stdout
    );

    // The matrix marks the override.
    let run = demarc(&["matrix", s(&b), "--service", "support"]);
    run.expect(0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Update server software"))
        .unwrap();
    assert!(line.contains("override"), "{line}");
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("Network firewall"))
        .unwrap();
    assert!(line.contains("preset"), "{line}");

    // A preset naming a party the model does not have is refused, and nothing changes.
    let other = tmp.join("beacon-standard.yaml");
    std::fs::write(
        &other,
        ACME_STANDARD
            .replace("acme-standard", "beacon-standard")
            .replace("owner: acme-it", "owner: beacon-it"),
    )
    .unwrap();
    let (_t, r) = copy_model(&riverside(), "riverside");
    let before = snapshot(&r);
    let run = demarc(&["import", "baseline", s(&other), "--into", s(&r)]);
    run.expect(2);
    assert!(run.stderr.contains("\"beacon-it\""), "{}", run.stderr);
    assert_eq!(snapshot(&r), before);
}
