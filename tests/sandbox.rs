//! The sandbox provider over plain HTTP: consent, PKCE, rotation, revocation, developer tokens,
//! JWT claims, and a request log free of secrets.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use pancred::clock::FixedClock;
use pancred::sandbox::{
    demo, memory_sink, pkce_challenge, Sandbox, SandboxConfig, SandboxError, SandboxHandle,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const VERIFIER: &str = "a-verifier-that-is-long-enough-for-rfc7636-0123456789";
const REDIRECT: &str = "http://127.0.0.1:45678/callback";

struct Provider {
    sandbox: SandboxHandle,
    log: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

fn start_with(mut config: SandboxConfig) -> Provider {
    let (sink, log) = memory_sink();
    config.log = Some(sink);
    let sandbox = Sandbox::start(config).expect("start sandbox");
    Provider {
        sandbox,
        log,
        http: client(),
    }
}

fn start() -> Provider {
    start_with(SandboxConfig::default())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Query parameters of a redirect's Location.
fn location_params(resp: &reqwest::Response) -> HashMap<String, String> {
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with(REDIRECT), "redirects to the client: {loc}");
    url::Url::parse(loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

impl Provider {
    fn url(&self, path: &str) -> String {
        self.sandbox.url(path)
    }

    fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Opens the consent page for `query`; returns the form's consent id.
    async fn consent_page(&self, path: &str, query: &[(&str, &str)]) -> String {
        let resp = self
            .http
            .get(with_query(&self.url(path), query))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let html = resp.text().await.unwrap();
        assert!(html.contains("Approve") && html.contains("Deny"), "{html}");
        let start = html
            .find("name=\"consent_id\" value=\"")
            .expect("consent form")
            + 25;
        html[start..start + html[start..].find('"').unwrap()].to_string()
    }

    async fn answer(&self, consent_id: &str, decision: &str) -> reqwest::Response {
        self.http
            .post(self.url("/consent"))
            .form(&[("consent_id", consent_id), ("decision", decision)])
            .send()
            .await
            .unwrap()
    }

    /// The oauth2 authorization with PKCE, approved; returns the code.
    async fn approved_code(&self, client_id: &str, state: &str) -> String {
        let challenge = pkce_challenge(VERIFIER).unwrap();
        let id = self
            .consent_page(
                "/authorize",
                &[
                    ("client_id", client_id),
                    ("redirect_uri", REDIRECT),
                    ("response_type", "code"),
                    ("scope", "openid offline_access"),
                    ("state", state),
                    ("code_challenge", &challenge),
                    ("code_challenge_method", "S256"),
                ],
            )
            .await;
        let resp = self.answer(&id, "approve").await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let q = location_params(&resp);
        assert_eq!(q.get("state").map(String::as_str), Some(state));
        q["code"].clone()
    }

    async fn token_form(
        &self,
        basic: Option<(&str, &str)>,
        form: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut req = self.http.post(self.url("/token")).form(form);
        if let Some((id, secret)) = basic {
            req = req.basic_auth(id, Some(secret));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    async fn json_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap())
    }

    async fn userinfo(&self, token: &str) -> StatusCode {
        self.http
            .get(self.url("/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }
}

fn with_query<K: AsRef<str>, V: AsRef<str>>(base: &str, pairs: &[(K, V)]) -> String {
    let mut u = url::Url::parse(base).unwrap();
    u.query_pairs_mut()
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
    u.to_string()
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn basic() -> Option<(&'static str, &'static str)> {
    Some((demo::OAUTH2_CLIENT, demo::OAUTH2_SECRET))
}

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
    let challenge = pkce_challenge(VERIFIER).unwrap();
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
    let challenge = pkce_challenge(VERIFIER).unwrap();
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
