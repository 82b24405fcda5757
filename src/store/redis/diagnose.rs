//! `pancred doctor`'s Redis checks: the server answers, its eviction policy, its replication
//! role. Each call is bounded by [`crate::check::TIMEOUT`] (or the configured timeout, if shorter).

use super::conn::Conn;
use super::policy;
use super::RedisConfig;
use crate::check::{Check, TIMEOUT};
use crate::env::RedisSettings;

/// The checks, from the same settings the store opens with.
pub fn diagnose(url: Option<&str>, settings: &RedisSettings) -> Vec<Check> {
    let bad_url = |e: crate::store::StoreError| {
        vec![Check::fail(
            "redis",
            e.to_string(),
            "correct PANCRED_REDIS_URL",
        )]
    };
    let mut config = match RedisConfig::from_settings(url, settings) {
        Ok(c) => c,
        Err(e) => return bad_url(e),
    };
    config.timeout = config.timeout.min(TIMEOUT);
    let conn = match Conn::open(&config) {
        Ok(c) => c,
        Err(e) => return bad_url(e),
    };
    let shown = conn.shown.clone();
    if let Err(e) = conn.with("pinging", |c| redis::cmd("PING").query::<String>(c)) {
        return vec![Check::fail(
            "redis",
            e.to_string(),
            format!("start the server at {shown}, or correct PANCRED_REDIS_URL (and the password in REDISCLI_AUTH)"),
        )];
    }
    vec![
        Check::ok("redis", format!("{shown} answers")),
        eviction(&conn, &config),
        replication(&conn),
    ]
}

fn eviction(conn: &Conn, config: &RedisConfig) -> Check {
    const NAME: &str = "redis-eviction";
    let pairs: Result<Vec<String>, _> = conn.with("reading its settings", |c| {
        redis::cmd("CONFIG").arg("GET").arg("maxmemory*").query(c)
    });
    let Ok(pairs) = pairs else {
        return Check::skip(
            NAME,
            "the server does not say (CONFIG GET is not permitted)",
        );
    };
    match policy::eviction_policy(&pairs) {
        Some(policy) => {
            let detail = format!(
                "maxmemory-policy {policy} with a memory limit: the server may evict stored credentials when full{}",
                if config.allow_eviction { " (allowed by PANCRED_REDIS_ALLOW_EVICTION=1)" } else { "; the redis store refuses it" }
            );
            match config.allow_eviction {
                true => Check::warn(NAME, detail, policy::FIX),
                false => Check::fail(NAME, detail, policy::FIX),
            }
        }
        None => {
            let get = |k: &str| {
                pairs
                    .chunks(2)
                    .find(|kv| kv.first().map(String::as_str) == Some(k))
                    .and_then(|kv| kv.get(1).cloned())
                    .unwrap_or_default()
            };
            Check::ok(
                NAME,
                format!(
                    "maxmemory {}, maxmemory-policy {}: stored keys stay",
                    get("maxmemory"),
                    get("maxmemory-policy")
                ),
            )
        }
    }
}

fn replication(conn: &Conn) -> Check {
    const NAME: &str = "redis-replication";
    let info: Result<String, _> = conn.with("reading INFO replication", |c| {
        redis::cmd("INFO").arg("replication").query(c)
    });
    let Ok(info) = info else {
        return Check::skip(NAME, "the server does not say (INFO is not permitted)");
    };
    let field = |k: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix(':'))
            .map(str::trim)
            .unwrap_or("")
            .to_string()
    };
    match field("role").as_str() {
        "slave" | "replica" => Check::fail(
            NAME,
            format!(
                "a read-only replica of {}:{} (link {}): writes of new tokens fail with READONLY",
                field("master_host"),
                field("master_port"),
                field("master_link_status")
            ),
            "point PANCRED_REDIS_URL at the primary",
        ),
        "master" => match field("connected_slaves").as_str() {
            "0" | "" => Check::ok(
                NAME,
                "primary, no replicas: the credentials live on this one server",
            ),
            n => Check::ok(NAME, format!("primary with {n} connected replica(s)")),
        },
        other => Check::skip(
            NAME,
            format!("role {:?}", crate::text::Safe(other).to_string()),
        ),
    }
}
