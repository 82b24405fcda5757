//! Files on this machine, below every layer that keeps data in them (the stores, the engine's
//! rescue files, the discovery cache): where they live ([`dirs`]), how they are written
//! ([`write`]: private, atomic, through symbolic links), locked ([`lock`]), named ([`names`]) and
//! read ([`read`]: regular files only, bounded).

pub mod dirs;
pub mod lock;
pub mod names;
pub mod read;
pub mod write;

pub use dirs::{home_dir, runtime_dir, xdg_dir};
pub use lock::{lock_file, lock_path, FileLock, WRITE_LOCK_WAIT};
pub use names::{hex_name, hex_name_bytes, HEX_NAME_MAX};
pub use read::{not_users_own, read_regular, readable_by_others, MAX_DATA_FILE};
pub use write::{ensure_private_dir, private_file, real_path, remove_stale_temps, write_atomic};

use std::io;
use std::path::Path;
use std::time::Duration;

/// What went wrong with a file, naming it.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    /// Another process held the lock for the whole wait (the stores say what to do about it).
    #[error("timed out after {waited:?} waiting for the lock on {what}")]
    LockTimeout { waited: Duration, what: String },
}

impl FileError {
    pub fn io(path: &Path, source: io::Error) -> Self {
        FileError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The folder a file is in (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
