//! File plumbing shared by the file-backed stores: private folders, atomic replacement,
//! cross-process locks, and JSON written the way Python's `json.dump(sort_keys=True, indent=4)` does.

use super::StoreError;
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::Value;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Write};
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

/// Makes a file these options create private: mode 0600 on Unix. Elsewhere (Windows) a new file
/// takes the access list of its folder, which under the user's profile is the user's own.
pub fn private_file(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Creates the missing folders of `dir` with mode 0700 (existing folders are left as they are).
pub fn ensure_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| StoreError::io(dir.display().to_string(), e))
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Where the data of `path` really lives: `path`, or the file at the end of its symbolic links.
/// Writes and locks go there, so a link (into a dotfiles repository, a shared mount) stays a link
/// and its target sees every write, as it does for pancloud, which opens the path.
pub fn real_path(path: &Path) -> Result<PathBuf, StoreError> {
    let mut p = path.to_path_buf();
    // Linux gives up after 40 links too.
    for _ in 0..40 {
        match fs::read_link(&p) {
            Ok(target) if target.is_absolute() => p = target,
            Ok(target) => p = parent_of(&p).join(target),
            Err(_) => return Ok(p),
        }
    }
    Err(StoreError::io(
        path.display().to_string(),
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
/// the file. Called only under the file's write lock: every write holds it from its temporary
/// file to its rename, so no live writer owns one of them. Other files are never touched.
fn remove_stale_temps(path: &Path) {
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
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = parent_of(path);
    ensure_private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(temp_name(&name));
    let loc = || path.display().to_string();
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
    result.map_err(|e| StoreError::io(loc(), e))
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

/// An exclusive OS file lock, released when dropped or when the process dies (even by SIGKILL).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes an exclusive lock on `path` (created 0600 if needed), waiting at most `timeout`.
pub fn lock_file(path: &Path, timeout: Duration, what: &str) -> Result<FileLock, StoreError> {
    ensure_private_dir(parent_of(path))?;
    let file = private_file(
        OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false),
    )
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
/// atomically with `write`'s JSON. A file `read` rejects is never written. A symbolic link is
/// written through ([`real_path`]), and temporary files of killed writes are cleaned up.
pub fn modify_json_file<D, T>(
    path: &Path,
    read: impl FnOnce() -> Result<D, StoreError>,
    f: impl FnOnce(&mut D) -> Result<(T, bool), StoreError>,
    write: impl FnOnce(D) -> Value,
) -> Result<T, StoreError> {
    let real = real_path(path)?;
    let _lock = lock_file(
        &lock_path(&real, "file"),
        WRITE_LOCK_WAIT,
        &path.display().to_string(),
    )?;
    let mut data = read()?;
    let (out, changed) = f(&mut data)?;
    if changed {
        remove_stale_temps(&real);
        write_atomic(&real, &to_python_json(&write(data)))?;
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

/// A file-name-safe, collision-free rendering of a profile name: the hex of its bytes, or past
/// [`HEX_NAME_MAX`] bytes `sha256-` and the hex of its digest, so that a file named after a
/// profile stays far below the 255-byte limit of file names whatever the name's length.
pub fn hex_name(name: &str) -> String {
    if name.len() <= HEX_NAME_MAX {
        hex_name_bytes(name.as_bytes())
    } else {
        use sha2::Digest;
        format!(
            "sha256-{}",
            hex_name_bytes(&sha2::Sha256::digest(name.as_bytes()))
        )
    }
}

/// Lower-case hex of some bytes.
pub fn hex_name_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Names up to this many bytes keep the plain hex form (as earlier versions named their locks).
pub const HEX_NAME_MAX: usize = 100;

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

#[cfg(all(test, unix))]
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
    fn a_symbolic_link_is_written_through_and_stays_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("dotfiles/credentials.json");
        write_atomic(&real, b"{}").unwrap();
        let link = tmp.path().join("config/credentials.json");
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("../dotfiles/credentials.json", &link).unwrap();
        modify_json_file(&link, || Ok(()), |_| Ok(((), true)), |_| json!({"x": 1})).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), to_python_json(&json!({"x": 1})));
        // A loop of links is an error, not a hang or a replaced link.
        let a = tmp.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", tmp.path().join("b")).unwrap();
        assert!(modify_json_file(&a, || Ok(()), |_| Ok(((), true)), |_| json!({})).is_err());
        assert!(fs::symlink_metadata(&a).unwrap().file_type().is_symlink());
    }

    #[test]
    fn a_write_removes_only_our_stale_temporary_files() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("credentials.json");
        let ours = [
            ".credentials.json.tmp-4242-0badf00d",
            ".credentials.json.tmp-1-ffffffff",
        ];
        let others = [
            ".credentials.json.tmp-x",
            ".credentials.json.tmp-12-short",
            ".other.json.tmp-1-0badf00d",
            "credentials.json.tmp-1-0badf00d",
            "notes.txt",
        ];
        for f in ours.iter().chain(&others) {
            fs::write(tmp.path().join(f), "secret").unwrap();
        }
        modify_json_file(&path, || Ok(()), |_| Ok(((), true)), |_| json!({})).unwrap();
        for f in ours {
            assert!(!tmp.path().join(f).exists(), "{f} left behind");
        }
        for f in others {
            assert!(tmp.path().join(f).exists(), "{f} removed");
        }
    }

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
    fn lock_names_stay_short_whatever_the_profile_name() {
        assert_eq!(hex_name("ab"), "6162");
        let long = "𝔘".repeat(crate::profile::name::MAX_CHARS);
        let other = format!("{}x", "𝔘".repeat(crate::profile::name::MAX_CHARS - 1));
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
        assert!(matches!(err, StoreError::LockTimeout { .. }));
        drop(held);
        lock_file(&p, Duration::from_millis(50), "x").unwrap();
    }
}
