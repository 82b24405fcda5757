//! One configuration for the engine: flags and environment become an [`EngineConfig`] in this one
//! place, and every command, the TUI and the demo build their engine
//! ([`crate::Engine::from_config`]) and their async runtime from it, so a setting means the same
//! everywhere.

use crate::error::Error;
use crate::profile::DEFAULT_LEEWAY;
use crate::store::{self, StoreConfig, StoreKind};
use std::time::Duration;

/// Env var: how long to wait for another process's refresh of the same profile, in seconds.
pub const ENV_LOCK_TIMEOUT: &str = "PANCRED_LOCK_TIMEOUT";
/// Env var: the total time limit of each provider call, in seconds (fractions allowed).
pub const ENV_HTTP_TIMEOUT: &str = "PANCRED_HTTP_TIMEOUT";
/// Env var: the store to use when `--store` is not given.
pub const ENV_STORE: &str = "PANCRED_STORE";

pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(60);
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait a seconds variable may ask for: a day is already far past any sane value.
pub const MAX_SECS: f64 = 86_400.0;

/// Everything the engine is built from.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub store: StoreConfig,
    /// Seconds before expiry at which a token counts as expiring.
    pub leeway: i64,
    pub lock_timeout: Duration,
    pub http_timeout: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            store: StoreConfig::default(),
            leeway: DEFAULT_LEEWAY,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
        }
    }
}

impl EngineConfig {
    /// The defaults with the process environment applied (`PANCRED_STORE`, `PANCRED_LOCK_TIMEOUT`,
    /// `PANCRED_HTTP_TIMEOUT`). A bad value is a usage error naming the variable.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(&|var| std::env::var(var).ok())
    }

    /// As [`EngineConfig::from_env`], over any source of variables (tests pass a table).
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let mut config = EngineConfig::default();
        if let Some(v) = lookup(ENV_STORE).filter(|v| !v.trim().is_empty()) {
            config.store.kind = parse_store(ENV_STORE, &v)?;
        }
        if let Some(v) = lookup(ENV_LOCK_TIMEOUT).filter(|v| !v.trim().is_empty()) {
            config.lock_timeout = parse_secs(ENV_LOCK_TIMEOUT, &v, true)?;
            config.store.lock_timeout = Some(config.lock_timeout);
        }
        if let Some(v) = lookup(ENV_HTTP_TIMEOUT).filter(|v| !v.trim().is_empty()) {
            config.http_timeout = parse_secs(ENV_HTTP_TIMEOUT, &v, false)?;
        }
        // The stores' own numbers are read when their store opens; a bad one is refused here
        // too, whatever the store, so every variable is checked the same way.
        for var in STORE_MILLIS {
            if let Some(v) = lookup(var).filter(|v| !v.trim().is_empty()) {
                store::env_millis(var, &v).map_err(|e| Error::Usage(e.to_string()))?;
            }
        }
        Ok(config)
    }
}

/// The stores' variables in milliseconds (see each store's configuration).
const STORE_MILLIS: [&str; 4] = [
    "PANCRED_REDIS_TIMEOUT_MS",
    "PANCRED_REDIS_LOCK_TTL_MS",
    "PANCRED_MEMCACHED_TIMEOUT_MS",
    "PANCRED_MEMCACHED_LOCK_TTL_MS",
];

/// A store name from `--store` or `PANCRED_STORE`.
pub fn parse_store(source: &str, value: &str) -> Result<StoreKind, Error> {
    StoreKind::from_name(value.trim()).ok_or_else(|| {
        Error::Usage(format!(
            "{source}={value:?} is not a store; choose one of: {}",
            StoreKind::names().join(", ")
        ))
    })
}

/// Seconds (fractions allowed) between 0 (only when `zero_ok`) and [`MAX_SECS`].
pub fn parse_secs(var: &str, value: &str, zero_ok: bool) -> Result<Duration, Error> {
    let bad = |why: &str| {
        Error::Usage(format!(
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

/// Reads one seconds variable from the environment: unset or empty is `None`.
pub fn env_secs(var: &str, zero_ok: bool) -> Result<Option<Duration>, Error> {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => parse_secs(var, &v, zero_ok).map(Some),
        _ => Ok(None),
    }
}

/// The async runtime for one command: provider calls are async, the CLI is not. The one place
/// a runtime is built; `threads` > 1 for faces that wait on several things at once (the TUI, login).
pub fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, Error> {
    build_runtime(threads).map_err(|e| Error::Other(format!("cannot start the async runtime: {e}")))
}

/// [`runtime`] with the bare I/O error, for callers with error types of their own (the sandbox).
pub fn build_runtime(threads: usize) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = if threads > 1 {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(threads);
        b
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    builder.enable_all().build()
}

/// Runs one future to completion on a fresh single-threaded runtime.
pub fn block_on<T>(f: impl std::future::Future<Output = Result<T, Error>>) -> Result<T, Error> {
    runtime(1)?.block_on(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn from(vars: &[(&str, &str)]) -> Result<EngineConfig, Error> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EngineConfig::from_lookup(&move |k| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[rstest]
    #[case(ENV_LOCK_TIMEOUT, "abc")]
    #[case(ENV_LOCK_TIMEOUT, "-1")]
    #[case(ENV_LOCK_TIMEOUT, "1e300")]
    #[case(ENV_LOCK_TIMEOUT, "inf")]
    #[case(ENV_LOCK_TIMEOUT, "NaN")]
    #[case(ENV_HTTP_TIMEOUT, "abc")]
    #[case(ENV_HTTP_TIMEOUT, "0")]
    #[case(ENV_HTTP_TIMEOUT, "1e300")]
    #[case(ENV_HTTP_TIMEOUT, "-0.5")]
    #[case(ENV_STORE, "bogus")]
    // Checked whatever the store, as the variables above are.
    #[case("PANCRED_REDIS_TIMEOUT_MS", "abc")]
    #[case("PANCRED_REDIS_LOCK_TTL_MS", "0")]
    #[case("PANCRED_MEMCACHED_TIMEOUT_MS", "1e3")]
    #[case("PANCRED_MEMCACHED_LOCK_TTL_MS", "-5")]
    fn a_bad_value_is_a_usage_error_naming_the_variable(#[case] var: &str, #[case] value: &str) {
        let err = from(&[(var, value)]).unwrap_err();
        assert!(matches!(err, Error::Usage(_)), "{err:?}");
        assert!(err.to_string().contains(var), "{err}");
    }

    #[rstest]
    #[case(ENV_LOCK_TIMEOUT, "0", Duration::ZERO)]
    #[case(ENV_LOCK_TIMEOUT, " 2.5 ", Duration::from_millis(2500))]
    #[case(ENV_HTTP_TIMEOUT, "7", Duration::from_secs(7))]
    fn good_values_are_taken(#[case] var: &str, #[case] value: &str, #[case] want: Duration) {
        let c = from(&[(var, value)]).unwrap();
        let got = if var == ENV_LOCK_TIMEOUT {
            c.lock_timeout
        } else {
            c.http_timeout
        };
        assert_eq!(got, want);
    }

    #[test]
    fn unset_and_empty_mean_the_defaults() {
        let c = from(&[(ENV_HTTP_TIMEOUT, ""), (ENV_STORE, " ")]).unwrap();
        assert_eq!(c.http_timeout, DEFAULT_HTTP_TIMEOUT);
        assert_eq!(c.lock_timeout, DEFAULT_LOCK_TIMEOUT);
        assert_eq!(c.store.kind, StoreKind::Auto);
        assert_eq!(
            from(&[(ENV_STORE, "file")]).unwrap().store.kind,
            StoreKind::File
        );
    }
}
