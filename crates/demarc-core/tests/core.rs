//! Properties and behaviour of the core, on models built in code: every check code fires on a
//! model made for it and stays silent on a clean one; resolution does not depend on the order
//! things are written in; diffs are empty between equal models and exact for one change; and
//! nothing panics on any model, however broken.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use demarc_core::check::{check, has_errors};
use demarc_core::diff::{ChangeKind, diff};
use demarc_core::model::{
    Allocation, Area, Catalogue, Contest, Evidence, Loc, Model, Party, Person, Preset, PresetEntry,
    Ref, Responsibility, Review, Role, Service, ServiceAllocations, Statement, Task, Terms,
};
use demarc_core::report::{self, MatrixFilter};
use demarc_core::{Code, Date, ServiceModel, Severity, Status, TaskKind, View};
use proptest::prelude::*;

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn today() -> Date {
    date("2026-11-23")
}

// ---------------------------------------------------------------------------------------------
// A clean model, and one change per check code
// ---------------------------------------------------------------------------------------------

fn party(id: &str, name: &str, kind: &str) -> Party {
    Party {
        id: id.into(),
        name: name.into(),
        kind: Some(kind.into()),
        ..Party::default()
    }
}

fn resp(id: &str, title: &str, retained: bool) -> Responsibility {
    Responsibility {
        id: id.into(),
        title: title.into(),
        retained,
        ..Responsibility::default()
    }
}

fn cell(r: &str, status: Status) -> Allocation {
    Allocation {
        responsibility: Ref::new(r),
        status,
        ..Allocation::default()
    }
}

fn task(owners: &[&str], kind: TaskKind, what: &str) -> Task {
    Task {
        owners: owners.iter().map(|o| Ref::new(*o)).collect(),
        kind,
        terms: Terms {
            description: Some(what.into()),
            ..Terms::default()
        },
        ..Task::default()
    }
}

fn evidence(what: &str, expires: Option<&str>) -> Evidence {
    Evidence {
        description: what.into(),
        collected: None,
        expires: expires.map(date),
    }
}

const UPDATES: &str = "install-security-updates";
const POLICY: &str = "set-security-policy";

/// A charity (hope) with a managed IT supplier (fixit), and an online bookkeeping service
/// (booksy) that runs on a hosting platform (skyhost) which booksy buys. No findings.
fn clean() -> Model {
    Model {
        name: "Hope Community Charity".into(),
        customer: Ref::new("hope"),
        catalogues: vec!["tiny".into()],
        catalogue: Catalogue {
            areas: vec![Area {
                id: "basics".into(),
                title: "Basics".into(),
                catalogue: "tiny".into(),
                responsibilities: vec![
                    resp(UPDATES, "Install security updates", false),
                    resp(POLICY, "Set the security policy", true),
                ],
                ..Area::default()
            }],
            ..Catalogue::default()
        },
        parties: vec![
            party("hope", "Hope Community Charity", "customer"),
            party("fixit", "FixIt IT Ltd", "msp"),
            party("booksy", "Booksy Ltd", "saas"),
            party("skyhost", "SkyHost Cloud", "iaas"),
        ],
        services: vec![
            Service {
                id: "it-support".into(),
                name: "Managed IT support".into(),
                provider: Ref::new("fixit"),
                model: Some(ServiceModel::ManagedService),
                contract: Some("FixIt agreement 2026".into()),
                evidence: vec![evidence(
                    "FixIt Cyber Essentials Plus certificate",
                    Some("2027-04-01"),
                )],
                ..Service::default()
            },
            Service {
                id: "bookkeeping".into(),
                name: "Booksy online bookkeeping".into(),
                provider: Ref::new("booksy"),
                model: Some(ServiceModel::Saas),
                built_on: vec![Ref::new("hosting")],
                contract: Some("Booksy subscription agreement".into()),
                evidence: vec![evidence("Booksy ISO/IEC 27001 certificate", None)],
                ..Service::default()
            },
            Service {
                id: "hosting".into(),
                name: "SkyHost hosting".into(),
                provider: Ref::new("skyhost"),
                customer: Some(Ref::new("booksy")),
                model: Some(ServiceModel::Iaas),
                ..Service::default()
            },
        ],
        allocations: vec![
            ServiceAllocations {
                service: Ref::new("it-support"),
                cells: vec![
                    cell(UPDATES, Status::Supplier),
                    cell(POLICY, Status::Customer),
                ],
            },
            ServiceAllocations {
                service: Ref::new("bookkeeping"),
                cells: vec![
                    Allocation {
                        from: Some(Ref::new("hosting")),
                        ..cell(UPDATES, Status::Inherited)
                    },
                    cell(POLICY, Status::Customer),
                ],
            },
            ServiceAllocations {
                service: Ref::new("hosting"),
                cells: vec![
                    cell(UPDATES, Status::Supplier),
                    cell(POLICY, Status::Customer),
                ],
            },
        ],
        ..Model::default()
    }
}

fn service_mut<'a>(m: &'a mut Model, id: &str) -> &'a mut Service {
    m.services.iter_mut().find(|s| s.id == id).unwrap()
}

fn cell_mut<'a>(m: &'a mut Model, service: &str, r: &str) -> &'a mut Allocation {
    m.allocations
        .iter_mut()
        .filter(|g| g.service.id == service)
        .flat_map(|g| g.cells.iter_mut())
        .find(|a| a.responsibility.id == r)
        .unwrap()
}

/// Change the clean model so that it has exactly one finding, with `code`.
///
/// A `match` with no catch-all: a new code does not compile until it has a case here.
fn break_for(code: Code, m: &mut Model) {
    match code {
        Code::Gap => cell_mut(m, "it-support", UPDATES).status = Status::Undecided,
        Code::RetainedOutsourced => cell_mut(m, "it-support", POLICY).status = Status::Supplier,
        Code::SharedUnsplit => {
            let c = cell_mut(m, "it-support", UPDATES);
            c.status = Status::Shared;
            c.tasks = vec![task(&["fixit"], TaskKind::Operate, "Update laptops")];
        }
        Code::SharedSingleParty => {
            let c = cell_mut(m, "it-support", UPDATES);
            c.status = Status::Shared;
            c.tasks = vec![
                task(&["fixit"], TaskKind::Operate, "Update laptops"),
                task(&["provider"], TaskKind::Operate, "Install urgent fixes"),
            ];
        }
        Code::DuplicateOwner => {
            let c = cell_mut(m, "it-support", UPDATES);
            c.status = Status::Shared;
            c.tasks = vec![
                task(&["fixit"], TaskKind::Operate, "Update laptops"),
                task(
                    &["hope", "fixit"],
                    TaskKind::Operate,
                    "Check laptops were updated",
                ),
            ];
        }
        Code::NaWithoutReason => {
            let c = cell_mut(m, "it-support", UPDATES);
            c.status = Status::NotApplicable;
            c.reason = Some("   ".into());
        }
        Code::DanglingInheritance => cell_mut(m, "hosting", UPDATES).status = Status::Customer,
        Code::UnmetUpstreamTask => {
            let c = cell_mut(m, "hosting", UPDATES);
            c.status = Status::Shared;
            c.tasks = vec![
                task(&["skyhost"], TaskKind::Operate, "Update the platform"),
                task(&["customer"], TaskKind::Operate, "Update its own servers"),
            ];
        }
        Code::ChainCycle => {
            service_mut(m, "hosting").built_on = vec![Ref::new("bookkeeping")];
            let c = cell_mut(m, "bookkeeping", UPDATES);
            c.status = Status::Supplier;
            c.from = None;
        }
        Code::UnknownReference => {
            let fixit = &mut m.parties[1];
            fixit.roles = vec![Role {
                id: "service-desk".into(),
                name: "Service desk".into(),
                loc: None,
            }];
            fixit.people = vec![Person {
                name: "Sam Lee".into(),
                role: Some(Ref::new("service-dsk")),
                ..Person::default()
            }];
        }
        Code::DuplicateId => m
            .parties
            .push(party("fixit", "FixIt Security Services", "msp")),
        Code::EvidenceMissing => service_mut(m, "it-support").evidence.clear(),
        Code::EvidenceExpired => {
            service_mut(m, "it-support").evidence =
                vec![evidence("Old certificate", Some("2026-03-31"))];
        }
        Code::ContractRefMissing => service_mut(m, "it-support").contract = None,
        Code::ReviewOverdue => m.review.next = Some(date("2026-06-30")),
        Code::PresetConflict => {
            m.catalogue.presets.push(Preset {
                id: "tiny-managed".into(),
                title: "Managed IT support".into(),
                service_model: Some(ServiceModel::ManagedService),
                entries: vec![PresetEntry {
                    allocation: cell(UPDATES, Status::Supplier),
                    expected: true,
                    why: Some("Only the supplier can reach the laptops it manages.".into()),
                }],
                ..Preset::default()
            });
            cell_mut(m, "it-support", UPDATES).status = Status::Customer;
        }
        Code::Contested => {
            cell_mut(m, "it-support", UPDATES).contested = Some(Contest {
                by: Ref::new("fixit"),
                comment: "Home laptops are not covered.".into(),
            });
        }
        Code::OscalSchema
        | Code::OscalUnresolvedUuid
        | Code::OscalResponsibilityUnmet
        | Code::OscalControlMissing
        | Code::OscalStatusWithoutRemarks => {
            panic!("{code} is about OSCAL documents; its tests are in demarc-oscal")
        }
    }
}

fn codes(findings: &[demarc_core::Finding]) -> Vec<Code> {
    findings.iter().map(|f| f.code).collect()
}

#[test]
fn the_clean_model_has_no_findings() {
    let m = clean();
    let view = View::new(&m);
    let findings = check(&view, today());
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(!has_errors(&findings));
}

#[test]
fn each_code_fires_alone_on_a_model_made_for_it() {
    for code in Code::model_codes() {
        let mut m = clean();
        break_for(code, &mut m);
        let view = View::new(&m);
        let findings = check(&view, today());
        assert_eq!(codes(&findings), vec![code], "{code}: {findings:#?}");
        let f = &findings[0];
        assert_eq!(f.severity, code.severity());
        assert!(!f.message.is_empty() && !f.fix.is_empty(), "{code}");
        assert_eq!(
            has_errors(&findings),
            code.severity() == Severity::Error,
            "{code}"
        );
    }
}

#[test]
fn findings_name_the_cell_they_are_about() {
    let cases = [
        (Code::Gap, "it-support", UPDATES),
        (Code::RetainedOutsourced, "it-support", POLICY),
        (Code::SharedUnsplit, "it-support", UPDATES),
        (Code::DuplicateOwner, "it-support", UPDATES),
        (Code::DanglingInheritance, "bookkeeping", UPDATES),
        (Code::UnmetUpstreamTask, "bookkeeping", UPDATES),
        (Code::EvidenceMissing, "it-support", UPDATES),
        (Code::ContractRefMissing, "it-support", UPDATES),
        (Code::PresetConflict, "it-support", UPDATES),
        (Code::Contested, "it-support", UPDATES),
    ];
    for (code, service, r) in cases {
        let mut m = clean();
        break_for(code, &mut m);
        let view = View::new(&m);
        let f = check(&view, today()).remove(0);
        assert_eq!(f.service.as_deref(), Some(service), "{code}");
        assert_eq!(f.responsibility.as_deref(), Some(r), "{code}");
    }
    // Party-level findings name the party.
    for (code, party) in [(Code::Contested, "fixit"), (Code::EvidenceMissing, "fixit")] {
        let mut m = clean();
        break_for(code, &mut m);
        let view = View::new(&m);
        assert_eq!(
            check(&view, today())[0].party.as_deref(),
            Some(party),
            "{code}"
        );
    }
}

#[test]
fn dates_are_judged_against_today() {
    let mut m = clean();
    break_for(Code::EvidenceExpired, &mut m);
    let view = View::new(&m);
    assert_eq!(
        codes(&check(&view, date("2026-03-31"))),
        vec![],
        "valid on its expiry date"
    );
    assert_eq!(
        codes(&check(&view, date("2026-04-01"))),
        vec![Code::EvidenceExpired]
    );

    let mut m = clean();
    break_for(Code::ReviewOverdue, &mut m);
    let view = View::new(&m);
    assert!(
        check(&view, date("2026-06-30")).is_empty(),
        "due today is not overdue"
    );
    assert_eq!(
        codes(&check(&view, date("2026-07-01"))),
        vec![Code::ReviewOverdue]
    );

    // A row's own review date.
    let mut m = clean();
    cell_mut(&mut m, "it-support", UPDATES).review_by = Some(date("2026-01-01"));
    let view = View::new(&m);
    let f = check(&view, today());
    assert_eq!(codes(&f), vec![Code::ReviewOverdue]);
    assert_eq!(f[0].responsibility.as_deref(), Some(UPDATES));
}

#[test]
fn oversight_does_not_cover_a_cell() {
    let mut m = clean();
    let c = cell_mut(&mut m, "it-support", UPDATES);
    c.status = Status::Shared;
    c.tasks = vec![
        task(&["hope"], TaskKind::Oversee, "Review the patch report"),
        task(&["fixit"], TaskKind::Oversee, "Approve patches"),
    ];
    let view = View::new(&m);
    assert!(codes(&check(&view, today())).contains(&Code::Gap));
}

#[test]
fn a_supplier_deciding_a_retained_responsibility_is_reported() {
    let mut m = clean();
    let c = cell_mut(&mut m, "it-support", POLICY);
    c.tasks = vec![task(&["fixit"], TaskKind::Oversee, "Approve the policy")];
    let view = View::new(&m);
    assert_eq!(
        codes(&check(&view, today())),
        vec![Code::RetainedOutsourced]
    );
}

#[test]
fn a_supplier_of_a_supplier_owes_the_customer_no_evidence() {
    // hosting is used by booksy, not by the charity: no evidence or contract is asked of it.
    let m = clean();
    let view = View::new(&m);
    let hosting = view.service_index("hosting").unwrap();
    assert_eq!(view.consumer(hosting), view.party_index("booksy"));
    assert!(check(&view, today()).is_empty());
}

#[test]
fn expired_evidence_written_on_a_shared_row_is_reported() {
    let mut m = clean();
    let c = cell_mut(&mut m, "it-support", UPDATES);
    c.status = Status::Shared;
    c.tasks = vec![
        task(&["fixit"], TaskKind::Operate, "Patch the servers"),
        task(
            &["hope"],
            TaskKind::Operate,
            "Restart laptops after updates",
        ),
    ];
    c.terms.evidence = vec![evidence("patch report", Some("2026-01-31"))];
    let findings = check(&View::new(&m), today());
    assert_eq!(
        codes(&findings),
        vec![Code::EvidenceExpired],
        "{findings:#?}"
    );
    assert_eq!(findings[0].party.as_deref(), Some("fixit"));
}

#[test]
fn row_evidence_covers_only_the_providers_part() {
    // On a shared row, evidence written on the row is the provider's; another supplier's task
    // there needs its own.
    let mut m = clean();
    m.parties.push(party("helpdesk", "Helpdesk Ltd", "msp"));
    let c = cell_mut(&mut m, "it-support", UPDATES);
    c.status = Status::Shared;
    c.tasks = vec![
        task(&["fixit"], TaskKind::Operate, "Patch the servers"),
        Task {
            terms: Terms {
                contract: Some("Helpdesk terms".into()),
                ..Terms::default()
            },
            ..task(&["helpdesk"], TaskKind::Operate, "Patch the laptops")
        },
    ];
    c.terms.evidence = vec![evidence("patch report", None)];
    let findings = check(&View::new(&m), today());
    assert_eq!(
        codes(&findings),
        vec![Code::EvidenceMissing],
        "{findings:#?}"
    );
    assert_eq!(findings[0].party.as_deref(), Some("helpdesk"));
}

#[test]
fn a_contest_by_an_unknown_party_is_reported() {
    let mut m = clean();
    cell_mut(&mut m, "it-support", UPDATES).contested = Some(Contest {
        by: Ref::new("fixitt"),
        comment: "not ours".into(),
    });
    let findings = check(&View::new(&m), today());
    let unknown: Vec<_> = findings
        .iter()
        .filter(|f| f.code == Code::UnknownReference)
        .collect();
    assert_eq!(unknown.len(), 1, "{findings:#?}");
    assert!(unknown[0].fix.contains("\"fixit\""), "{}", unknown[0].fix);
    assert_eq!(unknown[0].service.as_deref(), Some("it-support"));
}

#[test]
fn an_unknown_provider_is_one_finding_under_its_service_not_a_gap_per_row() {
    let mut m = clean();
    service_mut(&mut m, "it-support").provider = Ref::new("fixt");
    let findings = check(&View::new(&m), today());
    assert_eq!(
        codes(&findings),
        vec![Code::UnknownReference],
        "{findings:#?}"
    );
    assert_eq!(findings[0].service.as_deref(), Some("it-support"));
}

#[test]
fn inheritance_follows_the_chain() {
    let m = clean();
    let view = View::new(&m);
    let s = view.service_index("bookkeeping").unwrap();
    let r = view.responsibility_index(UPDATES).unwrap();
    let cell = view.cell(s, r);
    assert_eq!(
        cell.operators.as_slice(),
        &[view.party_index("skyhost").unwrap()]
    );
    assert_eq!(
        cell.via.as_slice(),
        &[view.service_index("hosting").unwrap()]
    );
    assert_eq!(
        view.category(s, r),
        demarc_core::Category::ThirdPartyOutsourced
    );
    let chain: Vec<&str> = view
        .provenance(s, r)
        .iter()
        .map(|&p| view.party(p).id.as_str())
        .collect();
    assert_eq!(chain, ["booksy", "skyhost"]);
}

// ---------------------------------------------------------------------------------------------
// Diff, exactly, for hand-made changes
// ---------------------------------------------------------------------------------------------

#[test]
fn diff_of_one_status_change() {
    let old = clean();
    let mut new = clean();
    cell_mut(&mut new, "hosting", UPDATES).status = Status::Customer;
    let d = diff(&View::new(&old), &View::new(&new));
    let got: Vec<(ChangeKind, Option<&str>, Option<&str>)> = d
        .changes
        .iter()
        .map(|c| (c.kind, c.service.as_deref(), c.responsibility.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            // bookkeeping inherits from hosting: nobody does it there any more.
            (ChangeKind::OwnerChanged, Some("bookkeeping"), Some(UPDATES)),
            (ChangeKind::NewGap, Some("bookkeeping"), Some(UPDATES)),
            (ChangeKind::StatusChanged, Some("hosting"), Some(UPDATES)),
            (ChangeKind::OwnerChanged, Some("hosting"), Some(UPDATES)),
        ],
        "{:#?}",
        d.changes
    );
    assert!(d.resign_required);
    let status = &d.changes[2];
    assert_eq!(
        (status.before.as_deref(), status.after.as_deref()),
        (Some("supplier"), Some("customer"))
    );
    let owner = &d.changes[3];
    assert_eq!(
        (owner.before.as_deref(), owner.after.as_deref()),
        (Some("skyhost"), Some("booksy"))
    );
}

#[test]
fn diff_of_notes_and_contests_needs_no_resigning() {
    let old = clean();
    let mut new = clean();
    cell_mut(&mut new, "it-support", UPDATES).note = Some("checked in the workshop".into());
    break_for(Code::Contested, &mut new);
    let d = diff(&View::new(&old), &View::new(&new));
    let kinds: Vec<ChangeKind> = d.changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, vec![ChangeKind::Contested, ChangeKind::NoteChanged]);
    assert!(!d.resign_required);
    // And back: the dispute resolved.
    let back = diff(&View::new(&new), &View::new(&old));
    assert!(
        back.changes
            .iter()
            .any(|c| c.kind == ChangeKind::ContestResolved)
    );
}

#[test]
fn diff_of_added_and_removed_things() {
    let old = clean();
    let mut new = clean();
    new.parties.push(party("newco", "NewCo", "saas"));
    new.services.retain(|s| s.id != "it-support");
    new.allocations.retain(|g| g.service.id != "it-support");
    let d = diff(&View::new(&old), &View::new(&new));
    let kinds: BTreeSet<ChangeKind> = d.changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        BTreeSet::from([ChangeKind::PartyAdded, ChangeKind::ServiceRemoved])
    );
    assert!(d.resign_required);
}

// ---------------------------------------------------------------------------------------------
// Random models
// ---------------------------------------------------------------------------------------------

/// Text that is awkward to write and read back.
const AWKWARD: &[&str] = &[
    "plain words",
    " leading space",
    "trailing space ",
    "key: value",
    "# not a comment",
    "a # b",
    "\"quoted\"",
    "it's",
    "naïve café — 日本語 ✓",
    "two\nlines",
    "ends with a newline\n",
    "yes",
    "no",
    "null",
    "~",
    "1.0",
    "0x1F",
    "2026-01-01",
    "12:30",
    "",
    "- dash",
    "[brackets]",
    "{braces}",
    "*star",
    "&amp",
    "!bang",
    "|pipe",
    ">gt",
    "%percent",
    "@at",
    "`tick`",
    "tab\there",
];

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(AWKWARD).prop_map(str::to_owned)
}

fn a_date() -> impl Strategy<Value = Date> {
    (2025i32..=2028, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

fn kind() -> impl Strategy<Value = TaskKind> {
    prop::sample::select(TaskKind::ALL.to_vec())
}

fn service_model() -> impl Strategy<Value = ServiceModel> {
    prop::sample::select(ServiceModel::ALL.to_vec())
}

/// A party id: usually one of `p0..p{n}`, sometimes one that is not defined.
fn party_id(n: usize) -> BoxedStrategy<String> {
    prop_oneof![10 => (0..n).prop_map(|i| format!("p{i}")), 1 => Just("ghost-party".to_owned())]
        .boxed()
}

fn service_id(n: usize) -> BoxedStrategy<String> {
    prop_oneof![10 => (0..n).prop_map(|i| format!("s{i}")), 1 => Just("ghost-service".to_owned())]
        .boxed()
}

fn resp_id(n: usize) -> BoxedStrategy<String> {
    prop_oneof![12 => (0..n).prop_map(|i| format!("r{i}")), 1 => Just("ghost-resp".to_owned())]
        .boxed()
}

fn owner(np: usize) -> BoxedStrategy<String> {
    prop_oneof![
        4 => party_id(np),
        2 => Just("provider".to_owned()),
        2 => Just("customer".to_owned()),
    ]
    .boxed()
}

fn evidences() -> impl Strategy<Value = Vec<Evidence>> {
    prop::collection::vec(
        (
            text(),
            prop::option::of(a_date()),
            prop::option::of(a_date()),
        )
            .prop_map(|(d, c, e)| Evidence {
                description: d,
                collected: c,
                expires: e,
            }),
        0..=2,
    )
}

fn terms() -> impl Strategy<Value = Terms> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        evidences(),
        prop::option::of(text()),
    )
        .prop_map(|(description, sla, evidence, contract)| Terms {
            description,
            sla,
            evidence,
            contract,
            ..Terms::default()
        })
}

fn tasks(np: usize) -> impl Strategy<Value = Vec<Task>> {
    prop::collection::vec(
        (
            prop::collection::vec(owner(np), 0..=2),
            prop::option::of(Just("role-x".to_owned())),
            kind(),
            terms(),
        )
            .prop_map(|(owners, role, kind, terms)| Task {
                owners: owners.into_iter().map(Ref::new).collect(),
                role: role.map(Ref::new),
                kind,
                statement: None,
                terms,
                loc: None,
            }),
        0..=3,
    )
}

fn allocation(np: usize, ns: usize, nr: usize) -> impl Strategy<Value = Allocation> {
    (
        resp_id(nr),
        status(),
        prop::option::of(text()),
        prop::option::of(service_id(ns)),
        terms(),
        tasks(np),
        prop::option::weighted(0.15, (party_id(np), text())),
        prop::option::weighted(0.2, a_date()),
        prop::option::of(text()),
    )
        .prop_map(
            |(r, status, reason, from, terms, tasks, contested, review_by, note)| Allocation {
                responsibility: Ref::new(r),
                status,
                reason,
                from: from.map(Ref::new),
                terms,
                tasks,
                contested: contested.map(|(by, comment)| Contest {
                    by: Ref::new(by),
                    comment,
                }),
                review_by,
                implementation: None,
                note,
                loc: None,
            },
        )
}

fn service(i: usize, np: usize, ns: usize, npre: usize) -> impl Strategy<Value = Service> {
    (
        party_id(np),
        prop::option::weighted(0.3, party_id(np)),
        prop::option::of(service_model()),
        // Built on earlier services mostly (chains); later ones and itself sometimes (loops).
        prop::collection::vec(
            prop_oneof![6 => (0..i.max(1)).prop_map(|j| format!("s{j}")), 1 => service_id(ns)],
            0..=2,
        ),
        prop::option::weighted(
            0.3,
            prop::collection::vec(
                prop_oneof![5 => (0..npre.max(1)).prop_map(|j| format!("pre{j}")), 1 => Just("ghost-preset".to_owned())],
                0..=2,
            ),
        ),
        prop::option::of(text()),
        evidences(),
    )
        .prop_map(move |(provider, customer, model, built_on, presets, contract, evidence)| Service {
            id: format!("s{i}"),
            name: format!("Service {i}"),
            provider: Ref::new(provider),
            customer: customer.map(Ref::new),
            model,
            built_on: built_on.into_iter().map(Ref::new).collect(),
            presets: presets.map(|ps| ps.into_iter().map(Ref::new).collect()),
            contract,
            evidence,
            ..Service::default()
        })
}

fn preset(i: usize, np: usize, nr: usize) -> impl Strategy<Value = Preset> {
    (
        prop::option::of(service_model()),
        prop::collection::vec(
            (
                resp_id(nr),
                status(),
                prop::collection::vec(
                    (
                        prop_oneof![
                            Just("provider".to_owned()),
                            Just("customer".to_owned()),
                            party_id(np)
                        ],
                        kind(),
                    ),
                    0..=2,
                ),
                any::<bool>(),
            ),
            0..=nr + 1,
        ),
    )
        .prop_map(move |(service_model, entries)| Preset {
            id: format!("pre{i}"),
            title: format!("Preset {i}"),
            service_model,
            entries: entries
                .into_iter()
                .map(|(r, status, ts, expected)| PresetEntry {
                    allocation: Allocation {
                        tasks: ts
                            .into_iter()
                            .map(|(o, kind)| Task {
                                owners: vec![Ref::new(o)],
                                kind,
                                ..Task::default()
                            })
                            .collect(),
                        ..cell(&r, status)
                    },
                    expected,
                    why: expected.then(|| "because".to_owned()),
                })
                .collect(),
            ..Preset::default()
        })
}

/// Random models, valid in shape but not in content: unknown ids, loops of services, duplicate
/// ids and cells, every status, presets.
fn any_model() -> impl Strategy<Value = Model> {
    (1usize..=4, 1usize..=4, 1usize..=4, 0usize..=2)
        .prop_flat_map(|(np, ns, nr, npre)| {
            let services: Vec<_> = (0..ns).map(|i| service(i, np, ns, npre)).collect();
            let presets: Vec<_> = (0..npre).map(|i| preset(i, np, nr)).collect();
            (
                Just(np),
                services,
                prop::collection::vec(any::<bool>(), nr),
                presets,
                prop::collection::vec(
                    (
                        service_id(ns),
                        prop::collection::vec(allocation(np, ns, nr), 0..=nr + 1),
                    ),
                    0..=ns + 1,
                ),
                prop_oneof![9 => Just("p0".to_owned()), 1 => Just("ghost-party".to_owned())],
                prop::option::of(a_date()),
                (prop::bool::weighted(0.1), prop::bool::weighted(0.1)),
                prop::collection::vec(prop::option::of(Just("role-x".to_owned())), np),
            )
        })
        .prop_map(
            |(
                np,
                services,
                retained,
                presets,
                groups,
                customer,
                next,
                (dup_party, dup_service),
                roles,
            )| {
                let mut parties: Vec<Party> = (0..np)
                    .map(|i| Party {
                        id: format!("p{i}"),
                        name: format!("Party {i}"),
                        roles: roles[i]
                            .iter()
                            .map(|r| Role {
                                id: r.clone(),
                                name: r.clone(),
                                loc: None,
                            })
                            .collect(),
                        ..Party::default()
                    })
                    .collect();
                if dup_party {
                    parties.push(Party {
                        name: "Again".into(),
                        ..parties[0].clone()
                    });
                }
                let mut services = services;
                if dup_service {
                    services.push(Service {
                        name: "Again".into(),
                        ..services[0].clone()
                    });
                }
                let half = retained.len().div_ceil(2);
                let resps: Vec<Responsibility> = retained
                    .iter()
                    .enumerate()
                    .map(|(i, &r)| resp(&format!("r{i}"), &format!("Responsibility {i}"), r))
                    .collect();
                Model {
                    name: "Random".into(),
                    customer: Ref::new(customer),
                    catalogues: vec!["random".into()],
                    review: Review {
                        last: None,
                        next,
                        loc: None,
                    },
                    catalogue: Catalogue {
                        areas: vec![
                            Area {
                                id: "a0".into(),
                                title: "First".into(),
                                catalogue: "random".into(),
                                responsibilities: resps[..half].to_vec(),
                                ..Area::default()
                            },
                            Area {
                                id: "a1".into(),
                                title: "Second".into(),
                                catalogue: "random".into(),
                                responsibilities: resps[half..].to_vec(),
                                ..Area::default()
                            },
                        ],
                        presets,
                        ..Catalogue::default()
                    },
                    parties,
                    services,
                    allocations: groups
                        .into_iter()
                        .map(|(s, cells)| ServiceAllocations {
                            service: Ref::new(s),
                            cells,
                        })
                        .collect(),
                    ..Model::default()
                }
            },
        )
}

/// The model without duplicate ids or duplicate cells: what order independence can promise.
fn without_duplicates(mut m: Model) -> Model {
    let mut seen = BTreeSet::new();
    m.parties.retain(|p| seen.insert(p.id.clone()));
    let mut seen = BTreeSet::new();
    m.services.retain(|s| seen.insert(s.id.clone()));
    let mut seen = BTreeSet::new();
    for g in &mut m.allocations {
        let service = g.service.id.clone();
        g.cells
            .retain(|a| seen.insert((service.clone(), a.responsibility.id.clone())));
    }
    for p in &mut m.catalogue.presets {
        let mut seen = BTreeSet::new();
        p.entries
            .retain(|e| seen.insert(e.allocation.responsibility.id.clone()));
    }
    m
}

/// Everything the view says about each cell, in a form that does not depend on order.
type CellSummary = (
    String,
    String,
    Status,
    BTreeSet<String>,
    BTreeSet<String>,
    demarc_core::Category,
);

fn cells_of(view: &View<'_>) -> Vec<CellSummary> {
    let ids = |ps: &[u32]| {
        ps.iter()
            .map(|&p| view.party(p).id.clone())
            .collect::<BTreeSet<_>>()
    };
    view.cells()
        .map(|(s, r, c)| {
            (
                view.service(s).id.clone(),
                view.responsibility(r).id.clone(),
                c.status(),
                ids(&c.operators),
                ids(&c.overseers),
                view.category(s, r),
            )
        })
        .collect()
}

fn finding_keys(findings: &[demarc_core::Finding]) -> Vec<(Code, Option<String>, Option<String>)> {
    let mut v: Vec<_> = findings
        .iter()
        .map(|f| (f.code, f.service.clone(), f.responsibility.clone()))
        .collect();
    v.sort();
    v
}

/// Shuffle a vector with a permutation drawn from `keys` (one key per element).
fn permute<T: Clone>(v: &[T], keys: &[u32]) -> Vec<T> {
    let mut ix: Vec<usize> = (0..v.len()).collect();
    ix.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(0), i));
    ix.into_iter().map(|i| v[i].clone()).collect()
}

fn shuffled(m: &Model, keys: &[u32]) -> Model {
    let mut out = m.clone();
    let k = |i: usize| -> Vec<u32> {
        keys.iter()
            .map(|x| x.rotate_left(i as u32 * 7 + 3))
            .collect()
    };
    out.allocations = permute(&m.allocations, &k(0));
    for (i, g) in out.allocations.iter_mut().enumerate() {
        g.cells = permute(&g.cells, &k(i + 1));
    }
    for (i, s) in out.services.iter_mut().enumerate() {
        s.built_on = permute(&s.built_on, &k(i + 11));
    }
    out
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // PROPTEST_CASES=5000 for a longer search.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn view_check_and_reports_never_panic(m in any_model()) {
        let view = View::new(&m);
        let findings = check(&view, today());
        for (s, r, cell) in view.cells() {
            let _ = view.category(s, r);
            let _ = view.provenance(s, r);
            let _ = cell.is_override();
        }
        let _ = view.roll_up();
        let _ = diff(&view, &view);
        let _ = report::matrix(&view, MatrixFilter::default());
        let _ = report::policy_annex(&view);
        let _ = report::summary(&view, &findings, today());
        for p in 0..view.parties().len() {
            let _ = report::schedule(&view, p as u32, today());
            let _ = report::matrix(&view, MatrixFilter { service: None, party: Some(p as u32) });
        }
        // Every finding's severity is its code's.
        for f in &findings {
            prop_assert_eq!(f.severity, f.code.severity());
        }
        // An inherited cell never reaches anyone through a service in a loop.
        for (_, _, cell) in view.cells() {
            if cell.via.iter().any(|&u| view.in_cycle(u)) {
                prop_assert!(cell.broken.is_some());
            }
        }
    }

    #[test]
    fn diff_of_a_model_with_itself_is_empty(m in any_model().prop_map(without_duplicates)) {
        let a = View::new(&m);
        let copy = m.clone();
        let b = View::new(&copy);
        let d = diff(&a, &b);
        prop_assert!(d.is_empty(), "{:#?}", d.changes);
        prop_assert!(!d.resign_required);
    }

    #[test]
    fn one_changed_status_gives_the_expected_changes(
        m in any_model().prop_map(without_duplicates),
        pick in any::<prop::sample::Index>(),
        to in status(),
    ) {
        // Cells written in the model for a known service and responsibility.
        let old_view = View::new(&m);
        let written: Vec<(usize, usize)> = m
            .allocations
            .iter()
            .enumerate()
            .flat_map(|(g, group)| (0..group.cells.len()).map(move |c| (g, c)))
            .filter(|&(g, c)| {
                old_view.service_index(&m.allocations[g].service.id).is_some()
                    && old_view.responsibility_index(&m.allocations[g].cells[c].responsibility.id).is_some()
            })
            .collect();
        if written.is_empty() {
            return Ok(());
        }
        let (g, c) = written[pick.index(written.len())];
        let from = m.allocations[g].cells[c].status;
        let to = if from == to {
            let i = Status::ALL.iter().position(|&x| x == to).unwrap_or(0);
            Status::ALL[(i + 1) % Status::ALL.len()]
        } else {
            to
        };

        let mut changed = m.clone();
        changed.allocations[g].cells[c].status = to;
        let new_view = View::new(&changed);
        let d = diff(&old_view, &new_view);

        let service = &m.allocations[g].service.id;
        let r = &m.allocations[g].cells[c].responsibility.id;
        // Exactly one status change, at that cell, from and to the right statuses.
        let statuses: Vec<_> = d.changes.iter().filter(|c| c.kind == ChangeKind::StatusChanged).collect();
        prop_assert_eq!(statuses.len(), 1, "{:#?}", d.changes);
        prop_assert_eq!(statuses[0].service.as_deref(), Some(service.as_str()));
        prop_assert_eq!(statuses[0].responsibility.as_deref(), Some(r.as_str()));
        prop_assert_eq!(statuses[0].before.as_deref(), Some(from.as_str()));
        prop_assert_eq!(statuses[0].after.as_deref(), Some(to.as_str()));
        prop_assert!(d.resign_required);

        // Every other change is an owner or gap change that the views agree on, at that cell
        // or at a cell that inherits through its service.
        let si = old_view.service_index(service).unwrap();
        let ri = old_view.responsibility_index(r).unwrap();
        let mut expected: BTreeSet<(ChangeKind, String)> = BTreeSet::new();
        for (s, rr, new_cell) in new_view.cells() {
            let old_cell = old_view.cell(s, rr);
            let id = new_view.service(s).id.clone();
            let ops = |v: &View<'_>, ps: &[u32]| ps.iter().map(|&p| v.party(p).id.clone()).collect::<BTreeSet<_>>();
            if ops(&old_view, &old_cell.operators) != ops(&new_view, &new_cell.operators) {
                expected.insert((ChangeKind::OwnerChanged, id.clone()));
            }
            let gap = |c: &demarc_core::Cell<'_>| c.status() != Status::NotApplicable && c.operators.is_empty();
            match (gap(old_cell), gap(new_cell)) {
                (false, true) => { expected.insert((ChangeKind::NewGap, id.clone())); }
                (true, false) => { expected.insert((ChangeKind::GapClosed, id.clone())); }
                _ => {}
            }
            let touched = rr == ri && (s == si || new_cell.via.contains(&si) || old_cell.via.contains(&si));
            if !touched {
                prop_assert!(
                    ops(&old_view, &old_cell.operators) == ops(&new_view, &new_cell.operators)
                        && gap(old_cell) == gap(new_cell),
                    "cell {}/{} changed without inheriting from {}", id, new_view.responsibility(rr).id, service
                );
            }
        }
        expected.insert((ChangeKind::StatusChanged, service.clone()));
        let got: BTreeSet<(ChangeKind, String)> = d
            .changes
            .iter()
            .map(|c| (c.kind, c.service.clone().unwrap_or_default()))
            .collect();
        prop_assert_eq!(got, expected, "{:#?}", d.changes);
        for ch in &d.changes {
            prop_assert_eq!(ch.responsibility.as_deref(), Some(r.as_str()));
        }
    }

    #[test]
    fn resolution_does_not_depend_on_file_order(
        m in any_model().prop_map(without_duplicates),
        keys in prop::collection::vec(any::<u32>(), 0..16),
    ) {
        let other = shuffled(&m, &keys);
        let (a, b) = (View::new(&m), View::new(&other));
        prop_assert_eq!(cells_of(&a), cells_of(&b));
        let looped = |v: &View<'_>| (0..v.services().len() as u32).filter(|&s| v.in_cycle(s)).collect::<Vec<_>>();
        prop_assert_eq!(looped(&a), looped(&b));
        // Which loops are reported does depend on the order (see every_loop_is_reported):
        // compare the other findings here, and that at least one loop is reported on each side.
        let no_loops = |f: Vec<demarc_core::Finding>| -> Vec<demarc_core::Finding> {
            f.into_iter().filter(|f| f.code != Code::ChainCycle).collect()
        };
        prop_assert_eq!(
            finding_keys(&no_loops(check(&a, today()))),
            finding_keys(&no_loops(check(&b, today())))
        );
        prop_assert_eq!(a.cycles.is_empty(), b.cycles.is_empty());
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn diff_of_any_model_with_itself_is_empty(m in any_model()) {
        let copy = m.clone();
        let d = diff(&View::new(&m), &View::new(&copy));
        prop_assert!(d.is_empty(), "{:#?}", d.changes);
    }

    #[test]
    fn loops_reported_do_not_depend_on_built_on_order(
        m in any_model().prop_map(without_duplicates),
        keys in prop::collection::vec(any::<u32>(), 0..16),
    ) {
        let other = shuffled(&m, &keys);
        let (a, b) = (View::new(&m), View::new(&other));
        prop_assert_eq!(finding_keys(&check(&a, today())), finding_keys(&check(&b, today())));
    }
}

/// Three services: a is built on b and c; b is built on itself; c is built on a. Two loops:
/// b → b, and a → c → a.
fn two_loops() -> Model {
    let mut m = clean();
    m.allocations.clear();
    m.services = ["a", "b", "c"]
        .iter()
        .map(|id| Service {
            id: (*id).into(),
            name: id.to_uppercase(),
            provider: Ref::new("fixit"),
            contract: Some("agreement".into()),
            evidence: vec![evidence("certificate", None)],
            ..Service::default()
        })
        .collect();
    m.services[0].built_on = vec![Ref::new("b"), Ref::new("c")];
    m.services[1].built_on = vec![Ref::new("b")];
    m.services[2].built_on = vec![Ref::new("a")];
    for s in ["a", "b", "c"] {
        m.allocations.push(ServiceAllocations {
            service: Ref::new(s),
            cells: vec![
                cell(UPDATES, Status::Supplier),
                cell(POLICY, Status::Customer),
            ],
        });
    }
    m
}

#[test]
fn services_in_loops_are_found() {
    let m = two_loops();
    let view = View::new(&m);
    assert!((0..3).all(|s| view.in_cycle(s)));
    assert!(codes(&check(&view, today())).contains(&Code::ChainCycle));
}

#[test]
fn every_loop_is_reported() {
    let m = two_loops();
    let view = View::new(&m);
    let mut looped: Vec<BTreeSet<&str>> = view
        .cycles
        .iter()
        .map(|c| c.iter().map(|&s| view.service(s).id.as_str()).collect())
        .collect();
    looped.sort();
    assert_eq!(
        looped,
        vec![BTreeSet::from(["a", "c"]), BTreeSet::from(["b"])]
    );
    let reported = check(&view, today())
        .iter()
        .filter(|f| f.code == Code::ChainCycle)
        .count();
    assert_eq!(reported, 2);
}

#[test]
fn shuffling_built_on_of_a_chain_changes_nothing() {
    // A service built on two others, one of which provides the cell: `from` picks it whatever
    // the order of built_on.
    let mut m = clean();
    m.services.push(Service {
        id: "backup".into(),
        name: "Backup".into(),
        provider: Ref::new("skyhost"),
        customer: Some(Ref::new("booksy")),
        ..Service::default()
    });
    m.allocations.push(ServiceAllocations {
        service: Ref::new("backup"),
        cells: vec![
            cell(UPDATES, Status::Supplier),
            cell(POLICY, Status::Customer),
        ],
    });
    service_mut(&mut m, "bookkeeping").built_on = vec![Ref::new("backup"), Ref::new("hosting")];
    let mut other = m.clone();
    service_mut(&mut other, "bookkeeping").built_on.reverse();
    let (a, b) = (View::new(&m), View::new(&other));
    assert_eq!(cells_of(&a), cells_of(&b));
    assert!(check(&a, today()).is_empty());
    assert!(check(&b, today()).is_empty());
}

#[test]
fn an_inherited_cell_with_two_upstreams_and_no_from_is_ambiguous() {
    let mut m = clean();
    m.services.push(Service {
        id: "backup".into(),
        name: "Backup".into(),
        provider: Ref::new("skyhost"),
        customer: Some(Ref::new("booksy")),
        ..Service::default()
    });
    m.allocations.push(ServiceAllocations {
        service: Ref::new("backup"),
        cells: vec![
            cell(UPDATES, Status::Supplier),
            cell(POLICY, Status::Customer),
        ],
    });
    service_mut(&mut m, "bookkeeping").built_on = vec![Ref::new("hosting"), Ref::new("backup")];
    cell_mut(&mut m, "bookkeeping", UPDATES).from = None;
    let view = View::new(&m);
    assert_eq!(
        codes(&check(&view, today())),
        vec![Code::DanglingInheritance]
    );
}

#[test]
fn locations_never_make_models_differ() {
    let a = clean();
    let mut b = clean();
    b.allocations[0].cells[0].loc = Some(Loc {
        file: 3,
        line: 9,
        column: 1,
    });
    b.allocations[0].cells[0].responsibility.loc = Some(Loc {
        file: 1,
        line: 2,
        column: 3,
    });
    // Present on both sides, locations compare equal whatever they say.
    let mut a2 = a.clone();
    a2.allocations[0].cells[0].loc = Some(Loc::default());
    a2.allocations[0].cells[0].responsibility.loc = Some(Loc::default());
    assert_eq!(a2, b);
    assert!(diff(&View::new(&a), &View::new(&b)).is_empty());
}

/// A task may cover one statement of its responsibility; naming a statement the
/// responsibility does not have is an unknown reference, with the nearest one suggested.
#[test]
fn a_task_statement_must_be_one_of_the_responsibility_statements() {
    let mut m = clean();
    for area in &mut m.catalogue.areas {
        for r in &mut area.responsibilities {
            if r.id == UPDATES {
                r.statements = vec![
                    Statement {
                        id: "updates_smt.a".into(),
                        text: "a. Install updates".into(),
                    },
                    Statement {
                        id: "updates_smt.b".into(),
                        text: "b. Check they installed".into(),
                    },
                ];
            }
        }
    }
    let c = cell_mut(&mut m, "it-support", UPDATES);
    c.status = Status::Shared;
    let mut a = task(&["fixit"], TaskKind::Operate, "Update laptops");
    a.statement = Some("updates_smt.a".into());
    let mut b = task(&["hope"], TaskKind::Operate, "Check the report");
    b.statement = Some("updates_smt.c".into());
    c.tasks = vec![a, b];
    let view = View::new(&m);
    let findings = check(&view, today());
    assert_eq!(
        codes(&findings),
        vec![Code::UnknownReference],
        "{findings:#?}"
    );
    assert!(
        findings[0].message.contains("statement \"updates_smt.c\""),
        "{}",
        findings[0].message
    );
    assert!(findings[0].fix.contains("updates_smt.a") || findings[0].fix.contains("updates_smt.b"));

    // The right statement: nothing to report.
    let c = cell_mut(&mut m, "it-support", UPDATES);
    c.tasks[1].statement = Some("updates_smt.b".into());
    assert!(check(&View::new(&m), today()).is_empty());
}
