//! `exchange --code` takes what `login` takes when pasted: the whole redirect URL (its state
//! checked against the last `auth-url`), not only the bare code.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::{Run, Sandbox};
use pancred::sandbox::{demo, Sandbox as Provider, SandboxConfig, SandboxHandle};
use serde_json::{json, Value};

fn setup(provider: &SandboxHandle) -> Sandbox {
    let sb = Sandbox::new();
    let f = sb.path().join("p.json");
    let fields = json!({"profile": "idp", "dialect": "oauth2", "issuer": provider.url(""),
        "client_id": demo::OAUTH2_CLIENT, "client_secret": demo::OAUTH2_SECRET,
        "redirect_uri": demo::REDIRECT_URI, "scope": demo::OAUTH2_SCOPE});
    std::fs::write(&f, fields.to_string()).unwrap();
    let r = sb.run(&["init", "--from", f.to_str().unwrap(), "--write"]);
    assert_eq!(r.code, 0, "{}", r.all());
    sb
}

/// `auth-url`, then Approve on the sandbox's consent page: the redirect URL the browser gets.
async fn approved_redirect(sb: &Sandbox, provider: &SandboxHandle) -> String {
    let r = sb.run(&["--profile", "idp", "auth-url", "--json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = http
        .get(out["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html
        .find("name=\"consent_id\" value=\"")
        .expect("consent form")
        + 25;
    let id = &html[start..start + html[start..].find('"').unwrap()];
    let resp = http
        .post(provider.url("/consent"))
        .form(&[("consent_id", id), ("decision", "approve")])
        .send()
        .await
        .unwrap();
    resp.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_whole_redirect_url_is_accepted_and_its_state_checked() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = setup(&provider);
    let url = approved_redirect(&sb, &provider).await;
    // Another login's state is refused, and nothing is sent.
    let forged = url.replace("state=", "state=x");
    let r: Run = sb.run_with_input(&["--profile", "idp", "exchange", "--code", "-"], &forged);
    assert_eq!(r.code, 2, "{}", r.all());
    let r: Run = sb.run_with_input(&["--profile", "idp", "exchange", "--code", "-"], &url);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("Stored the tokens of profile 'idp'"),
        "{}",
        r.stderr
    );
}
