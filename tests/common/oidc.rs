//! The real providers the oauth2-dialect tests run against, each on a free loopback port:
//! oidc-provider (npm, tests/js/provider.mjs) and django-oauth-toolkit (PyPI, tests/dot/serve.py),
//! with a driver for their login and consent forms over HTTP with a cookie jar.
//!
//! Both register the same clients, rotate refresh tokens with reuse protection, require PKCE,
//! and serve the same test knobs (`/test/counts`, `/test/token-delay`), so a test can run
//! against each: `#[rstest] #[case::oidc_provider(Kind::OidcProvider)] #[case::django(Kind::Dot)]`.
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The redirect URI registered for the web clients (never served: the code is read from the
/// provider's redirect).
pub const WEB_REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const SCOPE: &str = "openid offline_access api:read";
/// alice's password (oidc-provider's dev login takes any).
pub const PASSWORD: &str = "alice-password";

/// Which provider implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// oidc-provider (Node): JWT access tokens, which it cannot revoke (unsupported_token_type).
    OidcProvider,
    /// django-oauth-toolkit (Python): opaque access tokens; revocation_endpoint only in its
    /// RFC 8414 document; revoking an access token ends the whole grant.
    Dot,
}

/// A client registered by both providers: id, secret, token_endpoint_auth_method.
pub struct Client {
    pub id: &'static str,
    pub secret: Option<String>,
    pub auth: &'static str,
}

pub fn basic_client() -> Client {
    web("basic-client", "client_secret_basic")
}

/// oidc-provider only: a web client whose access tokens are opaque and good at userinfo.
pub fn openid_client() -> Client {
    web("openid-client", "client_secret_basic")
}

pub fn post_client() -> Client {
    web("post-client", "client_secret_post")
}

pub fn native_client() -> Client {
    Client {
        id: "native-client",
        secret: None,
        auth: "none",
    }
}

/// The client_credentials client (RFC 6749 4.4): a service acting for itself.
pub fn service_client() -> Client {
    Client {
        id: "service-client",
        secret: Some("service-client-secret-0123456789abcdef0123456789".into()),
        auth: "client_secret_basic",
    }
}

/// The public device-flow client (RFC 8628).
pub fn device_client() -> Client {
    Client {
        id: "device-client",
        secret: None,
        auth: "none",
    }
}

fn web(id: &'static str, auth: &'static str) -> Client {
    Client {
        id,
        secret: Some(format!("{id}-secret-0123456789abcdef0123456789abcdef")),
        auth,
    }
}

pub struct Oidc {
    child: Child,
    pub kind: Kind,
    pub port: u16,
    pub issuer: String,
    /// `http://127.0.0.1:PORT`: where the test knobs are.
    pub origin: String,
}

impl Oidc {
    /// Starts oidc-provider; `None` when PANCRED_TEST_JS is not set (see `external`).
    pub fn start() -> Option<Oidc> {
        Self::start_with(&[])
    }

    /// Starts oidc-provider with extra environment (`PROVIDER_WEB_REDIRECTS`, ...).
    pub fn start_with(env: &[(&str, &str)]) -> Option<Oidc> {
        Self::start_kind(Kind::OidcProvider, env)
    }

    /// Starts the provider of `kind`; `None` when its runtime is not set (see `external`).
    pub fn start_kind(kind: Kind, env: &[(&str, &str)]) -> Option<Oidc> {
        let mut cmd = match kind {
            Kind::OidcProvider => {
                let js = super::external("PANCRED_TEST_JS")?;
                let mut c = Command::new("node");
                // PROVIDER_SCRIPT: another provider script of tests/js (bound-provider.mjs).
                let script = env.iter().find(|(k, _)| *k == "PROVIDER_SCRIPT");
                c.arg(script.map_or("provider.mjs", |(_, v)| v))
                    .current_dir(js);
                c
            }
            Kind::Dot => {
                let python = super::external("PANCRED_TEST_DOT_PYTHON")?;
                let mut c = Command::new(python);
                c.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dot/serve.py"));
                c
            }
        };
        let mut child = cmd
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the test provider");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(p) = line.strip_prefix("listening ") {
                    let _ = tx.send(p.trim().parse::<u16>().ok());
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(Some(p)) => p,
            other => {
                let _ = child.kill();
                panic!("{kind:?} did not start: {other:?}");
            }
        };
        let origin = format!("http://127.0.0.1:{port}");
        let issuer = match kind {
            Kind::OidcProvider => origin.clone(),
            Kind::Dot => format!("{origin}/o"),
        };
        Some(Oidc {
            child,
            kind,
            port,
            issuer,
            origin,
        })
    }

    /// Where the provider's authorization URLs begin.
    pub fn authorization_endpoint(&self) -> String {
        match self.kind {
            Kind::OidcProvider => format!("{}/auth", self.issuer),
            Kind::Dot => format!("{}/authorize/", self.issuer),
        }
    }

    /// Access tokens are JWTs (their `exp` becomes expires_at) rather than opaque strings.
    pub fn jwt_access_tokens(&self) -> bool {
        self.kind == Kind::OidcProvider
    }

    /// Metadata documents (`/.well-known/...`) served so far.
    pub fn metadata_fetches(&self) -> u64 {
        self.counts()["metadata"].as_u64().unwrap()
    }

    pub fn token_requests(&self) -> u64 {
        self.counts()["token_requests"].as_u64().unwrap()
    }

    /// A profile (init file object) for `client` against this provider.
    pub fn profile(&self, name: &str, client: &Client, redirect: &str) -> Value {
        let mut p = serde_json::json!({
            "profile": name,
            "dialect": "oauth2",
            "issuer": self.issuer,
            "client_id": client.id,
            "client_auth": client.auth,
            "redirect_uri": redirect,
            "scope": SCOPE,
        });
        if let Some(s) = &client.secret {
            p["client_secret"] = Value::from(s.clone());
        }
        p
    }

    /// Token grants served so far: `{"refresh": N, "refresh_errors": N, "code": N}`.
    pub fn counts(&self) -> Value {
        block(async {
            reqwest::get(format!("{}/test/counts", self.origin))
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        })
    }

    pub fn refreshes(&self) -> u64 {
        self.counts()["refresh"].as_u64().unwrap()
    }

    /// One of `counts()` as a number.
    pub fn count(&self, what: &str) -> u64 {
        self.counts()[what].as_u64().unwrap()
    }

    /// A device-login profile (init file object) for the public device client.
    pub fn device_profile(&self, name: &str) -> Value {
        serde_json::json!({
            "profile": name,
            "dialect": "oauth2",
            "issuer": self.issuer,
            "client_id": device_client().id,
            "client_auth": "none",
            "scope": SCOPE,
        })
    }

    /// A client_credentials profile (init file object) for the service client.
    pub fn service_profile(&self, name: &str) -> Value {
        let c = service_client();
        serde_json::json!({
            "profile": name,
            "dialect": "oauth2",
            "issuer": self.issuer,
            "grant": "client_credentials",
            "client_id": c.id,
            "client_secret": c.secret,
            "client_auth": c.auth,
            "scope": "api:read",
        })
    }

    /// Makes every later /token request wait `ms` first.
    pub fn set_token_delay(&self, ms: u64) {
        block(async {
            reqwest::Client::new()
                .post(format!("{}/test/token-delay?ms={ms}", self.origin))
                .send()
                .await
                .unwrap();
        })
    }

    /// Holds every later /token answer `ms` after the provider served it (tokens issued).
    pub fn set_answer_delay(&self, ms: u64) {
        block(async {
            reqwest::Client::new()
                .post(format!("{}/test/answer-delay?ms={ms}", self.issuer))
                .send()
                .await
                .unwrap();
        })
    }

    /// Logs in as alice and consents, starting from an authorization URL; returns the `code`
    /// and `state` of the final redirect to `redirect_prefix`.
    pub fn authorize(&self, auth_url: &str, redirect_prefix: &str) -> (String, String) {
        let q = self.authorize_query(auth_url, redirect_prefix);
        (
            q["code"].clone(),
            q.get("state").cloned().unwrap_or_default(),
        )
    }

    /// [`Oidc::authorize`], returning every parameter of the redirect (`code`, `state`, `iss`).
    pub fn authorize_query(
        &self,
        auth_url: &str,
        redirect_prefix: &str,
    ) -> std::collections::HashMap<String, String> {
        block(drive_login(
            auth_url.to_string(),
            redirect_prefix.to_string(),
        ))
    }
}

impl Drop for Oidc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn drive_login(
    auth_url: String,
    redirect_prefix: String,
) -> std::collections::HashMap<String, String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut next = client.get(&auth_url).send().await.unwrap();
    for _ in 0..20 {
        let here = next.url().clone();
        if next.status().is_redirection() {
            let loc = next.headers()["location"].to_str().unwrap().to_string();
            let target = here.join(&loc).unwrap();
            if target.as_str().starts_with(&redirect_prefix) {
                let q: std::collections::HashMap<String, String> =
                    target.query_pairs().into_owned().collect();
                if let Some(e) = q.get("error") {
                    panic!(
                        "the provider answered with error {e}: {:?}",
                        q.get("error_description")
                    );
                }
                return q;
            }
            next = client.get(target).send().await.unwrap();
            continue;
        }
        let status = next.status();
        let html = next.text().await.unwrap();
        assert!(status.is_success(), "HTTP {status} at {here}: {html}");
        let (action, form) = login_or_consent_form(&html).expect("a form on the page");
        // An empty action posts back to the page itself, query included (Django's forms).
        let target = if action.is_empty() {
            here.clone()
        } else {
            here.join(&action).unwrap()
        };
        next = client.post(target).form(&form).send().await.unwrap();
    }
    panic!("no redirect to {redirect_prefix} after 20 steps");
}

/// The first form of a login or consent page, filled in: its action and fields. Hidden fields
/// are kept, the user and password fields get alice's, and a named submit input (Django's
/// `allow`) is sent as its button would be.
fn login_or_consent_form(html: &str) -> Option<(String, Vec<(String, String)>)> {
    let start = html.find("<form")?;
    let end = html[start..]
        .find("</form>")
        .map_or(html.len(), |e| start + e);
    let form = &html[start..end];
    let action = attr_after(form, "<form", "action").unwrap_or_default();
    let mut fields = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find("<input") {
        rest = &rest[i..];
        let tag = &rest[..rest.find('>').map_or(rest.len(), |e| e + 1)];
        rest = &rest[6..];
        let Some(name) = attr_after(tag, "<input", "name") else {
            continue;
        };
        let value = match name.as_str() {
            "login" | "username" => "alice".to_string(),
            "password" => PASSWORD.to_string(),
            _ => attr_after(tag, "<input", "value").unwrap_or_default(),
        };
        fields.push((name, value));
    }
    Some((action, fields))
}

impl Oidc {
    /// A person at the provider's device pages: enters `user_code`, then approves (logs in as
    /// alice and consents) or aborts. Returns the text of the last page.
    pub fn device_person(&self, user_code: &str, approve: bool) -> String {
        block(drive_device(
            self.issuer.clone(),
            user_code.to_string(),
            approve,
        ))
    }

    /// When each device_code poll reached the token endpoint (ms since the epoch).
    pub fn polls(&self) -> Vec<u64> {
        block(async {
            reqwest::get(format!("{}/test/polls", self.origin))
                .await
                .unwrap()
                .json::<Vec<u64>>()
                .await
                .unwrap()
        })
    }

    /// The next `n` /token requests are answered HTTP 503 with an HTML page.
    pub fn unavailable(&self, n: u32) {
        block(async {
            reqwest::Client::new()
                .post(format!("{}/test/unavailable?n={n}", self.origin))
                .send()
                .await
                .unwrap();
        })
    }

    /// The next `n` device polls are answered `slow_down`.
    pub fn slow_down(&self, n: u32) {
        block(async {
            reqwest::Client::new()
                .post(format!("{}/test/slow-down?n={n}", self.origin))
                .send()
                .await
                .unwrap();
        })
    }
}

async fn drive_device(issuer: String, user_code: String, approve: bool) -> String {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let device = format!("{issuer}/device");
    let html = client
        .get(&device)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let xsrf = attr_after(&html, "name=\"xsrf\"", "value").expect("the code form");
    let form = [("xsrf", xsrf), ("user_code", user_code.clone())];
    let html = client
        .post(&device)
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let xsrf = attr_after(&html, "name=\"xsrf\"", "value").expect("the confirm form");
    let answer = if approve { "confirm" } else { "abort" };
    let form = [
        ("xsrf", xsrf),
        ("user_code", user_code),
        (answer, "yes".to_string()),
    ];
    let mut next = client.post(&device).form(&form).send().await.unwrap();
    for _ in 0..20 {
        let here = next.url().clone();
        if next.status().is_redirection() {
            let loc = next.headers()["location"].to_str().unwrap().to_string();
            next = client.get(here.join(&loc).unwrap()).send().await.unwrap();
            continue;
        }
        let html = next.text().await.unwrap();
        let Some(prompt) = attr_after(&html, "name=\"prompt\"", "value") else {
            return html;
        };
        let action = attr_after(&html, "<form", "action").expect("a form");
        let mut form = vec![("prompt".to_string(), prompt.clone())];
        if prompt == "login" {
            form.push(("login".into(), "alice".into()));
            form.push(("password".into(), PASSWORD.into()));
        }
        next = client
            .post(here.join(&action).unwrap())
            .form(&form)
            .send()
            .await
            .unwrap();
    }
    panic!("the device pages did not end after 20 steps");
}

/// The value of attribute `attr` in the first tag at or after `marker`.
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let start = html.find(marker)?;
    let rest = &html[start..];
    let tag_end = rest.find('>')?;
    let tag = &rest[..tag_end];
    let key = format!(" {attr}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')?;
    Some(tag[i..i + j].replace("&amp;", "&"))
}

/// Writes profile fields with `pancred init --from FILE --write` (fields merge into the profile).
pub fn init(sb: &super::Sandbox, fields: &Value) {
    let f = sb.path().join("init.json");
    std::fs::write(&f, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "init: {}", r.all());
}

/// The stored document of profile `name` in the sandbox's pancloud file (Null when absent).
pub fn stored(sb: &super::Sandbox, name: &str) -> Value {
    let file: Value = serde_json::from_slice(&std::fs::read(&sb.creds).unwrap()).unwrap();
    file["profiles"]
        .as_object()
        .unwrap()
        .values()
        .find(|d| d["profile"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

impl Oidc {
    /// A profile logged in at this provider: `auth-url`, login and consent, `exchange --code`.
    pub fn login(&self, sb: &super::Sandbox, name: &str, client: &Client, redirect: &str) -> Value {
        init(sb, &self.profile(name, client, redirect));
        let r = sb.run(&["--profile", name, "auth-url"]);
        assert_eq!(r.code, 0, "auth-url: {}", r.all());
        let (code, _) = self.authorize(r.stdout.trim(), redirect);
        let r = sb.run(&["--profile", name, "exchange", "--code", &code]);
        assert_eq!(r.code, 0, "exchange: {}", r.all());
        stored(sb, name)
    }
}

/// Replaces the stored access token of `name` with one that expired a minute ago.
pub fn expire_token(sb: &super::Sandbox, name: &str) {
    let exp = super::now() - 60;
    init(
        sb,
        &serde_json::json!({
            "profile": name,
            "access_token": super::jwt(&serde_json::json!({"exp": exp, "sub": "old"})),
            "expires_at": exp,
        }),
    );
}
