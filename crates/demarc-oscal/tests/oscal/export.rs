//! Exports: SSP, component definition, CRM slice and the prototype SRM, from imported models
//! and back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use demarc_core::check::check;
use demarc_core::finding::Severity;
use demarc_core::model::{Implementation, Model, Status};
use demarc_core::view::View;
use demarc_oscal::crossref;
use demarc_oscal::document;
use demarc_oscal::export::{OscalExport, export};
use demarc_oscal::import::import;
use demarc_oscal::schema;
use serde_json::{Value, json};

use crate::common::shared_data;

fn today() -> demarc_core::Date {
    "2026-03-01".parse().unwrap()
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("demarc-oscal-export-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn write(&self, name: &str, v: &Value) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn imported(paths: &[PathBuf]) -> Model {
    import(paths, &[])
        .unwrap_or_else(|e| panic!("{paths:?}: {e}"))
        .model
}

fn ok(m: &Model, what: OscalExport, party: Option<&str>) -> Value {
    let v =
        export(m, what, party, today()).unwrap_or_else(|e| panic!("{what:?} {party:?}: {e:#?}"));
    if what != OscalExport::Srm {
        // Checked inside export; checked again here so a change there cannot hide it.
        assert_eq!(
            schema::validate_value("export", &v),
            Vec::new(),
            "{what:?} {party:?}"
        );
    }
    assert!(!v.to_string().contains("[]"), "{what:?}: an empty array");
    v
}

/// Export the SSP of every service that has rows (its provider's system) into a directory,
/// one file per service, and import the directory again.
fn chain_round_trip(m: &Model, name: &str) -> (Model, Vec<demarc_oscal::Problem>) {
    let tmp = TempDir::new(name);
    for g in &m.allocations {
        let svc = m.services.iter().find(|s| s.id == g.service.id).unwrap();
        let v = ok(m, OscalExport::Ssp, Some(&svc.provider.id));
        tmp.write(&format!("{}.json", svc.id), &v);
    }
    let back = import(std::slice::from_ref(&tmp.0), &[]).unwrap_or_else(|e| panic!("{e}"));
    (back.model, back.notes)
}

fn real_sets() -> Vec<(&'static str, Vec<PathBuf>)> {
    let Some(root) = shared_data("") else {
        return Vec::new();
    };
    let ssp = root.join("nist-oscal-content/examples/ssp");
    let proto = root.join("nist-oscal-srm-prototype/examples");
    vec![
        (
            "nist",
            vec![
                ssp.join("oscal_leveraged-example_ssp.json"),
                ssp.join("oscal_leveraging-example_ssp.json"),
            ],
        ),
        (
            "trestle",
            vec![
                root.join("compliance-trestle/leveraged_ssp.json"),
                root.join("compliance-trestle/leveraging_ssp.json"),
            ],
        ),
        ("prototype", vec![proto.clone()]),
        (
            "prototype-sr",
            [
                "example.ssp.csp.sr.json",
                "example.ssp.msp.json",
                "example.ssp.msp.sr.json",
                "example.ssp.app.json",
            ]
            .iter()
            .map(|f| proto.join(f))
            .collect(),
        ),
        (
            "fedramp",
            vec![root.join("gsa-fedramp-automation/templates/FedRAMP-SSP-OSCAL-Template.json")],
        ),
        (
            "trestle-example",
            vec![root.join("compliance-trestle/ssp_example.json")],
        ),
    ]
}

#[test]
fn exports_of_real_models_validate_and_round_trip() {
    for (name, paths) in real_sets() {
        let m = imported(&paths);
        // Every exportable view of every party that provides something.
        for p in &m.parties {
            let provides = |s: &demarc_core::model::Service| {
                s.provider.id == p.id && m.allocations.iter().any(|g| g.service.id == s.id)
            };
            if m.services.iter().any(provides) {
                ok(&m, OscalExport::Ssp, Some(&p.id));
                ok(&m, OscalExport::ComponentDefinition, Some(&p.id));
                ok(&m, OscalExport::Srm, Some(&p.id));
            }
        }
        ok(&m, OscalExport::Ssp, None);
        let (back, notes) = chain_round_trip(&m, name);
        assert_eq!(
            back.without_locations(),
            m.without_locations(),
            "{name}: {notes:#?}"
        );
    }
}

#[test]
fn the_same_model_gives_byte_identical_output() {
    let Some((_, paths)) = real_sets().into_iter().find(|(n, _)| *n == "prototype") else {
        return;
    };
    let m = imported(&paths);
    for what in [
        OscalExport::Ssp,
        OscalExport::ComponentDefinition,
        OscalExport::Crm,
        OscalExport::Srm,
    ] {
        let a = serde_json::to_string_pretty(&ok(&m, what, None)).unwrap();
        let b = serde_json::to_string_pretty(&ok(&imported(&paths), what, None)).unwrap();
        assert_eq!(a, b, "{what:?}");
        assert!(a.contains("\"last-modified\": \"2026-03-01T00:00:00Z\""));
        let later = export(&m, what, None, "2026-04-02".parse().unwrap()).unwrap();
        let later = serde_json::to_string_pretty(&later).unwrap();
        assert_ne!(a, later);
        assert_eq!(
            a.replace("2026-03-01", "2026-04-02"),
            later,
            "{what:?}: only the dates differ"
        );
    }
}

#[test]
fn an_exported_chain_is_referentially_clean() {
    let Some((_, paths)) = real_sets().into_iter().find(|(n, _)| *n == "prototype") else {
        return;
    };
    let m = imported(&paths);
    let tmp = TempDir::new("clean");
    let mut docs = Vec::new();
    for g in &m.allocations {
        let svc = m.services.iter().find(|s| s.id == g.service.id).unwrap();
        let p = tmp.write(
            &format!("{}.json", svc.id),
            &ok(&m, OscalExport::Ssp, Some(&svc.provider.id)),
        );
        docs.push(document::load(&p).unwrap());
    }
    // The 410 self-references of the originals are gone; every uuid resolves where it must,
    // and every upstream responsibility is satisfied downstream.
    assert_eq!(crossref::check(&docs, None), Vec::new());
    let profile: Vec<String> = m
        .catalogue
        .responsibilities()
        .map(|(_, r)| r.id.clone())
        .collect();
    assert_eq!(crossref::check(&docs, Some(&profile)), Vec::new());
}

// ---------------------------------------------------------------------------------------------
// The customer responsibility matrix slice
// ---------------------------------------------------------------------------------------------

#[test]
fn crm_slice_carries_no_provider_implementation_text() {
    let Some((_, paths)) = real_sets().into_iter().find(|(n, _)| *n == "prototype") else {
        return;
    };
    let m = imported(&paths);
    // The text is in the model (on the rows), and a full SSP export carries it ...
    let ssp = ok(&m, OscalExport::Ssp, Some("managed-service-provider")).to_string();
    assert!(ssp.contains("DO NOT SHARE"));
    // ... but the slice for the application owner (the MSP's customer) does not.
    let crm = ok(&m, OscalExport::Crm, None);
    let text = crm.to_string();
    assert!(!text.contains("DO NOT SHARE"));
    let plan = &crm["system-security-plan"];
    assert_eq!(
        plan["system-characteristics"]["system-ids"][0]["id"],
        json!("demonstration-system-representing-a-managed-service-provider")
    );
    assert!(
        plan["metadata"]["remarks"]
            .as_str()
            .unwrap()
            .contains("#713")
    );
    // Only the MSP and the application owner are named.
    assert_eq!(plan["metadata"]["parties"].as_array().unwrap().len(), 2);
    // All 44 controls; what the MSP provides (82 provided texts) and what the application
    // owner must do (82 responsibilities); nothing inherited or satisfied from the CSP.
    let reqs = plan["control-implementation"]["implemented-requirements"]
        .as_array()
        .unwrap();
    assert_eq!(reqs.len(), 44);
    assert_eq!(text.matches("\"provided\"").count(), 82 * 2);
    assert_eq!(text.matches("\"responsibilities\"").count(), 82);
    assert!(!text.contains("\"inherited\":") && !text.contains("\"satisfied\":"));
    assert!(!text.contains("cloud-service-provider"));
    let msp_task = m.allocations[1].cells[0].tasks[0]
        .terms
        .description
        .clone()
        .unwrap();
    assert!(text.contains(&msp_task[..40]));

    // The MSP's slice is the CSP's CRM.
    let crm = ok(&m, OscalExport::Crm, Some("managed-service-provider")).to_string();
    assert!(!crm.contains("DO NOT SHARE"));
    assert!(crm.contains("demonstration-system-representing-a-cloud-service-provider"));

    // The party that uses nobody else's service has no slice.
    let e = export(
        &m,
        OscalExport::Crm,
        Some("cloud-service-provider"),
        today(),
    )
    .unwrap_err();
    assert!(
        e[0].message
            .contains("uses no service another party provides"),
        "{e:?}"
    );
    let e = export(&m, OscalExport::Crm, Some("nobody"), today()).unwrap_err();
    assert!(e[0].message.contains("is not in the model"), "{e:?}");
}

#[test]
fn crm_slice_of_the_nist_pair() {
    let Some((_, paths)) = real_sets().into_iter().find(|(n, _)| *n == "nist") else {
        return;
    };
    let m = imported(&paths);
    let crm = ok(&m, OscalExport::Crm, Some("leveraging-saas")).to_string();
    // The IaaS's internal by-component text stays out; its consumer-appropriate text and the
    // SaaS's responsibilities are in.
    assert!(
        ok(&m, OscalExport::Ssp, Some("csp-iaas"))
            .to_string()
            .contains("Overall description of how")
    );
    assert!(!crm.contains("Overall description of how"));
    assert!(!crm.contains("Describes how the application satisfies"));
    assert!(crm.contains("Consumer-appropriate description of what may be inherited"));
    assert_eq!(
        crm.matches("Leveraging system's responsibilities").count(),
        4
    );
}

// ---------------------------------------------------------------------------------------------
// Component definition and SRM
// ---------------------------------------------------------------------------------------------

#[test]
fn component_definition_and_srm_of_a_supplier() {
    let Some((_, paths)) = real_sets().into_iter().find(|(n, _)| *n == "trestle") else {
        return;
    };
    let m = imported(&paths);
    let cd = ok(
        &m,
        OscalExport::ComponentDefinition,
        Some("example-leveraged"),
    );
    let comps = cd["component-definition"]["components"].as_array().unwrap();
    assert_eq!(comps.len(), 1);
    let reqs = comps[0]["control-implementations"][0]["implemented-requirements"]
        .as_array()
        .unwrap();
    assert_eq!(
        reqs.iter()
            .map(|r| r["control-id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["ac-1", "ac-2", "ac-2.1"]
    );
    // The customer's part of ac-2 is said in the remarks.
    assert!(
        reqs[1]["remarks"]
            .as_str()
            .unwrap()
            .starts_with("The customer's part:")
    );

    let srm = ok(&m, OscalExport::Srm, Some("example-leveraged"));
    let sr = &srm["shared-responsibility"];
    assert!(
        sr["metadata"]["remarks"]
            .as_str()
            .unwrap()
            .starts_with("EXPERIMENTAL")
    );
    assert!(
        sr["metadata"]["title"]
            .as_str()
            .unwrap()
            .contains("experimental")
    );
    // It reads back as a shared-responsibility document with the same exported work.
    let tmp = TempDir::new("srm");
    let f = tmp.write("leveraged.sr.json", &srm);
    assert_eq!(
        document::load(&f).unwrap().kind,
        demarc_oscal::document::Kind::SharedResponsibility
    );
    let back = imported(&[f]);
    let cells = &back.allocations[0].cells;
    let orig: Vec<_> = m.allocations[0]
        .cells
        .iter()
        .map(|c| {
            c.tasks
                .iter()
                .map(|t| (&t.owners[0].id, &t.terms.description))
                .collect::<Vec<_>>()
        })
        .collect();
    let again: Vec<_> = cells
        .iter()
        .map(|c| {
            c.tasks
                .iter()
                .map(|t| (&t.owners[0].id, &t.terms.description))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(again, orig);
}

// ---------------------------------------------------------------------------------------------
// A plan made for the mapping's corners
// ---------------------------------------------------------------------------------------------

fn corner_plan() -> Value {
    let u = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    json!({"system-security-plan": {
        "uuid": u(1),
        "metadata": {
            "title": "Acme App System Security Plan", "last-modified": "2026-01-01T00:00:00Z", "version": "2.1", "oscal-version": "1.2.3",
            "roles": [{"id": "system-owner", "title": "System Owner"}, {"id": "admin", "title": "Administrator"}, {"id": "ops", "title": "Operations"}],
            "parties": [
                {"uuid": u(2), "type": "organization", "name": "Acme Cloud"},
                {"uuid": u(3), "type": "organization", "name": "Infra Co"},
                {"uuid": u(4), "type": "organization", "name": "Auth Co"},
                {"uuid": u(5), "type": "organization", "name": "Other Org"},
                {"uuid": u(6), "type": "person", "name": "Pat", "member-of-organizations": [u(2)]}
            ],
            "responsible-parties": [{"role-id": "system-owner", "party-uuids": [u(6)]}]
        },
        "import-profile": {"href": "#".to_owned() + &u(99)},
        "system-characteristics": {
            "system-ids": [{"id": "acme-app"}], "system-name": "Acme App", "description": "The app.",
            "props": [{"name": "cloud-service-model", "value": "saas"}],
            "system-information": {"information-types": [{"title": "t", "description": "d"}]},
            "status": {"state": "operational"}, "authorization-boundary": {"description": "b"}
        },
        "system-implementation": {
            "leveraged-authorizations": [
                {"uuid": u(10), "title": "Infra Cloud", "party-uuid": u(3), "date-authorized": "2025-01-01"},
                {"uuid": u(11), "title": "Auth Identity", "party-uuid": u(4), "date-authorized": "2025-01-01"}
            ],
            "components": [
                {"uuid": u(20), "type": "this-system", "title": "This System", "description": "d", "status": {"state": "operational"}},
                {"uuid": u(21), "type": "software", "title": "Database", "description": "d", "status": {"state": "operational"}},
                {"uuid": u(22), "type": "system", "title": "Infra", "description": "d", "status": {"state": "operational"},
                 "props": [{"name": "leveraged-authorization-uuid", "value": u(10)}]},
                {"uuid": u(23), "type": "system", "title": "Auth", "description": "d", "status": {"state": "operational"},
                 "props": [{"name": "leveraged-authorization-uuid", "value": u(11)}]}
            ]
        },
        "control-implementation": {"description": "d", "implemented-requirements": [
            {"uuid": u(101), "control-id": "ac-1", "remarks": "Reviewed in 2025.",
             "props": [{"name": "implementation-status", "value": "not-applicable", "remarks": "Not used here."}]},
            {"uuid": u(102), "control-id": "ac-2", "statements": [
                {"statement-id": "ac-2_smt.a", "uuid": u(103), "by-components": [
                    {"component-uuid": u(20), "uuid": u(104), "description": "Internal: accounts in LDAP.",
                     "implementation-status": {"state": "planned", "remarks": "By Q3."},
                     "export": {"provided": [{"uuid": u(105), "description": "We manage accounts.", "responsible-roles": [{"role-id": "admin"}]}],
                                "responsibilities": [{"uuid": u(106), "provided-uuid": u(105), "description": "You request accounts."}]}}]},
                {"statement-id": "ac-2_smt.b", "uuid": u(107), "by-components": [
                    {"component-uuid": u(21), "uuid": u(108), "description": "Internal: the database holds them.",
                     "implementation-status": {"state": "planned"}}]}]},
            {"uuid": u(109), "control-id": "ac-3",
             "props": [{"name": "control-origination", "ns": "https://fedramp.gov/ns/oscal", "value": "customer-configured"}],
             "by-components": [{"component-uuid": u(20), "uuid": u(110), "description": "Customers set their own rules.",
                                "export": {"responsibilities": [{"uuid": u(111), "description": "Set access rules."}]}}]},
            {"uuid": u(112), "control-id": "ac-4"},
            {"uuid": u(113), "control-id": "ac-5", "props": [
                {"name": "control-origination", "value": "sp-system"}, {"name": "control-origination", "value": "customer-provided"}]},
            {"uuid": u(114), "control-id": "ac-6", "by-components": [
                {"component-uuid": u(23), "uuid": u(115), "description": "From Auth.",
                 "inherited": [{"uuid": u(116), "description": "Auth provides login."}],
                 "satisfied": [{"uuid": u(117), "description": "We configure MFA."}]},
                {"component-uuid": u(20), "uuid": u(118), "description": "Login page.",
                 "export": {"provided": [{"uuid": u(119), "description": "Single sign-on for you."}]}}]},
            {"uuid": u(120), "control-id": "ac-7", "by-components": [
                {"component-uuid": u(22), "uuid": u(121), "description": "Infra locks accounts.",
                 "inherited": [{"uuid": u(122), "description": "Infra locks accounts."}]}]},
            {"uuid": u(123), "control-id": "ac-8", "by-components": [
                {"component-uuid": u(20), "uuid": u(124), "description": "We show a banner."}]},
            {"uuid": u(125), "control-id": "ac-9", "by-components": [
                {"component-uuid": u(20), "uuid": u(126), "description": "We log sessions."},
                {"component-uuid": u(21), "uuid": u(127), "description": "You review them.",
                 "export": {"responsibilities": [{"uuid": u(128), "description": "Review the session log."}]}}]}
        ]},
        "back-matter": {"resources": [{"uuid": u(99), "title": "Catalog"}]}
    }})
}

#[test]
fn the_mapping_corners_import_and_round_trip() {
    let tmp = TempDir::new("corners");
    let f = tmp.write("acme.json", &corner_plan());
    assert_eq!(
        schema::validate(&document::load(&f).unwrap()),
        Vec::new(),
        "the test plan is valid OSCAL"
    );
    let i = import(std::slice::from_ref(&f), &[]).unwrap();
    let m = &i.model;
    assert_eq!(m.name, "Acme App System Security Plan");
    assert_eq!(m.version.as_deref(), Some("2.1"));
    assert_eq!(m.customer.id, "acme-cloud");
    assert_eq!(
        m.parties.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["acme-cloud", "auth-co", "infra-co", "other-org"]
    );
    let acme = &m.parties[0];
    assert_eq!(
        acme.roles.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["admin"]
    );
    let app = m.services.iter().find(|s| s.id == "acme-app").unwrap();
    assert_eq!(app.model, Some(demarc_core::ServiceModel::Saas));
    assert_eq!(app.components, ["Database"]);
    assert_eq!(
        app.built_on
            .iter()
            .map(|b| b.id.as_str())
            .collect::<Vec<_>>(),
        ["infra-cloud", "auth-identity"]
    );

    let rows: BTreeMap<&str, &demarc_core::model::Allocation> = m
        .allocations
        .iter()
        .find(|g| g.service.id == "acme-app")
        .unwrap()
        .cells
        .iter()
        .map(|c| (c.responsibility.id.as_str(), c))
        .collect();
    let ac1 = rows["ac-1"];
    assert_eq!(
        (ac1.status, ac1.reason.as_deref(), ac1.note.as_deref()),
        (
            Status::NotApplicable,
            Some("Not used here."),
            Some("Reviewed in 2025.")
        )
    );
    let ac2 = rows["ac-2"];
    assert_eq!(ac2.status, Status::Shared);
    assert_eq!(ac2.implementation, Some(Implementation::Planned));
    assert_eq!(ac2.note.as_deref(), Some("By Q3."));
    assert_eq!(
        ac2.terms.description.as_deref(),
        Some("Internal: accounts in LDAP.\n\nInternal: the database holds them.")
    );
    assert_eq!(ac2.tasks.len(), 2);
    assert_eq!(
        ac2.tasks[0].role.as_ref().map(|r| r.id.as_str()),
        Some("admin")
    );
    assert_eq!(ac2.tasks[0].statement.as_deref(), Some("ac-2_smt.a"));
    assert_eq!(ac2.tasks[1].owners[0].id, "customer");
    let ac3 = rows["ac-3"];
    assert_eq!((ac3.status, ac3.tasks.len()), (Status::Customer, 1));
    assert_eq!(
        ac3.terms.description.as_deref(),
        Some("Customers set their own rules.")
    );
    assert_eq!(rows["ac-4"].status, Status::Undecided);
    let ac5 = rows["ac-5"];
    assert_eq!((ac5.status, ac5.tasks.len()), (Status::Shared, 2));
    let ac6 = rows["ac-6"];
    assert_eq!(ac6.status, Status::Inherited);
    assert_eq!(
        ac6.from.as_ref().map(|f| f.id.as_str()),
        Some("auth-identity")
    );
    assert_eq!(
        ac6.tasks
            .iter()
            .map(|t| t.terms.description.as_deref().unwrap())
            .collect::<Vec<_>>(),
        ["We configure MFA.", "Single sign-on for you."]
    );
    assert_eq!(
        rows["ac-7"].from.as_ref().map(|f| f.id.as_str()),
        Some("infra-cloud")
    );
    assert_eq!(rows["ac-8"].status, Status::Supplier);
    let ac9 = rows["ac-9"];
    assert_eq!(ac9.status, Status::Shared);
    assert_eq!(
        ac9.tasks[0].terms.description.as_deref(),
        Some("We log sessions.")
    );
    // The leveraged systems whose plans are absent provide what is inherited from them.
    let inferred = |svc: &str| -> Vec<(String, Status)> {
        m.allocations
            .iter()
            .find(|g| g.service.id == svc)
            .unwrap()
            .cells
            .iter()
            .map(|c| (c.responsibility.id.clone(), c.status))
            .collect()
    };
    assert_eq!(
        inferred("auth-identity"),
        [("ac-6".to_owned(), Status::Shared)]
    );
    assert_eq!(
        inferred("infra-cloud"),
        [("ac-7".to_owned(), Status::Supplier)]
    );
    // No errors but those the content makes: ac-4 is undecided (a gap), and the leveraged
    // systems do nothing for the controls they are not named for.
    let errors: Vec<_> = check(&View::new(m), today())
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            (
                f.code.as_str(),
                f.service.unwrap_or_default(),
                f.responsibility.unwrap_or_default(),
            )
        })
        .collect();
    assert!(errors.iter().all(|(c, _, _)| *c == "gap"), "{errors:?}");
    assert!(errors.contains(&("gap", "acme-app".to_owned(), "ac-4".to_owned())));

    // Export and import again: the same model.
    let v = ok(m, OscalExport::Ssp, None);
    let g = tmp.write("again.json", &v);
    let back = import(&[g], &[]).unwrap();
    assert_eq!(
        back.model.without_locations(),
        m.without_locations(),
        "{:#?}",
        back.notes
    );
    // The model's customer uses the two leveraged systems: its slice is of one of them.
    let crm = ok(m, OscalExport::Crm, None);
    assert_eq!(crm, ok(m, OscalExport::Crm, Some("acme-cloud")));
    let e = export(m, OscalExport::Crm, Some("infra-co"), today()).unwrap_err();
    assert!(
        e[0].message
            .contains("uses no service another party provides")
    );
    let id = &crm["system-security-plan"]["system-characteristics"]["system-ids"][0]["id"];
    assert!(id == "auth-identity" || id == "infra-cloud", "{id}");
}

#[test]
fn exports_say_what_is_missing() {
    let m = Model::default();
    let e = export(&m, OscalExport::Ssp, None, today()).unwrap_err();
    assert!(e[0].message.contains("no services"), "{e:?}");
    let tmp = TempDir::new("missing");
    let f = tmp.write("acme.json", &corner_plan());
    let m = import(&[f], &[]).unwrap().model;
    let e = export(&m, OscalExport::Ssp, Some("other-org"), today()).unwrap_err();
    assert!(e[0].message.contains("provides no service"), "{e:?}");
    let e = export(&m, OscalExport::Ssp, Some("acme"), today()).unwrap_err();
    assert!(
        e[0].message.contains("did you mean \"acme-cloud\""),
        "{e:?}"
    );
}

/// A model written by hand (the riverside example: presets, shared rows, oversight tasks,
/// contracts) exports too, every result valid.
#[test]
fn a_hand_written_model_exports() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/riverside");
    let m = demarc_formats::yaml::load(&dir).unwrap_or_else(|e| panic!("{}", e[0]));
    let mut exported = 0;
    for what in [
        OscalExport::Ssp,
        OscalExport::ComponentDefinition,
        OscalExport::Crm,
        OscalExport::Srm,
    ] {
        for party in std::iter::once(None).chain(m.parties.iter().map(|p| Some(p.id.as_str()))) {
            match export(&m, what, party, today()) {
                Ok(v) => {
                    if what != OscalExport::Srm {
                        assert_eq!(schema::validate_value("export", &v), Vec::new());
                    }
                    exported += 1;
                }
                Err(e) => {
                    // Only the two reasons a party has nothing to export.
                    assert!(
                        e.iter().all(|p| p.message.contains("provides no service")
                            || p.message.contains("uses no service another party provides")
                            || p.message.contains("nothing to do and nothing to inherit")),
                        "{what:?} {party:?}: {e:#?}"
                    );
                }
            }
        }
    }
    // SSP, component definition and SRM for the default and each of the 4 providers (15),
    // and the CRM slices of the 2 parties that use another's service plus the default (3).
    assert_eq!(exported, 18);
}
