//! The sandbox as a server: hostile requests, loopback only, the port freed on shutdown, and
//! `pancred sandbox` itself: its banner, one log line per request and never a secret.
#![cfg(feature = "cli")]

mod common;

use common::provider::*;
use pancred::rules::pkce;
use pancred::sandbox::{demo, Sandbox, SandboxConfig, SandboxError};
use reqwest::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn hostile_requests_get_json_errors() {
    let p = start();
    let post = |path: &'static str, ct: &'static str, body: Vec<u8>| {
        let p = &p;
        async move {
            p.http
                .post(p.url(path))
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(
        "/api/oauth2/RequestToken",
        "application/json",
        b"<html>oops</html>".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    let r = post(
        "/token",
        "application/json",
        br#"{"grant_type":"refresh_token"}"#.to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post(
        "/token",
        "application/x-www-form-urlencoded",
        b"grant_type=a&grant_type=b".to_vec(),
    )
    .await;
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    // An oversized body is refused unread (its own connection: the server closes it).
    let r = client()
        .post(p.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = p.http.get(p.url("/nothing/here")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "not_found");
    // Still serving after all that.
    let r = p
        .http
        .get(p.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["token_endpoint"], p.url("/token"));
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    // Control characters in a client id do not reach the log as such.
    let _ = p
        .http
        .get(with_query(
            &p.url("/authorize"),
            &[("client_id", "x\u{1b}[2Jy")],
        ))
        .send()
        .await
        .unwrap();
    assert!(!p.log_text().contains('\u{1b}'));
}

#[test]
fn shutdown_frees_the_port_and_only_loopback_is_served() {
    let sandbox = Sandbox::start(SandboxConfig::default()).unwrap();
    let addr = sandbox.addr();
    assert!(addr.ip().is_loopback());
    assert!(
        std::net::TcpListener::bind(addr).is_err(),
        "in use while running"
    );
    sandbox.shutdown();
    std::net::TcpListener::bind(addr).expect("port free after shutdown");
    let err = Sandbox::start(SandboxConfig {
        ip: "0.0.0.0".parse().unwrap(),
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(matches!(err, SandboxError::NotLoopback(_)), "{err}");
    // A busy port is an error at start, naming the port.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let err = Sandbox::start(SandboxConfig {
        port,
        ..Default::default()
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains(&port.to_string()), "{err}");
}

/// `pancred sandbox` as a user runs it: the banner, one log line per request, no secret in any.
#[tokio::test]
async fn pancred_sandbox_logs_every_request_and_never_a_secret() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let mut child = Command::new(common::bin())
        .args(["sandbox", "--port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut banner = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut base = String::new();
    // The banner ends with the header of the request log.
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("pancred sandbox prints its banner");
        if let Some(rest) = line.strip_prefix("Listening on ") {
            base = rest.split(':').take(3).collect::<Vec<_>>().join(":");
        }
        let last = line.starts_with("Requests (");
        banner.push(line);
        if last {
            break;
        }
    }
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let http = client();
    let mut secrets: Vec<String> = vec![
        demo::OAUTH2_SECRET.into(),
        demo::PANCLOUD_SECRET.into(),
        demo::DEVELOPER_TOKEN.into(),
        VERIFIER.into(),
    ];

    // oauth2: consent, code exchange (basic), refresh (post), revoke.
    let challenge = pkce::challenge(VERIFIER);
    let page = http
        .get(with_query(
            &format!("{base}/authorize"),
            &[
                ("client_id", demo::OAUTH2_CLIENT),
                ("redirect_uri", REDIRECT),
                ("response_type", "code"),
                ("state", "state-value-1234"),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ],
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("name=\"consent_id\" value=\"").unwrap() + 25;
    let consent_id = page[start..start + page[start..].find('"').unwrap()].to_string();
    let resp = http
        .post(format!("{base}/consent"))
        .form(&[("consent_id", consent_id.as_str()), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    let code = location_params(&resp)["code"].clone();
    let t: Value = http
        .post(format!("{base}/token"))
        .basic_auth(demo::OAUTH2_CLIENT, Some(demo::OAUTH2_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let t2: Value = http
        .post(format!("{base}/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
            ("client_id", demo::OAUTH2_CLIENT),
            ("client_secret", demo::OAUTH2_SECRET),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The spent refresh token, refused.
    let refused = http
        .post(format!("{base}/token"))
        .basic_auth(demo::OAUTH2_CLIENT, Some(demo::OAUTH2_SECRET))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let revoked = http
        .post(format!("{base}/revoke"))
        .basic_auth(demo::OAUTH2_CLIENT, Some(demo::OAUTH2_SECRET))
        .form(&[
            ("token", t2["access_token"].as_str().unwrap()),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    // pancloud: developer token, and a refused RequestToken with a wrong secret.
    let d: Value = http
        .post(format!("{base}/request_token"))
        .bearer_auth(demo::DEVELOPER_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let wrong = http
        .post(format!("{base}/api/oauth2/RequestToken"))
        .json(
            &json!({"grant_type": "refresh_token", "client_id": demo::PANCLOUD_CLIENT,
                      "client_secret": "a-wrong-secret-value", "refresh_token": rt}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    for v in [
        &t["access_token"],
        &t["refresh_token"],
        &t2["access_token"],
        &t2["refresh_token"],
        &d["access_token"],
    ] {
        secrets.push(v.as_str().unwrap().to_string());
    }
    secrets.extend([code, consent_id, "a-wrong-secret-value".into(), challenge]);

    let kill = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM stops it cleanly: {status:?}");
    reader.join().unwrap();
    let log: Vec<String> = rx.try_iter().filter(|l| !l.trim().is_empty()).collect();
    let text = log.join("\n");
    let expect = [
        "GET /authorize client=oauth2-demo -> 200 consent page",
        "POST /consent client=oauth2-demo -> 303 approved: code issued",
        "POST /token grant=authorization_code client=oauth2-demo auth=client_secret_basic -> 200 tokens issued",
        "POST /token grant=refresh_token client=oauth2-demo auth=client_secret_post -> 200 tokens issued",
        "POST /token grant=refresh_token client=oauth2-demo auth=client_secret_basic -> 400 invalid_grant",
        "POST /revoke hint=access_token client=oauth2-demo auth=client_secret_basic -> 200 revoked access token",
        "POST /request_token auth=bearer -> 200 access token issued",
        "POST /api/oauth2/RequestToken grant=refresh_token client=pancloud-demo auth=body -> 401 invalid_client",
    ];
    assert_eq!(log.len(), expect.len(), "one line per request:\n{text}");
    for (line, want) in log.iter().zip(expect) {
        assert!(line.contains(want), "{line:?} should contain {want:?}");
    }
    for s in &secrets {
        assert!(
            !text.contains(s.as_str()),
            "the log shows a secret:\n{text}"
        );
    }
    assert!(!text.contains("state-value-1234"));
    // The banner tells how to use it (demo client ids and an init example).
    let banner = banner.join("\n");
    assert!(banner.contains(demo::PUBLIC_CLIENT) && banner.contains("pancred init --from"));
}
