//! `pancred doctor`'s Redis checks: the server answers, the topology (for Sentinel: the master
//! the sentinels name; for Cluster: the node serving the store's hash slot), its eviction policy,
//! its replication role and replicas. Each call is bounded by [`crate::check::TIMEOUT`] (or the configured timeout, if shorter).

use super::conn::Conn;
use super::policy;
use super::route::{host_port, Route};
use super::topology::Kind;
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
    let mut checks = vec![Check::ok("redis", format!("{shown} answers"))];
    if let Some(route) = conn.route() {
        checks.push(topology(&conn, route, &config));
    }
    checks.push(eviction(&conn, &config));
    checks.push(replication(&conn));
    checks
}

/// Sentinel: how many sentinels answer and name the same master. Cluster: the cluster's state
/// and the node serving the store's hash slot. The store's connection then is on that node.
fn topology(conn: &Conn, route: &Route, config: &RedisConfig) -> Check {
    const NAME: &str = "redis-topology";
    match &route.topology.kind {
        Kind::Sentinel { master } => {
            let mut named = Vec::new();
            for (host, port) in &route.topology.nodes {
                let at = host_port(host, *port);
                named.push(
                    match route.ask_sentinel(host, *port, master, conn.timeout) {
                        Ok(Some(v)) => (at, Ok(host_port(&v.host, v.port))),
                        Ok(None) => (at, Err("knows no such master".to_string())),
                        Err(e) => (at, Err(conn.scrub(&e.to_string()))),
                    },
                );
            }
            let masters: Vec<&String> = named.iter().filter_map(|(_, m)| m.as_ref().ok()).collect();
            let detail = named
                .iter()
                .map(|(at, m)| match m {
                    Ok(m) => format!("{at} names {m}"),
                    Err(e) => format!("{at}: {e}"),
                })
                .collect::<Vec<_>>()
                .join("; ");
            let master = crate::text::Safe(master.as_str());
            match masters.first() {
                Some(first) if masters.iter().all(|m| m == first) => {
                    let how = format!(
                        "Redis Sentinel: master '{master}' at {first}, named by {} of {} sentinels ({detail})",
                        masters.len(),
                        named.len()
                    );
                    match masters.len() * 2 > named.len() {
                        true => Check::ok(NAME, how),
                        false => Check::warn(
                            NAME,
                            how,
                            "start the sentinels that do not answer: a failover needs a majority of them",
                        ),
                    }
                }
                Some(_) => Check::warn(
                    NAME,
                    format!(
                        "Redis Sentinel: the sentinels disagree on master '{master}' ({detail})"
                    ),
                    "a failover may be under way: run doctor again in a moment",
                ),
                None => Check::fail(
                    NAME,
                    format!("Redis Sentinel: no sentinel names master '{master}' ({detail})"),
                    "start the sentinels, or correct the master name in PANCRED_REDIS_URL",
                ),
            }
        }
        Kind::Cluster => {
            let layout = super::layout::Layout::new(&config.prefix, true);
            let key = layout.version();
            let found = conn.with("finding the node of the store's keys", |c| {
                let slot: i64 = redis::cmd("CLUSTER").arg("KEYSLOT").arg(&key).query(c)?;
                // A read of a store key: a node that does not serve its slot answers MOVED.
                redis::cmd("EXISTS").arg(&key).query::<i64>(c)?;
                let info: String = redis::cmd("CLUSTER").arg("INFO").query(c)?;
                Ok((slot, info))
            });
            match found {
                Ok((slot, info)) => {
                    let state = info
                        .lines()
                        .find_map(|l| l.strip_prefix("cluster_state:"))
                        .map(str::trim)
                        .unwrap_or("unknown")
                        .to_string();
                    let how = format!(
                        "Redis Cluster: the store's keys ({}*) are in slot {slot}, served by {}; cluster_state {}",
                        layout.prefix(),
                        conn.at(),
                        crate::text::Safe(state.as_str())
                    );
                    match state.as_str() {
                        "ok" => Check::ok(NAME, how),
                        _ => Check::fail(
                            NAME,
                            how,
                            "bring the cluster's failed nodes back (redis-cli --cluster check)",
                        ),
                    }
                }
                Err(e) => Check::fail(
                    NAME,
                    e.to_string(),
                    "check the cluster (redis-cli --cluster check HOST:PORT)",
                ),
            }
        }
    }
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
            n => match n.parse::<usize>() {
                Ok(n) => Check::ok(
                    NAME,
                    format!(
                        "primary with {} connected",
                        crate::text::count(n, "replica")
                    ),
                ),
                Err(_) => Check::ok(NAME, format!("primary ({n} connected replicas)")),
            },
        },
        other => Check::skip(
            NAME,
            format!("role {:?}", crate::text::Safe(other).to_string()),
        ),
    }
}
