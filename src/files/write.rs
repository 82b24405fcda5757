//! Writing files that hold secrets: private (0600 files, 0700 folders), replaced atomically,
//! written through symbolic links, and no temporary file left behind.

// The file writers that clippy.toml keeps from the faces are these, and what they call.
#![allow(clippy::disallowed_methods)]

use super::{parent_of, FileError};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Makes a file these options create private: mode 0600 on Unix. Elsewhere (Windows) a new file
/// takes the access list of its folder, which under the user's profile is the user's own.
pub fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Creates the missing folders of `dir` with mode 0700 (existing folders are left as they are).
pub fn ensure_private_dir(dir: &Path) -> Result<(), FileError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| FileError::io(dir, e))
}

/// Where the data of `path` really lives: `path`, or the file at the end of its symbolic links.
/// Writes and locks go there, so a link (into a dotfiles repository, a shared mount) stays a link
/// and its target sees every write, as it does for pancloud, which opens the path.
pub fn real_path(path: &Path) -> Result<PathBuf, FileError> {
    let mut p = path.to_path_buf();
    // Linux gives up after 40 links too.
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(target) if target.is_absolute() => p = target,
            Ok(target) => p = parent_of(&p).join(target),
            Err(_) => return Ok(p),
        }
    }
    Err(FileError::io(
        path,
        io::Error::other("too many levels of symbolic links"),
    ))
}

/// The temporary file a write of `path` goes through: `.NAME.tmp-PID-RANDOM` beside it.
fn temp_name(name: &str) -> String {
    format!(
        ".{name}.tmp-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Whether `file` is one of our temporary files for `name` (exactly the shape of [`temp_name`]).
fn is_our_temp(file: &str, name: &str) -> bool {
    let Some(rest) = file
        .strip_prefix('.')
        .and_then(|f| f.strip_prefix(name))
        .and_then(|f| f.strip_prefix(".tmp-"))
    else {
        return false;
    };
    let Some((pid, random)) = rest.split_once('-') else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 8
        && random.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Removes the temporary files a killed write of `path` left behind. They hold every secret of
/// the file. Call it only under the file's write lock: every write holds it from its temporary
/// file to its rename, so no live writer owns one of them. Other files are never touched.
pub fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(parent_of(path)) else {
        return;
    };
    for e in entries.flatten() {
        let file = e.file_name();
        if is_our_temp(&file.to_string_lossy(), &name) && e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Replaces `path` with `bytes`: a 0600 temporary file in the same folder, fsync, rename, fsync
/// of the folder. A reader sees the old file or the new one, never a mix; a crash leaves the old one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let dir = parent_of(path);
    ensure_private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(temp_name(&name));
    let result = (|| -> io::Result<()> {
        let mut f = private_file(OpenOptions::new().write(true).create_new(true)).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename is durable only once the folder is (Unix; Windows cannot open a folder).
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| FileError::io(path, e))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_write_makes_private_file_and_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("a/b/creds.json");
        write_atomic(&path, b"{}").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        write_atomic(&path, b"{\"x\": 1}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{\"x\": 1}");
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn only_our_temporary_files_count_as_ours() {
        assert!(is_our_temp(".c.json.tmp-4242-0badf00d", "c.json"));
        for other in [
            ".c.json.tmp-x",
            ".c.json.tmp-12-short",
            ".o.json.tmp-1-0badf00d",
            "c.json.tmp-1-0badf00d",
            ".c.json.tmp--0badf00d",
        ] {
            assert!(!is_our_temp(other, "c.json"), "{other}");
        }
    }
}
