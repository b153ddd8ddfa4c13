//! PDF documents, typeset with Typst.
//!
//! [`render`] turns a format-neutral [`Document`] (the matrix, a contract schedule, the policy
//! annex or the board summary, built by `demarc_formats::export::build`) into the bytes of a
//! PDF: A4 (landscape for wide documents), a title block, headings, tables whose header row
//! repeats on every page, charts drawn as bars, signature blocks, and a footer with the title,
//! version, date and "Page X of Y" on every page.
//!
//! The document becomes Typst source first ([`source::source`]); all of its text is passed as
//! Typst string literals, never as markup. Only the fonts built into Typst are used (Libertinus
//! Serif for text), never the machine's, and nothing depends on the clock: the same document
//! gives the same bytes anywhere.

mod source;

use std::sync::OnceLock;

use demarc_formats::export::Document;
use typst::foundations::Smart;
use typst::text::Font;
use typst_as_lib::TypstEngine;
use typst_as_lib::typst_kit_options::TypstKitFontOptions;

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The fonts built into demarc could not be read.
    #[error(
        "could not make the PDF \"{title}\": the fonts built into demarc could not be loaded (this is a fault in demarc; please report it)"
    )]
    Fonts { title: String },

    /// Typst could not lay the document out.
    #[error(
        "could not lay out the PDF \"{title}\": {message} (this is a fault in demarc; please report it)"
    )]
    Layout { title: String, message: String },

    /// The laid-out pages could not be written as PDF.
    #[error(
        "could not write the PDF \"{title}\": {message} (this is a fault in demarc; please report it)"
    )]
    Write { title: String, message: String },
}

/// The fonts built into Typst, loaded once per process. Never the machine's own fonts, so the
/// same document looks the same (and gives the same bytes) everywhere.
fn fonts() -> &'static [Font] {
    static FONTS: OnceLock<Vec<Font>> = OnceLock::new();
    FONTS.get_or_init(|| {
        let engine = TypstEngine::builder()
            .search_fonts_with(
                TypstKitFontOptions::new()
                    .include_system_fonts(false)
                    .include_embedded_fonts(true),
            )
            .build();
        engine
            .with_world("/fonts.typ", |world| {
                use typst::World as _;
                let book = world.book();
                (0..)
                    .map_while(|i| book.info(i).map(|_| i))
                    .filter_map(|i| world.font(i))
                    .collect::<Vec<Font>>()
            })
            .unwrap_or_default()
    })
}

/// The document as the bytes of a PDF file.
pub fn render(doc: &Document) -> Result<Vec<u8>, PdfError> {
    let title = doc.title.split_whitespace().collect::<Vec<_>>().join(" ");
    let fonts = fonts();
    if fonts.is_empty() {
        return Err(PdfError::Fonts { title });
    }
    let engine = TypstEngine::builder()
        .main_file(source::source(doc))
        .fonts(fonts.iter().cloned())
        // Forget cached layout once done: each document is laid out once.
        .comemo_evict_max_age(Some(0))
        .build();
    // The type of the pages (typst's `PagedDocument`) follows from `typst_pdf::pdf` below.
    let pages = engine.compile().output.map_err(|e| PdfError::Layout {
        title: title.clone(),
        message: describe(&e),
    })?;
    let options = typst_pdf::PdfOptions {
        // A stable identifier and no timestamp: the bytes depend on the document alone.
        ident: Smart::Custom(format!("demarc: {title}")),
        creator: Smart::Custom(Some("demarc".to_owned())),
        timestamp: None,
        ..typst_pdf::PdfOptions::default()
    };
    typst_pdf::pdf(&pages, &options).map_err(|diags| PdfError::Write {
        title,
        message: join_messages(diags.iter().map(|d| d.message.as_str())),
    })
}

fn describe(e: &typst_as_lib::TypstAsLibError) -> String {
    match e {
        typst_as_lib::TypstAsLibError::TypstSource(diags) => {
            join_messages(diags.iter().map(|d| d.message.as_str()))
        }
        other => other.to_string(),
    }
}

fn join_messages<'a>(messages: impl Iterator<Item = &'a str>) -> String {
    let all: Vec<&str> = messages.collect();
    if all.is_empty() {
        "Typst gave no reason".to_owned()
    } else {
        all.join("; ")
    }
}
