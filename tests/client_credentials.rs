//! The client_credentials grant (RFC 6749 4.4) against a real provider (oidc-provider): tokens
//! from the client's own credentials through the refresh path's lock and single flight, and no
//! login for such a profile.
#![cfg(feature = "cli")]

mod common;

use common::oidc::{init, stored, Oidc};
use common::{Run, Sandbox};
use serde_json::Value;
use std::process::Stdio;

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn burst_of_32_token_processes_makes_one_client_credentials_grant() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.service_profile("svc"));
    // A slow token endpoint keeps the first grant in flight while the others wait on the lock.
    oidc.set_token_delay(500);
    let children: Vec<_> = (0..32)
        .map(|_| {
            sb.cmd(&["--profile", "svc", "token"])
                .env("PANCRED_LOCK_TIMEOUT", "120")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    for r in &runs {
        assert_eq!(r.code, 0, "{}", r.all());
    }
    let first = runs[0].stdout.clone();
    assert!(runs.iter().all(|r| r.stdout == first), "different tokens");
    let token = first.trim();
    let c = claims(token);
    assert_eq!(c["client_id"], "service-client");
    assert!(c["exp"].as_i64().unwrap() > common::now() + 600);
    assert_eq!(oidc.count("client_credentials"), 1, "{}", oidc.counts());
    let doc = stored(&sb, "svc");
    assert_eq!(doc["access_token"], Value::from(token));
    assert!(doc.get("refresh_token").is_none(), "{doc}");

    // `refresh` asks for a new one now.
    oidc.set_token_delay(0);
    let r = sb.run(&["--profile", "svc", "refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(oidc.count("client_credentials"), 2);
    assert_ne!(stored(&sb, "svc")["access_token"], Value::from(token));
}

#[test]
fn a_wrong_client_secret_is_refused_and_nothing_is_stored() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let mut p = oidc.service_profile("svc");
    p["client_secret"] = Value::from("not-the-secret");
    init(&sb, &p);
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[test]
fn login_and_auth_url_say_no_login_is_needed() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.service_profile("svc"));
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "svc", "login", "--no-browser"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("needs no login"), "{}", r.stderr);
    assert!(r.stderr.contains("pancred token"), "{}", r.stderr);
    let r = sb.run(&["--profile", "svc", "auth-url"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stdout.is_empty(), "no URL: {}", r.stdout);
    assert!(r.stderr.contains("needs no login"), "{}", r.stderr);
    let r = sb.run(&["--profile", "svc", "exchange", "--code", "abc"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
    assert_eq!(oidc.counts()["token_requests"], 0);
    // `show` names the grant.
    let r = sb.run(&["--profile", "svc", "show", "--json"]);
    assert!(r.stdout.contains("client_credentials"), "{}", r.stdout);
}
