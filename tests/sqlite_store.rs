//! The sqlite store through the real binary: import from pancloud's file, list, show, use,
//! remove, the default path, private files; and a database that is corrupt, locked by another
//! program, or on a read-only disk gives exit 5 and is left exactly as it was.
#![cfg(all(feature = "cli", feature = "sqlite"))]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::{Run, Sandbox};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn db(sb: &Sandbox) -> PathBuf {
    sb.path().join("state/creds.sqlite3")
}

fn sq(sb: &Sandbox, args: &[&str]) -> Command {
    let mut c = sb.cmd(args);
    c.env("PANCRED_STORE", "sqlite")
        .env("PANCRED_SQLITE_PATH", db(sb));
    c
}

fn run(sb: &Sandbox, args: &[&str]) -> Run {
    sq(sb, args).output().unwrap().into()
}

/// A pancloud credentials file with two profiles (the peer's format, as pancloud writes it).
fn pancloud_file(sb: &Sandbox) -> String {
    let source = sb.path().join("pancloud.json");
    let tinydb = json!({"profiles": {
        "1": {"profile": "alpha", "client_id": "cid-a", "client_secret": "cs-a-secret",
              "refresh_token": "rt-a-secret", "access_token": null},
        "2": {"profile": "beta", "client_id": "cid-b", "client_secret": "cs-b-secret",
              "refresh_token": null, "access_token": null}
    }});
    std::fs::write(&source, tinydb.to_string()).unwrap();
    source.display().to_string()
}

fn names(sb: &Sandbox) -> Vec<(String, bool)> {
    let l = run(sb, &["list", "--json"]);
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

fn file_bytes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            e.file_type().unwrap().is_file().then(|| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn import_list_show_use_remove() {
    let sb = Sandbox::new();
    let src = pancloud_file(&sb);
    let i = run(&sb, &["import", "--from", &src]);
    assert_eq!(i.code, 0, "{}", i.all());
    // alpha's refresh token moves (one grant, one home); beta has no tokens to move.
    assert_eq!(i.stdout, "moved alpha\nimported beta\n");
    assert_eq!(
        names(&sb),
        [("alpha".to_string(), false), ("beta".to_string(), false)]
    );

    let s = run(&sb, &["--profile", "alpha", "show", "--json"]);
    assert_eq!(s.code, 0, "{}", s.all());
    let v: Value = serde_json::from_str(&s.stdout).unwrap();
    assert_eq!(v["client_id"], "cid-a");
    assert_eq!(v["has_refresh_token"], true);
    let text = run(&sb, &["--profile", "alpha", "show"]);
    assert!(text.stdout.contains("sqlite"), "{}", text.stdout);
    for r in [&i, &s, &text] {
        for secret in ["cs-a-secret", "rt-a-secret"] {
            assert!(
                !r.all().contains(secret),
                "a secret was printed: {}",
                r.all()
            );
        }
    }

    assert_eq!(run(&sb, &["use", "beta"]).code, 0);
    assert_eq!(
        names(&sb),
        [("alpha".to_string(), false), ("beta".to_string(), true)]
    );
    // The default profile is what commands use without --profile.
    let s = run(&sb, &["show", "--json"]);
    assert_eq!(
        serde_json::from_str::<Value>(&s.stdout).unwrap()["profile"],
        "beta"
    );
    let r = run(&sb, &["remove", "--yes"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(names(&sb), [("alpha".to_string(), false)]);
    assert_eq!(run(&sb, &["--profile", "beta", "show"]).code, 1);

    // Secrets live only in the database, which is private, as are its WAL files.
    let dir = db(&sb).parent().unwrap().to_path_buf();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for (name, _) in file_bytes(&dir) {
        let mode = std::fs::metadata(dir.join(&name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn the_default_path_is_under_xdg_data_home() {
    let sb = Sandbox::new();
    let data = sb.path().join("xdg-data");
    let src = pancloud_file(&sb);
    let r: Run = sb
        .cmd(&["--store", "sqlite", "import", "--from", &src])
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(data.join("pancred/credentials.sqlite3").is_file());
}

/// Every way the database can be unusable: exit 5, a message, and not one byte changed.
fn assert_fails_untouched(sb: &Sandbox, what: &str, cmd: impl Fn(&[&str]) -> Run) {
    let dir = db(sb).parent().unwrap().to_path_buf();
    let before = file_bytes(&dir);
    for args in [
        &["list"][..],
        &["--profile", "alpha", "show"],
        &["use", "alpha"],
        &["--profile", "alpha", "remove", "--yes"],
        &["import", "--from", &pancloud_file(sb)],
    ] {
        let r = cmd(args);
        eprintln!("{what}: {args:?}: {}", r.stderr);
        assert_eq!(r.code, 5, "{what}: {args:?}: {}", r.all());
        assert!(r.stderr.contains("creds.sqlite3"), "{what}: {}", r.stderr);
        assert!(
            file_bytes(&dir) == before,
            "{what}: {args:?} changed the files"
        );
    }
}

#[test]
fn a_corrupt_database_is_exit_5_and_left_alone() {
    let sb = Sandbox::new();
    assert_eq!(run(&sb, &["import", "--from", &pancloud_file(&sb)]).code, 0);
    // Overwrite the pages after the header: the file still starts like SQLite but is garbage.
    let path = db(&sb);
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100) {
        *b = 0xA5;
    }
    let _ = std::fs::remove_file(path.with_extension("sqlite3-wal"));
    let _ = std::fs::remove_file(path.with_extension("sqlite3-shm"));
    std::fs::write(&path, &bytes).unwrap();
    assert_fails_untouched(&sb, "corrupt", |a| run(&sb, a));
    // Not a database at all.
    std::fs::write(&path, "hello, not a database").unwrap();
    assert_fails_untouched(&sb, "not a database", |a| run(&sb, a));
}

#[test]
fn a_database_locked_by_another_program_is_exit_5_after_the_timeout() {
    let sb = Sandbox::new();
    assert_eq!(run(&sb, &["import", "--from", &pancloud_file(&sb)]).code, 0);
    // Another program holds the write lock and never lets go.
    let mut other = rusqlite_like_holder(&db(&sb));
    let start = Instant::now();
    let r: Run = sq(&sb, &["use", "alpha"])
        .env("PANCRED_LOCK_TIMEOUT", "1")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(r.stderr.contains("locked"), "{}", r.stderr);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert!(start.elapsed() >= Duration::from_millis(900));
    let _ = other.kill();
    let _ = other.wait();
    assert_eq!(
        names(&sb),
        [("alpha".into(), false), ("beta".into(), false)]
    );
}

/// Another program (Python's sqlite3) holding an exclusive write transaction on the database
/// until killed.
fn rusqlite_like_holder(path: &Path) -> std::process::Child {
    let script = format!(
        "import sqlite3, sys, time\nc = sqlite3.connect({:?}, isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('held', flush=True)\ntime.sleep(60)\n",
        path.display().to_string()
    );
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "held\n");
    child
}

#[test]
fn a_read_only_disk_is_exit_5() {
    let sb = Sandbox::new();
    assert_eq!(run(&sb, &["import", "--from", &pancloud_file(&sb)]).code, 0);
    let dir = db(&sb).parent().unwrap().to_path_buf();
    // A private mount namespace where the database's folder is a read-only bind mount.
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(format!(
            "mount --bind {0} {0} && mount -o remount,bind,ro {0}",
            dir.display()
        ))
        .output();
    if !matches!(&probe, Ok(o) if o.status.success()) {
        assert!(
            std::env::var("PANCRED_REQUIRE_ALL").is_err(),
            "cannot make a read-only mount (needs root): {probe:?}"
        );
        eprintln!("skipping: cannot make a read-only mount here");
        return;
    }
    let ro = |args: &[&str]| -> Run {
        let c = sq(&sb, args);
        let prog = c.get_program().to_owned();
        let argv: Vec<_> = c.get_args().map(|a| a.to_owned()).collect();
        let mut u = Command::new("unshare");
        u.args(["-m", "sh", "-c"])
            .arg(r#"mount --bind "$D" "$D" && mount -o remount,bind,ro "$D" && exec "$@""#)
            .arg("sh")
            .arg(prog)
            .args(argv)
            .env("D", &dir)
            .stdin(std::process::Stdio::null());
        for (k, v) in c.get_envs() {
            match v {
                Some(v) => u.env(k, v),
                None => u.env_remove(k),
            };
        }
        u.output().unwrap().into()
    };
    // Reading may work; every write fails with exit 5 and changes nothing.
    let dir2 = dir.clone();
    let before = file_bytes(&dir2);
    for args in [
        &["use", "alpha"][..],
        &["--profile", "alpha", "remove", "--yes"],
        &["import", "--from", &pancloud_file(&sb)],
    ] {
        let r = ro(args);
        eprintln!("{args:?}: {}", r.stderr);
        assert_eq!(r.code, 5, "{args:?}: {}", r.all());
        assert!(file_bytes(&dir2) == before, "{args:?} changed the files");
    }
    assert_eq!(
        names(&sb),
        [("alpha".into(), false), ("beta".into(), false)]
    );
}

#[test]
fn the_tui_works_on_the_sqlite_store() {
    if !common::have_program("tmux") {
        return;
    }
    let sb = Sandbox::new();
    assert_eq!(run(&sb, &["import", "--from", &pancloud_file(&sb)]).code, 0);
    let tmux = common::tmux::Tmux::new("sqlite");
    let cmd = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} PANCRED_STORE=sqlite \
         PANCRED_SQLITE_PATH={db} {bin}; echo EXIT=$?; sleep 60",
        home = sb.home.display(),
        db = db(&sb).display(),
        bin = common::bin()
    );
    tmux.start(120, 35, &cmd);
    tmux.wait("both profiles", |s| {
        s.contains("alpha") && s.contains("beta")
    });
    // Make the first profile the default, then delete the second.
    tmux.keys(&["u"]);
    tmux.wait("the default mark", |s| s.contains("alpha ★ default"));
    tmux.keys(&["j", "D"]);
    tmux.wait("the delete dialog", |s| s.contains("Delete profile"));
    tmux.keys(&["y"]);
    tmux.wait("beta gone", |s| {
        s.contains("Deleted 'beta'") && s.contains("Profiles (1)")
    });
    tmux.keys(&["q"]);
    tmux.wait("the TUI to exit", |s| s.contains("EXIT=0"));
    assert_eq!(names(&sb), [("alpha".to_string(), true)]);
}
