//! The command `exec` runs can be stopped, on every path: the small program answering from a
//! cached token, the whole program called directly, and the whole program after a refresh. Its
//! signal mask is empty, SIGPIPE and the signals pancred watches have their default actions,
//! SIGTERM and SIGHUP sent to pancred reach it, it can signal itself, and in a real terminal
//! Ctrl-C and closing the terminal end it. Children are bash, sleep and python, which (unlike
//! dash's `trap`) do not unblock a signal they inherit blocked.
#![allow(clippy::disallowed_methods)] // (a test sets up its files as it likes)
#![cfg(all(feature = "cli", target_os = "linux"))]

mod common;

use common::oidc::init;
use common::pancloud_stub::PancloudStub;
use common::tmux::Tmux;
use common::{have_program, jwt, now, Sandbox};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The three ways a command reaches `exec`'s runner.
#[derive(Debug, Clone, Copy)]
enum Path {
    /// `pancred` with a cached token: the small program runs the command.
    Small,
    /// `pancred-full` called directly, cached token.
    Full,
    /// `pancred` with a stale token: the whole program refreshes, then runs the command.
    Refresh,
}

const PATHS: [Path; 3] = [Path::Small, Path::Full, Path::Refresh];

struct Setup {
    sb: Sandbox,
    _stub: PancloudStub,
}

fn setup() -> Setup {
    let sb = Sandbox::new();
    let stub = PancloudStub::start();
    let mut p = stub.profile("cached");
    p["access_token"] = json!(jwt(&json!({"exp": now() + 3600})));
    init(&sb, &p);
    // Stale: every run refreshes (the stub's tokens carry no expiry pancred could cache on).
    let mut p = stub.profile("stale");
    p["access_token"] = json!(jwt(&json!({"exp": now() - 10})));
    p["cache_token"] = json!(false);
    init(&sb, &p);
    Setup { sb, _stub: stub }
}

impl Setup {
    fn exec(&self, path: Path, command: &[&str]) -> Command {
        let profile = match path {
            Path::Refresh => "stale",
            _ => "cached",
        };
        let mut args = vec!["--profile", profile, "exec", "--"];
        args.extend_from_slice(command);
        match path {
            Path::Full => {
                let mut c = self.sb.program(env!("CARGO_BIN_EXE_pancred-full"));
                c.args(&args);
                c
            }
            _ => self.sb.cmd(&args),
        }
    }
}

/// `SigBlk` or `SigIgn` of a `/proc/PID/status` text, as a bit set.
fn sig_field(status: &str, field: &str) -> u64 {
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in {status}"));
    u64::from_str_radix(line.split_whitespace().nth(1).unwrap(), 16).unwrap()
}

fn bit(sig: i32) -> u64 {
    1 << (sig - 1)
}

const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;
const SIGQUIT: i32 = 3;
const SIGUSR1: i32 = 10;
const SIGUSR2: i32 = 12;
const SIGPIPE: i32 = 13;
const SIGTERM: i32 = 15;

#[test]
fn the_command_starts_with_an_empty_mask_and_default_actions() {
    let s = setup();
    let own = std::fs::read_to_string("/proc/self/status").unwrap();
    // What pancred sets or catches; what this test process itself ignores (other than SIGPIPE,
    // which the Rust runtime ignores) is inherited as a shell would leave it.
    let watched = [SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGTERM, SIGPIPE]
        .iter()
        .fold(0, |m, s| m | bit(*s));
    let inherited = sig_field(&own, "SigIgn") & watched & !bit(SIGPIPE);
    for path in PATHS {
        let out = s
            .exec(path, &["bash", "-c", "cat /proc/$$/status"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{path:?}: {text}");
        assert_eq!(sig_field(&text, "SigBlk"), 0, "{path:?}: blocked signals");
        assert_eq!(
            sig_field(&text, "SigIgn") & watched,
            inherited,
            "{path:?}: ignored signals"
        );
        if have_program("python3") {
            let probe = "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler, \
                         sorted(signal.pthread_sigmask(signal.SIG_BLOCK, [])))";
            let out = s.exec(path, &["python3", "-c", probe]).output().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&out.stdout).trim(),
                "True []",
                "{path:?}: python's view"
            );
        }
    }
}

/// pancred running `sleep` (through sh's `exec`, so the pid it prints is sleep's).
fn start_sleep(s: &Setup, path: Path) -> (std::process::Child, u32) {
    let mut child = s
        .exec(path, &["sh", "-c", "echo $$; exec sleep 60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{path:?}: {line:?}"));
    (child, pid)
}

fn gone(pid: u32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
        || std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| s.split_whitespace().nth(2) == Some("Z"))
            .unwrap_or(true)
}

fn wait_code(child: &mut std::process::Child, what: &str) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{what}: pancred did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigterm_and_sighup_to_pancred_end_the_command() {
    let s = setup();
    for path in PATHS {
        for (name, sig) in [("TERM", SIGTERM), ("HUP", SIGHUP)] {
            let (mut child, sleeper) = start_sleep(&s, path);
            let pid = child.id().to_string();
            assert!(Command::new("kill")
                .args([&format!("-{name}"), &pid])
                .status()
                .unwrap()
                .success());
            let what = format!("{path:?} SIG{name}");
            // Killed by the signal: 128 + its number, as a shell reports it.
            assert_eq!(wait_code(&mut child, &what), Some(128 + sig), "{what}");
            assert!(gone(sleeper), "{what}: sleep {sleeper} still runs");
        }
    }
}

#[test]
fn the_command_can_signal_itself() {
    let s = setup();
    for path in PATHS {
        let out = s
            .exec(
                path,
                &["bash", "-c", "kill -TERM $$; sleep 5; echo survived"],
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(128 + SIGTERM), "{path:?}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("survived"));
        let out = s
            .exec(
                path,
                &["bash", "-c", "kill -INT $$; sleep 5; echo survived"],
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(128 + SIGINT), "{path:?}");
    }
}

/// pancred (and its command) in a real terminal: the shell line writes both pids to files.
fn in_terminal(s: &Setup, path: Path, tag: &str) -> (Tmux, u32, u32) {
    let dir = s.sb.path();
    let (me, child) = (
        dir.join(format!("{tag}.pancred")),
        dir.join(format!("{tag}.child")),
    );
    let program = match path {
        Path::Full => env!("CARGO_BIN_EXE_pancred-full"),
        _ => common::bin(),
    };
    let profile = match path {
        Path::Refresh => "stale",
        _ => "cached",
    };
    let line = format!(
        "env -i PATH=/usr/bin:/bin TERM=xterm HOME={home} XDG_STATE_HOME={home}/.local/state \
         XDG_CACHE_HOME={home}/.cache PANCRED_STORE=file PAN_CREDENTIALS_DBFILE={creds} \
         sh -c 'echo $$ > {me}; exec {program} --profile {profile} exec -- \
         python3 -c \"import os,time; open(\\\"{child}\\\", \\\"w\\\").write(str(os.getpid())); time.sleep(60)\"'",
        home = s.sb.home.display(),
        creds = s.sb.creds.display(),
        me = me.display(),
        child = child.display(),
    );
    let tmux = Tmux::new(tag);
    tmux.start(100, 20, &line);
    let read = |p: &std::path::Path| -> u32 {
        let start = Instant::now();
        loop {
            if let Some(pid) = std::fs::read_to_string(p)
                .ok()
                .and_then(|t| t.trim().parse().ok())
            {
                return pid;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{tag}: no pid in {}; screen:\n{}",
                p.display(),
                tmux.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let pancred = read(&me);
    let command = read(&child);
    (tmux, pancred, command)
}

fn wait_gone(pids: &[u32], what: &str) {
    let start = Instant::now();
    while !pids.iter().all(|p| gone(*p)) {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{what}: still running: {pids:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_and_closing_the_terminal_end_the_command() {
    if !have_program("tmux") || !have_program("python3") {
        assert!(
            std::env::var_os("PANCRED_REQUIRE_ALL").is_none(),
            "tmux and python3 are required"
        );
        return;
    }
    let s = setup();
    for (i, path) in PATHS.into_iter().enumerate() {
        let tag = format!("sig{i}c");
        let (tmux, pancred, command) = in_terminal(&s, path, &tag);
        tmux.keys(&["C-c"]);
        wait_gone(&[pancred, command], &format!("{path:?} Ctrl-C"));
        tmux.run(&["kill-server"]);

        let tag = format!("sig{i}h");
        let (tmux, pancred, command) = in_terminal(&s, path, &tag);
        // The terminal goes away: its processes get SIGHUP.
        tmux.run(&["kill-server"]);
        wait_gone(&[pancred, command], &format!("{path:?} terminal closed"));
    }
}

#[test]
fn a_closed_standard_output_is_an_error_not_a_signal_death() {
    let s = setup();
    for program in [common::bin(), env!("CARGO_BIN_EXE_pancred-full")] {
        for args in [
            &["--profile", "cached", "token"][..],
            &["--profile", "cached", "kubectl-credential"][..],
        ] {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let out =
                s.sb.program(program)
                    .args(args)
                    .stdout(writer)
                    .stderr(Stdio::piped())
                    .output()
                    .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{program} {args:?}: {err}");
            assert!(err.contains("cannot write to standard output"), "{err}");
        }
    }
}

#[test]
fn a_setting_that_is_not_utf8_is_refused_by_name_on_every_path() {
    use std::os::unix::ffi::OsStrExt;
    let s = setup();
    let bad = std::ffi::OsStr::from_bytes(b"cach\xffed");
    for program in [common::bin(), env!("CARGO_BIN_EXE_pancred-full")] {
        for (var, args) in [
            ("PANCRED_PROFILE", &["token"][..]),
            ("PANCRED_PROFILE", &["exec", "--", "true"][..]),
            ("PANCRED_STORE", &["--profile", "cached", "token"][..]),
            ("PAN_CLIENT_ID", &["--profile", "cached", "token"][..]),
        ] {
            let out =
                s.sb.program(program)
                    .args(args)
                    .env(var, bad)
                    .output()
                    .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{program} {var}: {err}");
            assert!(err.contains(var), "{err}");
            assert!(
                out.stdout.is_empty(),
                "{program} {var}: a token was handed out"
            );
        }
    }
}
