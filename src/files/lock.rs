//! Cross-process locks on files: an OS lock, released when its holder exits, even by SIGKILL.

// A lock file is created (empty, 0600) where it is missing: the one write here.
#![allow(clippy::disallowed_methods)]

use super::{ensure_private_dir, parent_of, private_file, FileError};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// An exclusive OS file lock, released when dropped or when the process dies (even by SIGKILL).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// How long a write waits for another process's write to the same file to finish.
pub const WRITE_LOCK_WAIT: Duration = Duration::from_secs(30);

/// Takes an exclusive lock on `path` (created 0600 if needed), waiting at most `timeout`.
pub fn lock_file(path: &Path, timeout: Duration, what: &str) -> Result<FileLock, FileError> {
    ensure_private_dir(parent_of(path))?;
    let file = private_file(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
    .open(path)
    .map_err(|e| FileError::io(path, e))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(FileError::io(path, e)),
        }
        if start.elapsed() >= timeout {
            return Err(FileError::LockTimeout {
                waited: timeout,
                what: what.to_string(),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

/// The lock-file path for `data` and a purpose: `.NAME.locks/PURPOSE.lock` beside the data file.
pub fn lock_path(data: &Path, purpose: &str) -> PathBuf {
    let name = data
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parent_of(data)
        .join(format!(".{name}.locks"))
        .join(format!("{purpose}.lock"))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::files::{hex_name, HEX_NAME_MAX};

    #[test]
    fn lock_names_stay_short_whatever_the_profile_name() {
        assert_eq!(hex_name("ab"), "6162");
        // 4 bytes a character: far past the plain form.
        let long = "𝔘".repeat(200);
        let other = format!("{}x", "𝔘".repeat(199));
        assert!(hex_name(&long).len() <= 2 * HEX_NAME_MAX);
        assert_ne!(hex_name(&long), hex_name(&other));
        let tmp = tempfile::tempdir().unwrap();
        let path = lock_path(
            &tmp.path().join("c.json"),
            &format!("refresh-{}", hex_name(&long)),
        );
        lock_file(&path, Duration::from_millis(50), "x").unwrap();
    }

    #[test]
    fn lock_times_out_while_held() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.lock");
        let held = lock_file(&p, Duration::from_millis(50), "x").unwrap();
        let err = lock_file(&p, Duration::from_millis(50), "x").unwrap_err();
        assert!(matches!(err, FileError::LockTimeout { .. }));
        drop(held);
        lock_file(&p, Duration::from_millis(50), "x").unwrap();
    }
}
