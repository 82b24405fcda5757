//! What every command needs: the opened store, the selected profile, explicit credentials, the clock.

use super::GlobalArgs;
use crate::clock::{Clock, SystemClock};
use crate::profile::{Profile, DEFAULT_PROFILE};
use crate::resolve::{process_env, resolve, CredentialSet, Resolved};
use crate::secret::Secret;
use crate::store::{self, SharedStore, StoreConfig};
use crate::Error;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub struct Context {
    pub global: GlobalArgs,
    pub clock: Arc<dyn Clock>,
    store: OnceLock<SharedStore>,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        Context {
            global,
            clock: Arc::new(SystemClock),
            store: OnceLock::new(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            kind: self.global.store.unwrap_or_default(),
            credentials_file: self.global.credentials_file.clone(),
            redis_url: self.global.redis_url.clone(),
            sqlite_path: self.global.sqlite_path.clone(),
            memcached_url: self.global.memcached_url.clone(),
            lock_timeout: super::oauth_cmds::lock_timeout_from_env(),
        }
    }

    /// The selected store, opened once; the `auto` fallback warning goes to stderr every time.
    pub fn store(&self) -> Result<SharedStore, Error> {
        if let Some(s) = self.store.get() {
            return Ok(s.clone());
        }
        let opened = store::open(&self.store_config())?;
        if let Some(w) = &opened.warning {
            eprintln!("pancred: warning: {w}");
        }
        Ok(self.store.get_or_init(|| opened.store).clone())
    }

    /// `--profile`, else `PANCRED_PROFILE`, else the store's default, else `default`.
    pub fn profile_name(&self, store: &SharedStore) -> Result<String, Error> {
        if let Some(p) = self.global.profile.clone().or_else(env_profile) {
            return Ok(p);
        }
        Ok(store
            .default_profile()?
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string()))
    }

    /// The selected profile as stored, if it exists.
    pub fn selected(&self) -> Result<(SharedStore, String, Option<Profile>), Error> {
        let store = self.store()?;
        let name = self.profile_name(&store)?;
        let profile = store.load(&name)?;
        Ok((store, name, profile))
    }

    /// The selected profile, which must exist.
    pub fn existing(&self) -> Result<(SharedStore, Profile), Error> {
        match self.selected()? {
            (store, _, Some(p)) => Ok((store, p)),
            (store, name, None) => Err(Error::NoSuchProfile {
                profile: name,
                location: format!("the {} store ({})", store.kind(), store.location()),
            }),
        }
    }

    /// Credentials given on the command line (the id as a flag, secrets from files).
    pub fn explicit(&self) -> Result<(CredentialSet, Option<Secret>), Error> {
        let g = &self.global;
        let stdin_users = [
            &g.client_secret_file,
            &g.refresh_token_file,
            &g.access_token_file,
            &g.developer_token_file,
        ]
        .iter()
        .filter(|p| p.as_deref() == Some(Path::new("-")))
        .count();
        if stdin_users > 1 {
            return Err(Error::Usage(
                "only one of the --*-file options can read standard input".into(),
            ));
        }
        let read = |p: &Option<std::path::PathBuf>| p.as_deref().map(read_secret_file).transpose();
        let set = CredentialSet {
            access_token: read(&g.access_token_file)?.flatten(),
            client_id: g.client_id.clone().filter(|s| !s.is_empty()),
            client_secret: read(&g.client_secret_file)?.flatten(),
            refresh_token: read(&g.refresh_token_file)?.flatten(),
        };
        Ok((set, read(&g.developer_token_file)?.flatten()))
    }

    /// pancloud's resolution for the selected profile.
    pub fn resolve(&self, stored: Option<&Profile>) -> Result<Resolved, Error> {
        let (explicit, dev) = self.explicit()?;
        Ok(resolve(&explicit, dev.as_ref(), &process_env, stored))
    }
}

impl Context {
    /// After a keyring store came up empty-handed: the pancloud file may still hold the profile,
    /// as it does for everyone moving from pancloud (or from the file store) to the keyring.
    pub fn import_hint(&self, profile: Option<&str>) {
        let Some(store) = self.store.get() else {
            return;
        };
        if store.kind() == "file" {
            return;
        }
        let Ok(path) = crate::store::file::default_path() else {
            return;
        };
        if !path.is_file() {
            return;
        }
        let file = crate::store::file::FileStore::new(&path);
        use crate::store::Store as _;
        let found = match profile {
            Some(name) => file.load(name).ok().flatten().is_some(),
            None => file.list().map(|l| !l.is_empty()).unwrap_or(false),
        };
        if found {
            eprintln!(
                "hint: the pancloud file {} has {}; copy it into the {} store with `pancred import`.",
                path.display(),
                profile.map_or("profiles".to_string(), |n| format!("profile '{n}'")),
                store.kind()
            );
        }
    }
}

fn env_profile() -> Option<String> {
    std::env::var("PANCRED_PROFILE")
        .ok()
        .filter(|s| !s.is_empty())
}

/// The text of a file, or of standard input for `-`.
pub fn read_input(path: &Path) -> Result<String, Error> {
    let mut text = String::new();
    let res = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    res.map_err(|e| Error::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(text)
}

/// A secret from a file or standard input; surrounding whitespace (the newline) is dropped.
pub fn read_secret_file(path: &Path) -> Result<Option<Secret>, Error> {
    Ok(Secret::non_empty(read_input(path)?.trim().to_string()))
}
