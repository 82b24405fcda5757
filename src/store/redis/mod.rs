//! A Redis server shared by many machines: one set of profiles, one refresh lock per profile.
//!
//! Keys, all under a configurable prefix (default `pancred:`), named in `layout.rs`:
//! - `{prefix}profile:{name}`: the profile as one JSON string (the same document as in the file
//!   store), written with the index by one Lua script, so a reader sees a whole profile or none;
//! - `{prefix}profiles`: sorted set of profile names, scored in the order they were first stored;
//! - `{prefix}seq`: the counter behind those scores;
//! - `{prefix}default`: the default profile's name;
//! - `{prefix}version`: bumped by every write (each script below, and the default), so a
//!   watcher learns of any change with one GET;
//! - `{prefix}lock:{name}`: the refresh lock (see `lock.rs`).
//!
//! The small executable reads a cached token from a plain `redis://` server itself (`plain/`:
//! a client without TLS); every other form is this store's.

mod config;
mod conn;
mod diagnose;
mod durable;
mod layout;
mod lock;
mod message;
mod plain;
mod policy;
mod route;
mod scripts;
mod topology;

pub use config::RedisConfig;
pub use diagnose::diagnose;
pub use message::redact_url;
pub use plain::{open_plain, PlainReader};

use super::{ProfileLock, Store, StoreError};
use crate::profile::Profile;
use conn::Conn;
use layout::Layout;
use scripts::{REMOVE, RENAME, SET_DEFAULT, UPSERT};
use std::sync::Arc;
use std::time::Duration;

pub const DEFAULT_PREFIX: &str = "pancred:";
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// A lock is a lease that expires when its holder cannot renew it.
const LOCK_CAN_LAPSE: bool = true;
/// A restart without persistence, a flush or a failover to a replica that lagged: pancred
/// cannot tell from here whether this server keeps what it was given.
const CAN_FORGET: bool = true;

/// The settings every reader of the store checks before it is used.
fn check_settings(config: &RedisConfig) -> Result<(), StoreError> {
    super::lease::check_ttl("PANCRED_REDIS_LOCK_TTL_MS", config.lock_ttl, lock::TICK)
}

pub struct RedisStore {
    conn: Arc<Conn>,
    layout: Layout,
    lock_ttl: Duration,
}

impl RedisStore {
    /// Connects now, so an unreachable server or a refused password is reported at once.
    pub fn connect(config: &RedisConfig) -> Result<Self, StoreError> {
        check_settings(config)?;
        let conn = Conn::open(config)?;
        let cluster = matches!(
            conn.route().map(|r| &r.topology.kind),
            Some(topology::Kind::Cluster)
        );
        let store = RedisStore {
            conn: Arc::new(conn),
            layout: Layout::new(&config.prefix, cluster),
            lock_ttl: config.lock_ttl,
        };
        policy::check(&store.conn, config.allow_eviction)?;
        Ok(store)
    }

    /// The profile's key when it exists but is not a string (MGET reads it as missing).
    fn wrong_type(&self, name: &str) -> Result<Option<StoreError>, StoreError> {
        let key = self.layout.profile(name);
        let kind: String = self.conn.with("reading profiles", |c| {
            redis::cmd("TYPE").arg(&key).query(c)
        })?;
        Ok((kind != "none").then(|| StoreError::Corrupt {
            location: format!("{} key {key}", self.conn.shown),
            what: format!(
                "holds a Redis {kind}, not a profile document; it was left as it is: fix it, or delete the key"
            ),
        }))
    }

    fn parse(&self, name: &str, json: &str) -> Result<Profile, StoreError> {
        self.layout.parse(&self.conn.shown, name, json)
    }
}

impl Store for RedisStore {
    fn kind(&self) -> &'static str {
        "redis"
    }

    fn location(&self) -> String {
        self.layout.location(&self.conn.shown)
    }

    fn load(&self, name: &str) -> Result<Option<Profile>, StoreError> {
        let json: Option<String> = self.conn.with("reading a profile", |c| {
            redis::cmd("GET").arg(self.layout.profile(name)).query(c)
        })?;
        json.map(|j| self.parse(name, &j)).transpose()
    }

    fn profile_names(&self) -> Result<Vec<String>, StoreError> {
        self.conn.with("listing profiles", |c| {
            redis::cmd("ZRANGE")
                .arg(self.layout.index())
                .arg(0)
                .arg(-1)
                .query(c)
        })
    }

    fn list(&self) -> Result<Vec<Profile>, StoreError> {
        let names = self.profile_names()?;
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = names.iter().map(|n| self.layout.profile(n)).collect();
        let values: Vec<Option<String>> = self.conn.with("reading profiles", |c| {
            redis::cmd("MGET").arg(&keys).query(c)
        })?;
        let mut out = Vec::new();
        for (name, value) in names.iter().zip(values) {
            let problem = match value {
                Some(json) => match self.parse(name, &json) {
                    Ok(p) => {
                        out.push(p);
                        continue;
                    }
                    Err(e) => e,
                },
                None => match self.wrong_type(name)? {
                    // A profile removed between the two calls is simply gone.
                    None => continue,
                    Some(e) => e,
                },
            };
            // One bad key never hides the others: listed by name, with what is wrong with it.
            let mut p = Profile::new(name.clone());
            p.extra.insert(
                crate::store::UNREADABLE_NOTE.into(),
                serde_json::Value::String(problem.to_string()),
            );
            out.push(p);
        }
        Ok(out)
    }

    fn upsert(&self, profile: &Profile) -> Result<(), StoreError> {
        super::check_name(&profile.profile, || {
            self.load(&profile.profile).map(|p| p.is_some())
        })?;
        let json = serde_json::to_string(&profile.to_json())
            .map_err(|e| StoreError::Backend(format!("cannot encode the profile: {e}")))?;
        self.conn.with("writing a profile", |c| {
            redis::Script::new(UPSERT)
                .key(self.layout.profile(&profile.profile))
                .key(self.layout.index())
                .key(self.layout.seq())
                .key(self.layout.version())
                .arg(&json)
                .arg(&profile.profile)
                .invoke::<i64>(c)
        })?;
        Ok(())
    }

    fn remove(&self, name: &str) -> Result<bool, StoreError> {
        let n: i64 = self.conn.with("removing a profile", |c| {
            redis::Script::new(REMOVE)
                .key(self.layout.profile(name))
                .key(self.layout.index())
                .key(self.layout.default_profile())
                .key(self.layout.version())
                .arg(name)
                .invoke(c)
        })?;
        Ok(n > 0)
    }

    /// One script renames the key, moves the index entry and the default pointer together.
    fn rename(&self, old: &str, new: &str) -> Result<bool, StoreError> {
        let current: Option<String> = self.conn.with("reading a profile", |c| {
            redis::cmd("GET").arg(self.layout.profile(old)).query(c)
        })?;
        let Some(current) = current else {
            return Ok(false);
        };
        let mut profile = self.parse(old, &current)?;
        profile.profile = new.to_string();
        let json = serde_json::to_string(&profile.to_json())
            .map_err(|e| StoreError::Backend(format!("cannot encode the profile: {e}")))?;
        let n: i64 = self.conn.with("renaming a profile", |c| {
            redis::Script::new(RENAME)
                .key(self.layout.profile(old))
                .key(self.layout.profile(new))
                .key(self.layout.index())
                .key(self.layout.default_profile())
                .key(self.layout.version())
                .arg(&current)
                .arg(&json)
                .arg(old)
                .arg(new)
                .invoke(c)
        })?;
        match n {
            1 => Ok(true),
            0 => Ok(false),
            _ => Err(StoreError::Backend(format!(
                "profile '{old}' changed while it was being renamed; nothing was renamed, try again"
            ))),
        }
    }

    fn default_profile(&self) -> Result<Option<String>, StoreError> {
        self.conn.with("reading the default profile", |c| {
            redis::cmd("GET")
                .arg(self.layout.default_profile())
                .query(c)
        })
    }

    fn set_default_profile(&self, name: &str) -> Result<(), StoreError> {
        self.conn.with("setting the default profile", |c| {
            redis::Script::new(SET_DEFAULT)
                .key(self.layout.default_profile())
                .key(self.layout.version())
                .arg(name)
                .invoke::<i64>(c)
        })?;
        Ok(())
    }

    /// One GET of the version key that every write bumps (none yet: 0).
    fn change_token(&self) -> Result<Option<u64>, StoreError> {
        let v: Option<u64> = self.conn.with("reading the store's version", |c| {
            redis::cmd("GET").arg(self.layout.version()).query(c)
        })?;
        Ok(Some(v.unwrap_or(0)))
    }

    /// Every replica of the master has the write (`WAIT`, see `durable.rs`).
    fn confirm_write(&self) -> Result<(), StoreError> {
        self.conn
            .confirm("the new tokens")?
            .map_err(durable::Unsafe::into_error)
    }

    fn lock_can_lapse(&self) -> bool {
        LOCK_CAN_LAPSE
    }

    fn can_forget(&self) -> bool {
        CAN_FORGET
    }

    fn lock(&self, name: &str, timeout: Duration) -> Result<Box<dyn ProfileLock>, StoreError> {
        let lock = super::lease::acquire(
            Arc::new(lock::Server::new(self.conn.clone(), self.lock_ttl)),
            self.layout.lock(name),
            format!("profile '{name}' in {}", self.location()),
            self.lock_ttl,
            timeout,
        )?;
        Ok(Box::new(lock))
    }

    fn reset(&self) {
        self.conn.reset();
    }
}
