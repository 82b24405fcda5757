//! `pancred exec --serve` set-ups: a provider with short-lived tokens, a profile holding a grant
//! there, and another local account.

use super::Sandbox;
use pancred::sandbox::{demo, memory_sink, Sandbox as Provider, SandboxConfig, SandboxHandle};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

pub struct Setup {
    pub sb: Sandbox,
    pub provider: SandboxHandle,
    log: Arc<Mutex<Vec<String>>>,
    pub refresh_token: String,
    pub runtime: PathBuf,
}

/// A provider issuing `lifetime`-second access tokens, and a profile `s` holding a grant there.
pub fn setup(lifetime: i64) -> Setup {
    let (sink, log) = memory_sink();
    let provider = Provider::start(SandboxConfig {
        token_lifetime: lifetime,
        log: Some(sink),
        ..Default::default()
    })
    .expect("start the sandbox");
    let sb = Sandbox::new();
    let t = provider
        .issue_tokens(demo::OAUTH2_CLIENT, None, lifetime)
        .unwrap();
    let refresh_token = t.refresh_token.as_ref().unwrap().expose().to_string();
    let profile = json!({
        "profile": "s", "dialect": "oauth2", "issuer": provider.base_url(),
        "client_id": demo::OAUTH2_CLIENT, "client_secret": demo::OAUTH2_SECRET,
        "refresh_token": refresh_token, "access_token": t.access_token.expose(),
    });
    super::oidc::init(&sb, &profile);
    let runtime = sb.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    set_mode(&runtime, 0o700);
    Setup {
        sb,
        provider,
        log,
        refresh_token,
        runtime,
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl Setup {
    pub fn refreshes(&self) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("grant=refresh_token") && l.contains("-> 200"))
            .count()
    }

    /// `pancred --profile s --leeway 1 exec --serve [extra] -- sh -c SCRIPT`, with `pancred` on
    /// the command's PATH.
    pub fn serve(&self, extra: &[&str], script: &str) -> Command {
        let mut args = vec!["--profile", "s", "--leeway", "1", "exec", "--serve"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "sh", "-c", script]);
        let mut c = self.sb.cmd(&args);
        let bindir = Path::new(super::bin()).parent().unwrap();
        c.env(
            "PATH",
            format!("{}:{}", bindir.display(), std::env::var("PATH").unwrap()),
        )
        .env("XDG_RUNTIME_DIR", &self.runtime);
        c
    }
}

/// A second local account for the tests that need another user (made once; root only).
pub fn other_user() -> Option<&'static str> {
    const NAME: &str = "pancredtest";
    if !nix_is_root() {
        assert!(
            std::env::var_os("PANCRED_REQUIRE_ALL").is_none(),
            "another user is needed: run the tests as root"
        );
        return None;
    }
    let exists = Command::new("id")
        .arg(NAME)
        .output()
        .unwrap()
        .status
        .success();
    if !exists {
        let _ = Command::new("useradd")
            .args(["-m", "-s", "/bin/sh", NAME])
            .status();
    }
    // A usable account for key logins (no password, not locked).
    let _ = Command::new("usermod").args(["-p", "*", NAME]).status();
    Some(NAME)
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
