//! The sandbox provider for tests that speak to it over plain HTTP: start one with its request
//! log in memory, drive its consent page, call its endpoints.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use pancred::rules::pkce;
use pancred::sandbox::{demo, memory_sink, Sandbox, SandboxConfig, SandboxHandle};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const VERIFIER: &str = "a-verifier-that-is-long-enough-for-rfc7636-0123456789";
pub const REDIRECT: &str = "http://127.0.0.1:45678/callback";

pub struct Provider {
    pub sandbox: SandboxHandle,
    pub log: Arc<Mutex<Vec<String>>>,
    pub http: reqwest::Client,
}

pub fn start_with(mut config: SandboxConfig) -> Provider {
    let (sink, log) = memory_sink();
    config.log = Some(sink);
    let sandbox = Sandbox::start(config).expect("start sandbox");
    Provider {
        sandbox,
        log,
        http: client(),
    }
}

pub fn start() -> Provider {
    start_with(SandboxConfig::default())
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

/// Query parameters of a redirect's Location.
pub fn location_params(resp: &reqwest::Response) -> HashMap<String, String> {
    let loc = resp.headers()["location"].to_str().unwrap();
    assert!(loc.starts_with(REDIRECT), "redirects to the client: {loc}");
    url::Url::parse(loc)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

impl Provider {
    pub fn url(&self, path: &str) -> String {
        self.sandbox.url(path)
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// Opens the consent page for `query`; returns the form's consent id.
    pub async fn consent_page(&self, path: &str, query: &[(&str, &str)]) -> String {
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

    pub async fn answer(&self, consent_id: &str, decision: &str) -> reqwest::Response {
        self.http
            .post(self.url("/consent"))
            .form(&[("consent_id", consent_id), ("decision", decision)])
            .send()
            .await
            .unwrap()
    }

    /// The oauth2 authorization with PKCE, approved; returns the code.
    pub async fn approved_code(&self, client_id: &str, state: &str) -> String {
        let challenge = pkce::challenge(VERIFIER);
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

    pub async fn token_form(
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

    pub async fn json_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
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

    pub async fn userinfo(&self, token: &str) -> StatusCode {
        self.http
            .get(self.url("/userinfo"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    }
}

pub fn with_query<K: AsRef<str>, V: AsRef<str>>(base: &str, pairs: &[(K, V)]) -> String {
    let mut u = url::Url::parse(base).unwrap();
    u.query_pairs_mut()
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
    u.to_string()
}

pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn basic() -> Option<(&'static str, &'static str)> {
    Some((demo::OAUTH2_CLIENT, demo::OAUTH2_SECRET))
}
