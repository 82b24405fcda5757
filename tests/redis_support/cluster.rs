//! A six-node Redis Cluster of a test's own (three masters, one replica each), on free loopback
//! ports in a temporary folder.

use super::ha::{free_port, info_field, online_replicas, program, server_args, wait_for, Node};
use crate::common::external;
use std::path::PathBuf;
use std::process::Command;

/// A six-node cluster made by `redis-cli --cluster create ... --cluster-replicas 1`.
pub struct ClusterSet {
    pub dir: tempfile::TempDir,
    pub nodes: Vec<Node>,
}

impl ClusterSet {
    pub fn start() -> Option<ClusterSet> {
        let server = external("PANCRED_TEST_REDIS_SERVER")?;
        let cli = program("redis-cli")?;
        let dir = tempfile::tempdir().unwrap();
        let mut nodes = Vec::new();
        for _ in 0..6 {
            let port = free_port();
            let conf: PathBuf = dir.path().join(format!("nodes-{port}.conf"));
            let extra = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                conf.to_str().unwrap(),
                "--cluster-node-timeout",
                "1000",
            ]
            .map(String::from);
            nodes.push(Node::spawn(
                &server,
                server_args(dir.path(), port, &extra),
                port,
            ));
        }
        let mut create = Command::new(cli);
        create.args(["--cluster", "create"]);
        create.args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)));
        create.args(["--cluster-replicas", "1", "--cluster-yes"]);
        let out = create.output().expect("redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let set = ClusterSet { dir, nodes };
        set.wait_settled();
        Some(set)
    }

    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .take(3)
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// Every live node says `cluster_state:ok` and each master has a linked replica.
    pub fn wait_settled(&self) {
        wait_for("the cluster to be ok", || {
            self.nodes.iter().filter(|n| n.alive()).all(|n| {
                n.conn().is_some_and(|mut c| {
                    let state = info_cluster(&mut c);
                    let role = info_field(&mut c, "replication", "role");
                    let linked = match role.as_deref() {
                        Some("master") => online_replicas(&mut c) == Some(1),
                        _ => {
                            info_field(&mut c, "replication", "master_link_status").as_deref()
                                == Some("up")
                        }
                    };
                    state && linked
                })
            })
        });
    }

    /// The ports of the master serving `key` and of its replica.
    pub fn serving(&self, key: &str) -> (u16, u16) {
        let mut found = None;
        // Every live node's view, until they agree (a restarted node takes a moment to be
        // known again as a replica).
        wait_for(
            "every node to agree on the slot's master and replica",
            || {
                let views: Vec<_> = self
                    .nodes
                    .iter()
                    .filter(|n| n.alive())
                    .map(|n| n.conn().and_then(|mut c| view(&mut c, key)))
                    .collect();
                found = views.first().cloned().flatten();
                found.is_some() && views.iter().all(|v| *v == found)
            },
        );
        found.unwrap()
    }

    /// `kill -9` of the node at `port`.
    pub fn kill(&mut self, port: u16) {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .unwrap()
            .kill();
    }

    /// Starts the killed node at `port` again: it rejoins as a replica.
    pub fn restart(&mut self, port: u16) {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .unwrap()
            .restart();
    }

    /// `CLUSTER FAILOVER` on the replica at `port` (a coordinated switch: no write is lost).
    pub fn failover(&self, replica: u16) {
        let node = self.nodes.iter().find(|n| n.port == replica).unwrap();
        let mut c = node.conn().unwrap();
        let _: String = redis::cmd("CLUSTER").arg("FAILOVER").query(&mut c).unwrap();
    }
}

fn info_cluster(c: &mut redis::Connection) -> bool {
    let info: Result<String, _> = redis::cmd("CLUSTER").arg("INFO").query(c);
    info.is_ok_and(|i| i.lines().any(|l| l.trim() == "cluster_state:ok"))
}

/// The master serving `key` and its replica, as one node sees them.
fn view(c: &mut redis::Connection, key: &str) -> Option<(u16, u16)> {
    let slot: i64 = redis::cmd("CLUSTER")
        .arg("KEYSLOT")
        .arg(key)
        .query(c)
        .ok()?;
    let text: String = redis::cmd("CLUSTER").arg("NODES").query(c).ok()?;
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .filter(|f: &Vec<&str>| f.len() >= 8)
        .collect();
    let port =
        |addr: &str| -> Option<u16> { addr.split('@').next()?.rsplit(':').next()?.parse().ok() };
    let master = lines.iter().find(|f| {
        f[2].contains("master")
            && !f[2].contains("fail")
            && f[8..].iter().any(|r| {
                let (a, b) = r.split_once('-').unwrap_or((r, r));
                match (a.parse::<i64>(), b.parse::<i64>()) {
                    (Ok(a), Ok(b)) => a <= slot && slot <= b,
                    _ => false,
                }
            })
    })?;
    let replica = lines
        .iter()
        .find(|f| f[3] == master[0] && !f[2].contains("fail") && f[7] == "connected")?;
    Some((port(master[1])?, port(replica[1])?))
}
