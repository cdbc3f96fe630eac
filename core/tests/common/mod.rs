//! Helpers shared by the integration tests.

use std::fs;
use std::path::{Path, PathBuf};

/// The non-empty lines of a fixture file.
pub fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect()
}

/// `../shared/data` beside the repository (public rules and logs).
pub fn shared_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data")
}
