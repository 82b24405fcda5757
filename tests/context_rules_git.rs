//! Context rules choose the profile by git remote (host and owner): the current folder's
//! repository, and real git asking for credentials of two owners on one HTTPS host (with and
//! without `credential.useHttpPath`); git's `state` names the profile that answered for `erase`.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::context::{repository, world, World};
use common::git::{certificate, git_server, GitServer};
use common::oidc::{init, stored};
use common::{bin, have_program, Run};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const FULL: &str = env!("CARGO_BIN_EXE_pancred-full");

#[test]
fn a_repositorys_remote_picks_its_owners_profile() {
    if !have_program("git") {
        return;
    }
    let w = world();
    let (a, b) = (w.sb.path().join("a"), w.sb.path().join("b"));
    repository(&w, &a, "https://github.com/Acme/tool.git");
    repository(&w, &b, "git@github.com:beta/tool.git");
    w.rules(&json!([
        {"git_remote": "github.com/acme", "profile": "acme"},
        {"git_remote": "github.com/beta", "profile": "beta"},
    ]));
    for program in [bin(), FULL] {
        assert_eq!(w.token_in(program, &a.join("sub")), w.acme, "{program}");
        assert_eq!(w.token_in(program, &b.join("sub")), w.beta, "{program}");
    }
    let r = w.run_in(bin(), &b, &["show", "--json"]);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["chosen_by"]["kind"], "git_remote", "{doc}");
    assert_eq!(doc["chosen_by"]["pattern"], "github.com/beta", "{doc}");
}

/// A remote written as a shorthand that `url.<base>.insteadOf` rewrites, in a file the user's
/// `~/.gitconfig` includes and in one it includes only for repositories under a folder: the
/// profile is chosen by the URL git itself fetches from (`git ls-remote --get-url`).
#[test]
fn a_remote_is_seen_as_git_rewrites_it() {
    if !have_program("git") {
        return;
    }
    let w = world();
    let home = &w.sb.home;
    let work = w.folder("work");
    std::fs::write(
        home.join(".gitconfig"),
        format!(
            "[include]\n\tpath = .gitconfig-short\n[includeIf \"gitdir:{}/\"]\n\tpath = ~/.gitconfig-work\n",
            work.display()
        ),
    )
    .unwrap();
    std::fs::write(
        home.join(".gitconfig-short"),
        "[url \"https://github.com/\"]\n\tinsteadOf = gh:\n",
    )
    .unwrap();
    // At work, the longer shorthand means another owner.
    std::fs::write(
        home.join(".gitconfig-work"),
        "[url \"https://github.com/acme/\"]\n\tinsteadOf = gh:beta/\n",
    )
    .unwrap();
    let (mine, theirs) = (w.sb.path().join("own/tool"), work.join("tool"));
    repository(&w, &mine, "gh:beta/tool");
    repository(&w, &theirs, "gh:beta/tool");
    w.rules(&json!([
        {"git_remote": "github.com/acme", "profile": "acme"},
        {"git_remote": "github.com/beta", "profile": "beta"},
    ]));
    for (dir, url, token) in [
        (&mine, "https://github.com/beta/tool", &w.beta),
        (&theirs, "https://github.com/acme/tool", &w.acme),
    ] {
        let git = w.run_in("git", dir, &["ls-remote", "--get-url", "origin"]);
        assert_eq!(git.stdout.trim(), url, "git itself: {}", git.all());
        for program in [bin(), FULL] {
            assert_eq!(
                &w.token_in(program, &dir.join("sub")),
                token,
                "{program} in {url}"
            );
        }
    }
}

/// Real git against one HTTPS host serving `/acme/repo.git` and `/beta/repo.git`, each wanting
/// its owner's token.
struct GitWorld {
    w: World,
    ca: PathBuf,
    server: GitServer,
}

fn git_world() -> Option<GitWorld> {
    if !(have_program("git") && have_program("openssl") && have_program("python3")) {
        return None;
    }
    let w = world();
    let tls = certificate(w.sb.path());
    let tokens = format!("/acme/ {}\n/beta/ {}\n/gamma/ none\n", w.acme, w.beta);
    let server = git_server(w.sb.path(), "https", &tokens, Some(&tls));
    w.rules(&json!([
        {"git_remote": "git.example/acme", "profile": "acme"},
        {"git_remote": "git.example/beta", "profile": "beta"},
        {"git_remote": "git.example/gamma", "profile": "gamma"},
    ]));
    Some(GitWorld {
        ca: tls.0,
        w,
        server,
    })
}

impl GitWorld {
    fn url(&self, owner: &str) -> String {
        format!("https://git.example:{}/{owner}/repo.git", self.server.port)
    }

    /// `git [-c credential.useHttpPath=true] ls-remote ARGS` in `dir`, with `helper` alone.
    fn ls_remote(&self, dir: &Path, helper: &str, use_path: bool, args: &[&str]) -> Run {
        let mut c = self.w.sb.program("git");
        c.current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_SSL_CAINFO")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .arg("-c")
            .arg(format!("http.sslCAInfo={}", self.ca.display()))
            .arg("-c")
            .arg(format!(
                "http.curloptResolve=git.example:{}:127.0.0.1",
                self.server.port
            ))
            .args(["-c", "credential.helper="])
            .arg("-c")
            .arg(format!("credential.helper={helper}"))
            .arg("-c")
            .arg(format!("credential.useHttpPath={use_path}"))
            .arg("ls-remote")
            .args(args);
        c.stdin(Stdio::null()).output().unwrap().into()
    }
}

#[test]
fn real_git_gets_each_owners_token_on_one_host() {
    let Some(g) = git_world() else { return };
    let outside = g.w.folder("outside");
    for program in [bin(), FULL] {
        let helper = format!("!{program} git-credential");
        // credential.useHttpPath: git sends the path, which names the owner.
        for owner in ["acme", "beta"] {
            let r = g.ls_remote(&outside, &helper, true, &[&g.url(owner)]);
            assert_eq!(r.code, 0, "{program} {owner}: {}", r.all());
            assert!(r.stdout.contains("refs/heads/main"), "{}", r.stdout);
        }
        // Without it, the repository git runs in tells the owner.
        for owner in ["acme", "beta"] {
            let repo = g.w.sb.path().join(format!("{owner}-clone"));
            if !repo.exists() {
                repository(&g.w, &repo, &g.url(owner));
            }
            let r = g.ls_remote(&repo.join("sub"), &helper, false, &["origin"]);
            assert_eq!(r.code, 0, "{program} {owner}: {}", r.all());
        }
        // Neither: no rule, no default profile; git gets nothing.
        let r = g.ls_remote(&outside, &helper, false, &[&g.url("beta")]);
        assert_ne!(r.code, 0, "{program}: {}", r.all());
    }
    let seen = g.server.seen();
    use base64::Engine as _;
    let basic = |t: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("oauth2:{t}"))
        )
    };
    assert!(seen.contains(&basic(&g.w.acme)) && seen.contains(&basic(&g.w.beta)));
}

#[test]
fn a_request_read_to_choose_the_profile_reaches_the_whole_program() {
    let Some(g) = git_world() else { return };
    // `gamma` has no token: `pancred` reads git's request, picks gamma by its path, and hands the
    // request to `pancred-full`, which tries gamma's refresh (and says what gamma lacks).
    init(
        &g.w.sb,
        &json!({"profile": "gamma", "dialect": "oauth2", "client_id": "c",
                "token_url": "https://127.0.0.1:9/token", "refresh_token": "r"}),
    );
    let outside = g.w.folder("outside");
    let helper = format!("!{} --login never git-credential", bin());
    let r = g.ls_remote(&outside, &helper, true, &[&g.url("gamma")]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("profile 'gamma'"), "{}", r.stderr);
}

#[test]
fn git_hands_back_the_profile_that_answered_and_erase_forgets_its_token() {
    let Some(g) = git_world() else { return };
    let outside = g.w.folder("outside");
    let git = |op: &str, input: &str| -> Run {
        let mut c = g.w.sb.program("git");
        c.current_dir(&outside)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .args(["-c", "credential.helper=", "-c"])
            .arg(format!("credential.helper=!{} git-credential", bin()))
            .args(["-c", "credential.useHttpPath=true", "credential", op])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap().into()
    };
    let r = git(
        "fill",
        "capability[]=state\nprotocol=https\nhost=git.example\npath=acme/repo.git\n\n",
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout.contains("state[]=pancred.profile=acme\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!("password={}\n", g.w.acme)));

    // git reports the token refused, without the path: the context now chooses beta (the
    // store's default), but the state names acme, whose token is forgotten.
    assert_eq!(g.w.sb.run(&["use", "beta"]).code, 0);
    let reject = r.stdout.replace("path=acme/repo.git\n", "");
    let r = git("reject", &reject);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(stored(&g.w.sb, "acme").get("access_token").is_none());
    assert_eq!(stored(&g.w.sb, "beta")["access_token"], json!(g.w.beta));

    // Real git over HTTPS: the server refuses beta's token; git's erase (with the state it was
    // handed) forgets it.
    std::fs::write(
        g.w.sb.path().join("https-token"),
        format!("/beta/ another\n/acme/ {}\n", g.w.acme),
    )
    .unwrap();
    let helper = format!("!{} git-credential", bin());
    let r = g.ls_remote(&outside, &helper, true, &[&g.url("beta")]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(stored(&g.w.sb, "beta").get("access_token").is_none());
}
