//! What the redis store says when a call fails: the server (and, in a Sentinel or Cluster
//! deployment, the node and the topology) named, the password never shown.

use super::conn::Conn;
use crate::store::StoreError;
use redis::{ErrorKind, RedisError};
use std::time::Duration;

impl Conn {
    /// What a timeout means, with the time it really took.
    pub(super) fn timeout_text(&self, doing: &str, e: &RedisError, took: Duration) -> String {
        timeout_text(
            &self.at(),
            self.timeout,
            doing,
            &self.scrub(&e.to_string()),
            took,
        )
    }

    /// A Redis error as a store error: unreachable and refused logins are `Unavailable` (the
    /// store cannot be used at all), the rest `Backend`.
    pub(super) fn error(&self, doing: &str, e: RedisError) -> StoreError {
        let text = self.scrub(&e.to_string());
        let at = &self.at();
        if text.contains("certificate") {
            StoreError::Unavailable(format!(
                "Redis at {at} failed the TLS check while {doing}: {text}; for a server with a private CA, set PANCRED_REDIS_CA_FILE to its PEM certificate"
            ))
        } else if e.kind() == ErrorKind::MasterNameNotFoundBySentinel {
            StoreError::Config(format!(
                "{at}: {text}; check the master name in the URL (SENTINEL MASTERS lists them)"
            ))
        } else if matches!(
            e.code(),
            Some(
                "MOVED"
                    | "ASK"
                    | "TRYAGAIN"
                    | "CLUSTERDOWN"
                    | "READONLY"
                    | "MASTERDOWN"
                    | "LOADING"
            )
        ) {
            let fix = match self.route() {
                Some(_) => "a failover may be under way: try again in a moment",
                None => "is the URL the primary's, not a replica's?",
            };
            StoreError::Unavailable(format!(
                "Redis at {at} has no master that takes the store's keys while {doing}: {text}; {fix}"
            ))
        } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
            unreachable(at, doing, &text)
        } else if e.code() == Some("NOPERM") {
            // Logged in, but the ACL user may not run this command or touch this key.
            StoreError::Unavailable(format!(
                "Redis at {at} denied permission while {doing}: {text}; the server's ACL does not \
                 allow the user logged in this command or key (it needs the keys under the \
                 store's prefix, PANCRED_REDIS_PREFIX, and the @read, @write and @scripting \
                 commands): grant them with ACL SETUSER, or log in as another user"
            ))
        } else if e.kind() == ErrorKind::AuthenticationFailed
            || matches!(e.code(), Some("WRONGPASS" | "NOAUTH"))
            // (A refused SELECT carries the server's NOAUTH only in its text.)
            || text.contains("Authentication required")
        {
            let fix = match text.contains(super::route::SENTINEL_LOGIN_REFUSED) {
                true => "check PANCRED_REDIS_SENTINEL_PASSWORD (the sentinels' own password; the URL's is the master's)",
                false => "check the password (in the URL, or REDISCLI_AUTH)",
            };
            StoreError::Unavailable(format!(
                "Redis at {at} refused access while {doing}: {text}; {fix}"
            ))
        } else {
            StoreError::Backend(format!("Redis at {at}: {doing}: {text}"))
        }
    }

    pub(super) fn scrub(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |t, p| {
            t.replace(p.as_str(), crate::secret::MASK)
        })
    }
}

/// What a call that timed out means (`at`: where it went; `why`: what the system said; `took`:
/// how long it really waited). Both Redis readers say it.
pub(super) fn timeout_text(
    at: &str,
    timeout: Duration,
    doing: &str,
    why: &str,
    took: Duration,
) -> String {
    // A write sent to a frozen server sits in its socket: it is applied if the server resumes.
    // Say so rather than claim it failed for good.
    let write = ["writing", "removing", "renaming", "setting"]
        .iter()
        .any(|w| doing.starts_with(w));
    let pending = if write {
        "; the write was sent and may still be applied if the server resumes, so check with \
         `pancred list` once it answers"
    } else {
        ""
    };
    format!(
        "Redis at {at} did not answer within {} ms while {doing} (gave up after {} ms: {why}){pending}; is the server up and reachable?",
        timeout.as_millis(),
        took.as_millis(),
    )
}

/// A server that cannot be reached (refused, reset, no route): the store cannot be used at all.
pub(super) fn unreachable(at: &str, doing: &str, why: &str) -> StoreError {
    StoreError::Unavailable(format!(
        "cannot reach Redis at {at} while {doing}: {why}; is the server up and reachable?"
    ))
}

/// The URL as it may be shown: any password replaced by `******`; unparseable URLs are not shown.
/// A lone userinfo (`redis://PASSWORD@host`, as redis-cli reads it) is masked too: it is a
/// password more often than a user name.
pub fn redact_url(url: &str) -> String {
    if let Some(shown) = super::topology::redact(url) {
        return shown;
    }
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some(crate::secret::MASK));
            } else if !u.username().is_empty() {
                let _ = u.set_username(crate::secret::MASK);
            }
            // redis+unix:// and unix:// carry the password in the query (`pass=`, `password=`).
            if u.query().is_some() {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .map(|(k, v)| {
                        let secret = matches!(k.to_ascii_lowercase().as_str(), "pass" | "password");
                        let v = if secret {
                            crate::secret::MASK.to_string()
                        } else {
                            v.into_owned()
                        };
                        (k.into_owned(), v)
                    })
                    .collect();
                u.query_pairs_mut().clear().extend_pairs(pairs);
            }
            u.to_string()
        }
        Err(_) => "(unparseable URL, not shown)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_only_the_password() {
        assert_eq!(
            redact_url("redis://:s3cret@127.0.0.1:6379/2"),
            "redis://:******@127.0.0.1:6379/2"
        );
        assert_eq!(
            redact_url("rediss://alice:s3cret@cache.example:6380/"),
            "rediss://alice:******@cache.example:6380/"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/"),
            "redis://127.0.0.1:6379/"
        );
        assert!(!redact_url("redis://:pw@[::1").contains("pw"));
        assert_eq!(
            redact_url("redis://s3cret@127.0.0.1:6379/"),
            "redis://******@127.0.0.1:6379/"
        );
        for url in [
            "redis+unix:///run/redis.sock?db=2&pass=s3cret",
            "unix:///run/redis.sock?password=s3cret&db=2",
            "redis+unix:///run/redis.sock?user=app&PASS=s3cret",
        ] {
            let shown = redact_url(url);
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(
                shown.contains("db=2") || shown.contains("user=app"),
                "{shown}"
            );
        }
    }
}
