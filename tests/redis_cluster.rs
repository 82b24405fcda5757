//! The redis store on a six-node Redis Cluster (three masters, one replica each, all on
//! loopback), every key of the store in one hash slot: 64 `pancred token` processes on an
//! expired token against oidc-provider (rotating refresh tokens, reuse detection revokes the
//! grant), while the test makes the replica of the node serving the store take over
//! (`CLUSTER FAILOVER`), or `kill -9`s that node, at a random moment of the burst. Rounds: PANCRED_TEST_HA_ROUNDS
//! (default 3).
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::oidc::Oidc;
use common::Sandbox;
use redis_support::burst::{burst, check_after, rounds};
use redis_support::cluster::ClusterSet;
use redis_support::{init_file, login, rrun, unique_prefix};
use std::time::Duration;

#[test]
fn bursts_through_node_failovers_lose_no_rotated_token() {
    let Some(set) = ClusterSet::start() else {
        return;
    };
    let Some(oidc) = Oidc::start() else {
        return;
    };
    let url = set.url();
    // No hash tag: the store puts the prefix in braces itself.
    let prefix = unique_prefix("cluster");
    let tagged = format!("{{{}}}:", prefix.trim_end_matches(':'));
    let (one, two) = (Sandbox::new(), Sandbox::new());
    login(&oidc, &one, &url, &prefix, "svc");
    oidc.set_token_delay(300);
    let set = std::sync::Mutex::new(set);
    for round in 0..rounds() {
        set.lock().unwrap().wait_settled();
        let (master, replica) = set.lock().unwrap().serving(&format!("{tagged}version"));
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
                true => set.lock().unwrap().kill(master),
                false => set.lock().unwrap().failover(replica),
            },
        );
        let how = match kill {
            true => format!("kill -9 of {master}"),
            false => format!("CLUSTER FAILOVER of {master} to {replica}"),
        };
        println!("cluster round {round} ({how}): {r:?}");
        assert_eq!(
            r.refresh_errors, 0,
            "round {round}: a grant was revoked: {r:?}"
        );
        assert!(r.tokens > 0, "round {round}: no process got a token: {r:?}");
        check_after(&oidc, &one, &two, &url, &prefix, "svc");
        if kill {
            set.lock().unwrap().restart(master);
        }
    }
    let set = set.into_inner().unwrap();
    set.wait_settled();
    // Multi-key writes (a second profile, the default, a rename) on one shard, seen by
    // another machine through `pancred list`.
    let f = init_file(&two, "p2.json", &oidc.service_profile("svc2"));
    for args in [
        vec!["init", "--from", f.as_str(), "--write"],
        vec!["use", "svc2"],
        vec!["rename", "svc2", "svc3"],
    ] {
        let r = rrun(&two, &url, &prefix, &args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.all());
    }
    let list = rrun(&one, &url, &prefix, &["list", "--json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let v: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let names: Vec<(&str, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["profile"].as_str().unwrap(),
                p["default"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, vec![("svc", false), ("svc3", true)]);
    // Every key sits under the hash tag.
    let (master, _) = set.serving(&format!("{tagged}version"));
    let node = set.nodes.iter().find(|n| n.port == master).unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{tagged}*"))
        .query(&mut node.conn().unwrap())
        .unwrap();
    assert!(keys.len() >= 5, "{keys:?}");
    let doctor = rrun(&one, &url, &prefix, &["doctor"]);
    let said = doctor.all();
    assert!(
        said.contains(&format!("node 127.0.0.1:{master}); cluster_state ok")),
        "{said}"
    );
    assert!(said.contains("primary with 1 replica connected"), "{said}");
}

/// The store's hash slot migrated to another master (`redis-cli --cluster reshard` does the
/// same steps): while the slot is half moved, a read of a moved key follows `ASK` to the new
/// node and a multi-key write waits through `TRYAGAIN` until the move is done, then follows
/// `MOVED`. Nothing is lost, and every key ends on the new master.
#[test]
fn a_slot_migrated_under_the_store_loses_nothing() {
    let Some(set) = ClusterSet::start() else {
        return;
    };
    let url = set.url();
    let prefix = unique_prefix("migrate");
    let tagged = format!("{{{}}}:", prefix.trim_end_matches(':'));
    let sb = Sandbox::new();
    let token = common::jwt(&serde_json::json!({"exp": common::now() + 3600, "sub": "svc"}));
    let f = init_file(
        &sb,
        "svc.json",
        &serde_json::json!({"profile": "svc", "dialect": "oauth2", "client_id": "c",
            "token_url": "http://127.0.0.1:1/token", "access_token": token}),
    );
    let r = rrun(&sb, &url, &prefix, &["init", "--from", &f, "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());

    let version = format!("{tagged}version");
    let (from, _) = set.serving(&version);
    let conn = |port: u16| {
        set.nodes
            .iter()
            .find(|n| n.port == port)
            .and_then(|n| n.conn())
            .unwrap()
    };
    let masters: Vec<u16> = set
        .nodes
        .iter()
        .filter(|n| {
            let role = redis_support::ha::info_field(&mut n.conn().unwrap(), "replication", "role");
            role.as_deref() == Some("master")
        })
        .map(|n| n.port)
        .collect();
    let to = *masters.iter().find(|p| **p != from).unwrap();
    let id = |port: u16| -> String {
        redis::cmd("CLUSTER")
            .arg("MYID")
            .query(&mut conn(port))
            .unwrap()
    };
    let (from_id, to_id) = (id(from), id(to));
    let slot: i64 = redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg(&version)
        .query(&mut conn(from))
        .unwrap();
    let setslot = |port: u16, how: &str, node: &str| {
        let () = redis::cmd("CLUSTER")
            .arg("SETSLOT")
            .arg(slot)
            .arg(how)
            .arg(node)
            .query(&mut conn(port))
            .unwrap();
    };
    let migrate = |keys: &[String]| {
        let () = redis::cmd("MIGRATE")
            .arg("127.0.0.1")
            .arg(to)
            .arg("")
            .arg(0)
            .arg(5000)
            .arg("KEYS")
            .arg(keys)
            .query(&mut conn(from))
            .unwrap();
    };
    setslot(to, "IMPORTING", &from_id);
    setslot(from, "MIGRATING", &to_id);
    // The profile's key moves first: reading it meets ASK.
    migrate(&[format!("{tagged}profile:svc")]);
    let asked = || -> u64 {
        let info: String = redis::cmd("INFO")
            .arg("commandstats")
            .query(&mut conn(to))
            .unwrap();
        info.lines()
            .find_map(|l| l.strip_prefix("cmdstat_asking:calls="))
            .and_then(|rest| rest.split(',').next()?.parse().ok())
            .unwrap_or(0)
    };
    let before = asked();
    let r = rrun(&sb, &url, &prefix, &["--profile", "svc", "token"]);
    assert_eq!(r.code, 0, "a read during the migration: {}", r.all());
    assert_eq!(r.stdout.trim(), token);
    assert!(
        asked() > before,
        "the read did not follow ASK to the new node"
    );

    // A write of keys on both sides waits (TRYAGAIN) until the move is done.
    let f2 = init_file(
        &sb,
        "svc2.json",
        &serde_json::json!({"profile": "svc2", "dialect": "oauth2", "client_id": "c2"}),
    );
    let mut writer = redis_support::rcmd(&sb, &url, &prefix, &["init", "--from", &f2, "--write"])
        .env("PANCRED_REDIS_TIMEOUT_MS", "8000")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        writer.try_wait().unwrap().is_none(),
        "the write did not wait for the move to finish"
    );
    let left: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{tagged}*"))
        .query(&mut conn(from))
        .unwrap();
    if !left.is_empty() {
        migrate(&left);
    }
    for port in &masters {
        setslot(*port, "NODE", &to_id);
    }
    let out = writer.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the write across the migration: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let list = rrun(&sb, &url, &prefix, &["list", "--json"]);
    assert_eq!(list.code, 0, "{}", list.all());
    let v: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["profile"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["svc", "svc2"]);
    let r = rrun(&sb, &url, &prefix, &["--profile", "svc", "token"]);
    assert_eq!(r.stdout.trim(), token, "{}", r.all());
    assert_eq!(
        set.serving(&version).0,
        to,
        "the slot is served by the new master"
    );
    let moved: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{tagged}*"))
        .query(&mut conn(to))
        .unwrap();
    assert!(moved.len() >= 5, "{moved:?}");
}
