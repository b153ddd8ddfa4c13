//! Readers and writers for demarc.
//!
//! - [`yaml`]: model directories (YAML files people keep in git), read with file/line/column
//!   errors and written back.
//! - [`schema`]: the JSON Schema of those files.
//! - [`builtin`]: the catalogues and presets that ship in the binary.
//! - [`matrix_csv`]: the matrix as CSV, both ways.
//! - [`export`]: the documents (matrix, contract schedule, policy annex, board summary) as
//!   Markdown, HTML, CSV and JSON.
//! - [`init`]: a starter model a non-expert can fill in.
//!
//! Everything here reads and writes text; only [`yaml::read_dir`] and [`yaml::write::write_dir`]
//! touch the file system.

pub mod builtin;
pub mod export;
pub mod init;
pub mod matrix_csv;
pub mod schema;
pub mod yaml;
