//! `word/document.xml`: the title block, the sections and their blocks, the notes, and the page
//! set-up.

use std::fmt::Write as _;

use demarc_formats::export::document::{
    Block, Chart, Document, Inline, SignLine, SignOff, Table, TableCell, Tone,
};

use super::Page;
use super::parts::{BULLETS_NUM_ID, FOOTER_RID, NOTES_NUM_ID};
use super::xml::{DECLARATION, R_NS, W_NS, escape, lines, run, single_line};

/// The whole body of the document.
pub(super) fn document(doc: &Document, page: &Page) -> String {
    let mut out = String::from(DECLARATION);
    let _ = write!(
        out,
        "<w:document xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\"><w:body>"
    );

    paragraph(&mut out, "Title", "", |o| {
        run(o, &single_line(&doc.title), None);
    });
    if let Some(sub) = &doc.subtitle {
        paragraph(&mut out, "Subtitle", "", |o| run(o, sub, None));
    }
    for m in &doc.meta {
        paragraph(&mut out, "DocumentDetail", "", |o| {
            run(o, &format!("{}:", single_line(&m.label)), Some("Strong"));
            o.push_str("<w:r><w:tab/></w:r>");
            run(o, &m.value, None);
        });
    }

    for (i, section) in doc.sections.iter().enumerate() {
        let extra = if section.new_page && i > 0 {
            "<w:pageBreakBefore/>"
        } else {
            ""
        };
        paragraph(&mut out, "Heading1", extra, |o| {
            run(o, &single_line(&section.heading), None);
        });
        for block in &section.blocks {
            self::block(&mut out, block, page);
        }
    }

    if !doc.notes.is_empty() {
        paragraph(&mut out, "Heading1", "", |o| run(o, "Notes", None));
        for n in &doc.notes {
            let num = format!(
                "<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"{NOTES_NUM_ID}\"/></w:numPr>"
            );
            paragraph(&mut out, "NotesList", &num, |o| run(o, n, None));
        }
    }

    section_properties(&mut out, page);
    out.push_str("</w:body></w:document>\n");
    out
}

/// The page: A4, margins of 2 cm, the footer 1 cm from the bottom edge.
fn section_properties(out: &mut String, page: &Page) {
    let orient = if page.landscape {
        " w:orient=\"landscape\""
    } else {
        ""
    };
    let m = Page::MARGIN;
    let _ = write!(
        out,
        "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"{FOOTER_RID}\"/>\
<w:pgSz w:w=\"{}\" w:h=\"{}\"{orient}/>\
<w:pgMar w:top=\"{m}\" w:right=\"{m}\" w:bottom=\"{m}\" w:left=\"{m}\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>\
<w:cols w:space=\"709\"/><w:docGrid w:linePitch=\"360\"/></w:sectPr>",
        page.width, page.height
    );
}

/// One paragraph in a style; `extra` is more paragraph properties (in schema order, after the
/// style).
fn paragraph(out: &mut String, style: &str, extra: &str, content: impl FnOnce(&mut String)) {
    let _ = write!(
        out,
        "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/>{extra}</w:pPr>"
    );
    content(out);
    out.push_str("</w:p>");
}

fn inlines(out: &mut String, items: &[Inline]) {
    for i in items {
        match i {
            Inline::Text(t) => run(out, t, None),
            Inline::Strong(t) => run(out, t, Some("Strong")),
            Inline::Emphasis(t) => run(out, t, Some("Emphasis")),
        }
    }
}

fn block(out: &mut String, block: &Block, page: &Page) {
    match block {
        Block::Heading(h) => paragraph(out, "Heading2", "", |o| run(o, &single_line(h), None)),
        Block::Paragraph(items) => paragraph(out, "Normal", "", |o| inlines(o, items)),
        Block::List(items) => {
            let num = format!(
                "<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"{BULLETS_NUM_ID}\"/></w:numPr>"
            );
            for item in items {
                paragraph(out, "ListBullet", &num, |o| inlines(o, item));
            }
        }
        Block::Table(t) => table(out, t, page),
        Block::Chart(c) => chart(out, c, page),
        Block::SignOff(s) => sign_off(out, s, page),
        Block::Note(items) => paragraph(out, "Note", "", |o| inlines(o, items)),
    }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/// Light shading for a cell's tone (the text says the same).
fn fill(tone: Tone) -> Option<&'static str> {
    match tone {
        Tone::Plain => None,
        Tone::Muted => Some("F3F4F6"),
        Tone::Attention => Some("FFF4D6"),
        Tone::Problem => Some("FDE8E8"),
    }
}

/// Width of one character of table text (9 pt Arial), in twentieths of a point, with a margin.
const CHAR_TWIPS: u64 = 105;
/// A cell's left and right margins, and a little room for the borders.
const CELL_PADDING: u64 = 300;
/// The narrowest a column of a normal table may be (about 1.9 cm).
const MIN_COLUMN: u32 = 1080;

/// How wide the text of one column is: its longest line and its longest word, in characters.
#[derive(Clone, Copy, Default)]
struct Extent {
    line: usize,
    word: usize,
}

impl Extent {
    fn add(&mut self, text: &str) {
        for l in lines(text) {
            self.line = self.line.max(l.chars().count());
            for w in l.split_whitespace() {
                self.word = self.word.max(w.chars().count());
            }
        }
    }
}

/// Column widths (twips) that share `total` by how much text each column holds: every column
/// gets room for its longest word first (within reason), the rest goes where lines are long.
/// A table whose text is short is narrower than the page, but never narrower than half of it.
fn column_widths(extents: &[Extent], total: u32) -> Vec<u32> {
    if extents.is_empty() {
        return Vec::new();
    }
    let want: Vec<u64> = extents
        .iter()
        .map(|e| CELL_PADDING + CHAR_TWIPS * e.line.clamp(4, 120) as u64)
        .collect();
    let least: Vec<u64> = extents
        .iter()
        .zip(&want)
        .map(|(e, &w)| (CELL_PADDING + CHAR_TWIPS * e.word.clamp(2, 16) as u64).min(w))
        .collect();
    let total = u64::from(total);
    let sum_want: u64 = want.iter().sum();
    let sum_least: u64 = least.iter().sum();
    let (mut widths, target): (Vec<u64>, u64) = if sum_want <= total {
        let target = sum_want.max(total / 2);
        let w = want.iter().map(|w| w * target / sum_want.max(1)).collect();
        (w, target)
    } else if sum_least >= total {
        let w = least.iter().map(|w| w * total / sum_least.max(1)).collect();
        (w, total)
    } else {
        let spare = total - sum_least;
        let room = sum_want - sum_least;
        let w = least
            .iter()
            .zip(&want)
            .map(|(&l, &w)| l + spare * (w - l) / room.max(1))
            .collect();
        (w, total)
    };
    // Rounding: the last column takes what is left, so the columns fill the table exactly.
    let used: u64 = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last = (*last + target).saturating_sub(used);
    }
    widths
        .into_iter()
        .map(|w| u32::try_from(w).unwrap_or(u32::MAX))
        .collect()
}

/// The columns of each printed part of a table: a table too wide for the page is split into
/// parts, each repeating the first column when it heads the rows.
fn column_parts(width: usize, row_header: bool, max: usize) -> Vec<Vec<usize>> {
    let max = max.max(2);
    if width <= max {
        return vec![(0..width).collect()];
    }
    if row_header {
        (1..width)
            .collect::<Vec<_>>()
            .chunks(max - 1)
            .map(|c| std::iter::once(0).chain(c.iter().copied()).collect())
            .collect()
    } else {
        (0..width)
            .collect::<Vec<_>>()
            .chunks(max)
            .map(<[usize]>::to_vec)
            .collect()
    }
}

/// Whether every cell of a column is a whole number (then it is right-aligned).
fn numeric(t: &Table, col: usize) -> bool {
    !t.rows.is_empty()
        && t.rows.iter().all(|r| {
            r.get(col).is_some_and(|c| {
                let s = c.text.trim();
                !s.is_empty() && s.chars().all(|ch| ch.is_ascii_digit())
            })
        })
}

fn table(out: &mut String, t: &Table, page: &Page) {
    let width = t
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(t.header.len()))
        .max()
        .unwrap_or(0);
    if width == 0 {
        if let Some(c) = &t.caption {
            paragraph(out, "Caption", "", |o| run(o, &single_line(c), None));
        }
        return;
    }
    let text_width = page.text_width();
    let max_columns = usize::try_from(text_width / MIN_COLUMN).unwrap_or(usize::MAX);
    let parts = column_parts(width, t.row_header, max_columns);
    let numbers: Vec<bool> = (0..width)
        .map(|c| !(t.row_header && c == 0) && numeric(t, c))
        .collect();
    let empty = TableCell::default();
    for (k, cols) in parts.iter().enumerate() {
        let caption = match (&t.caption, parts.len()) {
            (Some(c), 1) => Some(single_line(c)),
            (Some(c), n) => Some(format!("{} (part {} of {n})", single_line(c), k + 1)),
            (None, 1) => None,
            (None, n) => Some(format!("Part {} of {n}", k + 1)),
        };
        if let Some(c) = &caption {
            paragraph(out, "Caption", "", |o| run(o, c, None));
        }
        let extents: Vec<Extent> = cols
            .iter()
            .map(|&c| {
                let mut e = Extent::default();
                e.add(t.header.get(c).map_or("", String::as_str));
                for row in &t.rows {
                    e.add(row.get(c).map_or("", |x| x.text.as_str()));
                }
                e
            })
            .collect();
        let widths = column_widths(&extents, text_width);
        let has_header = !t.header.is_empty();
        let _ = write!(
            out,
            "<w:tbl><w:tblPr><w:tblStyle w:val=\"ReportTable\"/><w:tblW w:w=\"{}\" w:type=\"dxa\"/>\
<w:tblLayout w:type=\"fixed\"/>\
<w:tblLook w:val=\"{}\" w:firstRow=\"{}\" w:lastRow=\"0\" w:firstColumn=\"{}\" w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>",
            widths.iter().sum::<u32>(),
            match (has_header, t.row_header) {
                (true, true) => "06A0",
                (true, false) => "0620",
                (false, true) => "0680",
                (false, false) => "0600",
            },
            u8::from(has_header),
            u8::from(t.row_header),
        );
        if let Some(c) = &caption {
            let _ = write!(out, "<w:tblCaption w:val=\"{}\"/>", escape(c));
        }
        out.push_str("</w:tblPr><w:tblGrid>");
        for w in &widths {
            let _ = write!(out, "<w:gridCol w:w=\"{w}\"/>");
        }
        out.push_str("</w:tblGrid>");

        if has_header {
            out.push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
            for (&c, &w) in cols.iter().zip(&widths) {
                let style = if numbers[c] {
                    "TableNumberHeading"
                } else {
                    "TableHeading"
                };
                cell(
                    out,
                    w,
                    None,
                    style,
                    t.header.get(c).map_or("", String::as_str),
                );
            }
            out.push_str("</w:tr>");
        }
        for row in &t.rows {
            out.push_str("<w:tr>");
            for (&c, &w) in cols.iter().zip(&widths) {
                let x = row.get(c).unwrap_or(&empty);
                let style = if t.row_header && c == 0 {
                    "TableRowHeading"
                } else if numbers[c] {
                    "TableNumber"
                } else {
                    "TableText"
                };
                cell(out, w, fill(x.tone), style, &x.text);
            }
            out.push_str("</w:tr>");
        }
        out.push_str("</w:tbl>");
        spacer(out);
    }
}

/// One table cell of one paragraph.
fn cell(out: &mut String, width: u32, shade: Option<&str>, style: &str, text: &str) {
    let _ = write!(out, "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>");
    if let Some(f) = shade {
        let _ = write!(
            out,
            "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"{f}\"/>"
        );
    }
    out.push_str("</w:tcPr>");
    paragraph(out, style, "", |o| run(o, text, None));
    out.push_str("</w:tc>");
}

/// An empty paragraph after a table: space before what follows, and it keeps two tables in a
/// row from running into one.
fn spacer(out: &mut String) {
    out.push_str("<w:p><w:pPr><w:pStyle w:val=\"Normal\"/></w:pPr></w:p>");
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A chart as a table: one row per bar, one column per series, and the total.
fn chart(out: &mut String, c: &Chart, page: &Page) {
    let max = c.bars.iter().map(|b| b.total()).max().unwrap_or(0);
    let caption = if c.unit.trim().is_empty() {
        single_line(&c.title)
    } else {
        format!("{} ({})", single_line(&c.title), single_line(&c.unit))
    };
    if c.bars.is_empty() || max == 0 {
        paragraph(out, "Caption", "", |o| run(o, &caption, None));
        paragraph(out, "Normal", "", |o| run(o, "Nothing to show yet.", None));
        return;
    }
    let mut header = vec![String::new()];
    header.extend(c.series.iter().map(|s| capitalise(s.trim())));
    let series = c
        .series
        .len()
        .max(c.bars.iter().map(|b| b.values.len()).max().unwrap_or(0));
    while header.len() < series + 1 {
        header.push(String::new());
    }
    if series > 1 {
        header.push("Total".to_owned());
    }
    let rows = c
        .bars
        .iter()
        .map(|b| {
            let mut row = vec![TableCell::from(b.label.clone())];
            row.extend(
                (0..series)
                    .map(|i| TableCell::from(b.values.get(i).copied().unwrap_or(0).to_string())),
            );
            if series > 1 {
                row.push(TableCell::from(b.total().to_string()));
            }
            row
        })
        .collect();
    table(
        out,
        &Table {
            caption: Some(caption),
            header,
            rows,
            row_header: true,
        },
        page,
    );
}

// ---------------------------------------------------------------------------------------------
// Sign-off
// ---------------------------------------------------------------------------------------------

/// One table per party: its heading, then for each person lines for name, title, signature and
/// date (name and title filled in when known).
fn sign_off(out: &mut String, s: &SignOff, page: &Page) {
    let total = page.text_width().min(9072);
    let label = 1985u32.min(total / 3);
    let blank = [SignLine::default()];
    for party in &s.parties {
        let _ = write!(
            out,
            "<w:tbl><w:tblPr><w:tblStyle w:val=\"SignOffTable\"/><w:tblW w:w=\"{total}\" w:type=\"dxa\"/>\
<w:tblLayout w:type=\"fixed\"/>\
<w:tblLook w:val=\"0000\" w:firstRow=\"0\" w:lastRow=\"0\" w:firstColumn=\"0\" w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>\
<w:tblCaption w:val=\"{}\"/></w:tblPr>\
<w:tblGrid><w:gridCol w:w=\"{label}\"/><w:gridCol w:w=\"{}\"/></w:tblGrid>",
            escape(&format!("Signatures: {}", single_line(&party.heading))),
            total - label
        );
        let _ = write!(
            out,
            "<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w=\"{total}\" w:type=\"dxa\"/><w:gridSpan w:val=\"2\"/></w:tcPr>"
        );
        paragraph(out, "SignOffHeading", "", |o| {
            run(o, &single_line(&party.heading), None);
        });
        out.push_str("</w:tc></w:tr>");
        let people: &[SignLine] = if party.signatories.is_empty() {
            &blank
        } else {
            &party.signatories
        };
        for person in people {
            let mut rows: Vec<(&str, Option<&str>, u32)> =
                vec![("Name", person.name.as_deref(), 560)];
            match (&person.name, &person.title) {
                (_, Some(t)) => rows.push(("Title", Some(t), 560)),
                (None, None) => rows.push(("Title", None, 560)),
                (Some(_), None) => {}
            }
            rows.push(("Signature", None, 900));
            rows.push(("Date", None, 560));
            for (name, value, height) in rows {
                let _ = write!(
                    out,
                    "<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val=\"{height}\" w:hRule=\"atLeast\"/></w:trPr>\
<w:tc><w:tcPr><w:tcW w:w=\"{label}\" w:type=\"dxa\"/><w:vAlign w:val=\"bottom\"/></w:tcPr>"
                );
                paragraph(out, "SignOffLabel", "", |o| run(o, name, None));
                let _ = write!(
                    out,
                    "</w:tc><w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/><w:vAlign w:val=\"bottom\"/></w:tcPr>",
                    total - label
                );
                paragraph(out, "SignOffLine", "", |o| {
                    run(o, &single_line(value.unwrap_or("")), None);
                });
                out.push_str("</w:tc></w:tr>");
            }
        }
        out.push_str("</w:tbl>");
        spacer(out);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn ext(line: usize, word: usize) -> Extent {
        Extent { line, word }
    }

    #[test]
    fn widths_fill_the_page_when_text_is_long() {
        let w = column_widths(&[ext(40, 10), ext(200, 12), ext(200, 12)], 14570);
        assert_eq!(w.iter().sum::<u32>(), 14570);
        assert!(w[1] > w[0] && w[2] > w[0], "{w:?}");
    }

    #[test]
    fn short_tables_are_narrower_but_at_least_half_the_page() {
        let w = column_widths(&[ext(10, 10), ext(3, 3)], 9638);
        assert_eq!(w.iter().sum::<u32>(), 9638 / 2);
        assert!(w[0] > w[1]);
    }

    #[test]
    fn many_columns_shrink_to_fit() {
        let w = column_widths(&vec![ext(60, 30); 20], 9638);
        assert_eq!(w.iter().sum::<u32>(), 9638);
    }

    #[test]
    fn wide_tables_split_and_repeat_the_row_heading() {
        assert_eq!(column_parts(3, true, 8), vec![vec![0, 1, 2]]);
        assert_eq!(
            column_parts(6, true, 3),
            vec![vec![0, 1, 2], vec![0, 3, 4], vec![0, 5]]
        );
        assert_eq!(
            column_parts(5, false, 2),
            vec![vec![0, 1], vec![2, 3], vec![4]]
        );
    }
}
