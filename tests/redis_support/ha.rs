//! Redis deployments of a test's own, on free loopback ports in a temporary folder: one primary
//! with two replicas watched by three sentinels (here), or a six-node cluster (`cluster.rs`).
//! Every process is killed when the value is dropped.

use crate::common::external;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const MASTER: &str = "pancred-test";

/// The program, or `None` (the test is skipped) when it is missing and neither CI nor
/// tests/run.sh asks for every part: there a missing program fails the test.
pub fn program(name: &str) -> Option<String> {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
            || std::env::var("PANCRED_REQUIRE_ALL").is_ok()
        {
            panic!(
                "{name} is not installed: tests/run.sh installs it (Debian package of that name)"
            );
        }
        eprintln!(
            "skipping: {name} is not installed (apt-get install redis-server redis-sentinel)"
        );
    }
    found
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One server process and how to start it again.
pub struct Node {
    pub port: u16,
    child: Option<Child>,
    program: String,
    args: Vec<String>,
}

impl Node {
    pub fn spawn(program: &str, args: Vec<String>, port: u16) -> Node {
        let mut n = Node {
            port,
            child: None,
            program: program.to_string(),
            args,
        };
        n.start(&[]);
        n
    }

    /// Starts a killed node again with its arguments (a cluster node rejoins from its nodes file).
    pub fn restart(&mut self) {
        self.start(&[]);
    }

    fn start(&mut self, extra: &[String]) {
        let child = Command::new(&self.program)
            .args(&self.args)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start a redis process");
        self.child = Some(child);
        wait_for(&format!("127.0.0.1:{} to answer", self.port), || {
            self.conn().is_some()
        });
    }

    pub fn conn(&self) -> Option<redis::Connection> {
        let c = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).ok()?;
        let mut c = c
            .get_connection_with_timeout(Duration::from_millis(500))
            .ok()?;
        redis::cmd("PING").query::<String>(&mut c).ok()?;
        Some(c)
    }

    /// `kill -9`.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn alive(&self) -> bool {
        self.child.is_some()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `ready` every 50 ms for up to 30 s.
pub fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !ready() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub fn server_args(dir: &Path, port: u16, extra: &[String]) -> Vec<String> {
    // A folder per node: a replica's full resync writes its dump file there.
    let dir = dir.join(port.to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.as_path();
    let mut args: Vec<String> = [
        "--bind",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--save",
        "",
        "--appendonly",
        "no",
        // A replica syncs at once (not after the default 5 s wait for others to join it).
        "--repl-diskless-sync-delay",
        "0",
        "--dir",
        dir.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().cloned());
    args
}

/// `INFO`'s field `key` of a node.
pub fn info_field(conn: &mut redis::Connection, section: &str, key: &str) -> Option<String> {
    let info: String = redis::cmd("INFO").arg(section).query(conn).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(|v| v.trim().to_string())
}

/// A master's replicas that are in sync with it (`None`: not a master).
pub fn online_replicas(conn: &mut redis::Connection) -> Option<usize> {
    let info: String = redis::cmd("INFO").arg("replication").query(conn).ok()?;
    info.lines().any(|l| l.trim() == "role:master").then(|| {
        info.lines()
            .filter(|l| l.starts_with("slave") && l.contains("state=online"))
            .count()
    })
}

/// One primary, two replicas, three sentinels (quorum 2) watching it as [`MASTER`].
pub struct SentinelSet {
    pub dir: tempfile::TempDir,
    pub servers: Vec<Node>,
    pub sentinels: Vec<Node>,
}

impl SentinelSet {
    pub fn start() -> Option<SentinelSet> {
        let server = external("PANCRED_TEST_REDIS_SERVER")?;
        let sentinel = program("redis-sentinel")?;
        let dir = tempfile::tempdir().unwrap();
        let primary = free_port();
        let mut servers = vec![Node::spawn(
            &server,
            server_args(dir.path(), primary, &[]),
            primary,
        )];
        for _ in 0..2 {
            let port = free_port();
            let extra = [
                "--replicaof".into(),
                "127.0.0.1".into(),
                primary.to_string(),
            ];
            servers.push(Node::spawn(
                &server,
                server_args(dir.path(), port, &extra),
                port,
            ));
        }
        let mut sentinels = Vec::new();
        for i in 0..3 {
            let port = free_port();
            let conf = dir.path().join(format!("sentinel-{i}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "port {port}\nbind 127.0.0.1\ndir {}\n\
                     sentinel monitor {MASTER} 127.0.0.1 {primary} 2\n\
                     sentinel down-after-milliseconds {MASTER} 1000\n\
                     sentinel failover-timeout {MASTER} 2000\n\
                     sentinel parallel-syncs {MASTER} 2\n",
                    dir.path().display()
                ),
            )
            .unwrap();
            sentinels.push(Node::spawn(
                &sentinel,
                vec![conf.to_str().unwrap().to_string()],
                port,
            ));
        }
        let set = SentinelSet {
            dir,
            servers,
            sentinels,
        };
        set.wait_settled();
        Some(set)
    }

    /// `redis+sentinel://127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3/MASTER`.
    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect();
        format!("redis+sentinel://{}/{MASTER}", hosts.join(","))
    }

    /// What one sentinel knows of the master: its port, its replicas, the other sentinels,
    /// whether a failover is under way.
    fn view(sentinel: &Node) -> Option<(u16, usize, usize, bool)> {
        let mut c = sentinel.conn()?;
        let flat: Vec<String> = redis::cmd("SENTINEL")
            .arg("MASTER")
            .arg(MASTER)
            .query(&mut c)
            .ok()?;
        let get = |k: &str| {
            flat.chunks(2)
                .find(|kv| kv[0] == k)
                .map(|kv| kv[1].clone())
                .unwrap_or_default()
        };
        let replicas: Vec<Vec<String>> = redis::cmd("SENTINEL")
            .arg("REPLICAS")
            .arg(MASTER)
            .query(&mut c)
            .ok()?;
        let good = replicas
            .iter()
            .filter(|r| {
                let flags = r
                    .chunks(2)
                    .find(|kv| kv[0] == "flags")
                    .map(|kv| kv[1].as_str())
                    .unwrap_or("");
                flags == "slave"
            })
            .count();
        Some((
            get("port").parse().ok()?,
            good,
            get("num-other-sentinels").parse().ok()?,
            get("flags") != "master",
        ))
    }

    /// The master's port, once every sentinel agrees on it, sees each live replica in good
    /// health and the other sentinels, no failover is under way, and the master's replicas are
    /// all linked.
    pub fn wait_settled(&self) -> u16 {
        let live = self.servers.iter().filter(|n| n.alive()).count() - 1;
        let mut master = 0;
        wait_for("the sentinels to agree on a healthy master", || {
            let views: Vec<_> = self.sentinels.iter().map(Self::view).collect();
            let Some(Some(first)) = views.first().cloned() else {
                return false;
            };
            let agreed = views.iter().all(|v| {
                v.is_some_and(|(port, good, others, busy)| {
                    port == first.0 && good == live && others == 2 && !busy
                })
            });
            master = first.0;
            let linked = self
                .server(master)
                .and_then(|n| n.conn())
                .is_some_and(|mut c| online_replicas(&mut c) == Some(live));
            agreed && linked
        });
        master
    }

    pub fn server(&self, port: u16) -> Option<&Node> {
        self.servers.iter().find(|n| n.port == port)
    }

    /// `SENTINEL FAILOVER` through the first sentinel that takes it.
    pub fn failover(&self) {
        for s in &self.sentinels {
            if let Some(mut c) = s.conn() {
                let r: redis::RedisResult<String> = redis::cmd("SENTINEL")
                    .arg("FAILOVER")
                    .arg(MASTER)
                    .query(&mut c);
                if r.is_ok() {
                    return;
                }
            }
        }
        panic!("no sentinel accepted SENTINEL FAILOVER");
    }

    /// `kill -9` of the current master; returns its port.
    pub fn kill_master(&mut self, master: u16) -> u16 {
        let node = self.servers.iter_mut().find(|n| n.port == master).unwrap();
        node.kill();
        master
    }

    /// Starts a killed server again, as a replica of the current master.
    pub fn revive(&mut self, port: u16, master: u16) {
        let node = self.servers.iter_mut().find(|n| n.port == port).unwrap();
        node.start(&["--replicaof".into(), "127.0.0.1".into(), master.to_string()]);
    }
}
