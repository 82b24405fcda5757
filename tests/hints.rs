//! The hints after an error name the profile they are about and guess typos: a missing profile
//! gets "did you mean", a refused client (invalid_client at the sandbox provider) gets what to
//! check, and a refused refresh token names `--profile` in the login it suggests.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::{Run, Sandbox};
use pancred::sandbox::{demo, Sandbox as Provider, SandboxConfig};
use serde_json::json;

fn init(sb: &Sandbox, fields: serde_json::Value) {
    let f = sb.path().join("p.json");
    std::fs::write(&f, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn a_mistyped_profile_gets_did_you_mean() {
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "sandbox", "client_id": "c", "client_secret": "s"}),
    );
    init(
        &sb,
        json!({"profile": "work", "client_id": "c", "client_secret": "s"}),
    );
    let r = sb.run(&["--profile", "sandbx", "token"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("hint: did you mean 'sandbox'?"),
        "{}",
        r.stderr
    );
    let far = sb.run(&["--profile", "staging", "token"]);
    assert!(!far.stderr.contains("did you mean"), "{}", far.stderr);
}

#[test]
fn a_refused_client_gets_what_to_check() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "lab", "dialect": "oauth2", "issuer": provider.url(""),
               "client_id": demo::OAUTH2_CLIENT, "client_secret": "not-the-secret",
               "refresh_token": "rt-whatever"}),
    );
    let r: Run = sb.run(&["--profile", "lab", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("hint: the provider did not accept the client (invalid_client)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("`pancred --profile lab show`"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("not-the-secret"), "{}", r.all());
    // A plain secret: form-encoding does not change it, so no word about client_secret_post.
    assert!(!r.stderr.contains("client_secret_post}"), "{}", r.stderr);
    assert!(!r.stderr.contains("form-encodes"), "{}", r.stderr);
}

#[test]
fn a_refused_secret_that_form_encoding_changes_suggests_client_secret_post() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "lab", "dialect": "oauth2", "issuer": provider.url(""),
               "client_id": demo::OAUTH2_CLIENT, "client_secret": "s3cr+t/with=signs",
               "refresh_token": "rt-whatever"}),
    );
    let r: Run = sb.run(&["--profile", "lab", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("form-encodes"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("{\"client_auth\": \"client_secret_post\"}"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("s3cr+t"), "{}", r.all());
}

#[test]
fn a_dead_refresh_token_suggests_logging_in_that_profile() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "lab", "dialect": "oauth2", "issuer": provider.url(""),
               "client_id": demo::OAUTH2_CLIENT, "client_secret": demo::OAUTH2_SECRET,
               "refresh_token": "rt-the-provider-never-issued"}),
    );
    let r = sb.run(&["--profile", "lab", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(
        r.stderr.contains("`pancred --profile lab login`"),
        "{}",
        r.stderr
    );
}

#[test]
fn remove_reports_a_missing_profile_before_asking() {
    let sb = Sandbox::new();
    init(&sb, json!({"profile": "work", "client_id": "c"}));
    let r = sb.run_with_input(&["--profile", "wrok", "remove"], "y\n");
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(!r.all().contains("Delete PROFILE"), "{}", r.all());
    assert!(r.stderr.contains("did you mean 'work'?"), "{}", r.stderr);
    // The profile that is there is still asked about.
    let r = sb.run_with_input(&["--profile", "work", "remove"], "n\n");
    assert!(r.all().contains("Delete PROFILE 'work'"), "{}", r.all());
}

#[test]
fn importing_a_file_whose_documents_sit_elsewhere_says_what_it_found() {
    let sb = Sandbox::new();
    let file = sb.path().join("tinydb4.json");
    let doc = json!({"_default": {"1": {"profile": "a", "client_id": "c"},
                                  "2": {"profile": "b", "client_id": "c"}}});
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut c = sb.cmd(&["import", "--from", file.to_str().unwrap()]);
    c.env("PANCRED_STORE", "memory");
    let r: Run = c.output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("\"_default\" (2 documents)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("tinydb<4"), "{}", r.stderr);
    assert!(!r.stderr.contains("holds no profiles"), "{}", r.stderr);
}

#[test]
fn exec_without_the_double_dash_says_where_the_command_goes() {
    let sb = Sandbox::new();
    let r = sb.run(&["exec", "echo", "hi"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("hint: put the command after `--`: pancred exec -- CMD"),
        "{}",
        r.stderr
    );
    // Other usage errors get no such hint.
    let r = sb.run(&["token", "extra"]);
    assert!(!r.stderr.contains("hint: put the command"), "{}", r.stderr);
}

#[test]
fn answering_no_is_a_calm_cancel_not_an_error() {
    let sb = Sandbox::new();
    init(&sb, json!({"profile": "work", "client_id": "c"}));
    let r = sb.run_with_input(&["--profile", "work", "remove"], "n\n");
    assert_eq!(r.code, 130, "{}", r.all());
    assert!(r.stderr.contains("Nothing deleted."), "{}", r.stderr);
    assert!(r.stderr.contains("pancred: cancelled"), "{}", r.stderr);
    assert!(!r.stderr.contains("error"), "{}", r.stderr);
    // The profile is still there.
    assert_eq!(sb.run(&["--profile", "work", "show"]).code, 0);
}

#[test]
fn a_mistyped_use_is_not_told_to_run_use() {
    let sb = Sandbox::new();
    init(&sb, json!({"profile": "sandbox", "client_id": "c"}));
    let r = sb.run(&["use", "sandbx"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("did you mean 'sandbox'?"), "{}", r.stderr);
    assert!(!r.stderr.contains("`pancred use NAME`"), "{}", r.stderr);
    // Elsewhere the hint still offers both ways.
    let r = sb.run(&["--profile", "sandbx", "show"]);
    assert!(r.stderr.contains("`pancred use NAME`"), "{}", r.stderr);
}

/// Where no browser can open (no desktop, no `$BROWSER`), `login` says so in a few words instead
/// of repeating its URL inside a launcher's debug text, and `login --device` does not try.
#[test]
fn no_browser_here_is_said_briefly_and_the_device_login_does_not_try() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "lab", "dialect": "oauth2", "issuer": provider.url(""),
               "client_id": demo::PUBLIC_CLIENT, "client_auth": "none",
               "scope": "openid offline_access"}),
    );
    let run = |args: &[&str]| -> Run {
        let mut c = sb.cmd(args);
        c.env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
        c.output().unwrap().into()
    };
    let r = run(&["--profile", "lab", "login", "--timeout", "1"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert_eq!(
        r.stderr.matches("code_challenge=").count(),
        1,
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("no browser here"), "{}", r.stderr);
    assert!(!r.stderr.contains("ExitStatus"), "{}", r.stderr);
    let r = run(&["--profile", "lab", "login", "--device", "--timeout", "1"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("enter the code"), "{}", r.stderr);
    assert!(!r.stderr.contains("browser"), "{}", r.stderr);
}

/// The client secret stays in the pancloud file after an import (pancloud reads it there), and
/// import says so instead of leaving it to be found.
#[test]
fn import_says_the_client_secret_stays_in_the_file() {
    let sb = Sandbox::new();
    let file = sb.path().join("pc.json");
    let doc = json!({"profiles": {
        "1": {"profile": "lab", "client_id": "c", "client_secret": "cs-in-file", "refresh_token": "rt"},
        "2": {"profile": "pub", "client_id": "c", "refresh_token": "rt2"}}});
    std::fs::write(&file, doc.to_string()).unwrap();
    let mut c = sb.cmd(&["import", "--from", file.to_str().unwrap()]);
    c.env("PANCRED_STORE", "sqlite")
        .env("PANCRED_SQLITE_PATH", sb.path().join("db.sqlite3"));
    let r: Run = c.output().unwrap().into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout, "moved lab\nmoved pub\n", "{}", r.all());
    assert!(r.stderr.contains("Imported 2 profiles"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the client secret of 'lab' is still in"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("'pub' is still"), "{}", r.stderr);
    assert!(!r.all().contains("cs-in-file"), "{}", r.all());
    let left: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(left["profiles"]["1"]["client_secret"], "cs-in-file");
}
