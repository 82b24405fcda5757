//! `pancred doctor` for the tests: a healthy setup on the sandbox provider, and the report as JSON.
#![allow(clippy::disallowed_methods)] // (the tests' set-ups write their own files)

use super::{Run, Sandbox};
use pancred::sandbox::{demo, Sandbox as Provider, SandboxConfig, SandboxHandle};
use serde_json::{json, Value};
use std::process::Command;

pub const REFRESH: &str = "rt-doctor-never-shown-1234";

pub fn provider() -> SandboxHandle {
    Provider::start(SandboxConfig::default()).expect("start the sandbox")
}

/// A sandbox with one profile on the sandbox provider, in a 0600 file store, and a git
/// configuration of its own.
pub fn healthy(provider: &SandboxHandle) -> Sandbox {
    let sb = Sandbox::new();
    let f = sb.path().join("p.json");
    let fields = json!({"profile": "default", "dialect": "oauth2", "issuer": provider.url(""),
        "client_id": demo::OAUTH2_CLIENT, "refresh_token": REFRESH});
    std::fs::write(&f, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
    std::fs::write(sb.path().join("gitconfig"), "").unwrap();
    sb
}

pub fn doctor_cmd(sb: &Sandbox, program: &str) -> Command {
    let mut c = sb.program(program);
    c.current_dir(sb.path())
        .env("GIT_CONFIG_GLOBAL", sb.path().join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("KUBECONFIG", sb.path().join("kubeconfig"));
    c
}

/// Runs `cmd` (ending in `doctor --json`) and returns the run and its checks by name.
pub fn report(mut cmd: Command) -> (Run, Value) {
    let run: Run = cmd.output().expect("run pancred doctor").into();
    assert!(
        !run.all().contains(REFRESH),
        "a secret was printed:\n{}",
        run.all()
    );
    let list: Vec<Value> = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", run.all()));
    let mut by_name = serde_json::Map::new();
    for c in list {
        assert!(
            ["ok", "warn", "fail", "skip"].contains(&c["status"].as_str().unwrap()),
            "{c}"
        );
        if matches!(c["status"].as_str(), Some("warn" | "fail")) {
            assert!(
                c["fix"].as_str().is_some_and(|f| !f.is_empty()),
                "a problem without a fix: {c}"
            );
        }
        by_name.insert(c["check"].as_str().unwrap().to_string(), c);
    }
    (run, Value::Object(by_name))
}

pub fn doctor(sb: &Sandbox) -> Command {
    let mut c = doctor_cmd(sb, super::bin());
    c.args(["doctor", "--json"]);
    c
}

pub fn status(checks: &Value, name: &str) -> String {
    checks[name]["status"]
        .as_str()
        .unwrap_or("missing")
        .to_string()
}
