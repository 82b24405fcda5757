//! The sqlite store's database file: where it really is, creating it private, and SQLite's
//! errors in the store's words.

use crate::store::StoreError;
use rusqlite::ErrorCode;
use std::path::{Path, PathBuf};

/// Where a chain of symbolic links at `path` leads (the path itself when it is none, or the
/// chain is too long: then opening it reports the problem).
pub(super) fn resolve_links(path: &Path) -> PathBuf {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&at) {
            Ok(target) => {
                at = match at.parent() {
                    Some(dir) => dir.join(target),
                    None => target,
                }
            }
            Err(_) => return at,
        }
    }
    path.to_path_buf()
}

/// Creates the database file 0600 if it is missing: SQLite gives its `-wal` and `-shm` files the
/// database's mode, so the secrets never sit in a file others can read.
pub(super) fn create_private(path: &Path) -> Result<(), StoreError> {
    match crate::files::private_file(std::fs::OpenOptions::new().write(true).create_new(true))
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::io(path.display().to_string(), e)),
    }
}

/// SQLite's errors as the store's: a corrupt file, a lock held too long, anything else.
pub(super) fn map_err(location: &str, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            location: location.to_string(),
            what: format!(
                "not a usable SQLite database ({e}); it was left as it is: restore it from a backup, or move it away to start afresh"
            ),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Backend(format!(
            "{location}: the database stayed locked by another program past the timeout ({e}); nothing was changed"
        )),
        Some(ErrorCode::ReadOnly) => StoreError::Backend(format!(
            "{location}: the database cannot be written ({e}); is the disk read-only? Nothing was changed"
        )),
        Some(ErrorCode::CannotOpen) => StoreError::Backend(format!(
            "{location}: cannot open the database ({e}); is its folder on a read-only disk, or not yours to write? Nothing was changed"
        )),
        _ => StoreError::Backend(format!("{location}: {e}")),
    }
}
