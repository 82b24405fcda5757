//! The cached path of `token`, `git-credential get` and `kubectl-credential`: a valid cached token
//! is answered without the provider and without starting a thread; everything else goes the
//! full way as before (a stale token refreshed once through the real provider, `PAN_*` variables
//! and explicit credentials over the cache, the same errors and exit codes).
#![cfg(feature = "cli")]
#![allow(clippy::disallowed_methods)] // a test sets up files and stores as it needs

mod common;

use common::oidc::{basic_client, expire_token, init, stored, Oidc, WEB_REDIRECT};
use common::{have_program, jwt, now, Run, Sandbox};
use serde_json::{json, Value};
use std::process::Stdio;

fn ok(r: &Run) -> &str {
    assert_eq!(r.code, 0, "{}", r.all());
    r.stdout.trim_end()
}

/// A profile with a token valid for an hour whose provider cannot be reached: only the cache
/// can answer.
fn cached(sb: &Sandbox, name: &str) -> String {
    let token = jwt(&json!({"exp": now() + 3600, "sub": name}));
    init(
        sb,
        &json!({"profile": name, "dialect": "oauth2", "client_id": "c", "client_secret": "s",
                "refresh_token": "r", "token_url": "http://127.0.0.1:1/token",
                "access_token": token}),
    );
    token
}

/// Runs pancred under strace and counts the threads and processes it started.
fn clones(sb: &Sandbox, args: &[&str], input: &str) -> (Run, usize) {
    let log = sb.path().join("strace.log");
    let mut c = sb.program("strace");
    c.args(["-f", "-qq", "-e", "trace=clone,clone3,fork,vfork", "-o"])
        .arg(&log)
        .arg(common::bin())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run strace");
    let _ = std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes());
    let run: Run = child.wait_with_output().unwrap().into();
    let text = std::fs::read_to_string(&log).expect("the strace log");
    let n = text
        .lines()
        .filter(|l| l.contains("clone") || l.contains("fork"))
        .count();
    (run, n)
}

#[test]
fn a_valid_cached_token_is_answered_without_the_provider_or_a_thread() {
    let sb = Sandbox::new();
    let token = cached(&sb, "work");
    assert_eq!(ok(&sb.run(&["--profile", "work", "token"])), token);
    assert_eq!(ok(&sb.run(&["token", "--profile=work"])), token);

    let git = sb.run_with_input(
        &[
            "--profile",
            "work",
            "git-credential",
            "get",
            "--username",
            "me",
        ],
        "protocol=https\nhost=git.example\n\n",
    );
    assert!(
        ok(&git).starts_with(&format!(
            "username=me\npassword={token}\npassword_expiry_utc="
        )),
        "{}",
        git.stdout
    );
    let kube: Value =
        serde_json::from_str(ok(&sb.run(&["--profile", "work", "kubectl-credential"])))
            .expect("an ExecCredential");
    assert_eq!(kube["status"]["token"], token.as_str());
    assert!(kube["status"]["expirationTimestamp"].is_string());

    if !have_program("strace") {
        return;
    }
    for (args, input) in [
        (&["--profile", "work", "token"][..], ""),
        (
            &["--profile", "work", "git-credential", "get"][..],
            "protocol=https\nhost=git.example\n\n",
        ),
        (&["--profile", "work", "kubectl-credential"][..], ""),
    ] {
        let (r, n) = clones(&sb, args, input);
        assert!(ok(&r).contains(&token), "{args:?}: {}", r.all());
        assert_eq!(n, 0, "{args:?} started {n} threads or processes");
    }
}

#[test]
fn a_stale_token_is_refreshed_once_by_the_real_provider() {
    let Some(oidc) = Oidc::start() else {
        return;
    };
    let sb = Sandbox::new();
    oidc.login(&sb, "idp", &basic_client(), WEB_REDIRECT);
    expire_token(&sb, "idp");
    let before = oidc.refreshes();
    // Four at once on the expired token: one refresh, one new token for all.
    let children: Vec<_> = (0..4)
        .map(|_| {
            sb.cmd(&["--profile", "idp", "token"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn pancred")
        })
        .collect();
    let outs: Vec<Run> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().into())
        .collect();
    let fresh = ok(&outs[0]).to_string();
    for r in &outs {
        assert_eq!(ok(r), fresh);
    }
    assert_eq!(oidc.refreshes() - before, 1, "{}", oidc.counts());
    assert_eq!(stored(&sb, "idp")["access_token"], fresh.as_str());
    // Now cached: answered without another refresh.
    assert_eq!(ok(&sb.run(&["--profile", "idp", "token"])), fresh);
    // A leeway wider than the token's life makes it stale: refreshed again.
    let wide = ok(&sb.run(&["--profile", "idp", "--leeway", "86400", "token"])).to_string();
    assert_ne!(wide, fresh);
    assert_eq!(oidc.refreshes() - before, 2, "{}", oidc.counts());
}

#[test]
fn variables_and_flags_still_win_over_the_cache() {
    let sb = Sandbox::new();
    let work = cached(&sb, "work");
    let home = cached(&sb, "home");
    // PAN_ACCESS_TOKEN and friends are the whole credential set when any is set.
    let r = sb
        .cmd(&["--profile", "work", "token"])
        .env("PAN_ACCESS_TOKEN", "from-the-environment")
        .output()
        .unwrap()
        .into();
    assert_eq!(ok(&r), "from-the-environment");
    // ... so a PAN_* set without an access token must refresh, and cannot reach this provider.
    let r: Run = sb
        .cmd(&["--profile", "work", "token"])
        .env("PAN_CLIENT_ID", "someone-else")
        .output()
        .unwrap()
        .into();
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(!r.stdout.contains(&work));
    // An explicit access token file wins over both.
    let file = sb.path().join("at");
    std::fs::write(&file, "from-a-file\n").unwrap();
    let r = sb.run(&[
        "--profile",
        "work",
        "--access-token-file",
        file.to_str().unwrap(),
        "token",
    ]);
    assert_eq!(ok(&r), "from-a-file");
    // PANCRED_PROFILE picks the profile; --profile wins over it.
    let pick = |args: &[&str]| -> Run {
        sb.cmd(args)
            .env("PANCRED_PROFILE", "home")
            .output()
            .unwrap()
            .into()
    };
    assert_eq!(ok(&pick(&["token"])), home);
    assert_eq!(ok(&pick(&["--profile", "work", "token"])), work);
    // The default profile (`pancred use`).
    ok(&sb.run(&["use", "home"]));
    assert_eq!(ok(&sb.run(&["token"])), home);
}

#[test]
fn errors_are_the_same_as_before() {
    let sb = Sandbox::new();
    cached(&sb, "work");
    let r = sb.run(&["--profile", "nope", "token"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    // (Hints may follow on the next lines.)
    assert_eq!(
        r.stderr.lines().next(),
        Some(
            format!(
                "pancred: error: no profile 'nope' in the file store ({})",
                sb.creds.display()
            )
            .as_str()
        ),
        "{}",
        r.stderr
    );
    let r = sb.run(&[
        "--profile",
        "work",
        "--leeway",
        "7200",
        "token",
        "--no-refresh",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.trim_end(),
        "pancred: error: the access token of profile 'work' is stale (expiring) and --no-refresh forbids refreshing it"
    );
    // A usage error is still clap's, word for word.
    let r = sb.run(&["--store", "bogus", "token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("invalid value 'bogus' for '--store <STORE>'"),
        "{}",
        r.stderr
    );
    // A file that is not a credentials database is reported, not read past.
    std::fs::write(&sb.creds, "{not json").unwrap();
    let r = sb.run(&["--profile", "work", "token"]);
    assert_eq!(r.code, 5, "{}", r.all());
    assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);
}
