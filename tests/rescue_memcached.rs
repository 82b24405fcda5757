//! A store that forgets is not a store that removed: against oidc-provider (which rotates refresh
//! tokens and revokes the grant when a spent one comes back), a refresh through memcached whose
//! write meets a frozen server goes to the rescue file; memcached then restarts empty. The rescue
//! waits for the profile, and following the hint (`pancred import` of the file the profile came
//! from, which still holds the spent refresh token) stores the rescued tokens, never the spent
//! one: the grant stays alive. And an import into a memcached that is full says how many
//! profiles it really kept.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(all(feature = "cli", feature = "memcached"))]

mod common;
mod memcached_support;

use common::oidc::{basic_client, Oidc, WEB_REDIRECT};
use common::Sandbox;
use memcached_support::{mcmd, mrun, OwnMemcached};
use std::process::Stdio;
use std::time::{Duration, Instant};

const PREFIX: &str = "p:";

fn rescue_files(sb: &Sandbox) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(sb.home.join(".local/state/pancred/rescue")) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

#[test]
fn a_rescue_survives_memcached_restarting_empty_and_the_import_hint_never_restores_a_spent_token() {
    let Some(oidc) = Oidc::start() else {
        return;
    };
    let Some(mut server) = OwnMemcached::start() else {
        return;
    };
    let sb = Sandbox::new();
    let url = server.url();
    // Logged in with the file store, then imported into memcached (a copy: the file keeps it).
    oidc.login(&sb, "svc", &basic_client(), WEB_REDIRECT);
    let creds = sb.creds.to_str().unwrap().to_string();
    let r = mrun(&sb, &url, PREFIX, &["import", "--from", &creds]);
    assert_eq!(r.code, 0, "{}", r.all());
    let f = sb.path().join("expire.json");
    std::fs::write(&f, r#"{"access_token": null}"#).unwrap();
    let args = [
        "init",
        "--from",
        f.to_str().unwrap(),
        "--write",
        "--profile",
        "svc",
    ];
    let r = mrun(&sb, &url, PREFIX, &args);
    assert_eq!(r.code, 0, "{}", r.all());
    let refreshes = oidc.refreshes();

    // A refresh whose write meets a frozen memcached: the new tokens go to the rescue file.
    let requests = oidc.token_requests();
    oidc.set_token_delay(1000);
    let child = mcmd(&sb, &url, PREFIX, &["token", "--profile", "svc"])
        .env("PANCRED_MEMCACHED_TIMEOUT_MS", "500")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while oidc.token_requests() == requests {
        assert!(Instant::now() < deadline, "the refresh never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    server.signal("STOP");
    let out = child.wait_with_output().unwrap();
    oidc.set_token_delay(0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(rescue_files(&sb).len(), 1, "{stderr}");

    // memcached restarts empty (a restart, or an eviction): the profile is gone, not removed.
    server.restart();
    let r = mrun(&sb, &url, PREFIX, &["token", "--profile", "svc"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("not a removal"), "{}", r.stderr);
    assert_eq!(
        rescue_files(&sb).len(),
        1,
        "the rescue is kept: {}",
        r.stderr
    );

    // The hint: import the profile again from its file, which holds the spent refresh token.
    let r = mrun(&sb, &url, PREFIX, &["import", "--from", &creds]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("stored the tokens"), "{}", r.stderr);
    assert!(rescue_files(&sb).is_empty(), "{}", r.stderr);
    for _ in 0..2 {
        let r = mrun(&sb, &url, PREFIX, &["refresh", "--profile", "svc"]);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    assert_eq!(oidc.count("refresh_errors"), 0, "{}", oidc.counts());
    assert_eq!(oidc.refreshes(), refreshes + 3);
}

#[test]
fn an_import_into_a_full_memcached_counts_what_it_kept_and_warns() {
    let Some(server) = OwnMemcached::start_with(&["-m", "2", "-I", "512k"]) else {
        return;
    };
    let sb = Sandbox::new();
    let url = server.url();
    let big = "s".repeat(64_000);
    let mut profiles = serde_json::Map::new();
    for i in 0..60 {
        profiles.insert(
            (i + 1).to_string(),
            serde_json::json!({"profile": format!("p{i}"), "client_id": "c", "client_secret": big}),
        );
    }
    let file = sb.path().join("many.json");
    std::fs::write(&file, serde_json::json!({"profiles": profiles}).to_string()).unwrap();
    let r = mrun(
        &sb,
        &url,
        PREFIX,
        &["import", "--from", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let listed = mrun(&sb, &url, PREFIX, &["list", "--json"]);
    let kept = serde_json::from_str::<Vec<serde_json::Value>>(&listed.stdout)
        .unwrap()
        .len();
    assert!(kept < 60, "the server was meant to evict ({kept} kept)");
    assert!(
        r.stderr.contains(&format!("Imported {kept} profile")),
        "{kept} kept: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("warning: {} more", 60 - kept)) && r.stderr.contains("evicted"),
        "{}",
        r.stderr
    );
}
