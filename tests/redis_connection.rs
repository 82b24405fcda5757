//! The redis store's connection: a missing or bad URL, passwords (in the URL or REDISCLI_AUTH,
//! never shown), TLS with a private CA, and a server that is frozen or killed.
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::Sandbox;
use redis_support::{init_file, rcmd, rrun, OwnRedis};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn listed(sb: &Sandbox, url: &str, prefix: &str) -> Vec<String> {
    let r = rrun(sb, url, prefix, &["list", "--json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<Value> = serde_json::from_str(&r.stdout).unwrap();
    rows.iter()
        .map(|r| r["profile"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_missing_or_bad_url_is_a_usage_error() {
    let sb = Sandbox::new();
    let mut c = sb.cmd(&["list", "--store", "redis"]);
    let r: common::Run = c.output().unwrap().into();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--redis-url"), "{}", r.stderr);
    for bad in ["http://:hunter2@127.0.0.1/", "127.0.0.1:6379"] {
        let r: common::Run = sb
            .cmd(&["list", "--store", "redis", "--redis-url", bad])
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(r.stderr.contains("not valid"), "{}", r.stderr);
        assert!(!r.all().contains("hunter2"), "{}", r.all());
    }
}

#[test]
fn passwords_from_the_url_or_rediscli_auth_never_shown() {
    let pw = "pw-VERY-secret-9";
    let Some(server) = OwnRedis::start(&["--requirepass", pw]) else {
        return;
    };
    let sb = Sandbox::new();
    let with_pw = format!("redis://:{pw}@127.0.0.1:{}/", server.port);
    let f = init_file(&sb, "d.json", &json!({"client_id": "cid"}));
    let mut outputs = Vec::new();

    let w = rrun(&sb, &with_pw, "p:", &["init", "--from", &f, "--write"]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    assert!(w.all().contains(&format!("127.0.0.1:{}", server.port)));
    outputs.push(w);

    let via_env: common::Run = rcmd(&sb, &server.url(), "p:", &["show", "--json"])
        .env("REDISCLI_AUTH", pw)
        .output()
        .unwrap()
        .into();
    assert_eq!(via_env.code, 0, "{}", via_env.stderr);
    outputs.push(via_env);
    // A password in the URL wins over REDISCLI_AUTH.
    let both: common::Run = rcmd(&sb, &with_pw, "p:", &["list"])
        .env("REDISCLI_AUTH", "not-the-password")
        .output()
        .unwrap()
        .into();
    assert_eq!(both.code, 0, "{}", both.stderr);
    outputs.push(both);

    for url in [
        server.url(),
        format!("redis://:wrong-pw@127.0.0.1:{}/", server.port),
    ] {
        let start = Instant::now();
        let r = rrun(&sb, &url, "p:", &["list"]);
        assert_eq!(r.code, 5, "{url}: {}", r.all());
        assert!(r.stderr.contains("refused access"), "{}", r.stderr);
        assert!(!r.all().contains("wrong-pw"), "{}", r.all());
        assert!(start.elapsed() < Duration::from_secs(20));
        outputs.push(r);
    }
    for r in &outputs {
        assert!(!r.all().contains(pw), "the password was shown: {}", r.all());
    }
}

#[test]
fn redis_frozen_or_killed_gives_clear_errors_fast_and_writes_nothing() {
    let Some(mut server) = OwnRedis::start(&[]) else {
        return;
    };
    let url = server.url();
    let sb = Sandbox::new();
    let a = init_file(&sb, "a.json", &json!({"client_id": "a"}));
    let b = init_file(&sb, "b.json", &json!({"client_id": "b"}));
    assert_eq!(
        rrun(
            &sb,
            &url,
            "p:",
            &["init", "--from", &a, "--write", "--profile", "a"]
        )
        .code,
        0
    );
    let timed = |args: &[&str]| {
        let start = Instant::now();
        let r: common::Run = rcmd(&sb, &url, "p:", args)
            .env("PANCRED_REDIS_TIMEOUT_MS", "1000")
            .output()
            .unwrap()
            .into();
        (r, start.elapsed())
    };

    // Frozen (SIGSTOP): the port accepts connections but nothing answers.
    server.signal("STOP");
    let write = ["init", "--from", &b, "--write", "--profile", "b"];
    for args in [&["list"][..], &["show", "--profile", "a"], &write] {
        let (r, took) = timed(args);
        assert_eq!(r.code, 5, "{args:?}: {}", r.all());
        assert!(
            r.stderr.contains("did not answer within 1000 ms"),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
        // One deadline for the whole command: one timeout, not one per Redis call it makes.
        assert!(took < Duration::from_millis(1900), "{args:?} took {took:?}");
    }
    server.signal("CONT");
    assert_eq!(listed(&sb, &url, "p:"), ["a"], "nothing written");

    // Killed: refused at once.
    server.kill();
    for args in [&["list"][..], &write, &["use", "a"]] {
        let (r, took) = timed(args);
        assert_eq!(r.code, 5, "{args:?}: {}", r.all());
        assert!(r.stderr.contains("cannot reach Redis at"), "{}", r.stderr);
        assert!(r.stderr.contains(&url), "{}", r.stderr);
        assert!(took < Duration::from_secs(10), "{args:?} took {took:?}");
    }
}

#[test]
fn tls_with_a_private_ca() {
    let sb = Sandbox::new();
    let Some((server, ca)) = OwnRedis::start_tls(sb.path()) else {
        return;
    };
    let url = server.tls_url();
    let ca = ca.to_str().unwrap();
    let with_ca = |args: &[&str]| -> common::Run {
        rcmd(&sb, &url, "tls:", args)
            .env("PANCRED_REDIS_CA_FILE", ca)
            .output()
            .unwrap()
            .into()
    };
    let f = init_file(&sb, "d.json", &json!({"client_id": "over-tls"}));
    let w = with_ca(&["init", "--from", &f, "--write"]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let rows: Vec<Value> = serde_json::from_str(&with_ca(&["list", "--json"]).stdout).unwrap();
    assert_eq!(rows[0]["client_id"], "over-tls");

    // Without the CA the server's certificate is not trusted: a clear store error, not a hang.
    let r = rrun(&sb, &url, "tls:", &["list"]);
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(r.stderr.contains(&url), "{}", r.stderr);
    assert!(r.stderr.contains("PANCRED_REDIS_CA_FILE"), "{}", r.stderr);
    // A CA file for a plain URL, or one that is missing, is a usage error.
    let plain: common::Run = rcmd(&sb, &server.url(), "tls:", &["list"])
        .env("PANCRED_REDIS_CA_FILE", ca)
        .output()
        .unwrap()
        .into();
    assert_eq!(plain.code, 2, "{}", plain.stderr);
    let missing: common::Run = rcmd(&sb, &url, "tls:", &["list"])
        .env("PANCRED_REDIS_CA_FILE", sb.path().join("nope.pem"))
        .output()
        .unwrap()
        .into();
    assert_eq!(missing.code, 2, "{}", missing.stderr);
}

#[test]
fn a_redis_that_may_evict_any_key_is_refused_unless_allowed() {
    let Some(server) =
        OwnRedis::start(&["--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"])
    else {
        return;
    };
    let url = server.url();
    let sb = Sandbox::new();
    let r = rrun(&sb, &url, "p:", &["list"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("maxmemory-policy allkeys-lru"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("noeviction"), "{}", r.stderr);
    let allowed: common::Run = rcmd(&sb, &url, "p:", &["list"])
        .env("PANCRED_REDIS_ALLOW_EVICTION", "1")
        .output()
        .unwrap()
        .into();
    assert_eq!(allowed.code, 0, "{}", allowed.all());
    // A volatile-* policy never evicts keys without an expiry, as pancred's profiles are.
    let Some(volatile) =
        OwnRedis::start(&["--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru"])
    else {
        return;
    };
    let r = rrun(&sb, &volatile.url(), "p:", &["list"]);
    assert_eq!(r.code, 0, "{}", r.all());
}
