//! Cell references checked before the XLSX parser sees them.
//!
//! calamine turns `A1`-style references into numbers with plain arithmetic: a reference with
//! too many letters or digits (`AAAAAAAAA1`), or a range that ends before it starts (`B2:A1`),
//! overflows. A release build wraps silently and misplaces the cell; a debug build panics. No
//! real workbook has either, so a workbook that does is damaged, and this says so by name
//! before anything is parsed. The scan reads every XML part of the archive once, as a stream,
//! and looks only inside tags (never at cell text), at the attributes the parser reads as
//! references: `r` of `<c>` and `<row>`, `ref` of `<dimension>`, `<mergeCell>` and
//! `<hyperlink>`.

use std::io::{BufRead, BufReader, Cursor, Read};

use super::{MAX_COLUMNS, MAX_ROWS, MAX_UNPACKED_BYTES, WorkbookError};

/// The longest tag kept for reading its attributes; the tags that matter are short.
const MAX_TAG: usize = 4096;

/// Check every XML part of the archive; the first bad reference is the error.
pub(super) fn check(bytes: &[u8]) -> Result<(), WorkbookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| WorkbookError::NotXlsx(format!("not a readable ZIP container: {e}")))?;
    for i in 0..zip.len() {
        let part = zip
            .by_index(i)
            .map_err(|e| WorkbookError::Corrupt(e.to_string()))?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        if !name.to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        // The declared sizes were checked; a part that lies about its size stops here.
        let reader = BufReader::new(part.take(MAX_UNPACKED_BYTES));
        if let Some(bad) =
            scan(reader).map_err(|e| WorkbookError::Corrupt(format!("{name}: {e}")))?
        {
            return Err(WorkbookError::Corrupt(format!("{name}: {bad}")));
        }
    }
    Ok(())
}

/// Read one XML part; `Some(problem)` for the first bad reference.
fn scan(mut r: impl BufRead) -> std::io::Result<Option<String>> {
    let mut in_tag = false;
    let mut quote: Option<u8> = None;
    let mut tag: Vec<u8> = Vec::with_capacity(256);
    let mut tag_len = 0usize;
    // The last two bytes of the tag so far, to find the end of a comment or CDATA section.
    let mut tail = [0u8; 2];
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let n = buf.len();
        for &b in buf {
            if !in_tag {
                if b == b'<' {
                    in_tag = true;
                    quote = None;
                    tag.clear();
                    tag_len = 0;
                    tail = [0, 0];
                }
                continue;
            }
            let special = tag.starts_with(b"!--") || tag.starts_with(b"![CDATA[");
            if b == b'>' && quote.is_none() {
                let done = if tag.starts_with(b"!--") {
                    tag_len >= 5 && tail == *b"--"
                } else if tag.starts_with(b"![CDATA[") {
                    tail == *b"]]"
                } else {
                    true
                };
                if done {
                    in_tag = false;
                    if tag_len <= MAX_TAG
                        && let Some(problem) = check_tag(&tag)
                    {
                        return Ok(Some(problem));
                    }
                    continue;
                }
            }
            if !special {
                match quote {
                    Some(q) if b == q => quote = None,
                    None if b == b'"' || b == b'\'' => quote = Some(b),
                    _ => {}
                }
            }
            tag_len += 1;
            if tag.len() < MAX_TAG + 1 {
                tag.push(b);
            }
            tail = [tail[1], b];
        }
        r.consume(n);
    }
}

/// The problem with one tag's references, if any. `tag` is what stands between `<` and `>`.
fn check_tag(tag: &[u8]) -> Option<String> {
    if matches!(tag.first(), None | Some(b'/' | b'!' | b'?')) {
        return None;
    }
    let name_end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(tag.len());
    let name = &tag[..name_end];
    let local = name.rsplit(|b| *b == b':').next().unwrap_or(name);
    let (attr, range) = match local {
        b"c" | b"row" => (&b"r"[..], false),
        b"dimension" | b"mergeCell" | b"hyperlink" => (&b"ref"[..], true),
        _ => return None,
    };
    let value = attribute(&tag[name_end..], attr)?;
    let value = String::from_utf8_lossy(value);
    let problem = if range {
        check_range(&value)
    } else {
        check_ref(&value).err()
    };
    problem.map(|p| {
        format!(
            "<{}> has {}=\"{}\": {p}",
            String::from_utf8_lossy(local),
            String::from_utf8_lossy(attr),
            shorten(&value)
        )
    })
}

/// The raw value of attribute `want` in `attrs` (the part of a tag after its name).
fn attribute<'a>(attrs: &'a [u8], want: &[u8]) -> Option<&'a [u8]> {
    let mut i = 0;
    let n = attrs.len();
    while i < n {
        while i < n && (attrs[i].is_ascii_whitespace() || attrs[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < n && attrs[i] != b'=' && !attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &attrs[start..i];
        while i < n && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n || attrs[i] != b'=' {
            // A name with no value: not XML, but not ours to judge.
            if i == start {
                i += 1;
            }
            continue;
        }
        i += 1;
        while i < n && attrs[i].is_ascii_whitespace() {
            i += 1;
        }
        let Some(&q) = attrs.get(i).filter(|q| **q == b'"' || **q == b'\'') else {
            continue;
        };
        i += 1;
        let vstart = i;
        while i < n && attrs[i] != q {
            i += 1;
        }
        let value = &attrs[vstart..i.min(n)];
        i += 1;
        if key == want {
            return Some(value);
        }
    }
    None
}

/// A cell reference (`B7`, or a row number alone): its 1-based (column, row) when it has the
/// A1 shape, column 0 for a row alone; `None` for anything else, which the parser itself
/// refuses without overflowing.
fn check_ref(s: &str) -> Result<Option<(u32, u32)>, String> {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    let digits = s[letters..].bytes().take_while(u8::is_ascii_digit).count();
    if letters + digits != s.len() || digits == 0 {
        return Ok(None);
    }
    let outside = || {
        format!("a cell outside the grid a workbook can have (column XFD, row {MAX_ROWS} at most)")
    };
    if letters > 3 || digits > 7 {
        return Err(outside());
    }
    let col = s[..letters].bytes().fold(0u32, |c, b| {
        c * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    let row: u32 = s[letters..].parse().map_err(|_| outside())?;
    if col > MAX_COLUMNS || row > MAX_ROWS {
        return Err(outside());
    }
    Ok(Some((col, row)))
}

/// A range (`A1:C9`) or one cell.
fn check_range(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(':').collect();
    let mut ends = Vec::with_capacity(2);
    for p in &parts {
        match check_ref(p) {
            Err(e) => return Some(e),
            Ok(end) => ends.push(end),
        }
    }
    if let [Some((c0, r0)), Some((c1, r1))] = ends[..]
        && (c1 < c0 || r1 < r0)
    {
        return Some("a range that ends before it starts".to_owned());
    }
    None
}

/// A value as a message shows it: at most 40 characters.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(40).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_str(s: &str) -> Option<String> {
        scan(s.as_bytes()).unwrap()
    }

    #[test]
    fn references_inside_the_grid_pass() {
        for ok in ["A1", "XFD1048576", "b7", "Z99", "AA100"] {
            assert_eq!(check_ref(ok).map(|r| r.is_some()), Ok(true), "{ok}");
        }
        assert_eq!(check_ref("12"), Ok(Some((0, 12))), "a row alone: column 0");
        assert_eq!(
            check_ref("$A$1"),
            Ok(None),
            "not the A1 shape: the parser refuses it"
        );
        assert_eq!(check_range("A1:XFD1048576"), None);
        assert_eq!(check_range("C3"), None);
    }

    #[test]
    fn references_outside_the_grid_or_backwards_are_named() {
        for bad in ["AAAAAAAAA1", "XFE1", "A1048577", "A99999999999", "AAAA1"] {
            assert!(check_ref(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_range("B2:A1").as_deref(),
            Some("a range that ends before it starts")
        );
        assert!(check_range("A1:ZZZZZZZZ9").is_some());
    }

    #[test]
    fn only_the_references_the_parser_reads_are_checked() {
        let sheet = r#"<?xml version="1.0"?><worksheet><dimension ref="A1:C3"/><sheetData>
            <row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><x:c r='B1'/></row>
            </sheetData></worksheet>"#;
        assert_eq!(scan_str(sheet), None);
        // Cell text, comments, CDATA and other elements' attributes are not references.
        let text = r#"<si><t>see &lt;c r="AAAAAAAAA1"&gt; or r="AAAAAAAAA1" > here</t></si>"#;
        assert_eq!(scan_str(text), None);
        assert_eq!(scan_str(r#"<!-- <c r="AAAAAAAAA1"> -->"#), None);
        assert_eq!(scan_str(r#"<![CDATA[ <c r="AAAAAAAAA1"> ]]>"#), None);
        assert_eq!(
            scan_str(r#"<selection sqref="B2:A1" r="AAAAAAAAA1"/>"#),
            None
        );
        // A '>' inside a quoted value does not end the tag.
        assert_eq!(scan_str(r#"<c t="a>b" r="A1"/>"#), None);
    }

    #[test]
    fn a_bad_reference_is_found_and_shown() {
        let sheet = r#"<worksheet><sheetData><row r="1"><c r="AAAAAAAAAAAAAAAA1"><v>1</v></c></row></sheetData></worksheet>"#;
        let problem = scan_str(sheet).unwrap();
        assert!(
            problem.starts_with("<c> has r=\"AAAAAAAAAAAAAAAA1\""),
            "{problem}"
        );
        assert!(scan_str(r#"<row r="99999999999">"#).is_some());
        assert!(scan_str(r#"<dimension ref="D4:A1"/>"#).is_some());
        assert!(scan_str(r#"<x:mergeCell ref="A1:AAAAAAAA2"/>"#).is_some());
    }
}
