//! Finding the server that takes pancred's writes in a Sentinel or Cluster deployment, and
//! finding it again after a failover.
//!
//! - Sentinel: the sentinels are asked, one after another, for the master's address; the
//!   server found must answer `ROLE` as a master (a replica just promoted may not be one yet, a
//!   demoted master no longer is).
//! - Cluster: every key of a store lives in one hash slot (the prefix's hash tag). A seed node
//!   answers `MOVED` with the node serving that slot, which is then used until it fails; `ASK`
//!   (a slot being migrated) sends one command to the node named, after `ASKING`.
//!
//! A command that meets `READONLY`, `MOVED`, `ASK`, `TRYAGAIN`, `CLUSTERDOWN`, `MASTERDOWN`,
//! `LOADING`, or a refused or broken connection, is sent again on a connection made afresh
//! (see [`super::conn::Conn::with`]), within the store's timeout.

use super::durable::Role;
use super::topology::{Kind, Topology};
use redis::{Client, Connection, ErrorKind, RedisConnectionInfo, RedisError, RedisResult};
use std::sync::Mutex;
use std::time::Duration;

/// Where the next connection goes, when a server said so.
#[derive(Clone)]
struct Hop {
    host: String,
    port: u16,
    /// `ASK`: one command, after `ASKING`.
    asking: bool,
}

pub(super) struct Route {
    pub topology: Topology,
    /// PEM roots for TLS (`PANCRED_REDIS_CA_FILE`).
    certs: Option<Vec<u8>>,
    /// How to log in to the sentinels (`PANCRED_REDIS_SENTINEL_PASSWORD`).
    sentinel: RedisConnectionInfo,
    next: Mutex<Option<Hop>>,
}

/// What the sentinels say of the master.
pub(super) struct View {
    pub host: String,
    pub port: u16,
    /// Raised by every failover.
    pub epoch: u64,
    /// A failover is under way (said by any sentinel asked).
    pub failing_over: bool,
}

/// A connection to the node that serves the store, and that node's address.
pub(super) struct Reached {
    pub conn: Connection,
    pub node: String,
    /// Made after `ASK`: good for one command only.
    pub one_shot: bool,
}

/// Makes a client for `info`, trusting `certs` (PEM) for TLS when given.
pub(super) fn client(info: redis::ConnectionInfo, certs: Option<&[u8]>) -> RedisResult<Client> {
    match certs {
        None => Client::open(info),
        Some(pem) => Client::build_with_tls(
            info,
            redis::TlsCertificates {
                client_tls: None,
                root_cert: Some(pem.to_vec()),
            },
        ),
    }
}

/// Connects with `timeout` for the connection, each read and each write.
pub(super) fn open(client: &Client, timeout: Duration) -> RedisResult<Connection> {
    let conn = client.get_connection_with_timeout(timeout)?;
    conn.set_read_timeout(Some(timeout))?;
    conn.set_write_timeout(Some(timeout))?;
    Ok(conn)
}

/// What an error says when every sentinel refused the login (their password is not the URL's).
pub(super) const SENTINEL_LOGIN_REFUSED: &str = "every sentinel refused the login";

/// A failure that a new connection may not have: worth one more try after re-resolving.
fn refused(text: String) -> RedisError {
    std::io::Error::new(std::io::ErrorKind::ConnectionRefused, text).into()
}

pub(super) fn host_port(host: &str, port: u16) -> String {
    match host.contains(':') {
        true => format!("[{host}]:{port}"),
        false => format!("{host}:{port}"),
    }
}

impl Route {
    pub fn new(
        topology: Topology,
        certs: Option<Vec<u8>>,
        sentinel_password: Option<&str>,
    ) -> Self {
        let mut sentinel = RedisConnectionInfo::default().set_skip_set_lib_name();
        if let Some(p) = sentinel_password.filter(|p| !p.is_empty()) {
            sentinel = sentinel.set_password(p);
        }
        Route {
            topology,
            certs,
            sentinel,
            next: Mutex::new(None),
        }
    }

    fn next(&self) -> std::sync::MutexGuard<'_, Option<Hop>> {
        self.next.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Connects to the node that serves the store now.
    pub fn connect(&self, timeout: Duration) -> RedisResult<Reached> {
        let hop = self.next().take();
        let (host, port, asking) = match hop {
            Some(h) => (h.host, h.port, h.asking),
            None => match &self.topology.kind {
                Kind::Sentinel { master } => {
                    let view = self.ask_sentinels(master, timeout)?;
                    (view.host, view.port, false)
                }
                Kind::Cluster => return self.any_seed(timeout),
            },
        };
        let mut conn = open(
            &client(self.topology.at(&host, port), self.certs.as_deref())?,
            timeout,
        )?;
        let node = host_port(&host, port);
        if asking {
            redis::cmd("ASKING").query::<()>(&mut conn)?;
        }
        if let Kind::Sentinel { master } = &self.topology.kind {
            if let Role::Other(role) = super::durable::role(&mut conn)? {
                return Err(refused(format!(
                    "the sentinels name {node} as master '{}', but it answers as a {role} (a failover \
                     under way)",
                    crate::text::Safe(master.as_str())
                )));
            }
        }
        Ok(Reached {
            conn,
            node,
            one_shot: asking,
        })
    }

    /// The master's address as the sentinels know it: every sentinel is asked, and the one
    /// with the newest configuration (the highest config epoch: a failover raises it) wins, so
    /// a sentinel that has not heard of a failover yet does not send writes to the old master.
    pub fn ask_sentinels(&self, master: &str, timeout: Duration) -> RedisResult<View> {
        let mut failures = Vec::new();
        let mut best: Option<View> = None;
        let mut failing_over = false;
        let mut logins_refused = 0;
        // All at once: a sentinel that does not answer costs one timeout, not one each.
        let answers: Vec<_> = std::thread::scope(|s| {
            let asks: Vec<_> = self
                .topology
                .nodes
                .iter()
                .map(|(host, port)| {
                    s.spawn(move || (host, *port, self.ask_sentinel(host, *port, master, timeout)))
                })
                .collect();
            asks.into_iter().filter_map(|a| a.join().ok()).collect()
        });
        for (host, port, answer) in answers {
            let at = host_port(host, port);
            match answer {
                Ok(Some(view)) => {
                    failing_over |= view.failing_over;
                    if best.as_ref().is_none_or(|b| view.epoch > b.epoch) {
                        best = Some(view);
                    }
                }
                Ok(None) => failures.push(format!("{at}: knows no such master")),
                Err(e) => {
                    logins_refused += usize::from(
                        e.kind() == ErrorKind::AuthenticationFailed
                            || matches!(e.code(), Some("WRONGPASS" | "NOAUTH")),
                    );
                    failures.push(format!("{at}: {e}"));
                }
            }
        }
        if let Some(mut view) = best {
            view.failing_over = failing_over;
            return Ok(view);
        }
        let text = format!(
            "no sentinel named the master '{}' ({})",
            crate::text::Safe(master),
            failures.join("; ")
        );
        if failures.iter().all(|f| f.ends_with("knows no such master")) {
            return Err((ErrorKind::MasterNameNotFoundBySentinel, "no master", text).into());
        }
        if logins_refused == failures.len() {
            let text = format!("{SENTINEL_LOGIN_REFUSED}: {text}");
            return Err((
                ErrorKind::AuthenticationFailed,
                "sentinel login refused",
                text,
            )
                .into());
        }
        Err(refused(text))
    }

    /// What one sentinel says of the master (`None`: it knows no such master).
    pub fn ask_sentinel(
        &self,
        host: &str,
        port: u16,
        master: &str,
        timeout: Duration,
    ) -> RedisResult<Option<View>> {
        let info = redis::IntoConnectionInfo::into_connection_info(self.topology.addr(host, port))?
            .set_redis_settings(self.sentinel.clone());
        let mut conn = open(&client(info, self.certs.as_deref())?, timeout)?;
        let flat: Vec<String> = match redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(master)
            .query(&mut conn)
        {
            Ok(f) => f,
            Err(e) if e.to_string().contains("No such master") => return Ok(None),
            Err(e) => return Err(e),
        };
        let get = |k: &str| {
            flat.chunks(2)
                .find(|kv| kv.first().map(String::as_str) == Some(k))
                .and_then(|kv| kv.get(1).cloned())
                .unwrap_or_default()
        };
        let port = get("port")
            .parse()
            .map_err(|_| RedisError::from((ErrorKind::Parse, "a sentinel gave no master port")))?;
        Ok(Some(View {
            host: get("ip"),
            port,
            epoch: get("config-epoch").parse().unwrap_or(0),
            failing_over: get("flags").contains("failover_in_progress"),
        }))
    }

    /// The first seed that answers; its `MOVED` answer then leads to the slot's node.
    fn any_seed(&self, timeout: Duration) -> RedisResult<Reached> {
        let mut failures = Vec::new();
        for (host, port) in &self.topology.nodes {
            let at = host_port(host, *port);
            match client(self.topology.at(host, *port), self.certs.as_deref())
                .and_then(|c| open(&c, timeout))
            {
                Ok(conn) => {
                    return Ok(Reached {
                        conn,
                        node: at,
                        one_shot: false,
                    })
                }
                Err(e) => failures.push(format!("{at}: {e}")),
            }
        }
        Err(refused(format!(
            "no cluster node answered ({})",
            failures.join("; ")
        )))
    }

    /// After a failed command: whether a failover or a redirect may explain it (the command is
    /// then worth sending again on a new connection), noting where that connection goes.
    pub fn after_error(&self, e: &RedisError) -> bool {
        if e.is_timeout() {
            return false;
        }
        // `MOVED SLOT HOST:PORT`, `ASK SLOT HOST:PORT`.
        let to = e.redirect_node().and_then(|(addr, _slot)| {
            let (host, port) = addr.rsplit_once(':')?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            Some((host.to_string(), port.parse::<u16>().ok()?))
        });
        if let (Some(code), Some((host, port))) = (e.code(), to) {
            *self.next() = Some(Hop {
                host,
                port,
                asking: code == "ASK",
            });
            return true;
        }
        *self.next() = None;
        matches!(
            e.code(),
            Some("READONLY" | "TRYAGAIN" | "CLUSTERDOWN" | "MASTERDOWN" | "LOADING")
        ) || e.is_io_error()
            || e.is_connection_refusal()
            || e.is_connection_dropped()
    }
}
