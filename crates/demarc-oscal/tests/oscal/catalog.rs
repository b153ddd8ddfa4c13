//! Catalogs: the real ones in `../shared/data` read, turned into responsibility catalogues
//! (counts stated exactly), and written back as OSCAL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use demarc_core::model::{Catalogue, Layer, Responsibility};
use demarc_oscal::catalog::{self, Catalog};
use demarc_oscal::document::{self, Document};
use demarc_oscal::schema;

use crate::common::shared_data;

const CATALOG_501: &str = "nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json";
const AWS: &str = "awslabs-oscal-content/catalogs/aws_security-hub.oscal.json";
const NIST_LOW: &str = "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json";
const NIST_MODERATE: &str = "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json";
const NIST_HIGH: &str = "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog-min.json";
const NIST_PRIVACY: &str = "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_PRIVACY-baseline-resolved-profile_catalog.json";
const FEDRAMP_LOW: &str = "gsa-fedramp-automation/resolved-catalogs/FedRAMP_rev5_LOW-baseline-resolved-profile_catalog.json";
const FEDRAMP_LI_SAAS: &str = "gsa-fedramp-automation/resolved-catalogs/FedRAMP_rev5_LI-SaaS-baseline-resolved-profile_catalog.json";

fn load(rel: &str) -> Option<(Document, Catalog, Vec<demarc_oscal::Problem>)> {
    let path = shared_data(rel)?;
    let doc = document::load(&path).unwrap();
    let mut notes = Vec::new();
    let cat = catalog::read(&doc, &mut notes).unwrap();
    Some((doc, cat, notes))
}

fn responsibilities(c: &Catalogue) -> Vec<&Responsibility> {
    c.areas.iter().flat_map(|a| &a.responsibilities).collect()
}

fn find<'a>(c: &'a Catalogue, id: &str) -> &'a Responsibility {
    responsibilities(c)
        .into_iter()
        .find(|r| r.id == id)
        .unwrap()
}

/// (controls in the catalog, withdrawn, areas, responsibilities, statements) per catalog.
const COUNTS: &[(&str, usize, usize, usize, usize, usize)] = &[
    // The full 5.0.1 catalog: 20 families, 1189 controls and enhancements of which 182 are
    // withdrawn (left out of the catalogue).
    (CATALOG_501, 1189, 182, 20, 1007, 1106),
    // AWS Security Hub: one group per service, one control per check, no statement items.
    (AWS, 452, 0, 77, 452, 0),
    // The published resolved baselines (5.1.1): nothing withdrawn is selected.
    (NIST_LOW, 149, 0, 18, 149, 574),
    (NIST_MODERATE, 287, 0, 18, 287, 700),
    (NIST_HIGH, 370, 0, 18, 370, 738),
    (NIST_PRIVACY, 102, 0, 16, 102, 379),
    (FEDRAMP_LOW, 156, 0, 18, 156, 684),
    // LI-SaaS removes statement items (ac-2 keeps a, f, g, h).
    (FEDRAMP_LI_SAAS, 156, 0, 18, 156, 569),
];

#[test]
fn real_catalogs_map_to_catalogues_with_known_counts() {
    for &(rel, controls, withdrawn, areas, resps, statements) in COUNTS {
        let Some((_, cat, notes)) = load(rel) else {
            return;
        };
        assert_eq!(cat.all_controls().len(), controls, "{rel}");
        assert_eq!(cat.withdrawn_count(), withdrawn, "{rel}");
        // Nothing in these files is outside the OSCAL model: the only note is the count of
        // withdrawn controls, where there are any.
        assert_eq!(notes.len(), usize::from(withdrawn > 0), "{rel}: {notes:#?}");
        let cue = catalog::to_catalogue(&cat, "cat");
        assert_eq!(cue.areas.len(), areas, "{rel}");
        let rs = responsibilities(&cue);
        assert_eq!(rs.len(), resps, "{rel}");
        assert_eq!(
            rs.iter().map(|r| r.statements.len()).sum::<usize>(),
            statements,
            "{rel}"
        );
        // Every control has a statement to describe it, every insert is rendered, every id
        // follows demarc's rule and is unique, withdrawn controls are gone.
        assert!(
            rs.iter()
                .all(|r| r.description.as_deref().is_some_and(|d| !d.contains("{{"))),
            "{rel}"
        );
        assert!(
            rs.iter().all(|r| demarc_formats::yaml::valid_id(&r.id)),
            "{rel}"
        );
        let mut ids: Vec<&str> = rs.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), resps, "{rel}");
        assert!(
            rs.iter()
                .all(|r| r.layer == Layer::Governance && !r.retained)
        );
        assert!(rs.iter().all(|r| r.mappings["oscal"] == [r.id.clone()]));
        assert_eq!(cue.sources.len(), 1);
        assert_eq!(cue.sources[0].title, cat.metadata.title);
        assert!(cue.areas.iter().all(|a| a.catalogue == "cat"));
    }
}

#[test]
fn the_501_catalog_renders_like_nist() {
    let Some((_, cat, _)) = load(CATALOG_501) else {
        return;
    };
    let cue = catalog::to_catalogue(&cat, "sp800-53");
    assert_eq!(cue.sources[0].version.as_deref(), Some("5.0.1"));
    assert_eq!(cue.areas[0].id, "ac");
    assert_eq!(cue.areas[0].title, "Access Control");
    // AC-2 is 12 items, 9 sub-items.
    let ac2 = find(&cue, "ac-2");
    assert_eq!(ac2.title, "AC-2 Account Management");
    assert_eq!(ac2.statements.len(), 21);
    let text = ac2.description.as_deref().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 21);
    assert_eq!(
        lines[..5],
        [
            "a. Define and document the types of accounts allowed and specifically prohibited for use within the system;",
            "b. Assign account managers;",
            "c. Require [Assignment: organization-defined prerequisites and criteria] for group and role membership;",
            "d. Specify:",
            "  1. Authorized users of the system;",
        ]
    );
    assert_eq!(
        lines[11],
        "  1. [Assignment: organization-defined time period] when accounts are no longer required;"
    );
    assert_eq!(ac2.statements[2].id, "ac-2_smt.c");
    assert_eq!(
        ac2.statements[2].text,
        "c. Require [Assignment: organization-defined prerequisites and criteria] for group and role membership;"
    );
    assert_eq!(ac2.statements[4].id, "ac-2_smt.d.1");
    // A selection whose choices insert other parameters.
    let ac7 = find(&cue, "ac-7");
    assert!(
        ac7.description.as_deref().unwrap().contains(
            "[Selection (one or more): lock the account or node for an [Assignment: organization-defined time period]; lock the account or node until released by an administrator; delay next logon prompt per [Assignment: organization-defined delay algorithm]; notify system administrator; take other [Assignment: organization-defined action]]"
        ),
        "{:?}",
        ac7.description
    );
    // Withdrawn: AC-2(10) is withdrawn in rev5; AC-2(11) is not.
    assert!(responsibilities(&cue).iter().all(|r| r.id != "ac-2.10"));
    assert_eq!(find(&cue, "ac-2.11").title, "AC-2(11) Usage Conditions");
}

#[test]
fn the_511_catalogs_render_like_nist() {
    let Some((_, cat, _)) = load(NIST_HIGH) else {
        return;
    };
    let cue = catalog::to_catalogue(&cat, "high");
    // 5.1.1 has three label props (AC-02 zero-padded, AC-2, AC-02 sp800-53a): the one
    // without a class is used. Its parameter labels lack "organization-defined", which NIST
    // prints; 5.1.1 and 5.0.1 give the same text for AC-2 c.
    let ac2 = find(&cue, "ac-2");
    assert_eq!(ac2.title, "AC-2 Account Management");
    assert_eq!(
        ac2.statements[2].text,
        "c. Require [Assignment: organization-defined prerequisites and criteria] for group and role membership;"
    );
    let ac1 = find(&cue, "ac-1");
    let lines: Vec<&str> = ac1.description.as_deref().unwrap().lines().collect();
    assert_eq!(
        lines[0],
        "a. Develop, document, and disseminate to [Assignment: organization-defined personnel or roles]:"
    );
    assert_eq!(
        lines[1],
        "  1. [Selection (one or more): organization-level; mission/business process-level; system-level] access control policy that:"
    );
    assert_eq!(
        lines[2],
        "    (a) Addresses purpose, scope, roles, responsibilities, management commitment, coordination among organizational entities, and compliance; and"
    );
}

#[test]
fn aws_security_hub_catalog() {
    let Some((_, cat, _)) = load(AWS) else { return };
    let cue = catalog::to_catalogue(&cat, "aws-security-hub");
    assert_eq!(cue.areas[0].id, "ACM");
    let acm1 = find(&cue, "ACM.1");
    assert_eq!(acm1.title, "ACM.1");
    assert_eq!(
        acm1.description.as_deref(),
        Some(
            "Imported and ACM-issued certificates should be renewed after a specified time period"
        )
    );
    assert!(acm1.statements.is_empty());
}

/// Read and written back, every catalog here is the same JSON (only `oscal-version` becomes
/// the version demarc writes), and it validates against the OSCAL 1.2.3 schema.
#[test]
fn catalogs_round_trip_and_validate() {
    for &(rel, ..) in COUNTS {
        let Some((doc, cat, _)) = load(rel) else {
            return;
        };
        let out = catalog::to_json(&cat);
        let mut expected = doc.value.clone();
        expected["catalog"]["metadata"]["oscal-version"] = catalog::OSCAL_VERSION.into();
        assert!(out == expected, "{rel}: differs after a round trip");
        let problems = schema::validate_value(rel, &out);
        assert!(problems.is_empty(), "{rel}: {problems:#?}");
    }
}

/// The reader straight from JSON gives the catalog the reader over JSON values gives, on
/// every real catalog; and where that reader has a note (content it leaves out), it gives
/// nothing (so the caller takes the reader that says so).
#[test]
fn reading_json_straight_gives_what_reading_the_value_gives() {
    let mut fast = 0;
    for rel in [
        CATALOG_501,
        AWS,
        NIST_LOW,
        NIST_MODERATE,
        NIST_HIGH,
        NIST_PRIVACY,
        FEDRAMP_LOW,
        FEDRAMP_LI_SAAS,
    ] {
        let Some((doc, cat, notes)) = load(rel) else {
            return;
        };
        let bytes = std::fs::read(&doc.path).unwrap();
        let straight = catalog::read_json(&doc.file, &bytes);
        let clean = notes.iter().all(|n| n.message.contains("withdrawn"));
        if clean {
            assert!(straight.as_ref() == Some(&cat), "{rel}: another catalog");
            fast += 1;
        } else {
            assert!(straight.is_none(), "{rel}: read straight despite {notes:?}");
        }
    }
    assert_eq!(fast, 8);
}

/// Written straight, a catalog gives the bytes its JSON value gives (keys in the order the
/// value holds them), for every real catalog.
#[test]
fn writing_straight_gives_what_the_value_gives() {
    for rel in [CATALOG_501, AWS, NIST_LOW, FEDRAMP_LI_SAAS] {
        let Some((_, cat, _)) = load(rel) else { return };
        let straight = serde_json::to_string_pretty(&catalog::CatalogDocument(&cat)).unwrap();
        let value = serde_json::to_string_pretty(&catalog::to_json(&cat)).unwrap();
        assert!(straight == value, "{rel}: written straight differs");
    }
}

mod breakages {
    use super::*;
    use crate::common::{broken, shorten};
    use proptest::prelude::*;
    use serde_json::Value;
    use std::sync::LazyLock;

    static DOCS: LazyLock<Vec<Value>> = LazyLock::new(|| {
        [CATALOG_501, FEDRAMP_LI_SAAS]
            .iter()
            .filter_map(|rel| shared_data(rel))
            .map(|p| {
                let mut v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                shorten(&mut v);
                v
            })
            .collect()
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// Whenever the reader straight from JSON gives a catalog, the reader over values
        /// gives the same one without a note or an error.
        #[test]
        fn reading_json_straight_is_never_more_lenient(
            doc in 0usize..4, place in any::<usize>(), how in 0usize..16, salt in any::<usize>(),
            twice in any::<bool>(),
        ) {
            let Some(v) = broken(&DOCS, doc, place, how, salt, twice) else {
                return Ok(());
            };
            let bytes = serde_json::to_vec(&v).unwrap();
            if let Some(straight) = catalog::read_json("t.json", &bytes) {
                let doc = document::from_bytes("t.json", &bytes).unwrap();
                let mut notes = Vec::new();
                let slow = catalog::read(&doc, &mut notes);
                notes.retain(|n| !n.message.contains("withdrawn"));
                prop_assert!(notes.is_empty(), "{:?}", notes);
                prop_assert!(slow.as_ref().ok() == Some(&straight), "{:?}", slow.err());
            }
        }
    }
}
