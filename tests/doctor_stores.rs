//! `pancred doctor` against broken stores, through the real binary: no session bus, a missing
//! or locked keyring collection (a private D-Bus with gnome-keyring), a Redis that may evict (and
//! a replica), and servers that never answer.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::doctor::{doctor, doctor_cmd, healthy, provider, report, status};
use common::{have_program, Run, Sandbox};
use serde_json::Value;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

#[test]
fn no_session_bus_is_reported_with_autos_fallback() {
    let p = provider();
    let sb = healthy(&p);
    let mut c = doctor(&sb);
    c.env("PANCRED_STORE", "auto")
        .env("PANCRED_KEYRING", "secret-service")
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus");
    let (run, checks) = report(c);
    assert_eq!(run.code, 1);
    assert_eq!(status(&checks, "store"), "warn");
    assert!(checks["store"]["detail"]
        .as_str()
        .unwrap()
        .contains("fell back to the file store"));
    assert_eq!(status(&checks, "secret-service"), "fail");
    assert!(checks["secret-service"]["detail"]
        .as_str()
        .unwrap()
        .contains("no D-Bus session bus"));
}

/// `pancred doctor --json` inside a fresh private D-Bus session, after `setup` (shell).
fn in_private_bus(sb: &Sandbox, setup: &str) -> Option<(Run, Value)> {
    if !have_program("dbus-run-session") || !have_program("gnome-keyring-daemon") {
        return None;
    }
    let run = sb.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut c = doctor_cmd(sb, "dbus-run-session");
    c.env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_DATA_HOME", sb.path().join("data"))
        .env("XDG_RUNTIME_DIR", &run)
        .env("PANCRED_STORE", "keyring")
        .env("PANCRED_KEYRING", "secret-service")
        .args([
            "--",
            "sh",
            "-c",
            &format!("{setup}\nexec \"$0\" doctor --json"),
            common::bin(),
        ]);
    Some(report(c))
}

#[test]
fn a_secret_service_without_a_default_collection_is_a_failure() {
    // The bus starts gnome-keyring on demand, with no password: no `login` collection.
    let sb = Sandbox::new();
    let Some((run, checks)) = in_private_bus(&sb, "") else {
        return;
    };
    assert_eq!(run.code, 1, "{}", run.all());
    let c = &checks["secret-service"];
    assert_eq!(c["status"], "fail", "{c}");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("no default collection"),
        "{c}"
    );
    // The fix it gives works.
    let unlock = "printf %s pw | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null; sleep 0.3";
    let (_, checks) = in_private_bus(
        &sb,
        &format!("gnome-keyring-daemon --start --components=secrets >/dev/null\n{unlock}"),
    )
    .unwrap();
    assert_eq!(
        status(&checks, "secret-service"),
        "ok",
        "{}",
        checks["secret-service"]
    );
}

#[test]
fn a_locked_default_collection_is_a_failure() {
    let sb = Sandbox::new();
    let lock = "printf %s pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null\n\
        dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
        org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null";
    let Some((run, checks)) = in_private_bus(&sb, lock) else {
        return;
    };
    assert_eq!(run.code, 1, "{}", run.all());
    let c = &checks["secret-service"];
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["detail"].as_str().unwrap().contains("is locked"), "{c}");
}

/// A private redis-server with extra arguments, killed on drop.
struct Redis {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Redis {
    fn start(extra: &[&str]) -> Option<Redis> {
        if !have_program("redis-server") {
            return None;
        }
        let port = common::login::free_port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("redis-server")
            .args([
                "--bind",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("start redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Redis {
            child,
            port,
            _dir: dir,
        })
    }
    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn redis_that_may_evict_and_a_replica_are_failures() {
    let Some(redis) = Redis::start(&["--maxmemory", "1mb", "--maxmemory-policy", "allkeys-lru"])
    else {
        return;
    };
    let sb = Sandbox::new();
    let mut c = doctor(&sb);
    c.env("PANCRED_STORE", "redis")
        .env("PANCRED_REDIS_URL", redis.url());
    let (run, checks) = report(c);
    assert_eq!(run.code, 1);
    assert_eq!(status(&checks, "redis"), "ok");
    let ev = &checks["redis-eviction"];
    assert_eq!(ev["status"], "fail", "{ev}");
    assert!(
        ev["detail"].as_str().unwrap().contains("allkeys-lru"),
        "{ev}"
    );
    assert!(ev["fix"].as_str().unwrap().contains("noeviction"), "{ev}");
    assert_eq!(status(&checks, "redis-replication"), "ok");

    let primary = Redis::start(&[]).unwrap();
    let port = primary.port.to_string();
    let replica = Redis::start(&["--replicaof", "127.0.0.1", &port]).unwrap();
    let mut c = doctor(&sb);
    c.env("PANCRED_STORE", "redis")
        .env("PANCRED_REDIS_URL", replica.url());
    let (run, checks) = report(c);
    assert_eq!(run.code, 1);
    let rep = &checks["redis-replication"];
    assert_eq!(rep["status"], "fail", "{rep}");
    assert!(
        rep["detail"]
            .as_str()
            .unwrap()
            .contains("read-only replica"),
        "{rep}"
    );
}

#[test]
fn servers_that_never_answer_cost_a_bounded_wait() {
    // Accepts connections (the kernel's backlog) and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let sb = Sandbox::new();
    let mut c = doctor(&sb);
    c.env("PANCRED_STORE", "redis")
        .env("PANCRED_REDIS_URL", format!("redis://127.0.0.1:{port}/"))
        .env(
            "PANCRED_MEMCACHED_URL",
            format!("memcache://127.0.0.1:{port}"),
        );
    let started = Instant::now();
    let (run, checks) = report(c);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 1);
    assert_eq!(status(&checks, "redis"), "fail");
    // memcached is configured but not the store in use: reported, not a problem.
    assert_eq!(
        status(&checks, "memcached"),
        "skip",
        "{}",
        checks["memcached"]
    );
}

/// Whether the small `pancred` answers a cached token itself, as the function it calls says:
/// yes for the file store and a plain Redis, no for a Sentinel URL (the whole program's).
#[test]
fn doctor_says_whether_the_small_program_answers_from_the_store() {
    let sb = Sandbox::new();
    let (_, checks) = report(doctor(&sb));
    let detail = |checks: &Value| {
        checks["cached-answer"]["detail"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(status(&checks, "cached-answer"), "ok", "{checks}");
    assert!(
        detail(&checks).contains("answers a valid cached token itself, from the file store"),
        "{checks}"
    );
    let Some(url) = common::external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let mut c = doctor(&sb);
    c.env("PANCRED_STORE", "redis")
        .env("PANCRED_REDIS_URL", &url);
    let (_, checks) = report(c);
    assert!(
        detail(&checks).contains("itself, from the redis store"),
        "{checks}"
    );
    let mut c = doctor(&sb);
    c.env("PANCRED_STORE", "redis")
        .env("PANCRED_REDIS_URL", "redis+sentinel://127.0.0.1:1/mymaster")
        .env("PANCRED_REDIS_TIMEOUT_MS", "300");
    let (_, checks) = report(c);
    assert!(detail(&checks).contains("to `pancred-full`"), "{checks}");
}
