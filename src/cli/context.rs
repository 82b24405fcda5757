//! What every command needs: the engine (built from the one [`EngineConfig`]), the selected
//! profile, explicit credentials, the clock.

use super::args::GlobalArgs;
use crate::clock::{Clock, SystemClock};
use crate::config::EngineConfig;
use crate::engine::CredentialPolicy;
use crate::profile::{Profile, DEFAULT_PROFILE};
use crate::resolve::{process_env, resolve, CredentialSet, Resolved};
use crate::secret::Secret;
use crate::text::Safe;
use crate::{Engine, Error};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub struct Context {
    pub global: GlobalArgs,
    /// Flags and environment, read once: every command builds its engine from this.
    pub config: EngineConfig,
    pub clock: Arc<dyn Clock>,
    engine: OnceLock<Engine>,
}

impl Context {
    /// The configuration from the environment with the command line's flags over it.
    pub fn new(global: GlobalArgs) -> Result<Self, Error> {
        let mut config = EngineConfig::from_env()?;
        if let Some(kind) = global.store {
            config.store.kind = kind;
        }
        config.store.credentials_file = global.credentials_file.clone();
        config.store.redis_url = global.redis_url.clone();
        #[cfg(feature = "sqlite")]
        {
            config.store.sqlite_path = global.sqlite_path.clone();
        }
        #[cfg(feature = "memcached")]
        {
            config.store.memcached_url = global.memcached_url.clone();
        }
        config.leeway = global.leeway;
        Ok(Context {
            global,
            config,
            clock: Arc::new(SystemClock),
            engine: OnceLock::new(),
        })
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The engine on the selected store, opened once; the `auto` fallback warning goes to stderr.
    pub fn engine(&self) -> Result<Engine, Error> {
        if let Some(e) = self.engine.get() {
            return Ok(e.clone());
        }
        let opened = Engine::open(&self.config)?;
        if let Some(w) = &opened.warning {
            eprintln!("pancred: warning: {}", crate::text::safe_lines(w));
        }
        let engine = opened
            .engine
            .with_clock(self.clock.clone())
            .with_reporter(warn_reporter());
        Ok(self.engine.get_or_init(|| engine).clone())
    }

    /// The store, when a command opened it already.
    pub fn opened_store(&self) -> Option<crate::store::StoreView> {
        self.engine.get().map(|e| e.store())
    }

    /// The engine with pancloud's resolver over the command line's explicit credentials.
    pub fn pancloud_engine(&self) -> Result<Engine, Error> {
        let (explicit, developer_token) = self.explicit()?;
        Ok(self.engine()?.with_policy(CredentialPolicy::Pancloud {
            explicit,
            developer_token,
        }))
    }

    /// `--profile`, else `PANCRED_PROFILE`, else the store's default, else `default`.
    pub fn profile_name(&self, engine: &Engine) -> Result<String, Error> {
        if let Some(p) = self.explicit_profile() {
            return Ok(p);
        }
        Ok(engine
            .store()
            .default_profile()?
            .unwrap_or_else(|| DEFAULT_PROFILE.to_string()))
    }

    /// `--profile`, else `PANCRED_PROFILE`.
    pub fn explicit_profile(&self) -> Option<String> {
        self.global.profile.clone().or_else(env_profile)
    }

    /// The selected profile as stored, if it exists.
    pub fn selected(&self) -> Result<(Engine, String, Option<Profile>), Error> {
        let engine = self.engine()?;
        let name = self.profile_name(&engine)?;
        let profile = engine.store().load(&name)?;
        Ok((engine, name, profile))
    }

    /// The selected profile, which must exist.
    pub fn existing(&self) -> Result<(Engine, Profile), Error> {
        match self.selected()? {
            (engine, _, Some(p)) => Ok((engine, p)),
            (engine, name, None) => Err(missing(&engine, name)),
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
        let Some(engine) = self.engine.get() else {
            return;
        };
        let store = engine.store();
        if store.kind() == "file" {
            return;
        }
        let Ok(path) = crate::store::file::default_path() else {
            return;
        };
        if !path.is_file() {
            return;
        }
        let file = crate::store::StoreView::file(&path);
        let found = match profile {
            Some(name) => file.load(name).ok().flatten().is_some(),
            None => file.list().map(|l| !l.is_empty()).unwrap_or(false),
        };
        if found {
            eprintln!(
                "hint: the pancloud file {} has {}; copy it into the {} store with `pancred import`.",
                path.display(),
                profile.map_or("profiles".to_string(), |n| format!("profile '{}'", Safe(n))),
                store.kind()
            );
        }
    }
}

/// Prints the engine's notices (tokens rescued or applied) on stderr as they happen.
pub(crate) fn warn_reporter() -> crate::engine::Reporter {
    std::sync::Arc::new(|text: &str| eprintln!("pancred: warning: {text}"))
}

pub(super) fn env_profile() -> Option<String> {
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

/// A profile that is not there: a name no profile can have says why, any other is not found.
pub fn missing(engine: &Engine, name: String) -> Error {
    if let Err(why) = crate::profile::name::check(&name) {
        return Error::Usage(why);
    }
    engine.no_such(&name)
}
