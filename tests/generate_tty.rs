//! `pancred generate` in a real terminal (tmux): secrets are typed without echo.

mod common;

use common::{have_program, Sandbox};
use std::process::Command;
use std::time::{Duration, Instant};

fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .arg("-L")
        .arg(socket)
        .args(args)
        .output()
        .expect("tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(socket: &str, text: &str) -> String {
    let start = Instant::now();
    loop {
        let screen = tmux(socket, &["capture-pane", "-p", "-t", "gen"]);
        if screen.contains(text) {
            return screen;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {text:?}; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn secrets_are_not_echoed() {
    if !have_program("tmux") {
        return;
    }
    let sb = Sandbox::new();
    let socket = format!("pancred-gen-{}", std::process::id());
    let cmd = format!(
        "env -i PATH=/usr/bin:/bin HOME={home} PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} {bin} generate; echo EXIT=$?; sleep 30",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bin = common::bin()
    );
    tmux(
        &socket,
        &[
            "new-session",
            "-d",
            "-s",
            "gen",
            "-x",
            "100",
            "-y",
            "20",
            &cmd,
        ],
    );
    wait_for(&socket, "CLIENT_ID:");
    tmux(
        &socket,
        &["send-keys", "-t", "gen", "visible-client-id", "Enter"],
    );
    wait_for(&socket, "CLIENT_SECRET:");
    tmux(
        &socket,
        &["send-keys", "-t", "gen", "HIDDEN-client-secret", "Enter"],
    );
    wait_for(&socket, "REFRESH_TOKEN:");
    tmux(
        &socket,
        &["send-keys", "-t", "gen", "HIDDEN-refresh-token", "Enter"],
    );
    wait_for(&socket, "PROFILE [default]:");
    tmux(&socket, &["send-keys", "-t", "gen", "tty", "Enter"]);
    wait_for(&socket, "Write credentials to PROFILE 'tty' [Y/N]?");
    tmux(&socket, &["send-keys", "-t", "gen", "y", "Enter"]);
    let screen = wait_for(&socket, "EXIT=");
    tmux(&socket, &["kill-server"]);
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("visible-client-id"),
        "the client id is echoed: {screen}"
    );
    assert!(!screen.contains("HIDDEN"), "a secret was echoed:\n{screen}");
    let stored = std::fs::read_to_string(&sb.creds).unwrap();
    assert!(stored.contains("HIDDEN-client-secret") && stored.contains("HIDDEN-refresh-token"));
}
