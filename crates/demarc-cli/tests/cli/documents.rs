//! `demarc` end to end: the documents people sign, as PDF and Word, made by the commands the
//! README gives and checked the way a person would: the text on the pages (poppler's
//! `pdftotext`), a page rendered to an image (`pdftoppm`), and Word's file opened and printed by
//! LibreOffice.
//!
//! The PDF tests need the `pdf` feature (on by default).
//!
//! The tools come from Debian's packages (`poppler-utils`, `libreoffice-writer-nogui`), which
//! `.ci/run` installs. Without them a test says SKIPPED, except under CI (`CI` set), where a
//! missing tool fails the test: CI must check the pages.

use super::*;

/// The README's lines that start with `demarc export examples/riverside` and write `name`.
fn readme_command(name: &str) -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("demarc export examples/riverside") && l.contains(name))
        .unwrap_or_else(|| panic!("README.md shows no `demarc export ... -o {name}` command"));
    let words: Vec<String> = line
        .split('#')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(words[0], "demarc");
    words[1..].to_vec()
}

/// Run a README command with the repository as working directory and the output file in `tmp`.
fn run_readme(name: &str, tmp: &TempDir) -> PathBuf {
    let mut args = readme_command(name);
    let out = tmp.join(name);
    let o = args
        .iter()
        .position(|a| a == "-o")
        .expect("the README command writes a file with -o");
    args[o + 1] = s(&out).to_owned();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    demarc(&args).expect(0);
    out
}

/// Is the command there? Under CI its absence is a failure, elsewhere a skip.
fn have(tool: &str, package: &str) -> bool {
    let found = Command::new(tool)
        .arg("-v")
        .output()
        .or_else(|_| Command::new(tool).arg("--version").output())
        .is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is not installed: CI must check documents with it (apt-get install {package})"
        );
        println!("SKIPPED: {tool} is not installed (apt-get install {package})");
    }
    found
}

fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", s(pdf), "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[cfg_attr(not(feature = "pdf"), allow(dead_code))]
fn pdf_pages(pdf: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(s(pdf)).output().unwrap();
    let info = String::from_utf8_lossy(&out.stdout);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("pdfinfo gives no page count:\n{info}"))
}

/// Render page 1 to PNG and say how much of it is ink (the share of bytes that are not white in
/// a greyscale PGM render).
#[cfg_attr(not(feature = "pdf"), allow(dead_code))]
fn ink_on_page_one(pdf: &Path, tmp: &TempDir) -> f64 {
    let base = tmp.join("page");
    let png = Command::new("pdftoppm")
        .args(["-r", "40", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&base)
        .status()
        .unwrap();
    assert!(
        png.success(),
        "pdftoppm cannot render page 1 of {}",
        pdf.display()
    );
    let png = base.with_extension("png");
    assert!(
        std::fs::metadata(&png).unwrap().len() > 1000,
        "page 1 rendered to an almost empty PNG"
    );
    let grey = Command::new("pdftoppm")
        .args(["-r", "40", "-gray", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&base)
        .status()
        .unwrap();
    assert!(grey.success());
    let pgm = std::fs::read(base.with_extension("pgm")).unwrap();
    // P5 header: magic, width, height, maxval, each followed by whitespace.
    let mut fields = 0;
    let mut i = 0;
    while fields < 4 && i < pgm.len() {
        while i < pgm.len() && pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        while i < pgm.len() && !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields += 1;
    }
    let pixels = &pgm[i + 1..];
    pixels.iter().filter(|&&p| p < 200).count() as f64 / pixels.len() as f64
}

#[cfg(feature = "pdf")]
#[test]
fn the_readme_pdf_schedule_has_the_agreement_on_its_pages() {
    if !have("pdftotext", "poppler-utils") {
        return;
    }
    let tmp = TempDir::new("pdf-schedule");
    let pdf = run_readme("schedule.pdf", &tmp);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = pdf_text(&pdf);
    let pages = pdf_pages(&pdf);
    assert!(
        pages >= 2,
        "a schedule with a sign-off page has at least 2 pages"
    );
    for expected in [
        "Contract schedule",
        "Acme IT Services",
        "Riverside Community Trust",
        "Penetration testing",
        &format!("Page 1 of {pages}"),
        &format!("Page {pages} of {pages}"),
        "2026-11-23",
    ] {
        assert!(
            text.contains(expected),
            "the PDF's text lacks {expected:?}:\n{text}"
        );
    }
    let ink = ink_on_page_one(&pdf, &tmp);
    assert!(
        (0.005..0.6).contains(&ink),
        "page 1 should be a page of text, not blank or black: {:.1}% ink",
        ink * 100.0
    );
}

#[cfg(feature = "pdf")]
#[test]
fn the_pdf_summary_and_annex_render() {
    if !have("pdftotext", "poppler-utils") {
        return;
    }
    let tmp = TempDir::new("pdf-docs");
    for (what, expected) in [
        ("summary", "Riverside Community Trust"),
        ("policy-annex", "cannot be outsourced"),
    ] {
        let out = tmp.join(&format!("{what}.pdf"));
        demarc(&[
            "export",
            "examples/riverside",
            "--what",
            what,
            "--format",
            "pdf",
            "-o",
            s(&out),
        ])
        .expect(0);
        let text = pdf_text(&out);
        assert!(
            text.contains(expected),
            "{what}: no {expected:?} in\n{text}"
        );
        assert!(text.contains("Page 1 of"), "{what}: no page numbers");
    }
}

#[test]
fn the_readme_docx_schedule_opens_in_libreoffice() {
    if !have("pdftotext", "poppler-utils") || !have("libreoffice", "libreoffice-writer-nogui") {
        return;
    }
    let tmp = TempDir::new("docx-schedule");
    let docx = run_readme("schedule.docx", &tmp);
    assert!(
        std::fs::read(&docx).unwrap().starts_with(b"PK"),
        "not a ZIP package"
    );
    let profile = format!("file://{}", s(&tmp.join("lo-profile")));
    let out = Command::new("libreoffice")
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(tmp.path())
        .arg(&docx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "LibreOffice cannot open the schedule:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = docx.with_extension("pdf");
    let text = pdf_text(&pdf);
    for expected in [
        "Acme IT Services",
        "Riverside Community Trust",
        "Penetration testing",
        "Page 1 of",
    ] {
        assert!(
            text.contains(expected),
            "LibreOffice's print of the Word schedule lacks {expected:?}:\n{text}"
        );
    }
}

#[test]
fn binary_formats_refuse_nothing_to_write_to_and_unknown_parties() {
    // No -o and standard output captured (not a terminal): the bytes go to standard output.
    let run = demarc(&[
        "export",
        "examples/riverside",
        "--what",
        "summary",
        "--format",
        "docx",
    ]);
    run.expect(0);
    assert!(run.stdout.starts_with("PK"));
    // A mistake in the request writes nothing.
    let tmp = TempDir::new("pdf-bad");
    let out = tmp.join("x.pdf");
    let run = demarc(&[
        "export",
        "examples/riverside",
        "--what",
        "schedule",
        "--party",
        "acme",
        "--format",
        "pdf",
        "-o",
        s(&out),
    ]);
    run.expect(2);
    assert!(run.stderr.contains("acme-it"), "{}", run.stderr);
    assert!(!out.exists(), "nothing is written when the export fails");
}
