//! A single self-contained HTML file from a [`Document`]: inline style, no scripts, no external
//! resources, printable.

use std::fmt::Write as _;

use super::document::{Block, Chart, Document, Inline, SignOff, Table};

/// Colours of the stacked parts of a chart, in order. Each has at least 4.5:1 contrast against
/// white, so bars stay distinct from the page and from each other's labels.
const SERIES_COLOURS: [&str; 4] = ["#1f5fa8", "#a34f00", "#2b6b2f", "#6a3d9a"];

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 2rem 1.5rem 3rem;
  font-family: "Segoe UI", system-ui, -apple-system, Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 1rem; line-height: 1.5; color: #1a1a1a; background: #ffffff; }
h1, h2, h3 { line-height: 1.25; color: #0d2a4a; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; }
h2 { font-size: 1.4rem; margin: 2.25rem 0 .75rem; padding-bottom: .25rem; border-bottom: 2px solid #c9d3df; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
p { margin: .5rem 0; max-width: 48rem; }
.subtitle { font-size: 1.15rem; color: #3d4652; margin: 0 0 1rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 1.5rem; }
dl.meta dt { font-weight: 600; color: #3d4652; }
dl.meta dd { margin: 0; }
.note { border-left: 4px solid #a34f00; background: #fff6e5; color: #1a1a1a; padding: .5rem .85rem; margin: .75rem 0; max-width: 48rem; }
.table-wrap { overflow-x: auto; margin: .75rem 0 1.25rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 .35rem; color: #3d4652; }
th, td { border: 1px solid #b8c2cc; padding: .4rem .55rem; text-align: left; vertical-align: top; }
thead th { background: #e8eef5; color: #0d2a4a; }
tbody th { background: #f5f7fa; font-weight: 600; }
td.tone-muted { color: #4a525c; background: #f3f4f6; }
td.tone-attention { background: #fff4d6; color: #1a1a1a; }
td.tone-problem { background: #fde8e8; color: #7a0f0f; font-weight: 600; }
figure.chart { margin: 1rem 0 1.5rem; max-width: 44rem; }
figure.chart svg { width: 100%; height: auto; }
.signoff { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1.5rem; margin: 1rem 0; }
.signoff-party { border: 1px solid #b8c2cc; padding: .75rem 1rem 1rem; }
.signoff-party h3 { margin-top: 0; }
.signatory { margin: .75rem 0 0; }
.line { display: flex; align-items: flex-end; gap: .5rem; margin: 1.1rem 0 0; }
.line .label { min-width: 5.5rem; color: #3d4652; }
.line .blank { flex: 1; border-bottom: 1px solid #1a1a1a; min-height: 1.4rem; }
.line .filled { flex: 1; border-bottom: 1px solid #b8c2cc; }
footer.notes { margin-top: 2.5rem; font-size: .88rem; color: #3d4652; border-top: 1px solid #c9d3df; }
footer.notes h2 { font-size: 1rem; border: 0; margin-top: 1rem; }
@media print {
  @page { size: A4; margin: 15mm; }
  html, body { background: #ffffff; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.new-page { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  .table-wrap { overflow: visible; }
  table { font-size: 9pt; }
  thead { display: table-header-group; }
  tr, .signoff-party, .note, figure.chart { break-inside: avoid; page-break-inside: avoid; }
}
"#;

const LANDSCAPE: &str = "@media print { @page { size: A4 landscape; } }\n";

/// The document as one HTML file.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"demarc\">\n");
    let _ = writeln!(out, "<title>{}</title>", escape(&page_title(doc)));
    out.push_str("<style>");
    out.push_str(STYLE);
    if doc.landscape {
        out.push_str(LANDSCAPE);
    }
    out.push_str("</style>\n</head>\n<body>\n<header>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&doc.title));
    if let Some(sub) = &doc.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", text_with_breaks(sub));
    }
    if !doc.meta.is_empty() {
        out.push_str("<dl class=\"meta\">\n");
        for m in &doc.meta {
            let _ = writeln!(
                out,
                "<dt>{}</dt><dd>{}</dd>",
                escape(&m.label),
                text_with_breaks(&m.value)
            );
        }
        out.push_str("</dl>\n");
    }
    out.push_str("</header>\n<main>\n");
    let mut charts = 0usize;
    for (i, section) in doc.sections.iter().enumerate() {
        let class = if section.new_page && i > 0 {
            " class=\"new-page\""
        } else {
            ""
        };
        let _ = writeln!(out, "<section{class}>");
        let _ = writeln!(out, "<h2>{}</h2>", escape(&section.heading));
        for block in &section.blocks {
            render_block(&mut out, block, &mut charts);
        }
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    if !doc.notes.is_empty() {
        out.push_str("<footer class=\"notes\">\n<h2>Notes</h2>\n<ol>\n");
        for n in &doc.notes {
            let _ = writeln!(out, "<li>{}</li>", text_with_breaks(n));
        }
        out.push_str("</ol>\n</footer>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn page_title(doc: &Document) -> String {
    match &doc.subtitle {
        Some(sub) if !sub.trim().is_empty() => {
            format!(
                "{} — {}",
                doc.title,
                sub.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        }
        _ => doc.title.clone(),
    }
}

/// Escape text for HTML content and attribute values.
pub fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 8);
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escaped text with newlines as `<br>`.
fn text_with_breaks(t: &str) -> String {
    let lines: Vec<String> = t.lines().map(escape).collect();
    lines.join("<br>")
}

fn inlines(items: &[Inline]) -> String {
    let mut s = String::new();
    for i in items {
        match i {
            Inline::Text(t) => s.push_str(&text_with_breaks(t)),
            Inline::Strong(t) => {
                let _ = write!(s, "<strong>{}</strong>", text_with_breaks(t));
            }
            Inline::Emphasis(t) => {
                let _ = write!(s, "<em>{}</em>", text_with_breaks(t));
            }
        }
    }
    s
}

fn render_block(out: &mut String, block: &Block, charts: &mut usize) {
    match block {
        Block::Heading(h) => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(h));
        }
        Block::Paragraph(items) => {
            let _ = writeln!(out, "<p>{}</p>", inlines(items));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", inlines(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Table(t) => table(out, t),
        Block::Chart(c) => {
            *charts += 1;
            chart(out, c, *charts);
        }
        Block::SignOff(s) => sign_off(out, s),
        Block::Note(items) => {
            let _ = writeln!(
                out,
                "<p class=\"note\" role=\"note\">{}</p>",
                inlines(items)
            );
        }
    }
}

fn table(out: &mut String, t: &Table) {
    let width = t
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(t.header.len()))
        .max()
        .unwrap_or(0);
    out.push_str("<div class=\"table-wrap\">\n<table>\n");
    if let Some(c) = &t.caption {
        let _ = writeln!(out, "<caption>{}</caption>", escape(c));
    }
    if !t.header.is_empty() {
        out.push_str("<thead>\n<tr>");
        for i in 0..width {
            let h = t.header.get(i).map_or("", String::as_str);
            let _ = write!(out, "<th scope=\"col\">{}</th>", text_with_breaks(h));
        }
        out.push_str("</tr>\n</thead>\n");
    }
    out.push_str("<tbody>\n");
    for row in &t.rows {
        out.push_str("<tr>");
        for i in 0..width {
            let (text, tone) = row.get(i).map_or(("", super::document::Tone::Plain), |c| {
                (c.text.as_str(), c.tone)
            });
            let class = match tone {
                super::document::Tone::Plain => String::new(),
                other => format!(" class=\"tone-{}\"", other.as_str()),
            };
            if t.row_header && i == 0 {
                let _ = write!(
                    out,
                    "<th scope=\"row\"{class}>{}</th>",
                    text_with_breaks(text)
                );
            } else {
                let _ = write!(out, "<td{class}>{}</td>", text_with_breaks(text));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// Shorten a label to fit the label column of a chart (the full text is in the description).
fn fit(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// An inline SVG of horizontal (stacked) bars, with text labels and values.
fn chart(out: &mut String, c: &Chart, n: usize) {
    const WIDTH: f64 = 640.0;
    const LABEL_W: f64 = 190.0;
    const BAR_X: f64 = 200.0;
    const BAR_MAX: f64 = 370.0;
    const ROW_H: f64 = 30.0;
    const BAR_H: f64 = 18.0;
    const TOP: f64 = 34.0;

    out.push_str("<figure class=\"chart\">\n");
    let max = c.bars.iter().map(|b| b.total()).max().unwrap_or(0);
    if c.bars.is_empty() || max == 0 {
        let _ = writeln!(out, "<figcaption>{}</figcaption>", escape(&c.title));
        out.push_str("<p>Nothing to show yet.</p>\n</figure>\n");
        return;
    }
    let unit = if c.unit.is_empty() {
        String::new()
    } else {
        format!(" {}", c.unit)
    };
    let desc: Vec<String> = c
        .bars
        .iter()
        .map(|b| {
            let parts: Vec<String> = c
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{} {s}", b.values.get(i).copied().unwrap_or(0)))
                .collect();
            if parts.len() > 1 {
                format!(
                    "{}: {}{unit} in all ({})",
                    b.label,
                    b.total(),
                    parts.join(", ")
                )
            } else {
                format!("{}: {}{unit}", b.label, b.total())
            }
        })
        .collect();
    let height = TOP + ROW_H * c.bars.len() as f64 + 6.0;
    let id = format!("chart-{n}");
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" font-family=\"Segoe UI, system-ui, Arial, sans-serif\" font-size=\"13\">"
    );
    let _ = writeln!(out, "<title id=\"{id}-title\">{}</title>", escape(&c.title));
    let _ = writeln!(
        out,
        "<desc id=\"{id}-desc\">{}</desc>",
        escape(&desc.join("; "))
    );
    out.push_str("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");

    // Legend.
    let mut x = BAR_X;
    for (i, s) in c.series.iter().enumerate() {
        let colour = SERIES_COLOURS[i % SERIES_COLOURS.len()];
        let _ = writeln!(
            out,
            "<rect x=\"{x:.1}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"16\" fill=\"#1a1a1a\">{}</text>",
            x + 16.0,
            escape(s)
        );
        x += 16.0 + 7.5 * s.chars().count() as f64 + 18.0;
    }

    let scale = BAR_MAX / max as f64;
    for (row, b) in c.bars.iter().enumerate() {
        let y = TOP + ROW_H * row as f64;
        let text_y = y + BAR_H / 2.0 + 4.5;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{text_y:.1}\" text-anchor=\"end\" fill=\"#1a1a1a\">{}</text>",
            LABEL_W,
            escape(&fit(&b.label, 26))
        );
        let mut x = BAR_X;
        for (i, &v) in b.values.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let w = v as f64 * scale;
            let colour = SERIES_COLOURS[i % SERIES_COLOURS.len()];
            let name = c.series.get(i).map_or("", String::as_str);
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{BAR_H}\" fill=\"{colour}\"><title>{}: {v} {}</title></rect>",
                escape(&b.label),
                escape(name)
            );
            x += w;
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{text_y:.1}\" fill=\"#1a1a1a\">{}</text>",
            x + 6.0,
            b.total()
        );
    }
    out.push_str("</svg>\n");
    let _ = writeln!(
        out,
        "<figcaption>{}{}</figcaption>",
        escape(&c.title),
        escape(&if c.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.unit)
        })
    );
    out.push_str("</figure>\n");
}

fn sign_off(out: &mut String, s: &SignOff) {
    out.push_str("<div class=\"signoff\">\n");
    for party in &s.parties {
        out.push_str("<div class=\"signoff-party\">\n");
        let _ = writeln!(out, "<h3>{}</h3>", escape(&party.heading));
        for person in &party.signatories {
            out.push_str("<div class=\"signatory\">\n");
            line(out, "Name", person.name.as_deref());
            match (&person.name, &person.title) {
                (_, Some(t)) => line(out, "Title", Some(t)),
                (None, None) => line(out, "Title", None),
                (Some(_), None) => {}
            }
            line(out, "Signature", None);
            line(out, "Date", None);
            out.push_str("</div>\n");
        }
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
}

fn line(out: &mut String, label: &str, value: Option<&str>) {
    match value {
        Some(v) => {
            let _ = writeln!(
                out,
                "<div class=\"line\"><span class=\"label\">{}</span><span class=\"filled\">{}</span></div>",
                escape(label),
                escape(v)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "<div class=\"line\"><span class=\"label\">{}</span><span class=\"blank\" aria-label=\"{} (to fill in)\"></span></div>",
                escape(label),
                escape(label)
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn fits_long_labels() {
        assert_eq!(fit("short", 26), "short");
        assert_eq!(fit("abcdefghij", 5).chars().count(), 5);
    }
}
