//! How a store tells a watcher that someone changed it: a cheap change token that differs after
//! every write by any process. Local stores answer from their files' metadata (no read of the
//! data, no lock); networked stores keep a counter that every write bumps.

use std::hash::{Hash, Hasher};
use std::path::Path;

/// A token over the metadata of `paths`: device, inode, size and modification time of each (a
/// missing file counts too). An atomic replace changes the inode, an in-place write the size or
/// the time, so any write by any process shows.
pub fn file_stamp(paths: &[&Path]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(m) => {
                true.hash(&mut h);
                m.len().hash(&mut h);
                m.modified().ok().hash(&mut h);
                identity(&m).hash(&mut h);
            }
            Err(e) => {
                false.hash(&mut h);
                (e.kind() as u32).hash(&mut h);
            }
        }
    }
    h.finish()
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64, i64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino(), m.ctime_nsec())
}

#[cfg(not(unix))]
fn identity(_m: &std::fs::Metadata) -> (u64, u64, i64) {
    (0, 0, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_a_replace_and_a_removal_each_change_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("credentials.json");
        let missing = file_stamp(&[&f]);
        std::fs::write(&f, b"{}").unwrap();
        let written = file_stamp(&[&f]);
        assert_ne!(missing, written);
        assert_eq!(written, file_stamp(&[&f]), "nothing changed, same stamp");
        let tmp = dir.path().join("tmp");
        std::fs::write(&tmp, b"{}").unwrap();
        std::fs::rename(&tmp, &f).unwrap();
        assert_ne!(
            written,
            file_stamp(&[&f]),
            "an atomic replace of the same bytes"
        );
        std::fs::remove_file(&f).unwrap();
        assert_eq!(missing, file_stamp(&[&f]));
    }
}
