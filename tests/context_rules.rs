//! Context rules choose the profile: a folder or a kube context named in
//! `$XDG_CONFIG_HOME/pancred/context.json`, and a rules file that is not to be trusted. Both
//! programs (`pancred`, answering from its cache, and `pancred-full`) are run in folders made
//! for the test. (Git remotes: tests/context_rules_git.rs.)
#![allow(clippy::disallowed_methods)] // (a test sets up its files and stores as it likes)
#![cfg(feature = "cli")]

mod common;

use common::context::world;
use common::kube::api_server;
use common::{bin, have_program, Run};
use serde_json::{json, Value};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

const FULL: &str = env!("CARGO_BIN_EXE_pancred-full");

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

#[test]
fn rules_are_added_listed_and_removed_with_pancred_context() {
    let w = world();
    let acme = w.folder("work/acme");
    let beta = w.folder("work/beta");
    let run = |dir: &Path, args: &[&str]| w.run_in(bin(), dir, args);
    let r = run(&acme, &["context", "add", "--dir", ".", "acme"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(
        &acme,
        &["context", "add", "--dir", beta.to_str().unwrap(), "beta"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let r = run(
        &acme,
        &["context", "add", "--git-remote", "github.com/acme", "acme"],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let mode = std::fs::metadata(w.rules_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(w.token_in(bin(), &beta), w.beta);
    assert_eq!(w.token_in(bin(), &acme), w.acme);

    let r = run(&beta, &["context", "list"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let marked: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with('*')).collect();
    assert_eq!(marked.len(), 1, "{}", r.stdout);
    assert!(
        marked[0].contains("work/beta") && marked[0].ends_with("beta"),
        "{}",
        r.stdout
    );
    let r = run(&beta, &["context", "list", "--json"]);
    let rows: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert_eq!(rows[1]["applies_here"], true);
    assert_eq!(
        rows[2],
        json!({"rule": 3, "kind": "git_remote", "pattern": "github.com/acme",
                               "profile": "acme", "applies_here": false})
    );

    // A bad rule or number: exit 2, and the file is as it was.
    let before = std::fs::read(w.rules_path()).unwrap();
    for args in [
        &["context", "add", "--git-remote", "h:port/x", "acme"][..],
        &["context", "add", "--kube-context", "p", "a\u{1b}[2J"],
        &[
            "context",
            "add",
            "--dir",
            "/x",
            "--kube-context",
            "p",
            "acme",
        ],
        &["context", "remove", "4"],
        &["context", "remove", "0"],
    ] {
        let r = run(&beta, args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.all());
        assert!(!r.stderr.contains('\u{1b}'), "{}", r.stderr);
        assert_eq!(std::fs::read(w.rules_path()).unwrap(), before, "{args:?}");
    }

    let r = run(&beta, &["context", "remove", "2"]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("beta"), "{}", r.stderr);
    // No rule for this folder now, and no default profile: `default` is missing.
    let r = run(&beta, &["token"]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert_eq!(w.token_in(bin(), &acme), w.acme);
}

#[test]
fn real_kubectl_switching_context_switches_profile() {
    if !(have_program("kubectl") && have_program("openssl") && have_program("python3")) {
        return;
    }
    let w = world();
    let api = api_server(w.sb.path());
    w.rules(&json!([
        {"kube_context": "prod", "profile": "acme"},
        {"kube_context": "staging", "profile": "beta"},
    ]));
    // Two contexts sharing one user, whose plugin names no profile.
    let config = w.sb.path().join("kubeconfig");
    let user = json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                               "command": bin(), "args": ["kubectl-credential"],
                               "interactiveMode": "Never"}});
    let doc = json!({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "c", "cluster": {
            "server": format!("https://127.0.0.1:{}", api.port),
            "certificate-authority": api.ca}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "prod", "context": {"cluster": "c", "user": "u"}},
                     {"name": "staging", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "prod",
    });
    std::fs::write(&config, doc.to_string()).unwrap();
    let kubectl = |args: &[&str]| -> Run {
        w.sb.program("kubectl")
            .env("KUBECONFIG", &config)
            .args(args)
            .output()
            .unwrap()
            .into()
    };
    let get = || kubectl(&["get", "--raw", "/api/v1/namespaces/default/pods"]);
    for (context, token, other) in [("prod", &w.acme, &w.beta), ("staging", &w.beta, &w.acme)] {
        let r = kubectl(&["config", "use-context", context]);
        assert_eq!(r.code, 0, "{}", r.all());
        std::fs::write(&api.token_file, token).unwrap();
        let r = get();
        assert_eq!(r.code, 0, "{context}: {}", r.all());
        assert!(r.stdout.contains("pancred-stub-ok"), "{}", r.stdout);
        // The server wanting the other profile's token: this context does not hand it out.
        std::fs::write(&api.token_file, other).unwrap();
        assert_ne!(get().code, 0, "{context}");
    }
}
