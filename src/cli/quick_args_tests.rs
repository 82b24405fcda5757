//! The quick reader and clap must agree on every line the quick one accepts.

use super::*;
use rstest::rstest;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn real_env(var: &str) -> Option<OsString> {
    std::env::var_os(var)
}

/// clap's reading, or `None` where clap refuses the line.
fn clap(args: &[&str]) -> Option<String> {
    let mut all = vec!["pancred"];
    all.extend_from_slice(args);
    crate::cli::help::parse(all.into_iter().map(OsString::from))
        .ok()
        .map(|c| format!("{c:?}"))
}

#[rstest]
#[case(&["token"])]
#[case(&["token", "--no-refresh"])]
#[case(&["--profile", "work", "token"])]
#[case(&["token", "--profile", "work"])]
#[case(&["token", "--profile=work"])]
#[case(&["--profile=a=b", "token"])]
#[case(&["--store", "file", "--profile", "p", "token"])]
#[case(&["--store=redis", "token", "--leeway", "300"])]
#[case(&["--credentials-file", "/tmp/c.json", "token"])]
#[case(&["--leeway", "0", "token", "--no-refresh"])]
#[case(&["--redis-url", "redis://127.0.0.1:1/0", "--store", "redis", "token"])]
#[case(&["--sqlite-path", "/tmp/db", "--memcached-url", "memcache://127.0.0.1:1", "token"])]
#[case(&["git-credential", "get"])]
#[case(&["--profile", "gh", "git-credential", "get", "--username", "me"])]
#[case(&["git-credential", "erase", "--profile", "gh"])]
#[case(&["kubectl-credential"])]
#[case(&["exec", "--", "env"])]
#[case(&["--profile", "gh", "exec", "--env", "GH_TOKEN", "--", "gh", "api", "/user"])]
#[case(&["exec", "--env=A", "--env", "B", "--profile", "p", "--", "sh", "-c", "echo $A"])]
#[case(&["exec", "--", "--help", "--", "-x", "--profile", "p"])]
#[case(&["exec", "--", ""])]
#[case(&["--profile", "k8s", "kubectl-credential", "--leeway", "120"])]
fn lines_it_reads_are_read_as_clap_reads_them(#[case] args: &[&str]) {
    let quick = parse(&os(args), &real_env).map(|c| format!("{c:?}"));
    assert!(quick.is_some(), "the quick reader should take {args:?}");
    assert_eq!(quick, clap(args), "{args:?}");
}

#[rstest]
#[case(&[])]
#[case(&["--help"])]
#[case(&["token", "--help"])]
#[case(&["-h", "token"])]
#[case(&["--version"])]
#[case(&["list"])]
#[case(&["tok"])]
#[case(&["token", "token"])]
#[case(&["token", "extra"])]
#[case(&["--profile", "token"])]
#[case(&["--profile", "a", "--profile", "b", "token"])]
#[case(&["--profile", "-x", "token"])]
#[case(&["--profile=", "token"])]
#[case(&["--profile"])]
#[case(&["token", "--profile"])]
#[case(&["--store", "File", "token"])]
#[case(&["--store", "bogus", "token"])]
#[case(&["--leeway", "-5", "token"])]
#[case(&["--leeway", "+5", "token"])]
#[case(&["--leeway", "99999999999999999999", "token"])]
#[case(&["--no-refresh", "token"])]
#[case(&["token", "--no-refresh", "--no-refresh"])]
#[case(&["token", "--no-refresh=true"])]
#[case(&["--client-id", "c", "token"])]
#[case(&["--access-token-file", "/tmp/t", "token"])]
#[case(&["token", "--", "x"])]
#[case(&["git-credential"])]
#[case(&["git-credential", "get", "store"])]
#[case(&["--username", "me", "git-credential", "get"])]
#[case(&["token", "--username", "me"])]
#[case(&["kubectl-credential", "--exec-info", "{}"])]
#[case(&["exec"])]
#[case(&["exec", "--"])]
#[case(&["exec", "--env", "A"])]
#[case(&["exec", "true"])]
#[case(&["exec", "--env", "-x", "--", "true"])]
#[case(&["exec", "--no-refresh", "--", "true"])]
#[case(&["token", "--env", "A"])]
#[case(&["--keep-fresh", "token"])]
#[case(&["--keep-fresh", "exec", "--", "true"])]
fn anything_else_is_left_to_clap(#[case] args: &[&str]) {
    assert!(parse(&os(args), &real_env).is_none(), "{args:?}");
}

#[test]
fn non_utf8_arguments_are_left_to_clap() {
    use std::os::unix::ffi::OsStringExt;
    let args = vec![
        OsString::from("--profile"),
        OsString::from_vec(vec![0xff, 0xfe]),
        OsString::from("token"),
    ];
    assert!(parse(&args, &real_env).is_none());
}

/// The variables clap reads, compared with the same values given as flags.
#[rstest]
#[case(ENV_REDIS_URL, "--redis-url", &["token"])]
#[case(ENV_SQLITE_PATH, "--sqlite-path", &["token"])]
#[case(ENV_MEMCACHED_URL, "--memcached-url", &["git-credential", "get"])]
fn variables_stand_for_their_flags(#[case] var: &str, #[case] flag: &str, #[case] rest: &[&str]) {
    let value = "x://127.0.0.1:1";
    let env = |v: &str| (v == var).then(|| OsString::from(value));
    let quick = parse(&os(rest), &env).map(|c| format!("{c:?}"));
    let mut with_flag = vec![flag, value];
    with_flag.extend_from_slice(rest);
    // (clap reads this process's environment too; the flag wins over it, as here.)
    let flag_given = parse(&os(&with_flag), &real_env).map(|c| format!("{c:?}"));
    assert!(quick.is_some());
    assert_eq!(quick, clap(&with_flag));
    assert_eq!(quick, flag_given);
    // An empty value is clap's to judge.
    let empty = |v: &str| (v == var).then(OsString::new);
    assert!(parse(&os(rest), &empty).is_none());
}

#[test]
fn kubectl_exec_info_comes_from_its_variable() {
    let info = r#"{"apiVersion":"client.authentication.k8s.io/v1beta1"}"#;
    let env = |v: &str| (v == ENV_EXEC_INFO).then(|| OsString::from(info));
    let cli = parse(&os(&["kubectl-credential"]), &env).expect("quick");
    assert!(matches!(
        cli.command,
        Some(Command::KubectlCredential { exec_info: Some(ref e) }) if e == info
    ));
}
