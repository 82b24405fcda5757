//! A memcached server shared by a fleet: one item per profile plus an index, and one refresh lock
//! per profile. memcached may evict items under memory pressure, so this store suits caching
//! tokens for many machines with the profiles' source of truth elsewhere (`pancred import`).
//!
//! Items, all under a configurable prefix (default `pancred:`), none with an expiry:
//! - `{prefix}p:{hex of the name}`: the profile as one JSON document (as in the file store);
//! - `{prefix}index`: the JSON list of profile names, in the order first stored, changed only by
//!   CAS read-modify-write loops so concurrent writers never drop each other's names;
//! - `{prefix}default`: the default profile's name;
//! - `{prefix}lock:{hex of the name}`: the refresh lock (see `lock.rs`).

mod lock;
mod proto;

use super::{ProfileLock, Store, StoreError};
use crate::profile::Profile;
use proto::{Conn, Mode, Outcome};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const DEFAULT_PREFIX: &str = "pancred:";
pub const DEFAULT_PORT: u16 = 11211;
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// How to reach the server and lay out the items.
#[derive(Debug, Clone)]
pub struct MemcachedConfig {
    pub host: String,
    pub port: u16,
    pub prefix: String,
    /// How long a refresh lock outlives a holder that died (whole seconds in memcached).
    pub lock_ttl: Duration,
    /// Connect, read and write timeout for each call.
    pub timeout: Duration,
}

impl MemcachedConfig {
    /// `memcache://HOST[:PORT]` (`--memcached-url`, `PANCRED_MEMCACHED_URL`) with the other
    /// settings (see [`crate::env`]: `PANCRED_MEMCACHED_PREFIX`, `PANCRED_MEMCACHED_LOCK_TTL_MS`,
    /// `PANCRED_MEMCACHED_TIMEOUT_MS`).
    pub fn from_settings(
        url: Option<&str>,
        settings: &crate::env::MemcachedSettings,
    ) -> Result<Self, StoreError> {
        let url = url.filter(|u| !u.is_empty()).ok_or_else(|| {
            StoreError::Config(
                "the memcached store needs a server: pass --memcached-url memcache://HOST:PORT or set PANCRED_MEMCACHED_URL".into(),
            )
        })?;
        let bad = || {
            StoreError::Config(
                "the memcached URL is not valid: expected memcache://HOST[:PORT] (no user, password or path)".into(),
            )
        };
        let parsed = url::Url::parse(url).map_err(|_| bad())?;
        let plain = parsed.username().is_empty()
            && parsed.password().is_none()
            && matches!(parsed.path(), "" | "/")
            && parsed.query().is_none();
        if parsed.scheme() != "memcache" || !plain {
            return Err(bad());
        }
        let host = match parsed.host().ok_or_else(bad)? {
            url::Host::Ipv6(a) => a.to_string(),
            h => h.to_string(),
        };
        let mut config = MemcachedConfig {
            host,
            port: parsed.port().unwrap_or(DEFAULT_PORT),
            prefix: DEFAULT_PREFIX.into(),
            lock_ttl: DEFAULT_LOCK_TTL,
            timeout: DEFAULT_TIMEOUT,
        };
        if let Some(p) = &settings.prefix {
            config.prefix = p.clone();
        }
        config.lock_ttl = settings.lock_ttl.unwrap_or(config.lock_ttl);
        config.timeout = settings.timeout.unwrap_or(config.timeout);
        Ok(config)
    }
}

/// `pancred doctor`'s memcached check: the server answers (one read, within
/// [`crate::check::TIMEOUT`]).
pub fn diagnose(
    url: Option<&str>,
    settings: &crate::env::MemcachedSettings,
) -> crate::check::Check {
    use crate::check::{Check, TIMEOUT};
    let mut config = match MemcachedConfig::from_settings(url, settings) {
        Ok(c) => c,
        Err(e) => return Check::fail("memcached", e.to_string(), "correct PANCRED_MEMCACHED_URL"),
    };
    config.timeout = config.timeout.min(TIMEOUT);
    let shown = Conn::new(config.host.clone(), config.port, config.timeout).shown();
    match MemcachedStore::connect(&config) {
        Ok(_) => Check::ok(
            "memcached",
            format!("{shown} answers (a cache: it may evict under memory pressure)"),
        ),
        Err(e) => Check::fail(
            "memcached",
            e.to_string(),
            format!("start memcached at {shown}, or correct PANCRED_MEMCACHED_URL"),
        ),
    }
}

pub struct MemcachedStore {
    conn: Arc<Conn>,
    prefix: String,
    lock_ttl: Duration,
    timeout: Duration,
}

/// The item key for a name: hex keeps any name a valid key; very long names are hashed.
fn key_part(name: &str) -> String {
    let hex = crate::files::hex_name_bytes(name.as_bytes());
    if hex.len() <= 160 {
        return hex;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(name.as_bytes());
    format!("h{}", crate::files::hex_name_bytes(&digest))
}

impl MemcachedStore {
    /// Connects now, so an unreachable server is reported at once.
    pub fn connect(config: &MemcachedConfig) -> Result<Self, StoreError> {
        super::lease::check_ttl("PANCRED_MEMCACHED_LOCK_TTL_MS", config.lock_ttl, lock::TICK)?;
        let store = MemcachedStore {
            conn: Arc::new(Conn::new(config.host.clone(), config.port, config.timeout)),
            prefix: config.prefix.clone(),
            lock_ttl: config.lock_ttl,
            timeout: config.timeout,
        };
        store.conn.get(&store.index_key())?;
        Ok(store)
    }

    fn profile_key(&self, name: &str) -> String {
        format!("{}p:{}", self.prefix, key_part(name))
    }

    fn index_key(&self) -> String {
        format!("{}index", self.prefix)
    }

    fn default_key(&self) -> String {
        format!("{}default", self.prefix)
    }

    fn corrupt(&self, key: &str, what: String) -> StoreError {
        StoreError::Corrupt {
            location: format!("{} item {key}", self.conn.shown()),
            what,
        }
    }

    fn parse(&self, name: &str, bytes: &[u8]) -> Result<Profile, StoreError> {
        let key = self.profile_key(name);
        let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
            self.corrupt(
                &key,
                format!("not a JSON profile ({e}); it was left as it is"),
            )
        })?;
        let profile = Profile::from_json(value).map_err(|e| self.corrupt(&key, e))?;
        if profile.profile != name {
            return Err(self.corrupt(
                &key,
                format!("holds profile '{}', not '{name}'", profile.profile),
            ));
        }
        Ok(profile)
    }

    /// The index and its CAS (None when there is no index item yet).
    fn index(&self) -> Result<(Vec<String>, Option<u64>), StoreError> {
        match self.conn.get(&self.index_key())? {
            None => Ok((Vec::new(), None)),
            Some((bytes, cas)) => {
                let names: Vec<String> = serde_json::from_slice(&bytes).map_err(|e| {
                    self.corrupt(
                        &self.index_key(),
                        format!("not a JSON list of profile names ({e}); delete the item and run `pancred import`"),
                    )
                })?;
                Ok((names, Some(cas)))
            }
        }
    }

    /// Applies `change` to the index with CAS, again on a fresh read whenever another writer got
    /// in between, until it sticks or the timeout passes.
    fn update_index(&self, change: impl Fn(&mut Vec<String>) -> bool) -> Result<(), StoreError> {
        let deadline = Instant::now() + self.timeout.max(Duration::from_secs(5));
        loop {
            let (mut names, cas) = self.index()?;
            if !change(&mut names) {
                return Ok(());
            }
            let bytes = serde_json::to_vec(&names)
                .map_err(|e| StoreError::Backend(format!("cannot encode the index: {e}")))?;
            let outcome = match cas {
                Some(c) => self
                    .conn
                    .set(&self.index_key(), &bytes, Mode::Set, Some(c), 0)?,
                None => self
                    .conn
                    .set(&self.index_key(), &bytes, Mode::Add, None, 0)?,
            };
            if outcome == Outcome::Done {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(StoreError::Backend(format!(
                    "{}: the profile index kept changing under this write; try again",
                    self.conn.shown()
                )));
            }
            std::thread::sleep(Duration::from_millis(rand::random_range(1..10)));
        }
    }
}

impl Store for MemcachedStore {
    fn kind(&self) -> &'static str {
        "memcached"
    }

    fn location(&self) -> String {
        format!("{} (items {}*)", self.conn.shown(), self.prefix)
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        self.conn
            .get(&self.profile_key(name))?
            .map(|(bytes, _)| self.parse(name, &bytes))
            .transpose()
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let (names, _) = self.index()?;
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            // Removed (or evicted) since the index was read: simply gone.
            if let Some(p) = self.load(&name)? {
                out.push(p);
            }
        }
        Ok(out)
    }

    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        super::check_name(&profile.profile, || {
            self.load(&profile.profile).map(|p| p.is_some())
        })?;
        let json = serde_json::to_vec(&profile.to_json())
            .map_err(|e| StoreError::Backend(format!("cannot encode the profile: {e}")))?;
        // The item first, then its name in the index: a lister never finds a name without a profile
        // for long, and skips it when it does.
        self.conn.set(
            &self.profile_key(&profile.profile),
            &json,
            Mode::Set,
            None,
            0,
        )?;
        let name = profile.profile.clone();
        self.update_index(|names| {
            if names.contains(&name) {
                return false;
            }
            names.push(name.clone());
            true
        })
    }

    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        let listed = std::cell::Cell::new(false);
        self.update_index(|names| {
            let before = names.len();
            names.retain(|n| n != name);
            listed.set(before != names.len());
            listed.get()
        })?;
        if let Some((bytes, cas)) = self.conn.get(&self.default_key())? {
            if bytes == name.as_bytes() {
                self.conn.delete(&self.default_key(), Some(cas))?;
            }
        }
        let deleted = self.conn.delete(&self.profile_key(name), None)? == Outcome::Done;
        Ok(listed.get() || deleted)
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        match self.conn.get(&self.default_key())? {
            None => Ok(None),
            Some((bytes, _)) => String::from_utf8(bytes)
                .map(Some)
                .map_err(|_| self.corrupt(&self.default_key(), "not a UTF-8 profile name".into())),
        }
    }

    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        self.conn
            .set(&self.default_key(), name.as_bytes(), Mode::Set, None, 0)?;
        Ok(())
    }

    fn lock_can_lapse(&self) -> bool {
        true
    }

    /// memcached evicts under memory pressure and restarts empty.
    fn can_forget(&self) -> bool {
        true
    }

    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        let lock = super::lease::acquire(
            Arc::new(lock::Server(self.conn.clone())),
            format!("{}lock:{}", self.prefix, key_part(name)),
            format!("profile '{name}' in {}", self.location()),
            self.lock_ttl,
            timeout,
        )?;
        Ok(Box::new(lock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> crate::env::MemcachedSettings {
        let env = crate::env::Env::from_pairs(vars.iter().copied());
        crate::env::Settings::from_env(&env).unwrap().memcached
    }

    #[test]
    fn urls_and_settings() {
        let c = MemcachedConfig::from_settings(
            Some("memcache://127.0.0.1:11300"),
            &settings(&[
                ("PANCRED_MEMCACHED_PREFIX", "team:"),
                ("PANCRED_MEMCACHED_LOCK_TTL_MS", "1500"),
            ]),
        )
        .unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 11300));
        assert_eq!(c.prefix, "team:");
        assert_eq!(lock::ttl_secs(c.lock_ttl), 2);
        let d = MemcachedConfig::from_settings(Some("memcache://[::1]"), &settings(&[])).unwrap();
        assert_eq!((d.host.as_str(), d.port), ("::1", DEFAULT_PORT));
        assert_eq!(d.timeout, DEFAULT_TIMEOUT);
        for bad in [
            None,
            Some(""),
            Some("redis://h:1"),
            Some("memcache://"),
            Some("memcache://u:pw@h:1"),
            Some("memcache://h:1/x"),
            Some("h:1"),
        ] {
            let r = MemcachedConfig::from_settings(bad, &settings(&[]));
            assert!(matches!(r, Err(StoreError::Config(_))), "{bad:?}");
        }
    }

    #[test]
    fn every_name_makes_a_valid_key() {
        for name in ["a", "with space", "ünïcode", &"x".repeat(300)] {
            let k = key_part(name);
            assert!(
                k.len() <= 160 && k.bytes().all(|b| b.is_ascii_alphanumeric()),
                "{k}"
            );
        }
        assert_ne!(key_part(&"x".repeat(300)), key_part(&"x".repeat(301)));
    }
}
