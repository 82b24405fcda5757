//! RFC 9207 against both real providers: `pancred login` refuses an authorization response
//! whose `iss` names another issuer, or that lacks `iss` when the metadata promises it (both
//! providers do), with an error page in the browser and exit 4; the same for a pasted redirect.
//! Also the RFC 8252 §8.3 note for `localhost` redirects.
#![cfg(feature = "cli")]

mod common;

use common::login::{assert_port_free, init, login_cmd, stored, Login};
use common::oidc::{native_client, Kind, Oidc};
use common::Sandbox;
use rstest::rstest;
use serde_json::json;
use std::io::{Read, Write};

/// GET `target` from the listener: (status, body).
fn fetch(port: u16, target: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(common::login::LONG)).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = out
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn query(pairs: &[(&str, &str)]) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        q.append_pair(k, v);
    }
    q.finish()
}

/// A native-client profile holding an old grant, and a `pancred login` waiting for it.
fn waiting_login(oidc: &Oidc, sb: &Sandbox, paste: bool) -> (Login, String, u16) {
    let mut p = oidc.profile("default", &native_client(), "http://127.0.0.1/callback");
    p["refresh_token"] = json!("rt-before");
    init(sb, p);
    let mut login = Login::spawn(login_cmd(sb, &["--no-browser"]), paste);
    let url = login.url();
    let port = login.port();
    (login, url, port)
}

#[rstest]
#[case::oidc_provider_forged(Kind::OidcProvider, Some("https://evil.example"))]
#[case::oidc_provider_missing(Kind::OidcProvider, None)]
#[case::django_oauth_toolkit_forged(Kind::Dot, Some("https://evil.example"))]
#[case::django_oauth_toolkit_missing(Kind::Dot, None)]
fn login_refuses_a_response_not_from_the_profiles_issuer(
    #[case] kind: Kind,
    #[case] iss: Option<&str>,
) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    let before_store = {
        let (login, url, port) = waiting_login(&oidc, &sb, false);
        let before = stored(&sb);
        let prefix = format!("http://127.0.0.1:{port}/callback");
        // The provider's own answer names it; the test then swaps or drops that `iss`.
        let real = oidc.authorize_query(&url, &prefix);
        assert_eq!(real["iss"], oidc.issuer, "the provider sends RFC 9207 iss");
        let mut pairs = vec![
            ("code", real["code"].as_str()),
            ("state", real["state"].as_str()),
        ];
        if let Some(i) = iss {
            pairs.push(("iss", i));
        }
        let (status, page) = fetch(port, &format!("/callback?{}", query(&pairs)));
        assert_eq!(status, 400, "{page}");
        assert!(page.contains("Wrong issuer: login refused"), "{page}");
        assert!(page.contains("RFC 9207"), "{page}");
        let (code, _, stderr) = login.finish();
        assert_eq!(code, 4, "{stderr}");
        match iss {
            Some(_) => assert!(
                stderr.contains("evil.example") && stderr.contains("mix-up"),
                "{stderr}"
            ),
            None => assert!(stderr.contains("carries no iss"), "{stderr}"),
        }
        assert_port_free(port);
        before
    };
    assert_eq!(stored(&sb), before_store, "the store changed");
    assert_eq!(oidc.counts()["code"], 0, "a code was exchanged");
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn a_pasted_redirect_with_the_issuers_iss_logs_in_and_a_forged_one_is_refused(#[case] kind: Kind) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    // The provider's own redirect, pasted: accepted.
    let sb = Sandbox::new();
    let (mut login, url, port) = waiting_login(&oidc, &sb, true);
    let prefix = format!("http://127.0.0.1:{port}/callback");
    let real = oidc.authorize_query(&url, &prefix);
    login.paste(&format!(
        "{prefix}?{}",
        query(&[
            ("code", &real["code"]),
            ("state", &real["state"]),
            ("iss", &real["iss"])
        ])
    ));
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(oidc.counts()["code"], 1);

    // Another login, whose pasted redirect names another issuer: refused, exit 4.
    let sb = Sandbox::new();
    let (mut login, url, port) = waiting_login(&oidc, &sb, true);
    let before = stored(&sb);
    let prefix = format!("http://127.0.0.1:{port}/callback");
    let real = oidc.authorize_query(&url, &prefix);
    login.paste(&format!(
        "{prefix}?{}",
        query(&[
            ("code", &real["code"]),
            ("state", &real["state"]),
            ("iss", "https://evil.example")
        ])
    ));
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("RFC 9207"), "{stderr}");
    assert_eq!(stored(&sb), before);
    assert_eq!(oidc.counts()["code"], 1, "the forged one was not exchanged");
}

#[test]
fn login_notes_that_localhost_redirects_match_ports_less_widely() {
    let sb = Sandbox::new();
    let port = common::login::free_port();
    common::login::offline_profile(&sb, &format!("http://localhost:{port}/cb"));
    let r = sb.run(&["login", "--no-browser", "--timeout", "1"]);
    assert!(r.stderr.contains("RFC 8252 §8.3"), "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("http://127.0.0.1:{port}/cb")),
        "{}",
        r.stderr
    );
    // An IP literal gets no such note.
    let sb = Sandbox::new();
    common::login::offline_profile(&sb, &format!("http://127.0.0.1:{port}/cb"));
    let r = sb.run(&["login", "--no-browser", "--timeout", "1"]);
    assert!(
        r.stderr.contains("waiting for the redirect"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("RFC 8252"), "{}", r.stderr);
}
