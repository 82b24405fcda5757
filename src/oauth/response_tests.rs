//! The token response reader's own tests.

use super::*;
const URL: &str = "http://127.0.0.1:1/token";

#[test]
fn every_failure_shape_is_an_error() {
    let html = b"<html><body><h1>Internal Server Error</h1></body></html>";
    let e = parse(URL, 500, None, html, false).unwrap_err();
    assert!(e.to_string().contains("HTTP 500") && e.to_string().contains("Internal Server Error"));
    let e = parse(
        URL,
        400,
        None,
        br#"{"error":"invalid_grant","error_description":"gone"}"#,
        false,
    )
    .unwrap_err();
    assert!(e.is_invalid_grant() && e.to_string().contains("gone"));
    // An error inside a 200 is still an error (pancloud checks the body, not only the status).
    assert!(parse(URL, 200, None, br#"{"error_description":"nope"}"#, false).is_err());
    let e = parse(URL, 200, None, b"OK", false).unwrap_err();
    assert!(matches!(e, OAuthError::NotJson { .. }));
    let e = parse(URL, 200, None, b"", false).unwrap_err();
    assert!(e.to_string().contains("empty body"), "{e}");
    assert!(parse(URL, 200, None, b"", true).unwrap().is_empty());
    assert!(parse(URL, 200, None, b"[1,2]", false).is_err());
}

#[test]
fn missing_access_token_does_not_echo_the_body() {
    let map = parse(URL, 200, None, br#"{"refresh_token":"rt-secret"}"#, false).unwrap();
    let e = token_response(URL, 200, &map).unwrap_err();
    assert!(matches!(e, OAuthError::MissingAccessToken { .. }));
    assert!(!e.to_string().contains("rt-secret"));
}

#[test]
fn token_fields() {
    let map = parse(
        URL,
        200,
        None,
        br#"{"access_token":"a","refresh_token":"r","expires_in":"3600","token_type":"Bearer"}"#,
        false,
    )
    .unwrap();
    let t = token_response(URL, 200, &map).unwrap();
    assert_eq!(t.access_token.expose(), "a");
    assert_eq!(t.refresh_token.unwrap().expose(), "r");
    assert_eq!(t.expires_in, Some(3600));
}

/// A 2xx token answer that is not clean JSON: the error says what was wrong, never what it said.
#[test]
fn malformed_success_bodies_are_described_not_quoted() {
    let tokens = r#"{"access_token":"AT-SECRET-1","refresh_token":"RT-SECRET-2"}"#;
    let deep = format!("{}{tokens}{}", "[".repeat(200), "]".repeat(200));
    let bodies: Vec<(String, &str)> = vec![
        (format!("{tokens} trailing"), "line 1"),
        (
            format!("<html><body><pre>{tokens}</pre></body></html>"),
            "text/html",
        ),
        (deep, "bytes"),
        (format!("{tokens}\n{{"), "line 2"),
        (
            r#"{"access_token": 12345678, "refresh_token": "RT-SECRET-2"}"#.into(),
            "access_token",
        ),
        (
            r#"{"access_token": "AT-SECRET-1", "refresh_token": 987654321}"#.into(),
            "refresh_token",
        ),
        (
            r#"{"access_token": "AT-SECRET-1", "expires_in": {"RT-SECRET-2": 1}}"#.into(),
            "expires_in",
        ),
    ];
    for (body, says) in bodies {
        let e = parse(URL, 200, Some("text/html"), body.as_bytes(), false)
            .and_then(|m| token_response(URL, 200, &m).map(|_| m))
            .unwrap_err();
        let text = e.to_string();
        for secret in ["AT-SECRET-1", "RT-SECRET-2", "12345678", "987654321"] {
            assert!(!text.contains(secret), "{body}: {text}");
        }
        assert!(text.contains(says), "{body}: {text}");
    }
    // A byte order mark is not an error.
    let bom = [b"\xef\xbb\xbf".as_slice(), tokens.as_bytes()].concat();
    let t = token_response(URL, 200, &parse(URL, 200, None, &bom, false).unwrap()).unwrap();
    assert_eq!(t.access_token.expose(), "AT-SECRET-1");
}

#[test]
fn error_bodies_are_quoted_redacted() {
    let form = b"<html>refresh_token=RT-SECRET-2&access_token=AT-SECRET-1 rejected</html>";
    let e = parse(URL, 502, Some("text/html"), form, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("HTTP 502") && e.contains("rejected"), "{e}");
    assert!(
        !e.contains("RT-SECRET-2") && !e.contains("AT-SECRET-1"),
        "{e}"
    );
    let json = br#"{"error":"invalid_grant","error_description":"token RT-SECRET-2 was used twice","refresh_token":"RT-SECRET-2"}"#;
    let e = parse(URL, 400, None, json, false).unwrap_err().to_string();
    assert!(
        e.contains("used twice") && !e.contains("RT-SECRET-2"),
        "{e}"
    );
    let e = parse(
        URL,
        400,
        None,
        br#"{"error":{"access_token":"AT-SECRET-1"}}"#,
        false,
    )
    .unwrap_err()
    .to_string();
    assert!(!e.contains("AT-SECRET-1"), "{e}");
}

#[test]
fn expires_in_of_every_shape() {
    for (v, want) in [
        ("3600", Some(3600)),
        ("\"3600\"", Some(3600)),
        ("3599.5", Some(3599)),
        ("-5", Some(-5)),
        ("1e300", Some(i64::MAX)),
        ("null", None),
    ] {
        let body = format!(r#"{{"access_token":"a","expires_in":{v}}}"#);
        let m = parse(URL, 200, None, body.as_bytes(), false).unwrap();
        assert_eq!(
            token_response(URL, 200, &m).unwrap().expires_in,
            want,
            "{v}"
        );
    }
    let m = parse(
        URL,
        200,
        None,
        br#"{"access_token":"a","expires_in":"soon"}"#,
        false,
    )
    .unwrap();
    assert!(matches!(
        token_response(URL, 200, &m),
        Err(OAuthError::BadTokenField {
            field: "expires_in",
            ..
        })
    ));
}
