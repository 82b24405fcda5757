//! The redis store on a master watched by Redis Sentinel (one primary, two replicas, three
//! sentinels, all on loopback): 64 `pancred token` processes on an expired token against
//! oidc-provider (rotating refresh tokens, reuse detection revokes the grant), while the test
//! forces `SENTINEL FAILOVER`, or `kill -9`s the primary, at a random moment of the burst.
//! Rounds: PANCRED_TEST_HA_ROUNDS (default 3).
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::oidc::Oidc;
use common::Sandbox;
use redis_support::burst::{burst, check_after, rounds};
use redis_support::ha::SentinelSet;
use redis_support::{login, rrun, unique_prefix};
use std::sync::Mutex;
use std::time::Duration;

#[test]
fn bursts_through_failovers_and_kills_lose_no_rotated_token() {
    let Some(set) = SentinelSet::start() else {
        return;
    };
    let Some(oidc) = Oidc::start() else {
        return;
    };
    let url = set.url();
    let prefix = unique_prefix("sentinel");
    let (one, two) = (Sandbox::new(), Sandbox::new());
    login(&oidc, &one, &url, &prefix, "svc");
    // The refresh takes a moment, so that a failure set off early in the burst often lands
    // while the lock is held and the new tokens are on their way to the store.
    oidc.set_token_delay(300);
    let set = Mutex::new(set);
    for round in 0..rounds() {
        let master = set.lock().unwrap().wait_settled();
        let kill = round % 2 == 1;
        let r = burst(
            &oidc,
            &one,
            &url,
            &prefix,
            "svc",
            64,
            Duration::from_millis(800),
            || match kill {
                true => {
                    set.lock().unwrap().kill_master(master);
                }
                false => set.lock().unwrap().failover(),
            },
        );
        let how = if kill { "kill -9" } else { "SENTINEL FAILOVER" };
        println!("sentinel round {round} ({how}): {r:?}");
        assert_eq!(
            r.refresh_errors, 0,
            "round {round}: a grant was revoked: {r:?}"
        );
        assert!(r.tokens > 0, "round {round}: no process got a token: {r:?}");
        check_after(&oidc, &one, &two, &url, &prefix, "svc");
        if kill {
            let mut s = set.lock().unwrap();
            let now = s.wait_settled();
            s.revive(master, now);
            s.wait_settled();
        }
    }
    // `pancred list` and doctor name the topology and the master.
    let list = rrun(&two, &url, &prefix, &["list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("svc"), "{}", list.stdout);
    let master = set.lock().unwrap().wait_settled();
    let doctor = rrun(&two, &url, &prefix, &["doctor"]);
    let said = doctor.all();
    assert!(
        said.contains(&format!(
            "master 'pancred-test' at 127.0.0.1:{master}, named by 3 of 3 sentinels"
        )),
        "{said}"
    );
    assert!(said.contains("primary with 2 replicas connected"), "{said}");
}

#[test]
fn a_master_name_the_sentinels_do_not_know_is_a_clear_error() {
    let Some(set) = SentinelSet::start() else {
        return;
    };
    let url = set.url().replace("/pancred-test", "/no-such-master");
    let sb = Sandbox::new();
    let r = rrun(&sb, &url, &unique_prefix("sentinel-name"), &["list"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("no-such-master"), "{}", r.stderr);
    assert!(r.stderr.contains("master name"), "{}", r.stderr);
}

/// The TUI as a live dashboard on a Sentinel store: profiles added by other processes show up
/// without a key, before and after the master fails over (the watcher follows the new master).
#[test]
fn the_tui_follows_the_store_through_a_failover() {
    if !common::have_program("tmux") {
        return;
    }
    let Some(set) = SentinelSet::start() else {
        return;
    };
    let url = set.url();
    let prefix = unique_prefix("sentinel-tui");
    let sb = Sandbox::new();
    let add = |name: &str| {
        let token = common::jwt(&serde_json::json!({"exp": common::now() + 3600, "sub": name}));
        let f = redis_support::init_file(
            &sb,
            &format!("{name}.json"),
            &serde_json::json!({"profile": name, "dialect": "oauth2", "client_id": "c",
                "access_token": token}),
        );
        let r = rrun(&sb, &url, &prefix, &["init", "--from", &f, "--write"]);
        assert_eq!(r.code, 0, "{}", r.all());
    };
    add("one");
    let tmux = common::tmux::Tmux::new("sentinel-tui");
    tmux.start(
        120,
        35,
        &format!(
            "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} NO_COLOR=1 \
             PANCRED_STORE=redis PANCRED_REDIS_URL={url} PANCRED_REDIS_PREFIX={prefix} {bin}; \
             sleep 60",
            home = sb.home.display(),
            bin = common::bin()
        ),
    );
    tmux.wait("the first profile", |s| s.contains("Profiles (1)"));
    add("two");
    tmux.wait_within("a profile added elsewhere", Duration::from_secs(3), |s| {
        s.contains("Profiles (2)")
    });
    let before = set.wait_settled();
    set.failover();
    let after = set.wait_settled();
    assert_ne!(before, after, "the master did not change");
    add("three");
    tmux.wait_within(
        "a profile added after the failover",
        Duration::from_secs(10),
        |s| s.contains("Profiles (3)"),
    );
}
