//! The matrix workbook: written, read back, edited, refused.

use std::io::Read;

use demarc_core::check::check;
use demarc_core::diff::diff;
use demarc_core::model::ServiceAllocations;
use demarc_core::report::MatrixFilter;
use demarc_core::view::Origin;
use demarc_core::{Date, Model, Severity, Status, TaskKind, View};
use demarc_formats::matrix_csv;
use demarc_formats::yaml;
use demarc_office::matrix_xlsx::{self, WorkbookInfo};
use demarc_office::{ImportError, Sheet, Workbook, WorkbookError};

use super::repo;

fn riverside() -> Model {
    yaml::load(&repo().join("examples/riverside")).unwrap_or_else(|e| panic!("{}", e[0]))
}

fn info(date: Date) -> WorkbookInfo {
    WorkbookInfo {
        date,
        model_dir: Some("examples/riverside".to_owned()),
        read_back: None,
    }
}

fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

fn export(model: &Model, filter: MatrixFilter) -> Vec<u8> {
    matrix_xlsx::write(&View::new(model), filter, &info(today())).unwrap()
}

/// A sheet as a grid of text, every row as long as the longest.
fn grid(sheet: &Sheet) -> Vec<Vec<String>> {
    let width = sheet.rows().map(|(_, r)| r.len()).max().unwrap_or(0);
    sheet
        .rows()
        .map(|(_, r)| {
            let mut r = r.to_vec();
            r.resize(width, String::new());
            r
        })
        .collect()
}

/// The position of a column in a grid's first row.
fn col(grid: &[Vec<String>], name: &str) -> usize {
    grid[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", grid[0]))
}

/// A workbook of these sheets, written by rust_xlsxwriter (as Excel would save an edit).
fn xlsx_of(sheets: &[(&str, &[Vec<String>])]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = book.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r as u32, c as u16, v).unwrap();
                }
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// The text of one part of the XLSX (ZIP) file.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// Allocation groups as content: no locations, in order of service id (the model keeps them
/// in file order, an import in service order).
fn without_locations(groups: &[ServiceAllocations]) -> Vec<ServiceAllocations> {
    let mut out: Vec<ServiceAllocations> = groups
        .iter()
        .map(|g| ServiceAllocations {
            service: g.service.unlocated(),
            cells: g.cells.iter().map(|a| a.without_locations()).collect(),
        })
        .collect();
    out.sort_by(|a, b| a.service.id.cmp(&b.service.id));
    out
}

fn cells(err: ImportError) -> Vec<demarc_office::CellError> {
    match err {
        ImportError::Cells(c) => c,
        other => panic!("expected cell errors, got {other:?}"),
    }
}

#[test]
fn riverside_reads_back_unchanged() {
    let m = riverside();
    let view = View::new(&m);
    let bytes = export(&m, MatrixFilter::default());
    let allocations = matrix_xlsx::read(&m, &bytes).unwrap_or_else(|e| panic!("{e:?}"));
    let back = Model {
        allocations,
        ..m.clone()
    };
    let back_view = View::new(&back);
    let d = diff(&view, &back_view);
    assert!(d.is_empty(), "{:#?}", d.changes);
    // Cells a preset fills stay implicit; written ones stay written.
    for (s, r, cell) in view.cells() {
        assert_eq!(
            back_view.cell(s, r).origin == Origin::Explicit,
            cell.origin == Origin::Explicit,
            "{} / {}",
            view.service(s).id,
            view.responsibility(r).id
        );
    }
    // And the model's own allocations are exactly what they were.
    assert_eq!(
        without_locations(&back.allocations),
        without_locations(&m.allocations)
    );
}

#[test]
fn the_matrix_sheet_holds_the_csv_rows() {
    let m = riverside();
    let view = View::new(&m);
    for filter in [
        MatrixFilter::default(),
        MatrixFilter {
            service: view.service_index("office-365"),
            party: None,
        },
        MatrixFilter {
            service: None,
            party: view.party_index("acme-it"),
        },
    ] {
        let book = Workbook::from_xlsx(&export(&m, filter)).unwrap();
        let sheet = grid(book.sheet("Matrix").unwrap());
        let csv = matrix_csv::write(&view, filter).unwrap();
        let mut rdr = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
        let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
        let records: Vec<Vec<String>> = rdr
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        assert_eq!(sheet.len(), records.len() + 1, "{filter:?}");
        for (i, rec) in records.iter().enumerate() {
            for (c, name) in header.iter().enumerate() {
                assert_eq!(
                    sheet[i + 1][col(&sheet, name)],
                    rec[c],
                    "row {} column {name}",
                    i + 2
                );
            }
        }
    }
}

#[test]
fn the_workbook_has_its_sheets_lists_and_protection() {
    let m = riverside();
    let bytes = export(&m, MatrixFilter::default());
    let book = Workbook::from_xlsx(&bytes).unwrap();
    assert_eq!(
        book.sheet_names(),
        [
            "Read me",
            "Matrix",
            "Responsibilities",
            "Parties",
            "Services",
            "Lists"
        ]
    );
    assert!(book.sheet("Lists").unwrap().hidden);
    assert!(!book.sheet("Matrix").unwrap().hidden);

    // The drop-down lists: every status, both kinds, every party and the two placeholders.
    let lists = grid(book.sheet("Lists").unwrap());
    let column = |name: &str| -> Vec<String> {
        let c = col(&lists, name);
        lists[1..]
            .iter()
            .map(|r| r[c].clone())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let mut statuses = column("status");
    statuses.sort();
    let mut all: Vec<String> = Status::ALL.iter().map(|s| s.as_str().to_owned()).collect();
    all.sort();
    assert_eq!(statuses, all);
    assert_eq!(column("kind"), ["operate", "oversee"]);
    let parties: Vec<String> = m.parties.iter().map(|p| p.id.clone()).collect();
    assert_eq!(column("party"), parties);
    let mut owners = parties.clone();
    owners.extend(["provider".to_owned(), "customer".to_owned()]);
    assert_eq!(column("owner"), owners);

    // The Matrix sheet (the second) has five drop-downs reading those lists, is protected
    // with rows insertable and deletable and the filter usable, but not sorting, and keeps
    // its header row and id columns in view.
    let sheet = part(&bytes, "xl/worksheets/sheet2.xml");
    assert_eq!(sheet.matches("<dataValidation ").count(), 5, "{sheet}");
    for (letter, n) in [
        ("A", 6),
        ("B", 2),
        ("C", parties.len() + 2),
        ("D", parties.len()),
        ("E", 4),
    ] {
        let range = format!("Lists!${letter}$2:${letter}${}", n + 1);
        assert!(sheet.contains(&range), "no list {range}");
    }
    let protection = &sheet[sheet.find("<sheetProtection").unwrap()..];
    let protection = &protection[..protection.find("/>").unwrap()];
    for allowed in ["insertRows=\"0\"", "deleteRows=\"0\"", "autoFilter=\"0\""] {
        assert!(protection.contains(allowed), "{protection}");
    }
    assert!(!protection.contains("sort=\"0\""), "{protection}");
    assert!(!protection.contains("password"), "{protection}");
    assert!(sheet.contains("xSplit=\"3\" ySplit=\"1\""), "frozen panes");
    assert!(sheet.contains("<autoFilter "), "autofilter");
    // A note on every column's name.
    let notes = part(&bytes, "xl/comments1.xml");
    assert_eq!(notes.matches("<comment ").count(), 22);
    assert!(notes.contains("operate (does the work)"));
    // Locked and unlocked cell styles both exist.
    let styles = part(&bytes, "xl/styles.xml");
    assert!(styles.contains("locked=\"0\""));

    // The Read me says what the workbook is and how to send it back.
    let readme = grid(book.sheet("Read me").unwrap());
    let text: String = readme
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains(&m.name));
    assert!(text.contains("2026-11-23"));
    assert!(text.contains("demarc import xlsx FILE --into examples/riverside"));
    assert!(text.contains("not-applicable: "));
    assert!(text.contains("every service and every responsibility: 68 rows"));
}

#[test]
fn same_model_and_date_give_the_same_bytes() {
    let m = riverside();
    let a = export(&m, MatrixFilter::default());
    let b = export(&m, MatrixFilter::default());
    assert_eq!(a, b);
    let core = part(&a, "docProps/core.xml");
    assert!(core.contains("2026-11-23T00:00:00Z"), "{core}");
    let later = matrix_xlsx::write(
        &View::new(&m),
        MatrixFilter::default(),
        &info(Date::new(2026, 11, 24).unwrap()),
    )
    .unwrap();
    assert_ne!(a, later);
    assert!(part(&later, "docProps/core.xml").contains("2026-11-24T00:00:00Z"));
}

#[test]
fn a_party_workbook_shows_and_touches_only_its_rows() {
    let m = riverside();
    let view = View::new(&m);
    let acme = view.party_index("acme-it").unwrap();
    let filter = MatrixFilter {
        service: None,
        party: Some(acme),
    };
    let book = Workbook::from_xlsx(&export(&m, filter)).unwrap();
    let mut sheet = grid(book.sheet("Matrix").unwrap());
    let (sc, rc, st, ow) = (
        col(&sheet, "service"),
        col(&sheet, "responsibility"),
        col(&sheet, "status"),
        col(&sheet, "owner"),
    );
    // Every row is one acme-it operates or oversees.
    for row in &sheet[1..] {
        let s = view.service_index(&row[sc]).unwrap();
        let r = view.responsibility_index(&row[rc]).unwrap();
        let cell = view.cell(s, r);
        assert!(cell.operators.contains(&acme) || cell.overseers.contains(&acme));
    }
    // Other suppliers' details stay out: Nimbus hosts Ledgerly, not anything of Acme's.
    let parties = grid(book.sheet("Parties").unwrap());
    let ids: Vec<&str> = parties[1..].iter().map(|r| r[0].as_str()).collect();
    assert!(
        ids.contains(&"acme-it") && ids.contains(&"riverside"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"nimbus"), "{ids:?}");

    // Acme makes one of its shared rows a supplier row: its tasks go.
    let i = (1..sheet.len())
        .find(|&i| sheet[i][st] == "shared" && sheet[i][ow].is_empty())
        .unwrap();
    let (sid, rid) = (sheet[i][sc].clone(), sheet[i][rc].clone());
    sheet[i][st] = "supplier".into();
    while i + 1 < sheet.len() && !sheet[i + 1][ow].is_empty() {
        sheet.remove(i + 1);
    }
    let edited = Workbook {
        sheets: vec![Sheet::from_rows("Matrix", sheet)],
    };
    let allocations = matrix_xlsx::read_book(&m, &edited).unwrap_or_else(|e| panic!("{e:?}"));
    let after = Model {
        allocations,
        ..m.clone()
    };
    let d = diff(&view, &View::new(&after));
    assert!(!d.is_empty());
    for c in &d.changes {
        assert_eq!(
            (c.service.as_deref(), c.responsibility.as_deref()),
            (Some(sid.as_str()), Some(rid.as_str())),
            "{c:?}"
        );
    }
}

#[test]
fn an_edited_workbook_reads_as_the_same_edit_of_the_csv() {
    let m = riverside();
    let view = View::new(&m);
    let book = Workbook::from_xlsx(&export(&m, MatrixFilter::default())).unwrap();
    let mut sheet = grid(book.sheet("Matrix").unwrap());
    let c = |name| col(&sheet, name);
    let (sc, rc, st, ow, kd, de, cb, cc) = (
        c("service"),
        c("responsibility"),
        c("status"),
        c("owner"),
        c("kind"),
        c("description"),
        c("contested_by"),
        c("contested_comment"),
    );
    // Microsoft 365's first supplier row becomes shared, with two task rows that leave the
    // ids to the cell row above (as a supplier types them under locked id cells).
    let i = (1..sheet.len())
        .find(|&i| sheet[i][sc] == "office-365" && sheet[i][st] == "supplier")
        .unwrap();
    let changed = sheet[i][rc].clone();
    sheet[i][st] = "shared".into();
    let task = |owner: &str, kind: &str, what: &str| {
        let mut row = vec![String::new(); sheet[0].len()];
        row[ow] = owner.into();
        row[kd] = kind.into();
        row[de] = what.into();
        row
    };
    let t1 = task("microsoft", "operate", "Runs the scans");
    let t2 = task("riverside", "oversee", "Reads the yearly summary");
    // Skip the row's own task rows, if any.
    let mut at = i + 1;
    while at < sheet.len() && !sheet[at][ow].is_empty() {
        at += 1;
    }
    sheet.insert(at, t2);
    sheet.insert(at, t1);
    // A customer row is contested by Acme.
    let j = (1..sheet.len())
        .find(|&j| sheet[j][sc] == "it-support" && sheet[j][st] == "customer")
        .unwrap();
    let contested = sheet[j][rc].clone();
    sheet[j][cb] = "acme-it".into();
    sheet[j][cc] = "We do this, not the Trust".into();

    // The same edit as CSV (ids filled in, as the CSV needs them).
    let mut csv_rows = sheet.clone();
    for k in 1..csv_rows.len() {
        if csv_rows[k][sc].is_empty() {
            csv_rows[k][sc] = csv_rows[k - 1][sc].clone();
            csv_rows[k][rc] = csv_rows[k - 1][rc].clone();
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &csv_rows {
        w.write_record(r).unwrap();
    }
    let csv = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let from_csv = matrix_csv::read(&m, &csv).unwrap_or_else(|e| panic!("{e:?}"));

    // Saved as a workbook again, with the other sheets as they were.
    let others: Vec<(String, Vec<Vec<String>>)> = book
        .sheets
        .iter()
        .filter(|s| s.name != "Matrix")
        .map(|s| (s.name.clone(), grid(s)))
        .collect();
    let mut sheets: Vec<(&str, &[Vec<String>])> = vec![("Matrix", &sheet)];
    sheets.extend(others.iter().map(|(n, g)| (n.as_str(), g.as_slice())));
    let bytes = xlsx_of(&sheets);
    let from_xlsx = matrix_xlsx::read(&m, &bytes).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(without_locations(&from_xlsx), without_locations(&from_csv));

    let after = Model {
        allocations: from_xlsx,
        ..m.clone()
    };
    let after_view = View::new(&after);
    let s = after_view.service_index("office-365").unwrap();
    let r = after_view.responsibility_index(&changed).unwrap();
    let a = after_view.cell(s, r).allocation.unwrap();
    assert_eq!(a.status, Status::Shared);
    let tasks: Vec<(&str, TaskKind)> = a
        .tasks
        .iter()
        .map(|t| (t.owners[0].id.as_str(), t.kind))
        .collect();
    assert!(tasks.ends_with(&[
        ("microsoft", TaskKind::Operate),
        ("riverside", TaskKind::Oversee)
    ]));
    let s = after_view.service_index("it-support").unwrap();
    let r = after_view.responsibility_index(&contested).unwrap();
    let contest = after_view.cell(s, r).allocation.unwrap().contested.as_ref();
    assert_eq!(contest.map(|c| c.by.id.as_str()), Some("acme-it"));
    // Only those two cells changed.
    let d = diff(&view, &after_view);
    let mut touched: Vec<(String, String)> = d
        .changes
        .iter()
        .map(|c| {
            (
                c.service.clone().unwrap_or_default(),
                c.responsibility.clone().unwrap_or_default(),
            )
        })
        .collect();
    touched.dedup();
    touched.sort();
    let mut expected = vec![
        ("it-support".to_owned(), contested),
        ("office-365".to_owned(), changed),
    ];
    expected.sort();
    assert_eq!(touched, expected);
}

/// The exported Matrix sheet of Riverside, as a grid.
fn riverside_matrix() -> (Model, Vec<Vec<String>>) {
    let m = riverside();
    let book = Workbook::from_xlsx(&export(&m, MatrixFilter::default())).unwrap();
    let g = grid(book.sheet("Matrix").unwrap());
    (m, g)
}

fn read_grid(m: &Model, g: Vec<Vec<String>>) -> Result<Vec<ServiceAllocations>, ImportError> {
    matrix_xlsx::read_book(
        m,
        &Workbook {
            sheets: vec![Sheet::from_rows("Matrix", g)],
        },
    )
}

#[test]
fn row_errors_name_sheet_row_column_and_header() {
    let (m, g) = riverside_matrix();
    let st = col(&g, "status");
    let ow = col(&g, "owner");

    // A bad status on the 5th row of the sheet.
    let mut bad = g.clone();
    bad[4][st] = "sometimes".into();
    let errors = cells(read_grid(&m, bad).unwrap_err());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!(
        (e.sheet.as_str(), e.row, e.column, e.header.as_deref()),
        ("Matrix", 5, Some(st as u32), Some("status"))
    );
    assert_eq!(e.column_letter().as_deref(), Some("D"));
    assert!(
        e.to_string().starts_with(
            "sheet \"Matrix\", row 5, column D (status): unknown status \"sometimes\""
        ),
        "{e}"
    );

    // The same, saved as a workbook (as Excel would).
    let mut bad = g.clone();
    bad[4][st] = "sometimes".into();
    let errors = cells(matrix_xlsx::read(&m, &xlsx_of(&[("Matrix", &bad)])).unwrap_err());
    assert_eq!(
        errors[0].to_string(),
        e.to_string(),
        "a workbook file reads as its grid"
    );

    // A task row first, before any cell row.
    let mut first = g.clone();
    let mut task = vec![String::new(); g[0].len()];
    task[ow] = "acme-it".into();
    first.insert(1, task);
    let errors = cells(read_grid(&m, first).unwrap_err());
    assert_eq!(
        (errors[0].row, errors[0].header.as_deref()),
        (2, Some("owner"))
    );
    assert!(
        errors[0].message.contains("no cell row above"),
        "{errors:?}"
    );

    // An unknown column, named by its letter and header.
    let mut extra = g.clone();
    extra[0].push("comments".into());
    for r in &mut extra[1..] {
        r.push(String::new());
    }
    let errors = cells(read_grid(&m, extra).unwrap_err());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].row, errors[0].column, errors[0].header.as_deref()),
        (1, Some(g[0].len() as u32), Some("comments"))
    );
    assert!(errors[0].message.contains("unknown column \"comments\""));

    // Text in a column with no name.
    let mut stray = g.clone();
    for r in &mut stray {
        r.push(String::new());
    }
    stray[9][g[0].len()] = "see email".into();
    let errors = cells(read_grid(&m, stray).unwrap_err());
    assert_eq!(
        (errors[0].row, errors[0].column),
        (10, Some(g[0].len() as u32))
    );
    assert!(errors[0].message.contains("no name in the header"));

    // An unknown owner is left to `demarc check` (as in CSV), so it reads.
    let mut owner = g.clone();
    let i = (1..g.len()).find(|&i| !g[i][ow].is_empty()).unwrap();
    owner[i][ow] = "acme".into();
    assert!(read_grid(&m, owner).is_ok());

    // No Matrix sheet: the sheets there are named.
    let none = Workbook {
        sheets: vec![Sheet::from_rows("Sheet1", g.clone())],
    };
    match matrix_xlsx::read_book(&m, &none) {
        Err(ImportError::Other(msg)) => {
            assert!(msg.contains("no sheet \"Matrix\""), "{msg}");
            assert!(msg.contains("\"Sheet1\""), "{msg}");
        }
        other => panic!("{other:?}"),
    }

    // No header row at all.
    let headless = g[1..].to_vec();
    let errors = cells(read_grid(&m, headless).unwrap_err());
    assert!(errors[0].message.contains("no header row"), "{errors:?}");
}

#[test]
fn a_title_row_above_the_header_is_fine_and_rows_keep_their_numbers() {
    let (m, mut g) = riverside_matrix();
    let st = col(&g, "status");
    let mut title = vec![String::new(); g[0].len()];
    title[0] = "Our matrix, as sent by Acme".into();
    g.insert(0, title);
    assert!(read_grid(&m, g.clone()).is_ok());
    g[6][st] = "maybe".into();
    let errors = cells(read_grid(&m, g).unwrap_err());
    assert_eq!(errors[0].row, 7);
}

#[test]
fn a_new_model_from_a_workbook_has_the_same_cells() {
    let m = riverside();
    let view = View::new(&m);
    let bytes = export(&m, MatrixFilter::default());
    let imported = matrix_xlsx::read_new(&bytes).unwrap_or_else(|e| panic!("{e:?}"));
    let new = &imported.model;
    assert_eq!(new.name, m.name);
    assert_eq!(new.version, m.version);
    assert_eq!(new.customer.id, "riverside");
    assert_eq!(
        new.parties.iter().map(|p| &p.id).collect::<Vec<_>>(),
        m.parties.iter().map(|p| &p.id).collect::<Vec<_>>()
    );
    assert_eq!(new.parties[0].roles.len(), 3);
    assert!(new.parties.iter().all(|p| p.people.is_empty()));
    assert_eq!(
        new.services.iter().map(|s| &s.id).collect::<Vec<_>>(),
        m.services.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert_eq!(new.services[3].customer.as_ref().unwrap().id, "ledgerly");
    assert_eq!(new.services[2].built_on[0].id, "nimbus-hosting");
    assert_eq!(new.services[0].evidence, m.services[0].evidence);
    assert!(new.catalogue.presets.is_empty());
    assert_eq!(new.catalogue.sources[0].id, "workbook");
    assert!(!imported.notes.is_empty());

    // Every cell says the same: status, tasks (owner, kind, what), terms.
    let nv = View::new(new);
    assert_eq!(nv.responsibilities().len(), view.responsibilities().len());
    for (s, r, cell) in view.cells() {
        let ns = nv.service_index(&view.service(s).id).unwrap();
        let nr = nv.responsibility_index(&view.responsibility(r).id).unwrap();
        let other = nv.cell(ns, nr);
        let strip = |c: &demarc_core::view::Cell<'_>| {
            c.allocation.map(|a| {
                let mut a = a.without_locations();
                a.responsibility = Default::default();
                a
            })
        };
        assert_eq!(
            strip(other).unwrap_or_default(),
            strip(cell).unwrap_or_default(),
            "{} / {}",
            view.service(s).id,
            view.responsibility(r).id
        );
        assert_eq!(other.operators, cell.operators);
    }
    // The new model checks without errors, as the original does.
    let findings = check(&nv, today());
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_new_model_needs_its_sheets_and_good_ids() {
    let m = riverside();
    let book = Workbook::from_xlsx(&export(&m, MatrixFilter::default())).unwrap();
    // Without the Services sheet.
    let mut missing = book.clone();
    missing.sheets.retain(|s| s.name != "Services");
    match matrix_xlsx::read_new_book(&missing) {
        Err(ImportError::Other(msg)) => assert!(msg.contains("\"Services\""), "{msg}"),
        other => panic!("{other:?}"),
    }
    // A party id that cannot be an id, a duplicate service, an unknown layer, two
    // organisations.
    let mut bad = book.clone();
    let edit = |book: &mut Workbook, name: &str, f: &dyn Fn(&mut Vec<Vec<String>>)| {
        let i = book.sheets.iter().position(|s| s.name == name).unwrap();
        let mut g = grid(&book.sheets[i]);
        f(&mut g);
        book.sheets[i] = Sheet::from_rows(name, g);
    };
    edit(&mut bad, "Parties", &|g| {
        g[2][0] = "Acme IT".into();
        let org = col(g, "organisation");
        g[3][org] = "yes".into();
    });
    edit(&mut bad, "Services", &|g| g[2][0] = g[1][0].clone());
    edit(&mut bad, "Responsibilities", &|g| {
        let l = col(g, "layer");
        g[1][l] = "roof".into();
    });
    let errors = cells(matrix_xlsx::read_new_book(&bad).unwrap_err());
    let places: Vec<(&str, u32, Option<&str>)> = errors
        .iter()
        .map(|e| (e.sheet.as_str(), e.row, e.header.as_deref()))
        .collect();
    assert!(places.contains(&("Parties", 3, Some("id"))), "{errors:#?}");
    assert!(
        places.contains(&("Parties", 4, Some("organisation"))),
        "{errors:#?}"
    );
    assert!(places.contains(&("Services", 3, Some("id"))), "{errors:#?}");
    assert!(
        places.contains(&("Responsibilities", 2, Some("layer"))),
        "{errors:#?}"
    );
    assert!(errors.iter().any(|e| e.message.contains("\"acme-it\"")));
}

#[test]
fn files_that_are_not_matrix_workbooks_are_refused() {
    let m = riverside();
    let bytes = export(&m, MatrixFilter::default());
    // Truncated.
    let cut = &bytes[..bytes.len() / 2];
    assert!(matches!(
        matrix_xlsx::read(&m, cut),
        Err(ImportError::Workbook(
            WorkbookError::NotXlsx(_) | WorkbookError::Corrupt(_)
        ))
    ));
    // A CSV renamed .xlsx.
    let csv = matrix_csv::write(&View::new(&m), MatrixFilter::default()).unwrap();
    assert!(matches!(
        matrix_xlsx::read(&m, csv.as_bytes()),
        Err(ImportError::Workbook(WorkbookError::NotXlsx(_)))
    ));
    // A Word document renamed .xlsx.
    let docx = word_document();
    match matrix_xlsx::read(&m, &docx) {
        Err(ImportError::Workbook(WorkbookError::NotXlsx(msg))) => {
            assert!(msg.contains("Word"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    // An encrypted workbook (an OLE file holding an EncryptedPackage stream).
    assert!(matches!(
        matrix_xlsx::read(&m, &ole_file("EncryptedPackage")),
        Err(ImportError::Workbook(WorkbookError::Encrypted))
    ));
    assert!(matches!(
        matrix_xlsx::read_new(&ole_file("Workbook")),
        Err(ImportError::Workbook(WorkbookError::OldXls))
    ));
    // A "zip bomb": parts that say they unpack to more than the limit are refused unread.
    match matrix_xlsx::read(&m, &claims_to_unpack_to(3 << 30)) {
        Err(ImportError::Workbook(WorkbookError::TooLarge { what, .. })) => {
            assert!(what.contains("unpacks"), "{what}");
        }
        other => panic!("{other:?}"),
    }
}

/// A tiny Word document (only what makes it one).
fn word_document() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", opts).unwrap();
    std::io::Write::write_all(
        &mut zip,
        br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
    )
    .unwrap();
    zip.start_file("word/document.xml", opts).unwrap();
    std::io::Write::write_all(&mut zip, b"<w:document/>").unwrap();
    zip.finish().unwrap().into_inner()
}

/// A minimal OLE compound file (what encrypted Office files and old .xls files are) with one
/// empty stream of this name.
fn ole_file(stream: &str) -> Vec<u8> {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let mut out = vec![0u8; 512 * 3];
    out[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |b: &mut [u8], at: usize, v: u16| b[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |b: &mut [u8], at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut out, 24, 0x003E);
    put16(&mut out, 26, 3); // version 3: 512-byte sectors
    put16(&mut out, 28, 0xFFFE);
    put16(&mut out, 30, 9);
    put16(&mut out, 32, 6);
    put32(&mut out, 44, 1); // one FAT sector
    put32(&mut out, 48, 1); // the directory starts in sector 1
    put32(&mut out, 56, 4096);
    put32(&mut out, 60, END);
    put32(&mut out, 68, END);
    put32(&mut out, 76, 0); // the FAT is sector 0
    for i in 1..109 {
        put32(&mut out, 76 + 4 * i, FREE);
    }
    // Sector 0: the FAT.
    let fat = 512;
    put32(&mut out, fat, 0xFFFF_FFFD);
    put32(&mut out, fat + 4, END);
    for i in 2..128 {
        put32(&mut out, fat + 4 * i, FREE);
    }
    // Sector 1: the directory, the root and the stream.
    let dir = 1024;
    let entry = |out: &mut Vec<u8>, at: usize, name: &str, kind: u8, child: u32| {
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            out[at + 2 * i..at + 2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        out[at + 64..at + 66].copy_from_slice(&((units.len() as u16 + 1) * 2).to_le_bytes());
        out[at + 66] = kind;
        out[at + 67] = 1;
        out[at + 68..at + 72].copy_from_slice(&FREE.to_le_bytes());
        out[at + 72..at + 76].copy_from_slice(&FREE.to_le_bytes());
        out[at + 76..at + 80].copy_from_slice(&child.to_le_bytes());
        out[at + 116..at + 120].copy_from_slice(&END.to_le_bytes());
    };
    entry(&mut out, dir, "Root Entry", 5, 1);
    entry(&mut out, dir + 128, stream, 2, FREE);
    out
}

/// A ZIP with a workbook part whose directory entry claims `size` unpacked bytes.
fn claims_to_unpack_to(size: u64) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("xl/workbook.xml", opts).unwrap();
    std::io::Write::write_all(&mut zip, b"<workbook/>").unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    // The central directory entry: signature PK\x01\x02; its uncompressed size is at 24.
    let at = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let small = u32::try_from(size.min(u64::from(u32::MAX - 1))).unwrap();
    bytes[at + 24..at + 28].copy_from_slice(&small.to_le_bytes());
    bytes
}

#[test]
fn long_text_is_an_error_not_a_broken_file() {
    let mut m = riverside();
    m.services[0].description = Some("x".repeat(40_000));
    let err =
        matrix_xlsx::write(&View::new(&m), MatrixFilter::default(), &info(today())).unwrap_err();
    assert!(err.to_string().contains("it-support"), "{err}");
    assert!(err.to_string().contains("32767"), "{err}");
}

#[test]
fn odd_text_survives_the_round_trip() {
    let mut m = riverside();
    let odd = [
        "  leading and trailing spaces  ",
        "line one\r\nline two\nline three",
        "a tab\there, a bell \u{7} and a form feed \u{c}",
        "looks like an escape: _x0041_ and _x000D_",
        "=SUM(A1:A2)",
        "0042",
        "TRUE",
        "2026-11-23",
        "emoji 🧾 and accents éàü, and 中文",
    ];
    let groups = &mut m.allocations;
    let mut k = 0;
    for g in groups.iter_mut() {
        for a in &mut g.cells {
            if k < odd.len() {
                a.note = Some(odd[k].to_owned());
                k += 1;
            }
        }
    }
    assert_eq!(k, odd.len());
    let bytes = export(&m, MatrixFilter::default());
    let allocations = matrix_xlsx::read(&m, &bytes).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        without_locations(&allocations),
        without_locations(&m.allocations)
    );
}

/// The exported workbook cut short and with bytes changed, in a fixed pseudo-random way (what
/// the fuzz target does at random): never a panic, whatever is read.
#[test]
fn damaged_workbooks_never_panic() {
    let m = riverside();
    let bytes = export(&m, MatrixFilter::default());
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut read_any = 0;
    for i in 0..300 {
        let mut b = bytes.clone();
        if i % 3 == 0 {
            b.truncate((next() % bytes.len() as u64) as usize);
        } else {
            for _ in 0..(1 + i % 8) {
                let at = (next() % b.len() as u64) as usize;
                b[at] = next() as u8;
            }
        }
        if let Ok(book) = Workbook::from_xlsx(&b) {
            read_any += 1;
            let _ = matrix_xlsx::read_book(&m, &book);
            let _ = matrix_xlsx::read_new_book(&book);
        }
    }
    // Some damage leaves a readable workbook (a changed byte in an unused part).
    println!("{read_any} of 300 damaged workbooks could still be read");
}

/// A one-sheet workbook written by hand, with `sheet_data` as the sheet's XML between
/// `<worksheet>` and `</worksheet>`.
fn hand_made_workbook(sheet_data: &str) -> Vec<u8> {
    use std::io::Write as _;
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Matrix" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet_data}</worksheet>"#
            ),
        ),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in parts {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[test]
fn cell_references_outside_the_grid_are_damage_not_a_panic() {
    // The parser underneath computes references with plain arithmetic; these overflow it
    // (a panic in a debug build, a misplaced cell in a release build). Found by fuzzing.
    let good = hand_made_workbook(
        r#"<dimension ref="A1:B2"/><sheetData><row r="2"><c r="B2" t="inlineStr"><is><t>ok</t></is></c></row></sheetData>"#,
    );
    let book = Workbook::from_xlsx(&good).expect("the hand-made workbook reads");
    assert_eq!(book.sheets[0].cell(1, 1), "ok");
    for (bad, shown) in [
        (
            r#"<sheetData><row r="1"><c r="AAAAAAAAAAAA1" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#,
            r#"<c> has r="AAAAAAAAAAAA1""#,
        ),
        (
            r#"<sheetData><row r="99999999999"><c r="A1"><v>1</v></c></row></sheetData>"#,
            r#"<row> has r="99999999999""#,
        ),
        (
            r#"<dimension ref="C3:A1"/><sheetData/>"#,
            "a range that ends before it starts",
        ),
    ] {
        match Workbook::from_xlsx(&hand_made_workbook(bad)) {
            Err(e @ WorkbookError::Corrupt(_)) => {
                let text = e.to_string();
                assert!(text.contains("xl/worksheets/sheet1.xml"), "{text}");
                assert!(text.contains(shown), "{text}");
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    // The input the fuzzer found is refused, not a crash.
    let found =
        std::fs::read(repo().join("fuzz/regressions/office_import/calamine-column-overflow.xlsx"))
            .unwrap();
    assert!(Workbook::from_xlsx(&found).is_err());
}
