//! Reading files pancred keeps data in: regular files only, never more than a bound, and a
//! warning when others can read one that holds secrets.

use super::FileError;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// The most a file of profiles may hold (the credentials file, the keyring's settings file):
/// 16 MiB is tens of thousands of profiles, and reading it whole stays cheap.
pub const MAX_DATA_FILE: u64 = 16 * 1024 * 1024;

/// The bytes of the regular file at `path`; `Ok(None)` when there is none. A FIFO, a device, a
/// socket or a folder is refused at once: the file is opened without waiting for a writer
/// (`O_NONBLOCK`) and its type checked on the open handle, so a FIFO never blocks the caller. A
/// file larger than `limit` bytes is refused before a byte of it is read.
pub fn read_regular(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, FileError> {
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::io(path, e)),
    };
    let meta = file.metadata().map_err(|e| FileError::io(path, e))?;
    if !meta.is_file() {
        return Err(FileError::io(
            path,
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} and not a regular file; pancred reads only regular files here",
                    what_it_is(&meta.file_type())
                ),
            ),
        ));
    }
    let too_large = |size: u64| {
        FileError::io(
            path,
            io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!(
                    "{size} bytes, more than the {} this file may hold; it was not read",
                    show_size(limit)
                ),
            ),
        )
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow while it is read: never past the bound.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(Some(bytes))
}

fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    // Opening a FIFO for reading waits for a writer, unless non-blocking; a regular file's reads
    // are the same either way.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    options.open(path)
}

fn what_it_is(t: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else {
        "something else"
    }
}

fn show_size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// The rule for a file or folder pancred keeps secrets in or trusts to decide where secrets go:
/// this user owns it, and no other user has any of the permission bits in `others` (`0o077` for
/// secrets: read or write; `0o022` for what only must not be changed by others). Says why not;
/// `None` when it is the user's own.
pub fn not_users_own(meta: &fs::Metadata, others: u32) -> Option<String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let owner = meta.uid();
    if owner != rustix::process::geteuid().as_raw() {
        return Some(format!("belongs to another user (uid {owner})"));
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & others == 0 {
        return None;
    }
    let what = if mode & others & 0o022 != 0 {
        "write"
    } else {
        "read"
    };
    Some(format!("other users can {what} it (mode {mode:04o})"))
}

/// A warning when the file at `path` (which holds secrets) is not the user's own by
/// [`not_users_own`]: naming it and the command that fixes it. `None` when it is private or absent.
pub fn readable_by_others(path: &Path) -> Option<String> {
    let why = not_users_own(&fs::metadata(path).ok()?, 0o077)?;
    let shown = path.display().to_string();
    let plain = shown
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@".contains(&b));
    let arg = if plain {
        shown.clone()
    } else {
        format!("'{}'", shown.replace('\'', "'\\''"))
    };
    let fix = if why.starts_with("belongs") {
        "copy it to a file of your own".to_string()
    } else {
        format!("make it private: chmod 600 {}", crate::text::Safe(&arg))
    };
    Some(format!(
        "{} holds secrets and {why}; {fix}",
        crate::text::Safe(&shown),
    ))
}

#[cfg(all(test, unix))]
#[allow(clippy::disallowed_methods)] // the tests make the files they read
mod tests {
    use super::*;
    use crate::files::write_atomic;
    use std::os::unix::fs::PermissionsExt;
    use std::time::{Duration, Instant};

    #[test]
    fn files_others_can_read_are_warned_about() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("my creds.json");
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(readable_by_others(&path), None);
        for mode in [0o644, 0o640, 0o606] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
            let w = readable_by_others(&path).unwrap();
            assert!(w.contains(&format!("mode 0{mode:o}")), "{w}");
            assert!(
                w.contains(&format!("chmod 600 '{}'", path.display())),
                "{w}"
            );
        }
        assert_eq!(readable_by_others(&tmp.path().join("absent")), None);
    }

    #[test]
    fn regular_files_are_read_within_the_bound() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f.json");
        assert!(read_regular(&path, 10).unwrap().is_none());
        write_atomic(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap().unwrap(), b"0123456789");
        let err = read_regular(&path, 9).unwrap_err().to_string();
        assert!(err.contains("f.json") && err.contains("10 bytes"), "{err}");
    }

    #[test]
    fn a_fifo_a_device_and_a_folder_are_refused_at_once() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let start = Instant::now();
        for (path, what) in [
            (fifo.as_path(), "named pipe"),
            (Path::new("/dev/zero"), "device"),
            (tmp.path(), "folder"),
        ] {
            let err = read_regular(path, MAX_DATA_FILE).unwrap_err().to_string();
            assert!(
                err.contains(what) && err.contains("not a regular file"),
                "{err}"
            );
        }
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
