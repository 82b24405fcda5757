//! pancloud's byte format: JSON as TinyDB writes it (Python's `json.dump(sort_keys=True,
//! indent=4)`), and the locked read-modify-write of a file in it, which the file store and the
//! keyring's settings file share.

use super::StoreError;
use crate::files::{
    lock_file, lock_path, real_path, remove_stale_temps, write_atomic, WRITE_LOCK_WAIT,
};
use serde_json::ser::{Formatter, PrettyFormatter};
use serde_json::Value;
use std::io;
use std::path::Path;

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
    use std::fs;

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
}
