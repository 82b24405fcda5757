//! Device login against the sandbox: `pancred login --device` polls while a person answers on
//! the sandbox's device page, which takes the user code (prefilled from the complete URI).
#![cfg(feature = "cli")]

mod common;

use common::login::{login_cmd, Login};
use common::oidc::{init, stored};
use common::Sandbox;
use pancred::sandbox::{Sandbox as Provider, SandboxConfig};

fn profile(provider: &pancred::sandbox::SandboxHandle) -> serde_json::Value {
    serde_json::json!({
        "profile": "sbx", "dialect": "oauth2", "issuer": provider.base_url(),
        "client_id": pancred::sandbox::demo::PUBLIC_CLIENT, "client_auth": "none",
        "scope": "openid offline_access",
    })
}

/// Starts `login --device` and reads the complete URI it printed.
fn start(sb: &Sandbox, provider: &pancred::sandbox::SandboxHandle) -> (Login, String) {
    let mut cmd = login_cmd(sb, &["--device", "--no-browser"]);
    cmd.env("PANCRED_PROFILE", "sbx");
    let mut login = Login::spawn(cmd, false);
    let page = provider.url(pancred::sandbox::DEVICE_PAGE_PATH);
    let complete = login.wait_for("the complete URI", |l| {
        l.trim()
            .starts_with(&format!("{page}?user_code="))
            .then(|| l.trim().to_string())
    });
    (login, complete)
}

/// A person opens the complete URI and answers.
fn answer(provider: &pancred::sandbox::SandboxHandle, complete: &str, decision: &str) -> String {
    let code = complete.rsplit('=').next().unwrap().to_string();
    // The complete URL opens the page with the code filled in.
    let prefilled = common::login::get_text(complete);
    assert!(
        prefilled.contains(&format!("value=\"{code}\"")),
        "{prefilled}"
    );
    // Typed by hand: lower case, no dash.
    let typed = code.replace('-', "").to_lowercase();
    let page = provider.url(pancred::sandbox::DEVICE_PAGE_PATH);
    common::login::answer_sandbox_device_page(&page, &typed, decision)
}

#[test]
fn approved_on_the_device_page_the_tokens_are_stored() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = Sandbox::new();
    init(&sb, &profile(&provider));
    let (login, complete) = start(&sb, &provider);
    let page = answer(&provider, &complete, "approve");
    assert!(page.contains("Approved"), "{page}");
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 0, "{stderr}");
    // The code's lifetime in the TUI's words (`9m 59s`), never rounded up to whole minutes.
    let announced = stderr
        .split("the code expires in ")
        .nth(1)
        .unwrap_or_default();
    let span = announced.split(';').next().unwrap_or_default();
    assert!(span.ends_with('s') && !span.contains("min"), "{stderr}");
    let doc = stored(&sb, "sbx");
    let token = doc["access_token"].as_str().unwrap().to_string();
    assert!(doc["refresh_token"].is_string(), "{doc}");
    let ok = common::oidc::block(async move {
        reqwest::Client::new()
            .get(provider.url(pancred::sandbox::USERINFO_PATH))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(ok, 200);
}

#[test]
fn denied_on_the_device_page_exits_4() {
    let provider = Provider::start(SandboxConfig::default()).unwrap();
    let sb = Sandbox::new();
    init(&sb, &profile(&provider));
    let before = std::fs::read(&sb.creds).unwrap();
    let (login, complete) = start(&sb, &provider);
    assert!(answer(&provider, &complete, "deny").contains("Denied"));
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 4, "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}
