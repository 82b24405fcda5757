//! The redis store's settings: where the server is and how the keys are laid out.

use super::{DEFAULT_LOCK_TTL, DEFAULT_PREFIX, DEFAULT_TIMEOUT};
use crate::secret::Secret;
use crate::store::StoreError;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach the server and lay out the keys.
#[derive(Debug, Clone)]
pub struct RedisConfig {
    /// `redis://[USER][:PASSWORD@]HOST[:PORT][/DB]`, `rediss://...` for TLS; a master watched
    /// by Sentinels: `redis+sentinel://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/MASTER_NAME[/DB]`;
    /// a Cluster: `redis+cluster://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]` (`rediss+...`
    /// for TLS).
    pub url: String,
    pub prefix: String,
    /// How long a refresh lock outlives a holder that died.
    pub lock_ttl: Duration,
    /// Connect, read and write timeout for each Redis call.
    pub timeout: Duration,
    /// Used when the URL has no password (`REDISCLI_AUTH`, as redis-cli does).
    pub password: Option<Secret>,
    /// The sentinels' password (`PANCRED_REDIS_SENTINEL_PASSWORD`); the URL's credentials are
    /// the master's.
    pub sentinel_password: Option<Secret>,
    /// PEM root certificates to trust for `rediss://` instead of the public web roots
    /// (a private CA).
    pub ca_file: Option<PathBuf>,
    /// Use a server that may evict any key (`PANCRED_REDIS_ALLOW_EVICTION=1`).
    pub allow_eviction: bool,
}

impl RedisConfig {
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            url: url.into(),
            prefix: DEFAULT_PREFIX.into(),
            lock_ttl: DEFAULT_LOCK_TTL,
            timeout: DEFAULT_TIMEOUT,
            password: None,
            sentinel_password: None,
            ca_file: None,
            allow_eviction: false,
        }
    }

    /// The URL given (`--redis-url`, `PANCRED_REDIS_URL`) with the other settings (see
    /// [`crate::env`]: `PANCRED_REDIS_PREFIX`, `PANCRED_REDIS_LOCK_TTL_MS`,
    /// `PANCRED_REDIS_TIMEOUT_MS`, `PANCRED_REDIS_CA_FILE`, `PANCRED_REDIS_ALLOW_EVICTION`,
    /// `REDISCLI_AUTH`, `PANCRED_REDIS_SENTINEL_PASSWORD`).
    pub fn from_settings(
        url: Option<&str>,
        settings: &crate::env::RedisSettings,
    ) -> Result<Self, StoreError> {
        let url = url.filter(|u| !u.is_empty()).ok_or_else(|| {
            StoreError::Config(
                "the redis store needs a server: pass --redis-url redis://HOST:PORT/ or set PANCRED_REDIS_URL".into(),
            )
        })?;
        let mut config = RedisConfig::new(url);
        if let Some(p) = &settings.prefix {
            config.prefix = p.clone();
        }
        config.lock_ttl = settings.lock_ttl.unwrap_or(config.lock_ttl);
        config.timeout = settings.timeout.unwrap_or(config.timeout);
        config.password = settings.password.clone();
        config.sentinel_password = settings.sentinel_password.clone();
        config.ca_file = settings.ca_file.clone();
        config.allow_eviction = settings.allow_eviction;
        Ok(config)
    }

    /// The password to log in with: the URL's own (`in_url`), else `REDISCLI_AUTH`, as
    /// redis-cli does. Both Redis readers log in with it.
    pub(super) fn login_password<'a>(&'a self, in_url: Option<&'a str>) -> Option<&'a str> {
        in_url.or(self.password.as_ref().map(Secret::expose))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::redis::conn::Conn;

    fn settings(vars: &[(&str, &str)]) -> crate::env::RedisSettings {
        let env = crate::env::Env::from_pairs(vars.iter().copied());
        crate::env::Settings::from_env(&env).unwrap().redis
    }

    #[test]
    fn config_from_env() {
        let c = RedisConfig::from_settings(
            Some("redis://127.0.0.1:1/"),
            &settings(&[
                ("PANCRED_REDIS_PREFIX", "team-a:"),
                ("PANCRED_REDIS_LOCK_TTL_MS", "1500"),
                ("REDISCLI_AUTH", "pw"),
                ("PANCRED_REDIS_SENTINEL_PASSWORD", "spw"),
            ]),
        )
        .unwrap();
        assert_eq!(
            c.sentinel_password.as_ref().map(Secret::expose),
            Some("spw")
        );
        assert_eq!(c.prefix, "team-a:");
        assert_eq!(c.lock_ttl, Duration::from_millis(1500));
        assert_eq!(c.timeout, DEFAULT_TIMEOUT);
        assert_eq!(c.password.as_ref().map(Secret::expose), Some("pw"));

        let d = RedisConfig::from_settings(Some("redis://h/"), &settings(&[])).unwrap();
        assert_eq!(d.prefix, DEFAULT_PREFIX);
        assert_eq!(d.lock_ttl, DEFAULT_LOCK_TTL);
    }

    #[test]
    fn no_url_is_a_config_error() {
        for url in [None, Some("")] {
            let r = RedisConfig::from_settings(url, &settings(&[]));
            assert!(matches!(r, Err(StoreError::Config(_))), "{url:?}");
        }
    }

    #[test]
    fn a_bad_url_never_echoes_its_password() {
        for url in [
            "http://:hunter2@127.0.0.1/",
            "redis//:hunter2@nowhere",
            "redis+sentinel://:hunter2@127.0.0.1:26379",
            "redis+sentinel://u:hunter2@127.0.0.1:x/m",
            "rediss+cluster://:hunter2@127.0.0.1:1/2",
        ] {
            let err = match Conn::open(&RedisConfig::new(url)) {
                Err(e) => e,
                Ok(_) => panic!("{url} was accepted"),
            };
            assert!(matches!(err, StoreError::Config(_)), "{url}: {err}");
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
    }
}
