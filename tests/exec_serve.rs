//! `pancred exec --serve`: a command that runs longer than its token's life gets fresh tokens from
//! a private endpoint (one refresh per expiry, however many ask), a token file kept fresh, a
//! clear error once the grant is revoked, nothing another user can reach, and nothing left
//! behind when it ends, even when pancred is killed.
#![allow(clippy::disallowed_methods)] // (a test sets up its files as it likes)
#![cfg(all(feature = "cli", target_os = "linux"))]

mod common;

use common::have_program;
use common::serve::{other_user, set_mode, setup};
use pancred::sandbox::demo;
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The lines a successful run printed.
fn ok_lines(out: &std::process::Output) -> Vec<String> {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_long_command_gets_fresh_tokens_with_one_refresh_per_expiry() {
    let s = setup(5);
    // Asks every second for half a minute (six lifetimes), through `pancred token` and through
    // curl on the socket.
    let script = r#"i=0; while [ $i -lt 30 ]; do pancred token || echo FAILED; i=$((i+1)); sleep 1; done
        curl -s --unix-socket "$PANCRED_TOKEN_SOCKET" http://pancred/token; echo
        curl -s -H "Authorization: Bearer $PANCRED_TOKEN_AUTH" "$PANCRED_TOKEN_URL"; echo
        curl -s -o /dev/null -w '%{http_code}\n' "$PANCRED_TOKEN_URL""#;
    let out = s.serve(&[], script).output().unwrap();
    let lines = ok_lines(&out);
    assert_eq!(
        lines.len(),
        33,
        "{lines:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!lines.iter().any(|l| l == "FAILED"), "{lines:?}");
    let tokens: Vec<&String> = lines[..30].iter().collect();
    for t in &tokens {
        assert_eq!(t.split('.').count(), 3, "not a token: {t}");
    }
    let distinct: HashSet<&&String> = tokens.iter().collect();
    assert!(
        distinct.len() >= 5,
        "only {} distinct tokens",
        distinct.len()
    );
    // Every refresh produced a token someone used: none was wasted or doubled.
    let refreshes = s.refreshes();
    assert!(
        refreshes <= distinct.len() + 1 && refreshes >= distinct.len() - 1,
        "{refreshes} refreshes for {} tokens",
        distinct.len()
    );
    let via_socket: Value = serde_json::from_str(&lines[30]).unwrap();
    assert!(via_socket["access_token"].is_string() && via_socket["expires_at"].is_i64());
    assert_eq!(via_socket["token_type"], "Bearer");
    let via_url: Value = serde_json::from_str(&lines[31]).unwrap();
    assert!(via_url["access_token"].is_string());
    // The URL without its bearer.
    assert_eq!(lines[32], "401");
    // The refresh token never crossed the endpoint.
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&s.refresh_token));
}

#[test]
fn many_callers_at_expiry_share_one_refresh() {
    let s = setup(4);
    let dir = s.sb.path().join("burst");
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        r#"sleep 4; i=0; while [ $i -lt 24 ]; do pancred token > {d}/$i & i=$((i+1)); done; wait"#,
        d = dir.display()
    );
    let before = s.refreshes();
    let out = s.serve(&[], &script).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: HashSet<String> = (0..24)
        .map(|i| std::fs::read_to_string(dir.join(i.to_string())).unwrap())
        .collect();
    assert_eq!(answers.len(), 1, "{answers:?}");
    // exec's own start may refresh once; the burst adds one.
    assert!(
        s.refreshes() - before <= 2,
        "{} refreshes",
        s.refreshes() - before
    );
}

#[test]
fn a_token_file_is_kept_fresh_and_removed_at_the_end() {
    let s = setup(4);
    let file = s.sb.path().join("token");
    let script = format!(
        r#"stat -c %a {f}; cat {f}; sleep 6; cat {f}"#,
        f = file.display()
    );
    let out = s
        .serve(&["--token-file", file.to_str().unwrap()], &script)
        .output()
        .unwrap();
    let lines = ok_lines(&out);
    assert_eq!(lines[0], "600");
    assert_ne!(lines[1], lines[2], "the file was not refreshed");
    assert!(!file.exists(), "the token file is left behind");
}

#[test]
fn a_revoked_grant_is_a_clear_error_never_a_stale_token() {
    let s = setup(3);
    let mut child = s
        .serve(
            &[],
            r#"echo ready; read go; pancred token; echo "exit=$?"; curl -s --unix-socket "$PANCRED_TOKEN_SOCKET" http://pancred/token; echo"#,
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "ready");
    // The grant ends at the provider (RFC 7009), then the access token expires.
    let stored: Value = serde_json::from_slice(&std::fs::read(&s.sb.creds).unwrap()).unwrap();
    let rt = stored["profiles"]
        .as_object()
        .unwrap()
        .values()
        .find(|d| d["profile"] == "s")
        .unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let status = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-u"])
        .arg(format!("{}:{}", demo::OAUTH2_CLIENT, demo::OAUTH2_SECRET))
        .args([
            "-d",
            &format!("token={rt}"),
            "-d",
            "token_type_hint=refresh_token",
        ])
        .arg(s.provider.url("/revoke"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "200");
    std::thread::sleep(Duration::from_secs(4));
    child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let _ = child.wait();
    let lines: Vec<&str> = rest.lines().collect();
    let mut err = String::new();
    let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
    assert_eq!(lines[0], "exit=4", "{rest} {err}");
    let err: Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(err["error"], "invalid_grant", "{err}");
    assert!(err.get("access_token").is_none());
}

fn gone(path: &Path) -> bool {
    let start = Instant::now();
    while path.exists() {
        if start.elapsed() > Duration::from_secs(10) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

#[test]
fn nothing_is_left_behind_when_the_command_ends_or_pancred_is_killed() {
    let s = setup(300);
    let file = s.sb.path().join("token");
    let script = r#"echo "$PANCRED_TOKEN_SOCKET"; echo "$PANCRED_TOKEN_URL"; ls -ld "$(dirname "$PANCRED_TOKEN_SOCKET")" | cut -c1-10; ls -l "$PANCRED_TOKEN_SOCKET" | cut -c1-10; sleep 60"#;
    for kill in ["", "-KILL"] {
        let mut child = s
            .serve(&["--token-file", file.to_str().unwrap()], script)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut read = || {
            let mut l = String::new();
            out.read_line(&mut l).unwrap();
            l.trim().to_string()
        };
        let (socket, url, dir_mode, socket_mode) = (read(), read(), read(), read());
        let socket = PathBuf::from(socket);
        assert!(socket.starts_with(&s.runtime), "{}", socket.display());
        assert_eq!(dir_mode, "drwx------");
        assert_eq!(socket_mode, "srw-------");
        assert!(file.exists());
        let note = std::fs::read_dir(s.runtime.join("pancred"))
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .expect("the endpoint's note")
            .path();
        let port: u16 = url
            .trim_start_matches("http://127.0.0.1:")
            .trim_end_matches("/token")
            .parse()
            .unwrap();
        if kill.is_empty() {
            // The command ends (killed from outside): pancred ends with it.
            Command::new("pkill")
                .args(["-f", "sleep 60"])
                .status()
                .unwrap();
        } else {
            Command::new("kill")
                .args([kill, &child.id().to_string()])
                .status()
                .unwrap();
        }
        let _ = child.wait();
        for p in [&socket, &file, &note] {
            assert!(gone(p), "{kill}: {} is left behind", p.display());
        }
        assert!(gone(socket.parent().unwrap()));
        assert!(
            std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
            "{kill}: the listener still answers"
        );
        let _ = Command::new("pkill").args(["-f", "sleep 60"]).status();
    }
}

#[test]
fn another_user_cannot_connect() {
    let Some(user) = other_user() else {
        return;
    };
    if !have_program("runuser") {
        return;
    }
    let s = setup(300);
    // The runtime folder as a login session has it, reachable by path for the other user's try.
    set_mode(&s.runtime, 0o755);
    let script = format!(
        r#"runuser -u {user} -- curl -s --unix-socket "$PANCRED_TOKEN_SOCKET" http://pancred/token; echo "socket=$?"
           runuser -u {user} -- curl -s "$PANCRED_TOKEN_URL"; echo " url=$?""#
    );
    let out = s.serve(&[], &script).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // curl 7: could not connect (the 0700 folder and the 0600 socket); the URL wants the bearer.
    assert!(text.contains("socket=7"), "{text}");
    assert!(text.contains("\"error\":\"unauthorized\""), "{text}");
    assert!(!text.contains("access_token"), "{text}");
}

#[test]
fn the_tui_shows_running_endpoints() {
    if !have_program("tmux") {
        return;
    }
    let s = setup(300);
    let line = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm-256color HOME={home} XDG_RUNTIME_DIR={rt} \
         PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} {bin}; sleep 60",
        home = s.sb.home.display(),
        rt = s.runtime.display(),
        creds = s.sb.creds.display(),
        bin = common::bin(),
    );
    let tmux = common::tmux::Tmux::new("serve-tui");
    tmux.start(140, 40, &line);
    tmux.wait("the TUI", |screen| screen.contains("Profiles (1)"));
    tmux.keys(&["l"]);
    let mut served = s
        .serve(&[], "curl -s --unix-socket \"$PANCRED_TOKEN_SOCKET\" http://pancred/token >/dev/null; sleep 30")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    tmux.wait("the endpoint", |screen| {
        screen.contains("'s' to sh: 1 answer ")
    });
    let _ = served.kill();
    let _ = served.wait();
    tmux.wait("its end", |screen| {
        screen.contains("ended: 's' to sh after 1 answer")
    });
}
