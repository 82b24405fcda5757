//! The redis store on TLS-only Sentinel and Cluster deployments. Sentinel
//! (`rediss+sentinel://`): a primary and a
//! replica that speak only TLS (replication too), and a sentinel that speaks only TLS, all with
//! certificates from a private CA (`PANCRED_REDIS_CA_FILE`), the servers and the sentinel each
//! with a password of their own (`PANCRED_REDIS_SENTINEL_PASSWORD`). A token is read and profiles
//! written before and after `SENTINEL FAILOVER`, doctor names the master the sentinel names, and
//! no password is ever shown.
#![cfg(all(feature = "cli", feature = "redis"))]
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)

mod common;
mod redis_support;

use common::{jwt, now, Sandbox};
use redis_support::ha::{free_port, program, wait_for, MASTER};
use redis_support::{init_file, rcmd, tls_files, tls_server_args};
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};

const SERVER_PW: &str = "srv-pw-Tq81";
const SENTINEL_PW: &str = "snt-pw-Zr42";

/// `redis-cli` over TLS to the node at `port`, logged in with `password`.
fn cli(ca: &str, port: u16, password: &str, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args([
            "--tls",
            "--cacert",
            ca,
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .args(["--no-auth-warning", "-a", password])
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A server process, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program ARGS` and waits until the node at `port` answers PING over TLS.
fn spawn(program: &str, args: Vec<String>, ca: &str, port: u16, password: &str) -> Proc {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start a redis process");
    let proc = Proc(child);
    wait_for(&format!("127.0.0.1:{port} to answer over TLS"), || {
        cli(ca, port, password, &["PING"]).trim() == "PONG"
    });
    proc
}

/// A server's arguments: TLS only (`--port 0`), replication over TLS, the password, `extra`.
fn server_args(
    dir: &std::path::Path,
    port: u16,
    cert: &str,
    key: &str,
    ca: &str,
    extra: &[&str],
) -> Vec<String> {
    let data = dir.join(port.to_string());
    std::fs::create_dir_all(&data).unwrap();
    let mut args: Vec<String> = [
        "--bind",
        "127.0.0.1",
        "--port",
        "0",
        "--tls-port",
        &port.to_string(),
        "--tls-replication",
        "yes",
        "--save",
        "",
        "--appendonly",
        "no",
        "--repl-diskless-sync-delay",
        "0",
        "--requirepass",
        SERVER_PW,
        "--masterauth",
        SERVER_PW,
        "--dir",
        data.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    args.extend(tls_server_args(cert, key, ca));
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[test]
fn a_tls_sentinel_deployment_serves_and_fails_over() {
    let Some(server) = common::external("PANCRED_TEST_REDIS_SERVER") else {
        return;
    };
    let (Some(sentinel), Some(_)) = (program("redis-sentinel"), program("redis-cli")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key, ca)) = tls_files(dir.path()) else {
        return;
    };
    let tls = |port: u16, extra: &[&str]| server_args(dir.path(), port, &cert, &key, &ca, extra);
    let (primary, replica, watcher) = (free_port(), free_port(), free_port());
    let _primary = spawn(&server, tls(primary, &[]), &ca, primary, SERVER_PW);
    let p = primary.to_string();
    let _replica = spawn(
        &server,
        tls(replica, &["--replicaof", "127.0.0.1", &p]),
        &ca,
        replica,
        SERVER_PW,
    );
    let conf = dir.path().join("sentinel.conf");
    std::fs::write(
        &conf,
        format!(
            "port 0\ntls-port {watcher}\nbind 127.0.0.1\ndir {}\n\
             tls-cert-file {cert}\ntls-key-file {key}\ntls-ca-cert-file {ca}\n\
             tls-auth-clients no\ntls-replication yes\nrequirepass {SENTINEL_PW}\n\
             sentinel auth-pass {MASTER} {SERVER_PW}\n\
             sentinel monitor {MASTER} 127.0.0.1 {primary} 1\n\
             sentinel down-after-milliseconds {MASTER} 1000\n\
             sentinel failover-timeout {MASTER} 2000\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let _sentinel = spawn(
        &sentinel,
        vec![conf.to_str().unwrap().to_string()],
        &ca,
        watcher,
        SENTINEL_PW,
    );
    let master_of = || {
        cli(
            &ca,
            watcher,
            SENTINEL_PW,
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER],
        )
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse::<u16>().ok())
    };
    let replicas_known = || {
        cli(&ca, watcher, SENTINEL_PW, &["SENTINEL", "REPLICAS", MASTER])
            .contains(&replica.to_string())
            && cli(&ca, primary, SERVER_PW, &["INFO", "replication"]).contains("connected_slaves:1")
    };
    wait_for("the sentinel to see the primary and its replica", || {
        master_of() == Some(primary) && replicas_known()
    });

    let sb = Sandbox::new();
    let url = format!("rediss+sentinel://:{SERVER_PW}@127.0.0.1:{watcher}/{MASTER}");
    let said = std::cell::RefCell::new(String::new());
    let run = |args: &[&str]| -> common::Run {
        let r: common::Run = rcmd(&sb, &url, "tls:", args)
            .env("PANCRED_REDIS_CA_FILE", &ca)
            .env("PANCRED_REDIS_SENTINEL_PASSWORD", SENTINEL_PW)
            .output()
            .unwrap()
            .into();
        said.borrow_mut().push_str(&r.all());
        r
    };
    let token = jwt(&json!({"exp": now() + 3600, "sub": "svc"}));
    let f = init_file(
        &sb,
        "svc.json",
        &json!({"profile": "svc", "dialect": "oauth2", "client_id": "c", "access_token": token}),
    );
    let r = run(&["init", "--from", &f, "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(&["--profile", "svc", "token"]);
    assert_eq!(r.stdout.trim(), token, "{}", r.all());
    // Without the CA the sentinel's certificate is refused, and the message says what to set.
    let r: common::Run = rcmd(&sb, &url, "tls:", &["--profile", "svc", "token"])
        .env("PANCRED_REDIS_TIMEOUT_MS", "1000")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(r.stderr.contains("PANCRED_REDIS_CA_FILE"), "{}", r.all());
    said.borrow_mut().push_str(&r.all());
    // A wrong sentinel password: refused, never shown.
    let r: common::Run = rcmd(&sb, &url, "tls:", &["--profile", "svc", "token"])
        .env("PANCRED_REDIS_CA_FILE", &ca)
        .env("PANCRED_REDIS_SENTINEL_PASSWORD", "wrong-snt-pw")
        .env("PANCRED_REDIS_TIMEOUT_MS", "1000")
        .output()
        .unwrap()
        .into();
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stdout.is_empty(), "{}", r.all());
    assert!(!r.all().contains("wrong-snt-pw"), "{}", r.all());
    assert!(
        r.stderr.contains("refused access") && r.stderr.contains("PANCRED_REDIS_SENTINEL_PASSWORD"),
        "{}",
        r.all()
    );
    said.borrow_mut().push_str(&r.all());

    cli(&ca, watcher, SENTINEL_PW, &["SENTINEL", "FAILOVER", MASTER]);
    wait_for("the replica to be the master", || {
        master_of() == Some(replica)
    });
    let f = init_file(
        &sb,
        "svc2.json",
        &json!({"profile": "svc2", "dialect": "oauth2", "client_id": "c2"}),
    );
    let r = run(&["init", "--from", &f, "--write"]);
    assert_eq!(r.code, 0, "a write after the failover: {}", r.all());
    let r = run(&["--profile", "svc", "token"]);
    assert_eq!(r.stdout.trim(), token, "{}", r.all());
    let r = run(&["list", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&r.stdout).unwrap_or_default();
    let names: Vec<&str> = rows.iter().filter_map(|p| p["profile"].as_str()).collect();
    assert_eq!(names, ["svc", "svc2"], "{}", r.all());
    let r = run(&["doctor"]);
    assert!(
        r.all().contains(&format!("127.0.0.1:{replica}")),
        "doctor does not name the new master: {}",
        r.all()
    );
    let said = said.into_inner();
    for pw in [SERVER_PW, SENTINEL_PW] {
        assert!(!said.contains(pw), "a password was shown: {said}");
    }
}

/// A TLS-only Cluster (`rediss+cluster://`, six nodes, the cluster bus over TLS too, a password,
/// a private CA): profiles written and read, then every replica takes over its master (`CLUSTER
/// FAILOVER`) and the store is read and written again.
#[test]
fn a_tls_cluster_serves_and_fails_over() {
    let Some(server) = common::external("PANCRED_TEST_REDIS_SERVER") else {
        return;
    };
    if program("redis-cli").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let Some((cert, key, ca)) = tls_files(dir.path()) else {
        return;
    };
    let ports: Vec<u16> = (0..6).map(|_| free_port()).collect();
    let _nodes: Vec<Proc> = ports
        .iter()
        .map(|&port| {
            let conf = dir.path().join(format!("nodes-{port}.conf"));
            let extra = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                conf.to_str().unwrap(),
                "--cluster-node-timeout",
                "1000",
                "--tls-cluster",
                "yes",
            ];
            let args = server_args(dir.path(), port, &cert, &key, &ca, &extra);
            spawn(&server, args, &ca, port, SERVER_PW)
        })
        .collect();
    let out = Command::new("redis-cli")
        .args([
            "--tls",
            "--cacert",
            &ca,
            "--no-auth-warning",
            "-a",
            SERVER_PW,
        ])
        .args(["--cluster", "create"])
        .args(ports.iter().map(|p| format!("127.0.0.1:{p}")))
        .args(["--cluster-replicas", "1", "--cluster-yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "redis-cli --cluster create: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let settled = || {
        ports.iter().all(|&p| {
            let info = cli(&ca, p, SERVER_PW, &["CLUSTER", "INFO"]);
            let repl = cli(&ca, p, SERVER_PW, &["INFO", "replication"]);
            info.contains("cluster_state:ok")
                && (repl.contains("connected_slaves:1") || repl.contains("master_link_status:up"))
        })
    };
    wait_for("the TLS cluster to be ok", settled);

    let sb = Sandbox::new();
    let seeds: Vec<String> = ports[..3]
        .iter()
        .map(|p| format!("127.0.0.1:{p}"))
        .collect();
    let url = format!("rediss+cluster://:{SERVER_PW}@{}", seeds.join(","));
    let run = |args: &[&str]| -> common::Run {
        rcmd(&sb, &url, "tls:", args)
            .env("PANCRED_REDIS_CA_FILE", &ca)
            .output()
            .unwrap()
            .into()
    };
    let token = jwt(&json!({"exp": now() + 3600, "sub": "svc"}));
    let write = |name: &str, extra: Value| {
        let mut doc = json!({"profile": name, "dialect": "oauth2", "client_id": "c"});
        doc.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let f = init_file(&sb, &format!("{name}.json"), &doc);
        let r = run(&["init", "--from", &f, "--write"]);
        assert_eq!(r.code, 0, "{name}: {}", r.all());
    };
    write("svc", json!({"access_token": token}));
    let r = run(&["--profile", "svc", "token"]);
    assert_eq!(r.stdout.trim(), token, "{}", r.all());

    let replicas: Vec<u16> = ports
        .iter()
        .copied()
        .filter(|&p| cli(&ca, p, SERVER_PW, &["INFO", "replication"]).contains("role:slave"))
        .collect();
    assert_eq!(replicas.len(), 3);
    for &p in &replicas {
        cli(&ca, p, SERVER_PW, &["CLUSTER", "FAILOVER"]);
    }
    wait_for("every replica to be a master", || {
        replicas
            .iter()
            .all(|&p| cli(&ca, p, SERVER_PW, &["INFO", "replication"]).contains("role:master"))
    });
    wait_for("the TLS cluster to settle again", settled);
    write("svc2", json!({}));
    let r = run(&["--profile", "svc", "token"]);
    assert_eq!(r.stdout.trim(), token, "{}", r.all());
    let r = run(&["list", "--json"]);
    let rows: Vec<Value> = serde_json::from_str(&r.stdout).unwrap_or_default();
    let names: Vec<&str> = rows.iter().filter_map(|p| p["profile"].as_str()).collect();
    assert_eq!(names, ["svc", "svc2"], "{}", r.all());
    assert!(!r.all().contains(SERVER_PW), "{}", r.all());
}
