//! pancred as git's credential helper, driven by the real `git credential fill` / `reject`
//! against a real provider (oidc-provider): a fresh token as the password with its expiry, a
//! rejected token replaced once however many gits ask, and `git_hosts`.
#![cfg(feature = "cli")]

mod common;

use common::oidc::{basic_client, init, stored, Oidc, WEB_REDIRECT};
use common::{bin, have_program, Run, Sandbox};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;
use std::process::{Child, Stdio};

/// `git credential OP` with pancred (and only pancred) as the helper: `!pancred HELPER_ARGS`, to
/// which git adds its operation.
fn git(sb: &Sandbox, helper_args: &str, op: &str, input: &str) -> Child {
    let mut c = sb.program("git");
    c.args([
        "-c",
        "credential.helper=",
        "-c",
        &format!("credential.helper=!{} {helper_args}", bin()),
        "credential",
        op,
    ])
    .env("GIT_CONFIG_NOSYSTEM", "1")
    .env("GIT_TERMINAL_PROMPT", "0")
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run git");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child
}

fn finish(child: Child) -> Run {
    child.wait_with_output().unwrap().into()
}

fn fill(sb: &Sandbox, helper_args: &str, host: &str) -> Run {
    finish(git(
        sb,
        helper_args,
        "fill",
        &format!("protocol=https\nhost={host}\n\n"),
    ))
}

fn attrs(r: &Run) -> HashMap<String, String> {
    r.stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn reject(sb: &Sandbox, helper_args: &str, password: &str) -> Run {
    finish(git(
        sb,
        helper_args,
        "reject",
        &format!("protocol=https\nhost=git.example\nusername=oauth2\npassword={password}\n\n"),
    ))
}

#[test]
fn fill_gives_a_fresh_token_and_reject_makes_concurrent_fills_refresh_once() {
    if !have_program("git") {
        return;
    }
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let doc = oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    let first = doc["access_token"].as_str().unwrap().to_string();
    let helper = "--profile idp git-credential";

    let r = fill(&sb, helper, "git.example");
    assert_eq!(r.code, 0, "{}", r.all());
    let a = attrs(&r);
    assert_eq!(a["username"], "oauth2");
    assert_eq!(a["password"], first);
    assert_eq!(a["password_expiry_utc"], doc["expires_at"].to_string());
    assert_eq!(oidc.refreshes(), 0, "a valid token needs no refresh");

    // The server refused it: git erases it, and the next gets share one refresh.
    let r = reject(&sb, helper, &first);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(stored(&sb, "idp").get("access_token").is_none());
    oidc.set_token_delay(300);
    let gits: Vec<Child> = (0..8)
        .map(|_| git(&sb, helper, "fill", "protocol=https\nhost=git.example\n\n"))
        .collect();
    let runs: Vec<Run> = gits.into_iter().map(finish).collect();
    let passwords: Vec<String> = runs
        .iter()
        .map(|r| {
            assert_eq!(r.code, 0, "{}", r.all());
            attrs(r)["password"].clone()
        })
        .collect();
    assert!(passwords.iter().all(|p| p == &passwords[0]));
    assert_ne!(passwords[0], first);
    assert_eq!(oidc.refreshes(), 1, "{}", oidc.counts());

    // A late reject of the old token leaves the new one alone.
    oidc.set_token_delay(0);
    let r = reject(&sb, helper, &first);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(stored(&sb, "idp")["access_token"], json!(passwords[0]));
    let r = fill(&sb, helper, "git.example");
    assert_eq!(attrs(&r)["password"], passwords[0]);
    assert_eq!(oidc.refreshes(), 1);
}

#[test]
fn git_hosts_and_username() {
    if !have_program("git") {
        return;
    }
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    init(
        &sb,
        &json!({"profile": "idp", "git_hosts": ["git.example"]}),
    );
    let helper = "--profile idp git-credential";
    let with_user = format!("{helper} --username x-access-token");

    // Another host: the helper stays silent, and git (without a terminal) has nothing.
    let r = fill(&sb, helper, "other.example");
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains("password="), "{}", r.stdout);

    // The listed host on another port than https's.
    let r = fill(&sb, helper, "git.example:8443");
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains("password="), "{}", r.stdout);

    let r = fill(&sb, &with_user, "git.example:443");
    assert_eq!(r.code, 0, "{}", r.all());
    let a = attrs(&r);
    assert_eq!(a["username"], "x-access-token");
    assert_eq!(
        Value::from(a["password"].clone()),
        stored(&sb, "idp")["access_token"]
    );
}
