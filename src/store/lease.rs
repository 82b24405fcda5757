//! The refresh lock of the stores whose locks are leases on a server (Redis, memcached): an item
//! with a random owner token and a TTL, taken only when free. Waiters poll until it is free. The
//! holder renews the TTL while it lives, so a slow refresh keeps its lock, and a holder that dies
//! (even by SIGKILL) stops renewing and frees the lock once the TTL runs out. Only the owner
//! releases it.
//!
//! One implementation for both servers; each says how to take, renew and release an item
//! ([`LeaseServer`]) and how coarse its clock is. A failed renewal (a server stalled past the
//! call's timeout, a connection killed, a restart) never ends the renewing: it is retried on a
//! fresh connection at once and then every tick, for as long as the lock is held; only a lock
//! found gone or taken by another owner ends it. The TTL must be one the server's clock can
//! hold: [`check_ttl`] refuses a shorter one.

use super::{ProfileLock, StoreError};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often a waiter asks again, before jitter: short enough that a freed lock is taken
/// quickly, long enough that many waiters stay cheap for the server.
const POLL: Duration = Duration::from_millis(25);

/// The shortest time a lease must surely last (after the server's clock rounds it) for a
/// renewal every third of it to keep it alive through a retry or two.
pub const MIN_HELD: Duration = Duration::from_millis(300);

/// What a lease needs from a server. Calls are bounded by the store's timeout.
pub(crate) trait LeaseServer: Send + Sync + 'static {
    /// Takes the item for `owner` when it is free: `Ok(true)` when taken.
    fn take(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, StoreError>;
    /// Extends the item while it is still `owner`'s: `Ok(false)` when it is gone or another's.
    fn renew(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, StoreError>;
    /// Deletes the item if it is still `owner`'s; errors are ignored (the TTL frees it).
    fn release(&self, key: &str, owner: &str);
    /// Drops the connection, so that the next call starts on a fresh one.
    fn reset(&self);
    /// Called once when the item is found taken (Redis gives a key without expiry one).
    fn found_taken(&self, _key: &str, _ttl: Duration) {}
    /// The outage `take` is waiting through, if its last `Ok(false)` meant "the server cannot be
    /// reached for now" rather than "another holds it" (a failover): a waiter that runs out of
    /// time then reports the outage, not a lock held by someone else.
    fn outage(&self) -> Option<StoreError> {
        None
    }
    /// How coarse the server's expiry clock is: an item may expire this much before its TTL.
    fn tick(&self) -> Duration;
    /// The renewing thread's name.
    fn thread_name(&self) -> &'static str;
}

/// The TTL the server surely holds for: the TTL less one tick of its clock.
fn held_for(ttl: Duration, tick: Duration) -> Duration {
    ttl.saturating_sub(tick)
}

/// Refuses a lock TTL the server's clock cannot hold (memcached counts whole seconds, so a TTL
/// of one second may end at once); `var` names the setting in the message.
pub(crate) fn check_ttl(var: &str, ttl: Duration, tick: Duration) -> Result<(), StoreError> {
    if held_for(ttl, tick) >= MIN_HELD {
        return Ok(());
    }
    let floor = tick + MIN_HELD;
    Err(StoreError::Config(format!(
        "{var} must be at least {} ms: this server's clock ticks every {} ms, so a shorter lock \
         may lapse before its holder can renew it",
        floor.as_millis(),
        tick.as_millis()
    )))
}

/// A held lease; dropping it stops the renewing and releases the item.
pub(crate) struct Lease {
    server: Arc<dyn LeaseServer>,
    key: String,
    owner: String,
    /// Dropping it stops the renewing thread.
    stop_renewing: Option<Sender<()>>,
}

impl ProfileLock for Lease {}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop_renewing.take();
        self.server.release(&self.key, &self.owner);
    }
}

/// Takes the lease `key`, waiting up to `timeout` while another owner holds it.
pub(crate) fn acquire(
    server: Arc<dyn LeaseServer>,
    key: String,
    what: String,
    ttl: Duration,
    timeout: Duration,
) -> Result<Lease, StoreError> {
    let owner = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4());
    let deadline = Instant::now() + timeout;
    let mut seen_taken = false;
    loop {
        if server.take(&key, &owner, ttl)? {
            let stop = renew_while_held(server.clone(), key.clone(), owner.clone(), ttl);
            return Ok(Lease {
                server,
                key,
                owner,
                stop_renewing: Some(stop),
            });
        }
        if !seen_taken {
            seen_taken = true;
            server.found_taken(&key, ttl);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            if let Some(outage) = server.outage() {
                return Err(outage);
            }
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

/// Renews at a third of the time the lease surely lasts until the returned sender is dropped;
/// a failed renewal is retried on a fresh connection, soon and then every tick.
fn renew_while_held(
    server: Arc<dyn LeaseServer>,
    key: String,
    owner: String,
    ttl: Duration,
) -> Sender<()> {
    let (tx, rx) = mpsc::channel::<()>();
    let held = held_for(ttl, server.tick()).max(Duration::from_millis(3));
    let every = held / 3;
    let retry = (held / 10).clamp(Duration::from_millis(1), Duration::from_millis(200));
    let name = server.thread_name();
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut wait = every;
            loop {
                match rx.recv_timeout(wait) {
                    Err(RecvTimeoutError::Timeout) => {
                        wait = match server.renew(&key, &owner, ttl) {
                            Ok(true) => every,
                            // Gone, or taken by another owner: nothing left to renew.
                            Ok(false) => return,
                            Err(_) => {
                                server.reset();
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A server whose lock is taken by another, or which is in an outage that `take` waits
    /// through.
    struct Busy {
        outage: bool,
    }

    impl LeaseServer for Busy {
        fn take(&self, _: &str, _: &str, _: Duration) -> Result<bool, StoreError> {
            Ok(false)
        }
        fn renew(&self, _: &str, _: &str, _: Duration) -> Result<bool, StoreError> {
            Ok(false)
        }
        fn release(&self, _: &str, _: &str) {}
        fn reset(&self) {}
        fn outage(&self) -> Option<StoreError> {
            self.outage
                .then(|| StoreError::Unavailable("cannot reach the server".into()))
        }
        fn tick(&self) -> Duration {
            Duration::from_millis(1)
        }
        fn thread_name(&self) -> &'static str {
            "test-lease"
        }
    }

    #[test]
    fn a_waiter_out_of_time_blames_an_outage_not_a_holder() {
        let wait = |outage| {
            acquire(
                Arc::new(Busy { outage }),
                "k".into(),
                "profile 'p'".into(),
                Duration::from_secs(30),
                Duration::from_millis(60),
            )
            .err()
            .unwrap()
        };
        assert!(matches!(wait(false), StoreError::LockTimeout { .. }));
        assert!(
            matches!(wait(true), StoreError::Unavailable(ref m) if m.contains("cannot reach")),
            "{}",
            wait(true)
        );
    }

    #[test]
    fn a_ttl_the_clock_cannot_hold_is_refused() {
        let two = Duration::from_secs(2);
        for ms in [1, 1000, 2000, 2299] {
            let r = check_ttl("X", Duration::from_millis(ms), two);
            assert!(
                matches!(r, Err(StoreError::Config(ref m)) if m.contains("2300")),
                "{ms}: {r:?}"
            );
        }
        check_ttl("X", Duration::from_millis(2300), two).unwrap();
        check_ttl("X", Duration::from_millis(301), Duration::from_millis(1)).unwrap();
        assert!(check_ttl("X", Duration::from_millis(100), Duration::from_millis(1)).is_err());
    }
}
