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
    tmux.start(120, 35, &tui_command(&sb, ""));
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

    // The activity pane tells what happened elsewhere.
    tmux.keys(&["l"]);
    let s = tmux.wait("the activity pane", |s| s.contains("Activity (4)"));
    for seen in [
        "'work' got a new token from",
        "'added' added by another",
        "'added' made the default by",
        "'work' removed by another",
    ] {
        assert!(s.contains(seen), "{seen}: {s}");
    }
}

/// Gives `name` an access token that enters the 60 s leeway `secs` from now.
fn enter_leeway_in(sb: &Sandbox, name: &str, secs: i64) -> i64 {
    let exp = common::now() + 60 + secs;
    init(
        sb,
        &serde_json::json!({
            "profile": name,
            "access_token": common::jwt(&serde_json::json!({"exp": exp, "sub": "old"})),
            "expires_at": exp,
        }),
    );
    exp
}

#[test]
fn keep_fresh_refreshes_on_its_own_and_two_tuis_and_a_burst_make_one_refresh() {
    if !have_program("tmux") {
        return;
    }
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "work", &basic_client(), WEB_REDIRECT);
    let exp = enter_leeway_in(&sb, "work", 4);
    // A slow provider, so that the burst below arrives while the refresh is in flight.
    oidc.set_token_delay(800);
    let (a, b) = (Tmux::new("fresh-a"), Tmux::new("fresh-b"));
    a.start(120, 35, &tui_command(&sb, "--keep-fresh --leeway 60"));
    b.start(120, 35, &tui_command(&sb, "--keep-fresh --leeway 60"));
    for t in [&a, &b] {
        let s = t.wait("the profile, valid for now", |s| {
            row(s, "work").is_some_and(|r| r.contains("valid"))
        });
        assert!(s.contains("keep fresh on"), "the header says so: {s}");
    }

    // Nobody presses a key: the token enters the leeway and a TUI refreshes it.
    let keeping = |t: &Tmux| row(&t.screen(), "work").is_some_and(|r| r.contains("refreshing"));
    let start = Instant::now();
    while !keeping(&a) && !keeping(&b) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no TUI kept 'work' fresh"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(common::now() >= exp - 60, "refreshed before the leeway");
    let burst: Vec<_> = (0..6)
        .map(|_| {
            sb.cmd(&["--profile", "work", "--leeway", "60", "token"])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn pancred token")
        })
        .collect();
    let tokens: Vec<String> = burst
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "pancred token failed");
            String::from_utf8(out.stdout).unwrap().trim().to_string()
        })
        .collect();
    assert!(tokens.iter().all(|t| t == &tokens[0]), "one token for all");
    for t in [&a, &b] {
        let s = t.wait("the kept-fresh token", |s| {
            row(s, "work").is_some_and(|r| r.contains("valid") && r.contains("59m"))
        });
        assert!(!s.contains(&tokens[0]), "the token reached the screen");
    }
    assert_eq!(
        oidc.refreshes(),
        1,
        "one refresh across two TUIs and a burst"
    );
    let stored = common::oidc::stored(&sb, "work");
    assert_eq!(stored["access_token"].as_str(), Some(tokens[0].as_str()));
    // The TUIs do not refresh the fresh token again.
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(oidc.refreshes(), 1);
}

#[test]
fn keep_fresh_is_for_the_tui_only() {
    let sb = Sandbox::new();
    let r = sb.run(&["--keep-fresh", "list"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("--keep-fresh is for the TUI"),
        "{}",
        r.stderr
    );
}
