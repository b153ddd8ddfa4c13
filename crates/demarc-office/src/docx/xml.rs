//! Writing WordprocessingML as text: escaping, and runs of text with line breaks and tabs.

use std::fmt::Write as _;

/// The namespaces every part of the main document uses.
pub(super) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
pub(super) const R_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The declaration every part starts with.
pub(super) const DECLARATION: &str =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// Whether a character may appear in the document. XML 1.0 forbids most control characters
/// (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF); the other invisible control
/// characters (DEL and U+0080–U+009F) are allowed by XML but mean nothing to a reader and upset
/// some word processors, so they are left out too. Tabs and line ends are handled by the caller.
fn kept(c: char) -> bool {
    !matches!(
        c,
        '\u{0}'..='\u{8}'
            | '\u{B}'
            | '\u{C}'
            | '\u{E}'..='\u{1F}'
            | '\u{7F}'..='\u{9F}'
            | '\u{FFFE}'
            | '\u{FFFF}'
    )
}

/// Text made safe for XML content and attribute values: the five special characters escaped,
/// forbidden characters left out. Tabs and line ends become spaces (use [`runs`] to keep them).
pub(super) fn escape(t: &str) -> String {
    let mut out = String::with_capacity(t.len() + 8);
    push_escaped(&mut out, t);
    out
}

fn push_escaped(out: &mut String, t: &str) {
    for c in t.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if kept(c) => out.push(c),
            _ => {}
        }
    }
}

/// Text on one line: characters that cannot be written are left out, then runs of white space
/// (line breaks included) become one space.
pub(super) fn single_line(t: &str) -> String {
    let kept: String = t.chars().filter(|&c| kept(c)).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The lines of a text: `\r\n`, `\n` and a lone `\r` all end a line; a final line end does not
/// start another line (as [`str::lines`]).
pub(super) fn lines(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        match rest.find(['\n', '\r']) {
            Some(i) => {
                out.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = &rest[i + skip..];
            }
            None => {
                out.push(rest);
                rest = "";
            }
        }
    }
    out
}

/// One run (`w:r`) of text in a character style (or none): line ends become `w:br`, tabs
/// `w:tab`. Empty text writes nothing.
pub(super) fn run(out: &mut String, text: &str, char_style: Option<&str>) {
    if text.is_empty() {
        return;
    }
    out.push_str("<w:r>");
    if let Some(s) = char_style {
        let _ = write!(out, "<w:rPr><w:rStyle w:val=\"{s}\"/></w:rPr>");
    }
    for (i, line) in lines(text).into_iter().enumerate() {
        if i > 0 {
            out.push_str("<w:br/>");
        }
        for (j, part) in line.split('\t').enumerate() {
            if j > 0 {
                out.push_str("<w:tab/>");
            }
            if !part.is_empty() {
                out.push_str("<w:t xml:space=\"preserve\">");
                push_escaped(out, part);
                out.push_str("</w:t>");
            }
        }
    }
    out.push_str("</w:r>");
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn escapes_the_five_and_drops_forbidden_characters() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(
            escape("a\u{0}b\u{8}c\u{B}d\u{1F}e\u{FFFF}f\u{85}g"),
            "abcdefg"
        );
        assert_eq!(escape("tab\there"), "tab here");
        assert_eq!(escape("😀 שלום"), "😀 שלום");
        assert_eq!(single_line(" a \u{0} \n\u{85}b\t c "), "a b c");
    }

    #[test]
    fn splits_lines_like_str_lines_and_lone_carriage_returns() {
        assert_eq!(lines("a\nb\r\nc\rd\n"), vec!["a", "b", "c", "d"]);
        assert_eq!(lines("a\n\nb"), vec!["a", "", "b"]);
        assert!(lines("").is_empty());
    }

    #[test]
    fn runs_carry_breaks_tabs_and_styles() {
        let mut s = String::new();
        run(&mut s, "one\ntwo\tthree", Some("Strong"));
        assert_eq!(
            s,
            "<w:r><w:rPr><w:rStyle w:val=\"Strong\"/></w:rPr>\
             <w:t xml:space=\"preserve\">one</w:t><w:br/>\
             <w:t xml:space=\"preserve\">two</w:t><w:tab/>\
             <w:t xml:space=\"preserve\">three</w:t></w:r>"
        );
        let mut empty = String::new();
        run(&mut empty, "", None);
        assert!(empty.is_empty());
    }
}
