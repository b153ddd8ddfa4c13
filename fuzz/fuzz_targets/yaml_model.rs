//! A model directory from arbitrary bytes: `yaml::parse`, then (if it parses) the view, the
//! checks, the diff, the matrix CSV and the YAML writer.
//!
//! The input is split on NUL bytes into the model's files, in this order:
//!
//! 0. `demarc.yaml`
//! 1. `parties.yaml`
//! 2. `services.yaml`
//! 3. `catalogue.yaml` (read only if `demarc.yaml` names it under `catalogues:`)
//! 4. and on: `allocations/NN.yaml`, at most 12 of them
//!
//! `seed.sh` writes the example models in this shape. A part that is not UTF-8 is read
//! lossily, so the fuzzer can still reach the YAML parser with it.
#![no_main]

use demarc_core::check::check;
use demarc_core::diff::diff;
use demarc_core::report::MatrixFilter;
use demarc_core::{Code, Date, Model, View};
use demarc_formats::matrix_csv;
use demarc_formats::yaml::{self, ModelFiles};
use libfuzzer_sys::fuzz_target;

const FIXED: [&str; 4] = [
    "demarc.yaml",
    "parties.yaml",
    "services.yaml",
    "catalogue.yaml",
];
const MAX_ALLOCATION_FILES: usize = 12;

fn files_from(data: &[u8]) -> ModelFiles {
    let mut files = Vec::new();
    for (i, part) in data.split(|&b| b == 0).enumerate() {
        let name = match FIXED.get(i) {
            Some(n) => (*n).to_owned(),
            None if i - FIXED.len() < MAX_ALLOCATION_FILES => {
                format!("allocations/{:02}.yaml", i - FIXED.len())
            }
            None => break,
        };
        files.push((name, String::from_utf8_lossy(part).into_owned()));
    }
    ModelFiles { files }
}

fuzz_target!(|data: &[u8]| {
    let files = files_from(data);
    let Ok(model) = yaml::parse(&files) else {
        return;
    };
    let today = Date::new(2026, 6, 1).expect("a real date");
    let view = View::new(&model);
    let findings = check(&view, today);
    let _ = diff(&view, &view);
    let csv = matrix_csv::write(&view, MatrixFilter::default());
    let written = yaml::write::model_files(&model);
    if cfg!(feature = "roundtrip") {
        // With an id defined twice, which definition a reference means is not defined either,
        // so there is no "same model" to compare with; `check` reports it as an error.
        if !findings.iter().any(|f| f.code == Code::DuplicateId) {
            roundtrip(&files, &view, written);
            if let Ok(csv) = csv
                && csv_safe_ids(&model)
                && !findings.iter().any(|f| f.code == Code::UnknownReference)
            {
                csv_roundtrip(&model, &view, &csv);
            }
        }
    }
});

/// What the writer wrote must read back as the same model (the diff between them is empty).
fn roundtrip(original: &ModelFiles, view: &View<'_>, mut written: Vec<(String, String)>) {
    // The writer leaves the model's own catalogue files alone; they stay in the directory.
    written.extend(
        original
            .files
            .iter()
            .filter(|(n, _)| n == FIXED[3])
            .cloned(),
    );
    let again = match yaml::parse(&ModelFiles {
        files: written.clone(),
    }) {
        Ok(m) => m,
        Err(errors) => panic!("the written model does not read back: {errors:#?}\n{written:#?}"),
    };
    let changes = diff(view, &View::new(&again));
    assert!(
        changes.is_empty(),
        "the written model reads back different: {changes:#?}\n{written:#?}"
    );
}

/// Whether every party id can stand in the CSV's `owner` column, which lists several owners
/// separated by commas and trims each. (No rule stops an id from holding a comma yet.)
fn csv_safe_ids(model: &Model) -> bool {
    model
        .parties
        .iter()
        .all(|p| !p.id.contains(',') && p.id.trim() == p.id)
}

/// The model's matrix CSV, imported into the model, gives the same model.
fn csv_roundtrip(model: &Model, view: &View<'_>, csv: &str) {
    let allocations = match matrix_csv::read(model, csv) {
        Ok(a) => a,
        Err(errors) => panic!("the exported CSV does not import: {errors:#?}\n{csv}"),
    };
    let mut again = model.clone();
    again.allocations = allocations;
    let changes = diff(view, &View::new(&again));
    assert!(
        changes.is_empty(),
        "the exported CSV imports different: {changes:#?}\n{csv}"
    );
}
