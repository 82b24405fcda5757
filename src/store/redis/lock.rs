//! The per-profile refresh lock in Redis: `SET key owner NX PX ttl` with a random owner token.
//! Waiters poll until the key is free. The holder renews the expiry while it lives, so a slow
//! refresh keeps its lock, and a holder that dies (even by SIGKILL) stops renewing and frees the
//! lock once the TTL runs out. Only the owner releases it, by compare-and-delete.

use super::conn::Conn;
use crate::store::{ProfileLock, StoreError};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// How often a waiter asks again, before jitter: short enough that a freed lock is taken
/// quickly, long enough that many waiters stay cheap for the server.
const POLL: Duration = Duration::from_millis(25);

pub(super) struct RedisLock {
    conn: Arc<Conn>,
    key: String,
    owner: String,
    /// Dropping it stops the renewing thread.
    _stop_renewing: Sender<()>,
}

impl ProfileLock for RedisLock {}

pub(super) fn acquire(
    conn: &Arc<Conn>,
    key: String,
    what: String,
    ttl: Duration,
    timeout: Duration,
) -> Result<RedisLock, StoreError> {
    let owner = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4());
    let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
    let deadline = Instant::now() + timeout;
    let mut bounded = false;
    loop {
        let set: Option<String> = conn.with("taking the refresh lock", |c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(&owner)
                .arg("NX")
                .arg("PX")
                .arg(ttl_ms)
                .query(c)
        })?;
        if set.is_some() {
            let stop = renew_while_held(conn.clone(), key.clone(), owner.clone(), ttl_ms);
            return Ok(RedisLock {
                conn: conn.clone(),
                key,
                owner,
                _stop_renewing: stop,
            });
        }
        if !bounded {
            bounded = true;
            let _ = conn.with("checking the refresh lock's expiry", |c| {
                redis::Script::new(BOUND)
                    .key(&key)
                    .arg(ttl_ms)
                    .invoke::<i64>(c)
            });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(StoreError::LockTimeout {
                waited: timeout,
                what: format!(
                    "{what} (a holder that died frees it within {} ms)",
                    ttl.as_millis()
                ),
            });
        }
        let jitter = Duration::from_millis(rand::random_range(0..25));
        std::thread::sleep((POLL + jitter).min(left));
    }
}

/// Renews the expiry at a third of the TTL until the returned sender is dropped. A failed renewal
/// (a connection killed, a restart) is retried at once on a fresh connection, then every tick,
/// for as long as the lock is held: only a lock found taken by another owner ends it.
fn renew_while_held(conn: Arc<Conn>, key: String, owner: String, ttl_ms: u64) -> Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    let every = Duration::from_millis((ttl_ms / 3).max(1));
    let retry = Duration::from_millis((ttl_ms / 10).clamp(1, 200));
    let spawned = std::thread::Builder::new()
        .name("pancred-redis-lock".into())
        .spawn(move || {
            let mut wait = every;
            loop {
                match rx.recv_timeout(wait) {
                    Err(RecvTimeoutError::Timeout) => {
                        let renewed: Result<i64, _> = conn.with("renewing the refresh lock", |c| {
                            redis::Script::new(RENEW)
                                .key(&key)
                                .arg(&owner)
                                .arg(ttl_ms)
                                .invoke(c)
                        });
                        wait = match renewed {
                            Ok(1) => every,
                            // Taken by another owner: nothing left to renew.
                            Ok(_) => return,
                            Err(_) => {
                                conn.reset();
                                retry
                            }
                        };
                    }
                    _ => return,
                }
            }
        });
    // Without the thread the lock still works; it just relies on the TTL outlasting the refresh.
    drop(spawned);
    tx
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        // Errors are ignored: if Redis is unreachable the TTL frees the lock.
        let _ = self.conn.with("releasing the refresh lock", |c| {
            redis::Script::new(RELEASE)
                .key(&self.key)
                .arg(&self.owner)
                .invoke::<i64>(c)
        });
    }
}
