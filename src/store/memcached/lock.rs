//! The per-profile refresh lock in memcached, a lease (see [`crate::store::lease`]): an `add` of
//! the lock item with a TTL and the owner's token; renewed by a CAS-checked rewrite of the owner's
//! own token; released by reading the item and deleting it with that read's CAS, only if the
//! token is the owner's. memcached's clock ticks in whole seconds.

use super::proto::{Conn, Mode, Outcome};
use crate::store::lease::LeaseServer;
use crate::store::StoreError;
use std::sync::Arc;
use std::time::Duration;

/// How early a memcached item may expire: TTLs count whole seconds on a clock that ticks once a
/// second, and a server stalled for a moment (SIGSTOP, a paused VM) loses one more on the way
/// (a 3 s item seen with 2 s left was gone after a 1.2 s stall).
pub(super) const TICK: Duration = Duration::from_secs(2);

/// memcached counts TTLs in whole seconds: a part of one counts as one.
pub(super) fn ttl_secs(ttl: Duration) -> u64 {
    (ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0)).max(1)
}

pub(super) struct Server(pub(super) Arc<Conn>);

impl LeaseServer for Server {
    fn take(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        let added = self
            .0
            .set(key, owner.as_bytes(), Mode::Add, None, ttl_secs(ttl))?;
        Ok(added == Outcome::Done)
    }

    fn renew(&self, key: &str, owner: &str, ttl: Duration) -> Result<bool, StoreError> {
        let Some((value, cas)) = self.0.get(key)? else {
            return Ok(false);
        };
        if value != owner.as_bytes() {
            return Ok(false);
        }
        match self
            .0
            .set(key, owner.as_bytes(), Mode::Set, Some(cas), ttl_secs(ttl))?
        {
            Outcome::Done => Ok(true),
            Outcome::NotFound => Ok(false),
            // Changed between the read and the write: read again on the next try.
            Outcome::Exists | Outcome::NotStored => Err(StoreError::Backend(
                "the lock item changed during its renewal".into(),
            )),
        }
    }

    fn release(&self, key: &str, owner: &str) {
        // A renewal in flight may change the CAS between our read and delete: read again then.
        // Errors are ignored: if memcached is unreachable the TTL frees the lock.
        for _ in 0..3 {
            match self.0.get(key) {
                Ok(Some((value, cas))) if value == owner.as_bytes() => {
                    if !matches!(self.0.delete(key, Some(cas)), Ok(Outcome::Exists)) {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// The connection is dropped after any failed call already; nothing more to do.
    fn reset(&self) {}

    fn tick(&self) -> Duration {
        TICK
    }

    fn thread_name(&self) -> &'static str {
        "pancred-memcached-lock"
    }
}
