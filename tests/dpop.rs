//! DPoP (RFC 9449) against a real provider (oidc-provider with `features.dPoP`,
//! tests/js/bound-provider.mjs): the key made once and kept in the store, proofs on login,
//! refresh and revoke, one refresh per expiry across processes, a stolen refresh token useless
//! without the key, nonces, and `pancred dpop-proof` accepted by the provider's userinfo endpoint.
#![cfg(feature = "cli")]

mod common;

use aws_lc_rs::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::oidc::{expire_token, init, stored, Client, Oidc};
use common::{Run, Sandbox};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::process::Stdio;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn start(require_nonce: bool) -> Option<Oidc> {
    let nonce = if require_nonce { "1" } else { "0" };
    Oidc::start_with(&[
        ("PROVIDER_SCRIPT", "bound-provider.mjs"),
        ("PROVIDER_REQUIRE_NONCE", nonce),
    ])
}

fn native() -> Client {
    Client {
        id: "dpop-native",
        secret: None,
        auth: "none",
    }
}

/// A DPoP profile logged in as alice: init, auth-url, login and consent, exchange.
fn login(oidc: &Oidc, sb: &Sandbox, name: &str) -> Value {
    let mut p = oidc.profile(name, &native(), REDIRECT);
    p["dpop"] = json!(true);
    init(sb, &p);
    let r = sb.run(&["--profile", name, "auth-url"]);
    assert_eq!(r.code, 0, "auth-url: {}", r.all());
    let (code, _) = oidc.authorize(r.stdout.trim(), REDIRECT);
    let r = sb.run(&["--profile", name, "exchange", "--code", &code]);
    assert_eq!(r.code, 0, "exchange: {}", r.all());
    stored(sb, name)
}

fn part(jwt: &str, i: usize) -> Value {
    let seg = jwt.split('.').nth(i).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
}

/// RFC 7638 thumbprint of an EC JWK.
fn thumbprint(jwk: &Value) -> String {
    let c = format!(
        r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["crv"].as_str().unwrap(),
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    URL_SAFE_NO_PAD.encode(Sha256::digest(c.as_bytes()))
}

fn verifies(proof: &str) -> bool {
    let jwk = &part(proof, 0)["jwk"];
    let mut point = vec![4u8];
    for k in ["x", "y"] {
        point.extend(URL_SAFE_NO_PAD.decode(jwk[k].as_str().unwrap()).unwrap());
    }
    let (input, sig) = proof.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &point)
        .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
        .is_ok()
}

fn show(sb: &Sandbox, name: &str) -> Value {
    let r = sb.run(&["--profile", name, "show", "--json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.stdout).unwrap()
}

/// `curl` at the userinfo endpoint with a DPoP-bound token and a proof: status, headers, body.
fn curl_userinfo(oidc: &Oidc, token: &str, proof: &str) -> (u16, String) {
    let out = std::process::Command::new("curl")
        .args(["-s", "-i", "-H"])
        .arg(format!("Authorization: DPoP {token}"))
        .arg("-H")
        .arg(format!("DPoP: {proof}"))
        .arg(format!("{}/me", oidc.issuer))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

fn header_value(response: &str, name: &str) -> Option<String> {
    response.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

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
fn nonces_required_by_the_provider_are_used() {
    let Some(oidc) = start(true) else { return };
    let sb = Sandbox::new();
    // The exchange is refused once with use_dpop_nonce, then sent with the provider's nonce.
    let doc = login(&oidc, &sb, "n");
    assert_eq!(doc["token_type"], "DPoP", "{doc}");
    assert!(oidc.count("use_dpop_nonce") >= 1, "{}", oidc.counts());
    let r = sb.run(&["--profile", "n", "refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(oidc.refreshes(), 1);

    // A script: the first try at userinfo is answered with a nonce, the second carries it.
    let token = sb
        .run(&["--profile", "n", "token"])
        .stdout
        .trim()
        .to_string();
    let url = format!("{}/me", oidc.issuer);
    let proof = sb.run(&[
        "--profile",
        "n",
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        &url,
    ]);
    assert_eq!(proof.code, 0, "{}", proof.all());
    let (status, answer) = curl_userinfo(&oidc, &token, proof.stdout.trim());
    assert_eq!(status, 401, "{answer}");
    assert!(answer.contains("use_dpop_nonce"), "{answer}");
    let nonce = header_value(&answer, "dpop-nonce").expect("a nonce");
    let proof = sb.run(&[
        "--profile",
        "n",
        "dpop-proof",
        "--method",
        "GET",
        "--url",
        &url,
        "--nonce",
        &nonce,
    ]);
    let p = proof.stdout.trim();
    assert!(
        verifies(p),
        "the signature checks out with the key in the header"
    );
    let claims = part(p, 1);
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], url.as_str());
    assert_eq!(claims["nonce"], nonce.as_str());
    assert_eq!(
        claims["ath"],
        URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
    );
    assert!((claims["iat"].as_i64().unwrap() - common::now()).abs() < 60);
    assert_eq!(part(p, 0)["typ"], "dpop+jwt");
    let (status, answer) = curl_userinfo(&oidc, &token, p);
    assert_eq!(status, 200, "{answer}");
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

/// The library's `AuthorizedClient` on a DPoP profile: `Authorization: DPoP` with a fresh proof
/// per request, the provider's nonce taken when it asks for one.
#[test]
fn the_library_client_sends_dpop_bound_tokens_with_proofs() {
    let Some(oidc) = start(true) else { return };
    let sb = Sandbox::new();
    let doc = login(&oidc, &sb, "lib");
    let profile = pancred::Profile::from_json(doc).unwrap();
    let store: pancred::SharedStore =
        std::sync::Arc::new(pancred::store::memory::MemoryStore::with_profiles([
            profile,
        ]));
    let engine = pancred::Engine::new(store).with_http_timeout(std::time::Duration::from_secs(30));
    let client = pancred::authorized_client::AuthorizedClient::new(engine.clone(), "lib").unwrap();
    let url = format!("{}/me", oidc.issuer);
    let (status, body, userinfo) = common::oidc::block(async {
        let r = client.send(|h| h.get(&url)).await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        // The engine's own userinfo call (the TUI's inspection) proves the key as well.
        (status, body, engine.userinfo("lib").await.unwrap())
    });
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"sub\""), "{body}");
    match userinfo {
        pancred::engine::Offered::Yes(fields) => {
            assert!(fields.iter().any(|(k, _)| k == "sub"), "{fields:?}")
        }
        pancred::engine::Offered::No(why) => panic!("{why}"),
    }
    assert_eq!(oidc.refreshes(), 0, "the token was good: no refresh");
}

/// `exec --serve` answers proofs too: CMD gets a token and a proof for its request without
/// ever holding the key, and the provider accepts them.
#[test]
fn exec_serve_answers_proofs_the_provider_accepts() {
    let Some(oidc) = start(false) else { return };
    if !common::have_program("curl") {
        return;
    }
    let sb = Sandbox::new();
    login(&oidc, &sb, "srv");
    let url = format!("{}/me", oidc.issuer);
    let script = r#"
        s="$PANCRED_TOKEN_SOCKET"
        tok=$(curl -s --unix-socket "$s" http://pancred/token.txt)
        type=$(curl -s --unix-socket "$s" http://pancred/token | grep -o '"token_type":"[A-Za-z]*"')
        proof=$(curl -s --unix-socket "$s" -G --data-urlencode method=GET --data-urlencode "url=$URL" http://pancred/dpop-proof)
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: DPoP $tok" -H "DPoP: $proof" "$URL")
        echo "$type $code"
    "#;
    let r: Run = sb
        .cmd(&[
            "--profile",
            "srv",
            "exec",
            "--serve",
            "--",
            "sh",
            "-c",
            script,
        ])
        .env("URL", &url)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout.trim(), r#""token_type":"DPoP" 200"#, "{}", r.all());
}
