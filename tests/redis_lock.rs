//! The redis store's per-profile refresh lock against a real redis-server: exclusion across
//! threads and processes, expiry after a holder is SIGKILLed, renewal while a holder lives,
//! release by the owner only, and no hang when the server dies under a waiter.
#![cfg(all(feature = "cli", feature = "redis"))]

mod common;
mod redis_support;

use common::external;
use pancred::store::redis::{RedisConfig, RedisStore};
use pancred::store::{Store, StoreError};
use redis_support::{unique_prefix, OwnRedis};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

fn store(url: &str, prefix: &str, ttl_ms: u64) -> RedisStore {
    let mut cfg = RedisConfig::new(url);
    cfg.prefix = prefix.to_string();
    cfg.lock_ttl = Duration::from_millis(ttl_ms);
    RedisStore::connect(&cfg).expect("connect to the test redis")
}

/// Not a test by itself: the body of the lock-holding child process the tests start and kill.
#[test]
fn lock_holder_child() {
    let Ok(url) = std::env::var("PANCRED_TEST_LOCK_HOLDER_URL") else {
        return;
    };
    let prefix = std::env::var("PANCRED_TEST_LOCK_HOLDER_PREFIX").unwrap();
    let ttl: u64 = std::env::var("PANCRED_TEST_LOCK_HOLDER_TTL_MS")
        .unwrap()
        .parse()
        .unwrap();
    let s = store(&url, &prefix, ttl);
    let _held = s.lock("shared", Duration::from_secs(30)).unwrap();
    println!("LOCKED");
    // Hold until the parent closes standard input (or dies); tests SIGKILL it before that.
    let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
}

/// The lock-holding child; killed (SIGKILL) at the latest when dropped, so a failing test
/// leaves no process behind.
struct Holder {
    child: std::process::Child,
    /// Closing it tells a holder that outlived its test to exit.
    _stdin: Option<std::process::ChildStdin>,
}

impl Holder {
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts a child process holding the lock on profile "shared"; returns once it holds it.
fn spawn_holder(url: &str, prefix: &str, ttl_ms: u64) -> Holder {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lock_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PANCRED_TEST_LOCK_HOLDER_URL", url)
        .env("PANCRED_TEST_LOCK_HOLDER_PREFIX", prefix)
        .env("PANCRED_TEST_LOCK_HOLDER_TTL_MS", ttl_ms.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let _stdin = child.stdin.take();
    let child = Holder { child, _stdin };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if line.ends_with("LOCKED") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the child took the lock");
    child
}

#[test]
fn lock_excludes_across_threads_and_other_profiles_are_free() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("lock-threads");
    let inside = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, prefix, inside, done) =
                (url.clone(), prefix.clone(), inside.clone(), done.clone());
            std::thread::spawn(move || {
                // Each thread has its own store and connection, as separate machines would.
                let s = store(&url, &prefix, 30_000);
                for _ in 0..10 {
                    let _g = s.lock("p", Duration::from_secs(60)).unwrap();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                    std::thread::sleep(Duration::from_millis(3));
                    inside.fetch_sub(1, Ordering::SeqCst);
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(done.load(Ordering::SeqCst), 80);

    let s = store(&url, &prefix, 30_000);
    let held = s.lock("p", Duration::from_secs(5)).unwrap();
    let start = Instant::now();
    match s.lock("p", Duration::from_millis(300)) {
        Err(StoreError::LockTimeout { .. }) => {}
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("the lock was taken twice"),
    }
    assert!(start.elapsed() >= Duration::from_millis(300));
    let _other = s.lock("q", Duration::from_millis(300)).unwrap();
    drop(held);
    s.lock("p", Duration::from_secs(5)).unwrap();
}

#[test]
fn a_killed_holder_frees_the_lock_after_the_ttl_not_before() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("lock-killed");
    let ttl = Duration::from_millis(3000);
    let s = store(&url, &prefix, 30_000);
    let before = Instant::now();
    let mut child = spawn_holder(&url, &prefix, ttl.as_millis() as u64);
    // Another process holds it: no entry.
    assert!(matches!(
        s.lock("shared", Duration::from_millis(300)),
        Err(StoreError::LockTimeout { .. })
    ));
    child.kill(); // SIGKILL: no cleanup runs in the child.
    let killed = Instant::now();
    let _g = s.lock("shared", Duration::from_secs(60)).unwrap();
    let got = Instant::now();
    // The key was set after `before`, so its expiry cannot come sooner than before + ttl.
    assert!(
        got - before >= ttl,
        "taken {:?} after the holder started",
        got - before
    );
    // ...and the holder stopped renewing when it died, so it comes within one TTL (plus slack).
    assert!(
        got - killed < ttl + Duration::from_secs(10),
        "waited {:?} after the kill",
        got - killed
    );
}

#[test]
fn a_live_holder_keeps_its_lock_beyond_the_ttl() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("lock-renew");
    let mut child = spawn_holder(&url, &prefix, 600);
    let s = store(&url, &prefix, 600);
    // Five TTLs pass while the holder lives: it renews, so nobody else gets in.
    let r = s.lock("shared", Duration::from_millis(3000));
    assert!(
        matches!(r, Err(StoreError::LockTimeout { .. })),
        "taken from a live holder"
    );
    child.kill();
    s.lock("shared", Duration::from_secs(30)).unwrap();
}

#[test]
fn only_the_owner_releases() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("lock-owner");
    let (a, b) = (store(&url, &prefix, 30_000), store(&url, &prefix, 30_000));
    let old = a.lock("p", Duration::from_secs(5)).unwrap();
    // As if `old` had outlived its TTL (a holder stuck past it): the key goes, b takes the lock.
    let mut raw = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let deleted: i64 = redis::cmd("DEL")
        .arg(format!("{prefix}lock:p"))
        .query(&mut raw)
        .unwrap();
    assert_eq!(deleted, 1, "the lock key is where the store says");
    let new = b.lock("p", Duration::from_secs(5)).unwrap();
    drop(old); // must not free b's lock
    assert!(matches!(
        a.lock("p", Duration::from_millis(300)),
        Err(StoreError::LockTimeout { .. })
    ));
    drop(new);
    a.lock("p", Duration::from_secs(5)).unwrap();
}

#[test]
fn a_waiter_fails_fast_when_redis_dies() {
    let Some(mut server) = OwnRedis::start(&[]) else {
        return;
    };
    let url = server.url();
    let holder = store(&url, "p:", 30_000);
    let held = holder.lock("p", Duration::from_secs(5)).unwrap();
    let (tx, rx) = mpsc::channel();
    let waiter_url = url.clone();
    std::thread::spawn(move || {
        let s = store(&waiter_url, "p:", 30_000);
        let _ = tx.send(s.lock("p", Duration::from_secs(120)).map(|_| ()));
    });
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    let killed = Instant::now();
    let r = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the waiter returned");
    assert!(matches!(r, Err(StoreError::Unavailable(_))), "{r:?}");
    assert!(killed.elapsed() < Duration::from_secs(10));
    // Releasing with the server gone neither panics nor hangs.
    let start = Instant::now();
    drop(held);
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn renewal_survives_a_killed_connection() {
    // A server of its own: killing every client must not touch the other tests' connections.
    let Some(server) = OwnRedis::start(&[]) else {
        return;
    };
    let url = server.url();
    let prefix = unique_prefix("lock-reconnect");
    let holder = store(&url, &prefix, 400);
    let _held = holder.lock("shared", Duration::from_secs(5)).unwrap();
    // Every client connection is killed (as CLIENT KILL or a server's idle timeout does): the
    // holder's renewals must reconnect, or the lock lapses while the refresh is still running.
    let mut admin = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    for _ in 0..3 {
        let _: i64 = redis::cmd("CLIENT")
            .arg(&["KILL", "TYPE", "normal", "SKIPME", "yes"])
            .query(&mut admin)
            .unwrap();
        std::thread::sleep(Duration::from_millis(150));
    }
    let other = store(&url, &prefix, 400);
    let r = other.lock("shared", Duration::from_millis(1500));
    assert!(
        matches!(r, Err(StoreError::LockTimeout { .. })),
        "the lock lapsed while its holder lived"
    );
}

#[test]
fn a_lock_key_without_an_expiry_frees_within_the_ttl() {
    let Some(url) = external("PANCRED_TEST_REDIS_URL") else {
        return;
    };
    let prefix = unique_prefix("lock-noexpiry");
    let mut admin = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg(format!("{prefix}lock:p"))
        .arg("left-by-hand")
        .query(&mut admin)
        .unwrap();
    let s = store(&url, &prefix, 500);
    let start = Instant::now();
    s.lock("p", Duration::from_secs(10))
        .expect("a lock key with no expiry is given one");
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}
