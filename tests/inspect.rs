//! The inspection's engine calls against a real provider (oidc-provider): the ID token kept from
//! the login, userinfo and RFC 7662 introspection, and plain "not offered" answers.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{basic_client, block, openid_client, Oidc, WEB_REDIRECT};
use common::Sandbox;
use pancred::engine::{id_token_claims, Offered};
use pancred::store::file::FileStore;
use pancred::Engine;
use std::sync::Arc;

fn engine(sb: &Sandbox) -> Engine {
    Engine::new(Arc::new(FileStore::new(&sb.creds)))
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn id_token_userinfo_and_introspection_from_a_real_provider() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "work", &openid_client(), WEB_REDIRECT);
    let e = engine(&sb);
    let p = block(e.load("work")).unwrap().unwrap();
    let Offered::Yes(claims) = id_token_claims(&p) else {
        panic!("no ID token kept from the login: {:?}", id_token_claims(&p))
    };
    assert_eq!(field(&claims, "sub"), Some("alice"));
    assert_eq!(field(&claims, "aud"), Some("openid-client"));

    let Offered::Yes(info) = block(e.userinfo("work")).expect("userinfo") else {
        panic!("userinfo not offered")
    };
    assert_eq!(field(&info, "sub"), Some("alice"), "{info:?}");
    let Offered::Yes(intro) = block(e.introspect("work")).expect("introspection") else {
        panic!("introspection not offered")
    };
    assert_eq!(field(&intro, "token"), Some("access token"));
    assert_eq!(field(&intro, "active"), Some("true"), "{intro:?}");
    assert_eq!(field(&intro, "client_id"), Some("openid-client"));
    assert!(
        field(&intro, "scope").is_some_and(|s| s.contains("openid")),
        "{intro:?}"
    );
    assert!(
        field(&intro, "exp").is_some_and(|s| s.ends_with("UTC")),
        "{intro:?}"
    );
    assert_eq!(oidc.refreshes(), 0, "a valid token is inspected as it is");
}

#[test]
fn jwt_access_tokens_are_introspected_through_the_refresh_token() {
    let Some(oidc) = Oidc::start() else { return };
    let sb = Sandbox::new();
    oidc.login(&sb, "api", &basic_client(), WEB_REDIRECT);
    let e = engine(&sb);
    let Offered::Yes(intro) = block(e.introspect("api")).expect("introspection") else {
        panic!("introspection not offered")
    };
    assert!(
        field(&intro, "token").is_some_and(|t| t.starts_with("refresh token")),
        "{intro:?}"
    );
    assert_eq!(field(&intro, "active"), Some("true"), "{intro:?}");
    // Its audience is the API, not userinfo: the provider's refusal is the answer, said as such.
    let err = block(e.userinfo("api")).expect_err("userinfo refuses an API token");
    assert!(err.to_string().contains("invalid_token"), "{err}");
}

#[test]
fn a_profile_without_an_issuer_is_told_plainly() {
    let sb = Sandbox::new();
    common::oidc::init(
        &sb,
        &serde_json::json!({"profile": "bare", "dialect": "oauth2", "client_id": "c",
                            "token_url": "http://127.0.0.1:9/token", "access_token": "opaque"}),
    );
    let e = engine(&sb);
    let Offered::No(why) = block(e.userinfo("bare")).unwrap() else {
        panic!("userinfo without an issuer")
    };
    assert!(why.contains("names no issuer"), "{why}");
    let Offered::No(why) = block(e.introspect("bare")).unwrap() else {
        panic!("introspection without an issuer")
    };
    assert!(why.contains("token introspection"), "{why}");
    let p = block(e.load("bare")).unwrap().unwrap();
    assert!(matches!(id_token_claims(&p), Offered::No(w) if w.contains("no ID token")));
}
