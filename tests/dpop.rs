//! DPoP (RFC 9449) against a real provider (oidc-provider with `features.dPoP`,
//! tests/js/bound-provider.mjs): the key made once and kept in the store, proofs on login,
//! refresh and revoke, one refresh per expiry across processes, a stolen refresh token useless
//! without the key, and a provider without DPoP refused before anything is sent.
#![cfg(feature = "cli")]

mod common;

use common::dpop::*;
use common::oidc::{expire_token, init, stored, Oidc};
use common::{Run, Sandbox};
use serde_json::json;
use std::process::Stdio;

#[test]
fn dpop_login_refresh_burst_and_revoke() {
    let Some(oidc) = start(false) else { return };
    let sb = Sandbox::new();
    let doc = login(&oidc, &sb, "d");
    let key = doc["dpop_key"]
        .as_str()
        .expect("the key is stored")
        .to_string();
    assert_eq!(doc["token_type"], "DPoP", "{doc}");
    let shown = show(&sb, "d");
    assert_eq!(shown["token_binding"], "dpop", "{shown}");
    assert!(
        !shown.to_string().contains(&key),
        "show never prints the key"
    );
    let text = sb.run(&["--profile", "d", "show"]);
    assert!(text.stdout.contains("token binding"), "{}", text.stdout);
    assert!(!text.all().contains(&key));
    // The provider bound the token to that key: introspection names its thumbprint.
    let token = doc["access_token"].as_str().unwrap().to_string();
    let proof = sb.run(&[
        "--profile",
        "d",
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        "http://x.example/",
    ]);
    assert_eq!(proof.code, 0, "{}", proof.all());
    let jkt = thumbprint(&part(proof.stdout.trim(), 0)["jwk"]);
    let (status, body) = curl_userinfo(&oidc, &token, &{
        let r = sb.run(&[
            "--profile",
            "d",
            "dpop-proof",
            "--method",
            "GET",
            "--url",
            &format!("{}/me", oidc.issuer),
        ]);
        r.stdout.trim().to_string()
    });
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"sub\""), "{body}");
    // Without a proof the bound token is refused as a bearer token.
    let bearer = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H"])
        .arg(format!("Authorization: Bearer {token}"))
        .arg(format!("{}/me", oidc.issuer))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&bearer.stdout), "401");

    // 16 processes on an expired token: one refresh, the same token for all, the rotated
    // refresh token stored, the same key.
    let rt_before = doc["refresh_token"].clone();
    expire_token(&sb, "d");
    oidc.set_token_delay(400);
    let children: Vec<_> = (0..16)
        .map(|_| {
            sb.cmd(&["--profile", "d", "token"])
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
    assert!(
        runs.iter().all(|r| r.stdout == runs[0].stdout),
        "different tokens"
    );
    assert_eq!(oidc.refreshes(), 1, "{}", oidc.counts());
    let after = stored(&sb, "d");
    assert_ne!(after["refresh_token"], rt_before, "rotated");
    assert_eq!(after["dpop_key"].as_str(), Some(key.as_str()), "same key");
    assert_eq!(after["token_type"], "DPoP");
    assert_eq!(after["access_token"].as_str(), Some(runs[0].stdout.trim()));
    oidc.set_token_delay(0);
    // The key has not changed: the new proof has the same thumbprint.
    let again = sb.run(&[
        "--profile",
        "d",
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        "http://x.example/",
    ]);
    assert_eq!(thumbprint(&part(again.stdout.trim(), 0)["jwk"]), jkt);

    // Revocation (with a proof) ends the grant at the provider, and forgets it here.
    let r = sb.run(&["--profile", "d", "revoke"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let gone = stored(&sb, "d");
    assert!(gone.get("refresh_token").is_none(), "{gone}");
    // The revoked refresh token no longer refreshes, even with the key.
    init(
        &sb,
        &json!({"profile": "d", "refresh_token": after["refresh_token"]}),
    );
    let r = sb.run(&["--profile", "d", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
}

#[test]
fn a_refresh_token_copied_without_the_key_is_refused() {
    let Some(oidc) = start(false) else { return };
    let sb = Sandbox::new();
    let doc = login(&oidc, &sb, "owner");
    let rt = doc["refresh_token"].clone();
    // The thief has the refresh token but not the key: a profile of its own makes another
    // key, and one without DPoP sends no proof. The provider refuses both.
    let mut thief = oidc.profile("thief", &native(), REDIRECT);
    thief["dpop"] = json!(true);
    thief["refresh_token"] = rt.clone();
    init(&sb, &thief);
    let r = sb.run(&["--profile", "thief", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert_ne!(stored(&sb, "thief")["dpop_key"], doc["dpop_key"]);
    let mut plain = oidc.profile("plain", &native(), REDIRECT);
    plain["refresh_token"] = rt;
    init(&sb, &plain);
    let r = sb.run(&["--profile", "plain", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    // With the key, the same refresh token works.
    let r = sb.run(&["--profile", "owner", "refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(oidc.refreshes(), 1, "{}", oidc.counts());
}

#[test]
fn client_credentials_burst_makes_one_key_and_one_grant() {
    let Some(oidc) = start(false) else { return };
    let sb = Sandbox::new();
    init(
        &sb,
        &json!({
            "profile": "svc", "dialect": "oauth2", "issuer": oidc.issuer,
            "grant": "client_credentials", "client_id": "dpop-service",
            "client_secret": "dpop-service-secret-0123456789abcdef0123456789",
            "scope": "api:read", "dpop": true,
        }),
    );
    // A burst of processes on a profile with no key yet: the key is made once, under the lock,
    // before the one grant, so the token is bound to the key that is stored.
    oidc.set_token_delay(300);
    let children: Vec<_> = (0..12)
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
    assert!(runs.iter().all(|r| r.stdout == runs[0].stdout), "one token");
    assert_eq!(oidc.count("client_credentials"), 1, "{}", oidc.counts());
    let claims = part(runs[0].stdout.trim(), 1);
    let doc = stored(&sb, "svc");
    let proof = sb.run(&[
        "--profile",
        "svc",
        "dpop-proof",
        "--method",
        "POST",
        "--url",
        "http://x.example/",
        "--no-token",
    ]);
    assert!(part(proof.stdout.trim(), 1).get("ath").is_none());
    assert_eq!(
        claims["cnf"]["jkt"].as_str(),
        Some(thumbprint(&part(proof.stdout.trim(), 0)["jwk"]).as_str()),
        "the JWT access token is bound to the stored key: {claims}"
    );
    assert_eq!(doc["token_type"], "DPoP");
}

#[test]
fn dpop_at_a_provider_without_dpop_is_a_clear_error() {
    let Some(oidc) = Oidc::start_with(&[
        ("PROVIDER_SCRIPT", "bound-provider.mjs"),
        ("PROVIDER_DPOP", "0"),
    ]) else {
        return;
    };
    let sb = Sandbox::new();
    init(
        &sb,
        &json!({
            "profile": "svc", "dialect": "oauth2", "issuer": oidc.issuer,
            "grant": "client_credentials", "client_id": "dpop-service",
            "client_secret": "dpop-service-secret-0123456789abcdef0123456789",
            "scope": "api:read", "dpop": true,
        }),
    );
    let r = sb.run(&["--profile", "svc", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("dpop_signing_alg_values_supported"),
        "{}",
        r.stderr
    );
    assert_eq!(oidc.token_requests(), 0);
}

/// In the keyring store the key is a secret like the tokens: in the Secret Service, never in the
/// settings file.
#[cfg(feature = "keyring")]
#[test]
fn the_key_lives_in_the_secret_service() {
    if !common::keyring::secret_service() {
        return;
    }
    let Some(oidc) = start(false) else { return };
    let sb = Sandbox::new();
    let name = format!("dpop-{}", uuid::Uuid::new_v4().simple());
    let keyring = |args: &[&str]| -> Run {
        sb.cmd(args)
            .env("PANCRED_STORE", "keyring")
            .output()
            .unwrap()
            .into()
    };
    let f = sb.path().join("svc.json");
    #[allow(clippy::disallowed_methods)] // the test writes its init file
    std::fs::write(
        &f,
        json!({
            "dialect": "oauth2", "issuer": oidc.issuer, "grant": "client_credentials",
            "client_id": "dpop-service",
            "client_secret": "dpop-service-secret-0123456789abcdef0123456789",
            "scope": "api:read", "dpop": true,
        })
        .to_string(),
    )
    .unwrap();
    let r = keyring(&[
        "--profile",
        &name,
        "init",
        "--from",
        f.to_str().unwrap(),
        "--write",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = keyring(&["--profile", &name, "token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let jkt = part(r.stdout.trim(), 1)["cnf"]["jkt"].clone();
    let raw = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "pancred", "username", &name])
        .output()
        .unwrap();
    let secrets: serde_json::Value = serde_json::from_slice(&raw.stdout).expect("one JSON entry");
    let key = secrets["dpop_key"]
        .as_str()
        .expect("the key is in the Secret Service");
    let settings = std::fs::read_to_string(sb.home.join(".config/pancred/profiles.json")).unwrap();
    assert!(
        settings.contains("dpop") && !settings.contains(key),
        "{settings}"
    );
    // The key read back from the keyring is the one the token is bound to.
    let proof = keyring(&[
        "--profile",
        &name,
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        "http://x.example/",
        "--no-token",
    ]);
    assert_eq!(proof.code, 0, "{}", proof.all());
    assert_eq!(
        jkt,
        thumbprint(&part(proof.stdout.trim(), 0)["jwk"]).as_str()
    );
    let r = keyring(&["--profile", &name, "remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
}
