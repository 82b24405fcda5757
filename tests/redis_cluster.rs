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
