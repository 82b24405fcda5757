//! `pancred login` when things go wrong: a taken port, an unservable redirect, a timeout, Ctrl-C,
//! a pasted redirect, hostile local clients. Exit codes of the contract; the store unchanged.
#![cfg(feature = "cli")]

mod common;

use common::login::*;
use common::Sandbox;
use serde_json::json;
use std::time::{Duration, Instant};

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
    assert!(
        r.stderr
            .contains("`pancred --profile default exchange --code CODE`"),
        "{}",
        r.stderr
    );
    assert_eq!(stored(&sb), before);
}

#[test]
fn timeout_ends_cleanly_and_frees_the_port() {
    let sb = Sandbox::new();
    let port = free_port();
    offline_profile(&sb, &format!("http://127.0.0.1:{port}/callback"));
    let before = stored(&sb);
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
    assert_eq!(stored(&sb), before);
    assert_port_free(port);
}

#[test]
fn ctrl_c_exits_130_frees_the_port_and_over_ssh_prints_the_tunnel() {
    let sb = Sandbox::new();
    offline_profile(&sb, "http://127.0.0.1/callback");
    let before = stored(&sb);
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
    assert_eq!(stored(&sb), before);
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
    let redirect = oidc.authorize_query(&url, &prefix);
    let (code, state, iss) = (&redirect["code"], &redirect["state"], &redirect["iss"]);
    login.paste("not a code at all");
    login.wait_for("the complaint", |l| {
        l.contains("still waiting").then_some(())
    });
    login.paste(&format!("{prefix}?code={code}&state=forged"));
    let iss: String = url::form_urlencoded::byte_serialize(iss.as_bytes()).collect();
    login.paste(&format!("{prefix}?code={code}&state={state}&iss={iss}"));
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("does not match"), "{stderr}");
    assert_eq!(show(&sb)["has_refresh_token"], true);
    assert_port_free(port);
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
