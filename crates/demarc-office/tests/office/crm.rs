//! FedRAMP CIS/CRM workbooks: the real ones (two filled in by cloud.gov, the empty FedRAMP
//! template) with the counts measured from them, round trips (import → export → import gives
//! the same model), a workbook made here with every case, and layouts that must be refused.

use std::collections::BTreeMap;

use demarc_core::model::{Implementation, Model, Status};
use demarc_core::{Date, View};
use demarc_office::crm::{self, Answer, CrmExport, CrmImport, Read};
use demarc_office::{ImportError, Imported, Sheet, Workbook};

use super::{repo, shared_data};

fn load(sub: &str, file: &str) -> Option<Workbook> {
    let dir = shared_data(sub)?;
    let bytes = std::fs::read(dir.join(file)).unwrap();
    Some(Workbook::from_xlsx(&bytes).unwrap())
}

fn opts(baseline: Option<&str>) -> CrmImport {
    CrmImport {
        baseline: baseline.map(str::to_owned),
        ..CrmImport::default()
    }
}

/// What the tests count in one workbook.
#[derive(Debug, Default)]
struct Counts {
    cis_rows: usize,
    /// Rows by how many origination columns they tick (0, 1, 2, 3, ...).
    origins_ticked: BTreeMap<usize, usize>,
    crm_rows: usize,
    answers: BTreeMap<&'static str, usize>,
    controls: usize,
    status: BTreeMap<&'static str, usize>,
    implementation: BTreeMap<&'static str, usize>,
    blank_customer_text: usize,
}

fn count(read: &Read, imported: &Imported, service: &str) -> Counts {
    let mut c = Counts::default();
    if let Some(cis) = &read.cis {
        c.cis_rows = cis.rows.len();
        for r in &cis.rows {
            *c.origins_ticked.entry(r.origins.len()).or_default() += 1;
        }
    }
    if let Some(crm) = &read.crm {
        c.crm_rows = crm.rows.len();
        for r in &crm.rows {
            let k = r.answer.map_or("none", Answer::as_str);
            *c.answers.entry(k).or_default() += 1;
        }
    }
    let m = &imported.model;
    c.controls = m.catalogue.responsibilities().count();
    for g in m.allocations.iter().filter(|g| g.service.id == service) {
        for a in &g.cells {
            *c.status.entry(a.status.as_str()).or_default() += 1;
            let i = a.implementation.map_or("none", Implementation::as_str);
            *c.implementation.entry(i).or_default() += 1;
        }
    }
    c.blank_customer_text = imported
        .notes
        .iter()
        .filter(|n| n.message.contains("the customer's part is not described"))
        .count();
    c
}

fn map<const N: usize, K: Ord + Copy>(pairs: [(K, usize); N]) -> BTreeMap<K, usize> {
    pairs.into_iter().collect()
}

/// Import, export the provider's service, import again: the same model.
#[track_caller]
fn round_trip(book: &Workbook, o: &CrmImport, into: Option<&Model>) -> (Imported, Vec<u8>) {
    let first = crm::import(book, o, into, None).unwrap();
    let view = View::new(&first.model);
    let svc = first
        .model
        .services
        .iter()
        .position(|s| !s.built_on.is_empty())
        .unwrap_or(0) as u32;
    let provider = view.provider(svc).unwrap();
    let opts = CrmExport {
        baseline: None,
        today: Some(Date::new(2026, 11, 23).unwrap()),
    };
    let bytes = crm::export(&view, provider, svc, &opts).unwrap();
    // The same model gives the same bytes.
    assert_eq!(bytes, crm::export(&view, provider, svc, &opts).unwrap());
    let again = crm::import(&Workbook::from_xlsx(&bytes).unwrap(), o, into, None).unwrap();
    let (a, b) = (
        first.model.without_locations(),
        again.model.without_locations(),
    );
    if a != b {
        for (ga, gb) in a.allocations.iter().zip(&b.allocations) {
            for (x, y) in ga.cells.iter().zip(&gb.cells) {
                assert_eq!(x, y, "first difference");
            }
        }
        assert_eq!(a.catalogue, b.catalogue);
        assert_eq!(a.parties, b.parties);
        assert_eq!(a.services, b.services);
        panic!("the models differ");
    }
    (first, bytes)
}

/// Compare the answers and texts of the exported CRM with the original's, row by row.
fn answers_kept(original: &Read, exported: &[u8]) -> (usize, usize, usize) {
    let back = crm::read(&Workbook::from_xlsx(exported).unwrap(), None).unwrap();
    let key = |id: &str| crm::parse_control_id(id);
    let theirs: BTreeMap<_, _> = back
        .crm
        .unwrap()
        .rows
        .into_iter()
        .map(|r| (key(&r.id), (r.answer, r.text)))
        .collect();
    let (mut rows, mut same_answer, mut same_text) = (0, 0, 0);
    for r in &original.crm.as_ref().unwrap().rows {
        rows += 1;
        if let Some((a, t)) = theirs.get(&key(&r.id)) {
            same_answer += usize::from(*a == r.answer);
            same_text += usize::from(*t == r.text);
        }
    }
    (rows, same_answer, same_text)
}

#[test]
fn cloud_gov_rev4_workbook() {
    let Some(book) = load("cloud-gov-crm", "cloud.gov-CIS-Worksheet.xlsx") else {
        return;
    };
    let read = crm::read(&book, None).unwrap();
    assert_eq!(read.cis.as_ref().unwrap().name, "CIS Worksheet");
    assert_eq!(read.crm.as_ref().unwrap().name, "PaaS CRM");
    assert_eq!(read.provider_name.as_deref(), Some("cloud.gov"));
    assert_eq!(read.upstream_name.as_deref(), Some("AWS GovCloud"));
    // No baseline in the sheet names: the Instructions sheet's impact level.
    assert_eq!(read.baseline, Some(crm::Baseline::Moderate));
    let (imported, bytes) = round_trip(&book, &opts(None), None);
    let c = count(&read, &imported, "cloud-gov-paas-and-cloud-gov-pages");
    assert_eq!(c.cis_rows, 616);
    // PROVENANCE: 117 controls tick two origination columns and 12 tick three.
    assert_eq!(c.origins_ticked, map([(0, 2), (1, 485), (2, 117), (3, 12)]));
    // PROVENANCE: No = 350, Partial = 142, Yes = 124.
    assert_eq!(c.crm_rows, 616);
    assert_eq!(
        c.answers,
        map([("No", 350), ("Partial", 142), ("Yes", 124)])
    );
    assert_eq!(c.controls, 325);
    assert_eq!(
        c.status,
        map([
            ("customer", 7),
            ("inherited", 89),
            ("not-applicable", 14),
            ("shared", 39),
            ("supplier", 176)
        ])
    );
    assert_eq!(
        c.implementation,
        map([
            ("alternative", 6),
            ("implemented", 304),
            ("none", 14),
            ("partial", 1)
        ])
    );
    assert_eq!(c.blank_customer_text, 0);
    // The internal comments column is named and not read; the rows ticking two statuses are
    // each named.
    let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    assert!(
        notes[0].starts_with("sheet \"PaaS CRM\", row 3, column D (Internal cloud.gov COMMENTS"),
        "{notes:?}"
    );
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains("several implementation statuses"))
            .count(),
        13
    );
    assert!(notes.iter().any(|n| n
        == "sheet \"CIS Worksheet\", row 262: IA-05 (a) ticks several implementation statuses (Implemented, N/A): read as \"Implemented\""));
    assert_eq!(notes.len(), 14);

    let m = &imported.model;
    let ids: Vec<&str> = m.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["cloud-gov-paas-and-cloud-gov-pages", "aws-govcloud"]);
    assert_eq!(m.services[0].built_on[0].id, "aws-govcloud");
    assert_eq!(m.services[1].customer.as_ref().unwrap().id, "cloud-gov");
    let upstream = count(&read, &imported, "aws-govcloud");
    assert_eq!(upstream.status, map([("customer", 236), ("supplier", 89)]));
    // Statement-level rows became statements of one responsibility per control.
    let ac2 = m
        .catalogue
        .responsibilities()
        .find(|(_, r)| r.id == "ac-2")
        .unwrap()
        .1;
    assert_eq!(ac2.statements.len(), 11);
    assert_eq!(ac2.statements[0].id, "ac-2_smt.a");
    assert_eq!(ac2.mappings["nist-800-53"], ["AC-2"]);

    // Written back: every text comes out as it went in; the answers differ only where the
    // model cannot hold them (21 rows of N/A controls are written with no answer, and a
    // customer-only control is always "No").
    assert_eq!(answers_kept(&read, &bytes), (616, 594, 616));

    // The model checks with no errors: only the evidence and contracts the customer should
    // still name for its supplier.
    let view = View::new(m);
    let findings = demarc_core::check::check(&view, Date::new(2026, 11, 23).unwrap());
    let mut codes: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        *codes.entry(f.code.as_str()).or_default() += 1;
    }
    assert_eq!(
        codes,
        map([("contract-ref-missing", 261), ("evidence-missing", 261)])
    );
}

#[test]
fn cloud_gov_pages_rev5_workbook() {
    let Some(book) = load("cloud-gov-crm", "cloud.gov-Pages-CIS-and-CRM-Workbook.xlsx") else {
        return;
    };
    let read = crm::read(&book, None).unwrap();
    assert_eq!(read.cis.as_ref().unwrap().name, "Moderate CIS Worksheet");
    assert_eq!(read.crm.as_ref().unwrap().name, "Moderate CRM Worksheet");
    assert_eq!(read.system_name.as_deref(), Some("cloud.gov Pages"));
    assert_eq!(read.upstream_name.as_deref(), Some("AWS GovCloud"));
    let (imported, bytes) = round_trip(&book, &opts(None), None);
    let c = count(&read, &imported, "cloud-gov-pages");
    assert_eq!(c.cis_rows, 688);
    assert_eq!(c.origins_ticked, map([(0, 6), (1, 486), (2, 193), (3, 3)]));
    assert_eq!(c.crm_rows, 688);
    assert_eq!(
        c.answers,
        map([("No", 358), ("Partial", 129), ("Yes", 201)])
    );
    assert_eq!(c.controls, 323);
    assert_eq!(
        c.status,
        map([
            ("customer", 3),
            ("inherited", 83),
            ("not-applicable", 13),
            ("shared", 75),
            ("supplier", 149)
        ])
    );
    assert_eq!(
        c.implementation,
        map([
            ("alternative", 5),
            ("implemented", 278),
            ("none", 13),
            ("partial", 11),
            ("planned", 16)
        ])
    );
    assert_eq!(c.blank_customer_text, 0);
    let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    assert!(
        notes[0]
            .contains("column C (FIPS-199 Impact Low (L) & Moderate (M)): this column is not read")
    );
    assert_eq!(notes.len(), 13, "{notes:#?}");
    // The lower-case "x" is a mark like "X" (row 175, column H), so no note is about it.
    assert!(!notes.iter().any(|n| n.contains("expected X")));

    // AC-2's parts differ: its tasks name the statements.
    let m = &imported.model;
    let ac2 = m.allocations[0]
        .cells
        .iter()
        .find(|a| a.responsibility.id == "ac-2")
        .unwrap();
    assert_eq!(ac2.status, Status::Inherited);
    let a = ac2
        .tasks
        .iter()
        .find(|t| t.statement.as_deref() == Some("ac-2_smt.a") && t.owners[0].id == "customer")
        .unwrap();
    assert_eq!(
        a.terms.description.as_deref(),
        Some("Site owner is responsible for assigning Pages users to the appropriate role.")
    );
    assert_eq!(a.terms.scope, None);
    let b = ac2
        .tasks
        .iter()
        .find(|t| t.statement.as_deref() == Some("ac-2_smt.b") && t.owners[0].id == "customer")
        .unwrap();
    assert_eq!(b.terms.scope.as_deref(), Some(crm::NOT_INHERITABLE));
    assert_eq!(answers_kept(&read, &bytes), (688, 664, 688));
}

#[test]
fn fedramp_template_is_empty() {
    let Some(book) = load(
        "gsa-fedramp-gov-crm-template",
        "SSP-Appendix-J-CSO-CIS-and-CRM-Workbook.xlsx",
    ) else {
        return;
    };
    // Four baselines, none filled in: which one is a question.
    let Err(ImportError::Cells(errors)) = crm::import(&book, &opts(None), None, None) else {
        panic!("expected an error naming the worksheets");
    };
    let sheets: Vec<&str> = errors.iter().map(|e| e.sheet.as_str()).collect();
    assert_eq!(
        sheets,
        [
            "High CIS Worksheet",
            "High CRM Worksheet",
            "Moderate CIS Worksheet",
            "Moderate CRM Worksheet",
            "Low CIS Worksheet",
            "Low CRM Worksheet",
            "LI-SaaS CIS Worksheet",
            "LI-SaaS CRM Worksheet"
        ]
    );
    assert!(
        errors[0]
            .message
            .contains("--baseline (high, moderate, low, li-saas)")
    );

    for (baseline, rows, controls) in [
        ("high", 791, 410),
        ("moderate", 688, 323),
        ("low", 424, 156),
        ("li-saas", 424, 156),
    ] {
        let read = crm::read(&book, crm::Baseline::parse(baseline)).unwrap();
        let (imported, _) = round_trip(&book, &opts(Some(baseline)), None);
        let c = count(&read, &imported, "provider");
        assert_eq!(
            (baseline, c.cis_rows, c.crm_rows, c.controls),
            (baseline, rows, rows, controls)
        );
        // Nothing filled in: no allocation at all, and a note saying so.
        assert!(imported.model.allocations.is_empty());
        assert!(imported.notes.iter().any(|n| n.message
            == format!("{rows} rows have nothing filled in (no mark, no answer, no text): {controls} controls are left undecided")));
        assert_eq!(c.origins_ticked, map([(0, rows)]));
        assert_eq!(
            imported.model.catalogue.sources[0].id,
            format!("fedramp-{baseline}")
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A workbook made here, with every case

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_owned()).collect()
}

/// CIS columns: A id, B-F status, G-M origination, N an extra column.
fn cis(id: &str, status: &str, origins: &str) -> Vec<String> {
    let mut r = vec![id.to_owned()];
    for c in ["B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M"] {
        let v = if status == c || origins.split(',').any(|o| o == c) {
            "X"
        } else {
            ""
        };
        r.push(v.to_owned());
    }
    r
}

fn made_here() -> Workbook {
    let instructions = Sheet::from_rows(
        "Instructions",
        vec![
            row(&["", "Our test workbook"]),
            row(&[]),
            row(&["", "CSP", "System Name", "", "Impact Level"]),
            row(&["", "Acme Cloud", "Acme Files", "", "Low"]),
        ],
    );
    let mut cis_rows = vec![
        row(&["FedRAMP Low CIS Worksheet"]),
        row(&[
            "Control ID",
            "Implementation Status",
            "",
            "",
            "",
            "",
            "Control Origination",
        ]),
        row(&[
            "",
            "Implemented",
            "Partially Implemented",
            "Planned",
            "Alternative Implementation",
            "N/A",
            "Service Provider Corporate",
            "Service Provider System Specific",
            "Service Provider Hybrid (Corporate and System Specific)",
            "Configured by Customer (Customer System Specific)",
            "Provided by Customer (Customer System Specific)",
            "Shared (Service Provider and Customer Responsibility)",
            "Inherited from Pre-Existing  Authorization (Big Cloud)",
            "Reviewer",
        ]),
    ];
    cis_rows.extend([
        cis("AC-1", "B", "G"),         // 4: supplier, Yes with text
        cis("AC-2(a)", "B", "L"),      // 5: shared, parts differ
        cis("AC-2(b)", "C", "H"),      // 6
        cis("AC-02 (01)", "B", "H,J"), // 7: provider + customer → shared
        cis("AC-3", "D", "J"),         // 8: customer
        cis("AC-4", "F", ""),          // 9: N/A
        cis("AC-5", "B", "H,M"),       // 10: inherited + provider, No
        {
            let mut r = cis("AC-6", "", "G"); // 11: a mark that is not X
            r[1] = "yes".to_owned();
            r
        },
        cis("AC-7", "", ""),      // 12: empty
        cis("Foo-bar", "B", "G"), // 13: not a control id
        cis("AC-9(a)", "B", "K"), // 14
        cis("AC-9(b)", "F", ""),  // 15: N/A part of a control that applies
        cis("AC-1", "B", "H"),    // 16: twice
    ]);
    let crm_rows = vec![
        row(&["FedRAMP Low CRM Worksheet"]),
        row(&["Guidance: ..."]),
        row(&[
            "Control ID",
            "Can Be Inherited from CSP",
            "Specific Inheritance and Customer Agency/CSP Responsibilities",
            "Internal comments",
        ]),
        row(&["AC-1", "Yes", "Acme keeps the access policy."]),
        row(&["AC-2(a)", "Partial", "You add and remove your users."]),
        row(&["AC-2(b)", "Partial", ""]),
        row(&["AC-2(1)", "partial", "You connect your directory. "]),
        row(&["AC-3", "No", "You set permissions."]),
        row(&["AC-4", "No", "No information flows to control."]),
        row(&["AC-5", "No", "Separate duties\r\nin your team."]),
        row(&["AC-6", "Maybe", ""]),
        row(&["AC-8", "Yes", "Acme shows the banner."]),
        row(&["AC-9(a)", "No", "You review the log."]),
        row(&["AC-9(b)", "No", "Not for us."]),
    ];
    Workbook {
        sheets: vec![
            instructions,
            Sheet::from_rows("Low CIS Worksheet", cis_rows),
            Sheet::from_rows("Low CRM Worksheet", crm_rows),
        ],
    }
}

#[test]
fn every_case_of_a_workbook_made_here() {
    let book = made_here();
    let titles = |id: &str| (id == "ac-2").then(|| "Account Management".to_owned());
    let imported = crm::import(&book, &CrmImport::default(), None, Some(&titles)).unwrap();
    let m = &imported.model;
    let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    let expected_notes = [
        "sheet \"Low CIS Worksheet\", row 3, column N (Reviewer): this column is not one of the CIS worksheet's status or origination columns: it is not read",
        "sheet \"Low CIS Worksheet\", row 11, column B (Implemented): expected X (or nothing) to tick this column, found \"yes\"; not counted",
        "sheet \"Low CRM Worksheet\", row 3, column D (Internal comments): this column is not read: demarc reads the control id, \"Can Be Inherited from CSP\" and the customer responsibilities",
        "sheet \"Low CRM Worksheet\", row 11, column B (Can Be Inherited from CSP): expected Yes, Partial or No, found \"Maybe\"; read as no answer",
        "sheet \"Low CIS Worksheet\", row 13, column A (Control ID): \"Foo-bar\" is not a NIST SP 800-53 control id (like AC-2, AC-2(1) or AC-2(a)) nor a responsibility of the model: this row is left out",
        "sheet \"Low CIS Worksheet\", row 16, column A (Control ID): AC-1 appears twice on this sheet (first on row 4): this row is left out",
        "sheet \"Low CRM Worksheet\", row 6, column C (Specific Inheritance and Customer Agency/CSP Responsibilities): AC-2(b): the CRM says Partial, but the customer's part is not described: the customer task has no description",
        "sheet \"Low CIS Worksheet\", row 15: AC-9(b): marked N/A while other parts of AC-9 apply; demarc keeps N/A for whole controls only, so this part is read with the rest of the control and its text is not kept",
        "sheet \"Low CIS Worksheet\", row 2: 1 row has nothing filled in (no mark, no answer, no text): 1 control is left undecided",
    ];
    assert_eq!(notes, expected_notes);

    assert_eq!(m.name, "Acme Files — FedRAMP CIS/CRM workbook");
    let parties: Vec<(&str, &str)> = m
        .parties
        .iter()
        .map(|p| (p.id.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        parties,
        [
            ("agency", "Customer agency"),
            ("acme-cloud", "Acme Cloud"),
            ("big-cloud", "Big Cloud")
        ]
    );
    assert_eq!(m.customer.id, "agency");
    assert_eq!(m.catalogue.sources[0].id, "fedramp-low");
    let title = |id: &str| {
        m.catalogue
            .responsibilities()
            .find(|(_, r)| r.id == id)
            .map(|(_, r)| r.title.clone())
    };
    assert_eq!(title("ac-2").as_deref(), Some("AC-2 Account Management"));
    assert_eq!(title("ac-2.1").as_deref(), Some("AC-2(1)"));
    assert_eq!(title("ac-7").as_deref(), Some("AC-7"));
    assert_eq!(title("foo-bar"), None);

    let cells = &m.allocations[0].cells;
    assert_eq!(m.allocations[0].service.id, "acme-files");
    let cell = |id: &str| cells.iter().find(|a| a.responsibility.id == id);
    let owners = |id: &str| -> Vec<(String, Option<String>, Option<String>, bool)> {
        cell(id)
            .unwrap()
            .tasks
            .iter()
            .map(|t| {
                (
                    t.owners[0].id.clone(),
                    t.statement.clone(),
                    t.terms.description.clone(),
                    t.terms.scope.is_some(),
                )
            })
            .collect()
    };
    let s = |x: &str| Some(x.to_owned());

    let ac1 = cell("ac-1").unwrap();
    assert_eq!(
        (ac1.status, ac1.implementation),
        (Status::Supplier, Some(Implementation::Implemented))
    );
    assert_eq!(ac1.terms.description, s("Acme keeps the access policy."));
    assert!(ac1.tasks.is_empty());

    let ac2 = cell("ac-2").unwrap();
    assert_eq!(
        (ac2.status, ac2.implementation),
        (Status::Shared, Some(Implementation::Partial))
    );
    assert_eq!(
        owners("ac-2"),
        [
            ("provider".into(), s("ac-2_smt.a"), None, false),
            (
                "customer".into(),
                s("ac-2_smt.a"),
                s("You add and remove your users."),
                false
            ),
            ("provider".into(), s("ac-2_smt.b"), None, false),
            ("customer".into(), s("ac-2_smt.b"), None, false),
        ]
    );
    assert_eq!(cell("ac-2.1").unwrap().status, Status::Shared);
    assert_eq!(owners("ac-2.1")[1].2, s("You connect your directory."));

    let ac3 = cell("ac-3").unwrap();
    assert_eq!(
        (ac3.status, ac3.implementation),
        (Status::Customer, Some(Implementation::Planned))
    );
    assert_eq!(ac3.terms.description, s("You set permissions."));

    let ac4 = cell("ac-4").unwrap();
    assert_eq!(ac4.status, Status::NotApplicable);
    assert_eq!(ac4.reason, s("No information flows to control."));

    let ac5 = cell("ac-5").unwrap();
    assert_eq!(ac5.status, Status::Inherited);
    assert_eq!(
        owners("ac-5"),
        [
            ("provider".into(), None, None, false),
            (
                "customer".into(),
                None,
                s("Separate duties\nin your team."),
                true
            ),
        ]
    );
    // AC-6: the "yes" is not a mark, so no status; the origination still counts.
    let ac6 = cell("ac-6").unwrap();
    assert_eq!((ac6.status, ac6.implementation), (Status::Supplier, None));
    assert!(cell("ac-7").is_none());
    // AC-8 is only in the CRM: "Yes" makes it the provider's.
    assert_eq!(cell("ac-8").unwrap().status, Status::Supplier);
    // AC-9: its N/A part is read with the rest (whole control, one customer row).
    let ac9 = cell("ac-9").unwrap();
    assert_eq!(ac9.status, Status::Customer);
    assert_eq!(ac9.terms.description, s("You review the log."));

    // The upstream service and its rows.
    assert_eq!(m.services[1].id, "big-cloud");
    let up: Vec<(&str, Status)> = m.allocations[1]
        .cells
        .iter()
        .map(|a| (a.responsibility.id.as_str(), a.status))
        .collect();
    assert_eq!(
        up.iter()
            .filter(|(_, s)| *s == Status::Supplier)
            .collect::<Vec<_>>(),
        [&("ac-5", Status::Supplier)]
    );
    assert_eq!(up.len(), 9);

    // Round trip, with the low baseline named in the sheets.
    let (_, bytes) = round_trip(&book, &CrmImport::default(), None);
    let back = Workbook::from_xlsx(&bytes).unwrap();
    assert_eq!(
        back.sheet_names(),
        ["Instructions", "Low CIS Worksheet", "Low CRM Worksheet"]
    );
    let cis = back.sheet("Low CIS Worksheet").unwrap();
    assert_eq!(
        cis.cell(2, 12),
        "Inherited from Pre-Existing Authorization (Big Cloud)"
    );
    let ids: Vec<&str> = (3..cis.height()).map(|r| cis.cell(r, 0)).collect();
    assert_eq!(
        ids,
        [
            "AC-1", "AC-2(a)", "AC-2(b)", "AC-2(1)", "AC-3", "AC-4", "AC-5", "AC-6", "AC-7",
            "AC-8", "AC-9(a)", "AC-9(b)"
        ]
    );
    // AC-5: inherited, with the provider's part and the customer's.
    let marks: String = (6..13)
        .map(|c| if cis.cell(9, c) == "X" { 'X' } else { '.' })
        .collect();
    assert_eq!(marks, ".....XX");
    let crm_sheet = back.sheet("Low CRM Worksheet").unwrap();
    assert_eq!(
        (crm_sheet.cell(9, 1), crm_sheet.cell(9, 2)),
        ("No", "Separate duties\nin your team.")
    );
}

#[test]
fn riverside_suppliers_export_and_read_back_unchanged() {
    let model = demarc_formats::yaml::load(&repo().join("examples/riverside")).unwrap();
    let view = View::new(&model);
    let mut written = 0;
    for (s, svc) in model.services.iter().enumerate() {
        let p = view.provider(s as u32).unwrap();
        let bytes = crm::export(&view, p, s as u32, &CrmExport::default()).unwrap();
        let book = Workbook::from_xlsx(&bytes).unwrap();
        // Not NIST controls: sheets without a baseline, the responsibility ids as control ids.
        assert_eq!(
            book.sheet_names(),
            ["Instructions", "CIS Worksheet", "CRM Worksheet"]
        );
        let cis = book.sheet("CIS Worksheet").unwrap();
        assert_eq!(cis.cell(3, 0), view.responsibility(0).id);
        assert_eq!(cis.height() - 3, view.responsibilities().len() as u32);
        // Read back into the same model: nothing changes.
        let o = CrmImport {
            service: Some(svc.id.clone()),
            ..CrmImport::default()
        };
        let imported = crm::import(&book, &o, Some(&model), None).unwrap();
        let (a, b) = (
            imported.model.without_locations(),
            model.without_locations(),
        );
        for (ga, gb) in a.allocations.iter().zip(&b.allocations) {
            for (x, y) in ga.cells.iter().zip(&gb.cells) {
                assert_eq!(x, y, "{}", svc.id);
            }
            assert_eq!(ga.cells.len(), gb.cells.len(), "{}", svc.id);
        }
        assert_eq!(a, b, "{}", svc.id);
        written += 1;
    }
    assert_eq!(written, 4);
    // The party must be the service's provider.
    let err = crm::export(
        &view,
        view.party_index("riverside").unwrap(),
        0,
        &CrmExport::default(),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Riverside Community Trust does not provide Managed IT support (its provider is acme-it)"
    );
}

#[test]
fn into_a_model_adds_the_service_and_keeps_the_rest() {
    let model = demarc_formats::yaml::load(&repo().join("examples/riverside")).unwrap();
    let imported = crm::import(&made_here(), &CrmImport::default(), Some(&model), None).unwrap();
    let m = &imported.model;
    assert_eq!(m.customer.id, "riverside");
    assert_eq!(m.parties.len(), model.parties.len() + 2);
    assert_eq!(m.services.len(), model.services.len() + 2);
    assert!(
        m.catalogues
            .contains(&"catalogue-fedramp-low.yaml".to_owned())
    );
    assert_eq!(
        m.catalogue.responsibilities().count(),
        model.catalogue.responsibilities().count() + 10
    );
    // Riverside's own rows are untouched.
    for g in &model.allocations {
        let after = m
            .allocations
            .iter()
            .find(|x| x.service.id == g.service.id)
            .unwrap();
        assert_eq!(after.without_locations_cells(), g.without_locations_cells());
    }
    // Importing the same workbook again changes nothing.
    let again = crm::import(&made_here(), &CrmImport::default(), Some(m), None).unwrap();
    assert_eq!(again.model.without_locations(), m.without_locations());
}

trait Cells {
    fn without_locations_cells(&self) -> Vec<demarc_core::model::Allocation>;
}
impl Cells for demarc_core::model::ServiceAllocations {
    fn without_locations_cells(&self) -> Vec<demarc_core::model::Allocation> {
        self.cells
            .iter()
            .map(demarc_core::model::Allocation::without_locations)
            .collect()
    }
}

#[test]
fn layouts_that_are_refused() {
    // A CAIQ-shaped workbook: no CIS or CRM worksheet; every sheet is named.
    let caiq = Workbook {
        sheets: vec![
            Sheet::from_rows(
                "Introduction",
                vec![row(&["Consensus Assessments Initiative Questionnaire"])],
            ),
            Sheet::from_rows(
                "CAIQv4.0.3",
                vec![row(&[
                    "Question ID",
                    "Question",
                    "CSP CAIQ Answer",
                    "SSRM Control Ownership",
                ])],
            ),
        ],
    };
    let Err(ImportError::Cells(e)) = crm::import(&caiq, &CrmImport::default(), None, None) else {
        panic!("expected a layout error");
    };
    assert_eq!(e.len(), 2);
    assert_eq!(e[1].sheet, "CAIQv4.0.3");
    assert!(e[1].message.starts_with("not a CIS or CRM worksheet"));

    // Two baselines filled in, and none chosen.
    let mut two = made_here();
    let mut high = two.sheets[1].clone();
    high.name = "High CIS Worksheet".to_owned();
    two.sheets.push(high);
    let Err(ImportError::Cells(e)) = crm::import(&two, &CrmImport::default(), None, None) else {
        panic!("expected an ambiguity error");
    };
    let sheets: Vec<&str> = e.iter().map(|x| x.sheet.as_str()).collect();
    assert_eq!(
        sheets,
        [
            "High CIS Worksheet",
            "Low CIS Worksheet",
            "Low CRM Worksheet"
        ]
    );
    assert!(
        e[0].message
            .starts_with("worksheets of several baselines are filled in (High, Low)")
    );
    // Choosing one reads it.
    let low = crm::import(&two, &opts(Some("low")), None, None).unwrap();
    assert_eq!(low.model.catalogue.sources[0].id, "fedramp-low");
    let high = crm::import(&two, &opts(Some("High")), None, None).unwrap();
    assert_eq!(high.model.catalogue.sources[0].id, "fedramp-high");
    // A baseline the workbook does not have, or that is not one.
    let Err(ImportError::Cells(e)) = crm::import(&made_here(), &opts(Some("moderate")), None, None)
    else {
        panic!("expected an error");
    };
    assert!(
        e[0].message
            .contains("the workbook has no Moderate worksheets")
    );
    let Err(ImportError::Other(m)) = crm::import(&made_here(), &opts(Some("medium")), None, None)
    else {
        panic!("expected an error");
    };
    assert_eq!(
        m,
        "--baseline medium: expected high, moderate, low or li-saas"
    );
    // A CIS worksheet alone is read (every row with its origination).
    let cis_only = Workbook {
        sheets: vec![made_here().sheets[1].clone()],
    };
    let only = crm::import(&cis_only, &CrmImport::default(), None, None).unwrap();
    assert_eq!(only.model.parties[1].name, "Provider");
    assert!(
        only.notes
            .iter()
            .any(|n| n.message.contains("does not name the provider"))
    );
    assert!(
        only.model.allocations[0]
            .cells
            .iter()
            .all(|a| a.tasks.iter().all(|t| t.terms.description.is_none()))
    );
}
