//! Where profiles live. Every store implements [`Store`]; the engine, the CLI and the TUI see only it.

// The stores are where profiles are written: the writes the faces may not call (clippy.toml)
// are defined and used here.
#![allow(clippy::disallowed_methods)]

/// The write methods of a store's read-only view (what the small executable reads through):
/// each refuses with the view's own `read_only()` error. Written once, so no view can let a
/// write through. (Defined before the modules that use it: they see it by textual scope.)
#[cfg(any(feature = "keyring", feature = "redis"))]
macro_rules! refuse_writes {
    () => {
        fn upsert(
            &self,
            _profile: &$crate::profile::Profile,
        ) -> Result<(), $crate::store::StoreError> {
            Err(self.read_only())
        }

        fn remove(&self, _name: &str) -> Result<bool, $crate::store::StoreError> {
            Err(self.read_only())
        }

        fn set_default_profile(&self, _name: &str) -> Result<(), $crate::store::StoreError> {
            Err(self.read_only())
        }

        fn lock(
            &self,
            _name: &str,
            _timeout: std::time::Duration,
        ) -> Result<Box<dyn $crate::store::ProfileLock>, $crate::store::StoreError> {
            Err(self.read_only())
        }

        fn rename(&self, _old: &str, _new: &str) -> Result<bool, $crate::store::StoreError> {
            Err(self.read_only())
        }
    };
}

mod fallback;
pub use fallback::fallback_warning;
pub mod change;
pub mod file;
#[cfg(feature = "keyring")]
pub mod keyring;
#[cfg(any(feature = "redis", feature = "memcached"))]
pub mod lease;
#[cfg(feature = "memcached")]
pub mod memcached;
pub mod memory;
mod open;
pub use open::{
    open, open_cached, open_cached_keyring, open_cached_memcached, open_cached_redis, open_file,
    Opened, StoreConfig,
};
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod tinydb;

use crate::profile::Profile;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// On a profile `list` returns that could not be read whole (a keyring entry gone, a Redis key of
/// the wrong type): why. `list` shows every other profile, and warns for this one.
pub const UNREADABLE_NOTE: &str = "store_error";

/// `Clone`, so that every caller sharing one refresh gets the same error (I/O errors are shared
/// behind an `Arc`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store's data is not what it should be; it is left exactly as it was.
    #[error("{location}: {what}")]
    Corrupt { location: String, what: String },
    #[error("{location}: {source}")]
    Io {
        location: String,
        #[source]
        source: Arc<std::io::Error>,
    },
    #[error("timed out after {waited:?} waiting for the lock on {what}; another pancred may be stuck (it releases the lock when it exits)")]
    LockTimeout { waited: Duration, what: String },
    /// The backend cannot be reached at all (no keyring, Redis down).
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Backend(String),
    /// The store is not configured properly (a missing or bad setting): a usage error.
    #[error("{0}")]
    Config(String),
}

/// A file's failure as the stores report it (a lock held too long says what to do about it).
impl From<crate::files::FileError> for StoreError {
    fn from(e: crate::files::FileError) -> Self {
        match e {
            crate::files::FileError::Io { path, source } => StoreError::io(path, source),
            crate::files::FileError::LockTimeout { waited, what } => {
                StoreError::LockTimeout { waited, what }
            }
        }
    }
}

impl StoreError {
    pub fn io(location: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io {
            location: location.into(),
            source: Arc::new(source),
        }
    }
}

/// Held while a profile's tokens are being refreshed; dropping it releases the lock.
pub trait ProfileLock: Send {}

/// A place that keeps profiles. Implementations are synchronous (keyring APIs are); async callers
/// go through `spawn_blocking`.
pub trait Store: Send + Sync {
    /// `file`, `keyring`, `memory`, `redis`, ...
    fn kind(&self) -> &'static str;
    /// Where the data is, for humans: a path, a URL, a keyring service name.
    fn location(&self) -> String;
    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError>;
    /// Every profile, in the store's order.
    fn list(&self) -> Result<Vec<Profile>, StoreError>;
    /// The profiles' names, in the store's order. Stores that keep secrets apart override it, so
    /// that shell completion and hints read no secret.
    fn profile_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.list()?.into_iter().map(|p| p.profile).collect())
    }
    /// Inserts or replaces the profile named `profile.profile`, atomically.
    fn upsert(&self, profile: &Profile) -> Result<(), StoreError>;
    /// Called right after an `upsert` of new tokens succeeded: whether that write would survive
    /// the loss of the server that took it (a Redis master whose replicas must acknowledge it).
    /// An error sends the tokens to the rescue file as well. Stores that keep what they take
    /// when `upsert` returns say `Ok`.
    fn confirm_write(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Removes a profile; `Ok(false)` when there was none.
    fn remove(&self, name: &str) -> Result<bool, StoreError>;
    /// The profile chosen by `pancred use`, if any.
    fn default_profile(&self) -> Result<Option<String>, StoreError>;
    fn set_default_profile(&self, name: &str) -> Result<(), StoreError>;
    /// The per-profile refresh lock, shared by every process using this store.
    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError>;
    /// Whether a held lock can lapse under its holder (a lease on a server that expires when it
    /// cannot be renewed), so that a write of new tokens must first check the store. File locks
    /// cannot.
    fn lock_can_lapse(&self) -> bool {
        false
    }
    /// Whether profiles can vanish without anyone removing them (memcached evicts and restarts
    /// empty; a Redis without persistence restarts empty, a failover can lose recent writes). A
    /// profile missing from such a store is not a removal: tokens kept for it wait until it is
    /// back.
    fn can_forget(&self) -> bool {
        false
    }
    /// Drops cached connections or sessions, so that the next call starts afresh (the engine
    /// calls it before retrying a failed write of new tokens). Stores without any do nothing.
    fn reset(&self) {}

    /// A cheap token that changes whenever any process writes the store (see [`change`]), for a
    /// face that shows the store live. `None`: this store cannot tell; such a face reloads only
    /// when asked. It must cost little: no secret reads, no lock.
    fn change_token(&self) -> Result<Option<u64>, StoreError> {
        Ok(None)
    }

    /// Files whose changes mean the store changed, for a watcher that would rather be woken by
    /// the OS (inotify) than poll `change_token`. Empty for stores that are not files.
    fn watch_paths(&self) -> Vec<PathBuf> {
        Vec::new()
    }

    /// Renames a profile (the default pointer follows); `Ok(false)` when `old` does not exist.
    ///
    /// The engine calls it holding both names' locks, after checking that `new` is free (or holds
    /// a half-done copy of `old`). This default copies first and removes last, so a failure at any
    /// step leaves at least one whole copy, and running it again finishes the job. Stores that can
    /// do it in one atomic write override it.
    fn rename(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        let Some(mut profile) = self.load(old)? else {
            return Ok(false);
        };
        profile.profile = new.to_string();
        self.upsert(&profile)?;
        if self.default_profile()?.as_deref() == Some(old) {
            self.set_default_profile(new)?;
        }
        self.remove(old)?;
        Ok(true)
    }
}

pub type SharedStore = Arc<dyn Store>;

/// A store as the faces see it: they may read it and name it, never write it (writes go through
/// the [`crate::Engine`], under the profile lock).
#[derive(Clone)]
pub struct StoreView(SharedStore);

impl StoreView {
    pub fn new(store: SharedStore) -> Self {
        StoreView(store)
    }
    /// The pancloud credentials file at `path`, to read (a face's view of a file that is not
    /// the selected store: the import hint, export's report).
    pub fn file(path: impl Into<PathBuf>) -> Self {
        StoreView(Arc::new(file::FileStore::new(path)))
    }
    pub fn kind(&self) -> &'static str {
        self.0.kind()
    }
    pub fn location(&self) -> String {
        self.0.location()
    }
    pub fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        self.0.load(name)
    }
    pub fn list(&self) -> Result<Vec<Profile>, StoreError> {
        self.0.list()
    }
    pub fn profile_names(&self) -> Result<Vec<String>, StoreError> {
        self.0.profile_names()
    }
    pub fn default_profile(&self) -> Result<Option<String>, StoreError> {
        self.0.default_profile()
    }
    pub fn change_token(&self) -> Result<Option<u64>, StoreError> {
        self.0.change_token()
    }
    pub fn watch_paths(&self) -> Vec<PathBuf> {
        self.0.watch_paths()
    }
}

/// The profile-name rule ([`crate::profile::name`]) as every store applies it on a write: a bad
/// name is refused (a configuration error, exit 2) unless the store already holds that profile.
pub(crate) fn check_name(
    name: &str,
    exists: impl FnOnce() -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    crate::profile::name::check_write(name, exists)?.map_err(StoreError::Config)
}

pub use crate::env::StoreKind;
