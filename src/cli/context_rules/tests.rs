#![allow(clippy::disallowed_methods)] // (the tests write the rules files they read)

use super::*;
use std::os::unix::fs::PermissionsExt;

fn rules_file(text: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("context.json");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    (tmp, path)
}

fn error(text: &[u8]) -> String {
    let (_tmp, path) = rules_file(text);
    let e = load(&path).unwrap_err();
    assert_eq!(crate::cli::exit_code(&e), 2, "{e}");
    let e = e.to_string();
    assert!(e.contains("context.json"), "{e}");
    e
}

#[test]
fn rules_are_read_in_order() {
    let (_tmp, path) = rules_file(
        br#"{"rules": [
            {"dir": "/srv/acme", "profile": "acme"},
            {"git_remote": "github.com/acme", "profile": "acme"},
            {"kube_context": "prod", "profile": "prod"}
        ]}"#,
    );
    let rules = load(&path).unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0].pattern, Pattern::Dir("/srv/acme".into()));
    assert_eq!((rules[1].kind, rules[1].number), ("git_remote", 2));
    assert_eq!(rules[2].pattern, Pattern::KubeContext("prod".into()));
    assert!(load(&path.with_file_name("absent.json"))
        .unwrap()
        .is_empty());
}

#[test]
fn a_bad_file_is_an_error_naming_its_line() {
    let e = error(b"{\"rules\": [\n  {\"dri\": \"/x\", \"profile\": \"a\"}\n]}");
    assert!(e.contains("line 2") && e.contains("dri"), "{e}");
    let e = error(
        b"{\"rules\": [\n\n {\"dir\": \"/x\", \"git_remote\": \"h/o\", \"profile\": \"a\"}]}",
    );
    assert!(e.contains("line 3") && e.contains("exactly one"), "{e}");
    let e = error(b"{\"rules\": [{\"dir\": \"work/acme\", \"profile\": \"a\"}]}");
    assert!(e.contains("absolute"), "{e}");
    let e = error(b"{\"rules\": [{\"dir\": \"/x\", \"profile\": \"a\\u001b[2Jb\"}]}");
    assert!(
        e.contains("control characters") && !e.contains('\u{1b}'),
        "{e}"
    );
    let e = error(b"{\"rules\": [{\"kube_context\": \"p\\u0007\", \"profile\": \"a\"}]}");
    assert!(
        e.contains("control characters") && !e.contains('\u{7}'),
        "{e}"
    );
    let e = error(b"{\"rules\": [{\"dir\": \"/x\", \"profile\": \"a\xff\"}]}");
    assert!(e.contains("line 1"), "{e}");
    let e = error(b"{\"rules\": [{\"git_remote\": \"h:port/x\", \"profile\": \"a\"}]}");
    assert!(e.contains("HOST[:PORT]"), "{e}");
    error(b"[]");
    error(b"");
    let deep = format!(
        "{{\"rules\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    error(deep.as_bytes());
    let huge = format!("{{\"rules\": [], \"x\": \"{}\"}}", "a".repeat(300 * 1024));
    let e = error(huge.as_bytes());
    assert!(e.contains("more than"), "{e}");
}

#[test]
fn a_file_others_may_change_is_refused() {
    let (_tmp, path) = rules_file(br#"{"rules": []}"#);
    for mode in [0o622, 0o646, 0o666] {
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        let e = load(&path).unwrap_err().to_string();
        assert!(e.contains("other users can write"), "{e}");
    }
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(load(&path).is_ok());
}

fn rule(pattern: Pattern, profile: &str, number: usize) -> Rule {
    Rule {
        kind: "",
        written: String::new(),
        pattern,
        profile: profile.into(),
        number,
    }
}

#[test]
fn the_deepest_folder_and_the_most_specific_remote_win() {
    let rules = vec![
        rule(Pattern::Dir("/srv/work".into()), "work", 1),
        rule(Pattern::Dir("/srv/work/acme".into()), "acme", 2),
        rule(Pattern::Dir("/srv/work/acme".into()), "second", 3),
        rule(Pattern::Dir("/srv/workshop".into()), "shop", 4),
    ];
    let at = |p: &str| best_dir(&rules, Path::new(p)).map(|r| r.profile.as_str());
    assert_eq!(at("/srv/work/acme/tool/src"), Some("acme"));
    assert_eq!(at("/srv/work/other"), Some("work"));
    assert_eq!(at("/srv/work"), Some("work"));
    assert_eq!(at("/srv/workshop/x"), Some("shop"));
    assert_eq!(at("/srv"), None);

    let g = |text: &str| Pattern::GitRemote(remote::pattern(text).unwrap());
    let rules = vec![
        rule(g("github.com"), "host", 1),
        rule(g("github.com/acme"), "acme", 2),
        rule(g("github.com/acme/secret"), "secret", 3),
        rule(g("github.com/beta"), "beta", 4),
    ];
    let of =
        |url: &str| best_remote(&rules, remote::from_url(url).as_ref()).map(|r| r.profile.as_str());
    assert_eq!(of("https://github.com/acme/tool.git"), Some("acme"));
    assert_eq!(of("git@github.com:acme/secret.git"), Some("secret"));
    assert_eq!(of("https://github.com/beta/x"), Some("beta"));
    assert_eq!(of("https://github.com/gamma/x"), Some("host"));
    assert_eq!(of("https://gitlab.com/acme/x"), None);
}
