//! Tests of demarc-office: workbooks in and out, Word documents out. One test binary; each
//! module is one area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod baseline;
mod caiq;
mod crm;
mod docx;
mod xlsx;

use std::path::{Path, PathBuf};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/data/<sub>` beside the repository, or `None` (and a line saying the test is
/// skipped) when it is not there.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let p = repo().join("../shared/data").join(sub);
    if p.exists() {
        Some(p)
    } else {
        println!("SKIPPED: {} is not there", p.display());
        None
    }
}
