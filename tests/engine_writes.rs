//! The engine owns every profile write: an `init`, a TUI form save or a TUI rename that happens
//! beside a refresh (the provider rotating the refresh token) keeps both changes, so the next
//! refresh still works at a provider that revokes the grant when a spent token comes back.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{basic_client, expire_token, stored, Oidc, WEB_REDIRECT};
use common::tmux::Tmux;
use common::{have_program, Sandbox};
use serde_json::json;
use std::process::{Child, Stdio};
use std::time::Duration;

/// `pancred refresh` in the background, slowed by the provider's delay.
fn slow_refresh(sb: &Sandbox, name: &str) -> Child {
    sb.cmd(&["--profile", name, "refresh"])
        .env("PANCRED_LOCK_TIMEOUT", "120")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the provider has received a token request beyond `seen`: the refresh is in flight.
fn wait_in_flight(oidc: &Oidc, seen: u64) {
    for _ in 0..400 {
        if oidc.counts()["token_requests"].as_u64().unwrap() > seen {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the refresh never reached the provider");
}

/// The grant is alive and was never sent a spent token: one more refresh works.
fn assert_grant_alive(oidc: &Oidc, sb: &Sandbox, name: &str) {
    oidc.set_token_delay(0);
    let r = sb.run(&["--profile", name, "refresh"]);
    assert_eq!(r.code, 0, "the next refresh: {}", r.all());
    assert_eq!(oidc.counts()["refresh_errors"], 0, "{}", oidc.counts());
}

#[test]
fn init_racing_a_slow_refresh_keeps_both_changes_every_time() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    let scope_file = sb.path().join("scope.json");
    for round in 0..4 {
        let scope = format!("openid offline_access api:read round-{round}");
        std::fs::write(&scope_file, json!({ "scope": scope }).to_string()).unwrap();
        let before = stored(&sb, "idp")["refresh_token"].clone();
        oidc.set_token_delay(1200);
        let seen = oidc.counts()["token_requests"].as_u64().unwrap();
        let refresh = slow_refresh(&sb, "idp");
        wait_in_flight(&oidc, seen);
        let init = sb.run(&[
            "--profile",
            "idp",
            "init",
            "--from",
            scope_file.to_str().unwrap(),
            "--write",
        ]);
        assert_eq!(init.code, 0, "init: {}", init.all());
        let out = refresh.wait_with_output().unwrap();
        assert!(out.status.success(), "refresh: {out:?}");
        let doc = stored(&sb, "idp");
        assert_eq!(
            doc["scope"],
            json!(scope),
            "round {round}: the scope was lost"
        );
        assert_ne!(
            doc["refresh_token"], before,
            "round {round}: the rotated refresh token was lost"
        );
    }
    assert_grant_alive(&oidc, &sb, "idp");
}

fn start_tui(sb: &Sandbox, tmux: &Tmux) {
    let cmd = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} PANCRED_STORE=file \
         PAN_CREDENTIALS_DBFILE={creds} {bin}; echo EXIT=$?; sleep 60",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bin = common::bin()
    );
    tmux.start(120, 40, &cmd);
}

/// Opens the edit form of the only profile, changes what `edit` types, rotates the refresh
/// token from another process while the form is open, then saves.
fn edit_during_a_rotation(tag: &str, edit: impl Fn(&Tmux), saved_as: &str) {
    if !have_program("tmux") {
        return;
    }
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    expire_token(&sb, "idp");
    let tmux = Tmux::new(tag);
    start_tui(&sb, &tmux);
    tmux.wait("the profile list", |s| s.contains("Profiles (1)"));
    tmux.keys(&["e"]);
    tmux.wait("the edit form", |s| s.contains("client_secret"));
    edit(&tmux);
    // Another terminal refreshes: the provider rotates the refresh token the form has read.
    let before = stored(&sb, "idp")["refresh_token"].clone();
    let r = sb.run(&["--profile", "idp", "refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let rotated = stored(&sb, "idp")["refresh_token"].clone();
    assert_ne!(rotated, before);
    tmux.keys(&["Enter"]);
    tmux.wait("the save", |s| s.contains(&format!("Saved '{saved_as}'")));
    let doc = stored(&sb, saved_as);
    assert_eq!(
        doc["refresh_token"], rotated,
        "the form wrote a spent token"
    );
    if tag == "save" {
        let scope = doc["scope"].as_str().unwrap_or_default();
        assert!(
            scope.ends_with(" email"),
            "the edit was not saved: {scope:?}"
        );
    }
    tmux.keys(&["q"]);
    tmux.wait("pancred to exit", |s| s.contains("EXIT=0"));
    assert_grant_alive(&oidc, &sb, saved_as);
    if saved_as != "idp" {
        assert_eq!(stored(&sb, "idp"), serde_json::Value::Null, "two copies");
    }
}

#[test]
fn a_tui_form_save_after_a_rotation_keeps_the_rotated_token() {
    edit_during_a_rotation(
        "save",
        |tmux| {
            // Down to the scope field, append to it.
            let scope = pancred::profile::fields::form_fields()
                .position(|f| f.name == "scope")
                .unwrap();
            for _ in 0..scope {
                tmux.keys(&["Tab"]);
            }
            tmux.keys(&["-l", " email"]);
        },
        "idp",
    );
}

#[test]
fn a_tui_rename_after_a_rotation_keeps_the_rotated_token() {
    edit_during_a_rotation(
        "rename",
        |tmux| tmux.keys(&["-l", "_renamed"]),
        "idp_renamed",
    );
}

#[test]
fn rename_moves_the_profile_and_its_default_mark() {
    let sb = Sandbox::new();
    common::oidc::init(
        &sb,
        &json!({"profile": "old", "client_id": "cid", "refresh_token": "rt-1"}),
    );
    common::oidc::init(&sb, &json!({"profile": "taken", "client_id": "x"}));
    assert_eq!(sb.run(&["use", "old"]).code, 0);
    let r = sb.run(&["rename", "old", "new"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(stored(&sb, "old"), serde_json::Value::Null);
    assert_eq!(stored(&sb, "new")["refresh_token"], "rt-1");
    let list = sb.run(&["list", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    assert!(rows
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["profile"] == "new" && p["default"] == true));
    let r = sb.run(&["rename", "new", "taken"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    let r = sb.run(&["rename", "ghost", "x"]);
    assert_eq!(r.code, 1, "{}", r.all());
}

#[test]
fn a_remove_beside_a_slow_refresh_is_not_undone_by_it() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "gone", &basic_client(), WEB_REDIRECT);
    oidc.login(&sb, "kept", &basic_client(), WEB_REDIRECT);
    oidc.set_token_delay(1000);
    let seen = oidc.counts()["token_requests"].as_u64().unwrap();
    let refresh = slow_refresh(&sb, "gone");
    wait_in_flight(&oidc, seen);
    // The remove waits for the refresh's lock, then removes what the refresh stored.
    let r = sb.run(&["--profile", "gone", "remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let out = refresh.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stored(&sb, "gone"),
        serde_json::Value::Null,
        "the refresh brought it back"
    );
    assert!(stored(&sb, "kept")["refresh_token"].is_string());
    let list = sb.run(&["list", "--json"]);
    assert!(!list.stdout.contains("\"gone\""), "{}", list.stdout);
}
