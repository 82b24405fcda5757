//! `pancred` is a small executable that answers a cached token itself and runs `pancred-full`,
//! the whole program, for everything else. These tests hold the two to the same answers, show
//! which one answered (under strace), and check what a user sees when one is missing.
#![cfg(feature = "cli")]

mod common;

use common::front::{handed_over, run, Vars};
use common::oidc::init;
use common::{have_program, jwt, now, Sandbox};
use serde_json::json;
use std::path::Path;
use std::process::Stdio;

const FULL: &str = env!("CARGO_BIN_EXE_pancred-full");

/// A profile whose token is good for an hour and whose provider cannot be reached.
fn cached(sb: &Sandbox, name: &str, extra: serde_json::Value) -> String {
    let token = jwt(&json!({"exp": now() + 3600, "sub": name}));
    let mut doc = json!({"profile": name, "dialect": "oauth2", "client_id": "c",
        "client_secret": "s", "refresh_token": "r", "token_url": "http://127.0.0.1:1/token",
        "access_token": token});
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        d.extend(e.clone());
    }
    init(sb, &doc);
    token
}

#[test]
fn a_cached_token_is_answered_by_the_small_program_and_the_rest_by_the_whole() {
    if !have_program("strace") {
        return;
    }
    let sb = Sandbox::new();
    let token = cached(&sb, "work", json!({}));
    let git_in = "protocol=https\nhost=git.example\n\n";
    let kube_env = [(
        "KUBERNETES_EXEC_INFO",
        r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential"}"#,
    )];
    let print_token = "printf %s \"$PANCRED_ACCESS_TOKEN\"";
    let answered: [(&[&str], Vars, &str); 7] = [
        (&["--profile", "work", "token"], &[], ""),
        // Another program's completion variable is not pancred's.
        (&["--profile", "work", "token"], &[("COMPLETE", "bash")], ""),
        (
            &["token", "--no-refresh"],
            &[("PANCRED_PROFILE", "work")],
            "",
        ),
        (&["--profile=work", "kubectl-credential"], &kube_env, ""),
        (&["--profile", "work", "git-credential", "get"], &[], git_in),
        (
            &[
                "--store",
                "file",
                "--profile",
                "work",
                "--leeway",
                "60",
                "token",
            ],
            &[],
            "",
        ),
        (
            &["--profile", "work", "exec", "--", "sh", "-c", print_token],
            &[],
            "",
        ),
    ];
    for (args, env, input) in answered {
        let (r, full) = handed_over(&sb, args, env, input);
        assert_eq!(r.code, 0, "{args:?}: {}", r.all());
        assert!(r.stdout.contains(&token), "{args:?}: {}", r.stdout);
        assert!(!full, "{args:?} ran the whole program");
    }
    // Everything else is the whole program's: other commands, help, a token that needs a
    // refresh, pancloud's variables, another store, pancred's completion callback.
    let handed: [(&[&str], Vars); 9] = [
        (&["list"], &[]),
        (&["token", "--help"], &[]),
        (&["--profile", "work", "--leeway", "7200", "token"], &[]),
        (&["--profile", "work", "token"], &[("PAN_CLIENT_ID", "x")]),
        (
            &["--profile", "work", "token"],
            &[("PANCRED_STORE", "memory")],
        ),
        (&["--profile", "nobody", "token"], &[]),
        (&["--profile", "work", "git-credential", "erase"], &[]),
        (
            &["--profile", "work", "token"],
            &[("PANCRED_COMPLETE", "bash")],
        ),
        (
            &["--profile", "work", "exec", "--env", "A=B", "--", "true"],
            &[],
        ),
    ];
    for (args, env) in handed {
        let (r, full) = handed_over(&sb, args, env, "");
        assert!(full, "{args:?} was not handed over: {}", r.all());
    }
    // An empty rescue folder holds nothing for this profile.
    let rescue = sb.home.join(".local/state/pancred/rescue");
    std::fs::create_dir_all(&rescue).unwrap();
    assert!(!handed_over(&sb, &["--profile", "work", "token"], &[], "").1);
    std::fs::remove_dir(&rescue).unwrap();
    // A file others can read: warned about, by the same rule and words as the whole program's.
    set_mode(&sb.creds, 0o644);
    let (r, full) = handed_over(&sb, &["--profile", "work", "token"], &[], "");
    assert!(!full && r.code == 0, "{}", r.all());
    assert!(
        r.stderr.contains("warning") && r.stderr.contains("0644"),
        "{}",
        r.all()
    );
    set_mode(&sb.creds, 0o600);
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn both_programs_give_the_same_answers() {
    let sb = Sandbox::new();
    let work = cached(&sb, "work", json!({"git_hosts": ["git.example"]}));
    cached(&sb, "home", json!({}));
    // An opaque token whose expiry only the store knows.
    init(
        &sb,
        &json!({"profile": "opaque", "dialect": "oauth2", "client_id": "c",
                "refresh_token": "r", "token_url": "http://127.0.0.1:1/token",
                "access_token": "opaque-token", "expires_at": now() + 600}),
    );
    cached(&sb, "pan", json!({"dialect": "pancloud"}));
    let v1beta1 = [(
        "KUBERNETES_EXEC_INFO",
        r#"{"apiVersion":"client.authentication.k8s.io/v1beta1"}"#,
    )];
    let show = "echo \"$PANCRED_ACCESS_TOKEN|${PAN_ACCESS_TOKEN-unset}|${GH_TOKEN-unset}\"";
    let cases: Vec<(Vec<&str>, Vars, &str)> = vec![
        (vec!["token"], &[], ""),
        (vec!["--profile", "work", "token"], &[], ""),
        (vec!["token", "--profile", "opaque"], &[], ""),
        (vec!["token"], &[("PANCRED_PROFILE", "home")], ""),
        (vec!["--profile", "opaque", "kubectl-credential"], &[], ""),
        (
            vec!["--profile", "work", "kubectl-credential"],
            &v1beta1,
            "",
        ),
        (
            vec!["--profile", "work", "kubectl-credential"],
            &[("KUBERNETES_EXEC_INFO", r#"{"apiVersion":"v0"}"#)],
            "",
        ),
        (
            vec![
                "--profile",
                "work",
                "git-credential",
                "get",
                "--username",
                "me",
            ],
            &[],
            "protocol=https\nhost=git.example\n\n",
        ),
        // Silence for a host the profile does not serve.
        (
            vec!["--profile", "work", "git-credential", "get"],
            &[],
            "protocol=https\nhost=elsewhere.example\n\n",
        ),
        (
            vec!["--profile", "opaque", "git-credential", "get"],
            &[],
            "host=any\n\n",
        ),
        (vec!["--profile", "nobody", "token"], &[], ""),
        (
            vec![
                "--profile",
                "opaque",
                "--leeway",
                "900",
                "token",
                "--no-refresh",
            ],
            &[],
            "",
        ),
        (
            vec!["--profile", "work", "token"],
            &[("PAN_ACCESS_TOKEN", "env")],
            "",
        ),
        (
            vec!["--store", "file", "--profile", "home", "token"],
            &[],
            "",
        ),
        (
            vec![
                "--profile",
                "work",
                "exec",
                "--env",
                "GH_TOKEN",
                "--",
                "sh",
                "-c",
                show,
            ],
            &[],
            "",
        ),
        (
            vec!["--profile", "pan", "exec", "--", "sh", "-c", show],
            &[],
            "",
        ),
        (
            vec!["--profile", "work", "exec", "--", "sh", "-c", "exit 7"],
            &[],
            "",
        ),
        (
            vec![
                "--profile",
                "work",
                "exec",
                "--",
                "sh",
                "-c",
                "kill -KILL $$",
            ],
            &[],
            "",
        ),
        (
            vec!["--profile", "work", "exec", "--", "no-such-program-here"],
            &[],
            "",
        ),
        (vec!["exec", "--env", "", "--", "true"], &[], ""),
    ];
    for round in ["no default", "default"] {
        if round == "default" {
            assert_eq!(sb.run(&["use", "work"]).code, 0);
        }
        for (args, env, input) in &cases {
            let small = run(&sb, common::bin(), args, env, input);
            let whole = run(&sb, FULL, args, env, input);
            let what = format!("{round}: {args:?} {env:?}");
            assert_eq!(
                small.code,
                whole.code,
                "{what}: {} / {}",
                small.all(),
                whole.all()
            );
            assert_eq!(small.stdout, whole.stdout, "{what}");
            assert_eq!(small.stderr, whole.stderr, "{what}");
        }
    }
    // The answers are the tokens themselves.
    assert_eq!(
        run(&sb, common::bin(), &["token"], &[], "").stdout,
        format!("{work}\n")
    );
}

#[test]
fn without_the_whole_program_the_user_is_told_what_is_missing() {
    let sb = Sandbox::new();
    let token = cached(&sb, "work", json!({}));
    let lone = sb.path().join("bin");
    std::fs::create_dir(&lone).unwrap();
    let copy = lone.join("pancred");
    std::fs::copy(common::bin(), &copy).unwrap();
    let r = run(&sb, copy.to_str().unwrap(), &["list"], &[], "");
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("pancred-full") && r.stderr.contains("install both programs"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    // A cached token needs only the small program.
    let r = run(
        &sb,
        copy.to_str().unwrap(),
        &["--profile", "work", "token"],
        &[],
        "",
    );
    assert_eq!(r.stdout.trim_end(), token, "{}", r.all());
}

#[test]
fn the_whole_program_speaks_as_pancred() {
    let sb = Sandbox::new();
    let r = sb.run(&["bogus-command"]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("Usage: pancred "), "{}", r.stderr);
    assert!(!r.all().contains("pancred-full"), "{}", r.all());
    let r = sb.run(&["--version"]);
    assert!(r.stdout.starts_with("pancred "), "{}", r.stdout);
}

/// A token that cannot be delivered (the reader went away) is an error or SIGPIPE, never a panic.
#[test]
fn a_closed_pipe_is_never_a_panic() {
    let sb = Sandbox::new();
    cached(&sb, "work", json!({}));
    for (program, args) in [
        (common::bin(), vec!["--profile", "work", "token"]),
        (FULL, vec!["--profile", "work", "token"]),
        (FULL, vec!["--profile", "work", "show", "--json"]),
        (FULL, vec!["--profile", "work", "kubectl-credential"]),
    ] {
        let mut c = sb.program(program);
        c.args(&args).stderr(Stdio::piped());
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        c.stdout(writer);
        let out = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{program} {args:?}: {stderr}");
        use std::os::unix::process::ExitStatusExt;
        let sigpipe = out.status.signal() == Some(13);
        assert!(
            sigpipe || (out.status.code() == Some(1) && stderr.contains("cannot write")),
            "{program} {args:?}: {:?} {stderr}",
            out.status
        );
    }
}

#[test]
fn a_link_to_pancred_finds_the_whole_program_beside_its_target() {
    let sb = Sandbox::new();
    cached(&sb, "work", json!({}));
    let dir = sb.path().join("links");
    std::fs::create_dir(&dir).unwrap();
    let link = dir.join("pancred");
    std::os::unix::fs::symlink(common::bin(), &link).unwrap();
    let r = run(&sb, link.to_str().unwrap(), &["list"], &[], "");
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("work"), "{}", r.stdout);
}
