//! An OSCAL document from arbitrary bytes (JSON or YAML): read it, check it against the
//! schema (both ways: while parsing, and with the `jsonschema` crate), and import it into a model — catalogs and profiles through the catalogue mapping,
//! plans and component definitions through the model mapping. With `roundtrip`, the imported
//! model must write and read back as a model directory unchanged (what `import oscal` writes).
#![no_main]

use demarc_oscal::document;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = document::from_bytes("fuzz.json", data) else {
        return;
    };
    let problems = demarc_oscal::schema::validate(&doc);
    // The check while parsing may never find valid what the schema rejects, and must build
    // the value the slow path parsed.
    if let Some(valid) = demarc_oscal::stream::parse_valid(data, &|_| true) {
        assert!(
            problems.is_empty(),
            "the check while parsing finds valid what the schema rejects: {problems:?}"
        );
        assert!(
            valid.value.as_ref() == Some(&doc.value) && valid.kind == doc.kind,
            "the check while parsing built another document"
        );
    }
    let Ok(imported) = demarc_oscal::import::import_documents(vec![doc], &[]) else {
        return;
    };
    #[cfg(feature = "roundtrip")]
    {
        use demarc_formats::yaml::{self, ModelFiles, write};
        let mut model = imported.model;
        let files = write::model_files_with_catalogues(&mut model);
        match yaml::parse(&ModelFiles { files }) {
            Ok(back) => assert!(
                back.without_locations() == model.without_locations(),
                "an imported model does not read back the same"
            ),
            Err(e) => panic!("an imported model does not read back: {}", e[0]),
        }
    }
    #[cfg(not(feature = "roundtrip"))]
    drop(imported);
});
