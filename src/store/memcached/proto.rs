//! memcached's meta text protocol (`mg`, `ms`, `md`) over one TCP connection with timeouts: the
//! few commands the store needs, CAS included. Every call is bounded by the timeout, so a server
//! that is down or frozen is an error, never a hang; after any failure the connection is dropped.

use crate::store::StoreError;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// memcached's largest item by default; a longer answer is not one of ours.
const MAX_VALUE: usize = 1024 * 1024;
const MAX_LINE: u64 = 2048;

/// How `ms` stores: unconditionally, or only when the key is free (`add`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Set,
    Add,
}

/// The outcome of `ms` / `md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Done,
    /// `add` on a taken key.
    NotStored,
    /// The CAS value no longer matches: someone wrote in between.
    Exists,
    NotFound,
}

/// Why an answer could not be read: the connection failed, or the server said something odd.
enum ReadErr {
    Io(std::io::Error),
    Bad(String),
}

impl From<std::io::Error> for ReadErr {
    fn from(e: std::io::Error) -> Self {
        ReadErr::Io(e)
    }
}

pub(super) struct Conn {
    host: String,
    port: u16,
    timeout: Duration,
    stream: Mutex<Option<BufReader<TcpStream>>>,
}

impl Conn {
    pub(super) fn new(host: String, port: u16, timeout: Duration) -> Self {
        Conn {
            host,
            port,
            timeout,
            stream: Mutex::new(None),
        }
    }

    /// `memcache://HOST:PORT`, for messages.
    pub(super) fn shown(&self) -> String {
        if self.host.contains(':') {
            format!("memcache://[{}]:{}", self.host, self.port)
        } else {
            format!("memcache://{}:{}", self.host, self.port)
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<BufReader<TcpStream>>> {
        // A panic mid-call leaves at worst a connection in an unknown state; `call` drops it on error.
        self.stream.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn connect(&self) -> std::io::Result<BufReader<TcpStream>> {
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port).to_socket_addrs()?.collect();
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(s) => {
                    s.set_read_timeout(Some(self.timeout))?;
                    s.set_write_timeout(Some(self.timeout))?;
                    s.set_nodelay(true)?;
                    return Ok(BufReader::new(s));
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Sends `request` and reads one answer with `read`, connecting first if needed.
    fn call<T>(
        &self,
        doing: &str,
        request: &[u8],
        read: impl FnOnce(&mut BufReader<TcpStream>) -> Result<T, ReadErr>,
    ) -> Result<T, StoreError> {
        let mut slot = self.slot();
        let result = (|| {
            if slot.is_none() {
                *slot = Some(self.connect().map_err(|e| self.unreachable(doing, &e))?);
            }
            let Some(stream) = slot.as_mut() else {
                return Err(StoreError::Unavailable(format!(
                    "cannot reach memcached at {}",
                    self.shown()
                )));
            };
            stream
                .get_mut()
                .write_all(request)
                .map_err(|e| self.unreachable(doing, &e))?;
            read(stream).map_err(|e| match e {
                ReadErr::Io(e) => self.unreachable(doing, &e),
                ReadErr::Bad(what) => StoreError::Backend(format!(
                    "memcached at {} answered strangely while {doing}: {what}",
                    self.shown()
                )),
            })
        })();
        if result.is_err() {
            *slot = None;
        }
        result
    }

    fn unreachable(&self, doing: &str, e: &std::io::Error) -> StoreError {
        let why = match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("no answer within {} ms", self.timeout.as_millis())
            }
            _ => e.to_string(),
        };
        StoreError::Unavailable(format!(
            "cannot reach memcached at {} while {doing}: {why}",
            self.shown()
        ))
    }

    /// The value and CAS of `key`, if it exists.
    pub(super) fn get(&self, key: &str) -> Result<Option<(Vec<u8>, u64)>, StoreError> {
        check_key(key)?;
        let req = format!("mg {key} v c\r\n");
        self.call("reading", req.as_bytes(), |s| {
            let line = read_line(s)?;
            let mut words = line.split(' ');
            match words.next() {
                Some("EN") => Ok(None),
                Some("VA") => {
                    let len: usize = words
                        .next()
                        .and_then(|n| n.parse().ok())
                        .filter(|n| *n <= MAX_VALUE)
                        .ok_or_else(|| bad(format!("a bad value header: {}", printable(&line))))?;
                    let cas = words
                        .find_map(|w| w.strip_prefix('c').and_then(|c| c.parse().ok()))
                        .ok_or_else(|| bad(format!("no CAS in {}", printable(&line))))?;
                    let mut data = vec![0; len + 2];
                    s.read_exact(&mut data)?;
                    if !data.ends_with(b"\r\n") {
                        return Err(bad("a value without its line end".into()));
                    }
                    data.truncate(len);
                    Ok(Some((data, cas)))
                }
                _ => Err(bad(format!("an unexpected answer: {}", printable(&line)))),
            }
        })
    }

    /// Stores `value` under `key` (TTL in seconds, 0 = never), if `cas` still matches when given.
    pub(super) fn set(
        &self,
        key: &str,
        value: &[u8],
        mode: Mode,
        cas: Option<u64>,
        ttl_secs: u64,
    ) -> Result<Outcome, StoreError> {
        check_key(key)?;
        if value.len() > MAX_VALUE {
            return Err(StoreError::Backend(format!(
                "a value of {} bytes is more than memcached keeps",
                value.len()
            )));
        }
        let mut req = format!("ms {key} {} T{ttl_secs}", value.len());
        if mode == Mode::Add {
            req.push_str(" ME");
        }
        if let Some(c) = cas {
            req.push_str(&format!(" C{c}"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
        self.call("writing", &bytes, read_outcome)
    }

    /// Deletes `key`, only if its CAS still matches when given.
    pub(super) fn delete(&self, key: &str, cas: Option<u64>) -> Result<Outcome, StoreError> {
        check_key(key)?;
        let req = match cas {
            Some(c) => format!("md {key} C{c}\r\n"),
            None => format!("md {key}\r\n"),
        };
        self.call("deleting", req.as_bytes(), read_outcome)
    }
}

fn bad(what: String) -> ReadErr {
    ReadErr::Bad(what)
}

fn read_outcome(s: &mut BufReader<TcpStream>) -> Result<Outcome, ReadErr> {
    let line = read_line(s)?;
    match line.split(' ').next() {
        Some("HD") => Ok(Outcome::Done),
        Some("NS") => Ok(Outcome::NotStored),
        Some("EX") => Ok(Outcome::Exists),
        Some("NF") => Ok(Outcome::NotFound),
        _ => Err(bad(format!("an unexpected answer: {}", printable(&line)))),
    }
}

fn read_line(s: &mut BufReader<TcpStream>) -> Result<String, ReadErr> {
    let mut line = Vec::new();
    s.by_ref().take(MAX_LINE).read_until(b'\n', &mut line)?;
    if line.is_empty() {
        return Err(ReadErr::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )));
    }
    if !line.ends_with(b"\r\n") {
        return Err(bad("an answer line that never ended".into()));
    }
    line.truncate(line.len() - 2);
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// A server's text made safe to print (no control characters, bounded).
fn printable(s: &str) -> String {
    s.chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// memcached keys: at most 250 bytes, no spaces or control characters.
fn check_key(key: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > 250 || key.bytes().any(|b| b <= b' ' || b == 0x7f) {
        return Err(StoreError::Config(format!(
            "\"{}\" cannot be a memcached key (at most 250 bytes, no spaces): choose a shorter PANCRED_MEMCACHED_PREFIX",
            printable(key)
        )));
    }
    Ok(())
}
