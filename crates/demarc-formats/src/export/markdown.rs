//! GitHub-flavoured Markdown from a [`Document`].

use std::fmt::Write as _;

use super::document::{Bar, Block, Chart, Document, Inline, SignOff, Table, TableCell};

/// The document as Markdown, ending with a newline.
pub fn render(doc: &Document) -> String {
    let mut out = String::new();
    push_block(&mut out, &format!("# {}", escape_line(&doc.title, true)));
    if let Some(sub) = &doc.subtitle {
        push_block(&mut out, &paragraph_text(sub));
    }
    if !doc.meta.is_empty() {
        let lines: Vec<String> = doc
            .meta
            .iter()
            .map(|m| {
                format!(
                    "- **{}:** {}",
                    escape_line(&m.label, false),
                    single_line(&m.value)
                )
            })
            .collect();
        push_block(&mut out, &lines.join("\n"));
    }
    for section in &doc.sections {
        push_block(&mut out, &format!("## {}", single_line(&section.heading)));
        for block in &section.blocks {
            render_block(&mut out, block);
        }
    }
    if !doc.notes.is_empty() {
        push_block(&mut out, "---");
        push_block(&mut out, "**Notes**");
        let lines: Vec<String> = doc
            .notes
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{}. {}", i + 1, single_line(n)))
            .collect();
        push_block(&mut out, &lines.join("\n"));
    }
    out
}

fn push_block(out: &mut String, block: &str) {
    if block.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(block);
    out.push('\n');
}

fn render_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading(h) => push_block(out, &format!("### {}", single_line(h))),
        Block::Paragraph(inlines) => push_block(out, &inlines_text(inlines)),
        Block::List(items) => {
            let lines: Vec<String> = items
                .iter()
                .map(|item| format!("- {}", inlines_text(item).replace("\\\n", "\\\n  ")))
                .collect();
            push_block(out, &lines.join("\n"));
        }
        Block::Table(t) => push_block(out, &table(t)),
        Block::Chart(c) => push_block(out, &chart(c)),
        Block::SignOff(s) => sign_off(out, s),
        Block::Note(inlines) => {
            let text = inlines_text(inlines);
            let quoted: Vec<String> = text.lines().map(|l| format!("> {l}")).collect();
            push_block(out, &quoted.join("\n"));
        }
    }
}

fn inlines_text(inlines: &[Inline]) -> String {
    let mut s = String::new();
    for (i, inline) in inlines.iter().enumerate() {
        let at_start = i == 0;
        match inline {
            Inline::Text(t) => s.push_str(&multi_line(t, at_start)),
            Inline::Strong(t) if !t.trim().is_empty() => wrap(&mut s, t, "**", at_start),
            Inline::Emphasis(t) if !t.trim().is_empty() => wrap(&mut s, t, "*", at_start),
            Inline::Strong(t) | Inline::Emphasis(t) => s.push_str(&multi_line(t, at_start)),
        }
    }
    s
}

/// Emphasis markers must hug their text: keep spaces around it outside them.
fn wrap(s: &mut String, t: &str, marker: &str, at_start: bool) {
    if t.starts_with(char::is_whitespace) {
        s.push(' ');
    }
    let _ = write!(
        s,
        "{marker}{}{marker}",
        multi_line(t.trim(), at_start && !t.starts_with(char::is_whitespace))
    );
    if t.ends_with(char::is_whitespace) {
        s.push(' ');
    }
}

fn paragraph_text(t: &str) -> String {
    multi_line(t, true)
}

/// Text over several lines: each line escaped, joined by hard line breaks; blank lines dropped
/// (they would end the paragraph).
fn multi_line(t: &str, at_start: bool) -> String {
    let lines: Vec<String> = t
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| escape_line(if i > 0 { l.trim_start() } else { l }, at_start || i > 0))
        .collect();
    lines.join("\\\n")
}

/// Text that must stay on one line (a heading, a list item, a meta value).
fn single_line(t: &str) -> String {
    let joined: Vec<&str> = t.split_whitespace().collect();
    escape_line(&joined.join(" "), false)
}

/// Escape Markdown syntax in one line of text. `line_start`: the text begins a line, where
/// `#`, `-`, `+` and `1.` would start a heading or a list.
fn escape_line(t: &str, line_start: bool) -> String {
    let mut out = String::with_capacity(t.len() + 8);
    let chars: Vec<char> = t.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '&' if looks_like_entity(&chars[i + 1..]) => out.push_str("\\&"),
            '#' | '-' | '+' | '=' if i == 0 && line_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if line_start && i > 0 && chars[..i].iter().all(char::is_ascii_digit) => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// `&name;` or `&#123;` follows: Markdown would read it as a character reference.
fn looks_like_entity(rest: &[char]) -> bool {
    let body: Vec<&char> = rest.iter().take_while(|c| **c != ';').take(33).collect();
    !body.is_empty()
        && body.len() < 33
        && rest.get(body.len()) == Some(&';')
        && body
            .iter()
            .enumerate()
            .all(|(i, c)| c.is_ascii_alphanumeric() || (i == 0 && **c == '#'))
}

/// A table cell: one line, `|` escaped, line breaks as `<br>`.
fn cell(t: &str) -> String {
    let lines: Vec<String> = t.lines().map(|l| escape_line(l.trim(), false)).collect();
    let s = lines.join("<br>");
    if s.is_empty() { " ".to_owned() } else { s }
}

fn table(t: &Table) -> String {
    let width = t
        .rows
        .iter()
        .map(Vec::len)
        .chain(std::iter::once(t.header.len()))
        .max()
        .unwrap_or(0)
        .max(1);
    let mut lines = Vec::new();
    if let Some(c) = &t.caption {
        lines.push(format!("*{}*", single_line(c)));
        lines.push(String::new());
    }
    let header: Vec<String> = (0..width)
        .map(|i| t.header.get(i).map_or_else(|| " ".to_owned(), |h| cell(h)))
        .collect();
    lines.push(format!("| {} |", header.join(" | ")));
    lines.push(format!("|{}|", vec!["---"; width].join("|")));
    for row in &t.rows {
        let cells: Vec<String> = (0..width)
            .map(|i| {
                row.get(i).map_or_else(
                    || " ".to_owned(),
                    |c: &TableCell| {
                        let text = cell(&c.text);
                        if t.row_header && i == 0 && !c.text.trim().is_empty() {
                            format!("**{text}**")
                        } else {
                            text
                        }
                    },
                )
            })
            .collect();
        lines.push(format!("| {} |", cells.join(" | ")));
    }
    lines.join("\n")
}

/// A chart as a table of its values (Markdown has no charts).
fn chart(c: &Chart) -> String {
    let mut header = vec![String::new()];
    header.extend(c.series.iter().cloned());
    if c.series.len() != 1 {
        header.push("Total".to_owned());
    }
    let rows = c
        .bars
        .iter()
        .map(|b: &Bar| {
            let mut row: Vec<TableCell> = vec![b.label.as_str().into()];
            for i in 0..c.series.len().max(b.values.len()) {
                row.push(b.values.get(i).copied().unwrap_or(0).to_string().into());
            }
            if c.series.len() != 1 {
                row.push(b.total().to_string().into());
            }
            row
        })
        .collect();
    let title = if c.unit.is_empty() {
        c.title.clone()
    } else {
        format!("{} ({})", c.title, c.unit)
    };
    table(&Table {
        caption: Some(title),
        header,
        rows,
        row_header: true,
    })
}

fn sign_off(out: &mut String, s: &SignOff) {
    for party in &s.parties {
        push_block(out, &format!("**{}**", single_line(&party.heading)));
        for person in &party.signatories {
            let name = person
                .name
                .as_deref()
                .map_or_else(|| "______________________________".to_owned(), single_line);
            let title = match (&person.name, &person.title) {
                (_, Some(t)) => single_line(t),
                (None, None) => "______________________________".to_owned(),
                (Some(_), None) => String::new(),
            };
            let mut lines = vec![format!("Name: {name}")];
            if !title.is_empty() {
                lines.push(format!("Title: {title}"));
            }
            lines.push("Signature: ______________________________".to_owned());
            lines.push("Date: ________________".to_owned());
            push_block(out, &lines.join("  \n"));
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_syntax() {
        assert_eq!(escape_line("a|b", false), "a\\|b");
        assert_eq!(escape_line("<script>", false), "\\<script\\>");
        assert_eq!(escape_line("# not a heading", true), "\\# not a heading");
        assert_eq!(escape_line("# inline", false), "# inline");
        assert_eq!(escape_line("1. item", true), "1\\. item");
        assert_eq!(escape_line("A & B &amp; C", false), "A & B \\&amp; C");
        assert_eq!(escape_line("*bold* _it_", false), "\\*bold\\* \\_it\\_");
    }

    #[test]
    fn cells_keep_to_one_line() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(cell(""), " ");
    }
}
