//! Files and directories a test writes under the temporary directory: removed when the test
//! passes, kept when it fails (the thread is panicking), with their path printed beside the
//! failure so that a daemon's log or a broker's data can be read afterwards.

use std::path::{Path, PathBuf};

/// A path under the temporary directory that the test owns; see the module doc.
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
}

impl Scratch {
    /// A new, empty directory `<temp>/<prefix><random>`.
    pub fn dir(prefix: &str) -> Scratch {
        let path = std::env::temp_dir().join(super::unique(prefix));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Scratch { path }
    }

    /// The path of a file `<temp>/<prefix><random>.<extension>`, not created yet.
    pub fn file(prefix: &str, extension: &str) -> Scratch {
        Scratch { path: std::env::temp_dir().join(format!("{}.{extension}", super::unique(prefix))) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if self.path.exists() {
                eprintln!("kept for the failed test: {}", self.path.display());
            }
        } else if self.path.is_dir() {
            let _ = std::fs::remove_dir_all(&self.path);
        } else {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
