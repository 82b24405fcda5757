//! `pancred login` end to end: the real binary, its loopback listener, headless Chromium driven by
//! tests/js/browser-login.mjs as `BROWSER`, and a real provider (oidc-provider and
//! django-oauth-toolkit, each test against both) or the pancloud stub.
#![cfg(feature = "cli")]

mod common;

use common::login::*;
use common::oidc::{Kind, Oidc};
use common::Sandbox;
use rstest::rstest;
use serde_json::json;
use std::time::Duration;

/// Logs in with the browser, then proves the stored tokens work: `pancred refresh` rotates them.
fn login_then_refresh(sb: &Sandbox, js: &str, expect_port: Option<u16>) -> (u16, String) {
    let mut cmd = login_cmd(sb, &[]);
    cmd.env("BROWSER", browser(js));
    let mut login = Login::spawn(cmd, false);
    let url = login.url();
    let port = login.port();
    if let Some(p) = expect_port {
        assert_eq!(port, p);
    }
    let (code, stdout, stderr) = login.finish();
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.is_empty(),
        "stdout carries no result for login: {stdout}"
    );
    assert!(
        stderr.contains("browser-login: landed HTTP 200"),
        "{stderr}"
    );
    assert!(stderr.contains("logged in"), "{stderr}");
    assert_port_free(port);
    let after_login = show(sb);
    assert_eq!(after_login["has_refresh_token"], true, "{after_login}");
    assert_eq!(after_login["has_access_token"], true);
    assert_eq!(after_login["state"], "valid");
    let first_refresh = refresh_token_in_file(sb);
    let r = sb.run(&["refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_ne!(
        refresh_token_in_file(sb),
        first_refresh,
        "the provider rotated the refresh token"
    );
    (port, url)
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn browser_login_web_client_on_its_registered_port(#[case] kind: Kind) {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let oidc =
        Oidc::start_kind(kind, &[("PROVIDER_WEB_REDIRECTS", redirect.as_str())]).expect("provider");
    let sb = Sandbox::new();
    init(
        &sb,
        oidc.profile("default", &common::oidc::basic_client(), &redirect),
    );
    let (_, url) = login_then_refresh(&sb, &js, Some(port));
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    assert_eq!(oidc.counts()["code"], 1);
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn browser_login_native_client_on_an_ephemeral_port(#[case] kind: Kind) {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = Oidc::start_kind(kind, &[]).expect("provider");
    let sb = Sandbox::new();
    init(
        &sb,
        oidc.profile(
            "default",
            &common::oidc::native_client(),
            "http://127.0.0.1/callback",
        ),
    );
    let (port, url) = login_then_refresh(&sb, &js, None);
    assert!(
        url.contains(&format!("127.0.0.1%3A{port}%2Fcallback")),
        "{url}"
    );
}

#[rstest]
#[case::oidc_provider(Kind::OidcProvider)]
#[case::django_oauth_toolkit(Kind::Dot)]
fn denied_consent_ends_with_the_providers_error(#[case] kind: Kind) {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = Oidc::start_kind(kind, &[]).expect("provider");
    let sb = Sandbox::new();
    let mut p = oidc.profile(
        "default",
        &common::oidc::native_client(),
        "http://127.0.0.1/callback",
    );
    p["refresh_token"] = json!("rt-before");
    init(&sb, p);
    let before = stored(&sb);
    let mut cmd = login_cmd(&sb, &[]);
    cmd.env("BROWSER", browser(&js))
        .env("BROWSER_LOGIN_ACTION", "deny");
    let mut login = Login::spawn(cmd, false);
    let port = login.port();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert!(
        stderr.contains("browser-login: landed HTTP 400"),
        "{stderr}"
    );
    assert_eq!(stored(&sb), before);
    assert_eq!(oidc.counts()["code"], 0);
    assert_port_free(port);
}

#[test]
fn forged_state_is_refused_and_the_wait_goes_on() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let oidc = common::oidc::Oidc::start().expect("provider");
    let sb = Sandbox::new();
    let mut p = oidc.profile(
        "default",
        &common::oidc::native_client(),
        "http://127.0.0.1/callback",
    );
    p["refresh_token"] = json!("rt-before");
    init(&sb, p);
    let before = stored(&sb);
    let mut cmd = login_cmd(&sb, &[]);
    cmd.env("BROWSER", browser(&js))
        .env("BROWSER_LOGIN_ACTION", "tamper-state");
    let mut login = Login::spawn(cmd, false);
    let port = login.port();
    // The browser got the provider's redirect with the forged state and an error page ...
    login.wait_for("the browser's landing", |l| {
        l.contains("browser-login: landed HTTP 400").then_some(())
    });
    // ... and pancred is still waiting.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        login.child.try_wait().unwrap().is_none(),
        "a forged state ended the login"
    );
    login.interrupt();
    let (code, _, stderr) = login.finish();
    assert_eq!(code, 130, "{stderr}");
    assert_eq!(stored(&sb), before);
    assert_eq!(oidc.counts()["code"], 0, "no code was exchanged");
    assert_port_free(port);
}

#[test]
fn browser_login_pancloud_dialect_against_the_stub() {
    use common::pancloud_stub::{PancloudStub, AUTHORIZE_PATH, CODE, FIRST_REFRESH_TOKEN};
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let stub = PancloudStub::start();
    let sb = Sandbox::new();
    let mut p = stub.profile("default");
    p.as_object_mut().unwrap().remove("refresh_token");
    p["auth_base_url"] = json!(format!("{}{AUTHORIZE_PATH}", stub.url));
    p["redirect_uri"] = json!("http://localhost/pancloud/callback");
    p["instance_id"] = json!("inst-1");
    p["region"] = json!("americas");
    init(&sb, p);
    stub.state().roll = true;
    let (port, url) = login_then_refresh(&sb, &js, None);
    assert!(
        url.contains("instance_id=inst-1") && url.contains("region=americas"),
        "{url}"
    );
    // The exchange sent the code and the redirect with the port actually bound.
    let exchange = stub
        .requests()
        .into_iter()
        .find(|r| r.body["grant_type"] == "authorization_code")
        .expect("a code exchange");
    assert_eq!(exchange.body["code"], CODE);
    assert_eq!(
        exchange.body["redirect_uri"],
        format!("http://localhost:{port}/pancloud/callback")
    );
    assert_ne!(
        refresh_token_in_file(&sb),
        FIRST_REFRESH_TOKEN,
        "refresh rolled the token"
    );
}
