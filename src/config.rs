//! One configuration for the engine: flags and environment become an [`EngineConfig`] in this one
//! place, and every command, the TUI and the demo build their engine
//! ([`crate::Engine::from_config`]) and their async runtime from it, so a setting means the same
//! everywhere.

use crate::env::{PanVars, Settings};
use crate::error::Error;
use crate::profile::DEFAULT_LEEWAY;
use crate::store::StoreConfig;
use std::time::Duration;

pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Everything the engine is built from.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub store: StoreConfig,
    /// Seconds before expiry at which a token counts as expiring.
    pub leeway: i64,
    pub lock_timeout: Duration,
    pub http_timeout: Duration,
    /// pancloud's `PAN_*` variables, for the engines that follow pancloud's resolver.
    pub pan: PanVars,
    /// What the environment offers the jwt_bearer and token_exchange grants.
    pub ambient: crate::oauth::grants::Ambient,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            store: StoreConfig::default(),
            leeway: DEFAULT_LEEWAY,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
            pan: PanVars::default(),
            ambient: Default::default(),
        }
    }
}

impl EngineConfig {
    /// The defaults with the process environment applied (see [`crate::env`]). A bad value is a
    /// usage error naming the variable.
    pub fn from_env() -> Result<Self, Error> {
        Ok(Self::from_settings(&Settings::from_process()?))
    }

    /// The defaults with `settings` applied: the store's kind and every store's own settings,
    /// the timeouts, and pancloud's variables for the engines that follow pancloud's resolver.
    pub fn from_settings(settings: &Settings) -> Self {
        let mut config = EngineConfig::default();
        let store = &mut config.store;
        store.kind = settings.store.unwrap_or_default();
        store.env_credentials_file = settings.credentials_file.clone();
        store.keyring = settings.keyring;
        store.redis_url = settings.redis.url.clone();
        store.redis = settings.redis.clone();
        store.sqlite_path = settings.sqlite_path.clone();
        store.memcached_url = settings.memcached.url.clone();
        store.memcached = settings.memcached.clone();
        if let Some(t) = settings.lock_timeout {
            config.lock_timeout = t;
            config.store.lock_timeout = Some(t);
        }
        if let Some(t) = settings.http_timeout {
            config.http_timeout = t;
        }
        config.pan = settings.pan.clone();
        config.ambient.actions = settings.actions_oidc.clone();
        config
    }
}

/// The async runtime for one command: provider calls are async, the CLI is not. The one place
/// a runtime is built; `threads` > 1 for faces that wait on several things at once (the TUI, login).
pub fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, Error> {
    build_runtime(threads).map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))
}

/// [`runtime`] with the bare I/O error, for callers with error types of their own (the sandbox).
pub fn build_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if threads > 1 {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build()
}

/// Runs one future to completion on a fresh single-threaded runtime.
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    runtime(1)?.block_on(f)
}
