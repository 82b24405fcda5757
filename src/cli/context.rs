//! What every command needs: the engine (built from the one [`EngineConfig`]), the selected
//! profile, explicit credentials, the clock.

use super::args::GlobalArgs;
pub use super::context_rules::Clue;
use super::context_rules::{self, Chosen};
use crate::clock::{Clock, SystemClock};
use crate::config::EngineConfig;
use crate::engine::CredentialPolicy;
use crate::env::Settings;
use crate::profile::{Profile, DEFAULT_PROFILE};
use crate::resolve::{resolve, CredentialSet, Resolved};
use crate::secret::Secret;
use crate::store::{Opened, StoreConfig, StoreError};
use crate::text::Safe;
use crate::{Engine, Error};
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The selected profile and what selected it.
#[derive(Debug, Clone)]
pub struct Selection {
    pub name: String,
    pub by: ChosenBy,
}

/// What selected the profile (`show` says it).
#[derive(Debug, Clone)]
pub enum ChosenBy {
    Flag,
    Environment,
    Rule(Chosen),
    StoreDefault,
    Builtin,
}

impl ChosenBy {
    /// `show --json`'s `chosen_by.by`.
    pub fn key(&self) -> &'static str {
        match self {
            ChosenBy::Flag => "flag",
            ChosenBy::Environment => "environment",
            ChosenBy::Rule(_) => "rule",
            ChosenBy::StoreDefault => "store_default",
            ChosenBy::Builtin => "builtin",
        }
    }
}

impl std::fmt::Display for ChosenBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChosenBy::Flag => f.write_str("--profile"),
            ChosenBy::Environment => f.write_str(crate::env::PROFILE),
            ChosenBy::Rule(r) => write!(f, "context {r}"),
            ChosenBy::StoreDefault => f.write_str("the store's default (pancred use)"),
            ChosenBy::Builtin => f.write_str("no other choice: the name `default`"),
        }
    }
}

/// What opens a configuration's store: every store ([`crate::store::open`]), or only some
/// (`None` for the others).
pub type Opener<'a> = &'a dyn Fn(&StoreConfig) -> Option<Result<Opened, StoreError>>;

pub struct Context {
    pub global: GlobalArgs,
    /// The environment's settings, read once (see [`crate::env`]).
    pub settings: Settings,
    /// Flags and environment, read once: every command builds its engine from this.
    pub config: EngineConfig,
    pub clock: Arc<dyn Clock>,
    engine: OnceLock<Engine>,
}

impl Context {
    /// The configuration from the process environment with the command line's flags over it; a
    /// bad setting is a usage error naming its variable.
    pub fn new(global: GlobalArgs) -> Result<Self, Error> {
        Ok(Self::with_settings(global, Settings::from_process()?))
    }

    /// The configuration from `settings` with the command line's flags over it.
    pub fn with_settings(global: GlobalArgs, settings: Settings) -> Self {
        let mut config = EngineConfig::from_settings(&settings);
        if let Some(kind) = global.store {
            config.store.kind = kind;
        }
        config.store.credentials_file = global.credentials_file.clone();
        if global.redis_url.is_some() {
            config.store.redis_url = global.redis_url.clone();
        }
        if global.sqlite_path.is_some() {
            config.store.sqlite_path = global.sqlite_path.clone();
        }
        if global.memcached_url.is_some() {
            config.store.memcached_url = global.memcached_url.clone();
        }
        config.leeway = global.leeway;
        Context {
            global,
            settings,
            config,
            clock: Arc::new(SystemClock),
            engine: OnceLock::new(),
        }
    }

    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The engine on the selected store, opened once; the `auto` fallback warning goes to stderr.
    pub fn engine(&self) -> Result<Engine, Error> {
        self.engine_with(&|config| Some(crate::store::open(config)))
            .unwrap_or_else(|| Err(Error::Other("no store to open".into())))
    }

    /// [`Context::engine`] with the store opened by `open`; `None` when `open` does not open
    /// this configuration's store (the small `pancred` opens only the file store).
    pub fn engine_with(&self, open: Opener) -> Option<Result<Engine, Error>> {
        if let Some(e) = self.engine.get() {
            return Some(Ok(e.clone()));
        }
        let opened = match open(&self.config.store)? {
            Ok(o) => o,
            Err(e) => return Some(Err(e.into())),
        };
        if let Some(w) = &opened.warning {
            eprintln!("pancred: warning: {}", crate::text::safe_lines(w));
        }
        let engine = Engine::from_config(&self.config, opened.store)
            .with_clock(self.clock.clone())
            .with_reporter(warn_reporter());
        Some(Ok(self.engine.get_or_init(|| engine).clone()))
    }

    /// The store, when a command opened it already.
    pub fn opened_store(&self) -> Option<crate::store::StoreView> {
        self.engine.get().map(|e| e.store())
    }

    /// The engine with pancloud's resolver over the command line's explicit credentials.
    pub fn pancloud_engine(&self) -> Result<Engine, Error> {
        let (explicit, developer_token) = self.explicit()?;
        Ok(self
            .engine()?
            .with_policy(self.pancloud_policy(explicit, developer_token)))
    }

    /// pancloud's resolver over explicit credentials and the `PAN_*` variables.
    pub fn pancloud_policy(
        &self,
        explicit: CredentialSet,
        developer_token: Option<Secret>,
    ) -> CredentialPolicy {
        CredentialPolicy::Pancloud {
            explicit,
            developer_token,
            environment: Box::new(self.settings.pan.clone()),
        }
    }

    /// The selected profile's name (see [`Context::selection`]), for a command asked from the
    /// current folder.
    pub fn profile_name(&self, engine: &Engine) -> Result<String, Error> {
        Ok(self.selection(engine, Clue::Here)?.name)
    }

    /// The one rule that selects a profile: `--profile`, else `PANCRED_PROFILE`, else the
    /// context rule that `clue` matches ([`context_rules`]), else the store's default, else
    /// `default`.
    pub fn selection(&self, engine: &Engine, clue: Clue) -> Result<Selection, Error> {
        self.selection_with(clue, &|| Ok(engine.store().default_profile()?))
    }

    /// [`Context::selection`] with the store's default from `store_default` (a caller that
    /// opened the store without an engine).
    pub fn selection_with(
        &self,
        clue: Clue,
        store_default: &dyn Fn() -> Result<Option<String>, Error>,
    ) -> Result<Selection, Error> {
        let chosen = |name: String, by: ChosenBy| Ok(Selection { name, by });
        if let Some(p) = self.global.profile.clone() {
            return chosen(p, ChosenBy::Flag);
        }
        if let Some(p) = self.settings.profile.clone() {
            return chosen(p, ChosenBy::Environment);
        }
        if let Some(rule) = context_rules::choose(clue)? {
            return chosen(rule.rule.profile.clone(), ChosenBy::Rule(rule));
        }
        match store_default()? {
            Some(p) => chosen(p, ChosenBy::StoreDefault),
            None => chosen(DEFAULT_PROFILE.to_string(), ChosenBy::Builtin),
        }
    }

    /// `--profile`, else `PANCRED_PROFILE`.
    pub fn explicit_profile(&self) -> Option<String> {
        self.global
            .profile
            .clone()
            .or_else(|| self.settings.profile.clone())
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

    /// Whether the command line gives credentials of its own (a client id, secret files).
    pub fn has_explicit_credentials(&self) -> bool {
        let g = &self.global;
        g.client_id.is_some()
            || g.client_secret_file.is_some()
            || g.refresh_token_file.is_some()
            || g.access_token_file.is_some()
            || g.developer_token_file.is_some()
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
        Ok(resolve(&explicit, dev.as_ref(), &self.settings.pan, stored))
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
        let Ok(path) = self.config.store.pancloud_file() else {
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
