//! The JSON Schema of the model files, printed by `demarc schema`.
//!
//! Derived from the same types the reader uses, so it cannot drift from what is accepted.

use schemars::generate::SchemaSettings;

use crate::yaml::raw;

/// Which file's schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaFile {
    Model,
    Parties,
    Services,
    Allocations,
    Catalogue,
}

impl SchemaFile {
    pub const ALL: [SchemaFile; 5] = [
        SchemaFile::Model,
        SchemaFile::Parties,
        SchemaFile::Services,
        SchemaFile::Allocations,
        SchemaFile::Catalogue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaFile::Model => "model",
            SchemaFile::Parties => "parties",
            SchemaFile::Services => "services",
            SchemaFile::Allocations => "allocations",
            SchemaFile::Catalogue => "catalogue",
        }
    }

    /// The files this schema applies to, as glob patterns for editors.
    pub fn pattern(self) -> &'static str {
        match self {
            SchemaFile::Model => "demarc.yaml",
            SchemaFile::Parties => "parties.yaml",
            SchemaFile::Services => "services.yaml",
            SchemaFile::Allocations => "allocations/*.yaml",
            SchemaFile::Catalogue => "catalogue*.yaml",
        }
    }
}

/// The JSON Schema (draft 2020-12) of one kind of model file, pretty-printed.
pub fn schema(file: SchemaFile) -> String {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = match file {
        SchemaFile::Model => generator.into_root_schema_for::<raw::ModelFile>(),
        SchemaFile::Parties => generator.into_root_schema_for::<raw::PartiesFile>(),
        SchemaFile::Services => generator.into_root_schema_for::<raw::ServicesFile>(),
        SchemaFile::Allocations => generator.into_root_schema_for::<raw::AllocationsFile>(),
        SchemaFile::Catalogue => generator.into_root_schema_for::<raw::CatalogueFile>(),
    };
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// One schema that accepts any model file (each file's schema as an alternative).
pub fn all_schema() -> String {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<raw::AnyModelFile>();
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
