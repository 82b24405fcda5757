//! `import` and `export` never drop a refresh token: a profile here that holds another grant is
//! kept (the incoming one goes to NAME-imported, and the user is told) unless `--replace` says
//! otherwise, and a skipped duplicate document in the source keeps its tokens.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::oidc::stored;
use common::Sandbox;
use serde_json::{json, Value};

fn write(path: &std::path::Path, v: &Value) {
    std::fs::write(path, v.to_string()).unwrap();
}

fn doc(path: &std::path::Path, id: &str) -> Value {
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    v["profiles"][id].clone()
}

#[test]
fn a_different_grant_here_is_kept_unless_replace_is_given() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    write(
        &sb.creds,
        &json!({"profiles": {"1": {"profile": "a", "client_id": "c", "refresh_token": "rt-here"}}}),
    );
    let src = sb.path().join("other.json");
    write(
        &src,
        &json!({"profiles": {"1": {"profile": "a", "client_id": "c", "refresh_token": "rt-there"}}}),
    );
    let from = src.to_str().unwrap();
    let r = sb.run(&["import", "--from", from]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("'a-imported'") && r.stderr.contains("--replace"),
        "{}",
        r.stderr
    );
    assert_eq!(stored(&sb, "a")["refresh_token"], "rt-here");
    assert_eq!(stored(&sb, "a-imported")["refresh_token"], "rt-there");
    let left = doc(&src, "1");
    assert!(left["refresh_token"].is_null(), "{left}");
    assert!(
        left["moved_to"].as_str().unwrap().contains("a-imported"),
        "{left}"
    );

    write(
        &src,
        &json!({"profiles": {"1": {"profile": "a", "client_id": "c", "refresh_token": "rt-new"}}}),
    );
    let r = sb.run(&["import", "--from", from, "--replace"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("moved, replacing a"), "{}", r.stdout);
    assert_eq!(stored(&sb, "a")["refresh_token"], "rt-new");
}

#[test]
fn export_keeps_the_files_other_grant_and_a_skipped_duplicate_keeps_its_tokens() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    write(
        &sb.creds,
        &json!({"profiles": {"1": {"profile": "a", "client_id": "c", "refresh_token": "rt-store"}}}),
    );
    let file = sb.path().join("out.json");
    write(
        &file,
        &json!({"profiles": {
            "1": {"profile": "a", "client_id": "c", "refresh_token": "rt-file"},
            "2": {"profile": "a", "client_id": "c", "refresh_token": "rt-shadowed"}
        }}),
    );
    let r = sb.run(&["export", "--to", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("'a-imported'"), "{}", r.stderr);
    assert_eq!(doc(&file, "1")["refresh_token"], "rt-file");
    assert_eq!(doc(&file, "2")["refresh_token"], "rt-shadowed");
    let exported: Vec<Value> = {
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        v["profiles"]
            .as_object()
            .unwrap()
            .values()
            .cloned()
            .collect()
    };
    assert!(
        exported
            .iter()
            .any(|d| d["profile"] == "a-imported" && d["refresh_token"] == "rt-store"),
        "{exported:?}"
    );
}
