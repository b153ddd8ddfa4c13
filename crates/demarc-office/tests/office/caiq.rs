//! CSA CAIQ v4 answers: a made-up workbook (our own question texts; CSA's content is never in
//! the repository) read into a model, cell by cell.

use demarc_core::model::{Model, Status};
use demarc_core::{Category, View};
use demarc_formats::yaml::{self, ModelFiles, write};
use demarc_office::caiq::{self, Answer, Options, Ownership};
use demarc_office::{ImportError, Imported, Sheet, Workbook};

/// The columns of a CAIQ v4 answers sheet, spelt as a real workbook might (line breaks, a note
/// in brackets, odd case).
const HEADER: [&str; 9] = [
    "Question ID",
    "Question",
    "CSP CAIQ\nAnswer",
    "SSRM Control\nOwnership",
    "CSP Implementation Description\n(Optional/Recommended)",
    "CSC Responsibilities (Optional/Recommended)",
    "CCM Control ID",
    "CCM Control Title",
    "ccm domain title",
];

/// Made-up answers: question id, question, answer, ownership, provider text, customer text,
/// control id, control title, domain title.
fn rows() -> Vec<[&'static str; 9]> {
    vec![
        [
            "A&A-01.1",
            "Is there a made-up audit rule?",
            "Yes",
            "CSP-owned",
            "We keep the audit rule.",
            "",
            "A&A-01",
            "Invented audit rule",
            "Invented Audit Domain",
        ],
        [
            "A&A-01.2",
            "Is the made-up audit rule reviewed?",
            "Yes",
            "CSP-owned",
            "We keep the audit rule.",
            "",
            "",
            "",
            "",
        ],
        [
            "A&A-02.1",
            "Does someone check the invented logs?",
            "Yes",
            "CSC-owned",
            "",
            "You check your own logs.",
            "A&A-02",
            "Invented log check",
            "",
        ],
        [
            "A&A-03.1",
            "Is the pretend building guarded?",
            "Yes",
            "3rd-party outsourced",
            "Our hosting company guards it.",
            "",
            "A&A-03",
            "Pretend guarding",
            "",
        ],
        [
            "BCR-01.1",
            "Are pretend backups taken?",
            "Yes",
            "Shared CSP and CSC",
            "We back up the platform.",
            "You back up what you upload.",
            "BCR-01",
            "Pretend backups",
            "Pretend Continuity",
        ],
        [
            "BCR-02.1",
            "Is the pretend network split?",
            "No",
            "Shared CSP & 3rd party",
            "We split our part.",
            "",
            "BCR-02",
            "Pretend network split",
            "",
        ],
        [
            "BCR-03.1",
            "Are pretend cards stored safely?",
            "NA",
            "",
            "We hold no pretend cards.",
            "",
            "BCR-03",
            "Pretend cards",
            "",
        ],
        [
            "BCR-04.1",
            "Are made-up keys rotated?",
            "Yes",
            "CSP-owned",
            "We rotate platform keys.",
            "",
            "BCR-04",
            "Made-up keys",
            "",
        ],
        [
            "BCR-04.2",
            "Are made-up tenant keys rotated?",
            "Yes",
            "CSC-owned",
            "",
            "You rotate your keys.",
            "",
            "",
            "",
        ],
        [
            "BCR-05.1",
            "Is a made-up thing done?",
            "Yes",
            "Mostly us",
            "",
            "",
            "BCR-05",
            "Made-up thing",
            "",
        ],
    ]
}

/// The answers as an XLSX workbook: an intro sheet naming the provider and service, then the
/// answers sheet with two title rows above its header.
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let intro = book.add_worksheet();
    intro.set_name("Introduction").unwrap();
    intro
        .write_string(0, 0, "An invented questionnaire")
        .unwrap();
    intro.write_string(2, 0, "CSP Name:").unwrap();
    intro.write_string(2, 1, "Example Cloud Ltd").unwrap();
    intro.write_string(3, 0, "Service Name").unwrap();
    intro.write_string(3, 2, "Example Files").unwrap();
    let ws = book.add_worksheet();
    ws.set_name("CAIQv4").unwrap();
    ws.write_string(0, 0, "Made-up title").unwrap();
    ws.write_string(1, 3, "Some note").unwrap();
    for (c, h) in HEADER.iter().enumerate() {
        ws.write_string(3, c as u16, *h).unwrap();
    }
    for (r, row) in rows().iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(4 + r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

fn csv_text(header: &[&str]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for row in rows() {
        w.write_record(row).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

fn import_new(book: &Workbook) -> Imported {
    caiq::import(
        book,
        None,
        &Options {
            source: "answers.xlsx",
            ..Options::default()
        },
    )
    .unwrap()
}

/// The model as written to files and read back (what `import` will write must read back).
fn round_trip(model: &Model) -> Model {
    let mut m = model.clone();
    let files = write::model_files_with_catalogues(&mut m);
    let back = yaml::parse(&ModelFiles { files }).unwrap_or_else(|e| {
        panic!("does not read back: {e:?}");
    });
    assert_eq!(back.without_locations(), m.without_locations());
    back
}

fn status_of(model: &Model, service: &str, resp: &str) -> Status {
    model
        .allocations
        .iter()
        .filter(|g| g.service.id == service)
        .flat_map(|g| &g.cells)
        .find(|c| c.responsibility.id == resp)
        .unwrap_or_else(|| panic!("no cell {service}/{resp}"))
        .status
}

#[test]
fn answers_are_read_by_header_text() {
    let book = Workbook::from_xlsx(&workbook()).unwrap();
    let a = caiq::read(&book).unwrap();
    assert_eq!(a.sheet, "CAIQv4");
    assert_eq!(a.provider.as_deref(), Some("Example Cloud Ltd"));
    assert_eq!(a.service.as_deref(), Some("Example Files"));
    let ids: Vec<&str> = a.controls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "A&A-01", "A&A-02", "A&A-03", "BCR-01", "BCR-02", "BCR-03", "BCR-04", "BCR-05"
        ]
    );
    let first = &a.controls[0];
    assert_eq!(first.title.as_deref(), Some("Invented audit rule"));
    assert_eq!(first.domain.as_deref(), Some("Invented Audit Domain"));
    assert_eq!(first.questions.len(), 2);
    assert_eq!(first.questions[1].id, "A&A-01.2");
    assert_eq!(first.questions[1].row, 5);
    // The domain title carries to every control of the domain.
    assert_eq!(
        a.controls[2].domain.as_deref(),
        Some("Invented Audit Domain")
    );
    assert_eq!(a.controls[3].domain.as_deref(), Some("Pretend Continuity"));
    let q = &a.controls[4].questions[0];
    assert_eq!(q.answer, Answer::No);
    assert_eq!(q.ownership, Some(Ownership::SharedCspAndThirdParty));
    assert_eq!(a.controls[5].questions[0].answer, Answer::NotApplicable);
    // The unknown ownership is a note on its cell (sheet, row 14, column D).
    assert_eq!(a.notes.len(), 1, "{:?}", a.notes);
    let n = a.notes[0].to_string();
    assert!(n.starts_with("sheet \"CAIQv4\", row 14, column D"), "{n}");
    assert!(n.contains("Mostly us"), "{n}");
}

#[test]
fn each_ownership_becomes_its_cell() {
    let book = Workbook::from_xlsx(&workbook()).unwrap();
    let imported = import_new(&book);
    let m = round_trip(&imported.model);
    let party_ids: Vec<&str> = m.parties.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        party_ids,
        [
            "organisation",
            "example-cloud-ltd",
            "example-cloud-ltd-third-party"
        ]
    );
    assert_eq!(m.customer.id, "organisation");
    let svc = m
        .services
        .iter()
        .find(|s| s.id == "example-cloud-ltd")
        .unwrap();
    assert_eq!(svc.name, "Example Files");
    assert_eq!(svc.provider.id, "example-cloud-ltd");
    assert_eq!(svc.built_on[0].id, "example-cloud-ltd-third-party");
    let up = m
        .services
        .iter()
        .find(|s| s.id == "example-cloud-ltd-third-party")
        .unwrap();
    assert_eq!(up.customer.as_ref().unwrap().id, "example-cloud-ltd");

    // One responsibility per control, areas per domain, the questions as statements.
    let areas: Vec<(&str, &str, usize)> = m
        .catalogue
        .areas
        .iter()
        .map(|a| (a.id.as_str(), a.title.as_str(), a.responsibilities.len()))
        .collect();
    assert_eq!(
        areas,
        [
            ("ccm-a-a", "Invented Audit Domain", 3),
            ("ccm-bcr", "Pretend Continuity", 5)
        ]
    );
    let r = &m.catalogue.areas[0].responsibilities[0];
    assert_eq!(r.id, "a-a-01");
    assert_eq!(r.title, "Invented audit rule");
    assert_eq!(r.mappings["ccm"], ["A&A-01"]);
    let st: Vec<(&str, &str)> = r
        .statements
        .iter()
        .map(|s| (s.id.as_str(), s.text.as_str()))
        .collect();
    assert_eq!(
        st,
        [
            ("A&A-01.1", "Is there a made-up audit rule?"),
            ("A&A-01.2", "Is the made-up audit rule reviewed?")
        ]
    );

    let s = "example-cloud-ltd";
    assert_eq!(status_of(&m, s, "a-a-01"), Status::Supplier);
    assert_eq!(status_of(&m, s, "a-a-02"), Status::Customer);
    assert_eq!(status_of(&m, s, "a-a-03"), Status::Inherited);
    assert_eq!(status_of(&m, s, "bcr-01"), Status::Shared);
    assert_eq!(status_of(&m, s, "bcr-02"), Status::Inherited);
    assert_eq!(status_of(&m, s, "bcr-03"), Status::NotApplicable);
    assert_eq!(status_of(&m, s, "bcr-04"), Status::Shared);
    assert_eq!(status_of(&m, s, "bcr-05"), Status::Undecided);
    let up = "example-cloud-ltd-third-party";
    assert_eq!(status_of(&m, up, "a-a-03"), Status::Supplier);
    assert_eq!(status_of(&m, up, "bcr-02"), Status::Supplier);

    // The texts go where they belong.
    let cell = |resp: &str| {
        m.allocations
            .iter()
            .flat_map(|g| g.cells.iter().map(move |c| (g.service.id.as_str(), c)))
            .find(|(svc, c)| *svc == s && c.responsibility.id == resp)
            .unwrap()
            .1
    };
    assert_eq!(
        cell("a-a-01").terms.description.as_deref(),
        Some("We keep the audit rule.")
    );
    let shared = cell("bcr-01");
    let tasks: Vec<(&str, &str)> = shared
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
            ("provider", "We back up the platform."),
            ("customer", "You back up what you upload.")
        ]
    );
    assert_eq!(
        cell("bcr-03").reason.as_deref(),
        Some("We hold no pretend cards.")
    );
    assert_eq!(cell("bcr-02").tasks[0].owners[0].id, "provider");
    assert!(
        cell("bcr-02")
            .note
            .as_deref()
            .unwrap()
            .contains("answered No")
    );
    assert!(cell("bcr-04").note.as_deref().unwrap().contains("disagree"));

    // Read back as a view, each cell amounts to the CAIQ category it was given.
    let view = View::new(&m);
    let si = view.service_index(s).unwrap();
    let cat = |resp: &str| view.category(si, view.responsibility_index(resp).unwrap());
    assert_eq!(cat("a-a-01"), Category::CspOwned);
    assert_eq!(cat("a-a-02"), Category::CscOwned);
    assert_eq!(cat("a-a-03"), Category::ThirdPartyOutsourced);
    assert_eq!(cat("bcr-01"), Category::SharedCspAndCsc);
    assert_eq!(cat("bcr-02"), Category::SharedCspAndThirdParty);
    assert_eq!(cat("bcr-03"), Category::NotApplicable);
    assert_eq!(cat("bcr-04"), Category::SharedCspAndCsc);
    assert_eq!(cat("bcr-05"), Category::Unallocated);
    for o in Ownership::ALL {
        assert!(
            ["a-a-01", "a-a-02", "a-a-03", "bcr-01", "bcr-02"]
                .iter()
                .any(|r| cat(r).as_str() == o.as_str()),
            "{o:?} is not round-tripped"
        );
    }

    // Notes: the unknown ownership, the No answer, the disagreement, the undecided control.
    let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    assert_eq!(notes.len(), 4, "{notes:#?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("row 10") && n.contains("answered No"))
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("row 12") && n.contains("disagree"))
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("row 14") && n.contains("undecided"))
    );
}

#[test]
fn csv_reads_like_the_workbook() {
    let from_xlsx = import_new(&Workbook::from_xlsx(&workbook()).unwrap());
    // Headers in other spellings: lower case, extra spaces, no bracketed note.
    let header = [
        "question  id",
        "QUESTION",
        "csp caiq answer",
        "SSRM control ownership",
        "CSP implementation description",
        "CSC responsibilities",
        "CCM Control ID",
        "CCM Control Title",
        "CCM Domain Title",
    ];
    let text = csv_text(&header);
    let book = caiq::read_file("answers.CSV", text.as_bytes()).unwrap();
    let from_csv = caiq::import(
        &book,
        None,
        &Options {
            source: "answers.csv",
            provider: Some("Example Cloud Ltd"),
            service: None,
        },
    )
    .unwrap();
    // The same cells (the CSV names no service, so the service's name differs).
    assert_eq!(
        from_csv.model.allocations, from_xlsx.model.allocations,
        "cells differ"
    );
    assert_eq!(
        from_csv.model.catalogue.areas,
        from_xlsx.model.catalogue.areas
    );
    assert_eq!(from_csv.model.services[0].name, "Example Cloud Ltd");
}

#[test]
fn missing_columns_say_what_was_found() {
    let text = "Question ID,Question,Notes\nA&A-01.1,Made up?,x\n";
    let book = caiq::read_file("a.csv", text.as_bytes()).unwrap();
    let Err(ImportError::Cells(errors)) = caiq::read(&book) else {
        panic!("expected cell errors");
    };
    assert_eq!(errors.len(), 1);
    let e = errors[0].to_string();
    assert!(e.starts_with("sheet \"a.csv\", row 1:"), "{e}");
    for w in [
        "\"CSP CAIQ Answer\"",
        "\"SSRM Control Ownership\"",
        "\"Question ID\", \"Question\", \"Notes\"",
    ] {
        assert!(e.contains(w), "{w} not in {e}");
    }

    // A workbook with no CAIQ sheet at all names its sheets.
    let book = Workbook {
        sheets: vec![Sheet::from_rows(
            "Matrix",
            vec![vec!["service".into(), "responsibility".into()]],
        )],
    };
    let Err(ImportError::Cells(errors)) = caiq::read(&book) else {
        panic!("expected cell errors");
    };
    assert!(
        errors[0].message.contains("not a CAIQ v4 answers file"),
        "{}",
        errors[0]
    );
    assert!(errors[0].message.contains("\"Matrix\""), "{}", errors[0]);
}

#[test]
fn bad_question_ids_are_errors_with_their_place() {
    let text = "Question ID,CSP CAIQ Answer,SSRM Control Ownership\nA&A-01.1,Yes,CSP-owned\n???,Yes,CSP-owned\n";
    let book = caiq::read_file("a.csv", text.as_bytes()).unwrap();
    let Err(ImportError::Cells(errors)) = caiq::read(&book) else {
        panic!("expected cell errors");
    };
    assert_eq!(
        errors[0].to_string(),
        "sheet \"a.csv\", row 3, column A (Question ID): \"???\" is not a question id: expected one such as A&A-01.1"
    );
    // Header only: nothing to import.
    let book = caiq::read_file(
        "a.csv",
        b"Question ID,CSP CAIQ Answer,SSRM Control Ownership\n",
    )
    .unwrap();
    assert!(matches!(caiq::read(&book), Err(ImportError::Cells(_))));
}

#[test]
fn into_an_existing_model_adds_then_updates_the_service() {
    let dir = crate::repo().join("examples/riverside");
    let before = yaml::load(&dir).unwrap();
    let book = Workbook::from_xlsx(&workbook()).unwrap();
    let opts = Options {
        source: "answers.xlsx",
        provider: None,
        service: Some("example-files"),
    };
    let first = caiq::import(&book, Some(&before), &opts).unwrap().model;
    // Everything the model had is still there; the CCM catalogue comes after its own.
    assert_eq!(first.customer, before.customer);
    assert_eq!(first.catalogues, before.catalogues);
    assert!(
        before
            .parties
            .iter()
            .all(|p| first.parties.iter().any(|q| q.id == p.id))
    );
    assert_eq!(first.parties.len(), before.parties.len() + 2);
    assert_eq!(first.services.len(), before.services.len() + 2);
    let n_before = before.catalogue.responsibilities().count();
    assert_eq!(first.catalogue.responsibilities().count(), n_before + 8);
    assert_eq!(
        first.catalogue.sources.last().map(|s| s.id.as_str()),
        Some("ccm")
    );
    // The service's twt cells are left to decide: the view shows them as gaps.
    let view = View::new(&first);
    let si = view.service_index("example-files").unwrap();
    let r = view.responsibility_index("update-server-software").unwrap();
    assert_eq!(view.category(si, r), Category::Unallocated);

    // Importing changed answers again updates the same service in place.
    let text = csv_text(&HEADER).replace("Shared CSP and CSC", "CSC-owned");
    let book = caiq::read_file("answers.csv", text.as_bytes()).unwrap();
    let second = caiq::import(&book, Some(&first), &opts).unwrap().model;
    assert_eq!(second.services.len(), first.services.len());
    assert_eq!(second.parties.len(), first.parties.len());
    assert_eq!(
        second.catalogue.responsibilities().count(),
        first.catalogue.responsibilities().count()
    );
    assert_eq!(
        status_of(&second, "example-files", "bcr-01"),
        Status::Customer
    );
    assert_eq!(status_of(&first, "example-files", "bcr-01"), Status::Shared);
    let cells = |m: &Model| {
        m.allocations
            .iter()
            .filter(|g| g.service.id == "example-files")
            .map(|g| g.cells.len())
            .sum::<usize>()
    };
    assert_eq!(cells(&second), 8);
    round_trip(&second);

    // A service id that is not an id is refused.
    let bad = Options {
        service: Some("example files"),
        ..opts.clone()
    };
    let Err(ImportError::Other(m)) = caiq::import(&book, Some(&first), &bad) else {
        panic!("expected an error");
    };
    assert!(m.contains("example-files"), "{m}");
}
