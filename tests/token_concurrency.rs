//! SPEC's concurrency promise with the real binary: any number of `pancred token` processes make
//! one refresh per expiry (against both real providers), a holder killed mid-refresh does not block the next one, and a stuck
//! lock gives a clear error.
#![cfg(feature = "cli")]

mod common;

use common::oidc::{basic_client, expire_token, init, stored, Kind, Oidc, WEB_REDIRECT};
use common::pancloud_stub::PancloudStub;
use common::{Run, Sandbox};
use rstest::rstest;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn exp_of(token: &str) -> i64 {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice::<Value>(&bytes).unwrap()["exp"]
        .as_i64()
        .unwrap()
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn burst_of_32_processes_makes_one_refresh_with_rotation(#[case] kind: Kind) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    expire_token(&sb, "idp");
    // A slow token endpoint keeps the refresh in flight while the others pile up on the lock.
    oidc.set_token_delay(500);
    let children: Vec<_> = (0..32)
        .map(|_| {
            sb.cmd(&["--profile", "idp", "token"])
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
    assert!(
        runs.iter().all(|r| r.stdout == first),
        "processes printed different tokens"
    );
    let token = first.strip_suffix('\n').expect("one line");
    assert!(!token.contains('\n'));
    if oidc.jwt_access_tokens() {
        assert!(exp_of(token) > common::now() + 600);
    }
    let expires_at = stored(&sb, "idp")["expires_at"].as_i64().unwrap();
    assert!(expires_at > common::now() + 600, "{expires_at}");
    assert_eq!(stored(&sb, "idp")["access_token"], json!(token));
    assert_eq!(oidc.refreshes(), 1, "{}", oidc.counts());
    assert_eq!(oidc.counts()["refresh_errors"], 0);
    // The rotated refresh token was stored: the grant is alive.
    oidc.set_token_delay(0);
    let r = sb.run(&["--profile", "idp", "refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(oidc.refreshes(), 2);
}

#[test]
fn a_holder_killed_mid_refresh_does_not_block_the_next() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    expire_token(&sb, "idp");
    let before = std::fs::read(&sb.creds).unwrap();
    oidc.set_token_delay(30_000);
    let seen = oidc.counts()["token_requests"].as_u64().unwrap();
    let mut holder = sb
        .cmd(&["--profile", "idp", "token"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until its refresh has reached the provider: it holds the lock now.
    let start = Instant::now();
    while oidc.counts()["token_requests"].as_u64().unwrap() == seen {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the refresh never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    assert_eq!(
        std::fs::read(&sb.creds).unwrap(),
        before,
        "the killed refresh wrote something"
    );

    oidc.set_token_delay(0);
    let start = Instant::now();
    let r: Run = sb
        .cmd(&["--profile", "idp", "token"])
        .env("PANCRED_LOCK_TIMEOUT", "20")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "waited for a dead holder's lock"
    );
    let token = r.stdout.trim();
    assert!(exp_of(token) > common::now() + 600);
    assert_eq!(oidc.refreshes(), 1);
}

fn stub_profile(sb: &Sandbox, s: &PancloudStub, access_exp: Option<i64>) -> Option<String> {
    let mut p = s.profile("lab");
    let token = access_exp.map(|exp| common::jwt(&json!({"exp": exp, "sub": "cached"})));
    if let Some(t) = &token {
        p["access_token"] = json!(t);
    }
    init(sb, &p);
    token
}

#[test]
fn a_valid_cached_token_is_printed_without_any_call() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    let cached = stub_profile(&sb, &s, Some(common::now() + 3600)).unwrap();
    let r = sb.run(&["--profile", "lab", "token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout, format!("{cached}\n"));
    let r = sb.run(&["--profile", "lab", "token", "--no-refresh"]);
    assert_eq!(r.stdout, format!("{cached}\n"));
    assert!(s.requests().is_empty(), "{:?}", s.requests());
}

#[test]
fn a_token_within_the_leeway_is_refreshed_and_stored() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    s.state().roll = true;
    stub_profile(&sb, &s, Some(common::now() + 30));
    let r = sb.run(&["--profile", "lab", "token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let issued = s.state().last_access_token.clone().unwrap();
    assert_eq!(r.stdout, format!("{issued}\n"));
    assert_eq!(s.refresh_calls(), 1);
    let doc = stored(&sb, "lab");
    assert_eq!(doc["access_token"], json!(issued));
    assert_eq!(doc["refresh_token"], json!(s.state().refresh_token.clone()));
    // A shorter leeway keeps the cached token.
    stub_profile(&sb, &s, Some(common::now() + 30));
    let r = sb.run(&["--profile", "lab", "--leeway", "5", "token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(s.refresh_calls(), 1);
}

#[test]
fn no_refresh_fails_on_a_stale_token() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    stub_profile(&sb, &s, Some(common::now() - 5));
    let r = sb.run(&["--profile", "lab", "token", "--no-refresh"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("stale"), "{}", r.stderr);
    assert!(s.requests().is_empty());
    let r = sb.run(&["--profile", "nobody", "token", "--no-refresh"]);
    assert_eq!(r.code, 1, "{}", r.all());
}

#[test]
fn a_held_lock_times_out_with_a_clear_error() {
    use pancred::Store;
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    stub_profile(&sb, &s, Some(common::now() - 5));
    let before = std::fs::read(&sb.creds).unwrap();
    let store = pancred::store::file::FileStore::new(&sb.creds);
    let _held = store.lock("lab", Duration::from_secs(5)).unwrap();
    let r: Run = sb
        .cmd(&["--profile", "lab", "token"])
        .env("PANCRED_LOCK_TIMEOUT", "1")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(
        r.stderr.contains("timed out") && r.stderr.contains("lock"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
    assert!(s.requests().is_empty());
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}
