//! The warning about a storing helper listed before pancred follows git's own matching of
//! `credential.<url>.helper`: for each URL form, real git's `credential approve` runs
//! `store --file F` (or not) and pancred warns (or not), and the two must agree.
#![allow(clippy::disallowed_methods)] // (a test sets up its files as it likes)
#![cfg(feature = "cli")]

mod common;

use common::{bin, have_program, Run, Sandbox};
use std::io::Write;
use std::process::Stdio;

/// `git credential approve` with `credential.<url>.helper=store --file F` before pancred: whether
/// git ran the storing helper (F was written) and whether pancred warned.
fn approve(sb: &Sandbox, url: &str, request: &str, use_path: bool) -> (bool, bool, Run) {
    let file = sb.path().join("kept");
    let _ = std::fs::remove_file(&file);
    let mut c = sb.program("git");
    c.env("GIT_CONFIG_NOSYSTEM", "1")
        .args(["-c", "credential.helper="])
        .arg("-c")
        .arg(format!(
            "credential.{url}.helper=store --file {}",
            file.display()
        ))
        .arg("-c")
        .arg(format!("credential.helper=!{} git-credential", bin()))
        .arg("-c")
        .arg(format!("credential.useHttpPath={use_path}"))
        .args(["credential", "approve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let user = if request.contains("username=") {
        ""
    } else {
        "username=oauth2\n"
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{request}{user}password=t\n\n").as_bytes())
        .unwrap();
    let run: Run = child.wait_with_output().unwrap().into();
    let stored = std::fs::read_to_string(&file).is_ok_and(|t| !t.is_empty());
    let warned = run.stderr.contains("warning") && run.stderr.contains("store --file");
    (stored, warned, run)
}

#[test]
fn the_warning_follows_gits_own_url_matching() {
    if !have_program("git") {
        return;
    }
    let sb = Sandbox::new();
    let https = "protocol=https\nhost=git.example\n";
    let acme = "protocol=https\nhost=git.example\npath=acme/r.git\n";
    let cases: &[(&str, &str, bool)] = &[
        ("https://git.example", https, false),
        ("https://git.example/", https, false),
        ("https://git.example:443", https, false),
        ("https://git.example:8443", https, false),
        (
            "https://git.example:8443",
            "protocol=https\nhost=git.example:8443\n",
            false,
        ),
        ("http://git.example", https, false),
        ("https://other.example", https, false),
        ("https://*.example", https, false),
        (
            "https://*.example",
            "protocol=https\nhost=a.b.example\n",
            false,
        ),
        ("https://alice@git.example", https, false),
        (
            "https://alice@git.example",
            "protocol=https\nhost=git.example\nusername=alice\n",
            false,
        ),
        ("https://git.example/acme", acme, true),
        (
            "https://git.example/acme",
            "protocol=https\nhost=git.example\npath=acmeco/r.git\n",
            true,
        ),
        ("https://git.example/beta", acme, true),
        ("git.example", https, false),
        (
            "git.example",
            "protocol=https\nhost=git.example:8443\n",
            false,
        ),
        ("https://", https, false),
        ("http://", https, false),
    ];
    let mut stored_any = (false, false);
    for &(url, request, use_path) in cases {
        let (stored, warned, run) = approve(&sb, url, request, use_path);
        assert_eq!(
            warned, stored,
            "credential.{url}.helper with {request:?}: git ran store: {stored}, pancred warned: \
             {warned}\n{}",
            run.stderr
        );
        if stored {
            stored_any.0 = true;
        } else {
            stored_any.1 = true;
        }
    }
    // Both outcomes were seen: the comparison means something.
    assert_eq!(stored_any, (true, true));
}
