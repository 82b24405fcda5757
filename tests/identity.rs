//! Identity pinning (and the OpenID nonce) with the real oidc-provider, which issues ID tokens for any account: a
//! profile first logged in as alice refuses a login as bob (exit 4, the store byte for byte as
//! it was) unless `login --new-identity` is asked; refreshes keep working for the pinned one.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::login::*;
use common::oidc::Oidc;
use common::Sandbox;

fn login_as(sb: &Sandbox, js: &str, user: &str, args: &[&str]) -> (i32, String) {
    let mut cmd = login_cmd(sb, args);
    cmd.env("BROWSER", browser(js))
        .env("BROWSER_LOGIN_USER", user);
    let (code, _, stderr) = Login::spawn(cmd, false).finish();
    (code, stderr)
}

fn pinned_subject(sb: &Sandbox) -> serde_json::Value {
    common::oidc::stored(sb, "default")["identity"]["sub"].clone()
}

#[test]
fn a_login_as_another_subject_is_refused_and_nothing_changes() {
    let Some(js) = common::external("PANCRED_TEST_JS") else {
        return;
    };
    let port = free_port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let oidc =
        Oidc::start_with(&[("PROVIDER_WEB_REDIRECTS", redirect.as_str())]).expect("provider");
    let sb = Sandbox::new();
    init(
        &sb,
        oidc.profile("default", &common::oidc::basic_client(), &redirect),
    );

    let (code, stderr) = login_as(&sb, &js, "alice", &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(pinned_subject(&sb), "alice");
    // The scope has openid: the URL carried a nonce, and the ID token (checked) carried it back.
    assert!(stderr.contains("&nonce="), "{stderr}");
    let doc = common::oidc::stored(&sb, "default");
    assert!(
        doc["identity"]["iss"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1"),
        "{doc}"
    );

    // bob's tokens under alice's profile: refused, nothing stored.
    let before = stored(&sb);
    let (code, stderr) = login_as(&sb, &js, "bob", &[]);
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("subject 'bob'") && stderr.contains("--new-identity"),
        "{stderr}"
    );
    assert_eq!(stored(&sb), before, "the store changed");

    // A refresh still serves alice.
    let r = sb.run(&["refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(pinned_subject(&sb), "alice");

    // Asked for: the profile switches to bob.
    let (code, stderr) = login_as(&sb, &js, "bob", &["--new-identity"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(pinned_subject(&sb), "bob");
    let r = sb.run(&["refresh"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(pinned_subject(&sb), "bob");
}
