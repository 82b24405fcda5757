//! The keyring store as the small `pancred` executable reads it: each profile's settings from
//! `profiles.json` and its access token from the kernel keyring's copy ([`super::token_cache`]),
//! without a D-Bus call. It links nothing of the Secret Service.
//!
//! A profile whose copy is missing (or was written for another expiry than `profiles.json`
//! holds) loads without an access token, so [`crate::Engine::cached_access_token`] finds none and
//! the small program hands the command to `pancred-full`, which reads the Secret Service. It
//! never writes: every write method refuses.

use super::meta::MetaFile;
use super::token_cache::TokenCache;
use super::{describe_location, Backend, SECRETS_KEY, UNREADABLE_KEY};
use crate::profile::Profile;
use crate::store::{Store, StoreError};
use serde_json::{Map, Value};
use std::path::PathBuf;

pub struct CachedTokens {
    meta: MetaFile,
    cache: TokenCache,
}

impl CachedTokens {
    /// The Secret Service keyring store's cached view, its settings in `meta_path`.
    pub fn new(meta_path: PathBuf) -> Self {
        CachedTokens {
            cache: TokenCache::for_store(&meta_path),
            meta: MetaFile::new(meta_path),
        }
    }

    fn profile(&self, name: &str, public: &Map<String, Value>) -> Result<Profile, StoreError> {
        let mut doc = public.clone();
        doc.remove(SECRETS_KEY);
        doc.remove(UNREADABLE_KEY);
        doc.insert("profile".into(), Value::String(name.to_string()));
        let expires_at = public.get("expires_at").and_then(Value::as_i64);
        if let Some(copy) = self.cache.get(name).filter(|c| c.expires_at == expires_at) {
            doc.insert("access_token".into(), Value::String(copy.access_token));
        }
        Profile::from_json(Value::Object(doc)).map_err(|e| StoreError::Corrupt {
            location: self.meta.path().display().to_string(),
            what: format!("profile '{name}': {e}"),
        })
    }

    fn read_only(&self) -> StoreError {
        StoreError::Backend("the keyring store's cached view cannot write".into())
    }
}

impl Store for CachedTokens {
    refuse_writes!();

    fn kind(&self) -> &'static str {
        "keyring"
    }

    fn location(&self) -> String {
        describe_location(Backend::SecretService, self.meta.path())
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        let meta = self.meta.read()?;
        meta.get(name)
            .map(|public| self.profile(name, public))
            .transpose()
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let meta = self.meta.read()?;
        meta.profiles()
            .map(|(name, public)| self.profile(name, public))
            .collect()
    }

    fn profile_names(&self) -> Result<Vec<String>, StoreError> {
        self.meta.names()
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        Ok(self.meta.read()?.default_profile().map(str::to_string))
    }
}
