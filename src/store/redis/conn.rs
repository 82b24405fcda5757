//! One Redis connection shared by a store and its lock guards: opened with timeouts, replaced
//! after an I/O failure, and turning Redis errors into [`StoreError`]s that never carry a password.

use super::RedisConfig;
use crate::store::StoreError;
use redis::{Client, Connection, ConnectionLike, ErrorKind, RedisError};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

pub(super) struct Conn {
    client: Client,
    conn: Mutex<Option<Connection>>,
    timeout: Duration,
    /// The URL without its password, for messages.
    pub(super) shown: String,
    /// Scrubbed from every message, in case a server or library echoes it.
    password: Option<String>,
    /// The last call that timed out: when, and its message. Calls within one timeout of it fail
    /// at once with that message, so a frozen server costs a command one timeout, not one per
    /// call it makes (a long-lived TUI tries again after that).
    stalled: Mutex<Option<(Instant, String)>>,
}

impl Conn {
    pub(super) fn open(config: &RedisConfig) -> Result<Self, StoreError> {
        let shown = redact_url(&config.url);
        let bad_url = || {
            StoreError::Config(format!(
                "the Redis URL {shown} is not valid: expected redis://[USER][:PASSWORD@]HOST[:PORT][/DB] or rediss://... (TLS)"
            ))
        };
        let mut info: redis::ConnectionInfo = config.url.parse().map_err(|_| bad_url())?;
        // No CLIENT SETINFO after connecting: one round trip less, and a frozen server then
        // costs a command one timeout rather than one per handshake command.
        let mut settings = info.redis_settings().clone().set_skip_set_lib_name();
        info = info.set_redis_settings(settings.clone());
        if settings.password().is_none() {
            if let Some(p) = &config.password {
                settings = settings.set_password(p.expose());
                info = info.set_redis_settings(settings.clone());
            }
        }
        let password = settings
            .password()
            .filter(|p| !p.is_empty())
            .map(str::to_string);
        let client = match &config.ca_file {
            None => Client::open(info).map_err(|_| bad_url())?,
            Some(path) => {
                if !matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. }) {
                    return Err(StoreError::Config(format!(
                        "PANCRED_REDIS_CA_FILE is set, but {shown} is not a rediss:// (TLS) URL"
                    )));
                }
                let pem = std::fs::read(path).map_err(|e| {
                    StoreError::Config(format!(
                        "cannot read the CA file {} (PANCRED_REDIS_CA_FILE): {e}",
                        path.display()
                    ))
                })?;
                let certs = redis::TlsCertificates {
                    client_tls: None,
                    root_cert: Some(pem),
                };
                Client::build_with_tls(info, certs).map_err(|e| {
                    StoreError::Config(format!(
                        "the CA file {} (PANCRED_REDIS_CA_FILE) holds no usable PEM certificate: {e}",
                        path.display()
                    ))
                })?
            }
        };
        Ok(Conn {
            client,
            conn: Mutex::new(None),
            timeout: config.timeout,
            shown,
            password,
            stalled: Mutex::new(None),
        })
    }

    fn slot(&self) -> MutexGuard<'_, Option<Connection>> {
        // A panic mid-command at worst leaves a connection in an unknown state; `with` drops it on error.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops the connection: the next call connects afresh.
    pub(super) fn reset(&self) {
        *self.slot() = None;
    }

    /// Runs `f` on the connection, connecting first if needed. After an I/O error the connection
    /// is dropped, so the next call reconnects.
    pub(super) fn with<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&mut Connection) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        if let Some(text) = self.still_stalled() {
            return Err(StoreError::Unavailable(text));
        }
        let started = Instant::now();
        let mut slot = self.slot();
        let (doing, result) = match slot.as_mut().filter(|c| c.is_open()) {
            Some(conn) => (doing, f(conn)),
            None => match self.connect() {
                Ok(conn) => (doing, f(slot.insert(conn))),
                Err(e) => ("connecting", Err(e)),
            },
        };
        match result {
            Ok(v) => Ok(v),
            Err(e) if e.is_timeout() => {
                *slot = None;
                let text = self.timeout_text(doing, &e, started.elapsed());
                *self.stalled.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((Instant::now(), text.clone()));
                Err(StoreError::Unavailable(text))
            }
            Err(e) => {
                if e.is_io_error() || e.is_unrecoverable_error() {
                    *slot = None;
                }
                Err(self.error(doing, e))
            }
        }
    }

    /// The message of a timeout within the last timeout, if there was one.
    fn still_stalled(&self) -> Option<String> {
        let stalled = self.stalled.lock().unwrap_or_else(|p| p.into_inner());
        match &*stalled {
            Some((at, text)) if at.elapsed() < self.timeout => Some(text.clone()),
            _ => None,
        }
    }

    fn connect(&self) -> redis::RedisResult<Connection> {
        let conn = self.client.get_connection_with_timeout(self.timeout)?;
        conn.set_read_timeout(Some(self.timeout))?;
        conn.set_write_timeout(Some(self.timeout))?;
        Ok(conn)
    }

    /// What a timeout means, with the time it really took.
    fn timeout_text(&self, doing: &str, e: &RedisError, took: Duration) -> String {
        // A write sent to a frozen server sits in its socket: it is applied if the server
        // resumes. Say so rather than claim it failed for good.
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
            "Redis at {} did not answer within {} ms while {doing} (gave up after {} ms: {}){pending}; is the server up and reachable?",
            self.shown,
            self.timeout.as_millis(),
            took.as_millis(),
            self.scrub(&e.to_string())
        )
    }

    /// A Redis error as a store error: unreachable and refused logins are `Unavailable` (the
    /// store cannot be used at all), the rest `Backend`.
    pub(super) fn error(&self, doing: &str, e: RedisError) -> StoreError {
        let text = self.scrub(&e.to_string());
        let at = &self.shown;
        if text.contains("certificate") {
            StoreError::Unavailable(format!(
                "Redis at {at} failed the TLS check while {doing}: {text}; for a server with a private CA, set PANCRED_REDIS_CA_FILE to its PEM certificate"
            ))
        } else if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
            StoreError::Unavailable(format!(
                "cannot reach Redis at {at} while {doing}: {text}; is the server up and reachable?"
            ))
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
        {
            StoreError::Unavailable(format!(
                "Redis at {at} refused access while {doing}: {text}; check the password (in the URL, or REDISCLI_AUTH)"
            ))
        } else {
            StoreError::Backend(format!("Redis at {at}: {doing}: {text}"))
        }
    }

    pub(super) fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) => text.replace(p.as_str(), crate::secret::MASK),
            None => text.to_string(),
        }
    }
}

/// The URL as it may be shown: any password replaced by `******`; unparseable URLs are not shown.
/// A lone userinfo (`redis://PASSWORD@host`, as redis-cli reads it) is masked too: it is a
/// password more often than a user name.
pub fn redact_url(url: &str) -> String {
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
