//! Every environment variable pancred reads, in one table: its name, how its value is parsed, its
//! default and its help line. The process environment is read here once ([`Env::capture`]) and
//! checked as a whole ([`Settings::from_env`]); everything else receives typed settings. `--help`
//! and the README's list are checked against [`TABLE`].
//!
//! Not here: `HOME` and the XDG folders (`files`), `BROWSER` (`browser.rs`: a command list with
//! rules of its own) and the shell-completion callback variable ([`COMPLETE`], read by clap's
//! completion engine).

use crate::secret::Secret;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::time::Duration;

/// A setting the environment gets wrong: the message names the variable (a usage error, exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadSetting(pub String);

type Error = BadSetting;

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

impl StoreKind {
    /// Every store this build has, with the name `--store` and `PANCRED_STORE` take.
    pub const ALL: &'static [(&'static str, StoreKind)] = &[
        ("auto", StoreKind::Auto),
        #[cfg(feature = "keyring")]
        ("keyring", StoreKind::Keyring),
        ("file", StoreKind::File),
        ("memory", StoreKind::Memory),
        #[cfg(feature = "redis")]
        ("redis", StoreKind::Redis),
        #[cfg(feature = "sqlite")]
        ("sqlite", StoreKind::Sqlite),
        #[cfg(feature = "memcached")]
        ("memcached", StoreKind::Memcached),
    ];

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|(n, _)| *n).collect()
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.to_ascii_lowercase();
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
}

/// How a variable's value is read. Every kind but `Path` must be UTF-8; surrounding white space
/// is dropped from numbers and names; an empty value (or, for numbers and names, a blank one)
/// counts as unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parse {
    /// Text taken as it is.
    Text,
    /// A path: any bytes the platform allows, as on the command line.
    Path,
    /// A secret: text, never shown.
    Secret,
    /// A store name (`--store`'s values).
    Store,
    /// One of a fixed list of names.
    Choice(&'static [&'static str]),
    /// Seconds, fractions allowed, from 0 when `zero_ok`, up to [`MAX_SECS`].
    Seconds { zero_ok: bool },
    /// A whole number of milliseconds above 0.
    Millis,
    /// `1` turns it on; anything else is refused.
    One,
    /// Only whether it is set and not empty (other programs' variables).
    Present,
}

/// One variable: the table's row.
#[derive(Debug, Clone, Copy)]
pub struct Var {
    pub name: &'static str,
    pub parse: Parse,
    /// The value used when unset, as help shows it ("" when there is none to show).
    pub default: &'static str,
    pub help: &'static str,
    /// Shown in `--help`'s environment list (pancred's own settings; not other programs' variables).
    pub listed: bool,
}

pub const PROFILE: &str = "PANCRED_PROFILE";
pub const STORE: &str = "PANCRED_STORE";
pub const KEYRING: &str = "PANCRED_KEYRING";
pub const CREDENTIALS_FILE: &str = "PAN_CREDENTIALS_DBFILE";
pub const REDIS_URL: &str = "PANCRED_REDIS_URL";
pub const REDIS_PREFIX: &str = "PANCRED_REDIS_PREFIX";
pub const REDIS_LOCK_TTL_MS: &str = "PANCRED_REDIS_LOCK_TTL_MS";
pub const REDIS_TIMEOUT_MS: &str = "PANCRED_REDIS_TIMEOUT_MS";
pub const REDIS_CA_FILE: &str = "PANCRED_REDIS_CA_FILE";
pub const REDIS_ALLOW_EVICTION: &str = "PANCRED_REDIS_ALLOW_EVICTION";
pub const REDIS_PASSWORD: &str = "REDISCLI_AUTH";
pub const REDIS_SENTINEL_PASSWORD: &str = "PANCRED_REDIS_SENTINEL_PASSWORD";
pub const SQLITE_PATH: &str = "PANCRED_SQLITE_PATH";
pub const MEMCACHED_URL: &str = "PANCRED_MEMCACHED_URL";
pub const MEMCACHED_PREFIX: &str = "PANCRED_MEMCACHED_PREFIX";
pub const MEMCACHED_LOCK_TTL_MS: &str = "PANCRED_MEMCACHED_LOCK_TTL_MS";
pub const MEMCACHED_TIMEOUT_MS: &str = "PANCRED_MEMCACHED_TIMEOUT_MS";
pub const LOCK_TIMEOUT: &str = "PANCRED_LOCK_TIMEOUT";
pub const HTTP_TIMEOUT: &str = "PANCRED_HTTP_TIMEOUT";
pub const ACCESS_TOKEN: &str = "PAN_ACCESS_TOKEN";
pub const CLIENT_ID: &str = "PAN_CLIENT_ID";
pub const CLIENT_SECRET: &str = "PAN_CLIENT_SECRET";
pub const REFRESH_TOKEN: &str = "PAN_REFRESH_TOKEN";
pub const DEVELOPER_TOKEN: &str = "PAN_DEVELOPER_TOKEN";
pub const TOKEN_SOCKET: &str = "PANCRED_TOKEN_SOCKET";
pub const TOKEN_URL: &str = "PANCRED_TOKEN_URL";
pub const TOKEN_AUTH: &str = "PANCRED_TOKEN_AUTH";
pub const EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";
pub const KUBECONFIG: &str = "KUBECONFIG";
pub const NO_COLOR: &str = "NO_COLOR";
pub const GIT_TERMINAL_PROMPT: &str = "GIT_TERMINAL_PROMPT";
pub const SEARCH_PATH: &str = "PATH";
pub const DISPLAY: &str = "DISPLAY";
pub const WAYLAND_DISPLAY: &str = "WAYLAND_DISPLAY";
pub const SSH_CONNECTION: &str = "SSH_CONNECTION";
pub const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";
/// The variable pancred's completion scripts set when they call pancred back; pancred's own, so
/// that another program's `COMPLETE` never turns a command into a completion answer.
pub const COMPLETE: &str = "PANCRED_COMPLETE";

/// Whether a completion script is calling pancred back (see [`COMPLETE`]).
pub fn completing() -> bool {
    std::env::var_os(COMPLETE).is_some()
}

/// The longest wait a seconds variable may ask for: a day is already far past any sane value.
pub const MAX_SECS: f64 = 86_400.0;

const fn var(name: &'static str, parse: Parse, default: &'static str, help: &'static str) -> Var {
    Var {
        name,
        parse,
        default,
        help,
        listed: true,
    }
}

const fn other(name: &'static str, parse: Parse, help: &'static str) -> Var {
    Var {
        name,
        parse,
        default: "",
        help,
        listed: false,
    }
}

/// Every variable pancred reads (besides HOME, the XDG folders, BROWSER and [`COMPLETE`]).
#[rustfmt::skip]
pub const TABLE: &[Var] = &[
    var(PROFILE, Parse::Text, "a context rule, else the store's default, else \"default\"", "profile to use when --profile is not given"),
    var(STORE, Parse::Store, "auto", "where profiles live when --store is not given"),
    var(KEYRING, Parse::Choice(&["secret-service", "keyutils"]), "secret-service", "the Linux keyring: the Secret Service or the kernel keyring"),
    var(CREDENTIALS_FILE, Parse::Path, "~/.config/pancloud/credentials.json", "pancloud's credentials file (the file store)"),
    var(REDIS_URL, Parse::Secret, "", "Redis server of the redis store, when --redis-url is not given"),
    var(REDIS_PREFIX, Parse::Text, "pancred:", "prefix of the redis store's keys"),
    var(REDIS_LOCK_TTL_MS, Parse::Millis, "30000", "how long a refresh lock in Redis outlives a holder that died"),
    var(REDIS_TIMEOUT_MS, Parse::Millis, "3000", "connect, read and write timeout of each Redis call"),
    var(REDIS_CA_FILE, Parse::Path, "", "CA certificates (PEM) for rediss:// servers"),
    var(REDIS_ALLOW_EVICTION, Parse::One, "", "1: use a Redis that may evict any key"),
    var(REDIS_PASSWORD, Parse::Secret, "", "Redis password when the URL has none (as redis-cli reads it)"),
    var(REDIS_SENTINEL_PASSWORD, Parse::Secret, "", "password of the sentinels of a redis+sentinel:// URL (the URL's is the master's)"),
    var(SQLITE_PATH, Parse::Path, "$XDG_DATA_HOME/pancred/credentials.sqlite3", "database of the sqlite store, when --sqlite-path is not given"),
    var(MEMCACHED_URL, Parse::Text, "", "memcached server of the memcached store, when --memcached-url is not given"),
    var(MEMCACHED_PREFIX, Parse::Text, "pancred:", "prefix of the memcached store's keys"),
    var(MEMCACHED_LOCK_TTL_MS, Parse::Millis, "30000", "how long a refresh lock in memcached outlives a holder that died"),
    var(MEMCACHED_TIMEOUT_MS, Parse::Millis, "3000", "connect, read and write timeout of each memcached call"),
    var(LOCK_TIMEOUT, Parse::Seconds { zero_ok: true }, "60", "seconds to wait for another process's refresh of the same profile"),
    var(HTTP_TIMEOUT, Parse::Seconds { zero_ok: false }, "30", "seconds each provider call may take"),
    var(ACCESS_TOKEN, Parse::Secret, "", "pancloud: an access token (with the next three, the whole credential set)"),
    var(CLIENT_ID, Parse::Text, "", "pancloud: client id"),
    var(CLIENT_SECRET, Parse::Secret, "", "pancloud: client secret"),
    var(REFRESH_TOKEN, Parse::Secret, "", "pancloud: refresh token"),
    var(DEVELOPER_TOKEN, Parse::Secret, "", "pancloud: developer token"),
    var(TOKEN_SOCKET, Parse::Path, "", "the Unix socket of an `exec --serve` endpoint: `token` asks it first"),
    var(TOKEN_URL, Parse::Text, "", "the loopback URL of an `exec --serve` endpoint (with the next)"),
    var(TOKEN_AUTH, Parse::Secret, "", "the bearer that URL wants"),
    other(EXEC_INFO, Parse::Text, "set by kubectl for its credential plugin"),
    other(KUBECONFIG, Parse::Path, "kubectl's configuration files: kube_context rules read its current-context"),
    other(NO_COLOR, Parse::Present, "no colours in the TUI (no-color.org)"),
    other(SEARCH_PATH, Parse::Path, "where doctor looks for the programs kubectl would run"),
    other(GIT_TERMINAL_PROMPT, Parse::Text, "0: git may not prompt, so its helper starts no login"),
    other(DISPLAY, Parse::Present, "a desktop: the TUI may open a browser"),
    other(WAYLAND_DISPLAY, Parse::Present, "a desktop: the TUI may open a browser"),
    other(SSH_CONNECTION, Parse::Present, "an SSH session: login explains the tunnel"),
    other(ACTIONS_ID_TOKEN_REQUEST_URL, Parse::Text, "GitHub Actions: the OIDC token service (with the next) for the jwt_bearer and token_exchange grants"),
    other(ACTIONS_ID_TOKEN_REQUEST_TOKEN, Parse::Secret, "GitHub Actions: the bearer that service wants"),
];

/// The table's row for `name`.
pub fn row(name: &str) -> Option<&'static Var> {
    TABLE.iter().find(|v| v.name == name)
}

/// The table's variables as the process had them: read once, then passed around.
#[derive(Debug, Clone, Default)]
pub struct Env {
    values: Vec<(&'static str, OsString)>,
}

impl Env {
    /// Reads every variable of the table from the process environment: the one place pancred
    /// reads its settings from the environment.
    pub fn capture() -> Env {
        Env {
            values: TABLE
                .iter()
                .filter_map(|v| std::env::var_os(v.name).map(|value| (v.name, value)))
                .collect(),
        }
    }

    /// A table of values (tests, and programs that set pancred up without a process environment).
    /// Names the table does not have are left out.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<OsStr>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Env {
        Env {
            values: pairs
                .into_iter()
                .filter_map(|(k, v)| row(k.as_ref()).map(|r| (r.name, v.as_ref().to_os_string())))
                .collect(),
        }
    }

    fn raw(&self, name: &str) -> Option<&OsStr> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_os_str())
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` is set to something (not empty).
    pub fn is_set(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// The value as text; an error naming the variable when it is not UTF-8.
    fn utf8(&self, name: &str) -> Result<Option<&str>, Error> {
        match self.raw(name) {
            None => Ok(None),
            Some(v) => v
                .to_str()
                .map(Some)
                .ok_or_else(|| BadSetting(format!("{name} is not valid UTF-8 text"))),
        }
    }

    /// Text as given (empty counts as unset).
    pub fn text(&self, name: &str) -> Result<Option<String>, Error> {
        Ok(self.utf8(name)?.map(str::to_string))
    }

    /// A word: white space around it dropped, blank counts as unset.
    fn word(&self, name: &str) -> Result<Option<&str>, Error> {
        Ok(self.utf8(name)?.map(str::trim).filter(|v| !v.is_empty()))
    }

    /// A path (any bytes).
    pub fn path(&self, name: &str) -> Option<PathBuf> {
        self.raw(name).map(PathBuf::from)
    }

    pub fn secret(&self, name: &str) -> Result<Option<Secret>, Error> {
        Ok(self.text(name)?.map(Secret::new))
    }

    pub fn seconds(&self, name: &str, zero_ok: bool) -> Result<Option<Duration>, Error> {
        self.word(name)?
            .map(|v| parse_secs(name, v, zero_ok))
            .transpose()
    }

    pub fn millis(&self, name: &str) -> Result<Option<Duration>, Error> {
        self.word(name)?.map(|v| parse_millis(name, v)).transpose()
    }

    pub fn store(&self, name: &str) -> Result<Option<StoreKind>, Error> {
        self.word(name)?.map(|v| parse_store(name, v)).transpose()
    }

    /// One of `choices` (compared without regard to case).
    pub fn choice(
        &self,
        name: &str,
        choices: &[&'static str],
    ) -> Result<Option<&'static str>, Error> {
        let Some(v) = self.word(name)? else {
            return Ok(None);
        };
        choices
            .iter()
            .find(|c| c.eq_ignore_ascii_case(v))
            .copied()
            .map(Some)
            .ok_or_else(|| {
                BadSetting(format!(
                    "{name}={v:?} is not one of: {}",
                    choices.join(", ")
                ))
            })
    }

    /// `1` is on, unset is off, anything else is refused.
    pub fn one(&self, name: &str) -> Result<bool, Error> {
        match self.word(name)? {
            None => Ok(false),
            Some("1") => Ok(true),
            Some(v) => Err(BadSetting(format!(
                "{name}={v:?}: set it to 1, or leave it unset"
            ))),
        }
    }

    /// Checks one variable by its row's parser.
    fn check(&self, var: &Var) -> Result<(), Error> {
        match var.parse {
            Parse::Text | Parse::Secret => self.text(var.name).map(drop),
            Parse::Path | Parse::Present => Ok(()),
            Parse::Store => self.store(var.name).map(drop),
            Parse::Choice(c) => self.choice(var.name, c).map(drop),
            Parse::Seconds { zero_ok } => self.seconds(var.name, zero_ok).map(drop),
            Parse::Millis => self.millis(var.name).map(drop),
            Parse::One => self.one(var.name).map(drop),
        }
    }
}

/// A store name from `--store` or `PANCRED_STORE`.
pub fn parse_store(source: &str, value: &str) -> Result<StoreKind, Error> {
    StoreKind::from_name(value.trim()).ok_or_else(|| {
        BadSetting(format!(
            "{source}={value:?} is not a store; choose one of: {}",
            StoreKind::names().join(", ")
        ))
    })
}

/// Seconds (fractions allowed) between 0 (only when `zero_ok`) and [`MAX_SECS`].
pub fn parse_secs(var: &str, value: &str, zero_ok: bool) -> Result<Duration, Error> {
    let bad = |why: &str| {
        BadSetting(format!(
            "{var}={value:?}: {why}; give a number of seconds from {} to {MAX_SECS}",
            if zero_ok { "0" } else { "0.001" }
        ))
    };
    let secs: f64 = value.trim().parse().map_err(|_| bad("not a number"))?;
    if !secs.is_finite() || secs > MAX_SECS {
        return Err(bad("too large"));
    }
    if secs < 0.0 || (!zero_ok && secs < 0.001) {
        return Err(bad("too small"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A whole number of milliseconds above 0 (and at most a day).
pub fn parse_millis(var: &str, value: &str) -> Result<Duration, Error> {
    match value.trim().parse::<u64>() {
        Ok(n) if n > 0 && n as f64 <= MAX_SECS * 1000.0 => Ok(Duration::from_millis(n)),
        _ => Err(BadSetting(format!(
            "{var} must be a whole number of milliseconds from 1 to {}, not {value:?}",
            MAX_SECS as u64 * 1000
        ))),
    }
}

/// pancloud's four credentials and developer token, as the environment gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PanVars {
    pub access_token: Option<Secret>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub developer_token: Option<Secret>,
}

/// The Redis store's settings from the environment (the URL comes with the flags).
#[derive(Debug, Clone, Default)]
pub struct RedisSettings {
    pub url: Option<String>,
    pub prefix: Option<String>,
    pub lock_ttl: Option<Duration>,
    pub timeout: Option<Duration>,
    pub ca_file: Option<PathBuf>,
    pub password: Option<Secret>,
    pub sentinel_password: Option<Secret>,
    pub allow_eviction: bool,
}

/// The memcached store's settings from the environment.
#[derive(Debug, Clone, Default)]
pub struct MemcachedSettings {
    pub url: Option<String>,
    pub prefix: Option<String>,
    pub lock_ttl: Option<Duration>,
    pub timeout: Option<Duration>,
}

/// A token endpoint of `exec --serve` this process was given.
#[derive(Debug, Clone, Default)]
pub struct EndpointSettings {
    pub socket: Option<PathBuf>,
    pub url: Option<String>,
    pub auth: Option<Secret>,
}

/// GitHub Actions' OIDC token service, when a job with `id-token: write` runs pancred.
#[derive(Debug, Clone)]
pub struct ActionsOidc {
    pub url: String,
    pub token: Secret,
}

/// Which Linux keyring `PANCRED_KEYRING` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyringChoice {
    #[default]
    SecretService,
    KeyUtils,
}

/// Every setting the environment gives, checked and typed.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub profile: Option<String>,
    pub store: Option<StoreKind>,
    pub keyring: KeyringChoice,
    pub credentials_file: Option<PathBuf>,
    pub sqlite_path: Option<PathBuf>,
    pub redis: RedisSettings,
    pub memcached: MemcachedSettings,
    pub lock_timeout: Option<Duration>,
    pub http_timeout: Option<Duration>,
    pub pan: PanVars,
    pub endpoint: EndpointSettings,
    pub exec_info: Option<String>,
    /// `KUBECONFIG`: where kubectl's current context is named.
    pub kubeconfig: Option<PathBuf>,
    pub no_color: bool,
    pub desktop: bool,
    pub over_ssh: bool,
    /// `GIT_TERMINAL_PROMPT=0`: git's helper starts no login.
    pub git_prompt_off: bool,
    /// `PATH`, for `doctor`'s look at the programs other tools run.
    pub search_path: Option<PathBuf>,
    /// Both GitHub Actions OIDC variables, when both are set.
    pub actions_oidc: Option<ActionsOidc>,
}

impl Settings {
    /// The settings of this process (see [`Env::capture`]).
    pub fn from_process() -> Result<Settings, Error> {
        Settings::from_env(&Env::capture())
    }

    /// Every variable of the table checked by its parser (the first bad one is a usage error
    /// naming it, whatever the command and the store), then the typed settings.
    pub fn from_env(env: &Env) -> Result<Settings, Error> {
        for var in TABLE {
            env.check(var)?;
        }
        Ok(Settings {
            profile: env.text(PROFILE)?,
            store: env.store(STORE)?,
            keyring: match env.choice(KEYRING, &["secret-service", "keyutils"])? {
                Some("keyutils") => KeyringChoice::KeyUtils,
                _ => KeyringChoice::SecretService,
            },
            credentials_file: env.path(CREDENTIALS_FILE),
            sqlite_path: env.path(SQLITE_PATH),
            redis: RedisSettings {
                url: env.text(REDIS_URL)?,
                prefix: env.text(REDIS_PREFIX)?,
                lock_ttl: env.millis(REDIS_LOCK_TTL_MS)?,
                timeout: env.millis(REDIS_TIMEOUT_MS)?,
                ca_file: env.path(REDIS_CA_FILE),
                password: env.secret(REDIS_PASSWORD)?,
                sentinel_password: env.secret(REDIS_SENTINEL_PASSWORD)?,
                allow_eviction: env.one(REDIS_ALLOW_EVICTION)?,
            },
            memcached: MemcachedSettings {
                url: env.text(MEMCACHED_URL)?,
                prefix: env.text(MEMCACHED_PREFIX)?,
                lock_ttl: env.millis(MEMCACHED_LOCK_TTL_MS)?,
                timeout: env.millis(MEMCACHED_TIMEOUT_MS)?,
            },
            lock_timeout: env.seconds(LOCK_TIMEOUT, true)?,
            http_timeout: env.seconds(HTTP_TIMEOUT, false)?,
            pan: PanVars {
                access_token: env.secret(ACCESS_TOKEN)?,
                client_id: env.text(CLIENT_ID)?,
                client_secret: env.secret(CLIENT_SECRET)?,
                refresh_token: env.secret(REFRESH_TOKEN)?,
                developer_token: env.secret(DEVELOPER_TOKEN)?,
            },
            endpoint: EndpointSettings {
                socket: env.path(TOKEN_SOCKET),
                url: env.text(TOKEN_URL)?,
                auth: env.secret(TOKEN_AUTH)?,
            },
            exec_info: env.text(EXEC_INFO)?,
            kubeconfig: env.path(KUBECONFIG),
            no_color: env.is_set(NO_COLOR),
            desktop: env.is_set(DISPLAY) || env.is_set(WAYLAND_DISPLAY),
            over_ssh: env.is_set(SSH_CONNECTION),
            git_prompt_off: env.text(GIT_TERMINAL_PROMPT)?.as_deref() == Some("0"),
            search_path: env.path(SEARCH_PATH),
            actions_oidc: match (
                env.text(ACTIONS_ID_TOKEN_REQUEST_URL)?,
                env.secret(ACTIONS_ID_TOKEN_REQUEST_TOKEN)?,
            ) {
                (Some(url), Some(token)) => Some(ActionsOidc { url, token }),
                _ => None,
            },
        })
    }
}

/// `--help`'s environment list, from the table: one line per variable, its default when it has one.
pub fn help_list() -> String {
    let listed: Vec<&Var> = TABLE.iter().filter(|v| v.listed).collect();
    let width = listed.iter().map(|v| v.name.len()).max().unwrap_or(0);
    let mut out = String::from("Environment:\n");
    for v in listed {
        let default = if v.default.is_empty() {
            String::new()
        } else {
            format!(" [default: {}]", v.default)
        };
        // Wrapped here, under its own column, so an 80-column terminal shows an even table
        // (clap leaves the footer as it is).
        let text = format!("{}{default}", v.help);
        let indent = 2 + width + 2;
        let mut line = format!("  {:width$}  ", v.name);
        let mut fresh = true;
        for piece in text.split(' ') {
            if !fresh && line.chars().count() + 1 + piece.chars().count() > HELP_WIDTH {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(indent);
                fresh = true;
            }
            if !fresh {
                line.push(' ');
            }
            line.push_str(piece);
            fresh = false;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The environment list fits a terminal this wide.
const HELP_WIDTH: usize = 79;

#[cfg(test)]
#[path = "env_tests.rs"]
mod tests;
