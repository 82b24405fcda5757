//! The sandbox's pancloud dialect (JSON bodies) and developer-token redemption over plain HTTP,
//! and the configured access-token lifetime.
#![cfg(feature = "cli")]

mod common;

use common::provider::*;
use pancred::clock::FixedClock;
use pancred::sandbox::{demo, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

#[tokio::test]
async fn pancloud_dialect_json_exchange_refresh_and_revoke() {
    let p = start();
    let id = p
        .consent_page(
            "/as/authorization.oauth2",
            &[
                ("client_id", demo::PANCLOUD_CLIENT),
                ("instance_id", "1234"),
                ("redirect_uri", REDIRECT),
                ("region", "americas"),
                ("response_type", "code"),
                ("scope", "logging-service:read"),
                ("state", "pc-state"),
            ],
        )
        .await;
    let resp = p.answer(&id, "approve").await;
    let q = location_params(&resp);
    assert_eq!(q["state"], "pc-state");
    let creds = json!({"client_id": demo::PANCLOUD_CLIENT, "client_secret": demo::PANCLOUD_SECRET});
    let with = |extra: Value| {
        let mut b = creds.clone();
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let (status, t) = p
        .json_post(
            "/api/oauth2/RequestToken",
            with(json!({"grant_type": "authorization_code", "code": q["code"], "redirect_uri": REDIRECT})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(
        claims(t["access_token"].as_str().unwrap())["scope"],
        "logging-service:read"
    );
    let rt1 = t["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: String| {
        p.json_post(
            "/api/oauth2/RequestToken",
            with(json!({"grant_type": "refresh_token", "refresh_token": rt})),
        )
    };
    let (status, t2) = refresh(rt1.clone()).await;
    assert_eq!(status, StatusCode::OK, "{t2}");
    let rt2 = t2["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(rt1, rt2);
    // RevokeToken, both kinds; the revoked refresh token is then refused.
    let (status, _) = p
        .json_post(
            "/api/oauth2/RevokeToken",
            with(json!({"token": t2["access_token"], "token_type_hint": "access_token"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        p.userinfo(t2["access_token"].as_str().unwrap()).await,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = p
        .json_post(
            "/api/oauth2/RevokeToken",
            with(json!({"token": rt2, "token_type_hint": "refresh_token"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = refresh(rt2).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // The wire format is checked: form bodies, missing fields, wrong secrets are refused.
    let resp = p
        .http
        .post(p.url("/api/oauth2/RequestToken"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    let (status, body) = p
        .json_post("/api/oauth2/RevokeToken", with(json!({"token": "x"})))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_request"))
    );
    let (status, body) = p
        .json_post(
            "/api/oauth2/RequestToken",
            json!({"grant_type": "refresh_token", "refresh_token": "x", "client_id": demo::PANCLOUD_CLIENT, "client_secret": "nope"}),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
    let (status, body) = p
        .json_post(
            "/api/oauth2/RequestToken",
            with(json!({"grant_type": "password"})),
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unsupported_grant_type"))
    );
}

#[tokio::test]
async fn developer_token_redemption() {
    let p = start();
    let resp = p
        .http
        .post(p.url("/request_token"))
        .bearer_auth(demo::DEVELOPER_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert!(body.get("refresh_token").is_none(), "an access token only");
    let at = body["access_token"].as_str().unwrap();
    assert_eq!(claims(at)["sub"], demo::DEMO_SUBJECT);
    assert_eq!(p.userinfo(at).await, StatusCode::OK);
    for auth in [Some("Bearer wrong-token"), Some("Basic abc"), None] {
        let mut req = p.http.post(p.url("/request_token"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"],
            "invalid_token"
        );
    }
}

#[tokio::test]
async fn lifetime_is_configurable_and_expired_tokens_are_refused() {
    let clock = Arc::new(FixedClock::new(2_000_000_000));
    let p = start_with(SandboxConfig {
        token_lifetime: 42,
        clock: clock.clone(),
        ..Default::default()
    });
    let (status, body) = p
        .http
        .post(p.url("/request_token"))
        .bearer_auth(demo::DEVELOPER_TOKEN)
        .send()
        .await
        .map(|r| (r.status(), r))
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    let body: Value = body.json().await.unwrap();
    assert_eq!(body["expires_in"], 42);
    let at = body["access_token"].as_str().unwrap().to_string();
    assert_eq!(claims(&at)["exp"], 2_000_000_042i64);
    clock.advance(41);
    assert_eq!(p.userinfo(&at).await, StatusCode::OK);
    clock.advance(1);
    assert_eq!(p.userinfo(&at).await, StatusCode::UNAUTHORIZED);
}
