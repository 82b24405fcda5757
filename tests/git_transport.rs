//! pancred as git's credential helper behind the real git transport: git 2.47 fetching from
//! small local servers (tests/git_support/gitserver.py), one over HTTPS with a self-signed CA
//! given to git, one over plain HTTP. The token goes only over HTTPS, to the listed host and
//! port, for the username the profile answers as; no storing helper keeps it; a storing helper
//! listed first is warned about. Both programs (`pancred` answering from its cache, and
//! `pancred-full`) are the helper in turn.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use base64::Engine as _;
use common::git::{certificate, git_server, GitServer};
use common::oidc::init;
use common::{bin, have_program, jwt, now, Run, Sandbox};
use serde_json::json;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

const FULL: &str = env!("CARGO_BIN_EXE_pancred-full");

struct World {
    sb: Sandbox,
    token: String,
    ca: PathBuf,
    https: GitServer,
    unlisted: GitServer,
    http: GitServer,
}

impl World {
    /// `git ls-remote URL` with `helpers` as the only credential helpers, every stub's port
    /// resolving `git.example` to 127.0.0.1, and no prompt.
    fn ls_remote(&self, helpers: &[String], url: &str) -> Run {
        let mut c = self.sb.program("git");
        c.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_SSL_CAINFO")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .arg("-c")
            .arg(format!("http.sslCAInfo={}", self.ca.display()))
            .args(["-c", "credential.helper="]);
        for s in [&self.https, &self.unlisted, &self.http] {
            c.arg("-c").arg(format!(
                "http.curloptResolve=git.example:{}:127.0.0.1",
                s.port
            ));
        }
        for h in helpers {
            c.arg("-c").arg(format!("credential.helper={h}"));
        }
        c.args(["ls-remote", url]).output().expect("run git").into()
    }

    fn basic(&self, user: &str) -> String {
        let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", self.token));
        format!("Basic {b}")
    }

    /// Whether any request `server` saw carried the token, whatever the username or scheme.
    fn token_reached(&self, server: &GitServer) -> bool {
        server.seen().iter().any(|auth| {
            let basic = auth
                .strip_prefix("Basic ")
                .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                .map(|b| String::from_utf8_lossy(&b).into_owned());
            auth.contains(&self.token) || basic.is_some_and(|b| b.contains(&self.token))
        })
    }
}

fn world() -> Option<World> {
    if !(have_program("git") && have_program("openssl") && have_program("python3")) {
        return None;
    }
    let sb = Sandbox::new();
    let token = jwt(&json!({"exp": now() + 3600, "sub": "me"}));
    let tls = certificate(sb.path());
    let https = git_server(sb.path(), "https", &token, Some(&tls));
    let unlisted = git_server(sb.path(), "unlisted", &token, Some(&tls));
    let http = git_server(sb.path(), "http", &token, None);
    init(
        &sb,
        &json!({"profile": "w", "dialect": "oauth2", "client_id": "c", "access_token": token,
                "git_hosts": [format!("git.example:{}", https.port),
                              format!("git.example:{}", http.port)]}),
    );
    Some(World {
        ca: tls.0,
        sb,
        token,
        https,
        unlisted,
        http,
    })
}

fn helper(program: &str, args: &str) -> String {
    format!("!{program} --profile w git-credential {args}")
}

#[test]
fn the_token_goes_only_over_https_to_the_listed_host_and_port_for_the_right_user() {
    let Some(w) = world() else { return };
    for program in [bin(), FULL] {
        let plain = vec![helper(program, "")];
        let (https, http, unlisted) = (w.https.port, w.http.port, w.unlisted.port);

        let r = w.ls_remote(&plain, &format!("https://git.example:{https}/repo.git"));
        assert_eq!(r.code, 0, "{program}: {}", r.all());
        assert!(r.stdout.contains("refs/heads/main"), "{}", r.stdout);
        assert!(
            w.https.seen().contains(&w.basic("oauth2")),
            "{:?}",
            w.https.seen()
        );

        // Plain http to a host on the network: no answer, and the user is told why.
        let r = w.ls_remote(&plain, &format!("http://git.example:{http}/repo.git"));
        assert_ne!(r.code, 0, "{program}: {}", r.all());
        assert!(r.stderr.contains("plain http"), "{}", r.stderr);

        // The listed host on a port that is not listed.
        let r = w.ls_remote(&plain, &format!("https://git.example:{unlisted}/repo.git"));
        assert_ne!(r.code, 0, "{program}: {}", r.all());

        // Another username than the one answered.
        let before = w.https.seen().len();
        let r = w.ls_remote(
            &plain,
            &format!("https://alice@git.example:{https}/repo.git"),
        );
        assert_ne!(r.code, 0, "{program}: {}", r.all());
        let after = &w.https.seen()[before..];
        assert!(
            after.iter().all(|a| !a.contains(&w.basic("oauth2")[6..])),
            "{after:?}"
        );
        assert!(!after.iter().any(|a| a == &w.basic("alice")), "{after:?}");
        let alice = vec![helper(program, "--username alice")];
        let r = w.ls_remote(
            &alice,
            &format!("https://alice@git.example:{https}/repo.git"),
        );
        assert_eq!(r.code, 0, "{program}: {}", r.all());
        assert!(w.https.seen().contains(&w.basic("alice")));
    }
    // The servers that should not get the token were asked, and never saw it.
    assert!(!w.http.seen().is_empty() && !w.unlisted.seen().is_empty());
    assert!(!w.token_reached(&w.http), "{:?}", w.http.seen());
    assert!(!w.token_reached(&w.unlisted), "{:?}", w.unlisted.seen());

    // The profile may allow plain http: then the same request is answered.
    init(&w.sb, &json!({"profile": "w", "allow_insecure_http": true}));
    let r = w.ls_remote(
        &[helper(bin(), "")],
        &format!("http://git.example:{}/repo.git", w.http.port),
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(w.http.seen().contains(&w.basic("oauth2")));
}

#[test]
fn no_storing_helper_keeps_the_token_and_one_listed_first_is_warned_about() {
    let Some(w) = world() else { return };
    let url = format!("https://git.example:{}/repo.git", w.https.port);
    let store = w.sb.path().join("git-credentials");
    let store_helper = format!("store --file {}", store.display());

    // After pancred: git hands it the answer, marked ephemeral; it keeps nothing.
    let r = w.ls_remote(&[helper(bin(), ""), store_helper.clone()], &url);
    assert_eq!(r.code, 0, "{}", r.all());
    let kept = std::fs::read_to_string(&store).unwrap_or_default();
    assert!(!kept.contains(&w.token), "{kept}");
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);

    // Before pancred: it would answer first with its copy; pancred says so.
    let r = w.ls_remote(&[store_helper, helper(FULL, "")], &url);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("warning") && r.stderr.contains("`store --file"),
        "{}",
        r.stderr
    );
}

/// `pancred git-credential get` run by a caller that keeps its end of the pipe open until it has
/// the answer: the answer comes at the blank line.
fn answer_with_pipe_open(sb: &Sandbox, program: &str, request: &[u8]) -> String {
    let mut child = sb
        .program(program)
        .args(["--profile", "w", "git-credential", "get"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(request).unwrap();
    stdin.flush().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        let _ = tx.send(out);
    });
    let start = Instant::now();
    let out = rx.recv_timeout(Duration::from_secs(20));
    let waited = start.elapsed();
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    let out = out.unwrap_or_else(|_| panic!("{program} waited for the end of its input"));
    assert!(waited < Duration::from_secs(20));
    out
}

#[test]
fn the_request_ends_at_the_blank_line_and_may_hold_any_byte() {
    let sb = Sandbox::new();
    let token = jwt(&json!({"exp": now() + 3600}));
    init(
        &sb,
        &json!({"profile": "w", "dialect": "oauth2", "client_id": "c", "access_token": token,
                "git_hosts": ["git.example"]}),
    );
    let mut request = b"capability[]=state\nprotocol=https\nhost=git.example\n".to_vec();
    // A Latin-1 realm and a percent-decoded path: not UTF-8.
    request.extend_from_slice(b"path=caf\xe9/\xff.git\nwwwauth[]=Basic realm=\"d\xe9p\xf4t\"\n\n");
    for program in [bin(), FULL] {
        let out = answer_with_pipe_open(&sb, program, &request);
        assert!(
            out.contains(&format!("password={token}\n")),
            "{program}: {out}"
        );
        assert!(out.contains("username=oauth2\n"), "{out}");
        // Without `capability[]=authtype`, no attribute git would not understand; `state`, which
        // this git announced, names the profile that answered.
        assert!(
            !out.contains("ephemeral") && !out.contains("authtype"),
            "{out}"
        );
        assert!(
            out.contains("capability[]=state\n") && out.contains("state[]=pancred.profile=w\n"),
            "{out}"
        );
    }
}

#[test]
fn a_token_the_server_refuses_is_erased_through_the_basic_credential() {
    let Some(w) = world() else { return };
    // The server now wants another token: git reports ours as refused (`erase` with the
    // `authtype=Basic` credential it was given), and pancred forgets it.
    std::fs::write(w.sb.path().join("https-token"), "another-token").unwrap();
    let url = format!("https://git.example:{}/repo.git", w.https.port);
    let r = w.ls_remote(&[helper(FULL, "")], &url);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(w.https.seen().contains(&w.basic("oauth2")));
    let doc = common::oidc::stored(&w.sb, "w");
    assert!(doc.get("access_token").is_none(), "{doc}");
}
