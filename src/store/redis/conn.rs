//! One Redis connection shared by a store and its lock guards: opened with timeouts, replaced
//! after an I/O failure, and turning Redis errors into [`StoreError`]s that never carry a password
//! (`message.rs`). In a Sentinel or Cluster deployment the connection goes to the node that
//! serves the store, found again after a failover (`route.rs`).

use super::route::{self, Route};
use super::topology::{self, FORMS};
use super::RedisConfig;
use crate::store::StoreError;
use redis::{Client, Connection, ConnectionLike, RedisResult};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// One server, or a deployment whose serving node is looked up.
enum Target {
    One(Client),
    Many(Route),
}

struct Live {
    conn: Connection,
    /// Made after `ASK`: good for one command.
    one_shot: bool,
}

pub(super) struct Conn {
    target: Target,
    live: Mutex<Option<Live>>,
    pub(super) timeout: Duration,
    /// The URL without its password, for messages.
    pub(super) shown: String,
    /// Scrubbed from every message, in case a server or library echoes them.
    pub(super) secrets: Vec<String>,
    /// The node the last connection reached (Sentinel, Cluster), for messages.
    node: Mutex<Option<String>>,
    /// The last call that timed out: when, and its message. Calls within one timeout of it fail
    /// at once with that message, so a frozen server costs a command one timeout, not one per
    /// call it makes (a long-lived TUI tries again after that).
    stalled: Mutex<Option<(Instant, String)>>,
}

impl Conn {
    pub(super) fn open(config: &RedisConfig) -> Result<Self, StoreError> {
        let shown = super::redact_url(&config.url);
        let bad_url = |why: &str| {
            StoreError::Config(format!(
                "the Redis URL {shown} is not valid{why}: expected {FORMS}"
            ))
        };
        let many = topology::parse(&config.url).map_err(|why| bad_url(&format!(" ({why})")))?;
        let mut info: redis::ConnectionInfo = match &many {
            Some(t) => t.info.clone(),
            None => config.url.parse().map_err(|_| bad_url(""))?,
        };
        // No CLIENT SETINFO after connecting: one round trip less, and a frozen server then
        // costs a command one timeout rather than one per handshake command.
        let mut settings = info.redis_settings().clone().set_skip_set_lib_name();
        info = info.set_redis_settings(settings.clone());
        if settings.password().is_none() {
            if let Some(p) = config.login_password(None) {
                settings = settings.set_password(p);
                info = info.set_redis_settings(settings.clone());
            }
        }
        let sentinel_password = config.sentinel_password.as_ref().map(|p| p.expose());
        let secrets = [settings.password(), sentinel_password]
            .into_iter()
            .flatten()
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        let tls = match &many {
            Some(t) => t.tls,
            None => matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. }),
        };
        let certs = match &config.ca_file {
            None => None,
            Some(_) if !tls => {
                return Err(StoreError::Config(format!(
                    "PANCRED_REDIS_CA_FILE is set, but {shown} is not a rediss:// (TLS) URL"
                )))
            }
            Some(path) => Some(std::fs::read(path).map_err(|e| {
                StoreError::Config(format!(
                    "cannot read the CA file {} (PANCRED_REDIS_CA_FILE): {e}",
                    path.display()
                ))
            })?),
        };
        let bad_ca = |e: redis::RedisError| match &config.ca_file {
            Some(path) => StoreError::Config(format!(
                "the CA file {} (PANCRED_REDIS_CA_FILE) holds no usable PEM certificate: {e}",
                path.display()
            )),
            None => bad_url(""),
        };
        let target = match many {
            None => Target::One(route::client(info, certs.as_deref()).map_err(bad_ca)?),
            Some(mut t) => {
                t.info = info;
                if let Some(pem) = &certs {
                    // The certificates are read once, here, so a bad file is reported at once.
                    // (Checked on a node's TLS address: the placeholder in `info` has none.)
                    let (host, port) = t.nodes.first().cloned().unwrap_or_default();
                    route::client(t.at(&host, port), Some(pem)).map_err(bad_ca)?;
                }
                Target::Many(Route::new(t, certs, sentinel_password))
            }
        };
        Ok(Conn {
            target,
            live: Mutex::new(None),
            timeout: config.timeout,
            shown,
            secrets,
            node: Mutex::new(None),
            stalled: Mutex::new(None),
        })
    }

    fn slot(&self) -> MutexGuard<'_, Option<Live>> {
        // A panic mid-command at worst leaves a connection in an unknown state; `with` drops it on error.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops the connection: the next call connects afresh.
    pub(super) fn reset(&self) {
        *self.slot() = None;
    }

    /// The deployment, when it is not one server.
    pub(super) fn route(&self) -> Option<&Route> {
        match &self.target {
            Target::One(_) => None,
            Target::Many(r) => Some(r),
        }
    }

    /// The node the last connection reached (Sentinel, Cluster).
    pub(super) fn node_reached(&self) -> Option<String> {
        self.node.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Where calls go, for messages: the URL, and for Sentinel or Cluster the topology and the
    /// node last reached.
    pub(super) fn at(&self) -> String {
        let Some(route) = self.route() else {
            return self.shown.clone();
        };
        let node = self.node.lock().unwrap_or_else(|e| e.into_inner()).clone();
        match node {
            Some(n) => format!("{} ({}, node {n})", self.shown, route.topology.name()),
            None => format!("{} ({})", self.shown, route.topology.name()),
        }
    }

    /// Runs `f` on the connection, connecting first if needed. After an I/O error the connection
    /// is dropped, so the next call reconnects. In a Sentinel or Cluster deployment, a failure a
    /// failover or a redirect explains sends `f` again on a new connection to the node now
    /// serving, within the timeout (at least once): `f` must be safe to run twice.
    pub(super) fn with<T>(
        &self,
        doing: &str,
        mut f: impl FnMut(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, StoreError> {
        if let Some(text) = self.still_stalled() {
            return Err(StoreError::Unavailable(text));
        }
        let started = Instant::now();
        let mut slot = self.slot();
        let mut tries = 0u32;
        let mut pause = Duration::from_millis(50);
        loop {
            tries += 1;
            let (doing, result) = match slot.as_mut().filter(|l| l.conn.is_open()) {
                Some(live) => (doing, f(&mut live.conn)),
                None => match self.connect() {
                    Ok(live) => (doing, f(&mut slot.insert(live).conn)),
                    Err(e) => ("connecting", Err(e)),
                },
            };
            if slot.as_ref().is_some_and(|l| l.one_shot) {
                *slot = None;
            }
            let e = match result {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            if e.is_timeout() {
                *slot = None;
                let text = self.timeout_text(doing, &e, started.elapsed());
                *self.stalled.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((Instant::now(), text.clone()));
                return Err(StoreError::Unavailable(text));
            }
            if let Some(route) = self.route() {
                let redirect = e.redirect_node().is_some();
                if route.after_error(&e) && (tries < 2 || started.elapsed() + pause < self.timeout)
                {
                    *slot = None;
                    if !redirect {
                        // A failover takes a moment: the sentinels and the cluster learn of it.
                        std::thread::sleep(pause);
                        pause = (pause * 2).min(Duration::from_millis(400));
                    }
                    continue;
                }
            }
            if e.is_io_error() || e.is_unrecoverable_error() {
                *slot = None;
            }
            return Err(self.error(doing, e));
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

    fn connect(&self) -> RedisResult<Live> {
        match &self.target {
            Target::One(client) => Ok(Live {
                conn: route::open(client, self.timeout)?,
                one_shot: false,
            }),
            Target::Many(route) => {
                let reached = route.connect(self.timeout)?;
                *self.node.lock().unwrap_or_else(|e| e.into_inner()) = Some(reached.node);
                Ok(Live {
                    conn: reached.conn,
                    one_shot: reached.one_shot,
                })
            }
        }
    }
}

impl Conn {
    /// Runs `f` on the connection the last call used, never on a new one (a `WAIT` counts the
    /// writes of its own connection): an error when that connection is gone.
    pub(super) fn on_current<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> Result<T, StoreError> {
        let mut slot = self.slot();
        let Some(live) = slot.as_mut().filter(|l| l.conn.is_open()) else {
            return Err(StoreError::Unavailable(format!(
                "the connection to Redis at {} closed after the write, before {doing}",
                self.at()
            )));
        };
        f(&mut live.conn).map_err(|e| {
            *slot = None;
            self.error(doing, e)
        })
    }
}
