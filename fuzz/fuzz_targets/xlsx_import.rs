//! A matrix workbook from arbitrary bytes, read against the Riverside example model (as
//! `demarc import xlsx --into examples/riverside` would) and as a new model (as
//! `demarc import xlsx -o NEW` would). Neither may panic. With the `roundtrip` feature, an
//! accepted workbook must give a model whose own workbook reads back as the same model.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use demarc_core::check::check;
use demarc_core::diff::diff;
use demarc_core::report::MatrixFilter;
use demarc_core::{Date, Model, View};
use demarc_formats::yaml;
use demarc_office::Workbook;
use demarc_office::matrix_xlsx::{self, WorkbookInfo};
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

fn today() -> Date {
    Date::new(2026, 6, 1).expect("a real date")
}

fuzz_target!(|data: &[u8]| {
    let Ok(book) = Workbook::from_xlsx(data) else {
        return;
    };
    let model = riverside();
    if let Ok(allocations) = matrix_xlsx::read_book(model, &book) {
        let mut updated = model.clone();
        updated.allocations = allocations;
        let before = View::new(model);
        let after = View::new(&updated);
        let _ = check(&after, today());
        let _ = diff(&before, &after);
        if cfg!(feature = "roundtrip") {
            roundtrip(model, &after);
        }
    }
    if let Ok(imported) = matrix_xlsx::read_new_book(&book) {
        let view = View::new(&imported.model);
        let _ = check(&view, today());
        if cfg!(feature = "roundtrip") {
            let mut copy = imported.model.clone();
            let files = yaml::write::model_files_with_catalogues(&mut copy);
            let back = yaml::parse(&yaml::ModelFiles { files })
                .unwrap_or_else(|e| panic!("a new model's files do not read back: {e:?}"));
            assert_eq!(
                back.without_locations(),
                copy.without_locations(),
                "a new model does not read back the same"
            );
        }
    }
});

/// The workbook of the imported model, imported again into the original, gives the same
/// model. (Text Excel cannot hold in a cell is an error when writing, not a failed round
/// trip.)
fn roundtrip(model: &Model, after: &View<'_>) {
    let info = WorkbookInfo {
        date: today(),
        model_dir: None,
        read_back: None,
    };
    let Ok(bytes) = matrix_xlsx::write(after, MatrixFilter::default(), &info) else {
        return;
    };
    let allocations = match matrix_xlsx::read(model, &bytes) {
        Ok(a) => a,
        Err(e) => panic!("the exported workbook does not import: {e:?}"),
    };
    let mut again = model.clone();
    again.allocations = allocations;
    let changes = diff(after, &View::new(&again));
    assert!(
        changes.is_empty(),
        "the exported workbook imports different: {changes:#?}"
    );
}
