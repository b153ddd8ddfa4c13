//! The PDFs of the example model, read back with poppler-utils (`pdftotext`, `pdfinfo`,
//! `pdftoppm`).
//!
//! Without poppler-utils these tests print "SKIPPED" and pass, unless `CI` is set, where they
//! fail. Set `DEMARC_PDF_KEEP=<dir>` to keep the PDFs they make in that directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use demarc_core::check::check;
use demarc_core::{Date, Model, View};
use demarc_formats::export::document::{
    Bar, Block, Chart, Document, Inline, Meta, Section, SignLine, SignOff, SignOffParty, Table,
    TableCell, Tone,
};
use demarc_formats::export::{ExportOptions, Format, What, report};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn riverside() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/riverside");
        demarc_formats::yaml::load(&dir)
            .unwrap_or_else(|e| panic!("examples/riverside does not load: {e:?}"))
    })
}

fn today() -> Date {
    "2026-11-23".parse().unwrap()
}

/// A document of the example model, built as `demarc export` builds it.
fn document(what: What, party: Option<&str>) -> Document {
    let model = riverside();
    let view = View::new(model);
    let findings = check(&view, today());
    let opts = ExportOptions {
        what,
        format: Format::Html,
        party,
        service: None,
        today: today(),
    };
    report(&view, &findings, &opts)
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .document()
}

/// Whether poppler-utils is here; without it, fail under CI and skip elsewhere.
fn poppler() -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        ["pdftotext", "pdfinfo", "pdftoppm"].iter().all(|tool| {
            Command::new(tool)
                .arg("-v")
                .output()
                .is_ok_and(|o| o.status.success() || !o.stderr.is_empty())
        })
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "poppler-utils (pdftotext, pdfinfo, pdftoppm) is not installed: install it \
             (for example `apt-get install poppler-utils`) to run the PDF tests"
        );
        println!("SKIPPED: poppler-utils not installed");
    }
    found
}

/// A scratch directory for this test process.
fn scratch() -> PathBuf {
    let dir = match std::env::var_os("DEMARC_PDF_KEEP") {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir().join(format!("demarc-pdf-test-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Render twice (the bytes must not differ), write it out, and return the file.
fn render_to_file(doc: &Document, name: &str) -> PathBuf {
    let pdf = demarc_pdf::render(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(
        pdf.starts_with(b"%PDF-"),
        "{name} does not start with %PDF-"
    );
    let again = demarc_pdf::render(doc).unwrap();
    assert!(
        pdf == again,
        "{name}: two renders of the same document differ"
    );
    let path = scratch().join(format!("{name}.pdf"));
    std::fs::write(&path, &pdf).unwrap();
    path
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn text_of(pdf: &Path, layout: bool) -> String {
    let file = pdf.to_str().unwrap();
    if layout {
        run("pdftotext", &["-layout", "-enc", "UTF-8", file, "-"])
    } else {
        run("pdftotext", &["-enc", "UTF-8", file, "-"])
    }
}

fn pages_of(pdf: &Path) -> usize {
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo gives no page count:\n{info}"))
}

fn page_size_of(pdf: &Path) -> (f64, f64) {
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]);
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap();
    let nums: Vec<f64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[0], nums[1])
}

/// Runs of whitespace as one space, so text wrapped over lines still matches.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_contains(haystack: &str, needle: &str, what: &str) {
    assert!(
        squash(haystack).contains(&squash(needle)),
        "{what}: {needle:?} is not in the PDF's text:\n{haystack}"
    );
}

fn tables(doc: &Document) -> impl Iterator<Item = &Table> {
    doc.sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
}

fn meta<'a>(doc: &'a Document, label: &str) -> &'a str {
    &doc.meta.iter().find(|m| m.label == label).unwrap().value
}

/// The page count in the footer matches the real one, on the first and the last page.
fn assert_page_numbers(text: &str, pdf: &Path) {
    let pages = pages_of(pdf);
    assert!(pages >= 1);
    assert_contains(text, &format!("Page 1 of {pages}"), "first page's footer");
    assert_contains(
        text,
        &format!("Page {pages} of {pages}"),
        "last page's footer",
    );
    assert!(
        !squash(text).contains(&format!("Page {} of", pages + 1)),
        "a footer counts more pages than there are"
    );
}

// ---------------------------------------------------------------------------------------------
// The example model's documents
// ---------------------------------------------------------------------------------------------

#[test]
fn schedule_carries_its_parties_rows_signatories_and_page_numbers() {
    let doc = document(What::Schedule, Some("acme-it"));
    let pdf = render_to_file(&doc, "schedule");
    if !poppler() {
        return;
    }
    let text = text_of(&pdf, true);
    assert_contains(&text, &doc.title, "title");
    let model = riverside();
    let name = |id: &str| {
        model
            .parties
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap()
    };
    assert_contains(&text, &name("acme-it"), "supplier");
    assert_contains(&text, &name("riverside"), "customer");
    assert_contains(&text, meta(&doc, "Date"), "date");

    // Every responsibility of the schedule, in its first column (a title may wrap within its
    // cell, so compare its text without the layout of the page).
    let plain = squash(&text_of(&pdf, false));
    let titles: Vec<&str> = tables(&doc)
        .filter(|t| t.header.first().is_some_and(|h| h == "Responsibility"))
        .flat_map(|t| &t.rows)
        .map(|r| r[0].text.lines().next().unwrap())
        .collect();
    assert!(
        titles.len() >= 5,
        "only {} rows in the schedule",
        titles.len()
    );
    for title in &titles {
        assert!(
            plain.contains(&squash(title)),
            "responsibility {title:?} is not in the PDF's text"
        );
    }

    // The signatories, by name.
    let names: Vec<&str> = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::SignOff(s) => Some(s),
            _ => None,
        })
        .flat_map(|s| &s.parties)
        .flat_map(|p| &p.signatories)
        .filter_map(|s| s.name.as_deref())
        .collect();
    assert!(names.len() >= 2, "signatories: {names:?}");
    for n in names {
        assert_contains(&text, n, "signatory");
    }
    assert_page_numbers(&text, &pdf);
    assert_contains(&text, &format!("· {}", meta(&doc, "Date")), "footer date");

    // Between the first page (about the schedule) and the last (sign-off), every page is
    // tables of responsibilities, each with the header row, repeated.
    let pages = pages_of(&pdf);
    assert!(pages >= 4, "{pages} pages");
    let header = format!("{} does", name("acme-it"));
    for page in 2..pages {
        let n = page.to_string();
        let file = pdf.to_str().unwrap();
        let one = run(
            "pdftotext",
            &["-layout", "-enc", "UTF-8", "-f", &n, "-l", &n, file, "-"],
        );
        assert!(
            squash(&one).contains(&format!("Responsibility Area Status {header}")),
            "page {page} has no header row:\n{one}"
        );
    }

    // Landscape A4.
    let (w, h) = page_size_of(&pdf);
    assert!(
        (w - 841.89).abs() < 1.0 && (h - 595.28).abs() < 1.0,
        "{w} x {h}"
    );
}

#[test]
fn policy_annex_carries_every_responsibility() {
    let doc = document(What::PolicyAnnex, None);
    let pdf = render_to_file(&doc, "policy-annex");
    if !poppler() {
        return;
    }
    let text = text_of(&pdf, true);
    assert_contains(&text, &doc.title, "title");
    assert_contains(&text, meta(&doc, "Organisation"), "organisation");
    let headings: Vec<&str> = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Heading(h) => Some(h.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        headings.len() >= 10,
        "only {} responsibilities",
        headings.len()
    );
    for h in headings {
        assert_contains(&text, h, "responsibility heading");
    }
    for s in &doc.sections {
        assert_contains(&text, &s.heading, "section heading");
    }
    assert_page_numbers(&text, &pdf);
    let (w, h) = page_size_of(&pdf);
    assert!(
        (w - 595.28).abs() < 1.0 && (h - 841.89).abs() < 1.0,
        "{w} x {h}"
    );
}

#[test]
fn summary_carries_its_chart_and_counts() {
    let doc = document(What::Summary, None);
    let pdf = render_to_file(&doc, "summary");
    if !poppler() {
        return;
    }
    let text = text_of(&pdf, true);
    assert_contains(&text, &doc.title, "title");
    assert_contains(&text, meta(&doc, "Organisation"), "organisation");
    // The chart's bars: each party's name and its total.
    let chart = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .find_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
        .unwrap();
    assert!(!chart.bars.is_empty());
    for bar in &chart.bars {
        assert_contains(&text, &bar.label, "chart label");
        let values: Vec<String> = bar.values.iter().map(u64::to_string).collect();
        assert_contains(
            &text,
            &format!("{} ({})", bar.total(), values.join(" + ")),
            "chart value",
        );
    }
    for s in &chart.series {
        assert_contains(&text, s, "chart legend");
    }
    // Every cell of every table.
    for t in tables(&doc) {
        for row in &t.rows {
            for cell in row {
                assert_contains(&text, &cell.text, "table cell");
            }
        }
    }
    assert_page_numbers(&text, &pdf);
    // The board reads one page.
    assert_eq!(
        pages_of(&pdf),
        1,
        "the example's board summary is not one page"
    );
}

#[test]
fn matrix_renders_every_area() {
    let doc = document(What::Matrix, None);
    assert!(doc.landscape);
    let pdf = render_to_file(&doc, "matrix");
    if !poppler() {
        return;
    }
    let text = text_of(&pdf, true);
    for s in &doc.sections {
        assert_contains(&text, &s.heading, "area");
    }
    assert_page_numbers(&text, &pdf);
}

#[test]
fn first_page_is_not_blank() {
    let doc = document(What::Schedule, Some("acme-it"));
    let full = render_to_file(&doc, "look-schedule");
    let empty = render_to_file(&Document::default(), "look-empty");
    if !poppler() {
        return;
    }
    let png = |pdf: &Path| {
        let prefix = pdf.with_extension("");
        run(
            "pdftoppm",
            &[
                "-r",
                "40",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                pdf.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        let file = prefix.with_extension("png");
        std::fs::metadata(&file)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
            .len()
    };
    let blank = png(&empty);
    let page = png(&full);
    assert!(blank > 0);
    assert!(
        page > blank * 2,
        "page 1 of the schedule looks blank: {page} bytes against {blank} for an empty page"
    );
}

// ---------------------------------------------------------------------------------------------
// Text is text, never markup
// ---------------------------------------------------------------------------------------------

/// Strings that mean something to Typst (or to a PDF), each of which must print as written.
const HOSTILE: [&str; 14] = [
    "#set text(fill: red) #panic(\"boom\")",
    "$x^2 + y_1$ costs $5",
    "*not bold* _not emphasised_ `not raw`",
    "<not-a-label> @not-a-reference",
    r"back\slash \\ and \n and \u{41}",
    r#"a "quoted" word"#,
    "// not a comment /* nor this */",
    "] ) } closing [ ( { opening",
    "= not a heading",
    "- not a list + nor this / nor : this",
    "~ non-breaking? ~~ --- dashes",
    "100% & <b>tags</b> ' \" % %%EOF",
    "Ünïcödé — “smart” ‘quotes’ … ½ €",
    "Greek Γειά σου, Cyrillic Привет",
];

/// Right-to-left text (the built-in fonts cover Hebrew and Arabic).
const RIGHT_TO_LEFT: [&str; 2] = ["Hebrew שלום עולם", "Arabic مرحبا بالعالم"];

/// Scripts the built-in fonts do not cover: they print as empty boxes, but the PDF is made.
const UNCOVERED: [&str; 2] = ["Emoji 😀 🔒", "CJK 漢字かな"];

/// The text without the direction marks pdftotext adds around right-to-left runs.
fn without_direction_marks(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
        .collect()
}

fn hostile_document(extra: &[&str]) -> Document {
    let all: Vec<&str> = HOSTILE.iter().chain(extra).copied().collect();
    let mut section = Section::new(all[0]);
    section.push(Block::Heading(all[1].to_owned()));
    for s in &all {
        section.push(Block::text(*s));
    }
    section.push(Block::Paragraph(vec![
        Inline::Text(all[2].to_owned()),
        Inline::Strong(all[3].to_owned()),
        Inline::Emphasis(all[4].to_owned()),
    ]));
    section.push(Block::List(
        all.iter()
            .map(|s| vec![Inline::Text((*s).to_owned())])
            .collect(),
    ));
    section.push(Block::note(all[5]));
    section.push(Block::Table(Table {
        caption: Some(all[6].to_owned()),
        header: vec![all[7].to_owned(), all[8].to_owned()],
        rows: all
            .iter()
            .map(|s| {
                vec![
                    TableCell::from(*s),
                    TableCell::new(format!("{s}\n{s}"), Tone::Problem),
                ]
            })
            .collect(),
        row_header: true,
    }));
    section.push(Block::Chart(Chart {
        title: all[9].to_owned(),
        series: vec![all[10].to_owned(), all[11].to_owned()],
        bars: vec![Bar {
            label: all[12].to_owned(),
            values: vec![3, 4],
        }],
        unit: "cells".to_owned(),
    }));
    section.push(Block::SignOff(SignOff {
        parties: vec![SignOffParty {
            heading: all[13].to_owned(),
            signatories: vec![SignLine {
                name: Some(all[0].to_owned()),
                title: Some(all[4].to_owned()),
            }],
        }],
    }));
    Document {
        title: all[4].to_owned(),
        subtitle: Some(all[5].to_owned()),
        meta: vec![Meta::new(all[6], all[7]), Meta::new("Version", all[8])],
        sections: vec![section],
        notes: all.iter().map(|s| (*s).to_owned()).collect(),
        landscape: false,
    }
}

#[test]
fn hostile_text_comes_out_as_written() {
    let doc = hostile_document(&[]);
    let pdf = render_to_file(&doc, "hostile");
    if !poppler() {
        return;
    }
    let text = text_of(&pdf, false);
    for s in HOSTILE {
        assert_contains(&text, s, "hostile string");
        // Once in a paragraph of its own, once in the list, once in the table, once (twice,
        // as two lines) in a problem cell, once in the notes: at least five times.
        let n = squash(&text).matches(&squash(s)).count();
        assert!(n >= 5, "{s:?} is in the PDF {n} times");
    }
    assert_contains(&text, "Version = not a heading", "footer version");
    assert_page_numbers(&text_of(&pdf, true), &pdf);
}

#[test]
fn right_to_left_text_keeps_its_order() {
    let doc = hostile_document(&RIGHT_TO_LEFT);
    let pdf = render_to_file(&doc, "right-to-left");
    if !poppler() {
        return;
    }
    // pdftotext marks the direction of right-to-left runs and may move the spaces around
    // them; the words themselves must come out in reading order.
    let text = without_direction_marks(&text_of(&pdf, false));
    for s in RIGHT_TO_LEFT {
        for word in s.split_whitespace() {
            let n = text.matches(word).count();
            assert!(n >= 5, "{word:?} is in the PDF {n} times:\n{text}");
        }
    }
}

#[test]
fn text_no_built_in_font_covers_still_makes_a_pdf() {
    let doc = hostile_document(&UNCOVERED);
    let pdf = render_to_file(&doc, "uncovered");
    if !poppler() {
        return;
    }
    let text = text_of(&pdf, false);
    // The characters print as boxes, but the text is still there to copy or search.
    assert_contains(&text, "CJK 漢字かな", "CJK");
    assert_contains(&text, "Emoji", "emoji");
    for s in HOSTILE {
        assert_contains(&text, s, "hostile string");
    }
}

#[test]
fn an_empty_document_is_one_page() {
    let pdf = render_to_file(&Document::default(), "empty");
    if !poppler() {
        return;
    }
    assert_eq!(pages_of(&pdf), 1);
    assert_contains(&text_of(&pdf, true), "Page 1 of 1", "footer");
}

#[test]
fn long_words_wrap_within_their_cell() {
    let address = format!(
        "https://example.invalid/{}",
        "averyveryverylongpathsegment".repeat(8)
    );
    let mut section = Section::new("Long words");
    section.push(Block::Table(Table {
        caption: None,
        header: ["Short", "Address", "Words", "More words", "X", "Yet more"]
            .map(str::to_owned)
            .to_vec(),
        rows: vec![vec![
            TableCell::from("short"),
            TableCell::from(format!("{address}\nnext line")),
            TableCell::from("some words ".repeat(12)),
            TableCell::from("other words ".repeat(12)),
            TableCell::from("x"),
            TableCell::from("more words ".repeat(16)),
        ]],
        row_header: true,
    }));
    let doc = Document {
        title: "Long words".to_owned(),
        sections: vec![section],
        ..Document::default()
    };
    let pdf = render_to_file(&doc, "long-words");
    if !poppler() {
        return;
    }
    // The address is all there, wrapped over lines but with nothing added.
    let text = text_of(&pdf, false);
    let joined: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(joined.contains(&address), "{text}");
    assert!(!text.contains('\u{200b}'));
    // And no word runs past the right margin (16 mm inside the A4 page's 595 pt).
    let boxes = run("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let right = 595.28 - 16.0 * 72.0 / 25.4;
    let mut words = 0;
    for part in boxes.split("xMax=\"").skip(1) {
        let x: f64 = part.split('"').next().unwrap().parse().unwrap();
        words += 1;
        assert!(
            x <= right + 0.5,
            "a word ends at {x} pt, past the margin at {right} pt"
        );
    }
    assert!(words > 50, "{words} words");
}
