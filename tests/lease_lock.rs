//! The refresh lock of the stores whose locks are leases (Redis, memcached), the same tests over
//! both real servers: a live holder keeps its lock for many TTLs, its renewal survives a server
//! stalled past the call timeout (SIGSTOP for 1.2 s), and a TTL the server's clock cannot hold
//! is refused.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(all(feature = "cli", feature = "redis", feature = "memcached"))]

mod common;
mod memcached_support;
mod redis_support;

use common::{Run, Sandbox};
use memcached_support::{mcmd, OwnMemcached};
use pancred::store::memcached::{MemcachedConfig, MemcachedStore};
use pancred::store::redis::{RedisConfig, RedisStore};
use pancred::store::{Store, StoreError};
use redis_support::{rcmd, OwnRedis};
use std::time::{Duration, Instant};

/// A server of the test's own, and how to open the store on it.
enum Server {
    Redis(OwnRedis),
    Memcached(OwnMemcached),
}

impl Server {
    fn all() -> Vec<Server> {
        let mut out = Vec::new();
        if let Some(r) = OwnRedis::start(&[]) {
            out.push(Server::Redis(r));
        }
        if let Some(m) = OwnMemcached::start() {
            out.push(Server::Memcached(m));
        }
        out
    }

    fn name(&self) -> &'static str {
        match self {
            Server::Redis(_) => "redis",
            Server::Memcached(_) => "memcached",
        }
    }

    fn store(&self, ttl: Duration, timeout: Duration) -> Result<Box<dyn Store>, StoreError> {
        Ok(match self {
            Server::Redis(r) => {
                let mut cfg = RedisConfig::new(r.url());
                cfg.lock_ttl = ttl;
                cfg.timeout = timeout;
                Box::new(RedisStore::connect(&cfg)?)
            }
            Server::Memcached(m) => {
                let mut cfg = MemcachedConfig::from_settings(Some(&m.url()), &Default::default())?;
                cfg.lock_ttl = ttl;
                cfg.timeout = timeout;
                Box::new(MemcachedStore::connect(&cfg)?)
            }
        })
    }

    fn signal(&self, sig: &str) {
        match self {
            Server::Redis(r) => r.signal(sig),
            Server::Memcached(m) => m.signal(sig),
        }
    }

    /// `pancred ARGS` on this server's store, with `ttl_ms` as its lock TTL.
    fn run(&self, sb: &Sandbox, ttl_ms: &str, args: &[&str]) -> Run {
        let mut cmd = match self {
            Server::Redis(r) => {
                let mut c = rcmd(sb, &r.url(), "p:", args);
                c.env("PANCRED_REDIS_LOCK_TTL_MS", ttl_ms);
                c
            }
            Server::Memcached(m) => {
                let mut c = mcmd(sb, &m.url(), "p:", args);
                c.env("PANCRED_MEMCACHED_LOCK_TTL_MS", ttl_ms);
                c
            }
        };
        cmd.output().unwrap().into()
    }
}

fn timed_out(r: Result<Box<dyn pancred::store::ProfileLock>, StoreError>) -> bool {
    matches!(r, Err(StoreError::LockTimeout { .. }))
}

#[test]
fn a_live_holder_keeps_its_lock_for_many_ttls() {
    for server in Server::all() {
        let ttl = match server {
            Server::Redis(_) => Duration::from_millis(600),
            Server::Memcached(_) => Duration::from_millis(3000),
        };
        let holder = server.store(ttl, Duration::from_secs(3)).unwrap();
        let held = holder.lock("p", Duration::from_secs(5)).unwrap();
        let other = server.store(ttl, Duration::from_secs(3)).unwrap();
        assert!(
            timed_out(other.lock("p", ttl * 4)),
            "{}: taken from a live holder",
            server.name()
        );
        drop(held);
        other.lock("p", Duration::from_secs(5)).unwrap();
    }
}

#[test]
fn renewal_survives_a_server_stalled_past_the_call_timeout() {
    for server in Server::all() {
        // Renewals every second or so, each call given 300 ms: a 1.2 s stall fails at least one.
        let ttl = Duration::from_millis(5000);
        let timeout = Duration::from_millis(300);
        let holder = server.store(ttl, timeout).unwrap();
        let _held = holder.lock("p", Duration::from_secs(5)).unwrap();
        std::thread::sleep(Duration::from_millis(1000));
        server.signal("STOP");
        std::thread::sleep(Duration::from_millis(1200));
        server.signal("CONT");
        // Well past the TTL of the last renewal before the stall: the holder must still hold it.
        let other = server.store(ttl, Duration::from_secs(3)).unwrap();
        let start = Instant::now();
        let r = other.lock("p", Duration::from_secs(8));
        assert!(
            timed_out(r),
            "{}: the lock lapsed under its live holder after {:?}",
            server.name(),
            start.elapsed()
        );
    }
}

#[test]
fn a_ttl_the_server_clock_cannot_hold_is_refused() {
    let sb = Sandbox::new();
    for server in Server::all() {
        // memcached's clock ticks in whole seconds and can lose two: two seconds may end at once.
        let too_short = match server {
            Server::Redis(_) => 200,
            Server::Memcached(_) => 2000,
        };
        let r = server.store(Duration::from_millis(too_short), Duration::from_secs(3));
        assert!(
            matches!(r, Err(StoreError::Config(_))),
            "{}: {too_short} ms accepted",
            server.name()
        );
        let r = server.run(&sb, &too_short.to_string(), &["list"]);
        assert_eq!(r.code, 2, "{}: {}", server.name(), r.all());
        assert!(
            r.stderr.contains("LOCK_TTL_MS must be at least"),
            "{}",
            r.stderr
        );
        let r = server.run(&sb, "3000", &["list"]);
        assert_eq!(r.code, 0, "{}: {}", server.name(), r.all());
    }
}
