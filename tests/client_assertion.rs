//! Client authentication by a signed JWT (RFC 7523 §2.2, OpenID Connect Core §9) against a real
//! provider (oidc-provider): `private_key_jwt` with RSA, EC and Ed25519 keys made by openssl, and
//! `client_secret_jwt`. Login, refresh with rotation, revoke and the burst; the provider's
//! refusal of a key it does not know; a missing key file and an algorithm the provider does not
//! list found before anything is sent.
#![cfg(all(feature = "cli", unix))]
#![allow(clippy::disallowed_methods)] // a test sets up files as it needs

mod common;

use common::doctor::{doctor, report};
use common::machine::{keygen, start_with_keys, KeyType};
use common::oidc::{expire_token, init, stored, Oidc, SCOPE, WEB_REDIRECT};
use common::{Run, Sandbox};
use serde_json::{json, Value};
use std::process::Stdio;

fn doctor_of(sb: &Sandbox, profile: &str) -> std::process::Command {
    let mut c = doctor(sb);
    c.env("PANCRED_PROFILE", profile);
    c
}

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

/// `name` logged in through `key-client` (authorization code + PKCE), authenticated by `key`.
fn login(oidc: &Oidc, sb: &Sandbox, name: &str, key: &std::path::Path) -> Value {
    let mut p = oidc.key_profile(name, "key-client", key);
    p["redirect_uri"] = json!(WEB_REDIRECT);
    p["scope"] = json!(SCOPE);
    init(sb, &p);
    let r = sb.run(&["--profile", name, "auth-url"]);
    ok(&r);
    let (code, _) = oidc.authorize(r.stdout.trim(), WEB_REDIRECT);
    ok(&sb.run(&["--profile", name, "exchange", "--code", &code]));
    stored(sb, name)
}

#[test]
fn private_key_jwt_logs_in_refreshes_with_rotation_and_revokes() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "rsa-1", KeyType::Rsa);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    let first = login(&oidc, &sb, "k", &key);
    assert!(first["refresh_token"].is_string(), "{first}");
    assert_eq!(oidc.count("code"), 1);
    // The profile holds no secret: the key file is the client's credential.
    assert!(first.get("client_secret").is_none(), "{first}");

    ok(&sb.run(&["--profile", "k", "refresh"]));
    let second = stored(&sb, "k");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(oidc.refreshes(), 1);

    // The rotated-out refresh token is refused (the provider saw it used).
    let mut old = second.clone();
    old["profile"] = json!("old");
    old["refresh_token"] = first["refresh_token"].clone();
    old.as_object_mut().unwrap().remove("expires_at");
    init(&sb, &old);
    let r = sb.run(&["--profile", "old", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);

    // Revoke (the client authenticates there with its key too): the grant ends.
    let r = sb.run(&["--profile", "k", "revoke", "--refresh-token"]);
    ok(&r);
    assert!(stored(&sb, "k").get("refresh_token").is_none());
    let mut copy = second.clone();
    copy["profile"] = json!("copy");
    copy.as_object_mut().unwrap().remove("expires_at");
    init(&sb, &copy);
    let r = sb.run(&["--profile", "copy", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
}

#[test]
fn a_burst_of_token_processes_on_an_expired_token_makes_one_refresh() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "ec-1", KeyType::EcSec1);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    login(&oidc, &sb, "k", &key);
    expire_token(&sb, "k");
    let before = oidc.token_requests();
    oidc.set_token_delay(500);
    let children: Vec<_> = (0..24)
        .map(|_| {
            sb.cmd(&["--profile", "k", "token"])
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
    assert_eq!(oidc.refreshes(), 1, "{}", oidc.counts());
    assert_eq!(oidc.token_requests() - before, 1, "{}", oidc.counts());
    assert_eq!(
        stored(&sb, "k")["access_token"],
        json!(runs[0].stdout.trim())
    );
}

#[test]
fn a_key_the_provider_does_not_know_is_refused_with_its_error_and_nothing_stored() {
    let sb = Sandbox::new();
    let known = keygen(sb.path(), "known", KeyType::Ed25519);
    let stranger = keygen(sb.path(), "stranger", KeyType::Ed25519);
    let Some(oidc) = start_with_keys(&[&known], &[]) else {
        return;
    };
    let mut p = oidc.key_profile("svc", "key-service", &known);
    p["grant"] = json!("client_credentials");
    init(&sb, &p);
    let r = sb.run(&["--profile", "svc", "token"]);
    ok(&r);
    assert_eq!(oidc.count("client_credentials"), 1);

    // Same kid, another key.
    init(
        &sb,
        &json!({"profile": "svc", "client_key_file": stranger.to_str().unwrap(), "access_token": ""}),
    );
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
    assert!(!r.all().contains("PRIVATE KEY"));
}

#[test]
fn a_missing_or_exposed_key_file_is_named_before_anything_is_sent() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "ed", KeyType::Ed25519);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    // `init` checks the file it is given.
    let gone = sb.path().join("gone.pem");
    let mut p = oidc.key_profile("svc", "key-service", &gone);
    p["grant"] = json!("client_credentials");
    let f = sb.path().join("init.json");
    std::fs::write(&f, p.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("gone.pem") && r.stderr.contains("no such file"),
        "{}",
        r.stderr
    );

    // A key that went away after `init`.
    let moved = sb.path().join("moved.pem");
    std::fs::copy(&key, &moved).unwrap();
    let mut p = oidc.key_profile("svc", "key-service", &moved);
    p["grant"] = json!("client_credentials");
    init(&sb, &p);
    std::fs::remove_file(&moved).unwrap();
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("moved.pem") && r.stderr.contains("client_key_file"),
        "{}",
        r.stderr
    );

    // A key file others can read is refused, with the fix; `doctor` says so too.
    std::fs::copy(&key, &moved).unwrap();
    std::fs::set_permissions(&moved, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    let (_, checks) = report(doctor_of(&sb, "svc"));
    assert_eq!(checks["client-key"]["status"], "fail", "{checks}");
    assert!(checks["client-key"]["detail"]
        .as_str()
        .unwrap()
        .contains("chmod 600"));
    std::fs::set_permissions(&moved, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let (_, checks) = report(doctor_of(&sb, "svc"));
    assert_eq!(checks["client-key"]["status"], "ok", "{checks}");
    assert!(checks["client-key"]["detail"]
        .as_str()
        .unwrap()
        .contains("EdDSA"));
    std::fs::remove_file(&moved).unwrap();
    assert_eq!(oidc.token_requests(), 0);
    // No key file at all: named as the missing part (exit 3, as for a missing client_secret).
    init(&sb, &json!({"profile": "svc", "client_key_file": ""}));
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(r.stderr.contains("client_key_file"), "{}", r.stderr);
}

#[test]
fn an_algorithm_the_provider_does_not_list_is_named_with_the_ones_it_lists() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "ed", KeyType::Ed25519);
    let Some(oidc) = start_with_keys(&[&key], &[("PROVIDER_CLIENT_AUTH_ALGS", "RS256,PS256")])
    else {
        return;
    };
    let mut p = oidc.key_profile("svc", "key-service", &key);
    p["grant"] = json!("client_credentials");
    init(&sb, &p);
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("EdDSA") && r.stderr.contains("RS256, PS256"),
        "{}",
        r.stderr
    );
    assert_eq!(oidc.token_requests(), 0);
}

#[test]
fn client_secret_jwt_gets_tokens_and_a_wrong_secret_is_refused() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    let secret = "hmac-service-secret-0123456789abcdef0123456789abcdef";
    init(
        &sb,
        &json!({
            "profile": "h", "dialect": "oauth2", "issuer": oidc.issuer, "grant": "client_credentials",
            "client_id": "hmac-service", "client_secret": secret, "client_auth": "client_secret_jwt",
        }),
    );
    let r = sb.run(&["--profile", "h", "token"]);
    ok(&r);
    assert_eq!(oidc.count("client_credentials"), 1);
    ok(&sb.run(&["--profile", "h", "token"]));
    assert_eq!(
        oidc.count("client_credentials"),
        1,
        "the cached token is re-used"
    );

    init(
        &sb,
        &json!({"profile": "h", "client_secret": "not-the-secret-0123456789abcdef0123456789", "access_token": ""}),
    );
    let r = sb.run(&["--profile", "h", "token"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert!(!r.all().contains("not-the-secret"));
}

#[test]
fn a_key_kept_with_the_profiles_secrets_works_and_the_file_store_warns() {
    let sb = Sandbox::new();
    let key = keygen(sb.path(), "kept", KeyType::EcSec1);
    let Some(oidc) = start_with_keys(&[&key], &[]) else {
        return;
    };
    let pem = std::fs::read_to_string(&key).unwrap();
    let mut p = oidc.key_profile("svc", "key-service", &key);
    p.as_object_mut().unwrap().remove("client_key_file");
    p["client_key"] = json!(pem);
    p["grant"] = json!("client_credentials");
    let f = sb.path().join("init.json");
    std::fs::write(&f, p.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    ok(&r);
    assert!(
        r.stderr.contains("warning") && r.stderr.contains("client_key"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("PRIVATE KEY"), "{}", r.all());
    let r = sb.run(&["--profile", "svc", "token"]);
    ok(&r);
    assert_eq!(oidc.count("client_credentials"), 1);
    let r = sb.run(&["--profile", "svc", "show", "--json"]);
    assert!(!r.all().contains("PRIVATE KEY"), "{}", r.all());

    // What is not a key is refused when it is set.
    std::fs::write(
        &f,
        json!({"profile": "svc", "client_key": "hello"}).to_string(),
    )
    .unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("client_key: no private key"),
        "{}",
        r.stderr
    );
}
