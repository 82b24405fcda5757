//! `--login never|auto|always` on the helpers, from the background: a profile that needs a
//! login, asked by real git and kubectl without a terminal (as an editor or a cron job runs
//! them), fails fast with exit 6 and the command to run, and never opens a browser.
//! (With a terminal: tests/login_gate_tmux.rs.)
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::login::{browser_calls as calls, counting_browser, LOGIN_COMMAND as COMMAND};
use common::oidc::init;
use common::{bin, have_program, Run, Sandbox};
use serde_json::json;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `program ARGS` in a new session: no controlling terminal, as a background job has.
fn detached(sb: &Sandbox, browser: &Path, program: &str, args: &[&str]) -> Command {
    let mut c = sb.program("setsid");
    c.arg("-w")
        .arg(program)
        .args(args)
        .env("BROWSER", browser)
        .env_remove("GIT_SSL_CAINFO")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn finish(mut child: Child, input: &str) -> Run {
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().unwrap().into()
}

#[test]
fn background_callers_fail_fast_with_the_command_and_never_open_a_browser() {
    if !(have_program("git") && have_program("setsid")) {
        return;
    }
    let sb = Sandbox::new();
    // Client settings and no refresh token: only a login can give this profile a token. The
    // endpoints are never reached (nothing listens on port 1).
    init(
        &sb,
        &json!({"profile": "w", "dialect": "oauth2", "client_id": "c", "client_secret": "s",
                "auth_base_url": "http://127.0.0.1:1/auth", "token_url": "http://127.0.0.1:1/token"}),
    );
    let (browser, count) = counting_browser(sb.path(), None);

    // pancred itself: exit 6, the command to run on stderr, nothing on stdout.
    for args in [
        &["--profile", "w", "token"][..],
        &["--profile", "w", "--login", "never", "token"],
    ] {
        let r: Run = detached(&sb, &browser, bin(), args)
            .output()
            .unwrap()
            .into();
        assert_eq!(r.code, 6, "{args:?}: {}", r.all());
        assert!(r.stderr.contains(COMMAND), "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    let r: Run = detached(
        &sb,
        &browser,
        bin(),
        &["--profile", "w", "exec", "--", "true"],
    )
    .output()
    .unwrap()
    .into();
    assert_eq!(r.code, 6, "{}", r.all());

    // 30 gits at once.
    let helper = format!("credential.helper=!{} --profile w git-credential", bin());
    let start = Instant::now();
    let gits: Vec<Child> = (0..30)
        .map(|_| {
            let mut c = detached(&sb, &browser, "git", &[]);
            c.args([
                "-c",
                "credential.helper=",
                "-c",
                &helper,
                "credential",
                "fill",
            ])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let runs: Vec<Run> = gits
        .into_iter()
        .map(|g| finish(g, "protocol=https\nhost=git.example\n\n"))
        .collect();
    let gits_took = start.elapsed();
    for r in &runs {
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(r.stderr.contains(COMMAND), "{}", r.stderr);
        assert!(!r.stdout.contains("password="), "{}", r.stdout);
    }

    // 30 kubectls at once; the kubeconfig says interactiveMode Never.
    if have_program("kubectl") {
        let config = sb.path().join("kubeconfig");
        let doc = json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
            "users": [{"name": "u", "user": {"exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": bin(), "args": ["--profile", "w", "kubectl-credential"],
                "interactiveMode": "Never"}}}],
            "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "c",
        });
        std::fs::write(&config, doc.to_string()).unwrap();
        let start = Instant::now();
        let kubectls: Vec<Child> = (0..30)
            .map(|_| {
                detached(&sb, &browser, "kubectl", &["--kubeconfig"])
                    .arg(&config)
                    .args(["get", "--raw", "/api"])
                    .spawn()
                    .unwrap()
            })
            .collect();
        for k in kubectls {
            let r = finish(k, "");
            assert_ne!(r.code, 0, "{}", r.all());
            assert!(r.stderr.contains("exit code 6"), "{}", r.stderr);
        }
        eprintln!("30 kubectl get: {:?}", start.elapsed());
    }
    eprintln!("30 git credential fill: {gits_took:?}");
    assert!(gits_took < Duration::from_secs(60), "{gits_took:?}");
    assert_eq!(calls(&count), 0, "a background caller opened a browser");
}

#[test]
fn a_grant_ended_at_the_provider_needs_a_login_and_background_callers_fail_fast() {
    if !(have_program("git") && have_program("setsid")) {
        return;
    }
    let Some(oidc) = common::oidc::Oidc::start() else {
        return;
    };
    let sb = Sandbox::new();
    let doc = oidc.login(
        &sb,
        "w",
        &common::oidc::basic_client(),
        common::oidc::WEB_REDIRECT,
    );
    let old = doc["refresh_token"].as_str().unwrap().to_string();
    // The grant ends at the provider; the profile still holds its refresh token and a stale
    // access token, as after a revocation elsewhere.
    let r = sb.run(&["--profile", "w", "revoke", "--refresh-token"]);
    assert_eq!(r.code, 0, "{}", r.all());
    init(&sb, &json!({"profile": "w", "refresh_token": old}));
    common::oidc::expire_token(&sb, "w");
    let before = std::fs::read(&sb.creds).unwrap();
    let (browser, count) = counting_browser(sb.path(), None);

    let r: Run = detached(&sb, &browser, bin(), &["--profile", "w", "token"])
        .output()
        .unwrap()
        .into();
    assert_eq!(r.code, 6, "{}", r.all());
    assert!(r.stderr.contains(COMMAND), "{}", r.stderr);

    let helper = format!("credential.helper=!{} --profile w git-credential", bin());
    let gits: Vec<Child> = (0..10)
        .map(|_| {
            let mut c = detached(&sb, &browser, "git", &[]);
            c.args([
                "-c",
                "credential.helper=",
                "-c",
                &helper,
                "credential",
                "fill",
            ])
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdin(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    for g in gits {
        let r = finish(g, "protocol=https\nhost=git.example\n\n");
        assert_ne!(r.code, 0, "{}", r.all());
        assert!(r.stderr.contains(COMMAND), "{}", r.stderr);
    }
    assert_eq!(calls(&count), 0);
    // The refused refreshes changed nothing stored.
    assert_eq!(std::fs::read(&sb.creds).unwrap(), before);
}
