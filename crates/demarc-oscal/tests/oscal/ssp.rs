//! System security plans, chains of them and component definitions imported as models; the
//! cross-document checks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use demarc_core::check::check;
use demarc_core::finding::{Code, Finding, Severity};
use demarc_core::model::{Implementation, Model, Status};
use demarc_core::report::duties;
use demarc_core::view::View;
use demarc_formats::yaml::{self, ModelFiles};
use demarc_oscal::crossref;
use demarc_oscal::document::{self, Document, Kind};
use demarc_oscal::import::{Imported, import};
use serde_json::{Value, json};

use crate::common::shared_data;

fn today() -> demarc_core::Date {
    "2026-03-01".parse().unwrap()
}

/// Codes `check` may give on an imported model because of what the documents say (a control
/// nobody implements, an inheritance the upstream plan does not provide): anything else
/// would be an error of the import itself.
const CONTENT_CODES: &[Code] = &[
    Code::Gap,
    Code::DanglingInheritance,
    Code::UnmetUpstreamTask,
    Code::NaWithoutReason,
];

fn import_ok(paths: &[PathBuf]) -> Imported {
    import(paths, &[]).unwrap_or_else(|e| panic!("{paths:?}: {e}"))
}

/// Errors of the import itself: error findings other than the content codes.
fn import_errors(m: &Model) -> Vec<Finding> {
    check(&View::new(m), today())
        .into_iter()
        .filter(|f| f.severity == Severity::Error && !CONTENT_CODES.contains(&f.code))
        .collect()
}

/// The model written as a model directory (with its catalogue file) and read back.
fn yaml_round_trip(m: &Model) -> Model {
    let mut files = yaml::write::model_files(m);
    assert_eq!(m.catalogue.sources.len(), 1);
    files.push((
        m.catalogues[0].clone(),
        yaml::write::catalogue_file(
            &m.catalogue.sources[0],
            &m.catalogue.areas,
            &m.catalogue.presets,
        ),
    ));
    yaml::parse(&ModelFiles {
        files: files.clone(),
    })
    .unwrap_or_else(|e| {
        let shown: Vec<String> = files.iter().map(|(n, t)| format!("--- {n}\n{t}")).collect();
        panic!("{}\n{}", e[0], shown.join("\n"))
    })
}

fn statuses(m: &Model, service: &str) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for g in m.allocations.iter().filter(|g| g.service.id == service) {
        for c in &g.cells {
            *out.entry(c.status.as_str()).or_default() += 1;
        }
    }
    out
}

/// (provider tasks, customer tasks) of a service's rows.
fn tasks(m: &Model, service: &str) -> (usize, usize) {
    let mut out = (0, 0);
    for g in m.allocations.iter().filter(|g| g.service.id == service) {
        for t in g.cells.iter().flat_map(|c| &c.tasks) {
            match t.owners[0].id.as_str() {
                "provider" => out.0 += 1,
                "customer" => out.1 += 1,
                other => panic!("unexpected owner {other}"),
            }
        }
    }
    out
}

fn by_code(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for f in findings {
        *out.entry(f.code.as_str()).or_default() += 1;
    }
    out
}

fn load_all(paths: &[PathBuf]) -> Vec<Document> {
    demarc_oscal::chain::expand_paths(paths)
        .unwrap()
        .into_iter()
        .map(|(p, _)| document::load(&p).unwrap())
        .collect()
}

/// The end customer's view: (what it must do, the provenance of each cell of the end service).
fn end_customer(m: &Model) -> (usize, BTreeMap<String, usize>) {
    let view = View::new(m);
    let c = view.customer.expect("the model's customer is a party");
    let must_do = duties(&view, c).len();
    let end = view
        .services()
        .iter()
        .position(|s| s.provider.id == m.customer.id)
        .expect("the end customer's own service") as u32;
    let mut chains = BTreeMap::new();
    for r in 0..view.responsibilities().len() as u32 {
        let path: Vec<&str> = view
            .provenance(end, r)
            .iter()
            .map(|&p| view.party(p).id.as_str())
            .collect();
        *chains.entry(path.join(" > ")).or_default() += 1;
    }
    (must_do, chains)
}

fn all_oscal_files(root: &Path) -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Every real plan and component definition
// ---------------------------------------------------------------------------------------------

#[test]
fn every_plan_component_definition_and_sr_document_imports() {
    let Some(root) = shared_data("") else { return };
    let mut imported = 0;
    for f in all_oscal_files(&root) {
        let Ok(doc) = document::load(&f) else {
            continue;
        };
        if !matches!(
            doc.kind,
            Kind::SystemSecurityPlan | Kind::ComponentDefinition | Kind::SharedResponsibility
        ) {
            continue;
        }
        let i = import_ok(std::slice::from_ref(&f));
        imported += 1;
        let errors = import_errors(&i.model);
        assert!(errors.is_empty(), "{}: {errors:#?}", f.display());
        let back = yaml_round_trip(&i.model);
        assert_eq!(
            back.without_locations(),
            i.model.without_locations(),
            "{}",
            f.display()
        );
        // Every note names its file and says something.
        assert!(
            i.notes
                .iter()
                .all(|n| !n.file.is_empty() && !n.message.is_empty())
        );
        if f.ends_with("aws_regions-and-services.oscal.json") {
            // It only imports 232 other component definitions by href.
            assert!(i.model.services.is_empty());
            assert!(
                i.notes.iter().any(|n| n
                    .message
                    .contains("imports 232 other component definitions")),
                "{:#?}",
                i.notes
            );
            assert!(
                i.notes
                    .iter()
                    .any(|n| n.message.contains("defines no components"))
            );
        } else {
            assert!(!i.model.services.is_empty(), "{}", f.display());
        }
    }
    // 5 trestle, 9 AWS, 1 FedRAMP, 6 NIST examples, 5 prototype files.
    assert_eq!(imported, 26);
}

#[test]
fn aws_component_definitions_are_supplier_rows_per_component() {
    let Some(f) = shared_data("awslabs-oscal-content/component-definitions/iam.oscal.json") else {
        return;
    };
    let m = import_ok(&[f]).model;
    assert_eq!(m.services.len(), 18);
    assert!(
        m.services
            .iter()
            .all(|s| s.provider.id == "amazon-web-services")
    );
    let rows: Vec<_> = m.allocations.iter().flat_map(|g| &g.cells).collect();
    assert_eq!(rows.len(), 43);
    assert!(rows.iter().all(|c| c.status == Status::Supplier));
    // Security Hub control ids make their own families (the IAM policies also meet KMS ones).
    assert_eq!(
        m.catalogue
            .areas
            .iter()
            .map(|a| a.id.as_str())
            .collect::<Vec<_>>(),
        ["IAM", "KMS"]
    );
    // No organisation is named as the customer.
    assert_eq!(m.customer.id, "customer");
}

// ---------------------------------------------------------------------------------------------
// The NIST leveraged/leveraging pair
// ---------------------------------------------------------------------------------------------

fn nist_pair() -> Option<Vec<PathBuf>> {
    let dir = shared_data("nist-oscal-content/examples/ssp")?;
    Some(vec![
        dir.join("oscal_leveraged-example_ssp.json"),
        dir.join("oscal_leveraging-example_ssp.json"),
    ])
}

#[test]
fn nist_pair_resolves_into_the_end_customer_view() {
    let Some(pair) = nist_pair() else { return };
    let i = import_ok(&pair);
    let m = &i.model;
    assert_eq!(m.name, "Leveraging SaaS System Security Plan");
    assert_eq!(m.customer.id, "leveraging-saas");
    let parties: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(parties, ["csp-iaas", "leveraging-saas"]);
    let ids: Vec<&str> = m.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["csp-iaas-system", "saas-system-iaas-customer"]);
    assert_eq!(m.services[1].built_on[0].id, "csp-iaas-system");
    assert_eq!(
        m.services[0].customer.as_ref().unwrap().id,
        "leveraging-saas"
    );
    // The link is `#uuid` of a back-matter resource whose JSON rlink names the file.
    assert!(
        !i.notes.iter().any(|n| n.message.contains("matched to")),
        "{:#?}",
        i.notes
    );

    assert_eq!(m.catalogue.responsibilities().count(), 1);
    let ac2 = m.catalogue.responsibilities().next().unwrap().1;
    assert_eq!(
        ac2.statements
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>(),
        ["ac-2_stmt.a"]
    );
    assert_eq!(
        statuses(m, "csp-iaas-system"),
        BTreeMap::from([("shared", 1)])
    );
    assert_eq!(tasks(m, "csp-iaas-system"), (2, 2));
    assert_eq!(
        statuses(m, "saas-system-iaas-customer"),
        BTreeMap::from([("inherited", 1)])
    );
    assert_eq!(tasks(m, "saas-system-iaas-customer"), (2, 0));
    assert!(import_errors(m).is_empty());
    // What the SaaS must do: the IaaS's two customer tasks and its own two.
    let (must_do, chains) = end_customer(m);
    assert_eq!(must_do, 4);
    assert_eq!(
        chains,
        BTreeMap::from([("leveraging-saas > csp-iaas".to_owned(), 1)])
    );

    // The provided text is kept; the internal by-component text is the row's own.
    let csp = &m.allocations[0].cells[0];
    assert!(
        csp.terms
            .description
            .as_deref()
            .unwrap()
            .starts_with("Response for the")
    );
    assert!(csp.tasks.iter().all(|t| {
        !t.terms
            .description
            .as_deref()
            .unwrap_or("")
            .contains("Response for the")
    }));

    // The leveraging plan alone finds the leveraged one by following its link.
    let alone = import_ok(&pair[1..]);
    assert_eq!(alone.model.without_locations(), m.without_locations());
    assert!(
        alone
            .notes
            .iter()
            .any(|n| n.message.contains("which was not given"))
    );
}

#[test]
fn nist_pair_cross_document_findings() {
    let Some(pair) = nist_pair() else { return };
    let findings = crossref::check(&load_all(&pair), None);
    assert_eq!(
        by_code(&findings),
        BTreeMap::from([
            ("oscal-responsibility-unmet", 1),
            ("oscal-unresolved-uuid", 1)
        ])
    );
    let unresolved = findings
        .iter()
        .find(|f| f.code == Code::OscalUnresolvedUuid)
        .unwrap();
    assert!(
        unresolved
            .document
            .as_deref()
            .unwrap()
            .ends_with("oscal_leveraging-example_ssp.json")
    );
    assert_eq!(
        unresolved.pointer.as_deref(),
        Some(
            "/system-security-plan/control-implementation/implemented-requirements/0/statements/0/by-components/1/satisfied/0/responsibility-uuid"
        )
    );
    assert!(
        unresolved
            .message
            .contains("names a provided entry of the leveraged plan"),
        "{}",
        unresolved.message
    );
    let unmet = findings
        .iter()
        .find(|f| f.code == Code::OscalResponsibilityUnmet)
        .unwrap();
    assert!(
        unmet
            .document
            .as_deref()
            .unwrap()
            .ends_with("oscal_leveraged-example_ssp.json")
    );
    assert_eq!(
        unmet.pointer.as_deref(),
        Some(
            "/system-security-plan/control-implementation/implemented-requirements/0/statements/0/by-components/0/export/responsibilities/0"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The compliance-trestle pair
// ---------------------------------------------------------------------------------------------

fn trestle_pair() -> Option<Vec<PathBuf>> {
    let dir = shared_data("compliance-trestle")?;
    Some(vec![
        dir.join("leveraged_ssp.json"),
        dir.join("leveraging_ssp.json"),
    ])
}

#[test]
fn trestle_pair_resolves_into_the_end_customer_view() {
    let Some(pair) = trestle_pair() else { return };
    let i = import_ok(&pair);
    let m = &i.model;
    assert_eq!(m.customer.id, "leveraging-saas");
    // The link names a file that is not there: the components' inherited-uuid finds the plan.
    assert!(
        i.notes
            .iter()
            .any(|n| n.message.contains("matched to") && n.message.contains("inherited-uuid")),
        "{:#?}",
        i.notes
    );
    assert_eq!(m.services[1].built_on[0].id, "csp-iaas-system");
    assert_eq!(m.catalogue.responsibilities().count(), 3);
    assert_eq!(
        statuses(m, "csp-iaas-system"),
        BTreeMap::from([("shared", 1), ("supplier", 2)])
    );
    assert_eq!(tasks(m, "csp-iaas-system"), (5, 2));
    assert_eq!(
        statuses(m, "saas-system-iaas-customer"),
        BTreeMap::from([("inherited", 1)])
    );
    assert_eq!(tasks(m, "saas-system-iaas-customer"), (1, 0));
    // ac-2.1: planned on one component, implemented on the other.
    let ac21 = m.allocations[0]
        .cells
        .iter()
        .find(|c| c.responsibility.id == "ac-2.1")
        .unwrap();
    assert_eq!(ac21.implementation, Some(Implementation::Partial));
    // The SaaS does not implement ac-1 and ac-2.1 itself: two gaps, nothing else.
    let findings = check(&View::new(m), today());
    assert_eq!(
        findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.code)
            .collect::<Vec<_>>(),
        [Code::Gap, Code::Gap]
    );
    let (must_do, chains) = end_customer(m);
    assert_eq!(must_do, 3);
    assert_eq!(
        chains,
        BTreeMap::from([
            ("leveraging-saas".to_owned(), 2),
            ("leveraging-saas > example-leveraged".to_owned(), 1)
        ])
    );
    // An undefined role is noted, not kept.
    assert!(
        i.notes
            .iter()
            .any(|n| n.message.contains("role \"role-id\" is not defined"))
    );
}

#[test]
fn trestle_pair_cross_document_findings() {
    let Some(pair) = trestle_pair() else { return };
    let findings = crossref::check(&load_all(&pair), None);
    assert_eq!(
        by_code(&findings),
        BTreeMap::from([
            ("oscal-responsibility-unmet", 1),
            ("oscal-status-without-remarks", 1)
        ])
    );
    let w = findings
        .iter()
        .find(|f| f.code == Code::OscalStatusWithoutRemarks)
        .unwrap();
    assert_eq!(w.severity, Severity::Warning);
    assert_eq!(
        w.pointer.as_deref(),
        Some(
            "/system-security-plan/control-implementation/implemented-requirements/2/by-components/0/implementation-status"
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The NIST prototype three-tier chain
// ---------------------------------------------------------------------------------------------

const CSP: &str = "demonstration-system-representing-a-cloud-service-provider";
const MSP: &str = "demonstration-system-representing-a-managed-service-provider";
const APP: &str = "demonstration-system-representing-an-application-owner";

#[test]
fn prototype_chain_resolves_into_the_end_customer_view() {
    let Some(dir) = shared_data("nist-oscal-srm-prototype/examples") else {
        return;
    };
    let i = import_ok(std::slice::from_ref(&dir));
    let m = &i.model;
    let ids: Vec<&str> = m.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, [CSP, MSP, APP]);
    assert_eq!(m.customer.id, "application-owner");
    assert_eq!(m.services[1].built_on[0].id, CSP);
    assert_eq!(m.services[2].built_on[0].id, MSP);
    // The SR documents stand for the plans they were exported from; the chain is found by
    // the uuids (the prototype has no leveraged authorizations).
    assert_eq!(
        i.notes
            .iter()
            .filter(|n| n.message.contains("stands for that plan"))
            .count(),
        2
    );
    assert_eq!(
        i.notes
            .iter()
            .filter(|n| n.message.contains("read as built on it"))
            .count(),
        2
    );
    // Self-references are noted, one note per kind and plan (82 places each).
    let self_refs: Vec<_> = i
        .notes
        .iter()
        .filter(|n| n.message.contains("self-reference"))
        .collect();
    assert_eq!(self_refs.len(), 5);
    assert!(self_refs.iter().all(|n| n.message.contains("82 places")));

    assert_eq!(m.catalogue.responsibilities().count(), 44);
    let statements: usize = m
        .catalogue
        .responsibilities()
        .map(|(_, r)| r.statements.len())
        .sum();
    assert_eq!(statements, 50);
    assert_eq!(statuses(m, CSP), BTreeMap::from([("shared", 44)]));
    assert_eq!(tasks(m, CSP), (82, 82));
    assert_eq!(statuses(m, MSP), BTreeMap::from([("inherited", 44)]));
    assert_eq!(tasks(m, MSP), (164, 82));
    assert_eq!(statuses(m, APP), BTreeMap::from([("inherited", 44)]));
    assert_eq!(tasks(m, APP), (164, 82));
    assert!(
        check(&View::new(m), today())
            .iter()
            .all(|f| f.severity == Severity::Warning)
    );
    // The application owner must do the MSP's 82 customer tasks and its own 246; every
    // control runs through all three tiers.
    let (must_do, chains) = end_customer(m);
    assert_eq!(must_do, 328);
    assert_eq!(
        chains,
        BTreeMap::from([(
            "application-owner > managed-service-provider > cloud-service-provider".to_owned(),
            44
        )])
    );
    // The internal text stays on the rows, never on a task.
    let all_tasks = m
        .allocations
        .iter()
        .flat_map(|g| &g.cells)
        .flat_map(|c| &c.tasks);
    assert!(all_tasks.clone().count() > 0);
    assert!(all_tasks.into_iter().all(|t| {
        !t.terms
            .description
            .as_deref()
            .unwrap_or("")
            .contains("DO NOT SHARE")
    }));
}

#[test]
fn prototype_chain_via_the_shared_responsibility_documents() {
    let Some(dir) = shared_data("nist-oscal-srm-prototype/examples") else {
        return;
    };
    // What the application owner has: the CSP's and the MSP's exported SR documents (the
    // MSP's own plan too, as the MSP shares it), and its own plan.
    let files: Vec<PathBuf> = [
        "example.ssp.csp.sr.json",
        "example.ssp.msp.json",
        "example.ssp.msp.sr.json",
        "example.ssp.app.json",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    let i = import_ok(&files);
    let m = &i.model;
    let csp = "customer-responsibility-matrix-example-ssp-csp-sr";
    assert_eq!(
        m.services.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        [csp, MSP, APP]
    );
    assert_eq!(m.services[0].provider.id, "provider-of-example-ssp-csp-sr");
    assert_eq!(statuses(m, csp), BTreeMap::from([("shared", 44)]));
    assert_eq!(tasks(m, csp), (82, 82));
    assert_eq!(tasks(m, MSP), (164, 82));
    assert_eq!(tasks(m, APP), (164, 82));
    assert!(import_errors(m).is_empty());
    let (must_do, chains) = end_customer(m);
    assert_eq!(must_do, 328);
    assert_eq!(chains.values().copied().collect::<Vec<_>>(), [44]);
    assert!(
        chains
            .keys()
            .next()
            .unwrap()
            .ends_with("> provider-of-example-ssp-csp-sr")
    );
}

#[test]
fn prototype_chain_cross_document_findings() {
    let Some(dir) = shared_data("nist-oscal-srm-prototype/examples") else {
        return;
    };
    let findings = crossref::check(&load_all(&[dir]), None);
    // Only the self-references: every upstream responsibility is satisfied downstream.
    assert_eq!(
        by_code(&findings),
        BTreeMap::from([("oscal-unresolved-uuid", 410)])
    );
    let mut per_file: BTreeMap<String, usize> = BTreeMap::new();
    for f in &findings {
        let name = Path::new(f.document.as_deref().unwrap())
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        *per_file.entry(name).or_default() += 1;
        assert!(f.message.contains("self-reference"), "{}", f.message);
    }
    assert_eq!(
        per_file,
        BTreeMap::from([
            ("example.ssp.app.json".to_owned(), 164),
            ("example.ssp.csp.json".to_owned(), 82),
            ("example.ssp.msp.json".to_owned(), 164)
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// Planted problems in hand-edited copies
// ---------------------------------------------------------------------------------------------

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("demarc-oscal-{name}-{}", std::process::id()));
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

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn at<'v>(v: &'v mut Value, pointer: &str) -> &'v mut Value {
    v.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"))
}

#[test]
fn crossref_finds_planted_problems() {
    let Some(pair) = trestle_pair() else { return };
    let tmp = TempDir::new("planted");
    let leveraged = read_json(&pair[0]);
    let leveraging = read_json(&pair[1]);
    let check_pair = |a: &Value, b: &Value, profile: Option<&[String]>| -> Vec<Finding> {
        let docs = vec![
            document::load(&tmp.write("leveraged_ssp.json", a)).unwrap(),
            document::load(&tmp.write("leveraging_ssp.json", b)).unwrap(),
        ];
        crossref::check(&docs, profile)
    };
    let base = check_pair(&leveraged, &leveraging, None);
    assert_eq!(base.len(), 2);

    let sat = "/system-security-plan/control-implementation/implemented-requirements/0/statements/0/by-components/1/satisfied/0";
    // 1. A satisfied entry naming nothing.
    let mut b = leveraging.clone();
    *at(&mut b, &format!("{sat}/responsibility-uuid")) =
        json!("99999999-0000-4000-9000-000000000000");
    let f = check_pair(&leveraged, &b, None);
    let planted: Vec<_> = f
        .iter()
        .filter(|x| x.code == Code::OscalUnresolvedUuid)
        .collect();
    assert_eq!(planted.len(), 1);
    assert_eq!(
        planted[0].pointer.as_deref(),
        Some(format!("{sat}/responsibility-uuid").as_str())
    );
    assert!(
        planted[0]
            .document
            .as_deref()
            .unwrap()
            .ends_with("leveraging_ssp.json")
    );
    assert!(
        planted[0]
            .message
            .contains("names no responsibility entry of the leveraged plan")
    );
    // ... and the responsibility it met is now unmet too.
    assert_eq!(
        f.iter()
            .filter(|x| x.code == Code::OscalResponsibilityUnmet)
            .count(),
        2
    );

    // 2. A satisfied entry naming a responsibility of its own plan (a self-reference).
    let mut b = leveraging.clone();
    let own = "22222222-0000-4000-9009-002001002009";
    at(&mut b, "/system-security-plan/control-implementation/implemented-requirements/0/by-components/0")
        .as_object_mut()
        .unwrap()
        .insert("export".into(), json!({"responsibilities": [{"uuid": own, "description": "Customers of the SaaS do this."}]}));
    *at(&mut b, &format!("{sat}/responsibility-uuid")) = json!(own);
    let f = check_pair(&leveraged, &b, None);
    let planted: Vec<_> = f
        .iter()
        .filter(|x| x.code == Code::OscalUnresolvedUuid)
        .collect();
    assert_eq!(planted.len(), 1);
    assert!(
        planted[0].message.contains("self-reference"),
        "{}",
        planted[0].message
    );

    // 3. A responsibility whose provided-uuid is in another document, not its own.
    let mut a = leveraged.clone();
    let resp = "/system-security-plan/control-implementation/implemented-requirements/1/statements/0/by-components/1/export/responsibilities/0";
    *at(&mut a, &format!("{resp}/provided-uuid")) = json!("22222222-0000-4000-9001-000000000003");
    let f = check_pair(&a, &leveraging, None);
    let planted: Vec<_> = f
        .iter()
        .filter(|x| x.code == Code::OscalUnresolvedUuid)
        .collect();
    assert_eq!(planted.len(), 1);
    assert_eq!(
        planted[0].pointer.as_deref(),
        Some(format!("{resp}/provided-uuid").as_str())
    );
    assert!(
        planted[0]
            .message
            .contains("resolves only in another document")
    );

    // 4. Passing the unmet responsibility on: the SaaS exports its own responsibility for the
    //    same statement (ac-2_stmt.a), and the unmet finding goes.
    let mut b = leveraging.clone();
    at(&mut b, "/system-security-plan/control-implementation/implemented-requirements/0/statements/0/by-components/0")
        .as_object_mut()
        .unwrap()
        .insert("export".into(), json!({"responsibilities": [{"uuid": "22222222-0000-4000-9009-002001001009", "description": "Customers of the SaaS review their accounts."}]}));
    let f = check_pair(&leveraged, &b, None);
    assert_eq!(
        by_code(&f),
        BTreeMap::from([("oscal-status-without-remarks", 1)])
    );

    // 5. Remarks on the planned status take its warning away.
    let mut a = leveraged.clone();
    *at(
        &mut a,
        "/system-security-plan/control-implementation/implemented-requirements/2/by-components/0/implementation-status",
    ) = json!({"state": "planned", "remarks": "Due in Q3."});
    let f = check_pair(&a, &leveraging, None);
    assert_eq!(
        by_code(&f),
        BTreeMap::from([("oscal-responsibility-unmet", 1)])
    );

    // 6. A baseline control nobody implements, in each plan that lacks it.
    let profile = vec!["ac-1".to_owned(), "ac-2".to_owned(), "ac-3".to_owned()];
    let f = check_pair(&leveraged, &leveraging, Some(&profile));
    let missing: Vec<(&str, &str)> = f
        .iter()
        .filter(|x| x.code == Code::OscalControlMissing)
        .map(|x| {
            (
                Path::new(x.document.as_deref().unwrap())
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap(),
                x.responsibility.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        missing,
        [
            ("leveraged_ssp.json", "ac-3"),
            ("leveraging_ssp.json", "ac-1"),
            ("leveraging_ssp.json", "ac-3")
        ]
    );
    assert!(
        f.iter()
            .filter(|x| x.code == Code::OscalControlMissing)
            .all(|x| x.pointer.as_deref()
                == Some("/system-security-plan/control-implementation/implemented-requirements"))
    );

    // 7. An inherited entry naming a provided entry of the leveraged plan resolves.
    let mut b = leveraging.clone();
    at(&mut b, sat)
        .as_object_mut()
        .unwrap()
        .remove("responsibility-uuid");
    let bc =
        "/system-security-plan/control-implementation/implemented-requirements/0/by-components/0";
    at(&mut b, bc)
        .as_object_mut()
        .unwrap()
        .insert("inherited".into(), json!([{"uuid": "22222222-0000-4000-9009-002001003009", "provided-uuid": "11111111-0000-4000-9009-001002002001", "description": "x"}]));
    let f = check_pair(&leveraged, &b, None);
    assert_eq!(
        f.iter()
            .filter(|x| x.code == Code::OscalUnresolvedUuid)
            .count(),
        0,
        "{f:#?}"
    );
}

#[test]
fn a_loop_of_plans_is_broken_with_a_note() {
    let Some(pair) = trestle_pair() else { return };
    let tmp = TempDir::new("loop");
    let mut a = read_json(&pair[0]);
    let b = read_json(&pair[1]);
    // The leveraged plan claims to leverage the leveraging one.
    at(&mut a, "/system-security-plan/system-implementation")
        .as_object_mut()
        .unwrap()
        .insert(
            "leveraged-authorizations".into(),
            json!([{"uuid": "11111111-0000-4000-9000-300000000009", "title": "The SaaS", "party-uuid": "11111111-0000-4000-9000-100000000001",
                    "date-authorized": "2020-01-01", "links": [{"href": "leveraging_ssp.json", "rel": "system-security-plan"}]}]),
        );
    let pa = tmp.write("leveraged_ssp.json", &a);
    let pb = tmp.write("leveraging_ssp.json", &b);
    let i = import_ok(&[pa, pb]);
    let note = i
        .notes
        .iter()
        .find(|n| n.message.contains("in a loop"))
        .unwrap_or_else(|| panic!("{:#?}", i.notes));
    assert!(
        note.file.ends_with("leveraging_ssp.json") || note.file.ends_with("leveraged_ssp.json")
    );
    assert!(import_errors(&i.model).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Plans with a catalog or a profile
// ---------------------------------------------------------------------------------------------

#[test]
fn a_catalog_given_is_the_catalogue_and_statement_ids_follow_it() {
    let (Some(low), Some(pair)) = (
        shared_data(
            "nist-oscal-content/resolved-catalogs/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json",
        ),
        trestle_pair(),
    ) else {
        return;
    };
    let mut paths = vec![low];
    paths.extend(pair);
    let i = import_ok(&paths);
    let m = &i.model;
    let c = &m.catalogue;
    assert_eq!(
        c.sources[0].id,
        "nist-sp-800-53-rev5-low-baseline-resolved-profile-catalog"
    );
    assert_eq!(
        m.catalogues,
        ["catalogue-nist-sp-800-53-rev5-low-baseline-resolved-profile-catalog.yaml"]
    );
    // ac-2.1 is not in the LOW baseline: it goes to an area of its own, with a note.
    let other = c.areas.iter().find(|a| a.id == "other-controls").unwrap();
    assert_eq!(
        other
            .responsibilities
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["ac-2.1"]
    );
    assert!(i.notes.iter().any(|n| {
        n.message
            .contains("control ac-2.1 is not in the catalog given")
    }));
    // The plans write `ac-2_stmt.a`; the catalog's statement is `ac-2_smt.a`.
    let ac2 = m.allocations[0]
        .cells
        .iter()
        .find(|c| c.responsibility.id == "ac-2")
        .unwrap();
    assert!(
        ac2.tasks
            .iter()
            .all(|t| t.statement.as_deref() == Some("ac-2_smt.a"))
    );
    assert!(
        i.notes
            .iter()
            .any(|n| n.message.contains("is read as the catalog's ac-2_smt.a"))
    );
    assert!(import_errors(m).is_empty());
    let back = yaml_round_trip(m);
    assert_eq!(back.without_locations(), m.without_locations());
}

#[cfg(unix)]
#[test]
fn a_profile_given_is_resolved_into_the_catalogue() {
    let (Some(cat), Some(profile), Some(pair)) = (
        shared_data("nist-oscal-content/catalog/NIST_SP-800-53_rev5.0.1_catalog.json"),
        shared_data("nist-oscal-content/baselines/NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
        nist_pair(),
    ) else {
        return;
    };
    // The profile names its catalog NIST_SP-800-53_rev5_catalog.json: a search directory
    // holding a file of that name is enough.
    let tmp = TempDir::new("profile-search");
    std::os::unix::fs::symlink(&cat, tmp.0.join("NIST_SP-800-53_rev5_catalog.json")).unwrap();
    let mut paths = vec![profile];
    paths.extend(pair);
    let i = import(&paths, std::slice::from_ref(&tmp.0)).unwrap_or_else(|e| panic!("{e}"));
    let m = &i.model;
    assert_eq!(m.catalogue.responsibilities().count(), 149);
    assert!(!m.catalogue.areas.iter().any(|a| a.id == "other-controls"));
    let (_, ac2) = m
        .catalogue
        .responsibilities()
        .find(|(_, r)| r.id == "ac-2")
        .unwrap();
    assert!(ac2.title.contains("Account Management"));
    // Both plans' tasks now cover the catalog's statement.
    for g in &m.allocations {
        for t in g.cells.iter().flat_map(|c| &c.tasks) {
            assert_eq!(t.statement.as_deref(), Some("ac-2_smt.a"));
        }
    }
    assert!(import_errors(m).is_empty());
}

#[test]
fn a_chain_loads_upstream_first() {
    let Some(dir) = shared_data("nist-oscal-srm-prototype/examples") else {
        return;
    };
    let mut notes = demarc_oscal::ssp::Notes::default();
    let chain = demarc_oscal::chain::load(&[dir], &[], &mut notes).unwrap();
    let names: Vec<String> = chain
        .tiers
        .iter()
        .map(|t| {
            Path::new(&chain.plans[t.plan].file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "example.ssp.csp.json",
            "example.ssp.msp.json",
            "example.ssp.app.json"
        ]
    );
    assert_eq!(
        chain
            .tiers
            .iter()
            .map(|t| t.stand_ins.len())
            .collect::<Vec<_>>(),
        [1, 1, 0]
    );
    let ups: Vec<Vec<usize>> = chain
        .tiers
        .iter()
        .map(|t| t.upstream.iter().map(|l| l.tier).collect())
        .collect();
    assert_eq!(ups, [vec![], vec![0], vec![1]]);
    assert!(
        chain
            .tiers
            .iter()
            .flat_map(|t| &t.upstream)
            .all(|l| l.how == demarc_oscal::chain::How::References)
    );
}
