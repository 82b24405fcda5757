//! Whether a write would survive a failover: the server's replicas acknowledge it (`WAIT`).
//!
//! Redis replicates asynchronously: a write the master took and then lost with it (`kill -9`,
//! or a failover that promoted a replica the write had not reached) is gone. After the writes
//! that matter (new tokens, a refresh lock taken), pancred asks the master for its replicas
//! (`ROLE`) and waits, within half the store's timeout, until every one of them has the write.

use super::conn::Conn;
use super::route::host_port;
use super::topology::Kind;
use crate::store::StoreError;
use redis::Value;

/// What `ROLE` says of the node the connection reached.
pub(super) enum Role {
    /// A master with this many connected replicas.
    Master(usize),
    Other(String),
}

pub(super) fn role(conn: &mut redis::Connection) -> redis::RedisResult<Role> {
    let parts: Vec<Value> = redis::cmd("ROLE").query(conn)?;
    let name: String = match parts.first() {
        Some(v) => redis::from_redis_value_ref(v)?,
        None => String::new(),
    };
    Ok(match (name.as_str(), parts.get(2)) {
        ("master", Some(Value::Array(replicas))) => Role::Master(replicas.len()),
        ("master", _) => Role::Master(0),
        _ => Role::Other(name),
    })
}

/// Why a write is not known to be safe.
pub(super) enum Unsafe {
    /// The master took it, but not every replica acknowledged it in time.
    Unacknowledged(String),
    /// The node that took it is not (or soon not) the master: a failover is under way or done,
    /// and the write is likely lost. It is worth making again on the new master.
    NotMaster(String),
}

impl Unsafe {
    pub(super) fn into_error(self) -> StoreError {
        match self {
            Unsafe::Unacknowledged(t) | Unsafe::NotMaster(t) => StoreError::Unavailable(t),
        }
    }
}

impl Conn {
    /// Waits until every replica of the master that took the last write on this connection has
    /// it, and (Sentinel) until the sentinels, none of them failing over, still name that
    /// master. `Ok` also when there are no replicas, or the server will not say (`ROLE` not
    /// permitted).
    pub(super) fn confirm(&self, what: &str) -> Result<Result<(), Unsafe>, StoreError> {
        let bound = self.timeout / 2;
        let millis = u64::try_from(bound.as_millis()).unwrap_or(u64::MAX).max(1);
        let doing = format!("waiting for the replicas to acknowledge {what}");
        let answer = self.on_current(&doing, |c| {
            let replicas = match role(c) {
                Ok(Role::Master(0)) => return Ok(None),
                Ok(Role::Master(n)) => n,
                Ok(Role::Other(r)) => return Ok(Some((0, 0, r))),
                Err(e) if e.code() == Some("NOPERM") => return Ok(None),
                Err(e) => return Err(e),
            };
            let acked: usize = redis::cmd("WAIT").arg(replicas).arg(millis).query(c)?;
            Ok(Some((acked, replicas, String::new())))
        })?;
        let at = self.at();
        match answer {
            Some((_, 0, role)) => {
                return Ok(Err(Unsafe::NotMaster(format!(
                    "Redis at {at} took {what}, but is now a {role}, not the master (a failover): \
                     the write may be lost"
                ))))
            }
            Some((acked, wanted, _)) if acked < wanted => {
                return Ok(Err(Unsafe::Unacknowledged(format!(
                    "Redis at {at} took {what}, but {acked} of its {wanted} replicas acknowledged \
                     it within {} ms: a failover now would lose it",
                    bound.as_millis()
                ))))
            }
            _ => {}
        }
        self.still_master(what)
    }

    /// Sentinel: whether the sentinels still name the node this connection reached as the
    /// master, with no failover under way (a master demoted by a failover goes on taking
    /// writes until the sentinels reconfigure it, and those writes are then lost).
    fn still_master(&self, what: &str) -> Result<Result<(), Unsafe>, StoreError> {
        let (Some(route), Some(node)) = (self.route(), self.node_reached()) else {
            return Ok(Ok(()));
        };
        let Kind::Sentinel { master } = &route.topology.kind else {
            return Ok(Ok(()));
        };
        let view = route
            .ask_sentinels(master, self.timeout)
            .map_err(|e| self.error("asking the sentinels for the master", e))?;
        let named = host_port(&view.host, view.port);
        let at = self.at();
        Ok(if view.failing_over {
            Err(Unsafe::NotMaster(format!(
                "Redis at {at} took {what} while the sentinels fail the master over: the write may \
                 be lost"
            )))
        } else if named != node {
            Err(Unsafe::NotMaster(format!(
                "Redis at {at} took {what}, but the sentinels now name {named} as the master: the \
                 write may be lost"
            )))
        } else {
            Ok(())
        })
    }
}
