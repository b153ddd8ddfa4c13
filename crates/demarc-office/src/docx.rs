//! A [`Document`] as a Word file (DOCX), for legal teams who edit the schedule in Word.
//!
//! The package is written by hand, as text: `[Content_Types].xml`, the package and document
//! relationships, core and application properties, the body (`word/document.xml`), named
//! styles (`word/styles.xml`), bullet and number lists (`word/numbering.xml`), settings, and a
//! footer with the title, version, date and "Page X of Y". Everything is laid out with styles
//! (Title, Subtitle, heading 1, heading 2, Note, List Bullet, Table text, Report table, ...) so
//! that changing a style changes the whole document; the only direct formatting is the light
//! shading of table cells that need attention (the text says the same) and page breaks.
//!
//! Pages are A4 with margins of 2 cm, in landscape when the document asks for it. Tables repeat
//! their header row on every page; a table with more columns than fit across the page is split
//! into parts that repeat its first column. A chart becomes a table of its numbers. Sign-off
//! blocks become one table per party with lines to sign on.
//!
//! The same document always gives the same bytes: parts in a fixed order, fixed timestamps in
//! the zip file, and dates in the properties taken from the document itself.

mod body;
mod parts;
mod xml;

use std::io::{Cursor, Write as _};

use demarc_formats::export::Document;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// Why a Word file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// The zip container could not be written (in memory, so this should not happen).
    #[error("could not write part \"{part}\" of the Word file: {message}")]
    Package { part: String, message: String },
}

/// The page: A4, portrait or landscape, in twentieths of a point.
#[derive(Clone, Copy, Debug)]
struct Page {
    width: u32,
    height: u32,
    landscape: bool,
}

impl Page {
    /// 2 cm.
    const MARGIN: u32 = 1134;
    const A4_SHORT: u32 = 11906;
    const A4_LONG: u32 = 16838;

    fn new(landscape: bool) -> Page {
        if landscape {
            Page {
                width: Page::A4_LONG,
                height: Page::A4_SHORT,
                landscape,
            }
        } else {
            Page {
                width: Page::A4_SHORT,
                height: Page::A4_LONG,
                landscape,
            }
        }
    }

    /// The width between the margins.
    fn text_width(&self) -> u32 {
        self.width - 2 * Page::MARGIN
    }
}

/// The names of the parts, in the order they are written.
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

/// The document as the bytes of a `.docx` file. The whole file is built in memory.
pub fn render(doc: &Document) -> Result<Vec<u8>, DocxError> {
    let page = Page::new(doc.landscape);
    let contents = [
        parts::content_types(),
        parts::package_rels(),
        parts::core(doc),
        parts::app(),
        body::document(doc, &page),
        parts::styles(),
        parts::numbering(),
        parts::settings(),
        parts::footer(doc, &page),
        parts::document_rels(),
    ];
    let options = SimpleFileOptions::DEFAULT
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::DEFAULT)
        .system(System::Unix)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, text) in PARTS.iter().zip(&contents) {
        let failed = |e: &dyn std::fmt::Display| DocxError::Package {
            part: (*name).to_owned(),
            message: e.to_string(),
        };
        zip.start_file(*name, options).map_err(|e| failed(&e))?;
        zip.write_all(text.as_bytes()).map_err(|e| failed(&e))?;
    }
    let cursor = zip.finish().map_err(|e| DocxError::Package {
        part: "the end of the file".to_owned(),
        message: e.to_string(),
    })?;
    Ok(cursor.into_inner())
}
