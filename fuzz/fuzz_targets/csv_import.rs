//! A matrix CSV from arbitrary bytes, read against the Riverside example model (as
//! `demarc import csv --into examples/riverside` would); if it is accepted, the imported
//! model is viewed, checked, diffed against the original and written back as YAML and CSV.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use demarc_core::check::check;
use demarc_core::diff::diff;
use demarc_core::report::MatrixFilter;
use demarc_core::{Date, Model, View};
use demarc_formats::matrix_csv;
use demarc_formats::yaml;
use libfuzzer_sys::fuzz_target;

/// The Riverside model, loaded once. The path is fixed at build time, so the target runs from
/// any directory (of this checkout).
fn riverside() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/riverside");
        yaml::load(&dir).expect("the Riverside example model loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let model = riverside();
    let Ok(allocations) = matrix_csv::read(model, text) else {
        return;
    };
    let mut updated = model.clone();
    updated.allocations = allocations;
    let today = Date::new(2026, 6, 1).expect("a real date");
    let before = View::new(model);
    let after = View::new(&updated);
    let _ = check(&after, today);
    let _ = diff(&before, &after);
    let csv = matrix_csv::write(&after, MatrixFilter::default());
    let written = yaml::write::model_files(&updated);
    if cfg!(feature = "roundtrip") {
        roundtrip(&after, written);
        if let Ok(csv) = csv {
            csv_roundtrip(model, &after, &csv);
        }
    }
});

/// The matrix CSV of the imported model, imported again, gives the same model.
fn csv_roundtrip(model: &Model, after: &View<'_>, csv: &str) {
    let allocations = match matrix_csv::read(model, csv) {
        Ok(a) => a,
        Err(errors) => panic!("the exported CSV does not import: {errors:#?}\n{csv}"),
    };
    let mut again = model.clone();
    again.allocations = allocations;
    let changes = diff(after, &View::new(&again));
    assert!(
        changes.is_empty(),
        "the exported CSV imports different: {changes:#?}\n{csv}"
    );
}

/// The imported model, written as YAML, must read back the same (as `demarc import csv`
/// writes it into the model directory).
fn roundtrip(after: &View<'_>, written: Vec<(String, String)>) {
    let again = match yaml::parse(&yaml::ModelFiles {
        files: written.clone(),
    }) {
        Ok(m) => m,
        Err(errors) => panic!("the imported model does not read back: {errors:#?}\n{written:#?}"),
    };
    let changes = diff(after, &View::new(&again));
    assert!(
        changes.is_empty(),
        "the imported model reads back different: {changes:#?}\n{written:#?}"
    );
}
