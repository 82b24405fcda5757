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
