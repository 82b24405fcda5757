//! pancred as kubectl's exec credential plugin: the real kubectl calls it against a small TLS
//! API-server stand-in (tests/kube_support/apiserver.py) that checks the bearer token.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::kube::{api_server, ApiServer};
use common::oidc::{basic_client, stored, Oidc, WEB_REDIRECT};
use common::{bin, have_program, jwt, now, Run, Sandbox};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A kubeconfig whose user runs `pancred --profile PROFILE kubectl-credential`.
fn kubeconfig(dir: &Path, api: &ApiServer, profile: &str, api_version: &str) -> PathBuf {
    kubeconfig_running(bin(), dir, api, profile, api_version)
}

fn kubeconfig_running(
    program: &str,
    dir: &Path,
    api: &ApiServer,
    profile: &str,
    api_version: &str,
) -> PathBuf {
    let config = json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "stub", "cluster": {
            "server": format!("https://127.0.0.1:{}", api.port),
            "certificate-authority": api.ca,
        }}],
        "users": [{"name": "pancred", "user": {"exec": {
            "apiVersion": api_version,
            "command": program,
            "args": ["--profile", profile, "kubectl-credential"],
            "interactiveMode": "Never",
        }}}],
        "contexts": [{"name": "stub", "context": {"cluster": "stub", "user": "pancred"}}],
        "current-context": "stub",
    });
    let path = dir.join(format!(
        "kubeconfig-{}",
        api_version.rsplit('/').next().unwrap()
    ));
    std::fs::write(&path, config.to_string()).unwrap();
    path
}

fn kubectl(sb: &Sandbox, config: &Path) -> Run {
    sb.program("kubectl")
        .arg("--kubeconfig")
        .arg(config)
        .args(["get", "--raw", "/api/v1/namespaces/default/pods"])
        .output()
        .expect("run kubectl")
        .into()
}

/// kubectl 1.22 and later speak client.authentication.k8s.io/v1; Debian's 1.20 only v1beta1.
fn kubectl_speaks_v1() -> bool {
    let out = Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let minor = v["clientVersion"]["minor"]
        .as_str()
        .and_then(|m| m.trim_end_matches('+').parse::<u32>().ok());
    minor.is_some_and(|m| m >= 22)
}

#[test]
fn kubectl_gets_the_token_from_pancred() {
    if !(have_program("kubectl") && have_program("openssl") && have_program("python3")) {
        return;
    }
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let doc = oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    let token = doc["access_token"].as_str().unwrap().to_string();
    let api = api_server(sb.path());
    std::fs::write(&api.token_file, &token).unwrap();
    let mut versions = vec!["client.authentication.k8s.io/v1beta1"];
    if kubectl_speaks_v1() {
        versions.push("client.authentication.k8s.io/v1");
    }
    for version in versions {
        let config = kubeconfig(sb.path(), &api, "idp", version);
        let r = kubectl(&sb, &config);
        assert_eq!(r.code, 0, "{version}: {}", r.all());
        assert!(r.stdout.contains("pancred-stub-ok"), "{}", r.stdout);
    }
    let seen = std::fs::read_to_string(&api.seen_file).unwrap();
    assert!(seen.lines().all(|l| l == token), "{seen}");

    // The stub refuses another token: kubectl fails, so the check above was real.
    std::fs::write(&api.token_file, "some-other-token").unwrap();
    let config = kubeconfig(
        sb.path(),
        &api,
        "idp",
        "client.authentication.k8s.io/v1beta1",
    );
    let r = kubectl(&sb, &config);
    assert_ne!(r.code, 0, "{}", r.all());
    assert_eq!(oidc.refreshes(), 0);
    assert_eq!(stored(&sb, "idp")["access_token"], json!(token));
}

#[test]
fn the_answer_is_an_exec_credential_of_the_asked_version() {
    let sb = Sandbox::new();
    let exp = now() + 3600;
    let token = jwt(&json!({"exp": exp}));
    common::oidc::init(
        &sb,
        &json!({"profile": "k", "dialect": "oauth2", "client_id": "c", "access_token": token}),
    );
    for version in [
        "client.authentication.k8s.io/v1beta1",
        "client.authentication.k8s.io/v1",
    ] {
        let info = json!({"apiVersion": version, "kind": "ExecCredential",
                          "spec": {"interactive": false}});
        let r: Run = sb
            .cmd(&["--profile", "k", "kubectl-credential"])
            .env("KUBERNETES_EXEC_INFO", info.to_string())
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 0, "{}", r.all());
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["apiVersion"], version);
        assert_eq!(v["kind"], "ExecCredential");
        assert_eq!(v["status"]["token"], json!(token));
        let ts = v["status"]["expirationTimestamp"].as_str().unwrap();
        assert_eq!(ts, pancred::clock::rfc3339_utc(exp));
        assert!(ts.ends_with('Z') && ts.contains('T'));
    }
    let r: Run = sb
        .cmd(&["--profile", "k", "kubectl-credential"])
        .env(
            "KUBERNETES_EXEC_INFO",
            r#"{"apiVersion":"client.authentication.k8s.io/v9"}"#,
        )
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.is_empty());
}

#[test]
fn an_expiry_past_year_9999_is_still_a_timestamp_kubectl_reads() {
    if !(have_program("kubectl") && have_program("openssl") && have_program("python3")) {
        return;
    }
    let sb = Sandbox::new();
    // Year 11476: a provider's "never expires", or a bad clock.
    let token = jwt(&json!({"exp": 300_000_000_000_i64}));
    common::oidc::init(
        &sb,
        &json!({"profile": "far", "dialect": "oauth2", "client_id": "c", "access_token": token}),
    );
    let api = api_server(sb.path());
    std::fs::write(&api.token_file, &token).unwrap();
    let version = if kubectl_speaks_v1() {
        "client.authentication.k8s.io/v1"
    } else {
        "client.authentication.k8s.io/v1beta1"
    };
    for program in [bin(), env!("CARGO_BIN_EXE_pancred-full")] {
        let config = kubeconfig_running(program, sb.path(), &api, "far", version);
        let r = kubectl(&sb, &config);
        assert_eq!(r.code, 0, "{program}: {}", r.all());
        assert!(r.stdout.contains("pancred-stub-ok"), "{}", r.stdout);
        let r: Run = sb
            .program(program)
            .args(["--profile", "far", "kubectl-credential"])
            .output()
            .unwrap()
            .into();
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["status"]["expirationTimestamp"], "9999-12-31T23:59:59Z");
    }
}
