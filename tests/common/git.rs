//! Small local git servers for the tests that run real git (tests/git_support/gitserver.py):
//! HTTPS with a self-signed certificate for `git.example` (and 127.0.0.1), or plain HTTP.
#![allow(clippy::disallowed_methods)] // (a test sets up its files as it likes)

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct GitServer {
    child: Child,
    pub port: u16,
    seen: PathBuf,
}

impl Drop for GitServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl GitServer {
    /// The Authorization headers it was shown (`-` for none), in order.
    pub fn seen(&self) -> Vec<String> {
        std::fs::read_to_string(&self.seen)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

/// A certificate for `git.example` (and 127.0.0.1), its own CA.
pub fn certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=git.example"])
        .args(["-addext", "subjectAltName=DNS:git.example,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run openssl")
        .success();
    assert!(ok, "openssl made no certificate");
    (cert, key)
}

pub fn git_server(
    dir: &Path,
    name: &str,
    token: &str,
    tls: Option<&(PathBuf, PathBuf)>,
) -> GitServer {
    let (seen, token_file) = (
        dir.join(format!("{name}-seen")),
        dir.join(format!("{name}-token")),
    );
    std::fs::write(&token_file, token).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/git_support/gitserver.py");
    let mut c = Command::new("python3");
    c.arg(script).arg(&seen).arg(&token_file);
    if let Some((cert, key)) = tls {
        c.arg(cert).arg(key);
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the git server stub");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("listening ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the stub did not start: {line:?}"));
    GitServer { child, port, seen }
}
