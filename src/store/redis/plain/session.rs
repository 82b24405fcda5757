//! One connection to a plain Redis server, opened on the first call: the login, the database and
//! the eviction question travel in the same write as that first command (one round trip where
//! the store's client makes three), and each later call is one round trip.
//!
//! Errors follow the Redis store's: a server that cannot be reached or does not answer is
//! `Unavailable`, in the store's own words (`message.rs`); anything the server refuses, and
//! anything that is not a Redis reply, is `Backend`, which the caller hands to the whole program
//! to report with its own diagnosis.

use super::endpoint::{Addr, Endpoint};
use super::resp::{self, Reply};
use super::stream::Stream;
use crate::secret::Secret;
use crate::store::redis::{message, policy};
use crate::store::StoreError;
use std::io::{self, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub(super) struct Session {
    endpoint: Endpoint,
    /// The password to log in with (the URL's, else `REDISCLI_AUTH`).
    password: Option<Secret>,
    timeout: Duration,
    allow_eviction: bool,
    /// The URL without its password, for messages.
    pub(super) shown: String,
    live: Mutex<Option<BufReader<Stream>>>,
    /// The message of a call that timed out: later calls fail at once with it, so a frozen
    /// server costs one timeout.
    stalled: Mutex<Option<String>>,
}

impl Session {
    pub(super) fn new(
        endpoint: Endpoint,
        password: Option<Secret>,
        timeout: Duration,
        allow_eviction: bool,
        shown: String,
    ) -> Self {
        Session {
            endpoint,
            password,
            timeout,
            allow_eviction,
            shown,
            live: Mutex::new(None),
            stalled: Mutex::new(None),
        }
    }

    /// Sends one command and reads its reply (an error reply is `Backend`).
    pub(super) fn call(&self, doing: &str, args: &[&[u8]]) -> Result<Reply, StoreError> {
        if let Some(text) = self
            .stalled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Err(StoreError::Unavailable(text));
        }
        let started = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        // What each setup reply is, in the order they come.
        let mut setup = Vec::new();
        let conn = match &mut *live {
            Some(conn) => conn,
            slot @ None => {
                let stream = self
                    .connect(started)
                    .map_err(|e| self.io_error("connecting", &e, started))?;
                self.encode_setup(&mut out, &mut setup);
                slot.insert(BufReader::new(stream))
            }
        };
        resp::encode(&mut out, args);
        conn.get_mut().until(started + self.timeout);
        let result = self.exchange(conn, &out, &setup, doing, started);
        if result.is_err() {
            *live = None;
        }
        result
    }

    /// The commands a new connection sends before the first: the login, the database, and
    /// whether the server may evict the store's keys (the Redis store's own questions).
    fn encode_setup(&self, out: &mut Vec<u8>, setup: &mut Vec<Setup>) {
        if let Some(pw) = &self.password {
            let mut auth: Vec<&[u8]> = vec![b"AUTH"];
            if let Some(user) = &self.endpoint.username {
                auth.push(user.as_bytes());
            }
            auth.push(pw.expose().as_bytes());
            resp::encode(out, &auth);
            setup.push(Setup::Login);
        }
        if self.endpoint.db != 0 {
            let db = self.endpoint.db.to_string();
            resp::encode(out, &[b"SELECT", db.as_bytes()]);
            setup.push(Setup::Database);
        }
        resp::encode(out, &[b"CONFIG", b"GET", b"maxmemory*"]);
        setup.push(Setup::Eviction);
    }

    /// Writes `out` and reads the setup replies, then the command's.
    fn exchange(
        &self,
        conn: &mut BufReader<Stream>,
        out: &[u8],
        setup: &[Setup],
        doing: &str,
        started: Instant,
    ) -> Result<Reply, StoreError> {
        // (Until the setup replies are read, the call is still connecting, as the store says.)
        let phase = |read: usize| match read < setup.len() {
            true => "connecting",
            false => doing,
        };
        conn.get_mut()
            .write_all(out)
            .map_err(|e| self.io_error(phase(0), &e, started))?;
        for (i, step) in setup.iter().enumerate() {
            let reply = resp::read(conn).map_err(|e| self.io_error(phase(i), &e, started))?;
            self.check_setup(*step, reply)?;
        }
        match resp::read(conn).map_err(|e| self.io_error(doing, &e, started))? {
            Reply::Error(text) => Err(self.refused(doing, &text)),
            reply => Ok(reply),
        }
    }

    fn check_setup(&self, step: Setup, reply: Reply) -> Result<(), StoreError> {
        match (step, reply) {
            (Setup::Login, Reply::Error(text)) => Err(self.refused("logging in", &text)),
            (Setup::Database, Reply::Error(text)) => {
                Err(self.refused("selecting the database", &text))
            }
            (Setup::Eviction, Reply::Array(Some(items))) => {
                let pairs: Vec<String> = items
                    .into_iter()
                    .map(|i| match i {
                        Reply::Bulk(Some(b)) => String::from_utf8_lossy(&b).into_owned(),
                        _ => String::new(),
                    })
                    .collect();
                policy::judge(&pairs, self.allow_eviction, &self.shown)
            }
            // CONFIG not permitted or disabled (managed services): the store only pings, and
            // the command that follows answers for the server as a ping would.
            _ => Ok(()),
        }
    }

    fn connect(&self, started: Instant) -> io::Result<Stream> {
        let stream = match &self.endpoint.addr {
            Addr::Tcp(host, port) => {
                let mut last = None;
                let mut found = None;
                for addr in (host.as_str(), *port).to_socket_addrs()? {
                    let left = self.timeout.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        last = Some(io::ErrorKind::TimedOut.into());
                        break;
                    }
                    match TcpStream::connect_timeout(&addr, left) {
                        Ok(s) => {
                            found = Some(s);
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                let s = match found {
                    Some(s) => s,
                    None => {
                        return Err(last.unwrap_or_else(|| {
                            io::Error::new(io::ErrorKind::NotFound, "no address for the host")
                        }))
                    }
                };
                Stream::tcp(s)?
            }
            #[cfg(unix)]
            Addr::Unix(path) => Stream::unix(std::os::unix::net::UnixStream::connect(path)?),
        };
        Ok(stream)
    }

    /// An I/O failure as the Redis store words it.
    fn io_error(&self, doing: &str, e: &io::Error, started: Instant) -> StoreError {
        let why = self.scrub(&e.to_string());
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                let text = message::timeout_text(
                    &self.shown,
                    self.timeout,
                    doing,
                    &why,
                    started.elapsed(),
                );
                *self.stalled.lock().unwrap_or_else(|p| p.into_inner()) = Some(text.clone());
                StoreError::Unavailable(text)
            }
            io::ErrorKind::InvalidData => {
                StoreError::Backend(format!("Redis at {}: {doing}: {why}", self.shown))
            }
            _ => message::unreachable(&self.shown, doing, &why),
        }
    }

    /// A reply the server refused with: the whole program asks again and says what it means.
    fn refused(&self, doing: &str, text: &str) -> StoreError {
        StoreError::Backend(format!(
            "Redis at {}: {doing}: {}",
            self.shown,
            self.scrub(text)
        ))
    }

    fn scrub(&self, text: &str) -> String {
        match self
            .password
            .as_ref()
            .map(Secret::expose)
            .filter(|p| !p.is_empty())
        {
            Some(p) => text.replace(p, crate::secret::MASK),
            None => text.to_string(),
        }
    }

    /// Drops the connection: the next call connects afresh.
    pub(super) fn reset(&self) {
        *self.live.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }
}

#[derive(Debug, Clone, Copy)]
enum Setup {
    Login,
    Database,
    Eviction,
}
