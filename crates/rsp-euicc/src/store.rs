//! Persistence of [`EuiccState`] to a JSON file, written atomically (temporary file in
//! the same directory, fsync, rename) so a crash leaves the old or the new state.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::EuiccError;
use crate::state::EuiccState;

/// Where the state lives: a JSON file, or nowhere (in memory only, for tests and tools).
#[derive(Clone, Debug, Default)]
pub struct StateStore {
    path: Option<PathBuf>,
}

impl StateStore {
    /// State kept in memory only.
    pub fn memory() -> Self {
        StateStore { path: None }
    }

    /// State persisted to `path`.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        StateStore {
            path: Some(path.into()),
        }
    }

    /// The file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Reads the state; a missing file gives a fresh state.
    pub fn load(&self) -> Result<EuiccState, EuiccError> {
        let Some(path) = &self.path else {
            return Ok(EuiccState::default());
        };
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| EuiccError::State {
                path: path.display().to_string(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(EuiccState::default()),
            Err(source) => Err(EuiccError::Io {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// Writes the state atomically.
    pub fn save(&self, state: &EuiccState) -> Result<(), EuiccError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| EuiccError::Io {
            path: path.display().to_string(),
            source,
        };
        let json = serde_json::to_vec_pretty(state).map_err(|e| EuiccError::State {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut tmp = path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            // The state holds profile packages (network keys): owner-only access.
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut file = opts.open(&tmp).map_err(io)?;
            file.write_all(&json).map_err(io)?;
            file.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }
}
