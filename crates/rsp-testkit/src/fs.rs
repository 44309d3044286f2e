//! Temporary directories for tests.

use std::path::{Path, PathBuf};

/// A fresh directory `rsp_test_<random>` under the system temp directory, removed (with its
/// contents) on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates the directory.
    pub fn new() -> Self {
        let p = std::env::temp_dir().join(format!("rsp_test_{}", crate::random_hex(8)));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
