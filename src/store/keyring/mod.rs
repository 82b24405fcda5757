//! The `keyring` store: each profile's secrets in the OS keyring as ONE entry (service `pancred`,
//! user = the profile name, value = a JSON object of the secret fields), so a command needs one
//! keyring read; everything else in `profiles.json` (see [`meta`]). No secret is ever written to
//! a file by this store.
//!
//! Calls are synchronous (keyring APIs are): async code calls this store through
//! `tokio::task::spawn_blocking`, as the engine does.

mod backend;
mod cached;
pub mod diagnose;
mod entries;
mod meta;
mod split;
#[cfg(target_os = "linux")]
mod ss_read;
mod token_cache;

pub use backend::{Backend, CALL_TIMEOUT, PROBE_TIMEOUT};
pub use cached::CachedTokens;
pub use meta::default_path;
pub use split::is_secret_field;

use super::{ProfileLock, Store, StoreError};
use crate::files::{hex_name, lock_file, lock_path, FileLock};
use crate::profile::Profile;
use keyring_core::CredentialStore;
use meta::MetaFile;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use token_cache::TokenCache;

/// The keyring service every pancred entry is filed under.
pub const SERVICE: &str = "pancred";

pub struct KeyringStore {
    /// keyring-core's store, for writes (and for reads on other keyrings); opened on first use
    /// when reads go through `reader`.
    creds: OnceLock<Arc<CredentialStore>>,
    /// The quick reader of the Secret Service (see `ss_read`).
    #[cfg(target_os = "linux")]
    reader: Option<Arc<ss_read::Reader>>,
    backend: Backend,
    meta: MetaFile,
    timeout: Duration,
    /// The access tokens' copy in the kernel keyring (see [`token_cache`]), kept by the Secret
    /// Service store for the small `pancred`.
    cache: Option<TokenCache>,
    /// Writes to the keyring (sets and deletes), for tests and benchmarks.
    writes: AtomicU64,
}

impl KeyringStore {
    /// Opens the keyring `choice` names (`PANCRED_KEYRING`) with the default `profiles.json`;
    /// fails with [`StoreError::Unavailable`] within [`PROBE_TIMEOUT`] when there is no usable
    /// keyring.
    pub fn open(choice: crate::env::KeyringChoice) -> Result<Self, StoreError> {
        let backend = Backend::chosen(choice);
        let path = default_path()?;
        #[cfg(target_os = "linux")]
        if backend == Backend::SecretService {
            let what = "connecting to the Secret Service";
            let reader = backend::with_deadline(PROBE_TIMEOUT, what, ss_read::Reader::connect)??;
            return Ok(KeyringStore {
                creds: OnceLock::new(),
                reader: Some(Arc::new(reader)),
                backend,
                cache: Some(TokenCache::for_store(&path)),
                meta: MetaFile::new(path),
                timeout: CALL_TIMEOUT,
                writes: AtomicU64::new(0),
            });
        }
        #[cfg(target_os = "linux")]
        if backend == Backend::KeyUtils {
            backend::own_session_keyring()?;
        }
        let creds = backend.connect(PROBE_TIMEOUT)?;
        Ok(Self::with_credential_store(backend, creds, path))
    }

    /// A store over an already opened keyring-core store (e.g. keyring-core's mock in tests).
    pub fn with_credential_store(
        backend: Backend,
        creds: Arc<CredentialStore>,
        meta_path: PathBuf,
    ) -> Self {
        KeyringStore {
            creds: OnceLock::from(creds),
            #[cfg(target_os = "linux")]
            reader: None,
            backend,
            meta: MetaFile::new(meta_path),
            timeout: CALL_TIMEOUT,
            cache: None,
            writes: AtomicU64::new(0),
        }
    }

    /// Keeps the access tokens' copy in the kernel keyring as the Secret Service store does
    /// (for tests of that copy on another keyring, e.g. keyring-core's mock).
    pub fn with_token_cache(mut self) -> Self {
        self.cache = Some(TokenCache::for_store(self.meta.path()));
        self
    }

    /// How many writes (sets and deletes) this store has made to the keyring.
    pub fn keyring_writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// keyring-core's store, connected on first use.
    fn creds(&self) -> Result<&Arc<CredentialStore>, StoreError> {
        if let Some(c) = self.creds.get() {
            return Ok(c);
        }
        let connected = self.backend.connect(PROBE_TIMEOUT)?;
        Ok(self.creds.get_or_init(|| connected))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the non-secret settings live.
    pub fn meta_path(&self) -> &Path {
        self.meta.path()
    }

    /// The profile's secrets, as one keyring read.
    fn read_secrets(&self, name: &str) -> Result<Map<String, Value>, StoreError> {
        let what = format!("reading the secrets of profile '{name}'");
        let Some(text) = self.read_entry(name, &what)? else {
            return Ok(Map::new());
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => Ok(map),
            // Never echo the value: it is secret.
            _ => Err(StoreError::Corrupt {
                location: self.entry_location(name),
                what: "not a JSON object of secrets (it was left as it is)".into(),
            }),
        }
    }

    /// Writes the profile's secrets as one value (no secrets: removes the entry).
    fn write_secrets(&self, name: &str, secrets: Map<String, Value>) -> Result<(), StoreError> {
        let value = (!secrets.is_empty()).then(|| Value::Object(secrets).to_string());
        self.write_entry(name, value)
    }

    fn profile(&self, name: &str, public: &Map<String, Value>) -> Result<Profile, StoreError> {
        let mut public = public.clone();
        // Which secrets the entry held when pancred last wrote it (names only, never values).
        let expected = public.remove(SECRETS_KEY);
        let secrets = self.read_secrets(name)?;
        if secrets.is_empty() {
            if let Some(names) = expected
                .as_ref()
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
            {
                let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
                return Err(StoreError::Corrupt {
                    location: self.entry_location(name),
                    what: format!(
                        "the keyring entry is gone (removed by another program?): it held {} of \
                         profile '{name}'. Restore the entry, or remove the profile \
                         (`pancred --profile {name} remove --yes`) and set it up again",
                        names.join(", ")
                    ),
                });
            }
        }
        let mut doc = split::merge(public, secrets);
        doc.insert("profile".into(), Value::String(name.to_string()));
        Profile::from_json(Value::Object(doc)).map_err(|e| StoreError::Corrupt {
            location: self.meta.path().display().to_string(),
            what: format!("profile '{name}': {e}"),
        })
    }

    /// A profile whose secrets cannot be read, listed with its settings and the reason (so one
    /// broken entry never hides the others); `show` and `token` of it report the error itself.
    fn unreadable(name: &str, public: &Map<String, Value>, e: &StoreError) -> Option<Profile> {
        let mut doc = public.clone();
        doc.remove(SECRETS_KEY);
        doc.insert("profile".into(), Value::String(name.to_string()));
        doc.insert(UNREADABLE_KEY.into(), Value::String(e.to_string()));
        Profile::from_json(Value::Object(doc)).ok()
    }
}

/// In `profiles.json`, beside a profile's settings: the names of the secrets its keyring entry
/// holds, so an entry removed behind pancred's back is reported instead of looking empty.
const SECRETS_KEY: &str = "keyring_secrets";
/// On a listed profile whose secrets could not be read: why (never a secret).
const UNREADABLE_KEY: &str = super::UNREADABLE_NOTE;

/// Where a keyring store keeps its data, for humans.
fn describe_location(backend: Backend, meta_path: &Path) -> String {
    format!(
        "{} (service \"{SERVICE}\") + {}",
        backend.describe(),
        meta_path.display()
    )
}

struct KeyringProfileLock(#[allow(dead_code)] FileLock);
impl ProfileLock for KeyringProfileLock {}

impl Store for KeyringStore {
    fn kind(&self) -> &'static str {
        "keyring"
    }

    fn location(&self) -> String {
        describe_location(self.backend, self.meta.path())
    }

    /// Every write (a refresh too: it stores the new expiry) rewrites `profiles.json`, so its
    /// metadata tells without a keyring call.
    fn change_token(&self) -> Result<Option<u64>, StoreError> {
        Ok(Some(super::change::file_stamp(&[self.meta.path()])))
    }

    fn watch_paths(&self) -> Vec<PathBuf> {
        vec![self.meta.path().to_path_buf()]
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        let meta = self.meta.read()?;
        // An unknown profile costs no keyring call.
        match meta.get(name) {
            None => Ok(None),
            Some(public) => self.profile(name, public).map(Some),
        }
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let meta = self.meta.read()?;
        let mut out = Vec::new();
        let mut first_error = None;
        for (name, public) in meta.profiles() {
            match self.profile(name, public) {
                Ok(p) => out.push(p),
                Err(e @ (StoreError::Unavailable(_) | StoreError::Io { .. })) => return Err(e),
                Err(e) => match Self::unreadable(name, public, &e) {
                    Some(p) => out.push(p),
                    None => {
                        first_error.get_or_insert(e);
                    }
                },
            }
        }
        match first_error {
            Some(e) if out.is_empty() => Err(e),
            _ => Ok(out),
        }
    }

    fn profile_names(&self) -> Result<Vec<String>, StoreError> {
        self.meta.names()
    }

    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        let name = profile.profile.clone();
        let Value::Object(doc) = profile.to_json() else {
            return Err(StoreError::Backend(format!(
                "profile '{name}' did not serialize to a JSON object"
            )));
        };
        let (mut public, mut secrets) = split::split(doc);
        public.remove(UNREADABLE_KEY);
        public.remove(SECRETS_KEY);
        self.meta.modify(|meta| {
            let known = meta.get(&name).is_some();
            super::check_name(&name, || Ok(known))?;
            // What the entry holds now: a write that would change nothing is not made. (A
            // keyring that cannot be read cannot be written either; a malformed entry is
            // written over.)
            let current = match self.read_secrets(&name) {
                Ok(c) => Some(c),
                Err(e @ (StoreError::Unavailable(_) | StoreError::Io { .. })) => return Err(e),
                Err(_) => None,
            };
            if !known {
                // An entry without settings (profiles.json lost or edited): its secrets are kept
                // under the new ones, never deleted or overwritten unseen.
                for (k, v) in current.clone().unwrap_or_default() {
                    secrets.entry(k).or_insert(v);
                }
            }
            let names: Vec<Value> = secrets.keys().cloned().map(Value::String).collect();
            if !names.is_empty() {
                public.insert(SECRETS_KEY.into(), Value::Array(names));
            }
            // The old token's copy goes first, so that it never outlives this write.
            self.forget_cached(&name)?;
            // Secrets first: a crash in between leaves the new secrets with the old settings,
            // never a rolled refresh token lost.
            if current.as_ref() != Some(&secrets) {
                self.write_secrets(&name, secrets)?;
            }
            // Under the lock, so that a slower writer's copy can never land after a newer write.
            self.cache_token(profile);
            meta.insert(&name, public);
            Ok(((), true))
        })
    }

    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        self.meta.modify(|meta| {
            self.forget_cached(name)?;
            let had_secrets = self.delete_entry(name)?;
            let had_settings = meta.remove(name);
            Ok((had_secrets || had_settings, had_settings))
        })
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        Ok(self.meta.read()?.default_profile().map(str::to_string))
    }

    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        self.meta.modify(|meta| {
            meta.set_default_profile(name);
            Ok(((), true))
        })
    }

    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        let path = lock_path(self.meta.path(), &format!("refresh-{}", hex_name(name)));
        let lock = lock_file(
            &path,
            timeout,
            &format!("profile '{name}' in the keyring store"),
        )?;
        Ok(Box::new(KeyringProfileLock(lock)))
    }
}

#[cfg(all(test, target_os = "linux"))]
mod cache_tests;
#[cfg(all(test, unix))]
mod parts_tests;
#[cfg(all(test, unix))]
mod tests;
