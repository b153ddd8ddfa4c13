//! Provider baselines as presets: Microsoft's 118 Azure security baselines (read from
//! ../shared/data, never copied), and a managed service provider's own catalogue of presets.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use demarc_core::check::check;
use demarc_core::model::{Model, Status};
use demarc_core::{Category, Code, Date, View};
use demarc_formats::yaml::{self, ModelFiles, write};
use demarc_office::baseline::{self, Baseline, Split};
use demarc_office::{ImportError, Workbook, WorkbookError};

fn baseline_files() -> Option<Vec<PathBuf>> {
    let dir =
        crate::shared_data("microsoft-security-benchmark/azure-offer-security-baselines-3.0")?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xlsx"))
        .collect();
    files.sort();
    Some(files)
}

fn read(path: &Path) -> Baseline {
    let bytes = std::fs::read(path).unwrap();
    let book = Workbook::from_xlsx(&bytes).unwrap();
    baseline::read(&path.display().to_string(), &book)
        .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

fn all() -> Option<Vec<Baseline>> {
    Some(baseline_files()?.iter().map(|p| read(p)).collect())
}

fn round_trip(model: &Model) -> Model {
    let mut m = model.clone();
    let files = write::model_files_with_catalogues(&mut m);
    let back = yaml::parse(&ModelFiles { files }).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(back.without_locations(), m.without_locations());
    back
}

#[test]
fn all_118_baselines_count_as_provenance_says() {
    let Some(baselines) = all() else { return };
    assert_eq!(baselines.len(), 118);

    // Every feature row, by what its Responsibility column says: PROVENANCE.md's totals.
    let mut by_split: BTreeMap<Split, usize> = BTreeMap::new();
    for f in baselines.iter().flat_map(|b| &b.features) {
        *by_split.entry(f.split).or_default() += 1;
    }
    assert_eq!(by_split[&Split::NotApplicable], 2_861);
    assert_eq!(by_split[&Split::Customer], 909);
    assert_eq!(by_split[&Split::Microsoft], 367);
    assert_eq!(by_split[&Split::Shared], 26);
    assert_eq!(by_split.values().sum::<usize>(), 4_163);
    // Six rows name no ASB control ("None"): left out, each with a note naming file and row.
    let notes: Vec<String> = baselines
        .iter()
        .flat_map(|b| b.notes.iter().map(ToString::to_string))
        .collect();
    assert_eq!(notes.len(), 6, "{notes:#?}");
    assert!(
        notes.iter().any(|n| n.starts_with(
            "sheet \"api-management-azure-security-benchmark-v3-latest-security-baseline.xlsx: Feature Summary\", row 29, column B (ASB Control ID)"
        )),
        "{notes:#?}"
    );

    let cat = baseline::catalogue(&baselines).unwrap();
    let resps: Vec<&str> = cat.responsibilities().map(|(_, r)| r.id.as_str()).collect();
    assert_eq!(resps.len(), 34);
    assert_eq!(cat.areas.len(), 10);
    // Areas in the benchmark's order, controls by number.
    let areas: Vec<&str> = cat.areas.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        areas,
        [
            "asb-ns", "asb-im", "asb-pa", "asb-dp", "asb-am", "asb-lt", "asb-pv", "asb-es",
            "asb-br", "asb-ds"
        ]
    );
    assert_eq!(
        &resps[..6],
        [
            "asb-ns-1", "asb-ns-2", "asb-ns-5", "asb-ns-6", "asb-im-1", "asb-im-3"
        ]
    );
    let im1 = cat
        .responsibilities()
        .find(|(_, r)| r.id == "asb-im-1")
        .unwrap();
    assert_eq!(im1.0.title, "Identity Management");
    assert_eq!(
        im1.1.title,
        "Use centralized identity and authentication system"
    );
    assert_eq!(im1.1.mappings["asb"], ["IM-1"]);
    let info = &cat.sources[0];
    assert!(info.source.as_deref().unwrap().contains("CC BY 4.0"));
    assert!(info.licence.as_deref().unwrap().contains("CC BY 4.0"));

    // One preset per service; entries per status.
    assert_eq!(cat.presets.len(), 118);
    let ids: BTreeSet<&str> = cat.presets.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), 118);
    assert!(ids.contains("azure-sql"));
    assert!(ids.contains("azure-storage"));
    assert!(ids.contains("azure-red-hat-openshift-aro"));
    let mut by_status: BTreeMap<Status, usize> = BTreeMap::new();
    for e in cat.presets.iter().flat_map(|p| &p.entries) {
        *by_status.entry(e.allocation.status).or_default() += 1;
    }
    assert_eq!(by_status[&Status::NotApplicable], 2_103);
    assert_eq!(by_status[&Status::Customer], 720);
    assert_eq!(by_status[&Status::Supplier], 296);
    assert_eq!(by_status[&Status::Shared], 75);
    assert_eq!(by_status.values().sum::<usize>(), 3_194);
    for p in &cat.presets {
        for e in &p.entries {
            let a = &e.allocation;
            match a.status {
                Status::Shared => {
                    let owners: Vec<&str> =
                        a.tasks.iter().map(|t| t.owners[0].id.as_str()).collect();
                    assert_eq!(owners, ["provider", "customer"], "{}", p.id);
                }
                Status::NotApplicable => assert!(a.reason.is_some(), "{}", p.id),
                _ => assert!(a.terms.description.is_some(), "{}", p.id),
            }
        }
    }
}

/// The same split worked out from the derived CSV beside the workbooks (one row per feature),
/// independently of the workbook reader: every preset entry agrees.
#[test]
fn presets_agree_with_the_derived_csv() {
    let Some(baselines) = all() else { return };
    let Some(csv_path) = crate::shared_data(
        "microsoft-security-benchmark/azure-offer-security-baselines-3.0_responsibility.csv",
    ) else {
        return;
    };
    let mut rdr = csv::Reader::from_path(csv_path).unwrap();
    let mut splits: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if &rec[2] == "None" {
            continue;
        }
        splits
            .entry((rec[0].to_owned(), rec[2].to_owned()))
            .or_default()
            .insert(rec[4].to_owned());
    }
    let cat = baseline::catalogue(&baselines).unwrap();
    let mut checked = 0;
    for (b, p) in baselines.iter().zip(&cat.presets) {
        let file = Path::new(&b.source).file_name().unwrap().to_string_lossy();
        for e in &p.entries {
            let control = cat
                .responsibilities()
                .find(|(_, r)| r.id == e.allocation.responsibility.id)
                .map(|(_, r)| r.mappings["asb"][0].clone())
                .unwrap();
            let mut set = splits[&(file.to_string(), control.clone())].clone();
            if set.len() > 1 {
                set.remove("Not Applicable");
            }
            let want = match set
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice()
            {
                ["Not Applicable"] => Status::NotApplicable,
                ["Microsoft"] => Status::Supplier,
                ["Customer"] => Status::Customer,
                _ => Status::Shared,
            };
            assert_eq!(e.allocation.status, want, "{file} {control}");
            checked += 1;
        }
    }
    assert_eq!(checked, splits.len());
}

#[test]
fn azure_sql_preset_content() {
    let Some(dir) =
        crate::shared_data("microsoft-security-benchmark/azure-offer-security-baselines-3.0")
    else {
        return;
    };
    let b = read(&dir.join("azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx"));
    assert_eq!(b.title, "Azure SQL");
    assert_eq!(b.preset_id, "azure-sql");
    assert_eq!(b.features.len(), 35);
    assert_eq!(b.service_model(), demarc_core::ServiceModel::Paas);
    let cat = baseline::catalogue(std::slice::from_ref(&b)).unwrap();
    let p = &cat.presets[0];
    assert_eq!(p.title, "Azure SQL (Microsoft's security baseline)");
    let d = p.description.as_deref().unwrap();
    assert!(d.contains("Product Category: Databases."), "{d}");
    assert!(
        d.contains("Customer can access HOST / OS: No Access."),
        "{d}"
    );
    assert_eq!(p.entries.len(), 27);
    let entry = |id: &str| {
        &p.entries
            .iter()
            .find(|e| e.allocation.responsibility.id == id)
            .unwrap_or_else(|| panic!("no entry {id}"))
            .allocation
    };
    // NS-2: Microsoft disables public access by default; the customer sets up Private Link.
    let ns2 = entry("asb-ns-2");
    assert_eq!(ns2.status, Status::Shared);
    let tasks: Vec<(&str, &str)> = ns2
        .tasks
        .iter()
        .map(|t| {
            (
                t.owners[0].id.as_str(),
                t.terms.description.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        tasks,
        [
            (
                "provider",
                "Microsoft provides: Disable Public Network Access (on by default)."
            ),
            (
                "customer",
                "You set up and keep configured: Azure Private Link."
            )
        ]
    );
    // DP-6: one Shared feature, in both tasks.
    let dp6 = entry("asb-dp-6");
    assert_eq!(dp6.status, Status::Shared);
    assert_eq!(
        dp6.tasks[1].terms.description.as_deref(),
        Some("You set up and keep configured: Key Management in Azure Key Vault (your part).")
    );
    // BR-1: Azure Backup does not apply, the native backup is Microsoft's and on by default.
    let br1 = entry("asb-br-1");
    assert_eq!(br1.status, Status::Supplier);
    assert_eq!(
        br1.terms.description.as_deref(),
        Some("Microsoft does this for you: Service Native Backup Capability (on by default).")
    );
    // NS-1: two Customer features.
    let ns1 = entry("asb-ns-1");
    assert_eq!(ns1.status, Status::Customer);
    assert_eq!(
        ns1.terms.description.as_deref(),
        Some(
            "You set up and keep configured: Network Security Group Support; Virtual Network Integration."
        )
    );
    let es1 = entry("asb-es-1");
    assert_eq!(es1.status, Status::NotApplicable);
    assert_eq!(
        es1.reason.as_deref(),
        Some("Microsoft's baseline for Azure SQL marks this not applicable: EDR Solution.")
    );
    // A feature the service does not support says so.
    assert_eq!(
        entry("asb-pa-1").reason.as_deref(),
        Some(
            "Microsoft's baseline for Azure SQL marks this not applicable: Local Admin Accounts (not supported)."
        )
    );
    // Controls the baseline does not cover get no entry (left to decide).
    assert!(cat.responsibilities().count() == 27);
}

#[test]
fn a_new_model_checks_with_what_is_left_to_agree() {
    let Some(dir) =
        crate::shared_data("microsoft-security-benchmark/azure-offer-security-baselines-3.0")
    else {
        return;
    };
    let files = [
        "azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx",
        "app-service-azure-security-benchmark-v3-latest-security-baseline.xlsx",
    ];
    let baselines: Vec<Baseline> = files.iter().map(|f| read(&dir.join(f))).collect();
    let imported = baseline::new_model(&baselines).unwrap();
    let m = round_trip(&imported.model);
    let parties: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(parties, ["organisation", "microsoft"]);
    let services: Vec<(&str, &str)> = m
        .services
        .iter()
        .map(|s| (s.id.as_str(), s.presets.as_ref().unwrap()[0].id.as_str()))
        .collect();
    assert_eq!(
        services,
        [
            ("azure-sql", "azure-sql"),
            ("azure-app-service", "azure-app-service")
        ]
    );
    let view = View::new(&m);
    let nresp = view.responsibilities().len();
    // Every cell is the preset's, or left undecided where the baseline has no entry.
    let mut from_preset = 0;
    for (s, _, cell) in view.cells() {
        if cell.preset.is_some() {
            from_preset += 1;
        } else {
            assert_eq!(cell.status(), Status::Undecided, "{}", view.service(s).id);
        }
    }
    let entries: usize = m.catalogue.presets.iter().map(|p| p.entries.len()).sum();
    assert_eq!(from_preset, entries);
    let findings = check(&view, Date::from_unix_days(20_000));
    let mut by_code: BTreeMap<Code, usize> = BTreeMap::new();
    for f in &findings {
        *by_code.entry(f.code).or_default() += 1;
    }
    // Gaps: cells no baseline entry fills (App Service's baseline covers six controls Azure
    // SQL's does not). Supplier tasks want evidence and a contract.
    assert_eq!(nresp, 33);
    assert_eq!(entries, 27 + 33);
    assert_eq!(imported.notes.len(), 1, "{:?}", imported.notes);
    assert_eq!(by_code[&Code::Gap], 2 * nresp - entries);
    let supplier_tasks = view
        .cells()
        .filter(|(_, _, c)| matches!(c.status(), Status::Supplier | Status::Shared))
        .count();
    assert_eq!(by_code[&Code::EvidenceMissing], supplier_tasks);
    assert_eq!(by_code[&Code::ContractRefMissing], supplier_tasks);
    assert_eq!(by_code.len(), 3, "{by_code:?}");
    // The matrix's CAIQ words follow the preset: Microsoft's cells are the provider's.
    let si = view.service_index("azure-sql").unwrap();
    let ri = view.responsibility_index("asb-br-1").unwrap();
    assert_eq!(view.category(si, ri), Category::CspOwned);
}

#[test]
fn into_a_model_adds_the_catalogue_and_presets_only() {
    let Some(dir) =
        crate::shared_data("microsoft-security-benchmark/azure-offer-security-baselines-3.0")
    else {
        return;
    };
    let model = yaml::load(&crate::repo().join("examples/riverside")).unwrap();
    let b = read(&dir.join("key-vault-azure-security-benchmark-v3-latest-security-baseline.xlsx"));
    let updated = baseline::into_model(&model, std::slice::from_ref(&b))
        .unwrap()
        .model;
    assert_eq!(updated.services, model.services);
    assert_eq!(updated.parties, model.parties);
    assert_eq!(updated.allocations, model.allocations);
    assert_eq!(
        updated.catalogue.presets.len(),
        model.catalogue.presets.len() + 1
    );
    assert_eq!(
        updated.catalogue.sources.last().unwrap().id,
        baseline::CATALOGUE_ID
    );
    // Again, with another service: the catalogue is extended, not doubled.
    let b2 = read(&dir.join("azure-sql-azure-security-benchmark-v3-latest-security-baseline.xlsx"));
    let again = baseline::into_model(&updated, &[b2]).unwrap().model;
    assert_eq!(
        again.catalogue.sources.len(),
        updated.catalogue.sources.len()
    );
    assert_eq!(
        again.catalogue.presets.len(),
        updated.catalogue.presets.len() + 1
    );
    let ids: Vec<&str> = again
        .catalogue
        .responsibilities()
        .map(|(_, r)| r.id.as_str())
        .collect();
    let unique: BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

const MSP: &str = r#"catalogue:
  id: acme-standard
  title: Acme IT's standard model
presets:
  - id: acme-managed-laptops
    title: Acme IT managed laptops
    allocations:
      update-end-user-device-software: supplier
      end-user-device-firewall:
        status: shared
        tasks:
          - owner: provider
            description: Acme turns the firewall on and keeps it on.
          - owner: customer
            description: Staff do not turn it off.
      create-maintain-user-accounts: customer
"#;

#[test]
fn an_msp_catalogue_joins_a_model() {
    let model = yaml::load(&crate::repo().join("examples/riverside")).unwrap();
    let cat = yaml::parse_catalogue("acme-standard.yaml", MSP).unwrap();
    let updated = baseline::add_catalogue(&model, cat, "acme-standard.yaml")
        .unwrap()
        .model;
    let p = updated
        .catalogue
        .presets
        .iter()
        .find(|p| p.id == "acme-managed-laptops")
        .unwrap();
    assert_eq!(p.entries.len(), 3);
    assert_eq!(updated.services, model.services);

    // A preset over responsibilities the model does not have is refused, naming them.
    let bad = MSP.replace("create-maintain-user-accounts", "make-tea");
    let cat = yaml::parse_catalogue("acme-standard.yaml", &bad).unwrap();
    let Err(ImportError::Other(m)) = baseline::add_catalogue(&model, cat, "acme-standard.yaml")
    else {
        panic!("expected an error");
    };
    assert!(m.contains("\"make-tea\""), "{m}");
    // So is an owner the model does not know, and a built-in catalogue's id.
    let bad = MSP.replace("owner: customer", "owner: someone-else");
    let cat = yaml::parse_catalogue("acme-standard.yaml", &bad).unwrap();
    let Err(ImportError::Other(m)) = baseline::add_catalogue(&model, cat, "acme-standard.yaml")
    else {
        panic!("expected an error");
    };
    assert!(m.contains("\"someone-else\""), "{m}");
    let bad = MSP.replace("id: acme-standard", "id: twt");
    let cat = yaml::parse_catalogue("x.yaml", &bad).unwrap();
    assert!(matches!(
        baseline::add_catalogue(&model, cat, "x.yaml"),
        Err(ImportError::Other(m)) if m.contains("built-in")
    ));
    // A preset id another catalogue already has.
    let bad = MSP.replace("id: acme-managed-laptops", "id: twt-saas");
    let cat = yaml::parse_catalogue("x.yaml", &bad).unwrap();
    assert!(matches!(
        baseline::add_catalogue(&model, cat, "x.yaml"),
        Err(ImportError::Other(m)) if m.contains("twt-saas")
    ));
}

#[test]
fn bad_inputs_are_refused() {
    // A CAIQ workbook is not a baseline.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("CAIQv4").unwrap();
    for (c, h) in ["Question ID", "CSP CAIQ Answer", "SSRM Control Ownership"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "A&A-01.1").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let wb = Workbook::from_xlsx(&bytes).unwrap();
    let Err(ImportError::Cells(e)) = baseline::read("caiq.xlsx", &wb) else {
        panic!("expected cell errors");
    };
    assert!(
        e[0].message.contains("not an Azure security baseline"),
        "{}",
        e[0]
    );
    assert!(e[0].message.contains("\"CAIQv4\""), "{}", e[0]);

    // A bad Responsibility value is an error with its place.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name("Feature Summary").unwrap();
    for (c, h) in [
        "Control Domain",
        "ASB Control ID",
        "Responsibility",
        "Feature Name",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["Made-up Domain", "IM-1", "Everyone", "Made-up feature"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    let wb = Workbook::from_xlsx(&book.save_to_buffer().unwrap()).unwrap();
    let Err(ImportError::Cells(e)) = baseline::read("x.xlsx", &wb) else {
        panic!("expected cell errors");
    };
    assert_eq!(
        e[0].to_string(),
        "sheet \"Feature Summary\", row 2, column C (Responsibility): \"Everyone\" is not a responsibility: expected Microsoft, Customer, Shared or Not Applicable"
    );

    // A damaged workbook does not read at all.
    if let Some(files) = baseline_files() {
        let bytes = std::fs::read(&files[0]).unwrap();
        let cut = &bytes[..bytes.len() / 2];
        assert!(matches!(
            Workbook::from_xlsx(cut),
            Err(WorkbookError::NotXlsx(_) | WorkbookError::Corrupt(_))
        ));
    }
}
