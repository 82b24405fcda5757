//! Whether the server may evict pancred's keys. A Redis with `maxmemory` and an `allkeys-*`
//! policy drops any key when it runs short of memory: credentials would vanish and `list` would
//! say "No profiles". Such a server is refused (unless `PANCRED_REDIS_ALLOW_EVICTION=1`); the
//! `volatile-*` policies evict only keys with an expiry, and pancred's profile keys have none.

use super::conn::Conn;
use crate::store::StoreError;

/// Asks the server (one round trip, which also proves it answers). A server that will not say
/// (CONFIG disabled or not permitted, as managed services do) is only pinged.
pub(super) fn check(conn: &Conn, allow_eviction: bool) -> Result<(), StoreError> {
    let config: Result<Vec<String>, StoreError> = conn.with("connecting", |c| {
        redis::cmd("CONFIG").arg("GET").arg("maxmemory*").query(c)
    });
    let pairs = match config {
        Ok(p) => p,
        // Not permitted (an ACL user), disabled, or no answer: PING says whether the server is
        // usable at all (a frozen one fails at once: its timeout was just spent).
        Err(_) => {
            return conn.with("connecting", |c| {
                redis::cmd("PING").query::<String>(c).map(|_| ())
            });
        }
    };
    judge(&pairs, allow_eviction, &conn.shown)
}

/// The store's answer to `CONFIG GET maxmemory*` (`shown`: the server, for the message): a
/// server that may evict any key is refused unless that was allowed. Both Redis readers ask.
pub(super) fn judge(pairs: &[String], allow_eviction: bool, shown: &str) -> Result<(), StoreError> {
    match eviction_policy(pairs) {
        Some(policy) if !allow_eviction => Err(StoreError::Config(format!(
            "Redis at {shown} may evict any key when full (maxmemory-policy {policy}): stored \
             credentials could vanish. {FIX}"
        ))),
        _ => Ok(()),
    }
}

/// What to do about a server that may evict any key.
pub(super) const FIX: &str =
    "Set maxmemory-policy to noeviction (or a volatile-* policy: pancred's \
     profile keys have no expiry), or set PANCRED_REDIS_ALLOW_EVICTION=1 to use it anyway";

/// The policy, when `CONFIG GET maxmemory*`'s answer says the server may evict any key.
pub(super) fn eviction_policy(pairs: &[String]) -> Option<String> {
    let get = |k: &str| {
        pairs
            .chunks(2)
            .find(|kv| kv.first().map(String::as_str) == Some(k))
            .and_then(|kv| kv.get(1).cloned())
    };
    let limited = get("maxmemory").is_some_and(|m| m.trim() != "0");
    let policy = get("maxmemory-policy").unwrap_or_default();
    (limited && policy.starts_with("allkeys-")).then_some(policy)
}
