//! Ctrl-C and SIGTERM while a refresh is in flight: once the request has reached the provider
//! (which rotates refresh tokens and revokes the grant when a spent one comes back), pancred
//! finishes the refresh and stores it before it ends; a second interrupt ends it at once and
//! says what is lost. The provider holds its answer after serving it (an answer in transit).
#![cfg(feature = "cli")]

mod common;

use common::oidc::{basic_client, expire_token, Oidc, WEB_REDIRECT};
use common::Sandbox;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn setup() -> Option<(Oidc, Sandbox)> {
    let oidc = Oidc::start()?;
    let sb = Sandbox::new();
    oidc.login(&sb, "svc", &basic_client(), WEB_REDIRECT);
    expire_token(&sb, "svc");
    Some((oidc, sb))
}

fn count(oidc: &Oidc, key: &str) -> u64 {
    oidc.counts()[key].as_u64().unwrap()
}

/// Waits until the provider has served a refresh beyond `before` (the old token is spent).
fn wait_for_rotation(oidc: &Oidc, before: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(oidc, "refresh") == before {
        assert!(
            Instant::now() < deadline,
            "the refresh never reached the provider"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok);
}

fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The grant is alive: a refresh succeeds and the provider never saw a spent token.
fn grant_alive(oidc: &Oidc, sb: &Sandbox) {
    let r = sb.run(&["refresh", "--profile", "svc"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(count(oidc, "refresh_errors"), 0, "{}", oidc.counts());
}

#[test]
fn ctrl_c_after_the_request_went_out_finishes_and_stores_the_refresh() {
    let Some((oidc, sb)) = setup() else {
        return;
    };
    for sig in ["INT", "TERM", "HUP"] {
        expire_token(&sb, "svc");
        let before = count(&oidc, "refresh");
        oidc.set_answer_delay(1500);
        let child = spawn(&mut sb.cmd(&["token", "--profile", "svc"]));
        wait_for_rotation(&oidc, before);
        signal(&child, sig);
        let out = child.wait_with_output().unwrap();
        oidc.set_answer_delay(0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{sig}: {stderr}");
        assert!(
            stderr.contains("finishing the refresh of 'svc'"),
            "{sig}: {stderr}"
        );
        let token = String::from_utf8_lossy(&out.stdout);
        assert!(pancred::jwt::claims(token.trim()).is_some(), "{token}");
        grant_alive(&oidc, &sb);
    }
}

#[test]
fn timeout_1_pancred_token_still_stores_the_rotated_token() {
    let Some((oidc, sb)) = setup() else {
        return;
    };
    let before = count(&oidc, "refresh");
    oidc.set_answer_delay(2500);
    let cmd = sb.cmd(&["token", "--profile", "svc"]);
    let program = cmd.get_program().to_owned();
    let mut timed = Command::new("timeout");
    timed.arg("1").arg(program).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let out = timed.stdin(Stdio::null()).output().unwrap();
    oidc.set_answer_delay(0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "timed out: {stderr}");
    assert!(stderr.contains("finishing the refresh"), "{stderr}");
    assert_eq!(count(&oidc, "refresh"), before + 1);
    grant_alive(&oidc, &sb);
}

#[test]
fn a_second_interrupt_quits_at_once_and_says_what_is_lost() {
    let Some((oidc, sb)) = setup() else {
        return;
    };
    let before = count(&oidc, "refresh");
    oidc.set_answer_delay(20_000);
    let child = spawn(&mut sb.cmd(&["token", "--profile", "svc"]));
    wait_for_rotation(&oidc, before);
    signal(&child, "INT");
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    signal(&child, "INT");
    let out = child.wait_with_output().unwrap();
    oidc.set_answer_delay(0);
    assert!(start.elapsed() < Duration::from_secs(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("is lost"), "{stderr}");
    assert!(stderr.contains("pancred login"), "{stderr}");
    assert!(out.stdout.is_empty());
}
