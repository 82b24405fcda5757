//! Redis for the tests: the shared server of tests/run.sh (each test under its own key prefix),
//! or a private `redis-server` a test can stop, freeze and kill.
#![allow(dead_code)]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

use crate::common::oidc::{basic_client, Oidc, WEB_REDIRECT};
use crate::common::{external, Run, Sandbox};

pub mod burst;
pub mod cluster;
pub mod ha;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A key prefix no other test (or earlier run) uses.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("t:{test}:{}:{nanos}:", std::process::id())
}

/// `pancred ARGS` on the redis store at `url` under `prefix`, in this sandbox's HOME.
pub fn rcmd(sb: &Sandbox, url: &str, prefix: &str, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "redis")
        .env("PANCRED_REDIS_URL", url)
        .env("PANCRED_REDIS_PREFIX", prefix)
        .env_remove("REDISCLI_AUTH");
    c
}

pub fn rrun(sb: &Sandbox, url: &str, prefix: &str, args: &[&str]) -> Run {
    rcmd(sb, url, prefix, args)
        .output()
        .expect("run pancred")
        .into()
}

/// Writes a JSON file of profile fields into the sandbox and returns its path.
pub fn init_file(sb: &Sandbox, name: &str, fields: &serde_json::Value) -> String {
    let p = sb.path().join(name);
    std::fs::write(&p, fields.to_string()).unwrap();
    p.to_str().unwrap().to_string()
}

/// Logs profile `name` in at the provider through the CLI (auth-url, the provider's forms,
/// exchange), so the Redis store holds a refresh token and a JWT access token.
pub fn login(oidc: &Oidc, sb: &Sandbox, url: &str, prefix: &str, name: &str) {
    let f = init_file(
        sb,
        "p.json",
        &oidc.profile(name, &basic_client(), WEB_REDIRECT),
    );
    let w = rrun(sb, url, prefix, &["init", "--from", &f, "--write"]);
    assert_eq!(w.code, 0, "{}", w.stderr);
    let auth = rrun(sb, url, prefix, &["auth-url", "--profile", name]);
    assert_eq!(auth.code, 0, "{}", auth.stderr);
    let (code, _state) = oidc.authorize(auth.stdout.trim(), WEB_REDIRECT);
    let ex = rrun(
        sb,
        url,
        prefix,
        &["exchange", "--profile", name, "--code", &code],
    );
    assert_eq!(ex.code, 0, "{}", ex.stderr);
}

/// Drops the cached access token, as if it had expired.
pub fn expire(sb: &Sandbox, url: &str, prefix: &str, name: &str) {
    let f = init_file(
        sb,
        "expire.json",
        &serde_json::json!({"access_token": null}),
    );
    let args = ["init", "--from", &f, "--write", "--profile", name];
    let r = rrun(sb, url, prefix, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let shown = rrun(sb, url, prefix, &["show", "--json", "--profile", name]);
    let v: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(v["has_access_token"], false, "{}", shown.all());
    assert_eq!(
        v["has_refresh_token"],
        true,
        "{} ({})",
        shown.all(),
        r.all()
    );
}

/// A fresh CA (`ca.pem`) and a certificate for 127.0.0.1 signed by it (`server.pem`,
/// `server.key`) in `dir`, made by the openssl command: `(cert, key, ca)`.
pub fn tls_files(dir: &Path) -> Option<(String, String, String)> {
    if !crate::common::have_program("openssl") {
        return None;
    }
    let p = |n: &str| dir.join(n).to_str().unwrap().to_string();
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\n").unwrap();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let steps: [Vec<String>; 3] = [
        [
            &["req", "-x509"][..],
            &ec,
            &["-keyout", &p("ca.key"), "-out", &p("ca.pem")],
            &["-days", "2", "-subj", "/CN=pancred test CA"],
            &["-addext", "basicConstraints=critical,CA:TRUE"],
            &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect(),
        [
            &["req"][..],
            &ec,
            &["-keyout", &p("server.key"), "-out", &p("server.csr")],
            &["-subj", "/CN=127.0.0.1"],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect(),
        [
            "x509",
            "-req",
            "-in",
            &p("server.csr"),
            "-CA",
            &p("ca.pem"),
            "-CAkey",
            &p("ca.key"),
            "-CAcreateserial",
            "-out",
            &p("server.pem"),
            "-days",
            "2",
            "-extfile",
            &p("ext.cnf"),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
    ];
    for args in steps {
        let out = Command::new("openssl").args(&args).output().unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Some((p("server.pem"), p("server.key"), p("ca.pem")))
}

/// A server's TLS arguments with these files (clients are not asked for certificates).
pub fn tls_server_args(cert: &str, key: &str, ca: &str) -> Vec<String> {
    [
        "--tls-cert-file",
        cert,
        "--tls-key-file",
        key,
        "--tls-ca-cert-file",
        ca,
        "--tls-auth-clients",
        "no",
    ]
    .map(String::from)
    .to_vec()
}

/// A `redis-server` of the test's own on a free loopback port; killed when dropped.
pub struct OwnRedis {
    pub child: Child,
    pub port: u16,
    pub password: Option<String>,
    program: String,
    args: Vec<String>,
}

fn spawn_server(program: &str, args: &[String]) -> Child {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start redis-server")
}

impl OwnRedis {
    pub fn start(extra: &[&str]) -> Option<Self> {
        Self::launch(extra, false)
    }

    /// A TLS-only server (`rediss://`) whose certificate for 127.0.0.1 is signed by a fresh CA;
    /// returns it with the CA's PEM file. Keys and certificates come from the openssl command.
    pub fn start_tls(dir: &Path) -> Option<(Self, PathBuf)> {
        let (cert, key, ca) = tls_files(dir)?;
        let args = tls_server_args(&cert, &key, &ca);
        let tls: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = Self::launch(&tls, true)?;
        Some((server, dir.join("ca.pem")))
    }

    fn launch(extra: &[&str], tls: bool) -> Option<Self> {
        let server = external("PANCRED_TEST_REDIS_SERVER")?;
        let password = extra
            .windows(2)
            .find(|w| w[0] == "--requirepass")
            .map(|w| w[1].to_string());
        // The port is free when asked for; another process may take it before redis-server
        // binds it, so a failed start is retried on a new port.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let port_args = match tls {
                false => ["--port".to_string(), port.to_string()],
                true => ["--port 0 --tls-port".to_string(), port.to_string()],
            };
            let mut args: Vec<String> = vec!["--bind".into(), "127.0.0.1".into()];
            args.extend(
                port_args
                    .iter()
                    .flat_map(|a| a.split(' '))
                    .map(String::from),
            );
            args.extend(["--save", "", "--appendonly", "no"].map(String::from));
            args.extend(extra.iter().map(|a| a.to_string()));
            let mut child = spawn_server(&server, &args);
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                let up = match tls {
                    false => ping(port),
                    // Listening is enough: the TLS handshake is what the test checks.
                    true => TcpStream::connect(("127.0.0.1", port)).is_ok(),
                };
                if up {
                    return Some(OwnRedis {
                        child,
                        port,
                        password,
                        program: server,
                        args,
                    });
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redis-server did not start");
    }

    /// The URL without a password.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn tls_url(&self) -> String {
        format!("rediss://127.0.0.1:{}/", self.port)
    }

    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig}");
    }

    /// Kills the server (SIGKILL) and starts it again on the same port after `down`; returns
    /// once it answers. With `--appendonly yes --appendfsync always` it keeps its data.
    pub fn restart(&mut self, down: Duration) {
        self.kill();
        std::thread::sleep(down);
        self.child = spawn_server(&self.program, &self.args);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ping(self.port) {
            assert!(Instant::now() < deadline, "redis-server did not come back");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A direct connection, for the test's own commands (CONFIG SET, CLIENT KILL, GET).
    pub fn raw(&self) -> redis::Connection {
        let url = match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/", self.port),
            None => self.url(),
        };
        redis::Client::open(url).unwrap().get_connection().unwrap()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        // A frozen server is thawed first, so that it dies at once.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .arg("-CONT")
                .arg(self.child.id().to_string())
                .status();
        }
        self.kill();
    }
}

/// Whether a Redis server answers on the port (any reply, `NOAUTH` included).
fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 64];
    matches!(s.read(&mut buf), Ok(n) if n > 0)
}
