//! Where a user's files live: the home folder and the XDG base folders.

use std::path::PathBuf;

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

/// Where a login session's private runtime files go: `$XDG_RUNTIME_DIR` when it is an absolute
/// path (per the XDG spec there is no fallback in the home folder), else the system's temporary
/// folder (whose per-run folders pancred makes private itself).
pub fn runtime_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(p) if p.is_absolute() => p,
        _ => std::env::temp_dir(),
    }
}
