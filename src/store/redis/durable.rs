//! Whether a write would survive a failover: the server's replicas acknowledge it (`WAIT`).
//!
//! Redis replicates asynchronously: a write the master took and then lost with it (`kill -9`,
//! or a failover that promoted a replica the write had not reached) is gone. After the writes
//! that matter (new tokens, a refresh lock taken), pancred asks the master for its replicas
//! (`ROLE`) and waits, within half the store's timeout, until every one of them has the write.

use super::conn::Conn;
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

impl Conn {
    /// Waits until every replica of the master that took the last write on this connection has
    /// it. `Ok` when they all acknowledged it, when there are none, or when the server will not
    /// say (`ROLE` not permitted); an error saying what is at risk otherwise.
    pub(super) fn confirm(&self, what: &str) -> Result<(), StoreError> {
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
            None => Ok(()),
            Some((acked, wanted, _)) if wanted > 0 && acked >= wanted => Ok(()),
            Some((_, 0, role)) => Err(StoreError::Unavailable(format!(
                "Redis at {at} took {what}, but is now a {role}, not the master (a failover): the \
                 write may be lost"
            ))),
            Some((acked, wanted, _)) => Err(StoreError::Unavailable(format!(
                "Redis at {at} took {what}, but {acked} of its {wanted} replicas acknowledged it \
                 within {} ms: a failover now would lose it",
                bound.as_millis()
            ))),
        }
    }
}
