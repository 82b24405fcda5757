//! The man pages render with man-db's `man -l`, each with its environment and exit statuses.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::{have_program, Run};
use std::process::Command;

fn render(page: &std::path::Path) -> Run {
    Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANWIDTH", "100")
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .expect("run man")
        .into()
}

#[test]
fn each_page_renders_with_environment_and_exit_status() {
    if !have_program("man") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let written = pancred::cli::man::write_pages(dir.path()).unwrap();
    for name in ["pancred.1", "pancred-token.1", "pancred-doctor.1"] {
        let page = dir.path().join(name);
        assert!(written.contains(&page), "{name} not written");
        let r = render(&page);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let text = &r.stdout;
        for want in [
            "NAME",
            "SYNOPSIS",
            "ENVIRONMENT",
            "EXIT STATUS",
            "PANCRED_STORE",
            "130",
        ] {
            assert!(text.contains(want), "{name} lacks {want}:\n{text}");
        }
        assert!(
            r.stderr.trim().is_empty(),
            "{name}: groff warned: {}",
            r.stderr
        );
    }
    let token = render(&dir.path().join("pancred-token.1")).stdout;
    assert!(token.contains("--no-refresh"), "{token}");
    let top = render(&dir.path().join("pancred.1")).stdout;
    assert!(top.contains("doctor"), "the subcommands are listed:\n{top}");
}
