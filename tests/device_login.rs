//! `pancred login --device` (RFC 8628) against a real provider (oidc-provider with deviceFlow):
//! a person approves at the provider's pages (over HTTP with a cookie jar), refuses, or lets
//! the code expire; pancred polls at the interval, slows down when told, and stores the tokens.
#![cfg(feature = "cli")]

mod common;

use common::login::{login_cmd, Login};
use common::oidc::{init, stored, Oidc};
use common::Sandbox;
use std::process::Command;

/// The provider names a 1 s interval so that the tests do not wait 5 s per poll.
fn provider(extra: &[(&str, &str)]) -> Option<Oidc> {
    let mut env = vec![("PROVIDER_DEVICE_INTERVAL", "1")];
    env.extend_from_slice(extra);
    Oidc::start_with(&env)
}

fn device_login(sb: &Sandbox, args: &[&str]) -> Command {
    let mut all = vec!["--device", "--no-browser"];
    all.extend_from_slice(args);
    let mut c = login_cmd(sb, &all);
    c.env("PANCRED_PROFILE", "dev");
    c
}

/// The user code pancred printed on its own line (`XXXX-XXXX`).
fn user_code(login: &mut Login) -> String {
    login.wait_for("user code", |l| {
        let t = l.trim();
        let ok = t.len() == 9
            && t.chars().enumerate().all(|(i, c)| {
                if i == 4 {
                    c == '-'
                } else {
                    c.is_ascii_uppercase()
                }
            });
        ok.then(|| t.to_string())
    })
}

#[test]
fn approved_by_a_person_the_tokens_are_stored_and_slow_down_is_obeyed() {
    let Some(oidc) = provider(&[]) else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.device_profile("dev"));
    let mut login = Login::spawn(device_login(&sb, &[]), false);
    let code = user_code(&mut login);
    let complete = login.wait_for("the complete URI", |l| {
        l.trim()
            .starts_with(&format!("{}/device?user_code=", oidc.issuer))
            .then(|| l.trim().to_string())
    });
    assert!(complete.ends_with(&code), "{complete}");
    login.wait_for("the waiting line", |l| {
        l.contains("waiting for approval").then_some(())
    });
    // The next poll is told to slow down: the one after it comes at least 1 + 5 s later.
    oidc.slow_down(1);
    while oidc.polls().is_empty() {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let page = oidc.device_person(&code, true);
    assert!(page.contains("Success"), "{page}");
    let (status, stdout, stderr) = login.finish();
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("logged in"), "{stderr}");
    assert_eq!(oidc.count("device_code"), 1);
    let polls = oidc.polls();
    let gaps: Vec<u64> = polls.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().any(|g| *g >= 5_900),
        "no slowing down after slow_down: {gaps:?}"
    );
    assert!(
        gaps.iter().all(|g| *g >= 900),
        "polled faster than the interval: {gaps:?}"
    );
    let doc = stored(&sb, "dev");
    let token = doc["access_token"]
        .as_str()
        .expect("an access token stored");
    assert!(doc["expires_at"].as_i64().unwrap() > common::now() + 600);
    // It works for what tokens are for: `pancred token` prints it without a call.
    let r = sb.run(&["--profile", "dev", "token"]);
    assert_eq!(r.stdout.trim(), token);
}

#[test]
fn refused_by_the_person_exits_4_and_stores_nothing() {
    let Some(oidc) = provider(&[]) else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.device_profile("dev"));
    let before = std::fs::read(&sb.creds).unwrap();
    let mut login = Login::spawn(device_login(&sb, &[]), false);
    let code = user_code(&mut login);
    oidc.device_person(&code, false);
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 4, "{stderr}");
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[test]
fn a_code_left_to_expire_exits_4_with_start_again() {
    let Some(oidc) = provider(&[("PROVIDER_DEVICE_TTL", "3")]) else {
        return;
    };
    let sb = Sandbox::new();
    init(&sb, &oidc.device_profile("dev"));
    let before = std::fs::read(&sb.creds).unwrap();
    let login = Login::spawn(device_login(&sb, &[]), false);
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 4, "{stderr}");
    assert!(stderr.contains("expired"), "{stderr}");
    assert!(stderr.contains("start again"), "{stderr}");
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}

#[test]
fn timeout_exits_1_and_ctrl_c_exits_130() {
    let Some(oidc) = provider(&[]) else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.device_profile("dev"));
    let login = Login::spawn(device_login(&sb, &["--timeout", "2"]), false);
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("--timeout"), "{stderr}");

    let mut login = Login::spawn(device_login(&sb, &[]), false);
    user_code(&mut login);
    login.wait_for("the waiting line", |l| {
        l.contains("waiting for approval").then_some(())
    });
    login.interrupt();
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 130, "{stderr}");
}

#[test]
fn login_over_ssh_suggests_device_when_the_provider_has_it() {
    let Some(oidc) = provider(&[]) else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.device_profile("dev"));
    let mut cmd = login_cmd(&sb, &["--no-browser", "--timeout", "30"]);
    cmd.env("PANCRED_PROFILE", "dev")
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
    let mut login = Login::spawn(cmd, false);
    login.wait_for("the device hint", |l| {
        l.contains("`pancred --profile dev login --device`")
            .then_some(())
    });
    login.interrupt();
    let (status, _, _) = login.finish();
    assert_eq!(status, 130);

    // A provider without it (the pancloud dialect): no such hint.
    init(
        &sb,
        &serde_json::json!({"profile": "pan", "client_id": "c", "client_secret": "s",
                            "auth_base_url": "http://127.0.0.1:1/as/authorization.oauth2",
                            "token_url": "http://127.0.0.1:1"}),
    );
    let mut cmd = login_cmd(&sb, &["--no-browser", "--timeout", "30"]);
    cmd.env("PANCRED_PROFILE", "pan")
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22");
    let mut login = Login::spawn(cmd, false);
    login.wait_for("the waiting line", |l| {
        l.contains("waiting for the redirect").then_some(())
    });
    login.interrupt();
    let (_, _, stderr) = login.finish();
    assert!(stderr.contains("ssh -L"), "{stderr}");
    assert!(!stderr.contains("--device"), "{stderr}");
}

#[test]
fn a_provider_answering_503_while_the_code_lives_is_polled_again() {
    let Some(oidc) = provider(&[]) else { return };
    let sb = Sandbox::new();
    init(&sb, &oidc.device_profile("dev"));
    let mut login = Login::spawn(device_login(&sb, &[]), false);
    let code = user_code(&mut login);
    login.wait_for("the waiting line", |l| {
        l.contains("waiting for approval").then_some(())
    });
    // A proxy in front of a restarting provider: the next polls get an HTML 503 page.
    oidc.unavailable(3);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while oidc.polls().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "pancred stopped polling after a 503"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let page = oidc.device_person(&code, true);
    assert!(page.contains("Success"), "{page}");
    let (status, _, stderr) = login.finish();
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("logged in"), "{stderr}");
    assert!(stored(&sb, "dev")["access_token"].is_string());
}
