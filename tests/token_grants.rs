//! The grants where a machine presents a token it holds, against a real provider (oidc-provider
//! with both grants registered through its grant-type API): token exchange (RFC 8693) and the
//! JWT bearer grant (RFC 7523 §2.1). The presented token comes from a file, a command, or GitHub
//! Actions' OIDC service, read again for each request; the result is cached like any token, and a
//! burst of processes on an expired one makes one exchange.
#![cfg(all(feature = "cli", unix))]

mod common;

use common::machine::{keygen, secret_file, start_with_keys, KeyType};
use common::oidc::{expire_token, init, stored, Oidc};
use common::{Run, Sandbox};
use serde_json::{json, Value};
use std::process::Stdio;

const EXCHANGE_TYPE: &str = "urn:ietf:params:oauth:token-type:jwt";

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

/// `n` concurrent `pancred token` processes for `profile`; all must succeed with one token.
fn burst(sb: &Sandbox, profile: &str, n: usize) -> String {
    let children: Vec<_> = (0..n)
        .map(|_| {
            sb.cmd(&["--profile", profile, "token"])
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
        ok(r);
    }
    assert!(
        runs.iter().all(|r| r.stdout == runs[0].stdout),
        "different tokens"
    );
    runs[0].stdout.trim().to_string()
}

fn exchange_profile(oidc: &Oidc, sb: &Sandbox, key: &std::path::Path) -> Value {
    let mut p = oidc.key_profile("x", "key-service", key);
    p["grant"] = json!("token_exchange");
    p["audience"] = json!("https://api.example");
    p["resource"] = json!("urn:pancred:api");
    p["scope"] = json!("api:read");
    let _ = sb;
    p
}

#[test]
fn token_exchange_from_a_file_is_cached_and_made_once_per_expiry_across_processes() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "svc", KeyType::Ed25519);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    let subject = secret_file(&sb, "subject.jwt", &oidc.workload_token("alice", "sts"));
    let mut p = exchange_profile(&oidc, &sb, &key);
    p["subject_token_file"] = json!(subject.to_str().unwrap());
    init(&sb, &p);

    oidc.set_token_delay(500);
    let token = burst(&sb, "x", 16);
    assert_eq!(oidc.count("token_exchange"), 1, "{}", oidc.counts());
    assert_eq!(oidc.token_requests(), 1);
    let sent = oidc.last_grant();
    assert_eq!(sent["sub"], "alice");
    assert_eq!(sent["subject_token_type"], EXCHANGE_TYPE);
    assert_eq!(sent["audience"], "https://api.example");
    assert_eq!(sent["resource"], "urn:pancred:api");
    assert_eq!(sent["scope"], "api:read");
    assert_eq!(sent["client"], "key-service");
    assert_eq!(stored(&sb, "x")["access_token"], json!(token));
    assert!(stored(&sb, "x")["expires_at"].as_i64().unwrap() > common::now() + 600);

    // Cached: no second exchange.
    oidc.set_token_delay(0);
    ok(&sb.run(&["--profile", "x", "token"]));
    assert_eq!(oidc.count("token_exchange"), 1);

    // The subject token rotates under the profile; the next expiry exchanges the new one, once.
    secret_file(&sb, "subject.jwt", &oidc.workload_token("alice-2", "sts"));
    expire_token(&sb, "x");
    oidc.set_token_delay(500);
    let second = burst(&sb, "x", 8);
    assert_ne!(second, token);
    assert_eq!(oidc.count("token_exchange"), 2, "{}", oidc.counts());
    assert_eq!(oidc.last_grant()["sub"], "alice-2");
}

#[test]
fn jwt_bearer_from_a_command_is_cached_and_made_once_per_expiry() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "svc", KeyType::Rsa);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    let assertion = secret_file(
        &sb,
        "assertion.jwt",
        &oidc.workload_token("robot", &oidc.issuer),
    );
    let mut p = oidc.key_profile("b", "key-service", &key);
    p["grant"] = json!("jwt_bearer");
    p["assertion_command"] = json!(format!("cat '{}'", assertion.display()));
    init(&sb, &p);

    oidc.set_token_delay(500);
    let token = burst(&sb, "b", 16);
    assert_eq!(oidc.count("jwt_bearer"), 1, "{}", oidc.counts());
    assert_eq!(oidc.last_grant()["sub"], "robot");
    oidc.set_token_delay(0);
    let r = sb.run(&["--profile", "b", "token"]);
    ok(&r);
    assert_eq!(r.stdout.trim(), token);
    assert_eq!(oidc.count("jwt_bearer"), 1, "cached");
    expire_token(&sb, "b");
    ok(&sb.run(&["--profile", "b", "token"]));
    assert_eq!(oidc.count("jwt_bearer"), 2);

    // `login` has nothing to do for such a profile.
    let r = sb.run(&["--profile", "b", "login", "--no-browser"]);
    ok(&r);
    assert!(
        r.stderr.contains("jwt_bearer grant: it needs no login"),
        "{}",
        r.stderr
    );
    // A failing command is named, with its last words; nothing is sent.
    let before = oidc.token_requests();
    init(
        &sb,
        &json!({"profile": "b", "assertion_command": "echo 'no projected token' >&2; exit 1", "access_token": ""}),
    );
    let r = sb.run(&["--profile", "b", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("assertion_command") && r.stderr.contains("no projected token"),
        "{}",
        r.stderr
    );
    assert_eq!(oidc.token_requests(), before);
}

#[test]
fn token_exchange_of_a_github_actions_id_token() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    init(
        &sb,
        &json!({
            "profile": "gha", "dialect": "oauth2", "issuer": oidc.issuer, "grant": "token_exchange",
            "client_id": "hmac-service", "client_auth": "client_secret_jwt",
            "client_secret": "hmac-service-secret-0123456789abcdef0123456789abcdef",
            "audience": "sts.pancred.example",
        }),
    );
    // GitHub's URL already carries a query (api-version): the audience is added to it.
    let url = format!("{}/test/actions-token?api-version=2.0", oidc.origin);
    let run = |request_token: &str| -> Run {
        sb.cmd(&["--profile", "gha", "token"])
            .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
            .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token)
            .output()
            .unwrap()
            .into()
    };
    ok(&run("actions-request-token"));
    let sent = oidc.last_grant();
    assert_eq!(sent["sub"], "repo:pancred/pancred:ref:refs/heads/main");
    assert_eq!(sent["subject_aud"], "sts.pancred.example");
    assert_eq!(sent["client"], "hmac-service");
    assert_eq!(oidc.count("token_exchange"), 1);

    // The service refuses a wrong request token: said, nothing exchanged.
    expire_token(&sb, "gha");
    let r = run("wrong");
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("GitHub Actions"), "{}", r.stderr);
    assert!(!r.all().contains("wrong"), "{}", r.all());
    assert_eq!(oidc.count("token_exchange"), 1);

    // Outside Actions, with no file and no command: the fields to set are named.
    let r = sb.run(&["--profile", "gha", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("subject_token_file") && r.stderr.contains("subject_token_command"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_subject_token_the_provider_does_not_trust_is_refused_with_its_error() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "svc", KeyType::EcSec1);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    let forged = common::jwt(&json!({"iss": "urn:pancred:workload", "sub": "mallory"}));
    let subject = secret_file(&sb, "subject.jwt", &forged);
    let mut p = exchange_profile(&oidc, &sb, &key);
    p["subject_token_file"] = json!(subject.to_str().unwrap());
    init(&sb, &p);
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "x", "token"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
    assert_eq!(oidc.count("token_exchange"), 0);
}
