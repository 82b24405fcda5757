//! Running `pancred login` in tests: stderr read as it comes, the store compared before and after.
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

use super::Sandbox;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

pub const LONG: Duration = Duration::from_secs(120);

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn init(sb: &Sandbox, fields: Value) {
    let path = sb.path().join("init.json");
    std::fs::write(&path, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", path.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

pub fn stored(sb: &Sandbox) -> Vec<u8> {
    std::fs::read(&sb.creds).expect("the credentials file")
}

/// A running `pancred login`: stderr is read line by line as it comes.
pub struct Login {
    pub child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl Login {
    pub fn spawn(mut cmd: Command, piped_stdin: bool) -> Login {
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
    pub fn wait_for<T>(&mut self, what: &str, pick: impl Fn(&str) -> Option<T>) -> T {
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
    pub fn url(&mut self) -> String {
        self.wait_for("authorization URL", |l| {
            let t = l.trim();
            t.starts_with("http").then(|| t.to_string())
        })
    }

    /// The port the listener bound, from the "waiting for the redirect to" line.
    pub fn port(&mut self) -> u16 {
        self.wait_for("waiting line", |l| {
            let rest = l.split("waiting for the redirect to ").nth(1)?;
            url::Url::parse(rest.split(' ').next()?).ok()?.port()
        })
    }

    pub fn paste(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("piped stdin");
        writeln!(stdin, "{text}").unwrap();
        stdin.flush().unwrap();
    }

    pub fn interrupt(&self) {
        let ok = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    /// Waits for the exit: (code, stdout, all of stderr).
    pub fn finish(mut self) -> (i32, String, String) {
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

pub fn assert_port_free(port: u16) {
    std::net::TcpListener::bind(("127.0.0.1", port)).expect("the listener's port is free again");
}

pub fn show(sb: &Sandbox) -> Value {
    let r = sb.run(&["show", "--json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.stdout).unwrap()
}

/// `BROWSER` for the tests: headless Chromium through tests/js/browser-login.mjs.
pub fn browser(js: &str) -> String {
    format!("node {js}/browser-login.mjs")
}

/// A pancloud-dialect profile whose authorization URL needs no network to build.
pub fn offline_profile(sb: &Sandbox, redirect: &str) {
    init(
        sb,
        json!({"profile": "default", "client_id": "c", "client_secret": "s",
               "refresh_token": "rt-before", "auth_base_url": "http://127.0.0.1:1/as/authorization.oauth2",
               "token_url": "http://127.0.0.1:1", "redirect_uri": redirect}),
    );
}

pub fn login_cmd(sb: &Sandbox, args: &[&str]) -> Command {
    let mut all = vec!["login"];
    all.extend_from_slice(args);
    let mut c = sb.cmd(&all);
    c.env_remove("SSH_CONNECTION");
    if let Ok(chromium) = std::env::var("PANCRED_TEST_CHROMIUM") {
        c.env("PANCRED_TEST_CHROMIUM", chromium);
    }
    c
}

pub fn refresh_token_in_file(sb: &Sandbox) -> String {
    let text = String::from_utf8(stored(sb)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    pub fn find(v: &Value) -> Option<String> {
        match v {
            Value::Object(m) => m
                .get("refresh_token")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| m.values().find_map(find)),
            _ => None,
        }
    }
    find(&v).expect("a refresh token in the store")
}

/// Sends raw bytes to the listener and returns the status of its answer (0: closed without one).
pub fn poke(port: u16, bytes: &[u8]) -> u16 {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(LONG)).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

/// A person at pancred's sandbox device page (`page`): shown the Approve and Deny buttons, they
/// type `user_code` by hand and press `decision` ("approve" or "deny"). Returns the answer page.
pub fn answer_sandbox_device_page(page: &str, user_code: &str, decision: &str) -> String {
    let (page, code, decision) = (
        page.to_string(),
        user_code.to_string(),
        decision.to_string(),
    );
    super::oidc::block(async move {
        let http = reqwest::Client::new();
        let shown = http.get(&page).send().await.unwrap().text().await.unwrap();
        assert!(
            shown.contains("Approve") && shown.contains("Deny"),
            "{shown}"
        );
        http.post(&page)
            .form(&[
                ("user_code", code.as_str()),
                ("decision", decision.as_str()),
            ])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

/// The body of a GET of `url`.
pub fn get_text(url: &str) -> String {
    let url = url.to_string();
    super::oidc::block(async move { reqwest::get(&url).await.unwrap().text().await.unwrap() })
}

/// A `$BROWSER` that counts its calls in `count`, then runs `then` (if any) on the URL.
pub fn counting_browser(
    dir: &std::path::Path,
    then: Option<&str>,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (script, count) = (dir.join("browser.sh"), dir.join("browser-calls"));
    let rest = then.map_or(String::new(), |t| format!("exec {t} \"$@\"\n"));
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho called >> '{}'\n{rest}", count.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, count)
}

/// How many times the counting `$BROWSER` was called.
pub fn browser_calls(count: &std::path::Path) -> usize {
    std::fs::read_to_string(count).map_or(0, |t| t.lines().count())
}

/// What a helper that needs a login tells the user to run (profile `w`).
pub const LOGIN_COMMAND: &str = "pancred --profile w login";
