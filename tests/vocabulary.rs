//! The CLI and the TUI say the same facts the same way: the implicit default is marked, and a
//! missing value is one dash everywhere.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::Sandbox;
use serde_json::{json, Value};

fn init(sb: &Sandbox, fields: Value) {
    let f = sb.path().join("p.json");
    std::fs::write(&f, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn the_profile_named_default_is_marked_until_another_is_chosen() {
    let sb = Sandbox::new();
    init(&sb, json!({"profile": "default", "client_id": "c"}));
    init(&sb, json!({"profile": "lab", "client_id": "c"}));
    // No `pancred use` yet: commands act on `default`, and list and show say so.
    let list: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    let marked: Vec<&Value> = list.iter().filter(|r| r["default"] == true).collect();
    assert_eq!(marked.len(), 1, "{list:?}");
    assert_eq!(marked[0]["profile"], "default");
    let show = sb.run(&["show"]);
    assert!(show.stdout.contains("default (default)"), "{}", show.stdout);
    assert!(
        sb.run(&["list"]).stdout.contains("* default"),
        "{}",
        sb.run(&["list"]).stdout
    );
    // After `use lab`, lab alone is.
    assert_eq!(sb.run(&["use", "lab"]).code, 0);
    let list: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    let marked: Vec<&Value> = list.iter().filter(|r| r["default"] == true).collect();
    assert_eq!(marked.len(), 1, "{list:?}");
    assert_eq!(marked[0]["profile"], "lab");
}

#[test]
fn show_writes_a_token_s_times_as_dates_as_the_tui_does() {
    let sb = Sandbox::new();
    let exp = 4_102_444_800i64; // 2100-01-01 00:00:00 UTC
    init(
        &sb,
        json!({"profile": "lab", "client_id": "c",
               "access_token": common::jwt(&json!({"sub": "alice", "exp": exp, "iat": exp - 300}))}),
    );
    let show = sb.run(&["--profile", "lab", "show"]);
    assert_eq!(show.code, 0, "{}", show.all());
    let line = |k: &str| {
        show.stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(k))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("exp").ends_with("2100-01-01 00:00:00 UTC"),
        "{}",
        show.stdout
    );
    assert!(
        line("iat").ends_with("2099-12-31 23:55:00 UTC"),
        "{}",
        show.stdout
    );
    assert!(line("sub").ends_with("alice"), "{}", show.stdout);
    // --json keeps the numbers.
    let j: Value =
        serde_json::from_str(&sb.run(&["--profile", "lab", "show", "--json"]).stdout).unwrap();
    assert_eq!(j["expires_at"], exp);
}

/// An unset value is `null` in JSON, never an empty string, and `list` gives the profiles by name
/// as the TUI sorts them.
#[test]
fn json_says_null_for_what_is_unset_and_list_is_by_name() {
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "zeta", "dialect": "oauth2", "client_id": "c",
               "token_url": "https://idp.example/token"}),
    );
    init(&sb, json!({"profile": "alpha", "client_id": "c"}));
    let show: Value =
        serde_json::from_str(&sb.run(&["--profile", "zeta", "show", "--json"]).stdout).unwrap();
    let empty: Vec<&String> = show
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.as_str() == Some(""))
        .map(|(k, _)| k)
        .collect();
    assert!(empty.is_empty(), "empty strings for {empty:?}: {show}");
    assert!(show["auth_base_url"].is_null(), "{show}");
    let list: Vec<Value> = serde_json::from_str(&sb.run(&["list", "--json"]).stdout).unwrap();
    let names: Vec<&str> = list
        .iter()
        .map(|r| r["profile"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha", "zeta"]);
}
