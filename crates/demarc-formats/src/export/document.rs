//! A small, format-neutral document model.
//!
//! Each report becomes a [`Document`]; the Markdown and HTML writers (and later PDF and DOCX
//! writers) render documents, not reports. All text in a document is plain text: writers
//! escape it for their format. A newline inside a table cell or a paragraph is a line break.

/// A whole document: a title block, sections, and notes at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub subtitle: Option<String>,
    /// Label/value lines under the title ("Version: 1.2", "Date: 2026-01-01").
    pub meta: Vec<Meta>,
    pub sections: Vec<Section>,
    /// Small print at the end (a key to abbreviations, where the content comes from).
    pub notes: Vec<String>,
    /// Wide content (a matrix with many columns): print in landscape.
    pub landscape: bool,
}

/// One label/value line of a document's title block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    pub label: String,
    pub value: String,
}

impl Meta {
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Meta {
        Meta {
            label: label.into(),
            value: value.into(),
        }
    }
}

/// A top-level section with a heading.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
    /// When printed, start it on a new page (ignored for the first section).
    pub new_page: bool,
}

impl Section {
    pub fn new(heading: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            blocks: Vec::new(),
            new_page: false,
        }
    }

    /// The same section, starting on a new page when printed.
    pub fn on_new_page(mut self) -> Section {
        self.new_page = true;
        self
    }

    pub fn push(&mut self, block: Block) {
        self.blocks.push(block);
    }
}

/// The content of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading one level below the section's.
    Heading(String),
    Paragraph(Vec<Inline>),
    /// A bulleted list of short paragraphs.
    List(Vec<Vec<Inline>>),
    Table(Table),
    Chart(Chart),
    SignOff(SignOff),
    /// A call-out: something the reader must notice (a warning, "and 12 more").
    Note(Vec<Inline>),
}

impl Block {
    /// A paragraph of plain text.
    pub fn text(s: impl Into<String>) -> Block {
        Block::Paragraph(vec![Inline::Text(s.into())])
    }

    /// A call-out of plain text.
    pub fn note(s: impl Into<String>) -> Block {
        Block::Note(vec![Inline::Text(s.into())])
    }
}

/// A run of text within a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Emphasis(String),
}

/// A table: a header row, then rows. Cells are plain text; newlines are line breaks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// A short description of the table, for screen readers and as a title.
    pub caption: Option<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
    /// The first cell of each row heads the row.
    pub row_header: bool,
}

/// One cell of a table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableCell {
    pub text: String,
    /// A hint for colouring; the text alone must carry the meaning.
    pub tone: Tone,
}

impl TableCell {
    pub fn new(text: impl Into<String>, tone: Tone) -> TableCell {
        TableCell {
            text: text.into(),
            tone,
        }
    }
}

impl From<String> for TableCell {
    fn from(text: String) -> TableCell {
        TableCell {
            text,
            tone: Tone::Plain,
        }
    }
}

impl From<&str> for TableCell {
    fn from(text: &str) -> TableCell {
        TableCell::from(text.to_owned())
    }
}

/// How a cell should stand out. Colours are only a hint: the text says the same.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tone {
    #[default]
    Plain,
    /// Less important: does not apply, left out by a filter.
    Muted,
    /// Needs attention: disputed, overdue.
    Attention,
    /// A problem: nobody does it.
    Problem,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Plain => "plain",
            Tone::Muted => "muted",
            Tone::Attention => "attention",
            Tone::Problem => "problem",
        }
    }
}

/// A horizontal bar chart; with several series, the bars are stacked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Chart {
    pub title: String,
    /// The names of the stacked parts, in order ("does alone", "shares").
    pub series: Vec<String>,
    pub bars: Vec<Bar>,
    /// What the values count ("cells").
    pub unit: String,
}

/// One bar: a label and one value per series.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub values: Vec<u64>,
}

impl Bar {
    pub fn total(&self) -> u64 {
        self.values.iter().fold(0u64, |a, &v| a.saturating_add(v))
    }
}

/// Signature lines for the parties to an agreement.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignOff {
    pub parties: Vec<SignOffParty>,
}

/// One party's signature lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignOffParty {
    /// "For Riverside Trust (customer)".
    pub heading: String,
    /// One entry per person who signs; never empty when built from a report.
    pub signatories: Vec<SignLine>,
}

/// One person's signature and date lines. With no name, the name and title lines are blank
/// too, to be filled in by hand.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignLine {
    pub name: Option<String>,
    pub title: Option<String>,
}
