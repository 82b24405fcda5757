//! The per-profile refresh lock in Redis, a lease (see [`crate::store::lease`]): `SET key owner
//! NX PX ttl` with the owner's token, renewed and released by compare-and-act scripts.
//!
//! A lock taken is then awaited on the master's replicas (`WAIT`, see `durable.rs`), so that a
//! failover right after does not hand it to a second holder. A lock taken on a master that the
//! sentinels no longer name, or while they fail it over, is given back and asked for again.
//! When the replicas do not all acknowledge it in time the refresh goes on (refusing would stop
//! every refresh while a replica lags), and the re-read under the lock and the store's
//! compare-before-write stay the guard.

use super::conn::Conn;
use super::durable::Unsafe;
use crate::store::lease::LeaseServer;
use crate::store::StoreError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// `SET NX PX`, or the lock already held by this owner: the take is sent again after a
/// failover cut the answer off, and the owner must not then wait for itself.
const TAKE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0";

const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0";

const RENEW: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0";

/// A lock key without an expiry (left by another program, or by hand) would never free: it gets
/// the TTL, so it frees within it as every pancred lock does. Returns 1 when it set one.
const BOUND: &str = r"
if redis.call('PTTL', KEYS[1]) == -1 then
  return redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return 0";

/// Redis keeps expiries in milliseconds.
pub(super) const TICK: Duration = Duration::from_millis(1);

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

pub(super) struct Server {
    conn: Arc<Conn>,
    /// Since when taking the lock has failed with an unreachable deployment (Sentinel, Cluster),
    /// and the last failure's message.
    outage: Mutex<Option<(Instant, String)>>,
    /// The lock's TTL: how long a release is tried through a failover.
    ttl: Duration,
}

impl Server {
    pub(super) fn new(conn: Arc<Conn>, ttl: Duration) -> Self {
        Server {
            conn,
            outage: Mutex::new(None),
            ttl,
        }
    }
}

impl LeaseServer for Server {
    fn take(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        let took = self.conn.with("taking the refresh lock", |c| {
            redis::Script::new(TAKE)
                .key(key)
                .arg(owner)
                .arg(millis(ttl))
                .invoke::<i64>(c)
        });
        let mut outage = self.outage.lock().unwrap_or_else(|e| e.into_inner());
        let taken = match took {
            Ok(t) => {
                *outage = None;
                t
            }
            // A Sentinel or Cluster deployment without a master for a moment (a failover):
            // waited through like a lock held, for up to the lock's TTL (which is meant to
            // outlast a failover), within the lock timeout.
            Err(StoreError::Unavailable(text)) if self.conn.route().is_some() => {
                let since = outage.get_or_insert_with(|| (Instant::now(), String::new()));
                if since.0.elapsed() < ttl {
                    since.1 = text;
                    self.conn.reset();
                    return Ok(false);
                }
                return Err(StoreError::Unavailable(text));
            }
            Err(e) => return Err(e),
        };
        drop(outage);
        if taken != 1 {
            return Ok(false);
        }
        match self.conn.confirm("the refresh lock") {
            // Taken on a master a failover is replacing: given up and taken again on the new
            // master (the lease asks again shortly).
            Ok(Err(Unsafe::NotMaster(_))) | Err(_) => {
                self.release(key, owner);
                self.conn.reset();
                Ok(false)
            }
            Ok(Ok(())) | Ok(Err(Unsafe::Unacknowledged(_))) => Ok(true),
        }
    }

    fn renew(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        let renewed: i64 = self.conn.with("renewing the refresh lock", |c| {
            redis::Script::new(RENEW)
                .key(key)
                .arg(owner)
                .arg(millis(ttl))
                .invoke(c)
        })?;
        Ok(renewed == 1)
    }

    fn release(&self, key: &str, owner: &str) {
        // Errors are ignored: if Redis is unreachable the TTL frees the lock. In a Sentinel or
        // Cluster deployment the lock replicated to the new master would hold every other
        // process up for its TTL: the release is tried again through a failover, for as long.
        let started = Instant::now();
        loop {
            let released = self.conn.with("releasing the refresh lock", |c| {
                redis::Script::new(RELEASE)
                    .key(key)
                    .arg(owner)
                    .invoke::<i64>(c)
            });
            let again = match released {
                Err(StoreError::Unavailable(_)) => true,
                // Released on a master a failover is replacing: the new master may hold the
                // lock as replicated before the failover, so it is released there too.
                Ok(_) if self.conn.route().is_some() => matches!(
                    self.conn.confirm("the release of the refresh lock"),
                    Ok(Err(Unsafe::NotMaster(_)))
                ),
                _ => false,
            };
            if !(again && self.conn.route().is_some() && started.elapsed() < self.ttl) {
                return;
            }
            self.conn.reset();
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn reset(&self) {
        self.conn.reset();
    }

    fn found_taken(&self, key: &str, ttl: Duration) {
        let _ = self.conn.with("checking the refresh lock's expiry", |c| {
            redis::Script::new(BOUND)
                .key(key)
                .arg(millis(ttl))
                .invoke::<i64>(c)
        });
    }

    fn outage(&self) -> Option<StoreError> {
        let outage = self.outage.lock().unwrap_or_else(|e| e.into_inner());
        outage
            .as_ref()
            .map(|(_, text)| StoreError::Unavailable(text.clone()))
    }

    fn tick(&self) -> Duration {
        TICK
    }

    fn thread_name(&self) -> &'static str {
        "pancred-redis-lock"
    }
}
