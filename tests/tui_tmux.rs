//! The TUI as a user runs it: the real binary in a real terminal (tmux), on a file store with
//! three profiles whose tokens are valid, expiring and expired.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::pancloud_stub::PancloudStub;
use common::tmux::Tmux;
use common::{have_program, jwt, now, Sandbox};
use serde_json::json;

/// Seconds left on the profile row whose line contains `name` as a state too (`expiring 29s`).
fn seconds_left(screen: &str, name: &str) -> Option<i64> {
    let line = screen.lines().find(|l| {
        l.starts_with('│') && l.contains(&format!(" {name} ")) && l.contains("pancloud")
    })?;
    let field = line.split("pancloud").nth(1)?.split('│').next()?;
    let time = field.split_whitespace().skip(1).collect::<Vec<_>>();
    let mut total = 0;
    for part in time {
        let (n, unit) = part.split_at(part.len() - 1);
        let n: i64 = n.parse().ok()?;
        total += match unit {
            "m" => n * 60,
            "s" => n,
            "h" => n * 3600,
            _ => return None,
        };
    }
    Some(total)
}

fn write_store(sb: &Sandbox) {
    let t = now();
    let doc = |name: &str, sub: &str, iat: i64, exp: i64| {
        json!({
            "profile": name,
            "client_id": format!("cid-{name}"),
            "client_secret": "never-on-screen",
            "refresh_token": "rt-never-on-screen",
            "access_token": jwt(&json!({"sub": sub, "iat": iat, "exp": exp})),
        })
    };
    let db = json!({"profiles": {
        "1": doc("valid", "alice", t - 600, t + 3000),
        "2": doc("expiring", "bob", t - 3570, t + 40),
        "3": doc("expired", "carol", t - 4000, t - 400),
    }});
    std::fs::create_dir_all(sb.creds.parent().unwrap()).unwrap();
    std::fs::write(&sb.creds, db.to_string()).unwrap();
}

fn start(sb: &Sandbox, tmux: &Tmux) {
    // The shell around pancred records the terminal settings before and after, so the test can
    // tell that raw mode was undone.
    let cmd = format!(
        "before=$(stty -g); env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} \
         PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} {bin}; code=$?; \
         [ \"$before\" = \"$(stty -g)\" ] && echo TTY-RESTORED; echo EXIT=$code; sleep 60",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bin = common::bin()
    );
    tmux.start(120, 35, &cmd);
}

#[test]
fn profiles_count_down_keys_move_and_q_restores_the_terminal() {
    if !have_program("tmux") {
        return;
    }
    let sb = Sandbox::new();
    write_store(&sb);
    let tmux = Tmux::new("tui");
    start(&sb, &tmux);

    let first = tmux.wait("three profiles with countdowns", |s| {
        s.contains("Profiles (3)") && seconds_left(s, "expiring").is_some()
    });
    assert!(first.contains("expired 6m"), "{first}");
    assert!(first.contains("valid"), "{first}");
    assert!(
        !first.contains("never-on-screen"),
        "a secret reached the screen"
    );
    let left = seconds_left(&first, "expiring").unwrap();
    assert!((25..=40).contains(&left), "{left}\n{first}");
    let later = tmux.wait("the countdown to move", |s| {
        seconds_left(s, "expiring").is_some_and(|l| l < left)
    });
    assert!(later.contains("expiring"));

    // Sorted by name: expired, expiring, valid. The selection starts on the first.
    assert!(first.contains("│▶  expired"), "{first}");
    tmux.keys(&["j"]);
    tmux.wait("the selection on expiring", |s| {
        s.contains("│▶  expiring") && s.contains("╭ expiring ")
    });
    tmux.keys(&["G"]);
    let s = tmux.wait("the selection on valid", |s| s.contains("│▶  valid"));
    assert!(s.contains("cid-valid"), "the detail pane follows: {s}");
    tmux.keys(&["k"]);
    tmux.wait("the selection back on expiring", |s| {
        s.contains("│▶  expiring")
    });

    // Help opens and closes.
    tmux.keys(&["?"]);
    tmux.wait("the help overlay", |s| s.contains("╭ Keys "));
    tmux.keys(&["Escape"]);
    tmux.wait("the help overlay gone", |s| !s.contains("╭ Keys "));

    tmux.keys(&["q"]);
    let end = tmux.wait("pancred to exit", |s| s.contains("EXIT="));
    assert!(end.contains("EXIT=0"), "{end}");
    assert!(
        end.contains("TTY-RESTORED"),
        "terminal settings differ: {end}"
    );
    assert!(
        !end.contains("Profiles (3)"),
        "the TUI screen stayed: {end}"
    );
}

#[test]
fn a_failed_action_shows_in_the_status_line_and_the_tui_keeps_running() {
    if !have_program("tmux") {
        return;
    }
    let sb = Sandbox::new();
    write_store(&sb);
    // No provider answers on this address: the refresh must fail, visibly and harmlessly.
    let mut db: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sb.creds).unwrap()).unwrap();
    db["profiles"]["3"]["token_url"] = json!("http://127.0.0.1:9");
    std::fs::write(&sb.creds, db.to_string()).unwrap();
    let before = std::fs::read(&sb.creds).unwrap();
    let tmux = Tmux::new("tuierr");
    start(&sb, &tmux);
    tmux.wait("the list", |s| s.contains("│▶  expired"));
    tmux.keys(&["r"]);
    let s = tmux.wait("the error", |s| s.contains("✗ Refresh of 'expired' failed"));
    assert!(s.contains("Profiles (3)"), "{s}");
    tmux.keys(&["j"]);
    tmux.wait("keys still work", |s| s.contains("│▶  expiring"));
    assert_eq!(
        std::fs::read(&sb.creds).unwrap(),
        before,
        "a failed refresh changed the store"
    );
    tmux.keys(&["q"]);
    let end = tmux.wait("pancred to exit", |s| s.contains("EXIT="));
    assert!(
        end.contains("EXIT=0") && end.contains("TTY-RESTORED"),
        "{end}"
    );
}

#[test]
fn refresh_against_a_local_provider_resets_the_countdown() {
    if !have_program("tmux") {
        return;
    }
    let stub = PancloudStub::start();
    let sb = Sandbox::new();
    write_store(&sb);
    // `expired` now points at the stub: pancloud dialect, its client and refresh token.
    let mut db: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sb.creds).unwrap()).unwrap();
    let mut doc = stub.profile("expired");
    let t = now();
    doc["access_token"] = json!(jwt(
        &json!({"sub": "carol", "iat": t - 4000, "exp": t - 400})
    ));
    db["profiles"]["3"] = doc;
    std::fs::write(&sb.creds, db.to_string()).unwrap();

    let tmux = Tmux::new("tuirefresh");
    start(&sb, &tmux);
    let first = tmux.wait("the expired profile selected", |s| {
        s.contains("│▶  expired")
    });
    assert!(first.contains("expired 6m"), "{first}");
    assert_eq!(stub.refresh_calls(), 0);
    tmux.keys(&["r"]);
    let after = tmux.wait("the refreshed countdown", |s| {
        s.contains("✓ Refreshed 'expired'")
            && s.lines()
                .any(|l| l.contains("│▶  expired") && l.contains(" valid "))
    });
    assert_eq!(stub.refresh_calls(), 1, "the provider saw one refresh");
    let row = after
        .lines()
        .find(|l| l.contains("│▶  expired"))
        .unwrap()
        .to_string();
    assert!(
        !row.contains("ago"),
        "the countdown restarted: {row}\n{after}"
    );
    // The new token is in the store, where the next pancred (or pancloud) finds it.
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sb.creds).unwrap()).unwrap();
    let token = stored["profiles"]["3"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        Some(token),
        stub.state().last_access_token.clone(),
        "the stored token is the one the provider issued"
    );
    tmux.keys(&["q"]);
    let end = tmux.wait("pancred to exit", |s| s.contains("EXIT="));
    assert!(
        end.contains("EXIT=0") && end.contains("TTY-RESTORED"),
        "{end}"
    );
}

#[test]
fn sigterm_and_sighup_restore_the_terminal() {
    if !have_program("tmux") {
        return;
    }
    for signal in ["TERM", "HUP", "INT"] {
        let sb = Sandbox::new();
        write_store(&sb);
        let tmux = Tmux::new(&format!("sig{signal}"));
        start(&sb, &tmux);
        tmux.wait("the TUI", |s| s.contains("Profiles (3)"));
        // Mouse reporting, the alternate screen and a hidden cursor are on while the TUI runs.
        let during = tmux.display("#{alternate_on}");
        assert_eq!(during.trim(), "1", "the TUI uses the alternate screen");
        let shell = tmux.display("#{pane_pid}");
        let killed = std::process::Command::new("pkill")
            .args([
                &format!("-{signal}"),
                "-P",
                shell.trim(),
                "-x",
                "pancred-full",
            ])
            .status()
            .unwrap();
        assert!(killed.success(), "no pancred under the pane's shell");
        let end = tmux.wait("pancred to exit", |s| s.contains("EXIT="));
        assert!(
            end.contains("TTY-RESTORED"),
            "{signal}: raw mode left on: {end}"
        );
        let state = tmux.display("#{alternate_on} #{cursor_flag} #{mouse_any_flag}");
        assert_eq!(
            state.trim(),
            "0 1 0",
            "{signal}: alternate screen, cursor, mouse: {end}"
        );
    }
}

/// At 80x24 with no OS keyring (no session bus): the fallback banner is read whole (its advice
/// included) and every profile is still listed.
#[test]
fn at_80x24_the_keyring_banner_is_whole_and_hides_no_profile() {
    if !have_program("tmux") {
        return;
    }
    let sb = Sandbox::new();
    write_store(&sb);
    let tmux = Tmux::new("tui-banner");
    let cmd = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} \
         DBUS_SESSION_BUS_ADDRESS=unix:path={home}/no-bus PAN_CREDENTIALS_DBFILE={creds} {bin}; \
         sleep 60",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bin = common::bin()
    );
    tmux.start(80, 24, &cmd);
    let screen = tmux.wait("the banner and the profiles", |s| {
        s.contains("Profiles (3)") && s.contains("silences this.")
    });
    assert!(screen.contains("no usable OS keyring"), "{screen}");
    assert!(screen.contains("doctor` says how to fix it"), "{screen}");
    // The title is not cut by the header's right side.
    assert!(screen.starts_with(" pancred "), "{screen}");
    for name in ["valid", "expiring", "expired"] {
        assert!(
            screen.lines().any(|l| l.contains(&format!(" {name} "))),
            "{name} hidden:\n{screen}"
        );
    }
    tmux.keys(&["q"]);
}
