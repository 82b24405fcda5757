//! The TUI as a live dashboard: the real binary in tmux, a real provider (oidc-provider), and
//! other pancred processes changing the same store while nobody presses a key.
#![cfg(feature = "cli")]

mod common;

use common::oidc::{basic_client, expire_token, init, Oidc, WEB_REDIRECT};
use common::tmux::Tmux;
use common::{have_program, Sandbox};
use std::time::{Duration, Instant};

/// How soon a change made elsewhere must be on screen.
const LIVE: Duration = Duration::from_secs(3);

/// The TUI on the sandbox's file store, in a clean environment; `args` after `pancred`.
fn tui_command(sb: &Sandbox, args: &str) -> String {
    format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} XDG_CONFIG_HOME={home}/.config \
         XDG_CACHE_HOME={home}/.cache XDG_STATE_HOME={home}/.local/state NO_COLOR=1 \
         PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} {bin} {args}; sleep 60",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bin = common::bin()
    )
}

/// The list row of profile `name` (`│▶★ work  oauth2  valid  59m 58s │`).
fn row<'a>(screen: &'a str, name: &str) -> Option<&'a str> {
    screen.lines().find(|l| {
        l.starts_with('│') && l.split_whitespace().any(|w| w == name) && l.contains("oauth2")
    })
}

#[test]
fn a_refresh_a_new_profile_and_a_new_default_from_elsewhere_show_without_a_key() {
    if !have_program("tmux") {
        return;
    }
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "work", &basic_client(), WEB_REDIRECT);
    expire_token(&sb, "work");
    let tmux = Tmux::new("live");
    tmux.start(&tui_command(&sb, ""));
    tmux.wait("the expired profile", |s| {
        s.contains("Profiles (1)") && row(s, "work").is_some_and(|r| r.contains("expired"))
    });

    // Another process refreshes the token.
    let r = sb.run(&["--profile", "work", "token"]);
    assert_eq!(r.code, 0, "token: {}", r.all());
    assert_eq!(oidc.refreshes(), 1);
    let seen = Instant::now();
    let s = tmux.wait_within("the refreshed token", LIVE, |s| {
        row(s, "work").is_some_and(|r| r.contains("valid") && !r.contains("expired"))
    });
    assert!(!s.contains(r.stdout.trim()), "the token reached the screen");
    eprintln!("refresh on screen after {:?}", seen.elapsed());

    // Another process adds a profile, then makes it the default.
    init(&sb, &oidc.profile("added", &basic_client(), WEB_REDIRECT));
    tmux.wait_within("the new profile", LIVE, |s| {
        s.contains("Profiles (2)") && row(s, "added").is_some()
    });
    let r = sb.run(&["use", "added"]);
    assert_eq!(r.code, 0, "use: {}", r.all());
    tmux.wait_within("the new default", LIVE, |s| {
        row(s, "added").is_some_and(|r| r.contains('★'))
    });
    // And removes the first one.
    let r = sb.run(&["--profile", "work", "remove", "--yes"]);
    assert_eq!(r.code, 0, "remove: {}", r.all());
    tmux.wait_within("the removal", LIVE, |s| {
        s.contains("Profiles (1)") && row(s, "work").is_none()
    });
}
