//! `pancred generate` in a real terminal (tmux): secrets are typed without echo.
#![cfg(feature = "cli")]

mod common;

use common::tmux::{Tmux, SESSION};
use common::{have_program, Sandbox};

#[test]
fn secrets_are_not_echoed() {
    if !have_program("tmux") {
        return;
    }
    let sb = Sandbox::new();
    let tmux = Tmux::new("generate");
    let cmd = format!(
        "env -i PATH=/usr/bin:/bin HOME={home} PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} {bin} generate; echo EXIT=$?; sleep 30",
        home = sb.home.display(),
        creds = sb.creds.display(),
        bin = common::bin()
    );
    tmux.run(&[
        "new-session",
        "-d",
        "-s",
        SESSION,
        "-x",
        "100",
        "-y",
        "20",
        &cmd,
    ]);
    let prompt = |text: &'static str| move |s: &str| s.contains(text);
    tmux.wait("CLIENT_ID", prompt("CLIENT_ID:"));
    tmux.keys(&["visible-client-id", "Enter"]);
    tmux.wait("CLIENT_SECRET", prompt("CLIENT_SECRET:"));
    tmux.keys(&["HIDDEN-client-secret", "Enter"]);
    tmux.wait("REFRESH_TOKEN", prompt("REFRESH_TOKEN:"));
    tmux.keys(&["HIDDEN-refresh-token", "Enter"]);
    tmux.wait("PROFILE", prompt("PROFILE [default]:"));
    tmux.keys(&["tty", "Enter"]);
    tmux.wait(
        "the confirmation",
        prompt("Write credentials to PROFILE 'tty' [Y/N]?"),
    );
    tmux.keys(&["y", "Enter"]);
    let screen = tmux.wait("the end", prompt("EXIT="));
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(
        screen.contains("visible-client-id"),
        "the client id is echoed: {screen}"
    );
    assert!(!screen.contains("HIDDEN"), "a secret was echoed:\n{screen}");
    let stored = std::fs::read_to_string(&sb.creds).unwrap();
    assert!(stored.contains("HIDDEN-client-secret") && stored.contains("HIDDEN-refresh-token"));
}
