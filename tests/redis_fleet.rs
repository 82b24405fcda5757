//! The provider commands on the redis store across two "machines" (two HOME folders); a lock
//! holder killed mid-refresh holds the others up only until its lock expires, and Redis killed
//! mid-refresh gives clear errors. The 32-process burst for every store is tests/store_promise.rs.
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::oidc::Oidc;
use common::pancloud_stub::{Fault, PancloudStub};
use common::{external, Sandbox};
use redis_support::{init_file, login, rcmd, rrun, unique_prefix};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn token_cmd(sb: &Sandbox, url: &str, prefix: &str, name: &str) -> Child {
    rcmd(sb, url, prefix, &["token", "--profile", name])
        // Generous: 63 processes queue for the lock one after another on a loaded machine.
        .env("PANCRED_LOCK_TIMEOUT", "120")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pancred token")
}

#[test]
fn token_refresh_and_revoke_work_across_machines() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let Some(oidc) = Oidc::start() else {
        return;
    };
    let prefix = unique_prefix("provider-commands");
    let (one, two) = (Sandbox::new(), Sandbox::new());
    login(&oidc, &one, &url, &prefix, "svc");
    let start = oidc.refreshes();

    // A valid cached token: printed on the other machine without a provider call.
    let cached = rrun(&two, &url, &prefix, &["token", "--profile", "svc"]);
    assert_eq!(cached.code, 0, "{}", cached.stderr);
    assert_eq!(oidc.refreshes(), start);

    // A refresh on one machine is what the other then prints.
    let r = rrun(&one, &url, &prefix, &["refresh", "--profile", "svc"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(oidc.refreshes(), start + 1);
    let after = rrun(
        &two,
        &url,
        &prefix,
        &["token", "--no-refresh", "--profile", "svc"],
    );
    assert_eq!(after.code, 0, "{}", after.stderr);
    assert_ne!(after.stdout, cached.stdout, "the refreshed token is shared");

    // Revoked at the provider from the second machine, and forgotten for everyone.
    let rv = rrun(&two, &url, &prefix, &["revoke", "--profile", "svc"]);
    assert_eq!(rv.code, 0, "{}", rv.stderr);
    assert!(rv.stderr.contains("Revoked the"), "{}", rv.stderr);
    let shown = rrun(&one, &url, &prefix, &["show", "--json", "--profile", "svc"]);
    let v: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(v["has_refresh_token"], false);
    assert_eq!(v["has_access_token"], false);
    let t = rrun(&one, &url, &prefix, &["token", "--profile", "svc"]);
    assert_eq!(
        t.code,
        6,
        "no refresh token left, a login needed: {}",
        t.all()
    );
}

#[test]
fn a_holder_killed_mid_refresh_holds_others_only_until_its_lock_expires() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let stub = PancloudStub::start();
    let prefix = unique_prefix("killed-refresh");
    let (one, two) = (Sandbox::new(), Sandbox::new());
    let f = init_file(&one, "p.json", &stub.profile("svc"));
    assert_eq!(
        rrun(&one, &url, &prefix, &["init", "--from", &f, "--write"]).code,
        0
    );
    let ttl = Duration::from_millis(2000);
    let lock_key = format!("{prefix}lock:svc");
    let mut raw = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();

    // The holder's refresh call hangs at the provider; it is SIGKILLed while holding the lock.
    stub.set_fault(Some(Fault::Slow(Duration::from_secs(10))));
    let spawned = Instant::now();
    let mut holder = rcmd(&one, &url, &prefix, &["token", "--profile", "svc"])
        .env("PANCRED_REDIS_LOCK_TTL_MS", ttl.as_millis().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while stub.refresh_calls() == 0 {
        assert!(
            Instant::now() < deadline,
            "the holder never called the provider"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let owner: Option<String> = redis::cmd("GET").arg(&lock_key).query(&mut raw).unwrap();
    assert!(
        owner.is_some(),
        "the holder holds the lock while it refreshes"
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    let killed = Instant::now();
    stub.set_fault(None);
    let left: i64 = redis::cmd("PTTL").arg(&lock_key).query(&mut raw).unwrap();
    assert!(
        left > 0,
        "the dead holder's lock is still there, with an expiry ({left} ms)"
    );

    // Another machine waits for the dead holder's lock to expire, then refreshes itself.
    let out = token_cmd(&two, &url, &prefix, "svc")
        .wait_with_output()
        .unwrap();
    let waited = killed.elapsed();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        Some(token.trim().to_string()),
        stub.state().last_access_token,
        "the token the provider issued to the survivor"
    );
    assert_eq!(stub.refresh_calls(), 2);
    // The lock was taken after `spawned`, so it could not expire before spawned + ttl.
    assert!(spawned.elapsed() >= ttl);
    assert!(waited < ttl + Duration::from_secs(20), "waited {waited:?}");
    // And it was stored: the next call is served from the cache.
    let cached = rrun(
        &one,
        &url,
        &prefix,
        &["token", "--no-refresh", "--profile", "svc"],
    );
    assert_eq!(cached.code, 0, "{}", cached.stderr);
    assert_eq!(cached.stdout, token);
    assert_eq!(stub.refresh_calls(), 2);
}

#[test]
fn redis_killed_mid_refresh_gives_clear_errors_no_hang_and_keeps_the_tokens() {
    let Some(mut server) = redis_support::OwnRedis::start(&[]) else {
        return;
    };
    let url = server.url();
    let stub = PancloudStub::start();
    let sb = Sandbox::new();
    let f = init_file(&sb, "p.json", &stub.profile("svc"));
    assert_eq!(
        rrun(&sb, &url, "p:", &["init", "--from", &f, "--write"]).code,
        0
    );
    stub.set_fault(Some(Fault::Slow(Duration::from_secs(3))));
    // One process refreshes (waiting on the provider), another waits for its lock.
    let holder = token_cmd(&sb, &url, "p:", "svc");
    let deadline = Instant::now() + Duration::from_secs(60);
    while stub.refresh_calls() == 0 {
        assert!(
            Instant::now() < deadline,
            "the holder never called the provider"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let waiter = token_cmd(&sb, &url, "p:", "svc");
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    let killed = Instant::now();
    // The waiter cannot reach Redis: a clear error. The holder's refresh succeeded: its tokens
    // went to the rescue file, which it names, and it prints the token.
    let out = waiter.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "waiter: {stderr}");
    assert!(stderr.contains("cannot reach Redis at"), "waiter: {stderr}");
    assert!(out.stdout.is_empty(), "waiter printed a token");
    let out = holder.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "holder: {stderr}");
    assert!(stderr.contains("cannot reach Redis at"), "holder: {stderr}");
    assert!(
        stderr.contains(".local/state/pancred/rescue/"),
        "holder: {stderr}"
    );
    assert!(!out.stdout.is_empty(), "holder printed its token");
    assert!(
        killed.elapsed() < Duration::from_secs(20),
        "took {:?}",
        killed.elapsed()
    );
}
