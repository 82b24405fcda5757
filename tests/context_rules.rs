//! Context rules choose the profile: a folder, a git remote (host and owner) or a kube context
//! named in `$XDG_CONFIG_HOME/pancred/context.json`. Both programs (`pancred`, answering from
//! its cache, and `pancred-full`) are run in folders and repositories made for the test, and
//! real git asks for credentials of two owners on one HTTPS host.
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::git::{certificate, git_server, GitServer};
use common::oidc::{init, stored};
use common::{bin, have_program, jwt, now, Run, Sandbox};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

const FULL: &str = env!("CARGO_BIN_EXE_pancred-full");

struct World {
    sb: Sandbox,
    acme: String,
    beta: String,
}

/// Two profiles, `acme` and `beta`, each with a valid token.
fn world() -> World {
    let sb = Sandbox::new();
    let mut tokens = Vec::new();
    for name in ["acme", "beta"] {
        let token = jwt(&json!({"exp": now() + 3600, "sub": name}));
        init(
            &sb,
            &json!({"profile": name, "dialect": "oauth2", "client_id": "c",
                    "access_token": token}),
        );
        tokens.push(token);
    }
    let beta = tokens.pop().unwrap();
    let acme = tokens.pop().unwrap();
    World { sb, acme, beta }
}

impl World {
    fn rules_path(&self) -> PathBuf {
        self.sb.home.join(".config/pancred/context.json")
    }

    fn rules(&self, rules: &Value) {
        self.rules_text(json!({ "rules": rules }).to_string().as_bytes());
    }

    fn rules_text(&self, text: &[u8]) {
        let path = self.rules_path();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    fn run_in(&self, program: &str, dir: &Path, args: &[&str]) -> Run {
        self.sb
            .program(program)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
            .into()
    }

    fn token_in(&self, program: &str, dir: &Path) -> String {
        let r = self.run_in(program, dir, &["token"]);
        assert_eq!(r.code, 0, "{program} in {}: {}", dir.display(), r.all());
        r.stdout.trim().to_string()
    }

    fn folder(&self, rel: &str) -> PathBuf {
        let p = self.sb.path().join(rel);
        std::fs::create_dir_all(&p).unwrap();
        p
    }
}

#[test]
fn each_folder_gets_its_profile_and_the_flag_and_variable_still_win() {
    let w = world();
    let acme_deep = w.folder("work/acme/tool/src");
    let beta = w.sb.home.join("beta-stuff");
    std::fs::create_dir_all(beta.join("x")).unwrap();
    let elsewhere = w.folder("elsewhere");
    w.rules(&json!([
        {"dir": w.sb.path().join("work/acme").to_str().unwrap(), "profile": "acme"},
        {"dir": "~/beta-stuff", "profile": "beta"},
    ]));
    assert_eq!(w.sb.run(&["use", "acme"]).code, 0);
    for program in [bin(), FULL] {
        assert_eq!(w.token_in(program, &acme_deep), w.acme, "{program}");
        assert_eq!(w.token_in(program, &beta.join("x")), w.beta, "{program}");
        // No rule here: the store's default.
        assert_eq!(w.token_in(program, &elsewhere), w.acme, "{program}");
        let r = w.run_in(program, &beta, &["--profile", "acme", "token"]);
        assert_eq!(r.stdout.trim(), w.acme, "{program}: {}", r.all());
        let r: Run =
            w.sb.program(program)
                .args(["token"])
                .env("PANCRED_PROFILE", "acme")
                .current_dir(&beta)
                .output()
                .unwrap()
                .into();
        assert_eq!(r.stdout.trim(), w.acme, "{program}: {}", r.all());
        let r: Run =
            w.sb.program(program)
                .args([
                    "exec",
                    "--",
                    "sh",
                    "-c",
                    "printf %s \"$PANCRED_ACCESS_TOKEN\"",
                ])
                .current_dir(&beta)
                .output()
                .unwrap()
                .into();
        assert_eq!(r.stdout, w.beta, "{program}: {}", r.all());
    }

    // `show` says which rule chose the profile.
    let r = w.run_in(bin(), &beta, &["show"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("beta"), "{}", r.stdout);
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("chosen by"))
        .unwrap();
    assert!(
        line.contains("rule 2 (dir ~/beta-stuff)") && line.contains("context.json"),
        "{line}"
    );
    let show = |dir: &Path, extra: &[&str]| -> Value {
        let mut args = extra.to_vec();
        args.extend(["show", "--json"]);
        let r = w.run_in(bin(), dir, &args);
        assert_eq!(r.code, 0, "{}", r.all());
        serde_json::from_str(&r.stdout).unwrap()
    };
    let doc = show(&acme_deep, &[]);
    assert_eq!(doc["profile"], "acme");
    assert_eq!(
        doc["chosen_by"],
        json!({"by": "rule", "rule": 1, "kind": "dir",
               "pattern": w.sb.path().join("work/acme").to_str().unwrap(),
               "file": w.rules_path().to_str().unwrap()})
    );
    assert_eq!(
        show(&elsewhere, &[])["chosen_by"],
        json!({"by": "store_default"})
    );
    assert_eq!(
        show(&beta, &["--profile", "acme"])["chosen_by"],
        json!({"by": "flag"})
    );
}

/// `git init` at `dir` with `origin` at `url`.
fn repository(w: &World, dir: &Path, url: &str) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for args in [&["init", "-q"][..], &["remote", "add", "origin", url]] {
        let ok =
            w.sb.program("git")
                .args(args)
                .current_dir(dir)
                .status()
                .unwrap()
                .success();
        assert!(ok, "git {args:?}");
    }
}

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

#[test]
fn a_hostile_rules_file_is_a_clear_error() {
    let w = world();
    let dir = w.folder("d");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            b"{\"rules\": [\n  {\"dir\": \"/x\" \"profile\": \"a\"}\n]}".to_vec(),
            "line 2",
        ),
        (
            b"{\"rules\": [{\"dir\": \"/x\", \"profile\": \"\\u001b]52;c;AAAA\\u0007\"}]}".to_vec(),
            "control characters",
        ),
        (
            b"{\"rules\": [{\"dir\": \"/x\", \"profile\": \"\xff\xfe\"}]}".to_vec(),
            "line 1",
        ),
        (
            format!("{{\"rules\": [], \"pad\": \"{}\"}}", "x".repeat(1 << 20)).into_bytes(),
            "more than",
        ),
        (
            format!("{{\"rules\": {}", "[".repeat(100_000)).into_bytes(),
            "line 1",
        ),
    ];
    for (text, expected) in cases {
        w.rules_text(&text);
        for program in [bin(), FULL] {
            let r = w.run_in(program, &dir, &["token"]);
            assert_eq!(r.code, 2, "{program}: {}", r.all());
            assert!(
                r.stderr.contains("context.json") && r.stderr.contains(expected),
                "{program}: {}",
                r.stderr
            );
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            assert!(!r.stderr.contains('\u{1b}') && !r.stderr.contains('\u{7}'));
            assert!(r.stdout.is_empty());
        }
    }
    // A file others may change is refused; the same file made private is read.
    w.rules(&json!([{"dir": dir.to_str().unwrap(), "profile": "beta"}]));
    std::fs::set_permissions(w.rules_path(), std::fs::Permissions::from_mode(0o666)).unwrap();
    let r = w.run_in(bin(), &dir, &["token"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("other users can write"), "{}", r.stderr);
    std::fs::set_permissions(w.rules_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(w.token_in(bin(), &dir), w.beta);
}

#[test]
fn kubectl_follows_the_kubeconfigs_current_context() {
    let w = world();
    let kubeconfig = w.sb.path().join("kubeconfig");
    w.rules(&json!([
        {"kube_context": "prod", "profile": "acme"},
        {"kube_context": "staging", "profile": "beta"},
    ]));
    let info = r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}"#;
    for (context, token) in [("prod", &w.acme), ("\"staging\"", &w.beta)] {
        std::fs::write(
            &kubeconfig,
            format!("apiVersion: v1\nkind: Config\ncurrent-context: {context}\n"),
        )
        .unwrap();
        for program in [bin(), FULL] {
            let r: Run =
                w.sb.program(program)
                    .arg("kubectl-credential")
                    .env(
                        "KUBECONFIG",
                        format!("/nonexistent:{}", kubeconfig.display()),
                    )
                    .env("KUBERNETES_EXEC_INFO", info)
                    .output()
                    .unwrap()
                    .into();
            assert_eq!(r.code, 0, "{program}: {}", r.all());
            let doc: Value = serde_json::from_str(&r.stdout).unwrap();
            assert_eq!(&doc["status"]["token"], token, "{program} {context}");
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
