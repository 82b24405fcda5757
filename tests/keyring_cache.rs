//! The keyring store's cached path: the small `pancred` answers a cached token of the Secret
//! Service store from the access token's copy in the kernel keyring, without running
//! `pancred-full` (seen under strace), and no copy outlives a remove, a rename or a token
//! cleared; a new token replaces it.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(all(feature = "cli", feature = "keyring", target_os = "linux"))]

mod common;

use common::keyring::secret_service;
use common::{have_program, jwt, now, Run, Sandbox};
use serde_json::{json, Value};

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

fn keyring(sb: &Sandbox, args: &[&str]) -> Run {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "keyring");
    c.output().expect("run pancred").into()
}

/// Writes the profile's fields (a provider that cannot be reached: no refresh can happen).
fn init(sb: &Sandbox, name: &str, fields: Value) {
    let mut doc = json!({"dialect": "oauth2", "client_id": "c", "client_secret": "s",
        "refresh_token": "r", "token_url": "http://127.0.0.1:1/token"});
    if let (Some(d), Some(f)) = (doc.as_object_mut(), fields.as_object()) {
        d.extend(f.clone());
    }
    let path = sb.path().join(format!("{}.json", unique("init")));
    std::fs::write(&path, doc.to_string()).unwrap();
    let r = keyring(
        sb,
        &[
            "--profile",
            name,
            "init",
            "--from",
            path.to_str().unwrap(),
            "--write",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
}

/// `pancred --profile NAME token --no-refresh` on the keyring store, and whether it ran
/// `pancred-full` (an `execve` of it under strace).
fn token(sb: &Sandbox, name: &str) -> (Run, bool) {
    let log = sb.path().join("execve.log");
    let mut c = sb.program("strace");
    c.args(["-f", "-qq", "-e", "trace=execve", "-o"])
        .arg(&log)
        .arg(common::bin())
        .args(["--profile", name, "token", "--no-refresh"])
        .env("PANCRED_STORE", "keyring");
    let r: Run = c.output().expect("run strace").into();
    let text = std::fs::read_to_string(&log).expect("the strace log");
    (r, text.contains("pancred-full\""))
}

fn valid_token(sub: &str) -> String {
    jwt(&json!({"exp": now() + 3600, "sub": sub}))
}

#[test]
fn the_small_program_answers_from_the_copy_and_no_copy_outlives_a_change() {
    if !secret_service() || !have_program("strace") {
        return;
    }
    let sb = Sandbox::new();
    let name = unique("cache");
    let first = valid_token(&unique("at"));
    init(&sb, &name, json!({"access_token": first}));

    let (r, full) = token(&sb, &name);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, first.as_str()),
        "{}",
        r.all()
    );
    assert!(!full, "pancred-full ran for a cached keyring token");

    // A new token (as a refresh stores one) replaces the copy.
    let second = valid_token(&unique("at"));
    init(&sb, &name, json!({"access_token": second}));
    let (r, full) = token(&sb, &name);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, second.as_str()),
        "{}",
        r.all()
    );
    assert!(!full, "pancred-full ran for the new token");

    // The token cleared (as a revoke does): never served again.
    init(&sb, &name, json!({"access_token": null}));
    let (r, full) = token(&sb, &name);
    assert!(!r.stdout.contains(&second), "a cleared token was served");
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(full, "the small program answered without a token");

    // A rename: the new name is served, the old one is not.
    let third = valid_token(&unique("at"));
    init(&sb, &name, json!({"access_token": third}));
    let renamed = unique("renamed");
    let r = keyring(&sb, &["rename", &name, &renamed]);
    assert_eq!(r.code, 0, "{}", r.all());
    let (r, _) = token(&sb, &name);
    assert!(
        !r.stdout.contains(&third),
        "the old name still served its token"
    );
    let (r, full) = token(&sb, &renamed);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, third.as_str()),
        "{}",
        r.all()
    );
    assert!(!full, "pancred-full ran for the renamed profile");

    // An export that moves the tokens to pancloud's file: the keyring's copy goes with them.
    let file = sb.path().join("exported.json");
    let to = file.to_str().unwrap();
    let r = keyring(&sb, &["--profile", &renamed, "export", "--to", to]);
    assert_eq!(r.code, 0, "{}", r.all());
    let (r, full) = token(&sb, &renamed);
    assert!(!r.stdout.contains(&third), "an exported token was served");
    assert!(
        full,
        "the small program answered a profile whose tokens moved away"
    );

    // A remove: gone from the cached path too.
    let fourth = valid_token(&unique("at"));
    init(&sb, &renamed, json!({"access_token": fourth}));
    let (r, full) = token(&sb, &renamed);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, fourth.as_str()),
        "{}",
        r.all()
    );
    assert!(
        !full,
        "pancred-full ran for a token written after an export"
    );
    let r = keyring(&sb, &["--profile", &renamed, "remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let (r, _) = token(&sb, &renamed);
    assert!(
        !r.stdout.contains(&fourth),
        "a removed profile's token was served"
    );
    assert_ne!(r.code, 0, "{}", r.all());
}
