//! A workbook from arbitrary bytes, read as every importer reads one: as a FedRAMP CIS/CRM
//! workbook, as CSA CAIQ answers (XLSX, and the same bytes as CSV), and as a provider baseline.
//! None may panic; whatever is accepted must give a model that can be viewed, checked and
//! written back as YAML that reads back as the same model.
#![no_main]

use demarc_core::check::check;
use demarc_core::{Date, Model, View};
use demarc_formats::yaml;
use demarc_office::{Workbook, baseline, caiq, crm};
use libfuzzer_sys::fuzz_target;

fn exercise(model: &Model) {
    let view = View::new(model);
    let _ = check(&view, Date::new(2026, 6, 1).expect("a real date"));
    if cfg!(feature = "roundtrip") {
        let mut copy = model.clone();
        let files = yaml::write::model_files_with_catalogues(&mut copy);
        let back = yaml::parse(&yaml::ModelFiles { files })
            .unwrap_or_else(|e| panic!("an imported model's files do not read back: {e:?}"));
        assert_eq!(
            back.without_locations(),
            copy.without_locations(),
            "an imported model does not read back the same"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(book) = Workbook::from_xlsx(data) {
        let opts = crm::CrmImport::default();
        if let Ok(imported) = crm::import(&book, &opts, None, None) {
            exercise(&imported.model);
        }
        let opts = caiq::Options {
            source: "fuzz.xlsx",
            provider: None,
            service: None,
        };
        if let Ok(imported) = caiq::import(&book, None, &opts) {
            exercise(&imported.model);
        }
        if let Ok(b) = baseline::read("fuzz.xlsx", &book)
            && let Ok(imported) = baseline::new_model(&[b])
        {
            exercise(&imported.model);
        }
    }
    if let Ok(book) = caiq::read_file("fuzz.csv", data) {
        let opts = caiq::Options {
            source: "fuzz.csv",
            provider: None,
            service: None,
        };
        if let Ok(imported) = caiq::import(&book, None, &opts) {
            exercise(&imported.model);
        }
    }
});
