//! Helpers shared by the test modules.

use std::path::PathBuf;

/// `../shared/data/<rel>` from the workspace root, or `None` (with a message on stderr, so a
/// skipped test says so) when it is absent.
pub fn shared_data(rel: &str) -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let path = root.join(rel);
    if path.exists() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is absent (the shared data directory is not on this machine)",
            path.display()
        );
        None
    }
}
