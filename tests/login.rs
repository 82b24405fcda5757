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
            let rest = l.split("waiting for the redirect to ").nth(1)?;
            url::Url::parse(rest.split(' ').next()?).ok()?.port()
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

/// The store as it matters to a user: everything but the bookkeeping of an authorization in
/// progress (state, PKCE verifier, redirect), which `pancred exchange --code` may still finish.
fn settled(sb: &Sandbox) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["pkce_verifier", "pending_state", "pending_redirect_uri"] {
                    m.remove(k);
                }
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_slice(&stored(sb)).unwrap();
    strip(&mut v);
    v
}

fn show(sb: &Sandbox) -> Value {
    let r = sb.run(&["show", "--json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    serde_json::from_str(&r.stdout).unwrap()
}

/// `BROWSER` for the tests: headless Chromium through tests/js/browser-login.mjs.
fn browser(js: &str) -> String {
    format!("node {js}/browser-login.mjs")
}

/// A pancloud-dialect profile whose authorization URL needs no network to build.
fn offline_profile(sb: &Sandbox, redirect: &str) {
    init(
        sb,
        json!({"profile": "default", "client_id": "c", "client_secret": "s",
               "refresh_token": "rt-before", "auth_base_url": "http://127.0.0.1:1/as/authorization.oauth2",
               "token_url": "http://127.0.0.1:1", "redirect_uri": redirect}),
    );
}

fn login_cmd(sb: &Sandbox, args: &[&str]) -> Command {
    let mut all = vec!["login"];
    all.extend_from_slice(args);
    let mut c = sb.cmd(&all);
    c.env_remove("SSH_CONNECTION");
    if let Ok(chromium) = std::env::var("PANCRED_TEST_CHROMIUM") {
        c.env("PANCRED_TEST_CHROMIUM", chromium);
    }
    c
}

#[test]
fn timeout_ends_cleanly_and_frees_the_port() {
    let sb = Sandbox::new();
    let port = free_port();
    offline_profile(&sb, &format!("http://127.0.0.1:{port}/callback"));
    let before = settled(&sb);
    // A browser that opens nothing.
    let mut cmd = login_cmd(&sb, &["--timeout", "2"]);
    cmd.env("BROWSER", "true");
    let mut login = Login::spawn(cmd, false);
    assert_eq!(login.port(), port);
    let (code, stdout, stderr) = login.finish();
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("no authorization arrived within 2 seconds"),
        "{stderr}"
    );
    assert!(stdout.is_empty());
    assert_eq!(settled(&sb), before);
    assert_port_free(port);
}

#[test]
fn ctrl_c_exits_130_frees_the_port_and_over_ssh_prints_the_tunnel() {
    let sb = Sandbox::new();
    offline_profile(&sb, "http://127.0.0.1/callback");
    let before = settled(&sb);
    let mut cmd = login_cmd(&sb, &["--no-browser"]);
    cmd.env("SSH_CONNECTION", "192.0.2.7 50000 192.0.2.1 22");
    // Opening a browser must not even be tried: this one would leave a mark.
    let mark = sb.path().join("browser-ran");
    cmd.env("BROWSER", format!("touch {}", mark.display()));
    let mut login = Login::spawn(cmd, false);
    let url = login.url();
    assert!(
        url.starts_with("http://127.0.0.1:1/as/authorization.oauth2?"),
        "{url}"
    );
    let port = login.port();
    assert_ne!(port, 0);
    assert!(
        url.contains(&format!("127.0.0.1%3A{port}%2Fcallback")),
        "{url}"
    );
    let hint = format!("ssh -L {port}:127.0.0.1:{port}");
    login.wait_for("the SSH hint", |l| l.contains(&hint).then_some(()));
    login.interrupt();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 130, "{stderr}");
    assert!(!mark.exists(), "--no-browser opened a browser");
    assert!(!stderr.contains("opened with"));
    assert_eq!(settled(&sb), before);
    assert_port_free(port);
}

/// Logs in with the browser, then proves the stored tokens work: `pancred refresh` rotates them.
fn login_then_refresh(sb: &Sandbox, js: &str, expect_port: Option<u16>) -> (u16, String) {
    let mut cmd = login_cmd(sb, &[]);
    cmd.env("BROWSER", browser(js));
    let mut login = Login::spawn(cmd, false);
    let url = login.url();
    let port = login.port();
    if let Some(p) = expect_port {
        assert_eq!(port, p);
    }
    let (code, stdout, stderr) = login.finish();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.is_empty(),
        "stdout carries no result for login: {stdout}"
    );
    assert!(
        stderr.contains("browser-login: landed HTTP 200"),
        "{stderr}"
    );
    assert!(stderr.contains("logged in"), "{stderr}");
    assert_port_free(port);
    let after_login = show(sb);
    assert_eq!(after_login["has_refresh_token"], true, "{after_login}");
    assert_eq!(after_login["has_access_token"], true);
    assert_eq!(after_login["state"], "valid");
    let first_refresh = refresh_token_in_file(sb);
    let r = sb.run(&["refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_ne!(
        refresh_token_in_file(sb),
        first_refresh,
        "the provider rotated the refresh token"
    );
    (port, url)
}

fn refresh_token_in_file(sb: &Sandbox) -> String {
    let text = String::from_utf8(stored(sb)).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    fn find(v: &Value) -> Option<String> {
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

#[test]
fn browser_login_web_client_on_its_registered_port() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let oidc = common::oidc::Oidc::start_with(&[("PROVIDER_WEB_REDIRECTS", redirect.as_str())])
        .expect("provider");
    let sb = Sandbox::new();
    init(
        &sb,
        oidc.profile("default", &common::oidc::basic_client(), &redirect),
    );
    let (_, url) = login_then_refresh(&sb, &js, Some(port));
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert_eq!(oidc.counts()["code"], 1);
}

#[test]
fn browser_login_native_client_on_an_ephemeral_port() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = common::oidc::Oidc::start().expect("provider");
    let sb = Sandbox::new();
    init(
        &sb,
        oidc.profile(
            "default",
            &common::oidc::native_client(),
            "http://127.0.0.1/callback",
        ),
    );
    let (port, url) = login_then_refresh(&sb, &js, None);
    assert!(
        url.contains(&format!("127.0.0.1%3A{port}%2Fcallback")),
        "{url}"
    );
}

#[test]
fn denied_consent_ends_with_the_providers_error() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = common::oidc::Oidc::start().expect("provider");
    let sb = Sandbox::new();
    let mut p = oidc.profile(
        "default",
        &common::oidc::native_client(),
        "http://127.0.0.1/callback",
    );
    p["refresh_token"] = json!("rt-before");
    init(&sb, p);
    let before = settled(&sb);
    let mut cmd = login_cmd(&sb, &[]);
    cmd.env("BROWSER", browser(&js))
        .env("BROWSER_LOGIN_ACTION", "deny");
    let mut login = Login::spawn(cmd, false);
    let port = login.port();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert!(
        stderr.contains("browser-login: landed HTTP 400"),
        "{stderr}"
    );
    assert_eq!(settled(&sb), before);
    assert_eq!(oidc.counts()["code"], 0);
    assert_port_free(port);
}

#[test]
fn forged_state_is_refused_and_the_wait_goes_on() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = common::oidc::Oidc::start().expect("provider");
    let sb = Sandbox::new();
    let mut p = oidc.profile(
        "default",
        &common::oidc::native_client(),
        "http://127.0.0.1/callback",
    );
    p["refresh_token"] = json!("rt-before");
    init(&sb, p);
    let before = settled(&sb);
    let mut cmd = login_cmd(&sb, &[]);
    cmd.env("BROWSER", browser(&js))
        .env("BROWSER_LOGIN_ACTION", "tamper-state");
    let mut login = Login::spawn(cmd, false);
    let port = login.port();
    // The browser got the provider's redirect with the forged state and an error page ...
    login.wait_for("the browser's landing", |l| {
        l.contains("browser-login: landed HTTP 400").then_some(())
    });
    // ... and pancred is still waiting.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        login.child.try_wait().unwrap().is_none(),
        "a forged state ended the login"
    );
    login.interrupt();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 130, "{stderr}");
    assert_eq!(settled(&sb), before);
    assert_eq!(oidc.counts()["code"], 0, "no code was exchanged");
    assert_port_free(port);
}

#[test]
fn pasting_the_redirect_url_instead_of_waiting() {
    let Some(_) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = common::oidc::Oidc::start().expect("provider");
    let sb = Sandbox::new();
    init(
        &sb,
        oidc.profile(
            "default",
            &common::oidc::native_client(),
            "http://127.0.0.1/callback",
        ),
    );
    let mut login = Login::spawn(login_cmd(&sb, &["--no-browser"]), true);
    let url = login.url();
    let port = login.port();
    login.wait_for("the paste prompt", |l| {
        l.contains("paste the redirect URL").then_some(())
    });
    // Someone logs in elsewhere; the redirect never reaches the listener.
    let prefix = format!("http://127.0.0.1:{port}/callback");
    let (code, state) = oidc.authorize(&url, &prefix);
    login.paste("not a code at all");
    login.wait_for("the complaint", |l| {
        l.contains("still waiting").then_some(())
    });
    login.paste(&format!("{prefix}?code={code}&state=forged"));
    login.paste(&format!("{prefix}?code={code}&state={state}&iss=x"));
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("does not match"), "{stderr}");
    assert_eq!(show(&sb)["has_refresh_token"], true);
    assert_port_free(port);
}

#[test]
fn browser_login_pancloud_dialect_against_the_stub() {
    use common::pancloud_stub::{PancloudStub, AUTHORIZE_PATH, CODE, FIRST_REFRESH_TOKEN};
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let stub = PancloudStub::start();
    let sb = Sandbox::new();
    let mut p = stub.profile("default");
    p.as_object_mut().unwrap().remove("refresh_token");
    p["auth_base_url"] = json!(format!("{}{AUTHORIZE_PATH}", stub.url));
    p["redirect_uri"] = json!("http://localhost/pancloud/callback");
    p["instance_id"] = json!("inst-1");
    p["region"] = json!("americas");
    init(&sb, p);
    stub.state().roll = true;
    let (port, url) = login_then_refresh(&sb, &js, None);
    assert!(
        url.contains("instance_id=inst-1") && url.contains("region=americas"),
        "{url}"
    );
    // The exchange sent the code and the redirect with the port actually bound.
    let exchange = stub
        .requests()
        .into_iter()
        .find(|r| r.body["grant_type"] == "authorization_code")
        .expect("a code exchange");
    assert_eq!(exchange.body["code"], CODE);
    assert_eq!(
        exchange.body["redirect_uri"],
        format!("http://localhost:{port}/pancloud/callback")
    );
    assert_ne!(
        refresh_token_in_file(&sb),
        FIRST_REFRESH_TOKEN,
        "refresh rolled the token"
    );
}

/// Sends raw bytes to the listener and returns the status of its answer (0: closed without one).
fn poke(port: u16, bytes: &[u8]) -> u16 {
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

#[test]
fn hostile_local_clients_do_not_end_or_hang_a_real_login() {
    use common::pancloud_stub::{PancloudStub, AUTHORIZE_PATH};
    let stub = PancloudStub::start();
    let sb = Sandbox::new();
    let mut p = stub.profile("default");
    p["auth_base_url"] = json!(format!("{}{AUTHORIZE_PATH}", stub.url));
    p["redirect_uri"] = json!("http://127.0.0.1/callback");
    init(&sb, p);
    let mut login = Login::spawn(login_cmd(&sb, &["--no-browser", "--timeout", "600"]), false);
    let url = login.url();
    let port = login.port();
    // A client that connects and says nothing, held open through the rest.
    let silent = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let huge_line = format!(
        "GET /callback?code={} HTTP/1.1\r\n\r\n",
        "a".repeat(200_000)
    );
    assert_eq!(poke(port, huge_line.as_bytes()), 400);
    let huge_headers = format!(
        "GET /callback HTTP/1.1\r\nCookie: {}\r\n\r\n",
        "b".repeat(200_000)
    );
    assert_eq!(poke(port, huge_headers.as_bytes()), 431);
    assert_eq!(poke(port, &[0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00]), 400);
    assert_eq!(poke(port, b"GET /favicon.ico HTTP/1.1\r\n\r\n"), 404);
    assert_eq!(
        poke(
            port,
            b"GET /callback?code=evil&state=forged HTTP/1.1\r\n\r\n"
        ),
        400
    );
    let crowd: Vec<_> = (0..50)
        .map(|i| {
            std::thread::spawn(move || match i % 2 {
                0 => poke(port, b"GET /favicon.ico HTTP/1.1\r\n\r\n"),
                _ => poke(port, b"\x00\xff junk\r\n\r\n"),
            })
        })
        .collect();
    for (i, c) in crowd.into_iter().enumerate() {
        assert_eq!(c.join().unwrap(), [404, 400][i % 2]);
    }
    assert!(
        login.child.try_wait().unwrap().is_none(),
        "hostile input ended the login"
    );
    // The provider's redirect, followed by hand: the stub approves at once.
    let location = common::oidc::block(async {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = client.get(&url).send().await.unwrap();
        assert_eq!(r.status(), 302);
        r.headers()["location"].to_str().unwrap().to_string()
    });
    let target = location
        .strip_prefix(&format!("http://127.0.0.1:{port}"))
        .unwrap();
    assert_eq!(
        poke(port, format!("GET {target} HTTP/1.1\r\n\r\n").as_bytes()),
        200
    );
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(show(&sb)["has_access_token"], true);
    drop(silent);
    assert_port_free(port);
}
