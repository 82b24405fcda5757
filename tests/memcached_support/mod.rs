//! memcached for the tests: the shared server of tests/run.sh (each test under its own prefix), or
//! a private `memcached` a test can freeze and kill; and a raw client to look at the items.
#![allow(dead_code)]

use crate::common::{external, have_program, Run, Sandbox};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server of tests/run.sh, if any (`memcache://127.0.0.1:PORT`).
pub fn shared_url() -> Option<String> {
    external("PANCRED_TEST_MEMCACHED_URL")
}

/// An item prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("t:{test}:{}:{nanos}:", std::process::id())
}

/// `pancred ARGS` on the memcached store at `url` under `prefix`.
pub fn mcmd(sb: &Sandbox, url: &str, prefix: &str, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "memcached")
        .env("PANCRED_MEMCACHED_URL", url)
        .env("PANCRED_MEMCACHED_PREFIX", prefix);
    c
}

pub fn mrun(sb: &Sandbox, url: &str, prefix: &str, args: &[&str]) -> Run {
    mcmd(sb, url, prefix, args).output().unwrap().into()
}

/// One meta-protocol request, answered by one line (and a value's data line after `VA`).
pub fn raw(url: &str, request: &str) -> String {
    let addr = url.trim_start_matches("memcache://");
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    if line.starts_with("VA ") {
        let mut data = String::new();
        r.read_line(&mut data).unwrap();
        line.push_str(&data);
    }
    line
}

/// A `memcached` of the test's own on a free loopback port; killed when dropped.
pub struct OwnMemcached {
    pub child: Child,
    pub port: u16,
    extra: Vec<String>,
}

impl OwnMemcached {
    pub fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    /// With extra arguments (e.g. `-m 2` for a server that must evict).
    pub fn start_with(extra: &[&str]) -> Option<Self> {
        if !have_program("memcached") {
            return None;
        }
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            if let Some(child) = spawn_on(port, extra) {
                return Some(OwnMemcached {
                    child,
                    port,
                    extra: extra.iter().map(|a| a.to_string()).collect(),
                });
            }
        }
        panic!("memcached did not start");
    }

    /// Kills the server and starts an empty one on the same port (a restart: memcached keeps
    /// nothing).
    pub fn restart(&mut self) {
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let extra: Vec<&str> = self.extra.iter().map(String::as_str).collect();
            if let Some(child) = spawn_on(self.port, &extra) {
                self.child = child;
                return;
            }
            assert!(Instant::now() < deadline, "memcached did not restart");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn url(&self) -> String {
        format!("memcache://127.0.0.1:{}", self.port)
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnMemcached {
    fn drop(&mut self) {
        // A frozen server must be thawed to die promptly.
        let _ = Command::new("kill")
            .arg("-CONT")
            .arg(self.child.id().to_string())
            .stderr(Stdio::null())
            .status();
        self.kill();
    }
}

/// `memcached` on `port`, once it answers; None when it did not start (the port was taken).
fn spawn_on(port: u16, extra: &[&str]) -> Option<Child> {
    let mut child = Command::new("memcached")
        .args([
            "-l",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-u",
            "root",
            "-U",
            "0",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("memcached");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(child);
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}
