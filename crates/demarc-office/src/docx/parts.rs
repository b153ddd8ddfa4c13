//! The parts of the package other than the document body: content types, relationships,
//! properties, settings, styles, numbering and the footer.

use std::fmt::Write as _;

use demarc_formats::export::Document;

use super::Page;
use super::xml::{DECLARATION, R_NS, W_NS, escape, run, single_line};

/// Relationship ids of the main document's parts (`word/_rels/document.xml.rels`).
pub(super) const STYLES_RID: &str = "rId1";
pub(super) const NUMBERING_RID: &str = "rId2";
pub(super) const SETTINGS_RID: &str = "rId3";
pub(super) const FOOTER_RID: &str = "rId4";

/// Numbering instances of `word/numbering.xml`.
pub(super) const BULLETS_NUM_ID: u32 = 1;
pub(super) const NOTES_NUM_ID: u32 = 2;

/// `[Content_Types].xml`: the type of every part.
pub(super) fn content_types() -> String {
    let mut s = String::from(DECLARATION);
    s.push_str(
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>",
    );
    for (part, kind) in [
        (
            "/word/document.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        ),
        (
            "/word/styles.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
        ),
        (
            "/word/numbering.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
        ),
        (
            "/word/settings.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml",
        ),
        (
            "/word/footer1.xml",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml",
        ),
        (
            "/docProps/core.xml",
            "application/vnd.openxmlformats-package.core-properties+xml",
        ),
        (
            "/docProps/app.xml",
            "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        ),
    ] {
        let _ = write!(s, "<Override PartName=\"{part}\" ContentType=\"{kind}\"/>");
    }
    s.push_str("</Types>\n");
    s
}

fn relationships(rels: &[(&str, &str, &str)]) -> String {
    let mut s = String::from(DECLARATION);
    s.push_str(
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">",
    );
    for (id, kind, target) in rels {
        let _ = write!(
            s,
            "<Relationship Id=\"{id}\" Type=\"{kind}\" Target=\"{target}\"/>"
        );
    }
    s.push_str("</Relationships>\n");
    s
}

/// `_rels/.rels`: where the document and its properties are.
pub(super) fn package_rels() -> String {
    relationships(&[
        (
            "rId1",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            "word/document.xml",
        ),
        (
            "rId2",
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml",
        ),
        (
            "rId3",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
            "docProps/app.xml",
        ),
    ])
}

/// `word/_rels/document.xml.rels`: the parts the document uses.
pub(super) fn document_rels() -> String {
    relationships(&[
        (
            STYLES_RID,
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
            "styles.xml",
        ),
        (
            NUMBERING_RID,
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering",
            "numbering.xml",
        ),
        (
            SETTINGS_RID,
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings",
            "settings.xml",
        ),
        (
            FOOTER_RID,
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
            "footer1.xml",
        ),
    ])
}

/// The value of the first title-block line with this label (case and spacing ignored).
pub(super) fn meta<'a>(doc: &'a Document, label: &str) -> Option<&'a str> {
    doc.meta
        .iter()
        .find(|m| m.label.trim().eq_ignore_ascii_case(label))
        .map(|m| m.value.trim())
        .filter(|v| !v.is_empty())
}

/// The document's date as a W3C date-time, when its "Date" line holds a calendar date.
fn w3c_date(doc: &Document) -> Option<String> {
    let d = meta(doc, "Date")?;
    d.parse::<demarc_core::Date>()
        .ok()
        .map(|date| format!("{date}T00:00:00Z"))
}

/// `docProps/core.xml`: title, subject, author and — from the document's own date, so the
/// bytes do not depend on the clock — created and modified dates.
pub(super) fn core(doc: &Document) -> String {
    let mut s = String::from(DECLARATION);
    s.push_str(
        "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
    );
    let _ = write!(
        s,
        "<dc:title>{}</dc:title>",
        escape(&single_line(&doc.title))
    );
    if let Some(sub) = &doc.subtitle {
        let _ = write!(s, "<dc:subject>{}</dc:subject>", escape(&single_line(sub)));
    }
    s.push_str("<dc:creator>demarc</dc:creator>");
    if let Some(date) = w3c_date(doc) {
        let _ = write!(
            s,
            "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{date}</dcterms:created>\
<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{date}</dcterms:modified>"
        );
    }
    s.push_str("</cp:coreProperties>\n");
    s
}

/// `docProps/app.xml`: the application that wrote it.
pub(super) fn app() -> String {
    let mut s = String::from(DECLARATION);
    s.push_str(
        "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
<Application>demarc</Application><DocSecurity>0</DocSecurity></Properties>\n",
    );
    s
}

/// `word/settings.xml`: open at 100 %, in the current Word format (not compatibility mode).
pub(super) fn settings() -> String {
    let mut s = String::from(DECLARATION);
    let _ = writeln!(
        s,
        "<w:settings xmlns:w=\"{W_NS}\">\
<w:zoom w:percent=\"100\"/>\
<w:defaultTabStop w:val=\"709\"/>\
<w:characterSpacingControl w:val=\"doNotCompress\"/>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
</w:settings>"
    );
    s
}

/// `word/numbering.xml`: bullets for lists, numbers for the notes at the end.
pub(super) fn numbering() -> String {
    let mut s = String::from(DECLARATION);
    let _ = write!(s, "<w:numbering xmlns:w=\"{W_NS}\">");
    s.push_str(
        "<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"hybridMultilevel\"/>",
    );
    for (level, bullet) in ["•", "◦", "▪"].into_iter().enumerate() {
        let left = 720 * (level + 1);
        let style = if level == 0 {
            "<w:pStyle w:val=\"ListBullet\"/>"
        } else {
            ""
        };
        let _ = write!(
            s,
            "<w:lvl w:ilvl=\"{level}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"bullet\"/>{style}\
<w:lvlText w:val=\"{bullet}\"/><w:lvlJc w:val=\"left\"/>\
<w:pPr><w:ind w:left=\"{left}\" w:hanging=\"360\"/></w:pPr></w:lvl>"
        );
    }
    s.push_str("</w:abstractNum>");
    s.push_str(
        "<w:abstractNum w:abstractNumId=\"1\"><w:multiLevelType w:val=\"hybridMultilevel\"/>\
<w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:pStyle w:val=\"NotesList\"/>\
<w:lvlText w:val=\"%1.\"/><w:lvlJc w:val=\"left\"/>\
<w:pPr><w:ind w:left=\"360\" w:hanging=\"360\"/></w:pPr></w:lvl></w:abstractNum>",
    );
    let _ = writeln!(
        s,
        "<w:num w:numId=\"{BULLETS_NUM_ID}\"><w:abstractNumId w:val=\"0\"/></w:num>\
<w:num w:numId=\"{NOTES_NUM_ID}\"><w:abstractNumId w:val=\"1\"/></w:num></w:numbering>"
    );
    s
}

/// `word/styles.xml`: every style the document uses, named as Word names its own where there
/// is one (Title, heading 1, List Bullet, caption, footer, Strong, Emphasis), so the legal
/// team can change the look of the whole document by changing a style.
pub(super) fn styles() -> String {
    let mut s = String::from(DECLARATION);
    let _ = write!(s, "<w:styles xmlns:w=\"{W_NS}\">");
    s.push_str(STYLES);
    s.push_str("</w:styles>\n");
    s
}

const STYLES: &str = concat!(
    // Defaults: Arial 10.5 pt, British English.
    "<w:docDefaults><w:rPrDefault><w:rPr>",
    "<w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" w:eastAsia=\"Arial\" w:cs=\"Arial\"/>",
    "<w:sz w:val=\"21\"/><w:szCs w:val=\"21\"/>",
    "<w:lang w:val=\"en-GB\" w:eastAsia=\"en-GB\" w:bidi=\"ar-SA\"/>",
    "</w:rPr></w:rPrDefault>",
    "<w:pPrDefault><w:pPr><w:spacing w:after=\"120\" w:line=\"264\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault>",
    "</w:docDefaults>",
    // The defaults Word expects of every document.
    "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/>",
    "<w:rPr><w:color w:val=\"1A1A1A\"/></w:rPr></w:style>",
    "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/>",
    "<w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/></w:style>",
    "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>",
    "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/>",
    "<w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/>",
    "<w:left w:w=\"108\" w:type=\"dxa\"/><w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/>",
    "</w:tblCellMar></w:tblPr></w:style>",
    "<w:style w:type=\"numbering\" w:default=\"1\" w:styleId=\"NoList\"><w:name w:val=\"No List\"/>",
    "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/></w:style>",
    // Title block.
    "<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"10\"/><w:qFormat/>",
    "<w:pPr><w:keepNext/><w:spacing w:after=\"80\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>",
    "<w:rPr><w:b/><w:bCs/><w:color w:val=\"0D2A4A\"/><w:kern w:val=\"28\"/><w:sz w:val=\"44\"/><w:szCs w:val=\"44\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Subtitle\"><w:name w:val=\"Subtitle\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"11\"/><w:qFormat/>",
    "<w:pPr><w:keepNext/><w:spacing w:after=\"240\"/></w:pPr>",
    "<w:rPr><w:color w:val=\"3D4652\"/><w:sz w:val=\"28\"/><w:szCs w:val=\"28\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"DocumentDetail\"><w:name w:val=\"Document detail\"/>",
    "<w:basedOn w:val=\"Normal\"/><w:uiPriority w:val=\"12\"/><w:qFormat/>",
    "<w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"2268\"/></w:tabs><w:spacing w:after=\"40\"/>",
    "<w:ind w:left=\"2268\" w:hanging=\"2268\"/></w:pPr></w:style>",
    // Headings.
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading1\"><w:name w:val=\"heading 1\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>",
    "<w:pPr><w:keepNext/><w:keepLines/>",
    "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"12\" w:space=\"4\" w:color=\"C9D3DF\"/></w:pBdr>",
    "<w:spacing w:before=\"360\" w:after=\"160\" w:line=\"240\" w:lineRule=\"auto\"/><w:outlineLvl w:val=\"0\"/></w:pPr>",
    "<w:rPr><w:b/><w:bCs/><w:color w:val=\"0D2A4A\"/><w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:styleId=\"Heading2\"><w:name w:val=\"heading 2\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"9\"/><w:unhideWhenUsed/><w:qFormat/>",
    "<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"240\" w:after=\"80\" w:line=\"240\" w:lineRule=\"auto\"/>",
    "<w:outlineLvl w:val=\"1\"/></w:pPr>",
    "<w:rPr><w:b/><w:bCs/><w:color w:val=\"0D2A4A\"/><w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/></w:rPr></w:style>",
    // Call-out.
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"Note\"><w:name w:val=\"Note\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"12\"/><w:qFormat/>",
    "<w:pPr><w:pBdr><w:left w:val=\"single\" w:sz=\"24\" w:space=\"8\" w:color=\"A34F00\"/></w:pBdr>",
    "<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"FFF6E5\"/>",
    "<w:spacing w:before=\"120\" w:after=\"160\"/><w:ind w:left=\"227\" w:right=\"227\"/></w:pPr></w:style>",
    // Lists.
    "<w:style w:type=\"paragraph\" w:styleId=\"ListBullet\"><w:name w:val=\"List Bullet\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/><w:qFormat/>",
    "<w:pPr><w:numPr><w:numId w:val=\"1\"/></w:numPr><w:spacing w:after=\"60\"/>",
    "<w:ind w:left=\"720\" w:hanging=\"360\"/></w:pPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"NotesList\"><w:name w:val=\"Notes list\"/>",
    "<w:basedOn w:val=\"Normal\"/><w:uiPriority w:val=\"12\"/>",
    "<w:pPr><w:numPr><w:numId w:val=\"2\"/></w:numPr><w:spacing w:after=\"60\"/>",
    "<w:ind w:left=\"360\" w:hanging=\"360\"/></w:pPr>",
    "<w:rPr><w:color w:val=\"3D4652\"/><w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/></w:rPr></w:style>",
    // Tables.
    "<w:style w:type=\"paragraph\" w:styleId=\"Caption\"><w:name w:val=\"caption\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:next w:val=\"Normal\"/><w:uiPriority w:val=\"35\"/><w:unhideWhenUsed/><w:qFormat/>",
    "<w:pPr><w:keepNext/><w:spacing w:before=\"120\" w:after=\"60\"/></w:pPr>",
    "<w:rPr><w:b/><w:bCs/><w:color w:val=\"3D4652\"/><w:sz w:val=\"19\"/><w:szCs w:val=\"19\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableText\"><w:name w:val=\"Table text\"/>",
    "<w:basedOn w:val=\"Normal\"/><w:uiPriority w:val=\"13\"/><w:qFormat/>",
    "<w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>",
    "<w:rPr><w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableHeading\"><w:name w:val=\"Table heading\"/>",
    "<w:basedOn w:val=\"TableText\"/><w:uiPriority w:val=\"13\"/><w:qFormat/>",
    "<w:pPr><w:keepNext/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val=\"0D2A4A\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableRowHeading\"><w:name w:val=\"Table row heading\"/>",
    "<w:basedOn w:val=\"TableText\"/><w:uiPriority w:val=\"13\"/><w:qFormat/>",
    "<w:rPr><w:b/><w:bCs/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableNumber\"><w:name w:val=\"Table number\"/>",
    "<w:basedOn w:val=\"TableText\"/><w:uiPriority w:val=\"13\"/>",
    "<w:pPr><w:jc w:val=\"right\"/></w:pPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"TableNumberHeading\"><w:name w:val=\"Table number heading\"/>",
    "<w:basedOn w:val=\"TableHeading\"/><w:uiPriority w:val=\"13\"/>",
    "<w:pPr><w:jc w:val=\"right\"/></w:pPr></w:style>",
    "<w:style w:type=\"table\" w:customStyle=\"1\" w:styleId=\"ReportTable\"><w:name w:val=\"Report table\"/>",
    "<w:basedOn w:val=\"TableNormal\"/><w:uiPriority w:val=\"59\"/>",
    "<w:tblPr><w:tblBorders>",
    "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:insideH w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:insideV w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "</w:tblBorders><w:tblCellMar><w:top w:w=\"57\" w:type=\"dxa\"/><w:left w:w=\"85\" w:type=\"dxa\"/>",
    "<w:bottom w:w=\"57\" w:type=\"dxa\"/><w:right w:w=\"85\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>",
    "<w:tblStylePr w:type=\"firstRow\"><w:trPr><w:tblHeader/></w:trPr>",
    "<w:tcPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E8EEF5\"/></w:tcPr></w:tblStylePr>",
    "<w:tblStylePr w:type=\"firstCol\">",
    "<w:tcPr><w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"F5F7FA\"/></w:tcPr></w:tblStylePr>",
    "</w:style>",
    // Sign-off.
    "<w:style w:type=\"table\" w:customStyle=\"1\" w:styleId=\"SignOffTable\"><w:name w:val=\"Sign-off table\"/>",
    "<w:basedOn w:val=\"TableNormal\"/><w:uiPriority w:val=\"59\"/>",
    "<w:tblPr><w:tblBorders>",
    "<w:top w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:left w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:bottom w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "<w:right w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"B8C2CC\"/>",
    "</w:tblBorders><w:tblCellMar><w:top w:w=\"57\" w:type=\"dxa\"/><w:left w:w=\"170\" w:type=\"dxa\"/>",
    "<w:bottom w:w=\"113\" w:type=\"dxa\"/><w:right w:w=\"170\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>",
    "</w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"SignOffHeading\"><w:name w:val=\"Sign-off heading\"/>",
    "<w:basedOn w:val=\"Normal\"/><w:next w:val=\"SignOffLabel\"/><w:uiPriority w:val=\"14\"/><w:qFormat/>",
    "<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before=\"60\" w:after=\"0\"/></w:pPr>",
    "<w:rPr><w:b/><w:bCs/><w:color w:val=\"0D2A4A\"/><w:sz w:val=\"22\"/><w:szCs w:val=\"22\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"SignOffLabel\"><w:name w:val=\"Sign-off label\"/>",
    "<w:basedOn w:val=\"Normal\"/><w:uiPriority w:val=\"14\"/>",
    "<w:pPr><w:keepNext/><w:spacing w:after=\"0\"/></w:pPr>",
    "<w:rPr><w:color w:val=\"3D4652\"/></w:rPr></w:style>",
    "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"SignOffLine\"><w:name w:val=\"Sign-off line\"/>",
    "<w:basedOn w:val=\"Normal\"/><w:uiPriority w:val=\"14\"/>",
    "<w:pPr><w:keepNext/><w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"1A1A1A\"/></w:pBdr>",
    "<w:spacing w:after=\"0\"/></w:pPr></w:style>",
    // Footer.
    "<w:style w:type=\"paragraph\" w:styleId=\"Footer\"><w:name w:val=\"footer\"/><w:basedOn w:val=\"Normal\"/>",
    "<w:uiPriority w:val=\"99\"/><w:unhideWhenUsed/>",
    "<w:pPr><w:spacing w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/></w:pPr>",
    "<w:rPr><w:color w:val=\"3D4652\"/><w:sz w:val=\"16\"/><w:szCs w:val=\"16\"/></w:rPr></w:style>",
    // Character styles.
    "<w:style w:type=\"character\" w:styleId=\"Strong\"><w:name w:val=\"Strong\"/>",
    "<w:basedOn w:val=\"DefaultParagraphFont\"/><w:uiPriority w:val=\"22\"/><w:qFormat/>",
    "<w:rPr><w:b/><w:bCs/></w:rPr></w:style>",
    "<w:style w:type=\"character\" w:styleId=\"Emphasis\"><w:name w:val=\"Emphasis\"/>",
    "<w:basedOn w:val=\"DefaultParagraphFont\"/><w:uiPriority w:val=\"20\"/><w:qFormat/>",
    "<w:rPr><w:i/><w:iCs/></w:rPr></w:style>",
);

/// A field (PAGE, NUMPAGES) with the value shown until the word processor updates it.
fn field(s: &mut String, instruction: &str, shown: &str) {
    let _ = write!(
        s,
        "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r>\
<w:r><w:instrText xml:space=\"preserve\"> {instruction} </w:instrText></w:r>\
<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>\
<w:r><w:t>{shown}</w:t></w:r>\
<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
    );
}

/// `word/footer1.xml`: the title on one line; the version (or subtitle) and date, and
/// "Page X of Y" on the next.
pub(super) fn footer(doc: &Document, page: &Page) -> String {
    let mut s = String::from(DECLARATION);
    let _ = write!(s, "<w:ftr xmlns:w=\"{W_NS}\" xmlns:r=\"{R_NS}\">");
    s.push_str("<w:p><w:pPr><w:pStyle w:val=\"Footer\"/></w:pPr>");
    run(&mut s, &single_line(&doc.title), None);
    s.push_str("</w:p>");

    let mut left = Vec::new();
    match meta(doc, "Version") {
        Some(v) => left.push(format!("Version: {}", single_line(v))),
        None => {
            if let Some(sub) = doc.subtitle.as_deref().map(single_line)
                && !sub.is_empty()
            {
                left.push(sub);
            }
        }
    }
    if let Some(d) = meta(doc, "Date") {
        left.push(format!("Date: {}", single_line(d)));
    }
    let _ = write!(
        s,
        "<w:p><w:pPr><w:pStyle w:val=\"Footer\"/><w:tabs><w:tab w:val=\"right\" w:pos=\"{}\"/></w:tabs></w:pPr>",
        page.text_width()
    );
    run(&mut s, &left.join(" · "), None);
    s.push_str("<w:r><w:tab/><w:t xml:space=\"preserve\">Page </w:t></w:r>");
    field(&mut s, "PAGE", "1");
    s.push_str("<w:r><w:t xml:space=\"preserve\"> of </w:t></w:r>");
    field(&mut s, "NUMPAGES", "1");
    s.push_str("</w:p></w:ftr>\n");
    s
}
