//! A provider that answers badly, or against us: token answers that are not clean JSON, answers
//! that never end, fields of the wrong type, escape sequences in its words. Each gives exit 4, a
//! message that says what was wrong without a byte of a token, and the store as it was.
#![cfg(feature = "cli")]

mod common;

use common::oidc::init;
use common::pancloud_stub::{Fault, PancloudStub};
use common::{Run, Sandbox};
use serde_json::json;
use std::time::{Duration, Instant};

const AT: &str = "AT-SECRET-0123456789";
const RT: &str = "RT-SECRET-9876543210";

fn setup() -> (Sandbox, PancloudStub) {
    let sb = Sandbox::new();
    let s = PancloudStub::start();
    init(&sb, &s.profile("lab"));
    (sb, s)
}

fn refresh(sb: &Sandbox, timeout: &str) -> Run {
    sb.cmd(&["--profile", "lab", "refresh"])
        .env("PANCRED_HTTP_TIMEOUT", timeout)
        .output()
        .unwrap()
        .into()
}

fn raw(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Fault {
    Fault::Raw {
        status,
        content_type,
        body: body.into(),
    }
}

/// Exit 4, `words` in the message, no secret anywhere, nothing on stdout, the store untouched.
fn refused(sb: &Sandbox, r: &Run, before: &[u8], words: &[&str], what: &str) {
    assert_eq!(r.code, 4, "{what}: {}", r.all());
    for w in words {
        assert!(r.stderr.contains(w), "{what}: {w:?} not in {}", r.stderr);
    }
    for secret in [AT, RT, "31337"] {
        assert!(
            !r.all().contains(secret),
            "{what}: leaked {secret}: {}",
            r.all()
        );
    }
    assert!(r.stdout.is_empty(), "{what}: {}", r.stdout);
    assert_eq!(
        std::fs::read(&sb.creds).unwrap(),
        before,
        "{what} changed the store"
    );
}

#[test]
fn successful_token_answers_are_never_quoted() {
    let (sb, s) = setup();
    let before = std::fs::read(&sb.creds).unwrap();
    let tokens = format!(r#"{{"access_token":"{AT}","refresh_token":"{RT}","expires_in":3600}}"#);
    let cases: Vec<(Fault, Vec<&str>, &str)> = vec![
        (
            raw(200, "application/json", format!("{tokens}garbage")),
            vec!["not a JSON object", "line 1"],
            "trailing bytes",
        ),
        (
            raw(
                200,
                "text/html",
                format!("<html><body>{tokens}</body></html>"),
            ),
            vec!["text/html"],
            "an HTML wrapper",
        ),
        (
            raw(
                200,
                "application/json",
                format!("{}{tokens}{}", "[".repeat(300), "]".repeat(300)),
            ),
            vec!["bytes"],
            "deep nesting",
        ),
        (
            raw(200, "application/json", format!("{tokens}\n{tokens}")),
            vec!["line 2"],
            "two documents",
        ),
    ];
    for (fault, words, what) in cases {
        s.set_fault(Some(fault));
        refused(&sb, &refresh(&sb, "10"), &before, &words, what);
    }
    // A 5xx page may be quoted, with token-looking values redacted.
    s.set_fault(Some(raw(
        502,
        "text/html",
        format!("<h1>Bad gateway</h1><p>upstream said refresh_token={RT}&access_token={AT}</p>"),
    )));
    refused(
        &sb,
        &refresh(&sb, "10"),
        &before,
        &["HTTP 502", "Bad gateway"],
        "a 502 echoing tokens",
    );
    // A BOM is tolerated, as pancloud's requests tolerates it.
    s.set_fault(Some(raw(
        200,
        "application/json",
        [b"\xef\xbb\xbf".as_slice(), tokens.as_bytes()].concat(),
    )));
    let r = refresh(&sb, "10");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.all().contains(AT) && !r.all().contains(RT));
}

#[test]
fn token_answer_fields_are_checked_before_anything_is_stored() {
    let (sb, s) = setup();
    let before = std::fs::read(&sb.creds).unwrap();
    let cases = [
        (
            json!({"access_token": 31337, "refresh_token": RT}),
            "access_token",
        ),
        (
            json!({"access_token": AT, "refresh_token": 31337}),
            "refresh_token",
        ),
        (
            json!({"access_token": AT, "refresh_token": [RT]}),
            "refresh_token",
        ),
        (
            json!({"access_token": AT, "expires_in": "soon"}),
            "expires_in",
        ),
        (
            json!({"access_token": AT, "expires_in": {"v": RT}}),
            "expires_in",
        ),
        (json!({"access_token": {"nested": AT}}), "access_token"),
    ];
    for (body, field) in cases {
        s.set_fault(Some(raw(200, "application/json", body.to_string())));
        refused(
            &sb,
            &refresh(&sb, "10"),
            &before,
            &[field, "nothing was stored"],
            &body.to_string(),
        );
    }
    // Numbers of every shape in expires_in are fine, and never panic.
    for v in [
        json!("3600"),
        json!(3599.5),
        json!(-5),
        json!(1e300),
        json!(i64::MIN),
        json!(u64::MAX),
    ] {
        s.set_fault(Some(raw(
            200,
            "application/json",
            json!({"access_token": AT, "expires_in": v}).to_string(),
        )));
        let r = refresh(&sb, "10");
        assert_eq!(r.code, 0, "expires_in {v}: {}", r.all());
        let r = sb.run(&["--profile", "lab", "show", "--json"]);
        assert_eq!(r.code, 0, "show after expires_in {v}: {}", r.all());
        let r = sb.run(&["list"]);
        assert_eq!(r.code, 0, "list after expires_in {v}: {}", r.all());
    }
}

#[test]
fn an_endless_answer_stops_at_the_size_limit() {
    let (sb, s) = setup();
    let before = std::fs::read(&sb.creds).unwrap();
    s.set_fault(Some(Fault::Endless));
    let started = Instant::now();
    let r = refresh(&sb, "30");
    refused(
        &sb,
        &r,
        &before,
        &["larger than 1024 KiB"],
        "an endless body",
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the endless body was read until {:?}",
        started.elapsed()
    );
    // Discovery reads through the same bound.
    init(
        &sb,
        &json!({"profile": "o", "dialect": "oauth2", "issuer": s.url, "client_id": "c",
                "client_auth": "none", "refresh_token": "r"}),
    );
    let r: Run = sb
        .cmd(&["--profile", "o", "refresh"])
        .env("PANCRED_HTTP_TIMEOUT", "30")
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("larger than 1024 KiB"), "{}", r.stderr);
}

#[test]
fn a_stalled_answer_says_it_began_and_stalled() {
    let (sb, s) = setup();
    let before = std::fs::read(&sb.creds).unwrap();
    s.set_fault(Some(Fault::Stall));
    let r = refresh(&sb, "1");
    refused(
        &sb,
        &r,
        &before,
        &["still arriving after 1.0s", "bytes of its body"],
        "a stalled body",
    );
    // Silence before any answer is a different story, told differently.
    s.set_fault(Some(Fault::Slow(Duration::from_secs(5))));
    let r = refresh(&sb, "1");
    refused(&sb, &r, &before, &["no answer within 1.0s"], "no answer");
}

#[test]
fn provider_words_cannot_drive_the_terminal() {
    let (sb, s) = setup();
    let body = json!({
        "error": "invalid_grant\u{1b}]52;c;cHduZWQ=\u{7}",
        "error_description": "gone\u{1b}[2J\nforged line",
    });
    s.set_fault(Some(raw(400, "application/json", body.to_string())));
    let r = refresh(&sb, "10");
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(
        !r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'),
        "{:?}",
        r.stderr
    );
    assert!(
        r.stderr.contains("\\e]52") && r.stderr.contains("\\e[2J\\nforged"),
        "{:?}",
        r.stderr
    );
    assert_eq!(
        r.stderr.lines().filter(|l| l.starts_with("forged")).count(),
        0
    );
}

#[test]
fn a_bare_400_on_refresh_suggests_logging_in_again() {
    let (sb, s) = setup();
    let before = std::fs::read(&sb.creds).unwrap();
    s.set_fault(Some(raw(400, "text/plain", "")));
    let r = refresh(&sb, "10");
    refused(&sb, &r, &before, &["HTTP 400"], "a bare 400");
    assert!(
        r.stderr.contains("bare HTTP 400") && r.stderr.contains("`pancred --profile lab login`"),
        "{}",
        r.stderr
    );
}
