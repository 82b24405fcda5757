//! The quick reader and clap must agree on every line the quick one accepts.

use super::*;
use rstest::rstest;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
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
#[case(&["--login", "never", "token"])]
#[case(&["git-credential", "get", "--login=always"])]
fn lines_it_reads_are_read_as_clap_reads_them(#[case] args: &[&str]) {
    let quick = parse(&os(args)).map(|c| format!("{c:?}"));
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
#[case(&["--login", "sometimes", "token"])]
#[case(&["--login", "never", "--login", "auto", "token"])]
#[case(&["--keep-fresh", "exec", "--", "true"])]
fn anything_else_is_left_to_clap(#[case] args: &[&str]) {
    assert!(parse(&os(args)).is_none(), "{args:?}");
}

#[test]
fn non_utf8_arguments_are_left_to_clap() {
    use std::os::unix::ffi::OsStringExt;
    let args = vec![
        OsString::from("--profile"),
        OsString::from_vec(vec![0xff, 0xfe]),
        OsString::from("token"),
    ];
    assert!(parse(&args).is_none());
}

/// clap's definition of the quick commands: the top level (global options) and each command.
fn clap_args() -> Vec<(Option<&'static str>, clap::Arg)> {
    let cmd = crate::cli::help::command();
    let mut out: Vec<(Option<&'static str>, clap::Arg)> =
        cmd.get_arguments().map(|a| (None, a.clone())).collect();
    for name in COMMANDS {
        let sub = cmd
            .find_subcommand(name)
            .expect("a quick command is clap's too");
        out.extend(sub.get_arguments().map(|a| (Some(*name), a.clone())));
    }
    out
}

#[test]
fn every_option_of_the_quick_commands_is_read_here_or_left_to_clap() {
    for (command, arg) in clap_args() {
        // Positional arguments (git's operation, exec's command) are read by their place.
        let Some(long) = arg.get_long() else {
            continue;
        };
        // No option reads the environment through clap: the settings table does.
        assert!(
            arg.get_env().is_none(),
            "--{long} reads {:?} through clap",
            arg.get_env()
        );
        if LEFT_TO_CLAP.contains(&long) {
            continue;
        }
        let opt = OPTIONS.iter().find(|o| o.long == long).unwrap_or_else(|| {
            panic!("--{long} is neither read by the quick reader nor left to clap")
        });
        let scope = if arg.is_global_set() {
            Scope::Global
        } else {
            match command {
                Some(c) => Scope::Of(c),
                None => Scope::Global,
            }
        };
        // (clap copies a global option into every command: its copy there is the same option.)
        assert!(
            opt.scope == scope || (opt.scope == Scope::Global && arg.is_global_set()),
            "--{long}: {scope:?} in clap, {:?} here",
            opt.scope
        );
        assert_eq!(
            opt.takes_value,
            arg.get_action().takes_values(),
            "--{long}: takes a value?"
        );
        if !opt.takes_value {
            continue;
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect();
        let ours: Vec<String> = opt.default.iter().map(|d| d.to_string()).collect();
        assert_eq!(ours, defaults, "--{long}: default");
    }
}

#[test]
fn every_option_read_here_is_clap_s() {
    let all = clap_args();
    for opt in OPTIONS {
        let found = all.iter().any(|(command, arg)| {
            arg.get_long() == Some(opt.long)
                && match opt.scope {
                    Scope::Global => arg.is_global_set(),
                    Scope::Of(c) => *command == Some(c),
                }
        });
        assert!(
            found,
            "--{} ({:?}) is not in clap's definition",
            opt.long, opt.scope
        );
    }
    for long in LEFT_TO_CLAP {
        assert!(
            all.iter().any(|(_, a)| a.get_long() == Some(long)),
            "--{long} is not clap's"
        );
    }
}

#[test]
fn the_leeway_default_is_the_engine_s() {
    assert_eq!(LEEWAY_DEFAULT, crate::profile::DEFAULT_LEEWAY.to_string());
}
