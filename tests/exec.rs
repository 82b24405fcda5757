//! `pancred exec`: the token reaches the command's environment (never its arguments), the
//! command's exit code is pancred's, and signals sent to pancred reach the command.
#![cfg(feature = "cli")]

mod common;

use common::oidc::init;
use common::pancloud_stub::PancloudStub;
use common::{jwt, now, Run, Sandbox};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

const SHOW_ENV: &str = r#"printf '%s|%s|%s\n' "$PANCRED_ACCESS_TOKEN" "${PAN_ACCESS_TOKEN-unset}" "$GH_TOKEN"; tr '\0' ' ' < /proc/$$/cmdline"#;

/// A profile whose cached token is valid for an hour: exec needs no provider for it.
fn cached(sb: &Sandbox, name: &str, dialect: &str) -> String {
    let token = jwt(&json!({"exp": now() + 3600, "sub": name}));
    init(
        sb,
        &json!({"profile": name, "dialect": dialect, "client_id": "c", "client_secret": "s",
                "refresh_token": "r", "token_url": "http://127.0.0.1:1/token",
                "access_token": token}),
    );
    token
}

#[test]
fn the_token_is_in_the_environment_and_not_in_arguments() {
    let sb = Sandbox::new();
    let pan = cached(&sb, "pan", "pancloud");
    let r = sb.run(&[
        "--profile",
        "pan",
        "exec",
        "--env",
        "GH_TOKEN",
        "--",
        "sh",
        "-c",
        SHOW_ENV,
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let (vars, cmdline) = r.stdout.split_once('\n').unwrap();
    assert_eq!(vars, format!("{pan}|{pan}|{pan}"));
    assert!(!cmdline.contains(&pan), "{cmdline}");
    assert!(!r.stderr.contains(&pan));

    // An oauth2 profile: no PAN_ACCESS_TOKEN (pancloud programs would take it for theirs).
    let o = cached(&sb, "std", "oauth2");
    let r = sb.run(&["--profile", "std", "exec", "--", "sh", "-c", SHOW_ENV]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.starts_with(&format!("{o}|unset|\n")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_stale_token_is_refreshed_before_the_command_runs() {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    let mut p = s.profile("lab");
    p["access_token"] = json!(jwt(&json!({"exp": now() - 10})));
    init(&sb, &p);
    let r = sb.run(&["--profile", "lab", "exec", "--", "sh", "-c", SHOW_ENV]);
    assert_eq!(r.code, 0, "{}", r.all());
    let issued = s.state().last_access_token.clone().unwrap();
    assert!(
        r.stdout.starts_with(&format!("{issued}|{issued}|")),
        "{}",
        r.stdout
    );
    assert_eq!(s.refresh_calls(), 1);
}

#[test]
fn the_exit_code_is_the_commands() {
    let sb = Sandbox::new();
    cached(&sb, "pan", "pancloud");
    let run = |args: &[&str]| -> Run {
        let mut all = vec!["--profile", "pan", "exec", "--"];
        all.extend_from_slice(args);
        sb.run(&all)
    };
    assert_eq!(run(&["sh", "-c", "exit 7"]).code, 7);
    assert_eq!(run(&["true"]).code, 0);
    // Killed by a signal: 128 + its number, as a shell reports it.
    assert_eq!(run(&["sh", "-c", "kill -KILL $$"]).code, 137);
    let r = run(&["/nonexistent/program"]);
    assert_eq!(r.code, 127, "{}", r.all());
    assert!(r.stderr.contains("cannot run"), "{}", r.stderr);
    // pancred's own failures keep their codes: no profile, no command run.
    let r = sb.run(&["--profile", "nobody", "exec", "--", "sh", "-c", "echo ran"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(!r.stdout.contains("ran"));
    let r = sb.run(&["--profile", "pan", "exec", "--env", "A=B", "--", "true"]);
    assert_eq!(r.code, 2, "{}", r.all());
}

#[test]
fn names_the_loader_or_the_shell_act_on_are_refused() {
    let sb = Sandbox::new();
    let token = cached(&sb, "pan", "pancloud");
    for program in [common::bin(), env!("CARGO_BIN_EXE_pancred-full")] {
        for name in [
            "LD_PRELOAD",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
            "PATH",
            "IFS",
        ] {
            let r: Run = sb
                .program(program)
                .args(["--profile", "pan", "exec", "--env", name, "--"])
                .args(["sh", "-c", "echo ran"])
                .output()
                .unwrap()
                .into();
            assert_eq!(r.code, 2, "{program} {name}: {}", r.all());
            assert!(!r.stdout.contains("ran"), "{}", r.stdout);
            assert!(r.stderr.contains(name), "{}", r.stderr);
            assert!(!r.all().contains(&token), "{}", r.all());
        }
    }
    // An ordinary name still gets the token.
    let r = sb.run(&[
        "--profile",
        "pan",
        "exec",
        "--env",
        "TOKEN",
        "--",
        "sh",
        "-c",
        "printf %s \"$TOKEN\"",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(r.stdout, token);
}

#[test]
fn sigterm_to_pancred_reaches_the_command() {
    let sb = Sandbox::new();
    cached(&sb, "pan", "pancloud");
    let script = r#"trap 'echo got-term; exit 42' TERM; echo ready; i=0; while [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; echo no-signal"#;
    let mut child = sb
        .cmd(&["--profile", "pan", "exec", "--", "sh", "-c", script])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in out.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let next = || {
        lines
            .recv_timeout(Duration::from_secs(30))
            .expect("a line from the command")
    };
    assert_eq!(next(), "ready");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(next(), "got-term");
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "pancred did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(42));
}
