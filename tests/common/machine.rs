//! Machines without shared secrets: client keys made by `openssl` at test time, oidc-provider
//! started with their public halves (tests/js/machine-grants.mjs), and the profiles that use them.
#![allow(clippy::disallowed_methods)] // a test sets up files as it needs

use super::oidc::{block, Oidc};
use super::Sandbox;
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What `openssl` makes.
#[derive(Debug, Clone, Copy)]
pub enum KeyType {
    /// PKCS#8 RSA 2048 (`BEGIN PRIVATE KEY`).
    Rsa,
    /// EC P-256 in the older SEC1 form (`BEGIN EC PRIVATE KEY`).
    EcSec1,
    /// Ed25519 PKCS#8.
    Ed25519,
}

/// A new private key at `dir/NAME.pem`, mode 0600 (its kid at the provider is NAME).
pub fn keygen(dir: &Path, name: &str, kind: KeyType) -> PathBuf {
    let out = dir.join(format!("{name}.pem"));
    let o = out.to_str().unwrap();
    let args: Vec<&str> = match kind {
        KeyType::Rsa => vec![
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            o,
        ],
        KeyType::EcSec1 => vec![
            "ecparam",
            "-genkey",
            "-name",
            "prime256v1",
            "-noout",
            "-out",
            o,
        ],
        KeyType::Ed25519 => vec!["genpkey", "-algorithm", "ED25519", "-out", o],
    };
    let st = Command::new("openssl")
        .args(&args)
        .output()
        .expect("openssl");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o600)).unwrap();
    out
}

/// oidc-provider whose `key-client` and `key-service` hold the public halves of `keys`.
pub fn start_with_keys(keys: &[&Path], env: &[(&str, &str)]) -> Option<Oidc> {
    let list = keys
        .iter()
        .map(|k| k.to_str().unwrap())
        .collect::<Vec<_>>()
        .join(",");
    let mut all = vec![("PROVIDER_CLIENT_KEYS", list.as_str())];
    all.extend_from_slice(env);
    Oidc::start_with(&all)
}

impl Oidc {
    /// A JWT from the stand-in workload issuer the provider trusts for its grants.
    pub fn workload_token(&self, sub: &str, aud: &str) -> String {
        block(async {
            reqwest::get(format!(
                "{}/test/workload-token?sub={sub}&aud={aud}",
                self.origin
            ))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
        })
    }

    /// What the last jwt_bearer or token_exchange request sent.
    pub fn last_grant(&self) -> Value {
        block(async {
            reqwest::get(format!("{}/test/last-grant", self.origin))
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    }

    /// An oauth2 profile of `client_id` authenticating with the private key at `key`.
    pub fn key_profile(&self, name: &str, client_id: &str, key: &Path) -> Value {
        json!({
            "profile": name,
            "dialect": "oauth2",
            "issuer": self.issuer,
            "client_id": client_id,
            "client_auth": "private_key_jwt",
            "client_key_file": key.to_str().unwrap(),
            "client_key_id": key.file_stem().unwrap().to_str().unwrap(),
        })
    }
}

/// A file holding `text`, mode 0600.
pub fn secret_file(sb: &Sandbox, name: &str, text: &str) -> PathBuf {
    let p = sb.path().join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p
}

/// Authlib (PyPI) on Flask, tests/authlib/serve.py: a second implementation of RFC 7523 client
/// authentication, guarding a client_credentials token endpoint for `key-service`.
pub struct Authlib {
    child: std::process::Child,
    pub origin: String,
}

impl Authlib {
    /// Starts it trusting the public half of `key`; `None` when PANCRED_TEST_AUTHLIB_PYTHON is
    /// not set (see `external`).
    pub fn start(key: &Path) -> Option<Authlib> {
        use std::io::{BufRead, BufReader};
        let python = super::external("PANCRED_TEST_AUTHLIB_PYTHON")?;
        let mut child = Command::new(python)
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/authlib/serve.py"
            ))
            .env("AUTHLIB_CLIENT_KEY", key)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the Authlib server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .strip_prefix("listening ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("the Authlib server did not start: {line:?}"));
        Some(Authlib {
            child,
            origin: format!("http://127.0.0.1:{port}"),
        })
    }

    pub fn counts(&self) -> Value {
        block(async {
            reqwest::get(format!("{}/test/counts", self.origin))
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    }

    pub fn set_token_delay(&self, ms: u64) {
        block(async {
            reqwest::Client::new()
                .post(format!("{}/test/token-delay?ms={ms}", self.origin))
                .send()
                .await
                .unwrap();
        })
    }

    /// A client_credentials profile of `key-service` at this server, signing with `key`.
    pub fn profile(&self, name: &str, key: &Path) -> Value {
        json!({
            "profile": name,
            "dialect": "oauth2",
            "token_url": format!("{}/token", self.origin),
            "grant": "client_credentials",
            "client_id": "key-service",
            "client_auth": "private_key_jwt",
            "client_key_file": key.to_str().unwrap(),
            "scope": "api:read",
        })
    }
}

impl Drop for Authlib {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
