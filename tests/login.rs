//! `pancred login` end to end: the real binary, its loopback listener, and a browser.
//! Failure cases assert the exit code of the contract and that the store did not change.

mod common;

use common::Sandbox;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(120);

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn init(sb: &Sandbox, fields: Value) {
    let path = sb.path().join("init.json");
    std::fs::write(&path, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", path.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

fn stored(sb: &Sandbox) -> Vec<u8> {
    std::fs::read(&sb.creds).expect("the credentials file")
}

/// A running `pancred login`: stderr is read line by line as it comes.
struct Login {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Login {
    fn spawn(mut cmd: Command, piped_stdin: bool) -> Login {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        if piped_stdin {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd.spawn().expect("spawn pancred login");
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let stdin = child.stdin.take();
        Login {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first stderr line (from the start) for which `pick` says something.
    fn wait_for<T>(&mut self, what: &str, pick: impl Fn(&str) -> Option<T>) -> T {
        if let Some(v) = self.seen.iter().find_map(|l| pick(l)) {
            return v;
        }
        let deadline = Instant::now() + LONG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = pick(&line);
                    self.seen.push(line);
                    if let Some(v) = found {
                        return v;
                    }
                }
                Err(_) => panic!(
                    "no {what} from pancred login; stderr so far:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// The authorization URL pancred printed.
    fn url(&mut self) -> String {
        self.wait_for("authorization URL", |l| {
            let t = l.trim();
            t.starts_with("http").then(|| t.to_string())
        })
    }

    /// The port the listener bound, from the "waiting for the redirect to" line.
    fn port(&mut self) -> u16 {
        self.wait_for("waiting line", |l| {
            let rest = l
                .split("waiting for the redirect to http://127.0.0.1:")
                .nth(1)?;
            rest.split('/').next()?.parse().ok()
        })
    }

    fn paste(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{text}").unwrap();
        stdin.flush().unwrap();
    }

    fn interrupt(&self) {
        let ok = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Waits for the exit: (code, stdout, all of stderr).
    fn finish(mut self) -> (i32, String, String) {
        drop(self.stdin.take());
        let deadline = Instant::now() + LONG;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "pancred login did not end; stderr:\n{}",
                    self.seen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        let mut out = String::new();
        if let Some(mut o) = self.child.stdout.take() {
            let _ = std::io::Read::read_to_string(&mut o, &mut out);
        }
        (status.code().unwrap_or(-1), out, self.seen.join("\n"))
    }
}

fn assert_port_free(port: u16) {
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the listener's port is free again");
}

#[test]
fn port_in_use_is_named_and_nothing_changes() {
    let sb = Sandbox::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    init(
        &sb,
        json!({"profile": "default", "dialect": "oauth2", "client_id": "c",
               "auth_base_url": "http://127.0.0.1:1/auth", "token_url": "http://127.0.0.1:1/token",
               "redirect_uri": format!("http://127.0.0.1:{port}/callback")}),
    );
    let before = stored(&sb);
    let started = Instant::now();
    let r = sb.run(&["login", "--no-browser"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains(&format!("port {port}")), "{}", r.stderr);
    assert!(
        r.stderr.contains("redirect URI registered at the provider"),
        "{}",
        r.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "an error at once, not a hang"
    );
    assert_eq!(stored(&sb), before);
    // The same through --port.
    let r = sb.run(&["login", "--no-browser", "--port", &port.to_string()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(&format!("port {port}")));
    drop(taken);
}

#[test]
fn a_redirect_pancred_cannot_serve_is_bad_input() {
    let sb = Sandbox::new();
    init(
        &sb,
        json!({"profile": "default", "redirect_uri": "https://app.example/callback"}),
    );
    let before = stored(&sb);
    let r = sb.run(&["login", "--no-browser"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("https://app.example/callback"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pancred exchange --code"), "{}", r.stderr);
    assert_eq!(stored(&sb), before);
}
