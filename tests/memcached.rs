//! The memcached store against a real memcached: the profile commands, items that never expire,
//! concurrent writers that lose nothing, a lock only its owner releases, and a server that is
//! down or frozen giving exit 5 within the timeout.
#![cfg(all(feature = "cli", feature = "memcached"))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;
mod memcached_support;

use common::{Run, Sandbox};
use memcached_support::{mcmd, mrun, raw, shared_url, unique_prefix, OwnMemcached};
use pancred::store::memcached::{MemcachedConfig, MemcachedStore};
use pancred::Store;
use serde_json::{json, Value};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn init(sb: &Sandbox, url: &str, prefix: &str, fields: Value) -> Run {
    let f = sb.path().join(format!(
        "init-{}.json",
        fields["profile"].as_str().unwrap_or("x")
    ));
    std::fs::write(&f, fields.to_string()).unwrap();
    mrun(
        sb,
        url,
        prefix,
        &["init", "--from", f.to_str().unwrap(), "--write"],
    )
}

fn names(sb: &Sandbox, url: &str, prefix: &str) -> Vec<(String, bool)> {
    let l = mrun(sb, url, prefix, &["list", "--json"]);
    assert_eq!(l.code, 0, "{}", l.all());
    let rows: Vec<Value> = serde_json::from_str(&l.stdout).unwrap();
    rows.iter()
        .map(|r| {
            (
                r["profile"].as_str().unwrap().to_string(),
                r["default"].as_bool().unwrap(),
            )
        })
        .collect()
}

fn store(url: &str, prefix: &str) -> MemcachedStore {
    let settings = pancred::env::MemcachedSettings {
        prefix: Some(prefix.to_string()),
        ..Default::default()
    };
    MemcachedStore::connect(&MemcachedConfig::from_settings(Some(url), &settings).unwrap()).unwrap()
}

#[test]
fn import_list_show_use_remove_and_items_never_expire() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("commands");
    let sb = Sandbox::new();
    let src = sb.path().join("pancloud.json");
    std::fs::write(
        &src,
        json!({"profiles": {
            "1": {"profile": "alpha", "client_id": "cid-a", "client_secret": "cs-a-secret",
                  "refresh_token": "rt-a-secret", "access_token": null},
            "2": {"profile": "beta gamma", "client_id": "cid-b", "client_secret": "cs-b-secret"}
        }})
        .to_string(),
    )
    .unwrap();
    let i = mrun(
        &sb,
        &url,
        &prefix,
        &["import", "--from", src.to_str().unwrap()],
    );
    assert_eq!(i.code, 0, "{}", i.all());
    assert_eq!(i.stdout, "imported alpha\nimported beta gamma\n");
    assert_eq!(
        names(&sb, &url, &prefix),
        [("alpha".into(), false), ("beta gamma".into(), false)]
    );
    let s = mrun(
        &sb,
        &url,
        &prefix,
        &["--profile", "alpha", "show", "--json"],
    );
    let v: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(
        (v["client_id"].as_str(), v["has_refresh_token"].as_bool()),
        (Some("cid-a"), Some(true))
    );
    let text = mrun(&sb, &url, &prefix, &["--profile", "alpha", "show"]);
    assert!(
        text.stdout.contains("memcache://127.0.0.1"),
        "{}",
        text.stdout
    );
    for r in [&i, &s, &text] {
        assert!(!r.all().contains("cs-a-secret") && !r.all().contains("rt-a-secret"));
    }
    assert_eq!(mrun(&sb, &url, &prefix, &["use", "beta gamma"]).code, 0);
    assert_eq!(
        names(&sb, &url, &prefix),
        [("alpha".into(), false), ("beta gamma".into(), true)]
    );
    // Every item is stored without an expiry (TTL -1).
    for key in ["index", "default", "p:616c706861"] {
        let ttl = raw(&url, &format!("mg {prefix}{key} t\r\n"));
        assert_eq!(ttl.trim(), "HD t-1", "{key}");
    }
    let r = mrun(&sb, &url, &prefix, &["remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(names(&sb, &url, &prefix), [("alpha".into(), false)]);
    assert_eq!(raw(&url, &format!("mg {prefix}default v\r\n")).trim(), "EN");
    assert_eq!(
        mrun(&sb, &url, &prefix, &["--profile", "beta gamma", "show"]).code,
        1
    );
}

#[test]
fn concurrent_writers_lose_nothing() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("writers");
    let sb = Sandbox::new();
    let files: Vec<String> = (0..24)
        .map(|i| {
            let f = sb.path().join(format!("p{i}.json"));
            std::fs::write(
                &f,
                json!({"profile": format!("p{i}"), "client_id": format!("id-{i}")}).to_string(),
            )
            .unwrap();
            f.to_str().unwrap().to_string()
        })
        .collect();
    let children: Vec<_> = files
        .iter()
        .map(|f| {
            mcmd(&sb, &url, &prefix, &["init", "--from", f, "--write"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut got: Vec<String> = names(&sb, &url, &prefix)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    got.sort();
    let mut want: Vec<String> = (0..24).map(|i| format!("p{i}")).collect();
    want.sort();
    assert_eq!(got, want, "every concurrent writer's profile is listed");

    // The same from threads in one process, with removals interleaved.
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (url, prefix) = (url.clone(), prefix.clone());
            std::thread::spawn(move || {
                let s = store(&url, &prefix);
                for j in 0..10 {
                    s.upsert(&pancred::Profile::new(format!("t{t}-{j}")))
                        .unwrap();
                }
                assert!(s.remove(&format!("t{t}-0")).unwrap());
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(store(&url, &prefix).list().unwrap().len(), 24 + 8 * 9);
}

#[test]
fn the_refresh_lock_is_released_only_by_its_owner() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("lock");
    let (a, b) = (store(&url, &prefix), store(&url, &prefix));
    let held = a.lock("svc", Duration::from_secs(1)).unwrap();
    let start = Instant::now();
    assert!(
        b.lock("svc", Duration::from_millis(200)).is_err(),
        "two holders"
    );
    assert!(start.elapsed() >= Duration::from_millis(200));
    b.lock("other", Duration::from_millis(200)).unwrap();
    let key = format!("{prefix}lock:737663");
    let token = raw(&url, &format!("mg {key} v t\r\n"));
    assert!(token.starts_with("VA ") && token.contains(" t"), "{token}");
    // As if `a`'s lock had expired and someone else took it: `a` must not delete theirs.
    assert_eq!(
        raw(&url, &format!("ms {key} 6 T30\r\nothers\r\n")).trim(),
        "HD"
    );
    drop(held);
    assert_eq!(raw(&url, &format!("mg {key} v\r\n")), "VA 6\r\nothers\r\n");
    assert_eq!(raw(&url, &format!("md {key}\r\n")).trim(), "HD");
    // Released by its owner: free at once.
    let again = a.lock("svc", Duration::from_millis(200)).unwrap();
    drop(again);
    b.lock("svc", Duration::from_millis(200)).unwrap();
}

#[test]
fn a_server_down_or_frozen_is_exit_5_within_the_timeout() {
    let Some(mut server) = OwnMemcached::start() else {
        return;
    };
    let url = server.url();
    let sb = Sandbox::new();
    let r = init(
        &sb,
        &url,
        "p:",
        json!({"profile": "svc", "client_id": "cid"}),
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let timed = |args: &[&str]| -> (Run, Duration) {
        let start = Instant::now();
        let r: Run = mcmd(&sb, &url, "p:", args)
            .env("PANCRED_MEMCACHED_TIMEOUT_MS", "1000")
            .env("PANCRED_LOCK_TIMEOUT", "5")
            .output()
            .unwrap()
            .into();
        (r, start.elapsed())
    };
    server.signal("STOP");
    for args in [
        &["list"][..],
        &["--profile", "svc", "token"],
        &["use", "svc"],
    ] {
        let (r, took) = timed(args);
        assert_eq!(r.code, 5, "frozen: {args:?}: {}", r.all());
        assert!(r.stderr.contains("memcache://127.0.0.1"), "{}", r.stderr);
        assert!(
            r.stderr.contains("no answer within 1000 ms"),
            "{}",
            r.stderr
        );
        assert!(
            took < Duration::from_secs(8),
            "frozen: {args:?} took {took:?}"
        );
        assert!(r.stdout.is_empty());
    }
    server.signal("CONT");
    server.kill();
    for args in [&["list"][..], &["--profile", "svc", "token"]] {
        let (r, took) = timed(args);
        assert_eq!(r.code, 5, "down: {args:?}: {}", r.all());
        assert!(r.stderr.contains("cannot reach memcached"), "{}", r.stderr);
        assert!(
            took < Duration::from_secs(5),
            "down: {args:?} took {took:?}"
        );
    }
}

#[test]
fn a_corrupt_item_is_reported_and_left_alone() {
    let Some(url) = shared_url() else { return };
    let prefix = unique_prefix("corrupt");
    let sb = Sandbox::new();
    assert_eq!(init(&sb, &url, &prefix, json!({"profile": "a"})).code, 0);
    let key = format!("{prefix}p:61");
    assert_eq!(
        raw(&url, &format!("ms {key} 5 T0\r\n{{oops\r\n")).trim(),
        "HD"
    );
    let r = mrun(&sb, &url, &prefix, &["--profile", "a", "show"]);
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(r.stderr.contains("not a JSON profile"), "{}", r.stderr);
    assert_eq!(raw(&url, &format!("mg {key} v\r\n")), "VA 5\r\n{oops\r\n");
}
