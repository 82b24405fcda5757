//! File plumbing shared by the file-backed stores: private folders, atomic replacement,
//! cross-process locks, and JSON written the way Python's `json.dump(sort_keys=True, indent=4)` does.

use super::StoreError;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::Value;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The user's home folder: `$HOME`, else the account's entry in the password database. An empty
/// `HOME` counts as unset.
pub fn home_dir() -> Option<PathBuf> {
    std::env::home_dir().filter(|h| !h.as_os_str().is_empty())
}

/// An XDG base folder: `$VAR` when it is an absolute path (the spec says to ignore a relative
/// one), else `~/under_home`; e.g. `xdg_dir("XDG_DATA_HOME", ".local/share")`.
pub fn xdg_dir(var: &str, under_home: &str) -> Option<PathBuf> {
    match std::env::var_os(var).map(PathBuf::from) {
        Some(p) if p.is_absolute() => Some(p),
        _ => home_dir().map(|h| h.join(under_home)),
    }
}

/// Creates the missing folders of `dir` with mode 0700 (existing folders are left as they are).
pub fn ensure_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| StoreError::io(dir.display().to_string(), e))
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Replaces `path` with `bytes`: a 0600 temporary file in the same folder, fsync, rename, fsync
/// of the folder. A reader sees the old file or the new one, never a mix; a crash leaves the old one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = parent_of(path);
    ensure_private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{name}.tmp-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    let loc = || path.display().to_string();
    let result = (|| -> io::Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        // The rename is durable only once the folder is.
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(|e| StoreError::io(loc(), e))
}

/// An exclusive OS file lock, released when dropped or when the process dies (even by SIGKILL).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes an exclusive lock on `path` (created 0600 if needed), waiting at most `timeout`.
pub fn lock_file(path: &Path, timeout: Duration, what: &str) -> Result<FileLock, StoreError> {
    ensure_private_dir(parent_of(path))?;
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(|e| StoreError::io(path.display().to_string(), e))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::io(path.display().to_string(), e))
            }
        }
        if start.elapsed() >= timeout {
            return Err(StoreError::LockTimeout {
                waited: timeout,
                what: what.to_string(),
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

/// How long a write waits for another process's write to the same file to finish.
pub const WRITE_LOCK_WAIT: Duration = Duration::from_secs(30);

/// A read-modify-write of a JSON file shared between processes: under the file's write lock,
/// `read` parses it, `f` changes it and says whether it did, and only then is it replaced
/// atomically with `write`'s JSON. A file `read` rejects is never written.
pub fn modify_json_file<D, T>(
    path: &Path,
    read: impl FnOnce() -> Result<D, StoreError>,
    f: impl FnOnce(&mut D) -> Result<(T, bool), StoreError>,
    write: impl FnOnce(D) -> Value,
) -> Result<T, StoreError> {
    let _lock = lock_file(
        &lock_path(path, "file"),
        WRITE_LOCK_WAIT,
        &path.display().to_string(),
    )?;
    let mut data = read()?;
    let (out, changed) = f(&mut data)?;
    if changed {
        write_atomic(path, &to_python_json(&write(data)))?;
    }
    Ok(out)
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

/// A file-name-safe, collision-free rendering of a profile name (hex of its bytes).
pub fn hex_name(name: &str) -> String {
    hex_name_bytes(name.as_bytes())
}

/// Lower-case hex of some bytes.
pub fn hex_name_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Python's `json.dumps(value, sort_keys=True, indent=4)`: keys sorted, four spaces, `": "`,
/// non-ASCII escaped as `\uXXXX`.
pub fn to_python_json(value: &Value) -> Vec<u8> {
    let value = &sorted(value);
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        AsciiPretty(PrettyFormatter::with_indent(b"    ")),
    );
    // Serializing a Value into a Vec cannot fail.
    let _ = serde::Serialize::serialize(value, &mut ser);
    out
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k.clone(), sorted(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

struct AsciiPretty<'a>(PrettyFormatter<'a>);

impl Formatter for AsciiPretty<'_> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for ch in fragment.chars() {
            if ch.is_ascii() {
                let mut b = [0u8; 1];
                w.write_all(ch.encode_utf8(&mut b).as_bytes())?;
            } else {
                let mut units = [0u16; 2];
                for u in ch.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
            }
        }
        Ok(())
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn python_style_json() {
        let v = json!({"profiles": {"1": {"profile": "défaut", "b": [1, 2], "a": {}}}});
        let s = String::from_utf8(to_python_json(&v)).unwrap();
        let expected = "{\n    \"profiles\": {\n        \"1\": {\n            \"a\": {},\n            \"b\": [\n                1,\n                2\n            ],\n            \"profile\": \"d\\u00e9faut\"\n        }\n    }\n}";
        assert_eq!(s, expected);
        assert_eq!(
            String::from_utf8(to_python_json(&json!("😀"))).unwrap(),
            "\"\\ud83d\\ude00\""
        );
    }

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
    fn lock_times_out_while_held() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("x.lock");
        let held = lock_file(&p, Duration::from_millis(50), "x").unwrap();
        let err = lock_file(&p, Duration::from_millis(50), "x").unwrap_err();
        assert!(matches!(err, StoreError::LockTimeout { .. }));
        drop(held);
        lock_file(&p, Duration::from_millis(50), "x").unwrap();
    }
}
