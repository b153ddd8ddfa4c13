//! A [`Document`] as Typst source.
//!
//! The source is the fixed preamble (`preamble.typ`: colours, fonts, page footer and the
//! building blocks) followed by one call per block of the document. Every piece of document
//! text is written as a Typst string literal ([`lit`]), never as markup, so whatever a model
//! says (`#set`, `$`, `*`, `]`, `//`, ...) is printed exactly as written.

use std::fmt::Write as _;

use demarc_formats::export::document::{
    Block, Chart, Document, Inline, SignOff, Table, TableCell, Tone,
};

const PREAMBLE: &str = include_str!("preamble.typ");

/// How many columns fit side by side: wider tables are split into parts that each repeat the
/// first column.
const MAX_COLUMNS_PORTRAIT: usize = 6;
const MAX_COLUMNS_LANDSCAPE: usize = 9;

/// The whole Typst source of a document.
pub fn source(doc: &Document) -> String {
    let mut out = String::with_capacity(PREAMBLE.len() + 4096);
    out.push_str(PREAMBLE);
    out.push('\n');

    let _ = writeln!(
        out,
        "#set document(title: {}, date: {})",
        lit(&one_line(&doc.title)),
        document_date(doc)
    );
    let _ = writeln!(
        out,
        "#set page(paper: \"a4\", flipped: {}, margin: (x: 16mm, top: 16mm, bottom: 22mm), \
         footer-descent: 30%, footer: page-footer({}, {}))",
        doc.landscape,
        lit(&one_line(&doc.title)),
        footer_detail(doc).map_or_else(|| "none".to_owned(), |d| lit(&d)),
    );
    out.push_str(
        "#set text(font: \"Libertinus Serif\", size: 10.5pt, fill: ink, lang: \"en\", \
         region: \"gb\", hyphenate: false)\n\
         #set par(justify: false, leading: 0.55em, spacing: 0.9em)\n\
         #show heading: set text(fill: heading-ink)\n\
         #show heading.where(level: 1): set text(size: 15pt)\n\
         #show heading.where(level: 1): set block(above: 1.4em, below: 0.7em)\n\
         #show heading.where(level: 2): set text(size: 12pt)\n\
         #show heading.where(level: 2): set block(above: 1.3em, below: 0.6em)\n\
         #set list(indent: 4pt, body-indent: 6pt, spacing: 0.65em)\n\n",
    );

    // Title block.
    let meta: Vec<String> = doc
        .meta
        .iter()
        .map(|m| format!("({}, {})", lit(&one_line(&m.label)), text(&m.value)))
        .collect();
    let _ = writeln!(
        out,
        "#title-block({}, {}, {})\n",
        lit(&one_line(&doc.title)),
        doc.subtitle
            .as_deref()
            .map_or_else(|| "none".to_owned(), text),
        array(&meta)
    );

    for (i, section) in doc.sections.iter().enumerate() {
        if section.new_page && i > 0 {
            out.push_str("#pagebreak(weak: true)\n");
        }
        let _ = writeln!(
            out,
            "#heading(level: 1, {})\n",
            lit(&one_line(&section.heading))
        );
        for block in &section.blocks {
            render_block(&mut out, block, doc.landscape);
        }
    }

    if !doc.notes.is_empty() {
        // The small print: a smaller heading than the sections', so that a short document (the
        // board summary) keeps to its one page.
        out.push_str("#heading(level: 2, \"Notes\")\n\n");
        let items: Vec<String> = doc.notes.iter().map(|n| text(n)).collect();
        let _ = writeln!(out, "#document-notes({})\n", array(&items));
    }
    out
}

/// The date the PDF carries in its metadata: the document's own "Date" line, or none (never
/// the clock).
fn document_date(doc: &Document) -> String {
    meta_value(doc, "date")
        .and_then(|d| d.trim().parse::<demarc_core::Date>().ok())
        .map_or_else(
            || "none".to_owned(),
            |d| {
                format!(
                    "datetime(year: {}, month: {}, day: {})",
                    d.year(),
                    d.month(),
                    d.day()
                )
            },
        )
}

fn meta_value<'a>(doc: &'a Document, label: &str) -> Option<&'a str> {
    doc.meta
        .iter()
        .find(|m| m.label.trim().eq_ignore_ascii_case(label))
        .map(|m| m.value.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// What the footer shows beside the title: the version and date lines of the title block.
fn footer_detail(doc: &Document) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(v) = meta_value(doc, "version") {
        parts.push(format!("Version {}", one_line(v)));
    }
    if let Some(d) = meta_value(doc, "date") {
        parts.push(one_line(d));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Text on one line: line breaks become spaces (titles, headings, labels).
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A Typst string literal holding `s` exactly.
pub fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Words longer than this may be broken anywhere to fit their column (see [`breakable`]).
const MAX_WORD: usize = 24;

/// A line of text as pieces between which it may break: words longer than [`MAX_WORD`] (a web
/// address, a long identifier) are cut every few characters, so that they wrap within their
/// table cell instead of running over the next one. The cuts are zero-width spacing, not
/// characters: nothing shows, and the text copies as written.
fn pieces(line: &str) -> Vec<&str> {
    const EVERY: usize = 12;
    if !line
        .split_whitespace()
        .any(|w| w.chars().count() > MAX_WORD)
    {
        return vec![line];
    }
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut run = 0usize;
    let mut prev: Option<char> = None;
    for (at, c) in line.char_indices() {
        if c.is_whitespace() {
            run = 0;
        } else {
            // Only between two ASCII characters, so no accent is parted from its letter.
            if run >= EVERY && c.is_ascii() && prev.is_some_and(|p| p.is_ascii()) {
                out.push(&line[start..at]);
                start = at;
                run = 0;
            }
            run += 1;
        }
        prev = Some(c);
    }
    out.push(&line[start..]);
    out
}

/// One line of text as a Typst expression.
fn line_expr(line: &str) -> String {
    let parts = pieces(line);
    if parts.len() == 1 {
        lit(line)
    } else {
        let parts: Vec<String> = parts.iter().map(|p| format!("#box({})", lit(p))).collect();
        format!("[{}]", parts.join(""))
    }
}

/// Plain text as a Typst expression: a string literal, or lines joined by line breaks.
fn text(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    match lines.as_slice() {
        [] => "\"\"".to_owned(),
        [one] => line_expr(one),
        many => {
            let parts: Vec<String> = many.iter().map(|l| format!("#{}", line_expr(l))).collect();
            format!("[{}]", parts.join("#linebreak()"))
        }
    }
}

/// A Typst array of expressions (a trailing comma keeps one-element arrays arrays).
fn array(items: &[String]) -> String {
    if items.is_empty() {
        "()".to_owned()
    } else {
        format!("({},)", items.join(", "))
    }
}

/// A run of inlines as one content expression.
fn inlines(items: &[Inline]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|i| match i {
            Inline::Text(t) => text(t),
            Inline::Strong(t) => format!("strong({})", text(t)),
            Inline::Emphasis(t) => format!("emph({})", text(t)),
        })
        .collect();
    if parts.is_empty() {
        "[]".to_owned()
    } else {
        format!("{{ {} }}", parts.join("; "))
    }
}

fn render_block(out: &mut String, block: &Block, landscape: bool) {
    match block {
        Block::Heading(h) => {
            let _ = writeln!(out, "#heading(level: 2, {})\n", lit(&one_line(h)));
        }
        Block::Paragraph(items) => {
            let _ = writeln!(out, "#par({})\n", inlines(items));
        }
        Block::List(items) => {
            let items: Vec<String> = items.iter().map(|i| inlines(i)).collect();
            let _ = writeln!(out, "#list({})\n", items.join(", "));
        }
        Block::Note(items) => {
            let _ = writeln!(out, "#note({})\n", inlines(items));
        }
        Block::Table(t) => table(out, t, landscape),
        Block::Chart(c) => chart(out, c),
        Block::SignOff(s) => sign_off(out, s),
    }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

fn table(out: &mut String, t: &Table, landscape: bool) {
    let width = t
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(t.header.len()))
        .max()
        .unwrap_or(0);
    if width == 0 {
        return;
    }
    let max = if landscape {
        MAX_COLUMNS_LANDSCAPE
    } else {
        MAX_COLUMNS_PORTRAIT
    };
    // Columns of each part: all of them, or the first column and as many others as fit.
    let parts: Vec<Vec<usize>> = if width <= max {
        vec![(0..width).collect()]
    } else {
        let others: Vec<usize> = (1..width).collect();
        others
            .chunks(max - 1)
            .map(|chunk| std::iter::once(0).chain(chunk.iter().copied()).collect())
            .collect()
    };
    let count = parts.len();
    for (n, columns) in parts.iter().enumerate() {
        let caption = match (&t.caption, count) {
            (Some(c), 1) => Some(one_line(c)),
            (Some(c), _) => Some(format!(
                "{} (part {} of {count}; each part repeats the first column)",
                one_line(c),
                n + 1
            )),
            (None, 1) => None,
            (None, _) => Some(format!(
                "Part {} of {count} (each part repeats the first column)",
                n + 1
            )),
        };
        table_part(out, t, columns, caption.as_deref(), landscape);
    }
}

fn cell_at(row: &[TableCell], i: usize) -> (&str, Tone) {
    row.get(i)
        .map_or(("", Tone::Plain), |c| (c.text.as_str(), c.tone))
}

fn table_part(
    out: &mut String,
    t: &Table,
    columns: &[usize],
    caption: Option<&str>,
    landscape: bool,
) {
    let header: Vec<String> = if t.header.is_empty() {
        Vec::new()
    } else {
        columns
            .iter()
            .map(|&i| format!("hc({})", text(t.header.get(i).map_or("", String::as_str))))
            .collect()
    };
    // Plain cells are bare text (the table styles them); only shaded ones need a call.
    let mut cells = Vec::with_capacity(t.rows.len() * columns.len());
    for row in &t.rows {
        for &i in columns {
            let (body, tone) = cell_at(row, i);
            let f = if t.row_header && i == 0 { "rc" } else { "dc" };
            if tone == Tone::Plain {
                cells.push(text(body));
            } else {
                cells.push(format!("{f}({}, tone: \"{}\")", text(body), tone.as_str()));
            }
        }
    }
    let widths = column_widths(t, columns, landscape);
    let size = if columns.len() >= 7 { "8pt" } else { "9pt" };
    let _ = writeln!(
        out,
        "#data-table(caption: {}, columns: {}, size: {size}, row-header: {}, header: {}, cells: {})\n",
        caption.map_or_else(|| "none".to_owned(), lit),
        array(&widths),
        t.row_header,
        array(&header),
        array(&cells)
    );
}

/// How much text a column holds, in characters.
#[derive(Clone, Copy, Debug, Default)]
struct Measure {
    longest_line: usize,
    longest_word: usize,
    mean: f64,
}

fn measure(t: &Table, i: usize) -> Measure {
    let header = t.header.get(i).map_or("", String::as_str);
    let mut m = Measure::default();
    let mut total = 0usize;
    for s in std::iter::once(header).chain(t.rows.iter().map(|r| cell_at(r, i).0)) {
        total += s.chars().count();
        for line in s.lines() {
            m.longest_line = m.longest_line.max(line.chars().count());
            for word in line.split_whitespace() {
                m.longest_word = m.longest_word.max(word.chars().count());
            }
        }
    }
    m.mean = total as f64 / (t.rows.len() + 1) as f64;
    m
}

/// The widths of the columns of one part of a table, as Typst track sizes.
///
/// A table of short text is only as wide as its text. Otherwise each column gets a share of
/// the page that grows with how much text its cells hold (the square root of the mean, so a
/// column of long paragraphs does not squeeze the others out), never less than its longest
/// word and never more than its longest line.
fn column_widths(t: &Table, columns: &[usize], landscape: bool) -> Vec<String> {
    let measures: Vec<Measure> = columns.iter().map(|&i| measure(t, i)).collect();
    // About how many characters of table text fit across the page, less cell padding.
    let room = if landscape { 150.0 } else { 100.0 };
    let natural: usize = measures.iter().map(|m| m.longest_line + 3).sum();
    if natural as f64 <= room * 0.6 {
        return vec!["auto".to_owned(); columns.len()];
    }
    let floors: Vec<f64> = measures
        .iter()
        .map(|m| (m.longest_word.min(MAX_WORD) + 3) as f64)
        .collect();
    let wanted: Vec<f64> = measures
        .iter()
        .zip(&floors)
        .map(|(m, &floor)| {
            let ceiling = (m.longest_line + 2).max(5) as f64;
            (6.0 * m.mean.sqrt()).min(ceiling).max(floor)
        })
        .collect();
    // Share the room out in proportion to what each column wants, but give a column whose
    // share would be narrower than its longest word that width instead, and share the rest
    // among the others again.
    let mut widths: Vec<Option<f64>> = vec![None; columns.len()];
    loop {
        let fixed: f64 = widths.iter().flatten().sum();
        let free: f64 = wanted
            .iter()
            .zip(&widths)
            .filter(|(_, w)| w.is_none())
            .map(|(w, _)| w)
            .sum();
        let left = (room - fixed).max(0.0);
        let mut changed = false;
        for (i, w) in widths.iter_mut().enumerate() {
            if w.is_none() && free > 0.0 && wanted[i] / free * left < floors[i] {
                *w = Some(floors[i]);
                changed = true;
            }
        }
        if !changed {
            for (i, w) in widths.iter_mut().enumerate() {
                if w.is_none() {
                    *w = Some(if free > 0.0 {
                        wanted[i] / free * left
                    } else {
                        floors[i]
                    });
                }
            }
            break;
        }
    }
    widths
        .iter()
        .zip(&floors)
        .map(|(w, &floor)| format!("{:.1}fr", w.unwrap_or(floor).max(1.0)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

fn chart(out: &mut String, c: &Chart) {
    let title = if c.unit.is_empty() {
        one_line(&c.title)
    } else {
        format!("{} ({})", one_line(&c.title), one_line(&c.unit))
    };
    let max = c.bars.iter().map(|b| b.total()).max().unwrap_or(0);
    if c.bars.is_empty() || max == 0 {
        let _ = writeln!(
            out,
            "#block(below: 0.5em, text(weight: \"semibold\", fill: soft-ink, {}))\n",
            lit(&title)
        );
        out.push_str("#par(\"Nothing to show yet.\")\n\n");
        return;
    }
    let legend: Vec<String> = c.series.iter().map(|s| lit(&one_line(s))).collect();
    let bars: Vec<String> = c
        .bars
        .iter()
        .map(|b| {
            let parts: Vec<String> = b
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| **v > 0)
                .map(|(i, &v)| format!("({:.5}, {})", v as f64 / max as f64, i % 4))
                .collect();
            let value = if c.series.len() > 1 {
                let each: Vec<String> = b
                    .values
                    .iter()
                    .take(c.series.len())
                    .map(u64::to_string)
                    .collect();
                format!("{} ({})", b.total(), each.join(" + "))
            } else {
                b.total().to_string()
            };
            format!("({}, {}, {})", text(&b.label), array(&parts), lit(&value))
        })
        .collect();
    let caption = (c.series.len() > 1).then(|| {
        let names: Vec<String> = c.series.iter().map(|s| one_line(s)).collect();
        format!(
            "Each bar's total is followed by its parts in order: {}.",
            names.join(", then ")
        )
    });
    let _ = writeln!(
        out,
        "#chart(title: {}, legend: {}, bars: {}, caption: {})\n",
        lit(&title),
        array(&legend),
        array(&bars),
        caption.map_or_else(|| "none".to_owned(), |c| lit(&c))
    );
}

// ---------------------------------------------------------------------------------------------
// Sign-off
// ---------------------------------------------------------------------------------------------

fn sign_off(out: &mut String, s: &SignOff) {
    let opt = |v: &Option<String>| {
        v.as_deref()
            .filter(|x| !x.trim().is_empty())
            .map_or_else(|| "none".to_owned(), |x| lit(&one_line(x)))
    };
    let parties: Vec<String> = s
        .parties
        .iter()
        .map(|p| {
            let mut people: Vec<String> = p
                .signatories
                .iter()
                .map(|x| {
                    let named = x.name.as_deref().is_some_and(|n| !n.trim().is_empty());
                    let titled = x.title.as_deref().is_some_and(|n| !n.trim().is_empty());
                    // A printed name without a title needs no title line; a blank name does.
                    let show_title = titled || !named;
                    format!("({}, {}, {show_title})", opt(&x.name), opt(&x.title))
                })
                .collect();
            if people.is_empty() {
                people.push("(none, none, true)".to_owned());
            }
            format!("({}, {})", lit(&one_line(&p.heading)), array(&people))
        })
        .collect();
    let _ = writeln!(out, "#sign-off({})\n", array(&parties));
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_backslashes_and_controls() {
        assert_eq!(lit(r#"a "b" \c"#), r#""a \"b\" \\c""#);
        assert_eq!(lit("x\ny\tz\u{7}"), "\"x\\ny\\tz\\u{7}\"");
        assert_eq!(lit("#set $x$ ]"), "\"#set $x$ ]\"");
    }

    #[test]
    fn text_splits_lines() {
        assert_eq!(text(""), "\"\"");
        assert_eq!(text("one"), "\"one\"");
        assert_eq!(text("one\r\ntwo"), "[#\"one\"#linebreak()#\"two\"]");
    }

    #[test]
    fn only_long_words_are_cut() {
        assert_eq!(pieces("short words stay whole"), ["short words stay whole"]);
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        let cut = pieces(long);
        assert_eq!(cut.concat(), long);
        assert!(
            cut.len() == 3 && cut.iter().all(|p| p.len() <= 12),
            "{cut:?}"
        );
        // Not between a letter and its accent, nor after non-ASCII letters.
        let accented = "e\u{301}".repeat(30);
        assert_eq!(pieces(&accented), [accented.as_str()]);
        assert_eq!(
            text(long),
            "[#box(\"abcdefghijkl\")#box(\"mnopqrstuvwx\")#box(\"yz0123456789\")]"
        );
    }

    #[test]
    fn one_element_arrays_stay_arrays() {
        assert_eq!(array(&[]), "()");
        assert_eq!(array(&["1".to_owned()]), "(1,)");
    }

    #[test]
    fn wide_tables_are_split_repeating_the_first_column() {
        let t = Table {
            caption: Some("Wide".to_owned()),
            header: (0..20).map(|i| format!("H{i}")).collect(),
            rows: vec![(0..20).map(|i| TableCell::from(format!("c{i}"))).collect()],
            row_header: true,
        };
        let mut out = String::new();
        table(&mut out, &t, false);
        assert_eq!(out.matches("#data-table(").count(), 4);
        assert_eq!(out.matches("\"c0\"").count(), 4);
        for i in 1..20 {
            assert_eq!(out.matches(&format!("\"c{i}\"")).count(), 1, "c{i}");
        }
        assert!(out.contains("Wide (part 4 of 4;"));
    }
}
