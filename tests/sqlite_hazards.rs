//! The sqlite store under what an unlucky operator meets: 40 processes opening a new database at
//! once, a database path that is a dangling symbolic link, and a rename that must never show the
//! profile (and its refresh token) under both names.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(all(feature = "cli", feature = "sqlite"))]

mod common;

use common::{Run, Sandbox};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn sq(sb: &Sandbox, db: &Path, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "sqlite")
        .env("PANCRED_SQLITE_PATH", db);
    c
}

fn run(sb: &Sandbox, db: &Path, args: &[&str]) -> Run {
    sq(sb, db, args).output().unwrap().into()
}

#[test]
fn forty_processes_opening_a_new_database_at_once_all_succeed() {
    for round in 0..3 {
        let sb = Sandbox::new();
        let db = sb.path().join(format!("new-{round}.sqlite3"));
        let children: Vec<_> = (0..40)
            .map(|_| {
                sq(&sb, &db, &["list"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn a_dangling_symbolic_link_makes_a_private_database() {
    let sb = Sandbox::new();
    let target = sb.path().join("real.sqlite3");
    let link = sb.path().join("link.sqlite3");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let f = sb.path().join("p.json");
    std::fs::write(&f, r#"{"client_id": "c", "refresh_token": "rt-secret"}"#).unwrap();
    let r = run(
        &sb,
        &link,
        &[
            "init",
            "--from",
            f.to_str().unwrap(),
            "--write",
            "--profile",
            "p",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the database the link leads to");
    assert!(!r.stderr.contains("other users can read"), "{}", r.stderr);
}

#[test]
fn a_rename_is_one_transaction() {
    let sb = Sandbox::new();
    let db = sb.path().join("creds.sqlite3");
    let f = sb.path().join("p.json");
    std::fs::write(&f, r#"{"client_id": "c", "refresh_token": "rt-secret"}"#).unwrap();
    let r = run(
        &sb,
        &db,
        &[
            "init",
            "--from",
            f.to_str().unwrap(),
            "--write",
            "--profile",
            "old",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    // A trigger records how many profiles there are after every insert: a rename done as a
    // copy and then a removal shows both names (the same refresh token twice) for a moment.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "CREATE TABLE seen (n INTEGER);
         CREATE TRIGGER count_after_insert AFTER INSERT ON profiles
         BEGIN INSERT INTO seen SELECT count(*) FROM profiles; END;",
    )
    .unwrap();
    let r = run(&sb, &db, &["rename", "old", "new"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let most: Option<i64> = conn
        .query_row("SELECT max(n) FROM seen", [], |r| r.get(0))
        .unwrap();
    assert_eq!(most, None, "the profile was under two names at once");
    let l = run(&sb, &db, &["list"]);
    assert!(
        l.stdout.contains("new") && !l.stdout.contains("old"),
        "{}",
        l.all()
    );
}

#[test]
fn forty_threads_opening_a_new_database_at_the_same_instant_all_succeed() {
    use pancred::store::sqlite::SqliteStore;
    use std::sync::{Arc, Barrier};
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.sqlite3");
        let start = Arc::new(Barrier::new(40));
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let (db, start) = (db.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    SqliteStore::open(&db, std::time::Duration::from_secs(10)).map(|_| ())
                })
            })
            .collect();
        for t in threads {
            let r = t.join().unwrap();
            assert!(r.is_ok(), "round {round}: {r:?}");
        }
    }
}
