//! Where profiles live. Every store implements [`Store`]; the engine, the CLI and the TUI see only it.

pub mod file;
pub mod fsutil;
#[cfg(feature = "keyring")]
pub mod keyring;
#[cfg(feature = "memcached")]
pub mod memcached;
pub mod memory;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sqlite")]
pub mod sqlite;

use crate::profile::Profile;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

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

impl StoreError {
    pub fn io(location: impl Into<String>, source: std::io::Error) -> Self {
        StoreError::Io {
            location: location.into(),
            source: Arc::new(source),
        }
    }
}

/// A store setting in milliseconds from the environment: a whole number above 0.
#[cfg(any(feature = "redis", feature = "memcached"))]
pub(crate) fn env_millis(var: &str, value: &str) -> Result<Duration, StoreError> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 => Ok(Duration::from_millis(n)),
        _ => Err(StoreError::Config(format!(
            "{var} must be a whole number of milliseconds above 0, not \"{value}\""
        ))),
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
    /// Inserts or replaces the profile named `profile.profile`, atomically.
    fn upsert(&self, profile: &Profile) -> Result<(), StoreError>;
    /// Removes a profile; `Ok(false)` when there was none.
    fn remove(&self, name: &str) -> Result<bool, StoreError>;
    /// The profile chosen by `pancred use`, if any.
    fn default_profile(&self) -> Result<Option<String>, StoreError>;
    fn set_default_profile(&self, name: &str) -> Result<(), StoreError>;
    /// The per-profile refresh lock, shared by every process using this store.
    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError>;
}

pub type SharedStore = Arc<dyn Store>;

/// Which store to open (`--store`, `PANCRED_STORE`). A store behind a cargo feature exists only
/// when the feature is on; the CLI's `--store` values follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum StoreKind {
    /// The OS keyring when one answers, else the file store (with a warning); the file store
    /// when built without the `keyring` feature.
    #[default]
    Auto,
    #[cfg(feature = "keyring")]
    Keyring,
    File,
    Memory,
    #[cfg(feature = "redis")]
    Redis,
    /// One SQLite database file.
    #[cfg(feature = "sqlite")]
    Sqlite,
    /// A memcached server shared by a fleet (a cache: it may evict).
    #[cfg(feature = "memcached")]
    Memcached,
}

/// Everything needed to open a store.
#[derive(Debug, Clone, Default)]
pub struct StoreConfig {
    pub kind: StoreKind,
    pub credentials_file: Option<PathBuf>,
    pub redis_url: Option<String>,
    /// The sqlite store's database (`--sqlite-path`, `PANCRED_SQLITE_PATH`).
    pub sqlite_path: Option<PathBuf>,
    /// The memcached store's server (`--memcached-url`, `PANCRED_MEMCACHED_URL`).
    pub memcached_url: Option<String>,
    /// How long a store waits for a lock held by another process (a database's write lock);
    /// `None` means [`fsutil::WRITE_LOCK_WAIT`].
    pub lock_timeout: Option<Duration>,
}

/// An opened store, with what the user must be told about the choice (the `auto` fallback).
pub struct Opened {
    pub store: SharedStore,
    pub warning: Option<String>,
}

/// Opens the configured store.
pub fn open(config: &StoreConfig) -> Result<Opened, StoreError> {
    let file = || -> Result<SharedStore, StoreError> {
        let path = match &config.credentials_file {
            Some(p) => p.clone(),
            None => file::default_path()?,
        };
        Ok(Arc::new(file::FileStore::new(path)))
    };
    match config.kind {
        StoreKind::File => Ok(Opened {
            store: file()?,
            warning: None,
        }),
        StoreKind::Memory => Ok(Opened {
            store: Arc::new(memory::MemoryStore::new()),
            warning: None,
        }),
        #[cfg(feature = "keyring")]
        StoreKind::Keyring => match keyring::KeyringStore::open() {
            Ok(k) => Ok(Opened {
                store: Arc::new(k),
                warning: None,
            }),
            Err(e) => Err(StoreError::Unavailable(format!(
                "no usable OS keyring: {e}.\n  Start a Secret Service (e.g. gnome-keyring) in this \
                 session and unlock it, set PANCRED_KEYRING=keyutils for the kernel keyring, or \
                 choose --store file"
            ))),
        },
        // An explicit pancloud file means the file store, as it did before there was a keyring.
        StoreKind::Auto if config.credentials_file.is_some() => Ok(Opened {
            store: file()?,
            warning: None,
        }),
        #[cfg(not(feature = "keyring"))]
        StoreKind::Auto => Ok(Opened {
            store: file()?,
            warning: None,
        }),
        #[cfg(feature = "keyring")]
        StoreKind::Auto => match keyring::KeyringStore::open() {
            Ok(k) => Ok(Opened {
                store: Arc::new(k),
                warning: None,
            }),
            Err(e) => {
                let store = file()?;
                let warning = format!(
                    "no usable OS keyring ({e}); secrets are kept in the file {}.\n  \
                     To keep them in the keyring, start a Secret Service (e.g. gnome-keyring) in \
                     this session and unlock it, then run `pancred import`;\n  \
                     to use the file store without this warning, pass --store file or set PANCRED_STORE=file.",
                    store.location()
                );
                Ok(Opened {
                    store,
                    warning: Some(warning),
                })
            }
        },
        #[cfg(feature = "redis")]
        StoreKind::Redis => {
            let cfg = self::redis::RedisConfig::from_env(config.redis_url.as_deref())?;
            Ok(Opened {
                store: Arc::new(self::redis::RedisStore::connect(&cfg)?),
                warning: None,
            })
        }
        #[cfg(feature = "memcached")]
        StoreKind::Memcached => {
            let cfg = memcached::MemcachedConfig::from_env(config.memcached_url.as_deref())?;
            Ok(Opened {
                store: Arc::new(memcached::MemcachedStore::connect(&cfg)?),
                warning: None,
            })
        }
        #[cfg(feature = "sqlite")]
        StoreKind::Sqlite => {
            let path = match &config.sqlite_path {
                Some(p) => p.clone(),
                None => sqlite::default_path()?,
            };
            let wait = config.lock_timeout.unwrap_or(fsutil::WRITE_LOCK_WAIT);
            Ok(Opened {
                store: Arc::new(sqlite::SqliteStore::open(path, wait)?),
                warning: None,
            })
        }
    }
}
