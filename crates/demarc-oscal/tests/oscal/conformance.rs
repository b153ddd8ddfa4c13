//! Every OSCAL JSON file under `../shared/data` imports through the public entry point (the
//! one `demarc import oscal` uses), or fails for a reason stated here.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use demarc_oscal::document::{self, Kind};
use demarc_oscal::import;

use crate::common::shared_data;

fn json_files(d: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(d).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn every_oscal_json_file_in_the_shared_data_imports() {
    let Some(root) = shared_data("") else { return };
    let Some(catalog) =
        shared_data("nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json")
    else {
        return;
    };
    let mut files = Vec::new();
    json_files(&root, &mut files);
    files.sort();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_oscal = Vec::new();
    for f in &files {
        let doc = match document::load(f) {
            Ok(d) => d,
            Err(e) => {
                // Not OSCAL at all (CSAF, STIX, JSON Schemas, FedRAMP's value lists): the
                // error says which root keys it found and which it expected.
                let msg = e.to_string();
                assert!(msg.contains("expected"), "{}: {msg}", f.display());
                not_oscal.push(f.file_name().unwrap().to_string_lossy().into_owned());
                continue;
            }
        };
        // A profile's catalog is in ../shared/data under another name than its import names
        // (NIST's 5.0.1 catalog; the baselines ask for NIST_SP-800-53_rev5_catalog.json), so
        // it is given beside the profile, as a user would.
        let paths: Vec<PathBuf> = if doc.kind == Kind::Profile {
            vec![f.clone(), catalog.clone()]
        } else {
            vec![f.clone()]
        };
        let imported =
            import::import(&paths, &[]).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let m = &imported.model;
        match doc.kind {
            Kind::Catalog | Kind::Profile => assert!(
                m.catalogue.responsibilities().count() > 0,
                "{}",
                f.display()
            ),
            _ => {}
        }
        *by_kind.entry(format!("{:?}", doc.kind)).or_default() += 1;
    }
    assert_eq!(
        by_kind,
        BTreeMap::from([
            ("Catalog".to_owned(), 8),
            ("ComponentDefinition".to_owned(), 13),
            ("Profile".to_owned(), 8),
            ("SharedResponsibility".to_owned(), 2),
            ("SystemSecurityPlan".to_owned(), 11),
        ]),
        "not OSCAL: {not_oscal:?}"
    );
}

/// A full catalog given with a chain of plans gives the titles and text of the controls the
/// plans implement, and no rows for the others (a profile would: a baseline's controls all
/// matter).
#[test]
fn a_catalog_with_plans_titles_the_controls_they_use() {
    let (Some(dir), Some(catalog)) = (
        shared_data("nist-oscal-srm-prototype/examples"),
        shared_data("nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json"),
    ) else {
        return;
    };
    let paths = vec![
        dir.join("example.ssp.csp.json"),
        dir.join("example.ssp.msp.json"),
        dir.join("example.ssp.app.json"),
        catalog,
    ];
    let imported = import::import(&paths, &[]).unwrap();
    let m = &imported.model;
    assert_eq!(m.catalogue.responsibilities().count(), 44);
    let (_, ac2) = m
        .catalogue
        .responsibilities()
        .find(|(_, r)| r.id == "ac-2")
        .unwrap();
    assert_eq!(ac2.title, "AC-2 Account Management");
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.message.contains("its 963 other controls are left out")),
        "{:#?}",
        imported.notes
    );
}

/// OSCAL in XML is named as such (not "invalid YAML"); in a directory it is left out with a
/// note saying why.
#[test]
fn xml_is_named_and_left_out_with_a_note() {
    let dir = std::env::temp_dir().join(format!("demarc-oscal-xml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xml = dir.join("plan.xml");
    std::fs::write(
        &xml,
        "<?xml version=\"1.0\"?>\n<system-security-plan xmlns=\"http://csrc.nist.gov/ns/oscal/1.0\"/>\n",
    )
    .unwrap();
    let err = document::load(&xml).unwrap_err().to_string();
    assert!(err.contains("plan.xml") && err.contains("is XML"), "{err}");
    let catalog = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/oscal-chain/plans/example-controls.json");
    std::fs::copy(&catalog, dir.join("example-controls.json")).unwrap();
    let imported = import::import(std::slice::from_ref(&dir), &[]).unwrap();
    assert!(
        imported
            .notes
            .iter()
            .any(|n| n.file.ends_with("plan.xml") && n.message.contains("is XML")),
        "{:#?}",
        imported.notes
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
