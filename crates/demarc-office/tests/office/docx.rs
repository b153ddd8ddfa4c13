//! Word documents: the package, its XML, the content of the riverside documents, hostile text,
//! determinism, and a round through LibreOffice to PDF.

use std::collections::{BTreeMap, HashSet};
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use demarc_core::check::check;
use demarc_core::{Date, Model, View};
use demarc_formats::export::document::{
    Bar, Block, Chart, Document, Inline, Meta, Section, SignLine, SignOff, SignOffParty, Table,
    TableCell, Tone,
};
use demarc_formats::export::{ExportOptions, Format, Report, What, report};
use demarc_office::docx;

use super::repo;

/// Every part a package must have.
const PARTS: [&str; 10] = [
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/core.xml",
    "docProps/app.xml",
    "word/document.xml",
    "word/styles.xml",
    "word/numbering.xml",
    "word/settings.xml",
    "word/footer1.xml",
    "word/_rels/document.xml.rels",
];

const SUPPLIER: &str = "acme-it";

fn today() -> Date {
    Date::new(2026, 11, 23).unwrap()
}

fn riverside() -> Model {
    demarc_formats::yaml::load(&repo().join("examples/riverside"))
        .unwrap_or_else(|e| panic!("examples/riverside does not load: {e:?}"))
}

fn build(model: &Model, what: What, party: Option<&str>) -> Report {
    let view = View::new(model);
    let findings = check(&view, today());
    let opts = ExportOptions {
        what,
        format: Format::Markdown,
        party,
        service: None,
        today: today(),
    };
    report(&view, &findings, &opts).unwrap()
}

/// The schedule for acme-it, the policy annex and the board summary of riverside.
fn reports(model: &Model) -> Vec<(&'static str, Report)> {
    vec![
        ("schedule", build(model, What::Schedule, Some(SUPPLIER))),
        ("policy-annex", build(model, What::PolicyAnnex, None)),
        ("summary", build(model, What::Summary, None)),
    ]
}

/// The parts of a package, by name, in the order they are stored.
fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("the file is a zip archive");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().into_owned();
            let mut text = String::new();
            f.read_to_string(&mut text)
                .unwrap_or_else(|e| panic!("part {name} is not UTF-8 text: {e}"));
            (name, text)
        })
        .collect()
}

fn part<'a>(parts: &'a [(String, String)], name: &str) -> &'a str {
    parts
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, t)| t.as_str())
        .unwrap_or_else(|| panic!("no part {name}"))
}

// ---------------------------------------------------------------------------------------------
// A small XML checker: well-formedness, quoting, entities, allowed characters, declared
// namespace prefixes. It returns the text of every `w:t` element, unescaped.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Parsed {
    root: String,
    /// Element names, in document order.
    elements: Vec<String>,
    /// The text of each `w:t`, unescaped.
    texts: Vec<String>,
    /// The text of each `w:instrText` (field instructions).
    instructions: Vec<String>,
}

impl Parsed {
    fn text(&self) -> String {
        self.texts.concat()
    }

    fn count(&self, element: &str) -> usize {
        self.elements.iter().filter(|e| *e == element).count()
    }
}

fn xml_char_ok(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn unescape(s: &str, whr: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find(';')
            .ok_or_else(|| format!("{whr}: '&' without ';'"))?;
        let name = &rest[i + 1..i + end];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("{whr}: bad reference &{n};"))?,
            n if n.starts_with('#') => n[1..]
                .parse::<u32>()
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| format!("{whr}: bad reference &{n};"))?,
            n => return Err(format!("{whr}: unknown entity &{n};")),
        };
        if !xml_char_ok(c) {
            return Err(format!("{whr}: reference to a character XML forbids"));
        }
        out.push(c);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.'))
}

fn check_xml(name: &str, s: &str) -> Result<Parsed, String> {
    if let Some(c) = s.chars().find(|&c| !xml_char_ok(c)) {
        return Err(format!(
            "{name}: character U+{:04X} is not allowed in XML",
            c as u32
        ));
    }
    let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>";
    let mut rest = s
        .strip_prefix(decl)
        .ok_or_else(|| format!("{name}: does not start with the XML declaration"))?;
    let mut parsed = Parsed::default();
    // Open elements, each with the namespace prefixes it declares.
    let mut stack: Vec<(String, Vec<String>)> = Vec::new();
    let mut roots = 0;
    loop {
        let lt = rest.find('<');
        let text = &rest[..lt.unwrap_or(rest.len())];
        if text.contains('>') {
            return Err(format!("{name}: unescaped '>' in text {text:?}"));
        }
        let text = unescape(text, name)?;
        match stack.last().map(|(n, _)| n.as_str()) {
            None if !text.trim().is_empty() => {
                return Err(format!("{name}: text outside the root element: {text:?}"));
            }
            Some("w:t") => parsed.texts.push(text),
            Some("w:instrText") => parsed.instructions.push(text),
            _ => {}
        }
        let Some(lt) = lt else { break };
        rest = &rest[lt + 1..];
        if let Some(close) = rest.strip_prefix('/') {
            let gt = close
                .find('>')
                .ok_or_else(|| format!("{name}: unterminated end tag"))?;
            let tag = close[..gt].trim_end();
            let (open, _) = stack
                .pop()
                .ok_or_else(|| format!("{name}: </{tag}> closes nothing"))?;
            if open != tag {
                return Err(format!("{name}: <{open}> closed by </{tag}>"));
            }
            rest = &close[gt + 1..];
            continue;
        }
        if rest.starts_with('?') || rest.starts_with('!') {
            return Err(format!("{name}: unexpected markup <{}", &rest[..1]));
        }
        // A start tag: name, then attributes with quoted values.
        let end_name = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or_else(|| format!("{name}: unterminated tag"))?;
        let tag = rest[..end_name].to_owned();
        if !is_name(&tag) {
            return Err(format!("{name}: bad element name {tag:?}"));
        }
        rest = &rest[end_name..];
        let mut attrs = HashSet::new();
        let mut prefixes = Vec::new();
        let mut used = vec![tag.clone()];
        let self_closing;
        loop {
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix("/>") {
                rest = r;
                self_closing = true;
                break;
            }
            if let Some(r) = rest.strip_prefix('>') {
                rest = r;
                self_closing = false;
                break;
            }
            let eq = rest
                .find('=')
                .ok_or_else(|| format!("{name}: <{tag}> attribute without a value"))?;
            let attr = rest[..eq].trim();
            if !is_name(attr) {
                return Err(format!("{name}: <{tag}> bad attribute name {attr:?}"));
            }
            if !attrs.insert(attr.to_owned()) {
                return Err(format!("{name}: <{tag}> repeats attribute {attr}"));
            }
            let after = rest[eq + 1..].trim_start();
            let quote = after
                .chars()
                .next()
                .filter(|c| *c == '"' || *c == '\'')
                .ok_or_else(|| format!("{name}: <{tag}> attribute {attr} is not quoted"))?;
            let close = after[1..]
                .find(quote)
                .ok_or_else(|| format!("{name}: <{tag}> attribute {attr} is not closed"))?;
            let value = &after[1..1 + close];
            if value.contains('<') {
                return Err(format!("{name}: <{tag}> attribute {attr} holds '<'"));
            }
            unescape(value, name)?;
            if let Some(p) = attr.strip_prefix("xmlns:") {
                prefixes.push(p.to_owned());
            } else if attr != "xmlns" {
                used.push(attr.to_owned());
            }
            rest = &after[1 + close + 1..];
        }
        for n in &used {
            if let Some((prefix, _)) = n.split_once(':') {
                let declared = prefix == "xml"
                    || prefixes.iter().any(|p| p == prefix)
                    || stack.iter().any(|(_, ps)| ps.iter().any(|p| p == prefix));
                if !declared {
                    return Err(format!("{name}: prefix {prefix}: of {n} is not declared"));
                }
            }
        }
        if stack.is_empty() {
            roots += 1;
            parsed.root = tag.clone();
        }
        parsed.elements.push(tag.clone());
        if !self_closing {
            stack.push((tag, prefixes));
        }
    }
    if let Some((open, _)) = stack.last() {
        return Err(format!("{name}: <{open}> is never closed"));
    }
    if roots != 1 {
        return Err(format!("{name}: {roots} root elements"));
    }
    Ok(parsed)
}

/// Render, unzip and check every part; the parsed document body.
fn render_checked(doc: &Document) -> (Vec<u8>, Vec<(String, String)>, Parsed) {
    let bytes = docx::render(doc).unwrap();
    let parts = unzip(&bytes);
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, PARTS, "the parts, in order");
    for (name, text) in &parts {
        check_xml(name, text).unwrap_or_else(|e| panic!("{e}"));
    }
    let body = check_xml("word/document.xml", part(&parts, "word/document.xml")).unwrap();
    (bytes, parts, body)
}

/// White space collapsed, for comparing text that may wrap.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// The package
// ---------------------------------------------------------------------------------------------

#[test]
fn every_part_is_there_typed_and_related() {
    let model = riverside();
    for (what, r) in reports(&model) {
        let (_, parts, body) = render_checked(&r.document());
        assert_eq!(body.root, "w:document", "{what}");
        let types = part(&parts, "[Content_Types].xml");
        for name in PARTS[1..].iter().filter(|n| !n.ends_with(".rels")) {
            assert!(
                types.contains(&format!("PartName=\"/{name}\"")),
                "{what}: [Content_Types].xml does not name {name}"
            );
        }
        assert!(types.contains("Extension=\"rels\""), "{what}");
        let rels = part(&parts, "_rels/.rels");
        for target in ["word/document.xml", "docProps/core.xml", "docProps/app.xml"] {
            assert!(
                rels.contains(&format!("Target=\"{target}\"")),
                "{what}: {target}"
            );
        }
        let doc_rels = part(&parts, "word/_rels/document.xml.rels");
        for target in ["styles.xml", "numbering.xml", "settings.xml", "footer1.xml"] {
            assert!(
                doc_rels.contains(&format!("Target=\"{target}\"")),
                "{what}: {target}"
            );
        }
        // Every relationship id the body and footer use is defined.
        let body_xml = part(&parts, "word/document.xml");
        for id in body_xml
            .split("r:id=\"")
            .skip(1)
            .map(|s| &s[..s.find('"').unwrap()])
        {
            assert!(doc_rels.contains(&format!("Id=\"{id}\"")), "{what}: {id}");
        }
    }
}

#[test]
fn every_style_used_is_defined() {
    let model = riverside();
    for (what, r) in reports(&model) {
        let (_, parts, _) = render_checked(&r.document());
        let styles = part(&parts, "word/styles.xml");
        let mut defined = HashSet::new();
        for s in styles.split("w:styleId=\"").skip(1) {
            defined.insert(&s[..s.find('"').unwrap()]);
        }
        for required in [
            "Normal",
            "Title",
            "Subtitle",
            "Heading1",
            "Heading2",
            "Note",
            "ListBullet",
            "Caption",
            "TableText",
            "ReportTable",
            "Footer",
            "Strong",
        ] {
            assert!(defined.contains(required), "{required} is not defined");
        }
        for name in [
            "word/document.xml",
            "word/footer1.xml",
            "word/numbering.xml",
        ] {
            let xml = part(&parts, name);
            for attr in [
                "<w:pStyle w:val=\"",
                "<w:rStyle w:val=\"",
                "<w:tblStyle w:val=\"",
            ] {
                for s in xml.split(attr).skip(1) {
                    let id = &s[..s.find('"').unwrap()];
                    assert!(
                        defined.contains(id),
                        "{what}: {name} uses undefined style {id}"
                    );
                }
            }
        }
        // Bullets and notes have numbering definitions.
        let numbering = part(&parts, "word/numbering.xml");
        assert!(numbering.contains("w:numFmt w:val=\"bullet\""));
        assert!(numbering.contains("<w:num w:numId=\"1\">"));
    }
}

#[test]
fn schedule_names_supplier_customer_responsibilities_and_signatories() {
    let model = riverside();
    let Report::Schedule(s) = build(&model, What::Schedule, Some(SUPPLIER)) else {
        panic!("not a schedule");
    };
    assert!(
        !s.rows.is_empty(),
        "riverside's schedule for {SUPPLIER} has rows"
    );
    let doc = Report::Schedule(s.clone()).document();
    let (_, parts, body) = render_checked(&doc);
    let text = body.text();
    assert!(
        text.contains(&s.supplier.name),
        "supplier {}",
        s.supplier.name
    );
    let customer = s.customer.as_ref().unwrap();
    assert!(text.contains(&customer.name), "customer {}", customer.name);
    for row in &s.rows {
        assert!(
            text.contains(&row.responsibility.title),
            "responsibility {}",
            row.responsibility.title
        );
    }
    let mut signatories = 0;
    for p in &s.sign_off {
        assert!(text.contains(&p.party.name));
        for person in &p.signatories {
            if let Some(n) = &person.name {
                assert!(text.contains(n), "signatory {n}");
                signatories += 1;
            }
        }
    }
    assert!(
        signatories >= 2,
        "riverside names signatories on both sides"
    );
    // One sign-off table per party, with signature and date lines.
    assert_eq!(
        body.count("w:tbl"),
        doc.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .map(|b| match b {
                Block::Table(_) | Block::Chart(_) => 1,
                Block::SignOff(x) => x.parties.len(),
                _ => 0,
            })
            .sum::<usize>()
    );
    assert!(
        body.texts.iter().filter(|t| *t == "Signature").count() >= s.sign_off.len(),
        "a signature line per signatory"
    );

    // Landscape, page breaks before the sections that ask for one.
    let xml = part(&parts, "word/document.xml");
    assert!(doc.landscape);
    assert!(xml.contains("<w:pgSz w:w=\"16838\" w:h=\"11906\" w:orient=\"landscape\"/>"));
    let breaks = doc
        .sections
        .iter()
        .enumerate()
        .filter(|(i, s)| s.new_page && *i > 0)
        .count();
    assert!(breaks > 0);
    assert_eq!(body.count("w:pageBreakBefore"), breaks);
    // Header rows repeat on each page.
    assert!(body.count("w:tblHeader") >= s.services.len());
    // Margins of about 2 cm.
    assert!(xml.contains("w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1134\""));

    // The footer: title, date, page X of Y.
    let footer = check_xml("footer", part(&parts, "word/footer1.xml")).unwrap();
    let ft = footer.text();
    assert!(ft.contains(&doc.title), "{ft}");
    assert!(ft.contains("Date: 2026-11-23"), "{ft}");
    assert!(ft.contains("Page ") && ft.contains(" of "), "{ft}");
    let instr: Vec<String> = footer
        .instructions
        .iter()
        .map(|i| i.trim().to_owned())
        .collect();
    assert_eq!(instr, ["PAGE", "NUMPAGES"]);
    // The title in the properties, dated by the document, not the clock.
    let core = part(&parts, "docProps/core.xml");
    assert!(core.contains(&format!("<dc:title>{}</dc:title>", doc.title)));
    assert!(core.contains(">2026-11-23T00:00:00Z</dcterms:created>"));
}

#[test]
fn policy_annex_and_summary_carry_their_content() {
    let model = riverside();
    let Report::PolicyAnnex(a) = build(&model, What::PolicyAnnex, None) else {
        panic!("not an annex");
    };
    let doc = Report::PolicyAnnex(a.clone()).document();
    let (_, parts, body) = render_checked(&doc);
    let text = body.text();
    for area in &a.areas {
        assert!(text.contains(&area.title), "area {}", area.title);
        for r in &area.responsibilities {
            assert!(text.contains(&r.title), "responsibility {}", r.title);
        }
    }
    assert!(!doc.landscape);
    assert!(part(&parts, "word/document.xml").contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"));
    assert_eq!(
        part(&parts, "word/document.xml")
            .matches("w:val=\"Heading2\"")
            .count(),
        a.areas
            .iter()
            .map(|x| x.responsibilities.len())
            .sum::<usize>()
    );

    let Report::Summary(s) = build(&model, What::Summary, None) else {
        panic!("not a summary");
    };
    let doc = Report::Summary(s.clone()).document();
    let (_, _, body) = render_checked(&doc);
    // The chart is a table: each party's name, and its alone / shared / total numbers in
    // consecutive cells.
    assert!(!s.split.is_empty());
    let texts = &body.texts;
    for b in &s.split {
        let row = [
            b.party.name.clone(),
            b.alone.to_string(),
            b.shared.to_string(),
            (b.alone + b.shared).to_string(),
        ];
        assert!(
            texts.windows(4).any(|w| w == row),
            "no chart row {row:?} in {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t == "Shared with another party"));
}

// ---------------------------------------------------------------------------------------------
// Hostile text
// ---------------------------------------------------------------------------------------------

const HOSTILE: &str = "Evil <b>&amp;</b> \"quoted\" 'single' ]]> \u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{7F}\u{85}\u{FFFE}\u{FFFF} 😀🏳️‍🌈 שלום عليكم \u{202E}reversed\u{202C} end";
/// What survives of it: the same text without the characters XML forbids or that are
/// invisible controls.
const SURVIVES: &str =
    "Evil <b>&amp;</b> \"quoted\" 'single' ]]>  😀🏳️‍🌈 שלום عليكم \u{202E}reversed\u{202C} end";

#[test]
fn hostile_names_in_a_model_are_escaped_and_survive() {
    let mut model = riverside();
    let acme = model.parties.iter_mut().find(|p| p.id == SUPPLIER).unwrap();
    acme.name = HOSTILE.to_owned();
    let doc = build(&model, What::Schedule, Some(SUPPLIER)).document();
    let (_, parts, body) = render_checked(&doc);
    assert!(body.text().contains(SURVIVES), "{}", body.text());
    let xml = part(&parts, "word/document.xml");
    assert!(xml.contains(
        "Evil &lt;b&gt;&amp;amp;&lt;/b&gt; &quot;quoted&quot; &apos;single&apos; ]]&gt;"
    ));
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1}') && !xml.contains('\u{FFFF}'));
    let footer = check_xml("footer", part(&parts, "word/footer1.xml")).unwrap();
    // Text that must stay on one line (titles, headings) has its white space collapsed.
    assert!(
        footer.text().contains(&squash(SURVIVES)),
        "{}",
        footer.text()
    );
    let core = part(&parts, "docProps/core.xml");
    assert!(core.contains("&lt;b&gt;&amp;amp;&lt;/b&gt;"));
}

/// A document with every kind of block, all full of hostile text.
fn hostile_document() -> Document {
    let h = || HOSTILE.to_owned();
    let mut s = Section::new(format!("Heading {HOSTILE}"));
    s.push(Block::Heading(h()));
    s.push(Block::Paragraph(vec![
        Inline::Text(format!("line one\nline two\ttabbed\r\nthree {HOSTILE}")),
        Inline::Strong(h()),
        Inline::Emphasis(h()),
    ]));
    s.push(Block::List(vec![
        vec![Inline::Text(h())],
        vec![Inline::Strong(h())],
    ]));
    s.push(Block::Note(vec![Inline::Text(h())]));
    s.push(Block::Table(Table {
        caption: Some(h()),
        header: vec![h(), "Count".to_owned()],
        rows: vec![
            vec![TableCell::new(h(), Tone::Problem), TableCell::from("12")],
            vec![
                TableCell::new("a\nb", Tone::Attention),
                TableCell::new("3", Tone::Muted),
            ],
            vec![TableCell::from("short row")],
        ],
        row_header: true,
    }));
    s.push(Block::Chart(Chart {
        title: h(),
        series: vec![h(), "two".to_owned()],
        bars: vec![Bar {
            label: h(),
            values: vec![3, 4],
        }],
        unit: h(),
    }));
    s.push(Block::SignOff(SignOff {
        parties: vec![
            SignOffParty {
                heading: h(),
                signatories: vec![SignLine {
                    name: Some(h()),
                    title: Some(h()),
                }],
            },
            SignOffParty {
                heading: "Nobody named".to_owned(),
                signatories: Vec::new(),
            },
        ],
    }));
    Document {
        title: h(),
        subtitle: Some(h()),
        meta: vec![Meta::new(h(), h()), Meta::new("Date", "2026-11-23")],
        sections: vec![s, Section::new("Second").on_new_page()],
        notes: vec![h()],
        landscape: false,
    }
}

#[test]
fn hostile_text_in_every_kind_of_block_is_escaped_and_survives() {
    let doc = hostile_document();
    let (_, parts, body) = render_checked(&doc);
    // Title, subtitle, meta (label and value), heading 1 and 2, paragraph (three runs), two
    // list items, note, caption, header cell, a cell, chart caption, series and row label,
    // sign-off heading, name and title, the note at the end.
    let one_line = squash(SURVIVES);
    let found = body
        .texts
        .iter()
        .filter(|t| t.contains(SURVIVES) || t.contains(&one_line))
        .count();
    assert!(found >= 20, "hostile text found {found} times");
    assert!(body.texts.iter().any(|t| t == "line one"));
    assert!(body.texts.iter().any(|t| t == "tabbed"));
    let xml = part(&parts, "word/document.xml");
    assert!(
        xml.contains("line one</w:t><w:br/><w:t xml:space=\"preserve\">line two</w:t><w:tab/>")
    );
    // Tones shade cells; plain cells are not shaded.
    assert!(xml.contains("w:fill=\"FDE8E8\""));
    assert!(xml.contains("w:fill=\"FFF4D6\""));
    assert!(xml.contains("w:fill=\"F3F4F6\""));
    // A short row is padded to the table's width.
    assert_eq!(body.count("w:gridCol"), 2 + 4 + 2 * 2);
    // The party with no signatory still gets blank lines to sign.
    assert!(body.texts.iter().filter(|t| *t == "Signature").count() == 2);
    // Both bullets and the note at the end are numbered lists.
    assert_eq!(xml.matches("<w:numId w:val=\"1\"/>").count(), 2);
    assert_eq!(xml.matches("<w:numId w:val=\"2\"/>").count(), 1);
}

#[test]
fn empty_and_odd_documents_still_make_a_valid_file() {
    let empty = Document::default();
    render_checked(&empty);
    let mut odd = Document {
        title: String::new(),
        ..Document::default()
    };
    let mut s = Section::new("");
    s.push(Block::Table(Table::default()));
    s.push(Block::Table(Table {
        caption: Some("Only a caption".to_owned()),
        ..Table::default()
    }));
    s.push(Block::Chart(Chart::default()));
    s.push(Block::SignOff(SignOff::default()));
    s.push(Block::Paragraph(Vec::new()));
    s.push(Block::List(Vec::new()));
    odd.sections.push(s);
    let (_, _, body) = render_checked(&odd);
    assert!(body.texts.iter().any(|t| t == "Nothing to show yet."));
    assert!(body.texts.iter().any(|t| t == "Only a caption"));
}

#[test]
fn a_table_too_wide_for_the_page_is_split_and_keeps_its_first_column() {
    let columns = 40;
    let header: Vec<String> = (0..columns).map(|i| format!("Service {i}")).collect();
    let rows = (0..3)
        .map(|r| {
            (0..columns)
                .map(|c| TableCell::from(format!("r{r}c{c}")))
                .collect()
        })
        .collect();
    let mut s = Section::new("Wide");
    s.push(Block::Table(Table {
        caption: Some("Wide table".to_owned()),
        header,
        rows,
        row_header: true,
    }));
    let doc = Document {
        title: "Wide".to_owned(),
        sections: vec![s],
        landscape: true,
        ..Document::default()
    };
    let (_, _, body) = render_checked(&doc);
    let tables = body.count("w:tbl");
    assert!(tables > 1, "split into {tables} parts");
    // Every cell appears once, except the first column, once per part.
    for r in 0..3 {
        assert_eq!(
            body.texts
                .iter()
                .filter(|t| **t == format!("r{r}c0"))
                .count(),
            tables
        );
        for c in 1..columns {
            assert_eq!(
                body.texts
                    .iter()
                    .filter(|t| **t == format!("r{r}c{c}"))
                    .count(),
                1
            );
        }
    }
    assert!(
        body.texts
            .iter()
            .any(|t| t == &format!("Wide table (part 1 of {tables})"))
    );
    // No part has more columns than fit (about 1.9 cm each on 25.7 cm).
    assert!(body.count("w:gridCol") <= tables * 13);
}

#[test]
fn the_same_document_gives_the_same_bytes() {
    let model = riverside();
    for (what, r) in reports(&model) {
        let doc = r.document();
        let a = docx::render(&doc).unwrap();
        let b = docx::render(&doc).unwrap();
        assert_eq!(a, b, "{what}");
        let mut other = doc.clone();
        other.title.push('!');
        assert_ne!(a, docx::render(&other).unwrap(), "{what}");
        // Fixed timestamps in the zip.
        let mut zip = zip::ZipArchive::new(Cursor::new(&a)).unwrap();
        for i in 0..zip.len() {
            let f = zip.by_index(i).unwrap();
            let t = f.last_modified().unwrap();
            assert_eq!(
                (t.year(), t.month(), t.day()),
                (1980, 1, 1),
                "{:?}",
                f.name()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// LibreOffice
// ---------------------------------------------------------------------------------------------

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Run a command with a time limit; its standard output, or why it failed.
fn run(cmd: &mut Command, limit: Duration) -> Result<String, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {cmd:?}: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(_) => break,
            None if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{cmd:?} took longer than {limit:?}"));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{cmd:?} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A fresh directory for this run; set `DEMARC_DOCX_OUT` to keep the files somewhere.
fn work_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("DEMARC_DOCX_OUT") {
        let d = PathBuf::from(d);
        std::fs::create_dir_all(&d).unwrap();
        return d;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let d = std::env::temp_dir().join(format!("demarc-docx-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn libreoffice_opens_the_documents_and_prints_page_numbers() {
    let tools = ["libreoffice", "pdftotext"].map(|t| (t, on_path(t)));
    if let Some((missing, _)) = tools.iter().find(|(_, p)| p.is_none()) {
        let msg = format!(
            "{missing} is not installed (install LibreOffice and poppler-utils, e.g. \
             `apt-get install libreoffice-writer poppler-utils`)"
        );
        if std::env::var_os("CI").is_some() {
            panic!("{msg}");
        }
        println!("SKIPPED: {msg}");
        return;
    }
    let model = riverside();
    let Report::Schedule(s) = build(&model, What::Schedule, Some(SUPPLIER)) else {
        panic!("not a schedule");
    };
    let dir = work_dir();
    let mut files = Vec::new();
    let mut docs: Vec<(&str, Document)> = reports(&model)
        .into_iter()
        .map(|(what, r)| (what, r.document()))
        .collect();
    docs.push(("matrix", build(&model, What::Matrix, None).document()));
    docs.push(("hostile", hostile_document()));
    for (what, doc) in &docs {
        let path = dir.join(format!("{what}.docx"));
        std::fs::write(&path, docx::render(doc).unwrap()).unwrap();
        files.push(path);
    }
    let profile = dir.join("lo-profile");
    let mut lo = Command::new("libreoffice");
    lo.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .args(["--headless", "--convert-to", "pdf", "--outdir"])
    .arg(&dir)
    .args(&files);
    run(&mut lo, Duration::from_secs(240)).unwrap_or_else(|e| panic!("{e}"));

    let mut texts = BTreeMap::new();
    for f in &files {
        let pdf = f.with_extension("pdf");
        assert!(pdf.is_file(), "LibreOffice made no {}", pdf.display());
        let text = run(
            Command::new("pdftotext").arg(&pdf).arg("-"),
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        texts.insert(
            f.file_stem().unwrap().to_string_lossy().into_owned(),
            squash(&text),
        );
    }
    let schedule = &texts["schedule"];
    assert!(schedule.contains(&s.supplier.name), "{schedule}");
    let shortest = s
        .rows
        .iter()
        .map(|r| r.responsibility.title.as_str())
        .min_by_key(|t| t.len())
        .unwrap();
    assert!(
        schedule.contains(&squash(shortest)),
        "{shortest} in {schedule}"
    );
    let hostile = &texts["hostile"];
    assert!(
        hostile.contains("Evil <b>&amp;</b> \"quoted\" 'single' ]]>"),
        "{hostile}"
    );
    assert!(hostile.contains("short row"), "{hostile}");
    for (what, text) in &texts {
        let pages: usize = text
            .split("Page 1 of ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{what}: no \"Page 1 of N\" in {text}"));
        assert!(text.contains(&format!("Page {pages} of {pages}")), "{what}");
        println!("{what}: {pages} pages");
    }
    if std::env::var_os("DEMARC_DOCX_OUT").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
