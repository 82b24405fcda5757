//! `pancred demo` as a newcomer runs it: a real terminal (tmux), the built-in sandbox started
//! in-process, demo profiles in every state; refreshing the expired one makes it valid, and
//! leaving frees the sandbox's port.
#![cfg(feature = "cli")]

mod common;

use common::have_program;
use common::tmux::Tmux;
use std::time::{Duration, Instant};

/// The list row of profile `name` (left pane): what follows the name up to the pane's border.
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find_map(|l| {
        let list = l.strip_prefix('│')?.split('│').next()?;
        // Three cells of marks before the name (selection, default); `▶` and `★` are wider in bytes.
        let cells = &list[list.char_indices().nth(3)?.0..];
        cells.strip_prefix(name)?.strip_prefix(' ')
    })
}

fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

#[test]
fn demo_shows_every_state_refresh_makes_the_expired_one_valid_and_q_frees_the_port() {
    if !have_program("tmux") {
        return;
    }
    let (tmux, _dir, port, log) = Tmux::demo("demo");

    // Every row, not just the title: a capture can land between two halves of a redraw.
    let first = tmux.wait("the five demo profiles", |s| {
        s.contains("Profiles (5)")
            && [
                "pancloud-valid",
                "oauth2-expiring",
                "oauth2-expired",
                "oauth2-new",
            ]
            .iter()
            .all(|name| row(s, name).is_some())
    });
    for (name, state) in [
        ("pancloud-valid", "valid"),
        ("oauth2-expiring", "expiring"),
        ("oauth2-expired", "expired"),
        ("oauth2-new", "missing"),
    ] {
        let r = row(&first, name).unwrap_or_else(|| panic!("no row for {name}:\n{first}"));
        assert!(
            r.contains(state),
            "{name} should be {state}: {r:?}\n{first}"
        );
    }
    assert!(
        first.contains("pancloud") && first.contains("oauth2"),
        "both dialects"
    );
    for secret in ["demo-secret", "demo-developer-token", "sbx-rt-"] {
        assert!(!first.contains(secret), "a secret on screen:\n{first}");
    }
    assert!(
        !port_is_free(port),
        "the sandbox listens while the demo runs"
    );

    // Select the expired profile and refresh it against the sandbox.
    tmux.keys(&["g"]);
    let start = Instant::now();
    while !tmux.screen().contains("▶  oauth2-expired") {
        tmux.keys(&["j"]);
        std::thread::sleep(Duration::from_millis(200));
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "cannot select oauth2-expired:\n{}",
            tmux.screen()
        );
    }
    tmux.keys(&["r"]);
    let after = tmux.wait("the expired profile to become valid", |s| {
        row(s, "oauth2-expired").is_some_and(|r| r.contains("valid") && !r.contains("expired"))
    });
    assert!(
        row(&after, "oauth2-expiring").is_some_and(|r| !r.contains("valid")),
        "only the selected profile was refreshed:\n{after}"
    );
    let log_text = std::fs::read_to_string(&log).unwrap();
    assert!(
        log_text.contains("POST /token grant=refresh_token client=oauth2-demo auth=client_secret_post -> 200 tokens issued"),
        "the sandbox saw the refresh:\n{log_text}"
    );

    tmux.keys(&["q"]);
    let end = tmux.wait("pancred demo to exit", |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(
        port_is_free(port),
        "the sandbox's port is free after leaving the demo"
    );
}
