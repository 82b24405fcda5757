//! `pancred token` on the file store: a cached token without a call, the leeway, `--no-refresh`,
//! and a stuck lock giving a clear error. The burst and killed-holder promise for every store
//! is tests/store_promise.rs.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{init, stored};
use common::pancloud_stub::PancloudStub;
use common::{Run, Sandbox};
use serde_json::json;
use std::time::Duration;

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
