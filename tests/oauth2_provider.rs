//! The oauth2 dialect against two real providers, each test run against both (oidc-provider
//! and django-oauth-toolkit): discovery, the code exchange with PKCE (login and consent driven
//! over HTTP), refresh with rotation and reuse protection, revocation, every client
//! authentication method, and the access token's expiry (a JWT's exp, else expires_in).
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{
    basic_client, init, native_client, post_client, stored, Client, Kind, Oidc, WEB_REDIRECT,
};
use common::{Run, Sandbox};
use rstest::rstest;
use serde_json::{json, Value};

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT access token");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

/// `auth-url`, log in and consent at the provider, `exchange --code`: the stored profile after.
fn authorize(oidc: &Oidc, sb: &Sandbox, name: &str, client: &Client, redirect: &str) -> Value {
    init(sb, &oidc.profile(name, client, redirect));
    let r = sb.run(&["--profile", name, "auth-url", "--json"]);
    ok(&r);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    let url = out["url"].as_str().unwrap();
    // The authorization endpoint came from discovery: the profile names only the issuer.
    assert!(
        url.starts_with(&format!("{}?", oidc.authorization_endpoint())),
        "{url}"
    );
    let q: std::collections::HashMap<String, String> = url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["client_id"], client.id);
    // The verifier waits in the store for the exchange, which another process will do.
    let pending = stored(sb, name);
    assert_eq!(pending["pkce_verifier"].as_str().unwrap().len(), 64);
    assert!(!r.all().contains(pending["pkce_verifier"].as_str().unwrap()));

    let (code, state) = oidc.authorize(url, redirect);
    assert_eq!(state, out["state"].as_str().unwrap());
    let r = sb.run(&["--profile", name, "exchange", "--code", &code]);
    ok(&r);
    let doc = stored(sb, name);
    assert!(
        doc.get("pkce_verifier").is_none() && doc.get("pending_state").is_none(),
        "{doc}"
    );
    assert!(doc["refresh_token"].is_string(), "no refresh token: {doc}");
    assert_expiry(oidc, &doc);
    doc
}

/// expires_at is about an hour away: a JWT access token's exp (oidc-provider's are JWTs for
/// the API), else the answer's expires_in from receipt.
fn assert_expiry(oidc: &Oidc, doc: &Value) {
    let at = doc["expires_at"].as_i64().expect("expires_at");
    if oidc.jwt_access_tokens() {
        let c = claims(doc["access_token"].as_str().unwrap());
        assert_eq!(c["aud"], "urn:pancred:api");
        assert_eq!(doc["expires_at"], c["exp"]);
    }
    let left = at - common::now();
    assert!((3000..=3600).contains(&left), "expires {left}s away");
}

fn write_secret(sb: &Sandbox, name: &str, value: &str) -> String {
    let p = sb.path().join(name);
    std::fs::write(&p, value).unwrap();
    p.to_str().unwrap().to_string()
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn basic_client_exchange_refresh_with_rotation_and_revoke(#[case] kind: Kind) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    let first = authorize(&oidc, &sb, "idp", &basic_client(), WEB_REDIRECT);

    // Refresh: the provider rotates the refresh token; the new one is stored and works.
    let r = sb.run(&["--profile", "idp", "refresh", "--json"]);
    ok(&r);
    let second = stored(&sb, "idp");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_expiry(&oidc, &second);
    let shown: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(shown["state"], "valid");
    assert_eq!(shown["expires_at"], second["expires_at"]);
    ok(&sb.run(&["--profile", "idp", "refresh"]));
    assert_eq!(oidc.refreshes(), 2);

    // A second profile holding the same grant (as another machine would).
    let third = stored(&sb, "idp");
    let mut copy = third.clone();
    copy["profile"] = json!("copy");
    copy.as_object_mut()
        .unwrap()
        .retain(|k, _| k != "expires_at");
    init(&sb, &copy);

    // Revoke both: the provider drops the grant, the profile forgets the tokens.
    let r = sb.run(&["--profile", "idp", "revoke"]);
    ok(&r);
    assert!(
        r.stderr.contains("Revoked the") && r.stderr.contains("refresh token of profile 'idp'"),
        "{}",
        r.stderr
    );
    if oidc.jwt_access_tokens() {
        // oidc-provider cannot revoke JWT access tokens (RFC 7009 unsupported_token_type): said so.
        assert!(
            r.stderr.contains("cannot revoke the access token"),
            "{}",
            r.stderr
        );
    } else {
        // django-oauth-toolkit's revocation_endpoint is only in its RFC 8414 document.
        assert!(
            r.stderr
                .contains("Revoked the access token and refresh token"),
            "{}",
            r.stderr
        );
    }
    let after = stored(&sb, "idp");
    assert!(
        after.get("refresh_token").is_none() && after.get("access_token").is_none(),
        "{after}"
    );
    assert_eq!(after["client_id"], "basic-client");

    // The copy's refresh now fails with invalid_grant, says which profile, and keeps its store.
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "copy", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert!(r.stderr.contains("profile 'copy'"), "{}", r.stderr);
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
    assert_eq!(stored(&sb, "copy")["refresh_token"], third["refresh_token"]);
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn client_secret_post_and_a_rotated_token_is_refused_afterwards(#[case] kind: Kind) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    let first = authorize(&oidc, &sb, "post", &post_client(), WEB_REDIRECT);
    ok(&sb.run(&["--profile", "post", "refresh"]));
    assert_ne!(stored(&sb, "post")["refresh_token"], first["refresh_token"]);

    // The old refresh token, given explicitly, is refused by the provider.
    let secret = write_secret(&sb, "cs", post_client().secret.as_deref().unwrap());
    let old = write_secret(&sb, "old-rt", first["refresh_token"].as_str().unwrap());
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&[
        "--profile",
        "post",
        "--client-id",
        "post-client",
        "--client-secret-file",
        &secret,
        "--refresh-token-file",
        &old,
        "refresh",
    ]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert!(
        !r.all().contains(first["refresh_token"].as_str().unwrap()),
        "a secret was printed"
    );
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn public_native_client_with_pkce_only(#[case] kind: Kind) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    // A native client accepts any loopback port (RFC 8252).
    let redirect = "http://127.0.0.1:47113/callback";
    let first = authorize(&oidc, &sb, "cli", &native_client(), redirect);
    assert!(first.get("client_secret").is_none());
    ok(&sb.run(&["--profile", "cli", "refresh"]));
    let second = stored(&sb, "cli");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_expiry(&oidc, &second);
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn wrong_client_secret_is_refused_without_touching_the_store(#[case] kind: Kind) {
    let Some(oidc) = Oidc::start_kind(kind, &[]) else {
        return;
    };
    let sb = Sandbox::new();
    authorize(&oidc, &sb, "idp", &basic_client(), WEB_REDIRECT);
    let mut p = stored(&sb, "idp");
    p["client_secret"] = json!("not-the-secret");
    p.as_object_mut().unwrap().retain(|k, _| k != "expires_at");
    init(&sb, &p);
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "idp", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_client"), "{}", r.stderr);
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[test]
fn discovery_falls_back_to_rfc8414_metadata() {
    let s = common::pancloud_stub::PancloudStub::start();
    let sb = Sandbox::new();
    init(
        &sb,
        &json!({"profile": "as", "dialect": "oauth2", "issuer": s.url, "client_id": "c",
                "client_auth": "none", "redirect_uri": "http://127.0.0.1:5/cb"}),
    );
    let r = sb.run(&["--profile", "as", "auth-url"]);
    ok(&r);
    assert!(
        r.stdout.starts_with(&format!("{}/authorize?", s.url)),
        "{}",
        r.stdout
    );
    let paths: Vec<String> = s.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/.well-known/oauth-authorization-server"]);
}

#[test]
fn discovery_failure_names_the_issuer_and_exits_4() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sb = Sandbox::new();
    let issuer = format!("http://127.0.0.1:{port}");
    init(
        &sb,
        &json!({"profile": "gone", "dialect": "oauth2", "issuer": issuer, "client_id": "c",
                "client_secret": "s", "refresh_token": "r"}),
    );
    let before = std::fs::read(&sb.creds).unwrap();
    let r = sb.run(&["--profile", "gone", "refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(
        r.stderr.contains(&format!("discovery at {issuer} failed")),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("cannot connect"), "{}", r.stderr);
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}
