//! Opening the store a configuration names: every store for the whole program ([`open`]), the
//! cached stores alone for the small executable ([`open_cached`]).

#[cfg(feature = "keyring")]
use super::fallback_warning;
#[cfg(feature = "keyring")]
use super::keyring;
#[cfg(feature = "memcached")]
use super::memcached;
#[cfg(feature = "sqlite")]
use super::sqlite;
use super::{file, memory, SharedStore, StoreError, StoreKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Everything needed to open a store.
#[derive(Debug, Clone, Default)]
pub struct StoreConfig {
    pub kind: StoreKind,
    /// `--credentials-file`: with `auto`, it means the file store.
    pub credentials_file: Option<PathBuf>,
    /// `PAN_CREDENTIALS_DBFILE`: the file store's file when no `--credentials-file` is given.
    pub env_credentials_file: Option<PathBuf>,
    /// `PANCRED_KEYRING`: which Linux keyring.
    pub keyring: crate::env::KeyringChoice,
    pub redis_url: Option<String>,
    /// The Redis store's other settings (prefix, lock TTL, timeouts, TLS, password).
    pub redis: crate::env::RedisSettings,
    /// The sqlite store's database (`--sqlite-path`, `PANCRED_SQLITE_PATH`).
    pub sqlite_path: Option<PathBuf>,
    /// The memcached store's server (`--memcached-url`, `PANCRED_MEMCACHED_URL`).
    pub memcached_url: Option<String>,
    /// The memcached store's other settings.
    pub memcached: crate::env::MemcachedSettings,
    /// How long a store waits for a lock held by another process (a database's write lock);
    /// `None` means [`crate::files::WRITE_LOCK_WAIT`].
    pub lock_timeout: Option<Duration>,
}

/// An opened store, with what the user must be told about the choice (the `auto` fallback).
pub struct Opened {
    pub store: SharedStore,
    pub warning: Option<String>,
}

impl StoreConfig {
    /// The file store's file: `--credentials-file`, else `PAN_CREDENTIALS_DBFILE`, else
    /// `~/.config/pancloud/credentials.json`.
    pub fn credentials_path(&self) -> Result<PathBuf, StoreError> {
        match &self.credentials_file {
            Some(p) => Ok(p.clone()),
            None => self.pancloud_file(),
        }
    }

    /// pancloud's own file, as pancloud finds it: `PAN_CREDENTIALS_DBFILE`, else
    /// `~/.config/pancloud/credentials.json` (what `import` reads when no file is named).
    pub fn pancloud_file(&self) -> Result<PathBuf, StoreError> {
        match &self.env_credentials_file {
            Some(p) => Ok(p.clone()),
            None => file::default_path(),
        }
    }

    /// Whether this configuration means the file store: `file`, or `auto` with an explicit
    /// pancloud file (as it did before there was a keyring), or `auto` in a build without one.
    pub fn is_file_store(&self) -> bool {
        match self.kind {
            StoreKind::File => true,
            StoreKind::Auto => self.credentials_file.is_some() || cfg!(not(feature = "keyring")),
            _ => false,
        }
    }
}

/// Opens the configured store. A file that holds secrets and that other users can read is
/// warned about, as ssh warns about a private key.
pub fn open(config: &StoreConfig) -> Result<Opened, StoreError> {
    match open_file(config) {
        Some(opened) => opened,
        None => open_kind(config).map(warn_if_exposed),
    }
}

/// The file store when the configuration means it (see [`StoreConfig::is_file_store`]), with the
/// same warnings [`open`] gives; `None` for any other store. Programs that need only the file
/// store (the small `pancred` executable) open it through this, so they link no other store.
pub fn open_file(config: &StoreConfig) -> Option<Result<Opened, StoreError>> {
    if !config.is_file_store() {
        return None;
    }
    Some(config.credentials_path().map(|path| {
        warn_if_exposed(Opened {
            store: Arc::new(file::FileStore::new(path)),
            warning: None,
        })
    }))
}

/// What the small `pancred` executable opens: the file store ([`open_file`]), else the Secret
/// Service keyring store's cached view ([`open_cached_keyring`]), else a plain Redis server's
/// reader ([`open_cached_redis`]), else the memcached store itself ([`open_cached_memcached`]);
/// `None` for every other store, which it hands over at once.
pub fn open_cached(config: &StoreConfig) -> Option<Result<Opened, StoreError>> {
    open_file(config)
        .or_else(|| open_cached_keyring(config))
        .or_else(|| open_cached_redis(config))
        .or_else(|| open_cached_memcached(config))
}

/// The memcached store, as every path opens it: its protocol is built in (plain TCP, no TLS), so
/// the small executable links the store itself and reads a cached token as the whole program
/// does.
pub fn open_cached_memcached(config: &StoreConfig) -> Option<Result<Opened, StoreError>> {
    #[cfg(feature = "memcached")]
    if config.kind == StoreKind::Memcached {
        return Some(open_memcached(config));
    }
    let _ = config;
    None
}

#[cfg(feature = "memcached")]
fn open_memcached(config: &StoreConfig) -> Result<Opened, StoreError> {
    let cfg = memcached::MemcachedConfig::from_settings(
        config.memcached_url.as_deref(),
        &config.memcached,
    )?;
    Ok(Opened {
        store: Arc::new(memcached::MemcachedStore::connect(&cfg)?),
        warning: None,
    })
}

/// The Redis store as the small executable reads it: a plain `redis://` server (or a Unix
/// socket) through [`redis::PlainReader`], a client without TLS that shares the store's rules;
/// `None` for TLS, Sentinel and Cluster URLs and for settings the store would refuse, which the
/// whole program opens.
pub fn open_cached_redis(config: &StoreConfig) -> Option<Result<Opened, StoreError>> {
    #[cfg(feature = "redis")]
    if config.kind == StoreKind::Redis {
        let cfg =
            super::redis::RedisConfig::from_settings(config.redis_url.as_deref(), &config.redis)
                .ok()?;
        return Some(super::redis::open_plain(&cfg)?.map(|reader| Opened {
            store: Arc::new(reader),
            warning: None,
        }));
    }
    let _ = config;
    None
}

#[cfg(feature = "redis")]
fn open_redis(config: &StoreConfig) -> Result<Opened, StoreError> {
    let cfg = super::redis::RedisConfig::from_settings(config.redis_url.as_deref(), &config.redis)?;
    Ok(Opened {
        store: Arc::new(super::redis::RedisStore::connect(&cfg)?),
        warning: None,
    })
}

/// The keyring store as the cached path reads it when the configuration means the Secret
/// Service (`keyring`, or `auto`, on Linux): settings from `profiles.json`, access tokens from
/// their copy in the kernel keyring ([`keyring::CachedTokens`]), no D-Bus call. A profile without
/// a copy has no access token there, so the whole program answers it.
pub fn open_cached_keyring(config: &StoreConfig) -> Option<Result<Opened, StoreError>> {
    #[cfg(all(feature = "keyring", target_os = "linux"))]
    if matches!(config.kind, StoreKind::Auto | StoreKind::Keyring)
        && keyring::Backend::chosen(config.keyring) == keyring::Backend::SecretService
    {
        return Some(keyring::default_path().map(|path| Opened {
            store: Arc::new(keyring::CachedTokens::new(path)),
            warning: None,
        }));
    }
    let _ = config;
    None
}

fn warn_if_exposed(mut opened: Opened) -> Opened {
    if matches!(opened.store.kind(), "file" | "sqlite") {
        let path = PathBuf::from(opened.store.location());
        if let Some(w) = crate::files::readable_by_others(&path) {
            opened.warning = Some(match opened.warning.take() {
                Some(first) => format!("{first}\n{w}"),
                None => w,
            });
        }
    }
    opened
}

fn open_kind(config: &StoreConfig) -> Result<Opened, StoreError> {
    let file = || -> Result<SharedStore, StoreError> {
        Ok(Arc::new(file::FileStore::new(config.credentials_path()?)))
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
        StoreKind::Keyring => match keyring::KeyringStore::open(config.keyring) {
            Ok(k) => Ok(Opened {
                store: Arc::new(k),
                warning: None,
            }),
            Err(e) if config.keyring == crate::env::KeyringChoice::KeyUtils => {
                Err(StoreError::Unavailable(format!(
                    "no usable OS keyring: {e}; or choose --store file"
                )))
            }
            Err(e) => Err(StoreError::Unavailable(format!(
                "no usable OS keyring: {e}.\n  Start a Secret Service (e.g. gnome-keyring) in this \
                 session and unlock it, set PANCRED_KEYRING=keyutils for the kernel keyring, or \
                 choose --store file"
            ))),
        },
        // (`open_file` took the other file-store configurations.)
        #[cfg(not(feature = "keyring"))]
        StoreKind::Auto => Ok(Opened {
            store: file()?,
            warning: None,
        }),
        #[cfg(feature = "keyring")]
        StoreKind::Auto => match keyring::KeyringStore::open(config.keyring) {
            Ok(k) => Ok(Opened {
                store: Arc::new(k),
                warning: None,
            }),
            Err(e) => {
                let store = file()?;
                let warning = fallback_warning(&e.to_string(), &store.location());
                Ok(Opened {
                    store,
                    warning: Some(warning),
                })
            }
        },
        #[cfg(feature = "redis")]
        StoreKind::Redis => open_redis(config),
        #[cfg(feature = "memcached")]
        StoreKind::Memcached => open_memcached(config),
        #[cfg(feature = "sqlite")]
        StoreKind::Sqlite => {
            let path = match &config.sqlite_path {
                Some(p) => p.clone(),
                None => sqlite::default_path()?,
            };
            let wait = config.lock_timeout.unwrap_or(crate::files::WRITE_LOCK_WAIT);
            Ok(Opened {
                store: Arc::new(sqlite::SqliteStore::open(path, wait)?),
                warning: None,
            })
        }
    }
}
