//! Workbooks as grids of text: an XLSX file (every sheet), or a CSV file as a workbook of one
//! sheet, read whole into memory with limits, and errors a person can act on.
//!
//! Every importer of this crate reads through here, so a corrupted, encrypted, old-format or
//! oversized file gets the same clear error whichever command reads it, and a row-level problem
//! is always reported the same way: sheet, row, column letter and header, what was expected
//! ([`CellError`]).

use std::fmt;
use std::io::{Cursor, Read};

mod refs;

use calamine::{DataRef, Reader, SheetVisible, Xlsx, XlsxError};
use demarc_core::Date;

/// The largest file read (a workbook of a few thousand services is a few megabytes).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The most the parts of a workbook may unpack to: a guard against "zip bombs".
pub const MAX_UNPACKED_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The most non-empty cells read from one workbook.
pub const MAX_CELLS: u64 = 20_000_000;
/// The largest row and column numbers an XLSX sheet can have (Excel's own limits).
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: u32 = 16_384;

/// Why a file cannot be read as a workbook at all. The caller puts the file name in front.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error(
        "is not an XLSX workbook ({0}); save it from Excel or LibreOffice as \"Excel Workbook (.xlsx)\""
    )]
    NotXlsx(String),
    #[error(
        "is password-protected (encrypted), so it cannot be read; open it, remove the password (in Excel: File > Info > Protect Workbook > Encrypt with Password) and save it again"
    )]
    Encrypted,
    #[error(
        "is an old Excel 97-2003 workbook (.xls); open it and save it as \"Excel Workbook (.xlsx)\""
    )]
    OldXls,
    #[error("is too large: {what}; the limit is {limit}")]
    TooLarge { what: String, limit: String },
    #[error("cannot be read: the workbook is damaged ({0})")]
    Corrupt(String),
    #[error("is not UTF-8 text; save it as \"CSV UTF-8\"")]
    NotUtf8,
    #[error("cannot be read as CSV: {0}")]
    Csv(String),
}

/// One sheet: its cells as text, addressed by 0-based row and column as in the file (so row
/// numbers in messages are the ones a person sees in Excel).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    /// Hidden (or very hidden) in the workbook.
    pub hidden: bool,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    /// A sheet from rows of text (row 0 first).
    pub fn from_rows(name: impl Into<String>, rows: Vec<Vec<String>>) -> Sheet {
        Sheet {
            name: name.into(),
            hidden: false,
            rows,
        }
    }

    /// A CSV file as a sheet (named after the file). The first line is row 0.
    pub fn from_csv(name: impl Into<String>, bytes: &[u8]) -> Result<Sheet, WorkbookError> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large_file(bytes.len() as u64));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| WorkbookError::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        let mut cells = 0u64;
        for rec in rdr.records() {
            let rec = rec.map_err(|e| WorkbookError::Csv(e.to_string()))?;
            cells += rec.len() as u64;
            if cells > MAX_CELLS {
                return Err(too_many_cells());
            }
            rows.push(rec.iter().map(str::to_owned).collect());
        }
        Ok(Sheet::from_rows(name, rows))
    }

    /// The text of a cell; empty when there is nothing there.
    pub fn cell(&self, row: u32, col: u32) -> &str {
        self.rows
            .get(row as usize)
            .and_then(|r| r.get(col as usize))
            .map_or("", String::as_str)
    }

    /// The cells of one row (possibly shorter than other rows).
    pub fn row(&self, row: u32) -> &[String] {
        self.rows.get(row as usize).map_or(&[], Vec::as_slice)
    }

    /// The number of rows up to the last one with anything in it.
    pub fn height(&self) -> u32 {
        self.rows.len() as u32
    }

    /// Every row with its 0-based number.
    pub fn rows(&self) -> impl Iterator<Item = (u32, &[String])> {
        self.rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i as u32, r.as_slice()))
    }

    /// Whether a row has nothing in it but spaces.
    pub fn row_is_blank(&self, row: u32) -> bool {
        self.row(row).iter().all(|c| c.trim().is_empty())
    }

    /// The first row among the first `within` rows for which `pred` holds.
    pub fn find_row(&self, within: u32, pred: impl Fn(&[String]) -> bool) -> Option<u32> {
        self.rows()
            .take(within as usize)
            .find(|(_, r)| pred(r))
            .map(|(i, _)| i)
    }

    /// The first column of `row` whose text `pred` accepts (0-based).
    pub fn find_column(&self, row: u32, pred: impl Fn(&str) -> bool) -> Option<u32> {
        self.row(row).iter().position(|c| pred(c)).map(|i| i as u32)
    }

    /// An error about a cell of this sheet (`row` and `col` 0-based).
    pub fn error(
        &self,
        row: u32,
        col: Option<u32>,
        header: Option<&str>,
        message: impl Into<String>,
    ) -> CellError {
        CellError {
            sheet: self.name.clone(),
            row: row + 1,
            column: col,
            header: header.map(str::to_owned),
            message: message.into(),
        }
    }
}

/// All sheets of a workbook, in workbook order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Workbook {
    pub sheets: Vec<Sheet>,
}

impl Workbook {
    /// Read an XLSX file from its bytes.
    pub fn from_xlsx(bytes: &[u8]) -> Result<Workbook, WorkbookError> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large_file(bytes.len() as u64));
        }
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            // An OLE compound file: an encrypted XLSX or an old binary .xls.
            return Err(match Xlsx::new(Cursor::new(bytes)) {
                Err(XlsxError::Password) => WorkbookError::Encrypted,
                _ => WorkbookError::OldXls,
            });
        }
        if !bytes.starts_with(b"PK") {
            return Err(WorkbookError::NotXlsx(what_it_looks_like(bytes)));
        }
        check_unpacked_size(bytes)?;
        refs::check(bytes)?;
        let mut xlsx = Xlsx::new(Cursor::new(bytes)).map_err(open_error)?;
        let meta: Vec<(String, bool)> = xlsx
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.visible != SheetVisible::Visible))
            .collect();
        let mut sheets = Vec::with_capacity(meta.len());
        let mut cells_read = 0u64;
        for (name, hidden) in meta {
            let mut rows: Vec<Vec<String>> = Vec::new();
            let mut reader = match xlsx.worksheet_cells_reader(&name) {
                Ok(r) => r,
                // A chart sheet or a dialog sheet has no cells.
                Err(XlsxError::WorksheetNotFound(_)) => {
                    sheets.push(Sheet { name, hidden, rows });
                    continue;
                }
                Err(e) => return Err(sheet_error(&name, &e)),
            };
            loop {
                let cell = match reader.next_cell() {
                    Ok(Some(c)) => c,
                    Ok(None) => break,
                    Err(e) => return Err(sheet_error(&name, &e)),
                };
                let text = text_of(cell.get_value());
                if text.is_empty() {
                    continue;
                }
                let (r, c) = cell.get_position();
                if r >= MAX_ROWS || c >= MAX_COLUMNS {
                    return Err(WorkbookError::Corrupt(format!(
                        "sheet \"{name}\" has a cell outside the grid Excel allows"
                    )));
                }
                cells_read += 1;
                if cells_read > MAX_CELLS {
                    return Err(too_many_cells());
                }
                let (r, c) = (r as usize, c as usize);
                if rows.len() <= r {
                    rows.resize_with(r + 1, Vec::new);
                }
                let row = &mut rows[r];
                if row.len() <= c {
                    row.resize_with(c + 1, String::new);
                }
                row[c] = text;
            }
            sheets.push(Sheet { name, hidden, rows });
        }
        Ok(Workbook { sheets })
    }

    /// The sheet of this name (ignoring case and surrounding spaces).
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        let want = name.trim();
        self.sheets
            .iter()
            .find(|s| s.name.trim().eq_ignore_ascii_case(want))
    }

    /// The names of the sheets, for messages.
    pub fn sheet_names(&self) -> Vec<&str> {
        self.sheets.iter().map(|s| s.name.as_str()).collect()
    }
}

/// A problem with one row or cell: where it is, as a person finds it in the spreadsheet, and
/// what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellError {
    pub sheet: String,
    /// 1-based, as the spreadsheet shows it.
    pub row: u32,
    /// 0-based column, when the problem is in one cell.
    pub column: Option<u32>,
    /// The column's header, when it has one.
    pub header: Option<String>,
    pub message: String,
}

impl CellError {
    /// The column as Excel names it ("A", "AB").
    pub fn column_letter(&self) -> Option<String> {
        self.column.map(column_letter)
    }
}

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sheet \"{}\", row {}", self.sheet, self.row)?;
        match (self.column, &self.header) {
            (Some(c), Some(h)) => write!(f, ", column {} ({h})", column_letter(c))?,
            (Some(c), None) => write!(f, ", column {}", column_letter(c))?,
            (None, Some(h)) => write!(f, ", column {h}")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.message)
    }
}

/// A 0-based column number as Excel names it: 0 → "A", 25 → "Z", 26 → "AA".
pub fn column_letter(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        out.push(b'A' + rem);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// The text a person sees in a cell. Whole numbers have no ".0"; dates are `YYYY-MM-DD` (with
/// the time when there is one); booleans are TRUE / FALSE as Excel shows them.
fn text_of(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(true) => "TRUE".to_owned(),
        DataRef::Bool(false) => "FALSE".to_owned(),
        DataRef::DateTime(d) if d.is_datetime() => serial_date_text(d.as_f64()),
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => format!("{e}"),
    }
}

fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// An Excel date serial (1900 system: day 25569 is 1970-01-01) as `YYYY-MM-DD[ HH:MM]`.
fn serial_date_text(serial: f64) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return number_text(serial);
    }
    let days = serial.floor();
    let date = Date::from_unix_days(days as i64 - 25_569);
    let minutes = ((serial - days) * 1440.0).round() as i64;
    if minutes == 0 || minutes >= 1440 {
        date.to_string()
    } else {
        format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
    }
}

fn too_large_file(bytes: u64) -> WorkbookError {
    WorkbookError::TooLarge {
        what: format!("{} MiB", bytes / (1024 * 1024)),
        limit: format!("{} MiB", MAX_FILE_BYTES / (1024 * 1024)),
    }
}

fn too_many_cells() -> WorkbookError {
    WorkbookError::TooLarge {
        what: format!("more than {MAX_CELLS} filled cells"),
        limit: format!("{MAX_CELLS} cells"),
    }
}

/// Refuse a ZIP whose parts would unpack to more than [`MAX_UNPACKED_BYTES`], before unpacking.
fn check_unpacked_size(bytes: &[u8]) -> Result<(), WorkbookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| WorkbookError::NotXlsx(format!("not a readable ZIP container: {e}")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let part = zip
            .by_index_raw(i)
            .map_err(|e| WorkbookError::Corrupt(e.to_string()))?;
        total = total.saturating_add(part.size());
    }
    if total > MAX_UNPACKED_BYTES {
        return Err(WorkbookError::TooLarge {
            what: format!("it unpacks to {} MiB", total / (1024 * 1024)),
            limit: format!("{} MiB unpacked", MAX_UNPACKED_BYTES / (1024 * 1024)),
        });
    }
    let has_workbook = zip
        .file_names_raw()
        .any(|n| n.eq_ignore_ascii_case(b"xl/workbook.xml"));
    if !has_workbook {
        let mut docx = false;
        if let Ok(mut part) = zip.by_name("[Content_Types].xml") {
            let mut head = String::new();
            let _ = part.by_ref().take(64 * 1024).read_to_string(&mut head);
            docx = head.contains("wordprocessingml");
        }
        return Err(WorkbookError::NotXlsx(if docx {
            "it is a Word document".to_owned()
        } else {
            "a ZIP file with no workbook in it".to_owned()
        }));
    }
    Ok(())
}

fn open_error(e: XlsxError) -> WorkbookError {
    match e {
        XlsxError::Password => WorkbookError::Encrypted,
        other => WorkbookError::Corrupt(other.to_string()),
    }
}

fn sheet_error(name: &str, e: &XlsxError) -> WorkbookError {
    match e {
        XlsxError::Password => WorkbookError::Encrypted,
        other => WorkbookError::Corrupt(format!("sheet \"{name}\": {other}")),
    }
}

/// A short guess at what a file that is not a workbook is, for the error message.
fn what_it_looks_like(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(512)];
    if bytes.is_empty() {
        "the file is empty".to_owned()
    } else if head.starts_with(b"%PDF") {
        "it is a PDF file".to_owned()
    } else if std::str::from_utf8(head).is_ok() || head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        "it looks like text; for a CSV file use the .csv extension".to_owned()
    } else {
        "it does not start like a ZIP container".to_owned()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_are_excels() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16_383), "XFD");
    }

    #[test]
    fn numbers_and_dates_read_as_shown() {
        assert_eq!(number_text(3.0), "3");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(serial_date_text(46_349.0), "2026-11-23");
        assert_eq!(serial_date_text(46_349.5), "2026-11-23 12:00");
    }

    #[test]
    fn not_a_workbook_says_what_it_is() {
        assert!(matches!(
            Workbook::from_xlsx(b""),
            Err(WorkbookError::NotXlsx(m)) if m.contains("empty")
        ));
        assert!(matches!(
            Workbook::from_xlsx(b"service,responsibility\n"),
            Err(WorkbookError::NotXlsx(m)) if m.contains("text")
        ));
        assert!(matches!(
            Workbook::from_xlsx(b"PK\x03\x04garbage"),
            Err(WorkbookError::NotXlsx(_))
        ));
        let ole = [0xD0u8, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0];
        assert_eq!(Workbook::from_xlsx(&ole), Err(WorkbookError::OldXls));
    }

    #[test]
    fn a_workbook_reads_back_as_written() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let ws = book.add_worksheet();
        ws.set_name("Matrix").unwrap();
        ws.write_string(0, 0, "service").unwrap();
        ws.write_number(2, 3, 42.0).unwrap();
        ws.write_boolean(3, 1, true).unwrap();
        let hidden = book.add_worksheet();
        hidden.set_name("Lists").unwrap();
        hidden.write_string(1, 1, "x").unwrap();
        hidden.set_hidden(true);
        let bytes = book.save_to_buffer().unwrap();
        let wb = Workbook::from_xlsx(&bytes).unwrap();
        assert_eq!(wb.sheet_names(), ["Matrix", "Lists"]);
        let m = wb.sheet("matrix").unwrap();
        assert_eq!(m.cell(0, 0), "service");
        assert_eq!(m.cell(2, 3), "42");
        assert_eq!(m.cell(3, 1), "TRUE");
        assert_eq!(m.cell(9, 9), "");
        assert!(m.row_is_blank(1));
        assert!(!m.hidden);
        assert!(wb.sheet("Lists").unwrap().hidden);
        let e = m.error(4, Some(7), Some("kind"), "expected operate or oversee");
        assert_eq!(
            e.to_string(),
            "sheet \"Matrix\", row 5, column H (kind): expected operate or oversee"
        );
    }

    #[test]
    fn csv_is_a_sheet() {
        let s = Sheet::from_csv("caiq.csv", "\u{feff}a,b\n1,\"x, y\"\n".as_bytes()).unwrap();
        assert_eq!(s.cell(0, 0), "a");
        assert_eq!(s.cell(1, 1), "x, y");
        assert_eq!(
            Sheet::from_csv("x.csv", &[0xff, 0xfe]),
            Err(WorkbookError::NotUtf8)
        );
    }
}
