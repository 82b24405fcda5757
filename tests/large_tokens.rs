//! Access tokens of 16, 32 and 64 KB (large group claims) stored and served by every store,
//! through the real binary; a store that cannot hold one says so and loses nothing.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::{external, jwt, now, Run, Sandbox};
use serde_json::{json, Value};

/// A JWT of about `kib` KB whose `exp` is an hour away.
fn large_token(kib: usize) -> String {
    let groups: Vec<String> = (0..kib * 1024 / 40)
        .map(|i| format!("group-{i:06}-{}", uuid::Uuid::new_v4().simple()))
        .collect();
    let token = jwt(&json!({"exp": now() + 3600, "sub": "big", "groups": groups}));
    assert!(token.len() >= kib * 1024, "{} bytes", token.len());
    token
}

/// `pancred ARGS` with `env` on top of the sandbox's.
fn run(sb: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut c = sb.cmd(args);
    c.envs(env.iter().copied());
    c.output().expect("run pancred").into()
}

/// Writes the profile (refresh token and all) with `token` as its access token.
fn init(sb: &Sandbox, env: &[(&str, &str)], name: &str, token: &str) -> Run {
    let doc = json!({"dialect": "oauth2", "client_id": "c", "client_secret": "s",
        "refresh_token": format!("rt-{name}"), "token_url": "http://127.0.0.1:1/token",
        "access_token": token});
    let path = sb.path().join(format!("{name}.json"));
    std::fs::write(&path, doc.to_string()).unwrap();
    run(
        sb,
        env,
        &[
            "--profile",
            name,
            "init",
            "--from",
            path.to_str().unwrap(),
            "--write",
        ],
    )
}

fn token(sb: &Sandbox, env: &[(&str, &str)], name: &str) -> Run {
    run(sb, env, &["--profile", name, "token", "--no-refresh"])
}

/// Every size stored and served, by the small program and the whole one.
fn round_trips(sb: &Sandbox, env: &[(&str, &str)], store: &str) {
    let name = format!("big-{}", uuid::Uuid::new_v4().simple());
    for kib in [16, 32, 64] {
        let t = large_token(kib);
        let w = init(sb, env, &name, &t);
        assert_eq!(w.code, 0, "{store}, {kib} KB: {}", w.all());
        let r = token(sb, env, &name);
        assert_eq!(r.code, 0, "{store}, {kib} KB: {}", r.stderr);
        assert!(
            r.stdout.trim() == t,
            "{store}, {kib} KB: another token came back"
        );
        let s = run(sb, env, &["--profile", &name, "show", "--json"]);
        let v: Value = serde_json::from_str(&s.stdout).expect("show --json");
        assert_eq!(v["has_refresh_token"], true, "{store}, {kib} KB");
    }
    let r = run(sb, env, &["--profile", &name, "remove", "--yes"]);
    assert_eq!(r.code, 0, "{store}: {}", r.all());
}

#[test]
fn the_file_and_sqlite_stores_hold_64_kb_tokens() {
    let sb = Sandbox::new();
    round_trips(&sb, &[], "file");
    let db = sb.path().join("creds.sqlite3");
    let db = db.to_str().unwrap();
    let env = [("PANCRED_STORE", "sqlite"), ("PANCRED_SQLITE_PATH", db)];
    round_trips(&sb, &env, "sqlite");
}

#[test]
fn redis_holds_64_kb_tokens() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let sb = Sandbox::new();
    let prefix = format!("pancred-big-{}:", uuid::Uuid::new_v4().simple());
    let env = [
        ("PANCRED_STORE", "redis"),
        ("PANCRED_REDIS_URL", url.as_str()),
        ("PANCRED_REDIS_PREFIX", prefix.as_str()),
    ];
    round_trips(&sb, &env, "redis");
}

#[test]
fn memcached_holds_64_kb_tokens() {
    let Some(url) = external("PANCRED_TEST_MEMCACHED_URL") else {
        return;
    };
    let sb = Sandbox::new();
    let prefix = format!("pancred-big-{}:", uuid::Uuid::new_v4().simple());
    let env = [
        ("PANCRED_STORE", "memcached"),
        ("PANCRED_MEMCACHED_URL", url.as_str()),
        ("PANCRED_MEMCACHED_PREFIX", prefix.as_str()),
    ];
    round_trips(&sb, &env, "memcached");
}

#[cfg(feature = "keyring")]
#[test]
fn the_secret_service_holds_64_kb_tokens() {
    if !common::keyring::secret_service() {
        return;
    }
    let sb = Sandbox::new();
    round_trips(&sb, &[("PANCRED_STORE", "keyring")], "keyring");
}

/// The kernel keyring holds a user key of at most 32767 bytes, and a user's keys together at
/// most `/proc/sys/kernel/keys/maxbytes` (20000 by default): a token too large is refused with
/// the reason, and the profile keeps what it had.
#[cfg(feature = "keyring")]
#[test]
fn the_kernel_keyring_refuses_a_token_too_large_and_loses_nothing() {
    if !common::keyring::kernel_session_keyring() {
        return;
    }
    let sb = Sandbox::new();
    let env = [
        ("PANCRED_STORE", "keyring"),
        ("PANCRED_KEYRING", "keyutils"),
    ];
    let name = format!("big-{}", uuid::Uuid::new_v4().simple());
    let small = jwt(&json!({"exp": now() + 3600, "sub": "small"}));
    let w = init(&sb, &env, &name, &small);
    assert_eq!(w.code, 0, "{}", w.all());
    let w = init(&sb, &env, &name, &large_token(64));
    assert_ne!(w.code, 0, "a 64 KB token was accepted: {}", w.all());
    assert!(
        w.stderr.contains("too large") || w.stderr.contains("quota"),
        "{}",
        w.stderr
    );
    let r = token(&sb, &env, &name);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, small.as_str()),
        "{}",
        r.all()
    );
    let r = run(&sb, &env, &["--profile", &name, "remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
}
