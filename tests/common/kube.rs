//! A small TLS Kubernetes API-server stand-in for the tests that run real kubectl
//! (tests/kube_support/apiserver.py): it checks the bearer token.
#![allow(clippy::disallowed_methods)] // (a test sets up its files as it likes)

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub struct ApiServer {
    child: Child,
    pub port: u16,
    pub ca: PathBuf,
    pub token_file: PathBuf,
    pub seen_file: PathBuf,
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn api_server(dir: &Path) -> ApiServer {
    let (ca, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args([
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&ca)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run openssl")
        .success();
    assert!(ok, "openssl made no certificate");
    let (token_file, seen_file) = (dir.join("expected-token"), dir.join("seen-tokens"));
    std::fs::write(&token_file, "").unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kube_support/apiserver.py");
    let mut child = Command::new("python3")
        .arg(script)
        .args([&ca, &key, &token_file, &seen_file])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the API server stub");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .strip_prefix("listening ")
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("the stub did not start: {line:?}"));
    ApiServer {
        child,
        port,
        ca,
        token_file,
        seen_file,
    }
}
