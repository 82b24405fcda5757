//! Issuer metadata kept between runs, one file per issuer under
//! `$XDG_CACHE_HOME/pancred/discovery/` (else `~/.cache/pancred/discovery/`), so that a refresh
//! costs one request to the provider, not two.
//!
//! An entry lives as long as the metadata's `Cache-Control: max-age` says, else a day. The cache
//! is a convenience: a folder that cannot be read or written only means fetching again.
//!
//! An entry decides where the client secret and the refresh token are sent, so it is trusted only
//! when it and its folder are the user's own and nobody else can write them (the rule of
//! [`crate::files::not_users_own`], as for the credentials file); otherwise it is ignored
//! and the metadata is fetched again, and nothing is written into such a folder.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// How long metadata is kept when its answer says nothing (seconds).
pub const DEFAULT_MAX_AGE: u64 = 24 * 60 * 60;

/// What is kept for one issuer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub issuer: String,
    /// Unix seconds when it was fetched.
    pub fetched_at: u64,
    pub max_age: u64,
    /// Whether the RFC 8414 document was asked for too (merged into `metadata`).
    pub rfc8414_tried: bool,
    pub metadata: Map<String, Value>,
}

impl Entry {
    pub fn fresh(&self, now: u64) -> bool {
        now >= self.fetched_at && now - self.fetched_at < self.max_age
    }
}

/// The folder of the cache: `$XDG_CACHE_HOME/pancred/discovery`, else `~/.cache/pancred/discovery`.
pub fn default_dir() -> Option<PathBuf> {
    let base = crate::files::xdg_dir("XDG_CACHE_HOME", ".cache")?;
    Some(base.join("pancred").join("discovery"))
}

/// The file of `issuer`'s entry: a hash of the issuer, so any URL makes a safe file name.
pub fn path(dir: &Path, issuer: &str) -> PathBuf {
    let digest = Sha256::digest(issuer.as_bytes());
    dir.join(format!(
        "{}.json",
        crate::files::hex_name_bytes(&digest[..16])
    ))
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The entry of `issuer`, fresh or not; None when there is none or it cannot be read.
pub fn load(dir: &Path, issuer: &str) -> Option<Entry> {
    if !trusted(&std::fs::metadata(dir).ok()?) {
        return None;
    }
    let file = path(dir, issuer);
    if !trusted(&std::fs::metadata(&file).ok()?) {
        return None;
    }
    let bytes = crate::files::read_regular(&file, MAX_ENTRY).ok()??;
    let entry: Entry = serde_json::from_slice(&bytes).ok()?;
    (entry.issuer == issuer).then_some(entry)
}

/// Keeps `entry` (replaced atomically: concurrent readers see the old file or the new one).
/// A failure is ignored: the next run fetches again.
// The cache holds public metadata, pancred's own file: no profile is written here.
#[allow(clippy::disallowed_methods)]
pub fn save(dir: &Path, entry: &Entry) {
    if entry.max_age == 0 {
        forget(dir, &entry.issuer);
        return;
    }
    if std::fs::metadata(dir).is_ok_and(|m| !trusted(&m)) {
        return;
    }
    if let Ok(bytes) = serde_json::to_vec(entry) {
        let _ = crate::files::write_atomic(&path(dir, &entry.issuer), &bytes);
    }
}

// The cache holds public metadata, pancred's own file: no profile is written here.
#[allow(clippy::disallowed_methods)]
pub fn forget(dir: &Path, issuer: &str) {
    let _ = std::fs::remove_file(path(dir, issuer));
}

/// The user's own, and nobody else can change it.
fn trusted(meta: &std::fs::Metadata) -> bool {
    crate::files::not_users_own(meta, 0o022).is_none()
}

/// Metadata documents are a few kilobytes; a larger file is not ours.
const MAX_ENTRY: u64 = 1 << 20;

/// The lifetime a `Cache-Control` header gives (RFC 9111 §5.2.2): `no-store` and `no-cache` keep
/// nothing, `max-age=N` keeps N seconds; None when it says neither (the caller's default applies).
pub fn max_age(cache_control: Option<&str>) -> Option<u64> {
    let header = cache_control?;
    let mut age = None;
    for directive in header.split(',') {
        let d = directive.trim();
        let (name, value) = d.split_once('=').unwrap_or((d, ""));
        match name.trim().to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return Some(0),
            "max-age" => {
                age = Some(value.trim().trim_matches('"').parse::<u64>().unwrap_or(0));
            }
            _ => {}
        }
    }
    age
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // the tests make and change the entries they read
mod tests {
    use super::*;

    #[test]
    fn cache_control_lifetimes() {
        assert_eq!(max_age(None), None);
        assert_eq!(max_age(Some("public")), None);
        assert_eq!(max_age(Some("public, max-age=300")), Some(300));
        assert_eq!(max_age(Some("max-age=\"60\"")), Some(60));
        assert_eq!(max_age(Some("max-age=600, no-cache")), Some(0));
        assert_eq!(max_age(Some("no-store")), Some(0));
        assert_eq!(max_age(Some("max-age=soon")), Some(0));
        assert_eq!(max_age(Some("max-age=99999999999999999999999")), Some(0));
    }

    #[test]
    fn entries_round_trip_per_issuer_and_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut metadata = Map::new();
        metadata.insert("issuer".into(), Value::from("https://idp.example/a"));
        let entry = Entry {
            issuer: "https://idp.example/a".into(),
            fetched_at: 1000,
            max_age: 60,
            rfc8414_tried: false,
            metadata,
        };
        save(dir.path(), &entry);
        assert_eq!(
            load(dir.path(), "https://idp.example/a"),
            Some(entry.clone())
        );
        assert_eq!(load(dir.path(), "https://idp.example/b"), None);
        assert!(entry.fresh(1059) && !entry.fresh(1060) && !entry.fresh(999));
        save(
            dir.path(),
            &Entry {
                max_age: 0,
                ..entry
            },
        );
        assert_eq!(load(dir.path(), "https://idp.example/a"), None);
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_that_is_a_fifo_is_a_miss_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = "https://idp.example/a";
        assert!(std::process::Command::new("mkfifo")
            .arg(path(dir.path(), issuer))
            .status()
            .unwrap()
            .success());
        let start = std::time::Instant::now();
        assert_eq!(load(dir.path(), issuer), None);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[cfg(unix)]
    #[test]
    fn an_entry_or_folder_others_can_change_is_not_trusted() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("discovery");
        let entry = Entry {
            issuer: "https://idp.example".into(),
            fetched_at: now(),
            max_age: 600,
            rfc8414_tried: false,
            metadata: Map::new(),
        };
        save(&dir, &entry);
        let file = path(&dir, &entry.issuer);
        let mode = |p: &Path, m: u32| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap()
        };
        assert!(load(&dir, &entry.issuer).is_some());
        mode(&file, 0o666);
        assert_eq!(load(&dir, &entry.issuer), None, "an entry others can write");
        mode(&file, 0o644);
        assert!(load(&dir, &entry.issuer).is_some(), "others may read it");
        mode(&dir, 0o777);
        assert_eq!(load(&dir, &entry.issuer), None, "a folder others can write");
        std::fs::remove_file(&file).unwrap();
        save(&dir, &entry);
        assert!(!file.exists(), "nothing is written into such a folder");
        mode(&dir, 0o700);
    }
}
