//! `demarc` end to end: caiq. The answers are made up (CSA's questions are never in the
//! repository); the CSV and XLSX files are written by the tests.

use super::*;

/// A minimal XLSX workbook of one sheet of text cells, written by hand (a ZIP of stored
/// parts), so that the tests need no spreadsheet library.
pub(super) fn xlsx(sheet: &str, rows: &[Vec<&str>]) -> Vec<u8> {
    fn esc(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    }
    let mut data = String::new();
    for (r, row) in rows.iter().enumerate() {
        data.push_str(&format!("<row r=\"{}\">", r + 1));
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let col = (b'A' + c as u8) as char;
            data.push_str(&format!(
                "<c r=\"{col}{}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                r + 1,
                esc(v)
            ));
        }
        data.push_str("</row>");
    }
    let parts: Vec<(&str, String)> = vec![
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                esc(sheet)
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{data}</sheetData></worksheet>"#
            ),
        ),
    ];
    zip_stored(&parts)
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A ZIP file of uncompressed ("stored") entries.
fn zip_stored(parts: &[(&str, String)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, text) in parts {
        let data = text.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        let head = |buf: &mut Vec<u8>, central: bool| {
            buf.extend_from_slice(
                &(if central { 0x0201_4b50u32 } else { 0x0403_4b50 }).to_le_bytes(),
            );
            if central {
                buf.extend_from_slice(&20u16.to_le_bytes());
            }
            buf.extend_from_slice(&20u16.to_le_bytes()); // version needed
            buf.extend_from_slice(&0u16.to_le_bytes()); // flags
            buf.extend_from_slice(&0u16.to_le_bytes()); // stored
            buf.extend_from_slice(&0u16.to_le_bytes()); // time
            buf.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
            buf.extend_from_slice(&crc.to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(data.len() as u32).to_le_bytes());
            buf.extend_from_slice(&(name.len() as u16).to_le_bytes());
            buf.extend_from_slice(&0u16.to_le_bytes()); // extra
            if central {
                buf.extend_from_slice(&0u16.to_le_bytes()); // comment
                buf.extend_from_slice(&0u16.to_le_bytes()); // disk
                buf.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
                buf.extend_from_slice(&0u32.to_le_bytes()); // external attributes
                buf.extend_from_slice(&offset.to_le_bytes());
            }
            buf.extend_from_slice(name.as_bytes());
        };
        head(&mut out, false);
        out.extend_from_slice(data);
        head(&mut central, true);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(parts.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

const HEADER: [&str; 7] = [
    "Question ID",
    "Question",
    "CSP CAIQ Answer",
    "SSRM Control Ownership",
    "CSP Implementation Description (Optional/Recommended)",
    "CSC Responsibilities (Optional/Recommended)",
    "CCM Domain Title",
];

/// Made-up answers covering every ownership, NA, a No and a disagreement.
pub(super) fn answer_rows() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "A&A-01.1",
            "Is a pretend audit done?",
            "Yes",
            "CSP-owned",
            "We audit.",
            "",
            "Pretend Audit",
        ],
        vec![
            "A&A-02.1",
            "Are pretend logs read?",
            "Yes",
            "CSC-owned",
            "",
            "You read your logs.",
            "",
        ],
        vec![
            "A&A-03.1",
            "Is the pretend site guarded?",
            "Yes",
            "3rd-party outsourced",
            "Our host guards it.",
            "",
            "",
        ],
        vec![
            "BCR-01.1",
            "Are pretend backups taken?",
            "Yes",
            "Shared CSP and CSC",
            "We back up the platform.",
            "You back up your uploads.",
            "Pretend Continuity",
        ],
        vec![
            "BCR-02.1",
            "Is the pretend network split?",
            "No",
            "Shared CSP and 3rd-party",
            "We split our part.",
            "",
            "",
        ],
        vec![
            "BCR-03.1",
            "Are pretend cards kept?",
            "NA",
            "",
            "We keep no pretend cards.",
            "",
            "",
        ],
        vec![
            "BCR-04.1",
            "Are made-up keys rotated?",
            "Yes",
            "CSP-owned",
            "We rotate ours.",
            "",
            "",
        ],
        vec![
            "BCR-04.2",
            "Are made-up tenant keys rotated?",
            "Yes",
            "CSC-owned",
            "",
            "You rotate yours.",
            "",
        ],
    ]
}

fn answers_csv(dir: &Path) -> PathBuf {
    let mut text = String::new();
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    text.push_str(&HEADER.map(quote).join(","));
    text.push('\n');
    for row in answer_rows() {
        text.push_str(&row.iter().map(|s| quote(s)).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    let path = dir.join("answers.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// The CAIQ category of each cell of one service, from the matrix as JSON.
fn categories(dir: &Path, service: &str) -> BTreeMap<String, (String, String)> {
    let run = demarc(&["export", s(dir), "--format", "json", "--service", service]);
    run.expect(0);
    let j = run.json();
    let mut out = BTreeMap::new();
    for area in j["areas"].as_array().unwrap() {
        for row in area["rows"].as_array().unwrap() {
            let id = row["responsibility"]["id"].as_str().unwrap().to_owned();
            for cell in row["cells"].as_array().unwrap() {
                if cell["service"] == service {
                    out.insert(
                        id.clone(),
                        (
                            cell["status"].as_str().unwrap().to_owned(),
                            cell["category"].as_str().unwrap().to_owned(),
                        ),
                    );
                }
            }
        }
    }
    out
}

#[test]
fn caiq_csv_into_a_new_model() {
    let tmp = TempDir::new("caiq-new");
    let file = answers_csv(tmp.path());
    let out = tmp.join("acme");
    let run = demarc(&[
        "import",
        "caiq",
        s(&file),
        "-o",
        s(&out),
        "--provider",
        "Example Cloud Ltd",
    ]);
    run.expect(0);
    assert!(run.stderr.contains("wrote"), "{}", run.stderr);
    assert!(
        run.stderr.contains("answered No to BCR-02.1"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("disagree"), "{}", run.stderr);
    assert!(out.join("catalogue-ccm.yaml").is_file());
    assert!(out.join("allocations/example-cloud-ltd.yaml").is_file());
    assert!(
        out.join("allocations/example-cloud-ltd-third-party.yaml")
            .is_file()
    );

    // Each answer is the cell it says, as `demarc matrix` names CAIQ categories.
    let cats = categories(&out, "example-cloud-ltd");
    let want = [
        ("a-a-01", "supplier", "CSP-owned"),
        ("a-a-02", "customer", "CSC-owned"),
        ("a-a-03", "inherited", "3rd-party outsourced"),
        ("bcr-01", "shared", "Shared CSP and CSC"),
        ("bcr-02", "inherited", "Shared CSP and 3rd-party"),
        ("bcr-03", "not-applicable", "N/A"),
        ("bcr-04", "shared", "Shared CSP and CSC"),
    ];
    assert_eq!(cats.len(), want.len(), "{cats:?}");
    for (id, status, cat) in want {
        assert_eq!(
            cats[id],
            (status.to_owned(), cat.to_owned()),
            "{id}: {cats:?}"
        );
    }
    let text = std::fs::read_to_string(out.join("catalogue-ccm.yaml")).unwrap();
    assert!(text.contains("ccm: [A&A-01]"), "{text}");
    assert!(text.contains("Is a pretend audit done?"), "{text}");

    // The new model checks: what is left is evidence and contracts for the provider's part.
    let run = demarc(&["check", s(&out), "--format", "json"]);
    run.expect(0);
    let codes = codes_of(&run.json());
    assert_eq!(
        codes,
        BTreeSet::from([
            "contract-ref-missing".to_owned(),
            "evidence-missing".to_owned()
        ])
    );
}

#[test]
fn caiq_into_an_existing_model_keeps_the_rest() {
    let tmp = TempDir::new("caiq-into");
    let file = answers_csv(tmp.path());
    let (_t, dir) = copy_model(&riverside(), "riverside");
    let before = snapshot(&dir);
    let run = demarc(&[
        "import",
        "caiq",
        s(&file),
        "--into",
        s(&dir),
        "--provider",
        "Example Cloud Ltd",
        "--service",
        "example-files",
    ]);
    run.expect(0);
    assert!(run.stderr.contains("updated"), "{}", run.stderr);
    let after = snapshot(&dir);
    // Allocation files of the other services are untouched, byte for byte.
    for (path, bytes) in &before {
        if path.starts_with("allocations") {
            assert_eq!(after.get(path), Some(bytes), "{}", path.display());
        }
    }
    assert!(after.contains_key(Path::new("catalogue-ccm.yaml")));
    assert!(after.contains_key(Path::new("allocations/example-files.yaml")));
    let model = std::fs::read_to_string(dir.join("demarc.yaml")).unwrap();
    assert!(model.contains("catalogue-ccm.yaml"), "{model}");
    let cats = categories(&dir, "example-files");
    assert_eq!(cats["bcr-01"].1, "Shared CSP and CSC");
    // The riverside services' own cells are still theirs.
    let run = demarc(&["matrix", s(&dir), "--service", "ledgerly-finance"]);
    run.expect(0);

    // Again with --dry-run: nothing changes.
    let snap = snapshot(&dir);
    let run = demarc(&[
        "import",
        "caiq",
        s(&file),
        "--into",
        s(&dir),
        "--service",
        "example-files",
        "--dry-run",
    ]);
    run.expect(0);
    assert!(run.stderr.contains("would write"), "{}", run.stderr);
    assert_eq!(snapshot(&dir), snap);
}

#[test]
fn caiq_xlsx_reads_like_csv() {
    let tmp = TempDir::new("caiq-xlsx");
    let mut rows = vec![vec!["An invented questionnaire"], vec![]];
    rows.push(HEADER.to_vec());
    rows.extend(answer_rows());
    let file = tmp.join("answers.xlsx");
    std::fs::write(&file, xlsx("CAIQv4.0.3", &rows)).unwrap();
    let out = tmp.join("m");
    let run = demarc(&[
        "import",
        "caiq",
        s(&file),
        "-o",
        s(&out),
        "--provider",
        "Example Cloud Ltd",
        "--format",
        "json",
    ]);
    run.expect(0);
    let j = run.json();
    assert_eq!(j["services"], 2);
    assert_eq!(j["responsibilities"], 7);
    assert_eq!(j["cells"]["shared"], 2);
    assert_eq!(j["cells"]["inherited"], 2);
    // Two notes, with their rows: the No answer (row 8) and the disagreement (row 10).
    let notes = j["notes"].as_array().unwrap();
    let rows: Vec<u64> = notes.iter().map(|n| n["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, [8, 10], "{notes:?}");
    assert_eq!(notes[0]["sheet"], "CAIQv4.0.3");
}

#[test]
fn caiq_bad_input_changes_nothing() {
    let tmp = TempDir::new("caiq-bad");
    // Required columns missing: exit 2, the columns it has named, no directory written.
    let file = tmp.join("answers.csv");
    std::fs::write(&file, "Question ID,Question\nA&A-01.1,Made up?\n").unwrap();
    let out = tmp.join("m");
    let run = demarc(&["import", "caiq", s(&file), "-o", s(&out)]);
    run.expect(2);
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert!(
        run.stderr.contains("\"SSRM Control Ownership\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("row 1"), "{}", run.stderr);
    assert!(!out.exists());

    // The same as JSON: sheet and row.
    let run = demarc(&[
        "import",
        "caiq",
        s(&file),
        "-o",
        s(&out),
        "--format",
        "json",
    ]);
    run.expect(2);
    let e = &run.json()["errors"][0];
    assert_eq!(e["sheet"], "answers.csv");
    assert_eq!(e["row"], 1);

    // A damaged workbook, into an existing model: exit 2, the model unchanged.
    let (_t, dir) = copy_model(&riverside(), "riverside");
    let before = snapshot(&dir);
    let bad = tmp.join("answers.xlsx");
    let mut bytes = xlsx("CAIQ", &[HEADER.to_vec()]);
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&bad, bytes).unwrap();
    let run = demarc(&["import", "caiq", s(&bad), "--into", s(&dir)]);
    run.expect(2);
    assert!(run.stderr.contains("answers.xlsx"), "{}", run.stderr);
    assert_eq!(snapshot(&dir), before);

    // A file that is not there.
    let run = demarc(&["import", "caiq", s(&tmp.join("nope.csv")), "-o", s(&out)]);
    run.expect(2);
    assert!(!out.exists());
}
