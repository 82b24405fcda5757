//! The engine's protocol tests against the built-in sandbox, through the real `pancred` binary:
//! authorization URL, consent, code exchange with PKCE, refresh with rotation, revocation and
//! developer tokens, in both dialects and with every client authentication method.
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::{Run, Sandbox};
use pancred::profile::ClientAuth;
use pancred::sandbox::{demo, memory_sink, Sandbox as Provider, SandboxConfig, SandboxHandle};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

struct Setup {
    sb: Sandbox,
    provider: SandboxHandle,
    log: Arc<Mutex<Vec<String>>>,
}

fn setup() -> Setup {
    let (sink, log) = memory_sink();
    let provider = Provider::start(SandboxConfig {
        log: Some(sink),
        ..Default::default()
    })
    .expect("start the sandbox");
    Setup {
        sb: Sandbox::new(),
        provider,
        log,
    }
}

impl Setup {
    fn init(&self, fields: &Value) {
        let f = self.sb.path().join("init.json");
        std::fs::write(&f, fields.to_string()).unwrap();
        ok(&self
            .sb
            .run(&["init", "--from", f.to_str().unwrap(), "--write"]));
    }

    fn stored(&self, name: &str) -> Value {
        let file: Value = serde_json::from_slice(&std::fs::read(&self.sb.creds).unwrap()).unwrap();
        file["profiles"]
            .as_object()
            .unwrap()
            .values()
            .find(|d| d["profile"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn run(&self, name: &str, args: &[&str]) -> Run {
        let mut all = vec!["--profile", name];
        all.extend_from_slice(args);
        self.sb.run(&all)
    }

    fn log_lines(&self, needle: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(needle))
            .cloned()
            .collect()
    }

    /// `auth-url`, Approve on the sandbox's consent page, `exchange --code`: the stored profile.
    async fn authorize(&self, name: &str, authorize_path: &str) -> Value {
        let r = self.run(name, &["auth-url", "--json"]);
        ok(&r);
        let out: Value = serde_json::from_str(&r.stdout).unwrap();
        let url = out["url"].as_str().unwrap();
        assert!(url.starts_with(&self.provider.url(authorize_path)), "{url}");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let page = http.get(url).send().await.unwrap();
        assert_eq!(
            page.status(),
            200,
            "the sandbox accepts pancred's authorization URL"
        );
        let html = page.text().await.unwrap();
        let start = html
            .find("name=\"consent_id\" value=\"")
            .expect("consent form")
            + 25;
        let id = &html[start..start + html[start..].find('"').unwrap()];
        let resp = http
            .post(self.provider.url("/consent"))
            .form(&[("consent_id", id), ("decision", "approve")])
            .send()
            .await
            .unwrap();
        let loc = resp.headers()["location"].to_str().unwrap();
        let q: HashMap<String, String> = url::Url::parse(loc)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        assert_eq!(q["state"], out["state"].as_str().unwrap());
        ok(&self.run(name, &["exchange", "--code", &q["code"]]));
        let doc = self.stored(name);
        assert!(doc["refresh_token"].is_string(), "{doc}");
        assert_issued_here(&self.provider, &doc);
        doc
    }

    /// A refresh straight at the sandbox with `refresh_token`: the `error` it answers, if any.
    async fn refresh_error(&self, doc: &Value) -> Option<String> {
        let http = reqwest::Client::new();
        let rt = doc["refresh_token"].as_str().unwrap();
        let body: Value = if doc["dialect"] == "oauth2" {
            http.post(self.provider.url("/token"))
                .basic_auth(demo::OAUTH2_CLIENT, Some(demo::OAUTH2_SECRET))
                .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)])
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        } else {
            http.post(self.provider.url("/api/oauth2/RequestToken"))
                .json(
                    &json!({"grant_type": "refresh_token", "client_id": demo::PANCLOUD_CLIENT,
                              "client_secret": demo::PANCLOUD_SECRET, "refresh_token": rt}),
                )
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        };
        body["error"].as_str().map(str::to_string)
    }
}

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "{}", r.all());
}

fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// The stored access token is a good one from this sandbox, and expires_at is its exp.
fn assert_issued_here(provider: &SandboxHandle, doc: &Value) {
    let at = doc["access_token"].as_str().expect("an access token");
    let c = provider
        .check_access_token(at)
        .expect("the sandbox accepts the stored access token");
    assert_eq!(doc["expires_at"], json!(c.exp));
    let left = c.exp - common::now();
    assert!((250..=300).contains(&left), "exp {left}s away");
    assert_eq!(claims(at)["iss"], provider.base_url());
}

fn oauth2_profile(s: &Setup, name: &str, auth: ClientAuth) -> Value {
    let mut p = demo::oauth2_profile(name, &s.provider, auth).to_json();
    p["redirect_uri"] = json!("http://127.0.0.1:47001/callback");
    p
}

#[tokio::test]
async fn oauth2_exchange_with_pkce_then_refresh_rotates_and_a_spent_token_is_refused() {
    let s = setup();
    s.init(&oauth2_profile(&s, "idp", ClientAuth::ClientSecretBasic));
    let first = s.authorize("idp", "/authorize").await;
    let c = claims(first["access_token"].as_str().unwrap());
    assert_eq!(c["aud"], demo::OAUTH2_CLIENT);
    assert_eq!(c["scope"], demo::OAUTH2_SCOPE);
    assert!(
        !s.log_lines("GET /.well-known/openid-configuration -> 200")
            .is_empty(),
        "discovery used"
    );
    assert_eq!(
        s.log_lines("POST /token grant=authorization_code client=oauth2-demo auth=client_secret_basic -> 200").len(),
        1
    );

    let r = s.run("idp", &["refresh", "--json"]);
    ok(&r);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).unwrap()["state"],
        "valid"
    );
    let second = s.stored("idp");
    assert_ne!(
        second["refresh_token"], first["refresh_token"],
        "rotated and stored"
    );
    assert_ne!(second["access_token"], first["access_token"]);
    assert_issued_here(&s.provider, &second);
    assert!(!r.all().contains(second["refresh_token"].as_str().unwrap()));
    // The stored, rotated token works again.
    ok(&s.run("idp", &["refresh"]));
    let third = s.stored("idp");

    // A copy holding the spent refresh token (another machine that missed the rotation):
    // refused with invalid_grant, exit 4, and its stored profile untouched.
    let mut stale = first.clone();
    stale["profile"] = json!("stale");
    s.init(&stale);
    let before = s.stored("stale");
    let r = s.run("stale", &["refresh"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_grant"), "{}", r.stderr);
    assert_eq!(s.stored("stale"), before);
    // Reusing a spent token revokes the grant, so the current one is refused as well.
    assert_eq!(
        s.refresh_error(&third).await.as_deref(),
        Some("invalid_grant")
    );
}

#[tokio::test]
async fn oauth2_client_secret_post_and_public_client() {
    let s = setup();
    for (name, auth, method) in [
        ("post", ClientAuth::ClientSecretPost, "client_secret_post"),
        ("public", ClientAuth::None, "none"),
    ] {
        s.init(&oauth2_profile(&s, name, auth));
        let first = s.authorize(name, "/authorize").await;
        ok(&s.run(name, &["refresh"]));
        let second = s.stored(name);
        assert_ne!(second["refresh_token"], first["refresh_token"]);
        assert_issued_here(&s.provider, &second);
        let client = if auth == ClientAuth::None {
            demo::PUBLIC_CLIENT
        } else {
            demo::OAUTH2_CLIENT
        };
        for grant in ["authorization_code", "refresh_token"] {
            let want = format!("POST /token grant={grant} client={client} auth={method} -> 200");
            assert_eq!(s.log_lines(&want).len(), 1, "{want}");
        }
    }
}

#[tokio::test]
async fn revoke_makes_the_sandbox_refuse_both_tokens() {
    let s = setup();
    s.init(&oauth2_profile(&s, "idp", ClientAuth::ClientSecretBasic));
    let doc = s.authorize("idp", "/authorize").await;
    let at = doc["access_token"].as_str().unwrap();
    ok(&s.run("idp", &["revoke"]));
    let after = s.stored("idp");
    assert!(
        after.get("access_token").is_none() && after.get("refresh_token").is_none(),
        "{after}"
    );
    assert_eq!(s.log_lines("POST /revoke hint=access_token client=oauth2-demo auth=client_secret_basic -> 200 revoked access token").len(), 1);
    assert_eq!(s.log_lines("POST /revoke hint=refresh_token client=oauth2-demo auth=client_secret_basic -> 200 revoked refresh token").len(), 1);
    assert!(
        s.provider.check_access_token(at).is_none(),
        "the access token is dead"
    );
    assert_eq!(
        s.refresh_error(&doc).await.as_deref(),
        Some("invalid_grant")
    );
}

#[tokio::test]
async fn pancloud_dialect_exchange_refresh_and_revoke() {
    let s = setup();
    let mut p = demo::pancloud_profile("pc", &s.provider).to_json();
    p["redirect_uri"] = json!("http://127.0.0.1:47002/callback");
    p["instance_id"] = json!("inst-1");
    p["region"] = json!("americas");
    s.init(&p);
    let first = s.authorize("pc", "/as/authorization.oauth2").await;
    assert_eq!(
        claims(first["access_token"].as_str().unwrap())["aud"],
        demo::PANCLOUD_CLIENT
    );
    assert_eq!(
        s.log_lines("POST /api/oauth2/RequestToken grant=authorization_code client=pancloud-demo auth=body -> 200").len(),
        1
    );
    ok(&s.run("pc", &["refresh"]));
    let second = s.stored("pc");
    assert_ne!(second["refresh_token"], first["refresh_token"]);
    assert_issued_here(&s.provider, &second);

    ok(&s.run("pc", &["revoke", "--access-token"]));
    assert!(s
        .provider
        .check_access_token(second["access_token"].as_str().unwrap())
        .is_none());
    let kept = s.stored("pc");
    assert_eq!(kept["refresh_token"], second["refresh_token"]);
    ok(&s.run("pc", &["revoke", "--refresh-token"]));
    assert_eq!(
        s.refresh_error(&second).await.as_deref(),
        Some("invalid_grant")
    );
    assert_eq!(s.log_lines("POST /api/oauth2/RevokeToken hint=").len(), 2);
}

#[tokio::test]
async fn developer_token_redeemed_by_pancred_token() {
    let s = setup();
    let all = demo::profiles(&s.provider, common::now()).unwrap();
    let dev = all.iter().find(|p| p.profile == demo::DEVELOPER).unwrap();
    s.init(&dev.to_json());
    let r = s.run(demo::DEVELOPER, &["token"]);
    ok(&r);
    let token = r.stdout.trim();
    let c = s
        .provider
        .check_access_token(token)
        .expect("a sandbox token");
    assert_eq!(c.sub, demo::DEMO_SUBJECT);
    assert_eq!(
        s.log_lines("POST /request_token auth=bearer -> 200").len(),
        1
    );
    let doc = s.stored(demo::DEVELOPER);
    assert_eq!(doc["access_token"], json!(token));
    // A developer token the service does not know: exit 4 with its error, nothing stored.
    let mut bad = dev.to_json();
    bad["profile"] = json!("bad-dev");
    bad["developer_token"] = json!("not-a-real-developer-token");
    s.init(&bad);
    let r = s.run("bad-dev", &["token"]);
    assert_eq!(r.code, 4, "{}", r.all());
    assert!(r.stderr.contains("invalid_token"), "{}", r.stderr);
    assert!(!r.all().contains("not-a-real-developer-token"));
    assert!(s.stored("bad-dev").get("access_token").is_none());
}

#[tokio::test]
async fn the_expired_demo_profile_is_refreshed_by_pancred_token() {
    let s = setup();
    let now = common::now();
    let all = demo::profiles(&s.provider, now).unwrap();
    for p in &all {
        s.init(&p.to_json());
    }
    let r = s.sb.run(&["list", "--json"]);
    ok(&r);
    let list: Value = serde_json::from_str(&r.stdout).unwrap();
    let state = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["profile"] == name)
            .unwrap()["state"]
            .clone()
    };
    assert_eq!(state(demo::VALID), "valid");
    assert_eq!(state(demo::EXPIRING), "expiring");
    assert_eq!(state(demo::EXPIRED), "expired");
    assert_eq!(state(demo::NEW), "missing");

    let before = s.stored(demo::EXPIRED);
    let r = s.run(demo::EXPIRED, &["token"]);
    ok(&r);
    let after = s.stored(demo::EXPIRED);
    assert_eq!(after["access_token"], json!(r.stdout.trim()));
    assert_ne!(after["refresh_token"], before["refresh_token"]);
    assert_issued_here(&s.provider, &after);
    assert_eq!(
        s.log_lines(
            "POST /token grant=refresh_token client=oauth2-demo auth=client_secret_post -> 200"
        )
        .len(),
        1
    );
    // The valid one is served from the store, without a call.
    let calls = s.log.lock().unwrap().len();
    ok(&s.run(demo::VALID, &["token"]));
    assert_eq!(s.log.lock().unwrap().len(), calls);

    // No token value ever reached the sandbox's log.
    let log = s.log.lock().unwrap().join("\n");
    for doc in [&before, &after] {
        for k in ["access_token", "refresh_token", "client_secret"] {
            assert!(!log.contains(doc[k].as_str().unwrap()), "{k} in the log");
        }
    }
}

/// The demo's profile without tokens, authorized as a user would: `pancred login` opens a real
/// browser (headless Chromium) on the sandbox's consent page, Approve, and the tokens are stored.
#[test]
fn browser_login_authorizes_the_new_demo_profile_and_deny_changes_nothing() {
    use common::login::{assert_port_free, browser, login_cmd, stored, Login};
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let s = setup();
    let all = demo::profiles(&s.provider, common::now()).unwrap();
    let new = all.iter().find(|p| p.profile == demo::NEW).unwrap();
    s.init(&new.to_json());
    let before = stored(&s.sb);

    let mut cmd = login_cmd(&s.sb, &["--profile", demo::NEW]);
    cmd.env("BROWSER", browser(&js))
        .env("BROWSER_LOGIN_ACTION", "deny");
    let mut login = Login::spawn(cmd, false);
    let port = login.port();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert_eq!(stored(&s.sb), before, "a denied consent changes nothing");
    assert_port_free(port);
    assert_eq!(
        s.log_lines("POST /consent client=oauth2-public-demo -> 303 denied")
            .len(),
        1
    );

    let mut cmd = login_cmd(&s.sb, &["--profile", demo::NEW]);
    cmd.env("BROWSER", browser(&js));
    let mut login = Login::spawn(cmd, false);
    let url = login.url();
    assert!(url.starts_with(&s.provider.url("/authorize?")), "{url}");
    let port = login.port();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("browser-login: landed HTTP 200"),
        "{stderr}"
    );
    assert_port_free(port);
    let doc = s.stored(demo::NEW);
    assert_issued_here(&s.provider, &doc);
    assert_eq!(
        claims(doc["access_token"].as_str().unwrap())["aud"],
        demo::PUBLIC_CLIENT
    );
    assert_eq!(
        s.log_lines(
            "POST /token grant=authorization_code client=oauth2-public-demo auth=none -> 200"
        )
        .len(),
        1
    );
    // The public client's tokens refresh with PKCE-only credentials (no secret anywhere).
    ok(&s.run(demo::NEW, &["refresh"]));
    assert_ne!(s.stored(demo::NEW)["refresh_token"], doc["refresh_token"]);
}
