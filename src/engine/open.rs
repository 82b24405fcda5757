//! An engine built from the one [`EngineConfig`]: every command, the TUI and the demo start here,
//! so a setting means the same everywhere.

use super::Engine;
use crate::config::EngineConfig;
use crate::error::Error;
use crate::store::{self, SharedStore};

/// An engine on its opened store, and what the user must be told about the choice.
pub struct OpenedEngine {
    pub engine: Engine,
    /// The `auto` fallback to the file store, said loudly by every face.
    pub warning: Option<String>,
}

impl Engine {
    /// An engine over `store` with `config`'s settings.
    pub fn from_config(config: &EngineConfig, store: SharedStore) -> Engine {
        Engine::new(store)
            .with_leeway(config.leeway)
            .with_lock_timeout(config.lock_timeout)
            .with_http_timeout(config.http_timeout)
            .with_ambient(config.ambient.clone())
    }

    /// Opens the configured store and builds the engine on it.
    pub fn open(config: &EngineConfig) -> Result<OpenedEngine, Error> {
        let opened = store::open(&config.store)?;
        Ok(OpenedEngine {
            engine: Engine::from_config(config, opened.store),
            warning: opened.warning,
        })
    }
}
