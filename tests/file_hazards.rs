//! The credentials file as people really have it: a symbolic link into a dotfiles folder, a mode
//! a careless `cp` left open, temporary files of a write that was killed.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::init;
use common::pancloud_stub::PancloudStub;
use common::{Run, Sandbox};
use std::os::unix::fs::PermissionsExt;

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn a_linked_credentials_file_gets_the_rotated_token_and_stays_a_link() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    s.state().roll = true;
    let real = sb.path().join("dotfiles/pancloud-credentials.json");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, &sb.creds).unwrap();
    init(&sb, &s.profile("lab"));
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    let rotated = s.state().refresh_token.clone();
    assert_ne!(rotated, common::pancloud_stub::FIRST_REFRESH_TOKEN);
    let meta = std::fs::symlink_metadata(&sb.creds).unwrap();
    assert!(meta.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(
        text.contains(&rotated),
        "the target never saw the rotated token: {text}"
    );
    // The next refresh, through the link, uses it.
    ok(&sb.run(&["--profile", "lab", "refresh"]));
}

#[test]
fn a_file_others_can_read_is_warned_about() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    init(&sb, &s.profile("lab"));
    std::fs::set_permissions(&sb.creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    let r = sb.run(&["list"]);
    ok(&r);
    let path = sb.creds.display().to_string();
    assert!(
        r.stderr.contains("mode 0644") && r.stderr.contains(&format!("chmod 600 {path}")),
        "{}",
        r.stderr
    );
    assert!(!r.stdout.contains("chmod"), "the warning is not a result");
    // A write replaces the file with a private one, and the warning is gone.
    init(&sb, &serde_json::json!({"profile": "lab", "scope": "s"}));
    let r = sb.run(&["list"]);
    assert!(!r.stderr.contains("chmod"), "{}", r.stderr);
}

#[test]
fn a_killed_write_leaves_no_secret_for_long() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    init(&sb, &s.profile("lab"));
    let dir = sb.creds.parent().unwrap();
    let stale = dir.join(".credentials.json.tmp-4000000-0badf00d");
    std::fs::write(&stale, "{\"client_secret\": \"left-by-a-killed-write\"}").unwrap();
    let unrelated = dir.join(".credentials.json.bak");
    std::fs::write(&unrelated, "mine").unwrap();
    ok(&sb.run(&["--profile", "lab", "refresh"]));
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert!(unrelated.exists(), "a file that is not ours was removed");
}

/// Runs pancred, failing the test if it has not finished within `limit` (a read that blocks on
/// a FIFO, or reads 300 MB, would not).
fn run_within(sb: &Sandbox, args: &[&str], limit: std::time::Duration) -> Run {
    use std::process::Stdio;
    let mut child = sb
        .cmd(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pancred {args:?} still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap().into()
}

#[test]
fn a_fifo_as_the_credentials_file_is_refused_at_once() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&sb.creds)
        .status()
        .unwrap();
    assert!(made.success());
    for args in [&["--store", "file", "token"][..], &["list"], &["show"]] {
        let r = run_within(&sb, args, std::time::Duration::from_secs(5));
        assert_eq!(r.code, 5, "{args:?}: {}", r.all());
        assert!(
            r.stderr.contains(&sb.creds.display().to_string())
                && r.stderr
                    .contains("named pipe (FIFO) and not a regular file"),
            "{args:?}: {}",
            r.stderr
        );
    }
    let kind = std::fs::symlink_metadata(&sb.creds).unwrap().file_type();
    assert!(
        std::os::unix::fs::FileTypeExt::is_fifo(&kind),
        "the FIFO was replaced"
    );
}

#[test]
fn a_huge_credentials_file_is_refused_without_reading_it() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    // 300 MB, sparse: reading it whole would take seconds and 300 MB of memory.
    let size = 300 * 1024 * 1024;
    std::fs::File::create(&sb.creds)
        .unwrap()
        .set_len(size)
        .unwrap();
    std::fs::set_permissions(&sb.creds, std::fs::Permissions::from_mode(0o600)).unwrap();
    for args in [&["--store", "file", "token"][..], &["list"]] {
        let r = run_within(&sb, args, std::time::Duration::from_secs(3));
        assert_eq!(r.code, 5, "{args:?}: {}", r.all());
        assert!(
            r.stderr.contains(&sb.creds.display().to_string())
                && r.stderr
                    .contains(&format!("{size} bytes, more than the 16 MiB")),
            "{args:?}: {}",
            r.stderr
        );
    }
    assert_eq!(std::fs::metadata(&sb.creds).unwrap().len(), size);
}
