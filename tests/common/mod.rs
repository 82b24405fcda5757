//! Shared by the integration tests: a private HOME per test, the real binary, external parts.
#![allow(dead_code)]

// The binary and the sandbox are cargo features; a test file that includes this module starts
// with `#![cfg(feature = "cli")]` so that `cargo clippy --no-default-features --all-targets` skips it.
#[cfg(not(feature = "cli"))]
compile_error!("a test using tests/common needs `#![cfg(feature = \"cli\")]` at its top");

pub mod context;
pub mod doctor;
pub mod dpop;
pub mod front;
pub mod git;
#[cfg(feature = "keyring")]
pub mod keyring;
pub mod kube;
pub mod login;
#[cfg(unix)]
pub mod machine;
pub mod oidc;
pub mod pancloud_stub;
pub mod provider;
pub mod serve;
pub mod tmux;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The external parts come from tests/run.sh. Run alone (`cargo test`), a test that needs one
/// says so and passes vacuously; under tests/run.sh (PANCRED_REQUIRE_ALL=1) a missing part fails.
pub fn external(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("PANCRED_REQUIRE_ALL").is_ok() => {
            panic!("{var} is not set: tests/run.sh provides it")
        }
        _ => {
            eprintln!("skipping: {var} is not set (run tests/run.sh for the whole suite)");
            None
        }
    }
}

/// A sandboxed user: HOME, XDG folders and the pancloud file all under one temporary folder.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub home: PathBuf,
    pub creds: PathBuf,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_pancred")
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let creds = home.join(".config/pancloud/credentials.json");
        Sandbox { dir, home, creds }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where pancred caches issuer metadata for this user.
    pub fn discovery_cache(&self) -> PathBuf {
        self.home.join(".cache/pancred/discovery")
    }

    /// `pancred ARGS` with the file store on this sandbox's pancloud file and a clean environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.program(bin());
        c.args(args);
        c
    }

    /// Any program (git, kubectl) with this sandbox's environment, so that the pancred it runs
    /// sees the same store as `cmd`.
    pub fn program(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        for (k, _) in std::env::vars() {
            if k.starts_with("PAN_") || k.starts_with("PANCRED_") || k == "BROWSER" {
                c.env_remove(k);
            }
        }
        c.env("HOME", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("PANCRED_STORE", "file")
            .env("PAN_CREDENTIALS_DBFILE", &self.creds)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.cmd(args).output().expect("run pancred").into()
    }

    pub fn run_with_input(&self, args: &[&str], input: &str) -> Run {
        let mut c = self.cmd(args);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().expect("spawn pancred");
        // The command may stop reading early (it failed before asking): a closed pipe is fine.
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child.wait_with_output().unwrap().into()
    }

    /// Runs pancloud 1.5.1's Python with this sandbox's HOME and file; None when the peer is absent.
    pub fn python(&self, script: &str) -> Option<Run> {
        let py = external("PANCRED_TEST_PYTHON")?;
        let out = Command::new(py)
            .arg("-c")
            .arg(script)
            .env("HOME", &self.home)
            .env("PAN_CREDENTIALS_DBFILE", &self.creds)
            .env_remove("PAN_ACCESS_TOKEN")
            .env_remove("PAN_CLIENT_ID")
            .env_remove("PAN_CLIENT_SECRET")
            .env_remove("PAN_REFRESH_TOKEN")
            .env_remove("PAN_DEVELOPER_TOKEN")
            .output()
            .expect("run python");
        Some(out.into())
    }
}

/// An unsigned JWT with these claims (pancred never checks signatures, like pancloud).
pub fn jwt(claims: &serde_json::Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    format!(
        "{}.{}.c2ln",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Whether a program the test needs is installed (tests/run.sh installs them all: there, a missing
/// one fails the test; run alone, the test is skipped with a message).
pub fn have_program(name: &str) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var("PANCRED_REQUIRE_ALL").is_ok() {
            panic!("{name} is not installed: tests/run.sh installs it");
        }
        eprintln!("skipping: {name} is not installed (run tests/run.sh for the whole suite)");
    }
    found
}
