//! The sandbox's oauth2 dialect over plain HTTP: consent approve and deny, PKCE, refresh-token
//! rotation with every client authentication method, revocation, and signed JWT claims.
#![cfg(feature = "cli")]

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::provider::*;
use pancred::rules::pkce;
use pancred::sandbox::demo;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn approve_then_exchange_with_pkce_gives_signed_jwt_and_refresh_token() {
    let p = start();
    let code = p.approved_code(demo::OAUTH2_CLIENT, "st-1").await;
    let (status, body) = p
        .token_form(
            basic(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 300);
    assert!(body["refresh_token"]
        .as_str()
        .is_some_and(|s| !s.is_empty()));
    let at = body["access_token"].as_str().unwrap();
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(at.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");
    let c = claims(at);
    assert_eq!(c["iss"], p.sandbox.base_url());
    assert_eq!(c["sub"], demo::DEMO_SUBJECT);
    assert_eq!(c["aud"], demo::OAUTH2_CLIENT);
    assert_eq!(c["scope"], "openid offline_access");
    assert!(c["jti"].as_str().is_some_and(|j| j.len() >= 16));
    let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
    assert_eq!(exp - iat, 300);
    assert!((iat - common::now()).abs() <= 5, "iat is now");
    assert_eq!(p.userinfo(at).await, StatusCode::OK);
    // A signature that does not match is refused.
    let forged = format!("{}x", &at[..at.len() - 1]);
    assert_eq!(p.userinfo(&forged).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_answers_only_once() {
    let p = start();
    let challenge = pkce::challenge(VERIFIER);
    let q = [
        ("client_id", demo::PUBLIC_CLIENT),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("state", "st-deny"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let id = p.consent_page("/authorize", &q).await;
    let resp = p.answer(&id, "deny").await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let params = location_params(&resp);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "st-deny");
    assert!(!params.contains_key("code"));
    // The same form cannot be answered again (approve after deny gets no code).
    let again = p.answer(&id, "approve").await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.headers().get("location").is_none());
}

#[tokio::test]
async fn bad_authorization_requests() {
    let p = start();
    // Unknown client or a non-loopback redirect: a page, never a redirect.
    for (client, redirect) in [
        ("nobody", REDIRECT),
        (demo::OAUTH2_CLIENT, "http://evil.example/cb"),
        (demo::OAUTH2_CLIENT, "https://127.0.0.1/cb"),
    ] {
        let resp = p
            .http
            .get(with_query(
                &p.url("/authorize"),
                &[
                    ("client_id", client),
                    ("redirect_uri", redirect),
                    ("response_type", "code"),
                ],
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::BAD_REQUEST,
            "{client} {redirect}"
        );
        assert!(resp.headers().get("location").is_none());
    }
    // The oauth2 endpoint requires PKCE S256; plain is refused.
    for extra in [
        vec![],
        vec![
            ("code_challenge", "x".repeat(43)),
            ("code_challenge_method", "plain".into()),
        ],
    ] {
        let mut q = vec![
            ("client_id", demo::OAUTH2_CLIENT.to_string()),
            ("redirect_uri", REDIRECT.to_string()),
            ("response_type", "code".to_string()),
            ("state", "s".to_string()),
        ];
        q.extend(extra);
        let resp = p
            .http
            .get(with_query(&p.url("/authorize"), &q))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let params = location_params(&resp);
        assert_eq!(params["error"], "invalid_request");
        assert_eq!(params["state"], "s");
    }
}

#[tokio::test]
async fn wrong_or_missing_pkce_verifier_is_refused_and_a_replayed_code_revokes_its_tokens() {
    let p = start();
    let code = p.approved_code(demo::OAUTH2_CLIENT, "st").await;
    let exchange = |verifier: Option<&'static str>| {
        let code = code.clone();
        let p = &p;
        async move {
            let mut form = vec![
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", REDIRECT),
            ];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            p.token_form(basic(), &form).await
        }
    };
    let (status, body) = exchange(Some("the-wrong-verifier-but-long-enough-for-rfc-7636-xx")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, body) = exchange(None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    let (status, first) = exchange(Some(VERIFIER)).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, body) = exchange(Some(VERIFIER)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The replay revoked what the first exchange issued.
    let rt = first["refresh_token"].as_str().unwrap();
    let (status, body) = p
        .token_form(
            basic(),
            &[("grant_type", "refresh_token"), ("refresh_token", rt)],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    assert_eq!(
        p.userinfo(first["access_token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn refresh_rotates_with_each_client_auth_method_and_old_tokens_are_refused() {
    let p = start();
    // client_secret_basic
    let code = p.approved_code(demo::OAUTH2_CLIENT, "s").await;
    let (_, t) = p
        .token_form(
            basic(),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let (status, t2) = p
        .token_form(
            basic(),
            &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2, "the refresh token rotates");
    assert_ne!(t["access_token"], t2["access_token"]);
    // client_secret_post with the new one works; the old one is refused.
    let post = |rt: String| {
        let p = &p;
        async move {
            p.token_form(
                None,
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", &rt),
                    ("client_id", demo::OAUTH2_CLIENT),
                    ("client_secret", demo::OAUTH2_SECRET),
                ],
            )
            .await
        }
    };
    let (status, t3) = post(rt2.clone()).await;
    assert_eq!(status, StatusCode::OK, "{t3}");
    let (status, body) = post(rt1.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // Reuse of a rotated token revokes the grant: the newest refresh token is refused too.
    let (status, _) = post(t3["refresh_token"].as_str().unwrap().to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A wrong secret, two methods at once, a public client posing as confidential.
    let (status, body) = p
        .token_form(
            Some((demo::OAUTH2_CLIENT, "wrong")),
            &[("grant_type", "refresh_token"), ("refresh_token", "x")],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = p
        .token_form(
            basic(),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_secret", "y"),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = p
        .token_form(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", "x"),
                ("client_id", demo::OAUTH2_CLIENT),
            ],
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );

    // client_auth none: the public client with PKCE.
    let code = p.approved_code(demo::PUBLIC_CLIENT, "s").await;
    let (status, t) = p
        .token_form(
            None,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", demo::PUBLIC_CLIENT),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    let (status, t2) = p
        .token_form(
            None,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", t["refresh_token"].as_str().unwrap()),
                ("client_id", demo::PUBLIC_CLIENT),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t2}");
    assert_eq!(
        claims(t2["access_token"].as_str().unwrap())["aud"],
        demo::PUBLIC_CLIENT
    );
}

#[tokio::test]
async fn revoked_tokens_stay_revoked() {
    let p = start();
    let t = p
        .sandbox
        .issue_tokens(demo::OAUTH2_CLIENT, None, 300)
        .unwrap();
    let (at, rt) = (
        t.access_token.expose().to_string(),
        t.refresh_token.unwrap().expose().to_string(),
    );
    let revoke = |token: String, hint: &'static str| {
        let p = &p;
        async move {
            let resp = p
                .http
                .post(p.url("/revoke"))
                .basic_auth(demo::OAUTH2_CLIENT, Some(demo::OAUTH2_SECRET))
                .form(&[("token", token.as_str()), ("token_type_hint", hint)])
                .send()
                .await
                .unwrap();
            resp.status()
        }
    };
    assert_eq!(p.userinfo(&at).await, StatusCode::OK);
    assert_eq!(revoke(at.clone(), "access_token").await, StatusCode::OK);
    assert_eq!(p.userinfo(&at).await, StatusCode::UNAUTHORIZED);
    assert_eq!(revoke(rt.clone(), "refresh_token").await, StatusCode::OK);
    for _ in 0..2 {
        let (status, body) = p
            .token_form(
                basic(),
                &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
            )
            .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant"))
        );
    }
    // RFC 7009: an unknown token is not an error; a wrong client is.
    assert_eq!(
        revoke("not-a-token".into(), "refresh_token").await,
        StatusCode::OK
    );
    let resp = p
        .http
        .post(p.url("/revoke"))
        .basic_auth(demo::OAUTH2_CLIENT, Some("wrong"))
        .form(&[("token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
