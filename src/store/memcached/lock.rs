//! The per-profile refresh lock in memcached: an `add` of the lock item with a TTL and a random
//! owner token. Waiters poll until the item is gone. The holder renews the TTL while it lives
//! (a CAS-checked rewrite of its own token), so a slow refresh keeps its lock, and a holder that
//! dies stops renewing and frees the lock when the TTL runs out. Only the owner releases it: it
//! reads the item, and deletes it with that read's CAS only if the token is its own.

use super::proto::{Conn, Mode, Outcome};
use crate::store::{ProfileLock, StoreError};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

const POLL: Duration = Duration::from_millis(25);

pub(super) struct MemcachedLock {
    conn: Arc<Conn>,
    key: String,
    owner: String,
    /// Dropping it stops the renewing thread.
    stop_renewing: Option<Sender<()>>,
}

impl ProfileLock for MemcachedLock {}

/// memcached counts TTLs in whole seconds.
pub(super) fn ttl_secs(ttl: Duration) -> u64 {
    ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)
}

pub(super) fn acquire(
    conn: &Arc<Conn>,
    key: String,
    what: String,
    ttl: Duration,
    timeout: Duration,
) -> Result<MemcachedLock, StoreError> {
    let owner = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4());
    let secs = ttl_secs(ttl).max(1);
    let deadline = Instant::now() + timeout;
    loop {
        if conn.set(&key, owner.as_bytes(), Mode::Add, None, secs)? == Outcome::Done {
            let stop = renew_while_held(conn.clone(), key.clone(), owner.clone(), secs);
            return Ok(MemcachedLock {
                conn: conn.clone(),
                key,
                owner,
                stop_renewing: Some(stop),
            });
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(StoreError::LockTimeout {
                waited: timeout,
                what: format!("{what} (a holder that died frees it within {secs} s)"),
            });
        }
        let jitter = Duration::from_millis(rand::random_range(0..25));
        std::thread::sleep((POLL + jitter).min(left));
    }
}

/// Rewrites the item with a fresh TTL if it is still ours; `false` once it is not (or on error).
fn renew(conn: &Conn, key: &str, owner: &str, secs: u64) -> bool {
    match conn.get(key) {
        Ok(Some((value, cas))) if value == owner.as_bytes() => matches!(
            conn.set(key, owner.as_bytes(), Mode::Set, Some(cas), secs),
            Ok(Outcome::Done)
        ),
        _ => false,
    }
}

fn renew_while_held(conn: Arc<Conn>, key: String, owner: String, secs: u64) -> Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    let every = Duration::from_millis((secs * 1000 / 3).max(200));
    let spawned = std::thread::Builder::new()
        .name("pancred-memcached-lock".into())
        .spawn(move || loop {
            match rx.recv_timeout(every) {
                Err(RecvTimeoutError::Timeout) if renew(&conn, &key, &owner, secs) => {}
                _ => return,
            }
        });
    // Without the thread the lock still works; it relies on the TTL outlasting the refresh.
    drop(spawned);
    tx
}

impl Drop for MemcachedLock {
    fn drop(&mut self) {
        self.stop_renewing.take();
        // A renewal in flight may change the CAS between our read and delete: read again then.
        // Errors are ignored: if memcached is unreachable the TTL frees the lock.
        for _ in 0..3 {
            match self.conn.get(&self.key) {
                Ok(Some((value, cas))) if value == self.owner.as_bytes() => {
                    if !matches!(self.conn.delete(&self.key, Some(cas)), Ok(Outcome::Exists)) {
                        return;
                    }
                }
                _ => return,
            }
        }
    }
}
