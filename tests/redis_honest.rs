//! Redis failures reported as what they are, and never half-written: an ACL that denies a
//! command or key is named as a permission problem (not a password one), and a write whose
//! script meets a key of the wrong type writes nothing (no profile key outside the index).
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::Sandbox;
use redis_support::{init_file, rrun, OwnRedis};
use serde_json::json;

#[test]
fn an_acl_that_denies_access_is_named_a_permission_error() {
    let Some(server) = OwnRedis::start(&[]) else {
        return;
    };
    let mut admin = server.raw();
    let () = redis::cmd("ACL")
        .arg(&[
            "SETUSER",
            "limited",
            "on",
            ">pw-limited",
            "~elsewhere:*",
            "+@all",
        ])
        .query(&mut admin)
        .unwrap();
    let sb = Sandbox::new();
    let url = format!("redis://limited:pw-limited@127.0.0.1:{}/", server.port);
    let f = init_file(&sb, "d.json", &json!({"client_id": "cid"}));
    let r = rrun(&sb, &url, "p:", &["init", "--from", &f, "--write"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("denied permission"), "{}", r.stderr);
    assert!(r.stderr.contains("ACL"), "{}", r.stderr);
    assert!(!r.stderr.contains("check the password"), "{}", r.stderr);
    assert!(!r.all().contains("pw-limited"), "{}", r.all());
}

#[test]
fn a_write_that_meets_a_key_of_the_wrong_type_writes_nothing() {
    let Some(server) = OwnRedis::start(&[]) else {
        return;
    };
    let mut raw = server.raw();
    let sb = Sandbox::new();
    let f = init_file(&sb, "d.json", &json!({"client_id": "cid"}));
    for (key, value) in [
        ("p:profiles", "not-a-sorted-set"),
        ("p:seq", "not-a-number"),
    ] {
        let () = redis::cmd("FLUSHALL").query(&mut raw).unwrap();
        let () = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .query(&mut raw)
            .unwrap();
        let r = rrun(
            &sb,
            &server.url(),
            "p:",
            &["init", "--from", &f, "--write", "--profile", "x"],
        );
        assert_ne!(r.code, 0, "{key}: {}", r.all());
        assert!(
            r.stderr.contains("nothing was written"),
            "{key}: {}",
            r.stderr
        );
        let exists: i64 = redis::cmd("EXISTS")
            .arg("p:profile:x")
            .query(&mut raw)
            .unwrap();
        assert_eq!(
            exists, 0,
            "{key}: a profile key was written outside the index"
        );
    }
}
